/* median: median filtering of an 8-bit grey image corrupted by salt-and-
 * pepper and Gaussian-like noise. Computes a 3x3 median with the
 * row-sort / median-of-three decomposition, a 5x5 median with Huang's
 * sliding-histogram algorithm, and cross-checks sampled rows of both
 * against a quickselect median; borders replicate the edge pixels. Then
 * runs an iterated "smart" filter that only replaces pixels detected as
 * impulses. Prints how many impulses survive each filter and a checksum of
 * the filtered images. argv[1] = image side in pixels (default 384). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_SCALE 384
#define MAX_SCALE 2048

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

static uint32_t rng_state = 0x600DF00Du;

static uint32_t rng_next(void) {
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return rng_state = x;
}

static uint8_t pixel(const image *im, int x, int y) {
    if (x < 0)
        x = 0;
    if (x >= im->w)
        x = im->w - 1;
    if (y < 0)
        y = 0;
    if (y >= im->h)
        y = im->h - 1;
    return im->px[y * im->w + x];
}

static void sort3(uint8_t *a, uint8_t *b, uint8_t *c) {
    uint8_t t;
    if (*a > *b) { t = *a; *a = *b; *b = t; }
    if (*b > *c) { t = *b; *b = *c; *c = t; }
    if (*a > *b) { t = *a; *a = *b; *b = t; }
}

static uint8_t med3(uint8_t a, uint8_t b, uint8_t c) {
    sort3(&a, &b, &c);
    return b;
}

/* median of 9 = med3(max of row minima, med of row medians, min of row maxima) */
static uint8_t median9(uint8_t v[9]) {
    for (int r = 0; r < 3; ++r)
        sort3(&v[3 * r], &v[3 * r + 1], &v[3 * r + 2]);
    uint8_t lo = v[0] > v[3] ? v[0] : v[3];
    lo = lo > v[6] ? lo : v[6];
    uint8_t hi = v[2] < v[5] ? v[2] : v[5];
    hi = hi < v[8] ? hi : v[8];
    uint8_t mid = med3(v[1], v[4], v[7]);
    return med3(lo, mid, hi);
}

static void median3x3(const image *in, image *out) {
    for (int y = 0; y < in->h; ++y)
        for (int x = 0; x < in->w; ++x) {
            uint8_t v[9];
            int k = 0;
            for (int dy = -1; dy <= 1; ++dy)
                for (int dx = -1; dx <= 1; ++dx)
                    v[k++] = pixel(in, x + dx, y + dy);
            out->px[y * in->w + x] = median9(v);
        }
}

static void median5x5_huang(const image *in, image *out) {
    const int r = 2, half = 12; /* 25 pixels: median is the 13th */
    for (int y = 0; y < in->h; ++y) {
        int hist[256];
        memset(hist, 0, sizeof hist);
        for (int dy = -r; dy <= r; ++dy)
            for (int dx = -r; dx <= r; ++dx)
                hist[pixel(in, dx, y + dy)]++;
        int med = 0, lt = 0;
        while (lt + hist[med] <= half) {
            lt += hist[med];
            ++med;
        }
        out->px[y * in->w] = (uint8_t)med;
        for (int x = 1; x < in->w; ++x) {
            for (int dy = -r; dy <= r; ++dy) {
                uint8_t gone = pixel(in, x - r - 1, y + dy);
                uint8_t come = pixel(in, x + r, y + dy);
                hist[gone]--;
                if (gone < med)
                    --lt;
                hist[come]++;
                if (come < med)
                    ++lt;
            }
            while (lt > half) {
                --med;
                lt -= hist[med];
            }
            while (lt + hist[med] <= half) {
                lt += hist[med];
                ++med;
            }
            out->px[y * in->w + x] = (uint8_t)med;
        }
    }
}

static uint8_t quickselect(uint8_t *a, int n, int k) {
    int lo = 0, hi = n - 1;
    while (lo < hi) {
        uint8_t pivot = a[(lo + hi) / 2];
        int i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot)
                ++i;
            while (a[j] > pivot)
                --j;
            if (i <= j) {
                uint8_t t = a[i];
                a[i] = a[j];
                a[j] = t;
                ++i;
                --j;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            break;
    }
    return a[k];
}

static int check_rows(const image *in, const image *m3, const image *m5, int step) {
    int bad = 0;
    for (int y = 0; y < in->h; y += step)
        for (int x = 0; x < in->w; ++x) {
            uint8_t v[25];
            int k = 0;
            for (int dy = -1; dy <= 1; ++dy)
                for (int dx = -1; dx <= 1; ++dx)
                    v[k++] = pixel(in, x + dx, y + dy);
            if (quickselect(v, 9, 4) != m3->px[y * in->w + x])
                ++bad;
            k = 0;
            for (int dy = -2; dy <= 2; ++dy)
                for (int dx = -2; dx <= 2; ++dx)
                    v[k++] = pixel(in, x + dx, y + dy);
            if (quickselect(v, 25, 12) != m5->px[y * in->w + x])
                ++bad;
        }
    return bad;
}

/* replace only pixels that are extreme and differ strongly from the local median */
static int smart_filter(const image *in, image *out) {
    int changed = 0;
    for (int y = 0; y < in->h; ++y)
        for (int x = 0; x < in->w; ++x) {
            uint8_t c = in->px[y * in->w + x];
            uint8_t v[9];
            int k = 0;
            for (int dy = -1; dy <= 1; ++dy)
                for (int dx = -1; dx <= 1; ++dx)
                    v[k++] = pixel(in, x + dx, y + dy);
            uint8_t m = median9(v);
            int impulse = (c <= 5 || c >= 250) && abs((int)c - m) > 60;
            out->px[y * in->w + x] = impulse ? m : c;
            changed += impulse;
        }
    return changed;
}

static long count_impulses(const image *im, const image *clean) {
    long n = 0;
    for (int i = 0; i < im->w * im->h; ++i)
        if (abs((int)im->px[i] - (int)clean->px[i]) > 80)
            ++n;
    return n;
}

static uint32_t hash_image(uint32_t h, const image *im) {
    for (int i = 0; i < im->w * im->h; ++i)
        h = (h ^ im->px[i]) * 0x01000193u;
    return h;
}

int main(int argc, char **argv) {
    int side = (int)parse_scale(argc, argv, DEFAULT_SCALE, MAX_SCALE);
    if (side < 8)
        side = 8;
    size_t n = (size_t)side * (size_t)side;
    image clean = {side, side, malloc(n)}, noisy = {side, side, malloc(n)};
    image m3 = {side, side, malloc(n)}, m5 = {side, side, malloc(n)};
    image s1 = {side, side, malloc(n)}, s2 = {side, side, malloc(n)};
    if (!clean.px || !noisy.px || !m3.px || !m5.px || !s1.px || !s2.px) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    for (int y = 0; y < side; ++y)
        for (int x = 0; x < side; ++x) {
            int v = 50 + (x * 100) / side + ((x / 24 + y / 24) % 2) * 60;
            clean.px[y * side + x] = (uint8_t)v;
            uint32_t r = rng_next();
            int nv = v + (int)((r >> 8) % 11u) - 5;
            if ((r & 31u) == 0)
                nv = 255; /* salt */
            else if ((r & 31u) == 1)
                nv = 0; /* pepper */
            noisy.px[y * side + x] = (uint8_t)(nv < 0 ? 0 : (nv > 255 ? 255 : nv));
        }
    median3x3(&noisy, &m3);
    median5x5_huang(&noisy, &m5);
    int bad = check_rows(&noisy, &m3, &m5, 5);
    int c1 = smart_filter(&noisy, &s1);
    int c2 = smart_filter(&s1, &s2);

    printf("impulses: noisy %ld, 3x3 %ld, 5x5 %ld, smart %ld\n", count_impulses(&noisy, &clean),
           count_impulses(&m3, &clean), count_impulses(&m5, &clean),
           count_impulses(&s2, &clean));
    printf("smart filter replaced %d then %d pixels\n", c1, c2);
    printf("quickselect mismatches: %d\n", bad);
    uint32_t h = hash_image(0x811C9DC5u, &m3);
    h = hash_image(h, &m5);
    h = hash_image(h, &s2);
    printf("checksum: 0x%08x\n", h);
    free(s2.px);
    free(s1.px);
    free(m5.px);
    free(m3.px);
    free(noisy.px);
    free(clean.px);
    return bad ? 1 : 0;
}
