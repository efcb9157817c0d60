/* susan_edges: SUSAN-style edge detection on an 8-bit grey image. For every
 * pixel the USAN area (sum of brightness similarity exp(-(dI/t)^6) over a
 * 37-pixel circular mask) is computed; pixels whose area is below the
 * geometric threshold get an edge response. Edge direction comes from the
 * USAN centroid (inter-pixel case) or its second moments (intra-pixel
 * case), quantized to four orientations, followed by non-maximum
 * suppression and removal of isolated edge points. The input is a synthetic
 * image of shapes on a gradient with noise. Prints the edge count and a
 * checksum of the edge map and responses. argv[1] = image side in pixels
 * (default 480). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_SCALE 480
#define MAX_SCALE 2048
#define Q16_ONE 65536
#define MASK_PIXELS 37
#define BORDER 3

typedef struct {
    int dx, dy;
} offset;

typedef struct {
    int w, h;
    uint8_t *px;
} image;

typedef struct {
    int n;           /* USAN area */
    int cx, cy;      /* first moments */
    int xx, yy, xy;  /* second moments */
} usan;

static offset mask[MASK_PIXELS];

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

static uint32_t lcg_state = 777u;

static uint32_t lcg_next(void) {
    lcg_state = lcg_state * 1664525u + 1013904223u;
    return lcg_state >> 8;
}

/* e^-x for x >= 0, both in Q16 */
static uint32_t exp_neg_q16(uint64_t x) {
    uint64_t y = (x * 94548u) >> 16;
    uint64_t n = y >> 16;
    if (n >= 31)
        return 0;
    int64_t z = (int64_t)(((y & 0xFFFFu) * 45426u) >> 16);
    int64_t t = Q16_ONE - z / 6;
    t = Q16_ONE - ((z * t) >> 16) / 5;
    t = Q16_ONE - ((z * t) >> 16) / 4;
    t = Q16_ONE - ((z * t) >> 16) / 3;
    t = Q16_ONE - ((z * t) >> 16) / 2;
    t = Q16_ONE - ((z * t) >> 16);
    return (uint32_t)(t >> n);
}

static void build_mask(void) {
    /* rows of width 3,5,7,7,7,5,3: a discrete disc of radius ~3.4 */
    int k = 0;
    for (int dy = -3; dy <= 3; ++dy) {
        int half = (dy == -3 || dy == 3) ? 1 : ((dy == -2 || dy == 2) ? 2 : 3);
        for (int dx = -half; dx <= half; ++dx) {
            mask[k].dx = dx;
            mask[k].dy = dy;
            ++k;
        }
    }
}

static void build_lut(int *lut, int t) {
    /* lut[d + 255] = 100 * exp(-(d/t)^6) */
    for (int d = -255; d <= 255; ++d) {
        uint64_t r2 = ((uint64_t)(d * d) << 16) / (uint64_t)(t * t); /* Q16 */
        uint64_t r6 = (((r2 * r2) >> 16) * r2) >> 16;
        if (r6 > ((uint64_t)64 << 16))
            r6 = (uint64_t)64 << 16;
        lut[d + 255] = (int)((exp_neg_q16(r6) * 100u + Q16_ONE / 2) >> 16);
    }
}

static void generate_image(image *im) {
    int w = im->w, h = im->h;
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            im->px[y * w + x] = (uint8_t)(60 + (x + y) * 60 / (w + h));
    for (int k = 0; k < 16; ++k) {
        int cx = (int)(lcg_next() % (uint32_t)w), cy = (int)(lcg_next() % (uint32_t)h);
        int r = 3 + (int)(lcg_next() % (uint32_t)(w / 6 + 1));
        uint8_t level = (uint8_t)(lcg_next() & 0xFFu);
        int shape = k % 3;
        for (int y = cy - r; y <= cy + r; ++y) {
            if (y < 0 || y >= h)
                continue;
            for (int x = cx - r; x <= cx + r; ++x) {
                if (x < 0 || x >= w)
                    continue;
                int dx = x - cx, dy = y - cy;
                int inside;
                if (shape == 0)
                    inside = dx * dx + dy * dy <= r * r;
                else if (shape == 1)
                    inside = 1;
                else
                    inside = abs(dx) + abs(dy) <= r; /* diamond */
                if (inside)
                    im->px[y * w + x] = level;
            }
        }
    }
    for (int i = 0; i < w * h; ++i) {
        int v = im->px[i] + (int)(lcg_next() % 9u) - 4;
        im->px[i] = (uint8_t)(v < 0 ? 0 : (v > 255 ? 255 : v));
    }
}

static usan compute_usan(const image *im, int x, int y, const int *lut) {
    usan u = {0, 0, 0, 0, 0, 0};
    const uint8_t *centre = im->px + y * im->w + x;
    int c = *centre;
    for (int k = 0; k < MASK_PIXELS; ++k) {
        int dx = mask[k].dx, dy = mask[k].dy;
        int b = lut[centre[dy * im->w + dx] - c + 255];
        u.n += b;
        u.cx += dx * b;
        u.cy += dy * b;
        u.xx += dx * dx * b;
        u.yy += dy * dy * b;
        u.xy += dx * dy * b;
    }
    return u;
}

/* direction codes 0..3 name an axis: 0 = vertical (0,1), 1 = diagonal
 * (1,1), 2 = horizontal (1,0), 3 = anti-diagonal (1,-1). Returns the axis
 * closest to the vector (gx, gy). */
static int quantize_direction(int gx, int gy) {
    int ax = abs(gx), ay = abs(gy);
    if (ay * 1000 <= ax * 414)
        return 2;
    if (ay * 1000 >= ax * 2414)
        return 0;
    return ((gx > 0) == (gy > 0)) ? 1 : 3;
}

/* returns the axis that crosses the edge */
static int edge_direction(const usan *u) {
    int n = u->n;
    /* inter-pixel case: centroid far from the nucleus */
    int64_t dist2 = (int64_t)u->cx * u->cx + (int64_t)u->cy * u->cy;
    if (dist2 * 4 > (int64_t)n * n) {
        return quantize_direction(u->cx, u->cy);
    }
    /* intra-pixel case: the USAN is elongated along the edge, so the
     * across-edge direction is the axis of smaller second moment */
    int dir_along;
    if (u->yy * 1000 <= u->xx * 414)
        dir_along = 2; /* elongated in x: edge horizontal -> compare y */
    else if (u->xx * 1000 <= u->yy * 414)
        dir_along = 0;
    else
        dir_along = (u->xy > 0) ? 1 : 3;
    return (dir_along + 2) % 4;
}

static void detect_edges(const image *im, int *response, uint8_t *dir, int t) {
    int lut[511];
    build_lut(lut, t);
    int max_no = (MASK_PIXELS * 100 * 3) / 4;
    int w = im->w, h = im->h;
    memset(response, 0, sizeof(int) * (size_t)w * (size_t)h);
    memset(dir, 0, (size_t)w * (size_t)h);
    for (int y = BORDER; y < h - BORDER; ++y)
        for (int x = BORDER; x < w - BORDER; ++x) {
            usan u = compute_usan(im, x, y, lut);
            if (u.n < max_no) {
                response[y * w + x] = max_no - u.n;
                dir[y * w + x] = (uint8_t)edge_direction(&u);
            }
        }
}

static int suppress_nonmax(const int *response, const uint8_t *dir, uint8_t *edges, int w,
                           int h) {
    static const int nx[4] = {0, 1, 1, 1}, ny[4] = {1, 1, 0, -1};
    int count = 0;
    memset(edges, 0, (size_t)w * (size_t)h);
    for (int y = 1; y < h - 1; ++y)
        for (int x = 1; x < w - 1; ++x) {
            int r = response[y * w + x];
            if (r <= 0)
                continue;
            int d = dir[y * w + x];
            int a = response[(y + ny[d]) * w + (x + nx[d])];
            int b = response[(y - ny[d]) * w + (x - nx[d])];
            if (r > a && r >= b) {
                edges[y * w + x] = 1;
                ++count;
            }
        }
    return count;
}

static int remove_isolated(uint8_t *edges, int w, int h) {
    int removed = 0;
    for (int y = 1; y < h - 1; ++y)
        for (int x = 1; x < w - 1; ++x) {
            if (!edges[y * w + x])
                continue;
            int nb = 0;
            for (int dy = -1; dy <= 1; ++dy)
                for (int dx = -1; dx <= 1; ++dx)
                    if ((dx || dy) && edges[(y + dy) * w + x + dx])
                        ++nb;
            if (nb == 0) {
                edges[y * w + x] = 0;
                ++removed;
            }
        }
    return removed;
}

int main(int argc, char **argv) {
    int side = (int)parse_scale(argc, argv, DEFAULT_SCALE, MAX_SCALE);
    if (side < 16)
        side = 16;
    size_t npx = (size_t)side * (size_t)side;
    image im = {side, side, malloc(npx)};
    int *response = malloc(npx * sizeof *response);
    uint8_t *dir = malloc(npx), *edges = malloc(npx);
    if (!im.px || !response || !dir || !edges) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    build_mask();
    generate_image(&im);
    uint32_t h = 0x811C9DC5u;
    static const int thresholds[2] = {20, 35};
    for (int pass = 0; pass < 2; ++pass) {
        detect_edges(&im, response, dir, thresholds[pass]);
        int found = suppress_nonmax(response, dir, edges, side, side);
        int removed = remove_isolated(edges, side, side);
        unsigned dir_hist[4] = {0, 0, 0, 0};
        for (size_t i = 0; i < npx; ++i) {
            if (edges[i]) {
                dir_hist[dir[i]]++;
                h ^= (uint32_t)i;
                h *= 0x01000193u;
                h ^= (uint32_t)response[i];
                h *= 0x01000193u;
            }
        }
        printf("t=%d: edge points %d (isolated removed %d), directions %u %u %u %u\n",
               thresholds[pass], found - removed, removed, dir_hist[0], dir_hist[1],
               dir_hist[2], dir_hist[3]);
    }
    printf("checksum: 0x%08x\n", h);
    free(edges);
    free(dir);
    free(response);
    free(im.px);
    return 0;
}
