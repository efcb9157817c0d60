/* dither: colour reduction by error diffusion. A synthetic RGB image
 * (smooth colour ramps, a radial blob and noise) is reduced (1) to 1-bit
 * grey with Floyd-Steinberg error diffusion in serpentine order, (2) to a
 * 16-colour palette with Floyd-Steinberg diffusion of per-channel errors
 * and nearest-palette-colour search, and (3) to 1-bit grey with an 8x8
 * Bayer ordered dither (matrix built recursively) for comparison. Prints
 * ink coverage, a local-average fidelity measure and a checksum of the
 * outputs. argv[1] = image side in pixels (default 768). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_SCALE 768
#define MAX_SCALE 2048
#define NPAL 16

typedef struct {
    uint8_t r, g, b;
} rgb;

typedef struct {
    int w, h;
    rgb *px;
} rgb_image;

static rgb palette[NPAL];
static int bayer[8][8];

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

static uint32_t rng_state = 0xA5A5A5A5u;

static uint32_t rng_next(void) {
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return rng_state = x;
}

static int clamp255(int v) { return v < 0 ? 0 : (v > 255 ? 255 : v); }

static void generate(rgb_image *im) {
    int w = im->w, h = im->h;
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            int r = (x * 255) / (w - 1);
            int g = (y * 255) / (h - 1);
            int b = 255 - (x + y) * 255 / (w + h - 2);
            int dx = x - w / 2, dy = y - h / 2;
            int d2 = dx * dx + dy * dy, rad2 = (w * w) / 9;
            if (d2 < rad2) {
                int k = 256 - (d2 * 256) / rad2;
                r += (k * (255 - r)) >> 9;
                g -= (k * g) >> 9;
            }
            int n = (int)(rng_next() % 17u) - 8;
            rgb *p = &im->px[y * w + x];
            p->r = (uint8_t)clamp255(r + n);
            p->g = (uint8_t)clamp255(g + n);
            p->b = (uint8_t)clamp255(b - n);
        }
}

static void build_palette(void) {
    /* 2 levels of red x 4 of green x 2 of blue */
    int k = 0;
    for (int r = 0; r < 2; ++r)
        for (int g = 0; g < 4; ++g)
            for (int b = 0; b < 2; ++b) {
                palette[k].r = (uint8_t)(r * 255);
                palette[k].g = (uint8_t)(g * 85);
                palette[k].b = (uint8_t)(b * 255);
                ++k;
            }
}

static void build_bayer(void) {
    /* M(2n) = [4M, 4M+2; 4M+3, 4M+1] */
    bayer[0][0] = 0;
    for (int n = 1; n < 8; n *= 2)
        for (int y = 0; y < n; ++y)
            for (int x = 0; x < n; ++x) {
                int m = bayer[y][x] * 4;
                bayer[y][x] = m;
                bayer[y][x + n] = m + 2;
                bayer[y + n][x] = m + 3;
                bayer[y + n][x + n] = m + 1;
            }
}

static int luma(rgb p) { return (77 * p.r + 150 * p.g + 29 * p.b + 128) >> 8; }

static int nearest_colour(int r, int g, int b) {
    int best = 0, bestd = 0x7FFFFFFF;
    for (int i = 0; i < NPAL; ++i) {
        int dr = r - palette[i].r, dg = g - palette[i].g, db = b - palette[i].b;
        int d = 2 * dr * dr + 4 * dg * dg + 3 * db * db;
        if (d < bestd) {
            bestd = d;
            best = i;
        }
    }
    return best;
}

/* distributes err (scaled by 16) with weights 7,3,5,1 */
static void diffuse(int *cur, int *next, int x, int dir, int w, int err) {
    if (x + dir >= 0 && x + dir < w)
        cur[x + dir + 1] += err * 7;
    if (x - dir >= 0 && x - dir < w)
        next[x - dir + 1] += err * 3;
    next[x + 1] += err * 5;
    if (x + dir >= 0 && x + dir < w)
        next[x + dir + 1] += err * 1;
}

static void fs_grey(const rgb_image *im, uint8_t *out) {
    int w = im->w, h = im->h;
    int *cur = calloc((size_t)w + 2, sizeof *cur), *next = calloc((size_t)w + 2, sizeof *next);
    if (!cur || !next) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    for (int y = 0; y < h; ++y) {
        int dir = (y & 1) ? -1 : 1;
        int x = dir > 0 ? 0 : w - 1;
        for (int i = 0; i < w; ++i, x += dir) {
            int v = luma(im->px[y * w + x]) + cur[x + 1] / 16;
            int o = v >= 128 ? 255 : 0;
            out[y * w + x] = (uint8_t)(o != 0);
            diffuse(cur, next, x, dir, w, v - o);
        }
        int *t = cur;
        cur = next;
        next = t;
        memset(next, 0, ((size_t)w + 2) * sizeof *next);
    }
    free(cur);
    free(next);
}

static void fs_palette(const rgb_image *im, uint8_t *out) {
    int w = im->w, h = im->h;
    int *cur[3], *next[3];
    for (int c = 0; c < 3; ++c) {
        cur[c] = calloc((size_t)w + 2, sizeof(int));
        next[c] = calloc((size_t)w + 2, sizeof(int));
        if (!cur[c] || !next[c]) {
            fprintf(stderr, "out of memory\n");
            exit(1);
        }
    }
    for (int y = 0; y < h; ++y) {
        int dir = (y & 1) ? -1 : 1;
        int x = dir > 0 ? 0 : w - 1;
        for (int i = 0; i < w; ++i, x += dir) {
            rgb p = im->px[y * w + x];
            int r = clamp255(p.r + cur[0][x + 1] / 16);
            int g = clamp255(p.g + cur[1][x + 1] / 16);
            int b = clamp255(p.b + cur[2][x + 1] / 16);
            int k = nearest_colour(r, g, b);
            out[y * w + x] = (uint8_t)k;
            diffuse(cur[0], next[0], x, dir, w, r - palette[k].r);
            diffuse(cur[1], next[1], x, dir, w, g - palette[k].g);
            diffuse(cur[2], next[2], x, dir, w, b - palette[k].b);
        }
        for (int c = 0; c < 3; ++c) {
            int *t = cur[c];
            cur[c] = next[c];
            next[c] = t;
            memset(next[c], 0, ((size_t)w + 2) * sizeof(int));
        }
    }
    for (int c = 0; c < 3; ++c) {
        free(cur[c]);
        free(next[c]);
    }
}

static void ordered_grey(const rgb_image *im, uint8_t *out) {
    for (int y = 0; y < im->h; ++y)
        for (int x = 0; x < im->w; ++x) {
            int threshold = bayer[y & 7][x & 7] * 4 + 2;
            out[y * im->w + x] = (uint8_t)(luma(im->px[y * im->w + x]) > threshold);
        }
}

/* mean absolute difference between 4x4 block averages of the source luma
 * and of the 1-bit result, times 100 */
static long fidelity(const rgb_image *im, const uint8_t *bits) {
    long total = 0, blocks = 0;
    for (int by = 0; by + 4 <= im->h; by += 4)
        for (int bx = 0; bx + 4 <= im->w; bx += 4) {
            int src = 0, dst = 0;
            for (int y = by; y < by + 4; ++y)
                for (int x = bx; x < bx + 4; ++x) {
                    src += luma(im->px[y * im->w + x]);
                    dst += bits[y * im->w + x] ? 255 : 0;
                }
            total += labs((long)src - dst);
            ++blocks;
        }
    return blocks ? total * 100 / (blocks * 16) : 0;
}

static uint32_t hash_bytes(uint32_t h, const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; ++i)
        h = (h ^ p[i]) * 0x01000193u;
    return h;
}

int main(int argc, char **argv) {
    int side = (int)parse_scale(argc, argv, DEFAULT_SCALE, MAX_SCALE);
    if (side < 8)
        side = 8;
    size_t n = (size_t)side * (size_t)side;
    rgb_image im = {side, side, malloc(n * sizeof(rgb))};
    uint8_t *fs = malloc(n), *pal = malloc(n), *ord = malloc(n);
    if (!im.px || !fs || !pal || !ord) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    build_palette();
    build_bayer();
    generate(&im);
    fs_grey(&im, fs);
    fs_palette(&im, pal);
    ordered_grey(&im, ord);

    size_t ink_fs = 0, ink_ord = 0, used[NPAL] = {0};
    for (size_t i = 0; i < n; ++i) {
        ink_fs += fs[i];
        ink_ord += ord[i];
        used[pal[i]]++;
    }
    int colours = 0;
    for (int i = 0; i < NPAL; ++i)
        colours += used[i] > 0;
    printf("white pixels: floyd-steinberg %zu, ordered %zu of %zu\n", ink_fs, ink_ord, n);
    printf("fidelity error: floyd-steinberg %ld, ordered %ld\n", fidelity(&im, fs),
           fidelity(&im, ord));
    printf("palette colours used: %d\n", colours);
    uint32_t h = hash_bytes(0x811C9DC5u, fs, n);
    h = hash_bytes(h, pal, n);
    h = hash_bytes(h, ord, n);
    printf("checksum: 0x%08x\n", h);
    free(ord);
    free(pal);
    free(fs);
    free(im.px);
    return 0;
}
