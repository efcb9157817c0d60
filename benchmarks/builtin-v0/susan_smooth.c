/* susan_smooth: SUSAN-style structure-preserving noise smoothing of an
 * 8-bit grey image. A synthetic image (gradient background, rectangles and
 * discs, additive noise) is bordered by mirroring; every pixel is replaced
 * by the average of its 7x7 neighbourhood weighted by a Gaussian spatial
 * term and a brightness-similarity term exp(-(dI/t)^2) (lookup tables built
 * with fixed-point exp), falling back to the neighbourhood median where no
 * neighbour is similar. Two passes with different thresholds are run.
 * Prints the smoothed images' statistics and checksum. argv[1] = image side
 * in pixels (default 512). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_SCALE 512
#define MAX_SCALE 2048
#define RADIUS 3
#define MASK (2 * RADIUS + 1)
#define Q16_ONE 65536

typedef struct {
    int w, h;
    uint8_t *px;
} image;

static long parse_scale(int argc, char **argv, long def, long max) {
    if (argc > 2) {
        fprintf(stderr, "usage: %s [scale]\n", argv[0]);
        exit(2);
    }
    if (argc < 2)
        return def;
    const char *s = argv[1];
    long v = 0;
    if (*s == '\0')
        goto bad;
    for (; *s; ++s) {
        if (*s < '0' || *s > '9')
            goto bad;
        v = v * 10 + (*s - '0');
        if (v > max)
            goto bad;
    }
    if (v <= 0)
        goto bad;
    return v;
bad:
    fprintf(stderr, "%s: scale must be an integer in 1..%ld, got '%s'\n",
            argv[0], max, argv[1]);
    exit(2);
}

static uint32_t rng_state = 0x5EED1234u;

static uint32_t rng_next(void) {
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return rng_state = x;
}

/* e^-x for x >= 0, both in Q16 */
static uint32_t exp_neg_q16(uint64_t x) {
    uint64_t y = (x * 94548u) >> 16; /* x * log2(e) */
    uint64_t n = y >> 16;
    if (n >= 31)
        return 0;
    int64_t z = (int64_t)(((y & 0xFFFFu) * 45426u) >> 16); /* frac * ln 2 */
    int64_t t = Q16_ONE - z / 6;
    t = Q16_ONE - ((z * t) >> 16) / 5;
    t = Q16_ONE - ((z * t) >> 16) / 4;
    t = Q16_ONE - ((z * t) >> 16) / 3;
    t = Q16_ONE - ((z * t) >> 16) / 2;
    t = Q16_ONE - ((z * t) >> 16);
    return (uint32_t)(t >> n);
}

static int image_alloc(image *im, int w, int h) {
    im->w = w;
    im->h = h;
    im->px = malloc((size_t)w * (size_t)h);
    return im->px != NULL;
}

static uint8_t clamp_u8(int v) { return (uint8_t)(v < 0 ? 0 : (v > 255 ? 255 : v)); }

static void generate_image(image *im) {
    int w = im->w, h = im->h;
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            im->px[y * w + x] = (uint8_t)(40 + (x * 80) / w + (y * 40) / h);
    for (int k = 0; k < 12; ++k) {
        int x0 = (int)(rng_next() % (uint32_t)w), y0 = (int)(rng_next() % (uint32_t)h);
        int rw = 4 + (int)(rng_next() % (uint32_t)(w / 3 + 1));
        int rh = 4 + (int)(rng_next() % (uint32_t)(h / 3 + 1));
        uint8_t level = (uint8_t)(rng_next() & 0xFFu);
        int disc = k & 1;
        for (int y = y0; y < y0 + rh && y < h; ++y)
            for (int x = x0; x < x0 + rw && x < w; ++x) {
                if (disc) {
                    int dx = 2 * (x - x0) - rw, dy = 2 * (y - y0) - rh;
                    if ((int64_t)dx * dx * rh * rh + (int64_t)dy * dy * rw * rw >
                        (int64_t)rw * rw * rh * rh)
                        continue;
                }
                im->px[y * w + x] = level;
            }
    }
    for (int i = 0; i < w * h; ++i) {
        int noise = (int)(rng_next() % 25u) - 12;
        im->px[i] = clamp_u8(im->px[i] + noise);
    }
}

/* copy with a mirrored border of RADIUS pixels */
static void enlarge(const image *src, image *dst) {
    int w = src->w, h = src->h, W = dst->w;
    for (int y = -RADIUS; y < h + RADIUS; ++y) {
        int sy = y < 0 ? -y - 1 : (y >= h ? 2 * h - y - 1 : y);
        for (int x = -RADIUS; x < w + RADIUS; ++x) {
            int sx = x < 0 ? -x - 1 : (x >= w ? 2 * w - x - 1 : x);
            dst->px[(y + RADIUS) * W + (x + RADIUS)] = src->px[sy * w + sx];
        }
    }
}

static void build_brightness_lut(int *lut, int t) {
    /* lut[d + 255] = 100 * exp(-(d/t)^2) */
    for (int d = -255; d <= 255; ++d) {
        uint64_t q = ((uint64_t)(d * d) << 16) / (uint64_t)(t * t);
        lut[d + 255] = (int)((exp_neg_q16(q) * 100u + Q16_ONE / 2) >> 16);
    }
}

static void build_spatial(int spatial[MASK][MASK], int dt) {
    for (int y = -RADIUS; y <= RADIUS; ++y)
        for (int x = -RADIUS; x <= RADIUS; ++x) {
            uint64_t q = ((uint64_t)(x * x + y * y) << 16) / (uint64_t)(dt * dt);
            spatial[y + RADIUS][x + RADIUS] = (int)((exp_neg_q16(q) * 100u + Q16_ONE / 2) >> 16);
        }
}

static uint8_t median_of_neighbours(const uint8_t *p, int stride) {
    uint8_t v[8];
    int k = 0;
    for (int dy = -1; dy <= 1; ++dy)
        for (int dx = -1; dx <= 1; ++dx)
            if (dx || dy)
                v[k++] = p[dy * stride + dx];
    for (int i = 1; i < 8; ++i) {
        uint8_t t = v[i];
        int j = i;
        while (j > 0 && v[j - 1] > t) {
            v[j] = v[j - 1];
            --j;
        }
        v[j] = t;
    }
    return (uint8_t)((v[3] + v[4] + 1) / 2);
}

static uint8_t smooth_pixel(const uint8_t *p, int stride, const int *lut,
                            int spatial[MASK][MASK]) {
    int centre = *p;
    int64_t total = 0, area = 0;
    for (int y = -RADIUS; y <= RADIUS; ++y) {
        const uint8_t *row = p + y * stride;
        const int *sp = spatial[y + RADIUS];
        for (int x = -RADIUS; x <= RADIUS; ++x) {
            int v = row[x];
            int wgt = sp[x + RADIUS] * lut[v - centre + 255];
            area += wgt;
            total += (int64_t)wgt * v;
        }
    }
    int64_t self = (int64_t)spatial[RADIUS][RADIUS] * lut[255];
    area -= self;
    total -= self * centre;
    if (area <= 0)
        return median_of_neighbours(p, stride);
    return (uint8_t)((total + area / 2) / area);
}

static void susan_smooth(const image *in, image *out, int t, int dt) {
    int lut[511];
    int spatial[MASK][MASK];
    image big;
    if (!image_alloc(&big, in->w + 2 * RADIUS, in->h + 2 * RADIUS)) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    build_brightness_lut(lut, t);
    build_spatial(spatial, dt);
    enlarge(in, &big);
    for (int y = 0; y < in->h; ++y)
        for (int x = 0; x < in->w; ++x) {
            const uint8_t *p = big.px + (y + RADIUS) * big.w + (x + RADIUS);
            out->px[y * out->w + x] = smooth_pixel(p, big.w, lut, spatial);
        }
    free(big.px);
}

static uint32_t image_hash(const image *im, uint64_t *sum) {
    uint32_t h = 0x811C9DC5u;
    uint64_t s = 0;
    for (int i = 0; i < im->w * im->h; ++i) {
        h ^= im->px[i];
        h *= 0x01000193u;
        s += im->px[i];
    }
    *sum = s;
    return h;
}

int main(int argc, char **argv) {
    int side = (int)parse_scale(argc, argv, DEFAULT_SCALE, MAX_SCALE);
    if (side < 8)
        side = 8;
    image src, a, b;
    if (!image_alloc(&src, side, side) || !image_alloc(&a, side, side) ||
        !image_alloc(&b, side, side)) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    generate_image(&src);
    susan_smooth(&src, &a, 20, 4);
    susan_smooth(&a, &b, 12, 3);

    uint64_t s0, s1, s2;
    uint32_t h0 = image_hash(&src, &s0);
    uint32_t h1 = image_hash(&a, &s1);
    uint32_t h2 = image_hash(&b, &s2);
    uint64_t tv0 = 0, tv2 = 0; /* total variation before/after */
    for (int y = 0; y < side; ++y)
        for (int x = 1; x < side; ++x) {
            int i = y * side + x;
            tv0 += (uint64_t)abs(src.px[i] - src.px[i - 1]);
            tv2 += (uint64_t)abs(b.px[i] - b.px[i - 1]);
        }
    printf("image: %dx%d\n", side, side);
    printf("mean brightness: %llu %llu %llu\n", (unsigned long long)(s0 / (uint64_t)(side * side)),
           (unsigned long long)(s1 / (uint64_t)(side * side)),
           (unsigned long long)(s2 / (uint64_t)(side * side)));
    printf("horizontal variation: %llu -> %llu\n", (unsigned long long)tv0,
           (unsigned long long)tv2);
    printf("checksum: 0x%08x\n", h0 ^ (h1 * 3u) ^ (h2 * 5u));
    free(b.px);
    free(a.px);
    free(src.px);
    return 0;
}
