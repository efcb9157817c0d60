/* fft: fixed-point radix-2 decimation-in-time FFT, as in MiBench's FFT but
 * in integer arithmetic. Twiddle factors (Q15) come from a fixed-point sine
 * polynomial. Each frame of a generated signal (several tones with drifting
 * frequencies plus noise) is transformed with per-stage scaling, its
 * magnitude spectrum computed with an integer square root, the strongest
 * peaks picked, and the frame recovered with the inverse transform; the
 * round-trip error is accumulated. Prints peak statistics, the error and a
 * checksum of the spectra. argv[1] = number of 1024-point frames
 * (default 420). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_SCALE 420
#define MAX_SCALE 20000
#define LOG2N 10
#define N (1 << LOG2N)
#define Q30_ONE ((int64_t)1 << 30)
#define NPEAKS 4

typedef struct {
    int32_t re, im;
} cpx;

static cpx twiddle[N / 2];

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

static uint32_t rng_state = 0x0FF7F00Du;

static uint32_t rng_next(void) {
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return rng_state = x;
}

static int32_t sin_q30(uint32_t phase) {
    uint32_t quad = phase >> 30;
    uint32_t frac = phase & 0x3FFFFFFFu;
    if (quad & 1u)
        frac = 0x40000000u - frac;
    int64_t x = (int64_t)(((uint64_t)frac * 1686629713u) >> 30);
    int64_t x2 = (x * x) >> 30;
    int64_t t = Q30_ONE - x2 / 110;
    t = Q30_ONE - ((x2 * t) >> 30) / 72;
    t = Q30_ONE - ((x2 * t) >> 30) / 42;
    t = Q30_ONE - ((x2 * t) >> 30) / 20;
    t = Q30_ONE - ((x2 * t) >> 30) / 6;
    int64_t s = (x * t) >> 30;
    if (s > Q30_ONE)
        s = Q30_ONE;
    return (int32_t)((quad & 2u) ? -s : s);
}

static int32_t q30_to_q15(int32_t v) {
    int32_t r = (int32_t)(((int64_t)v + (1 << 14)) >> 15);
    return r > 32767 ? 32767 : (r < -32767 ? -32767 : r);
}

static void build_twiddles(void) {
    for (int k = 0; k < N / 2; ++k) {
        uint32_t phase = (uint32_t)((uint64_t)k << (32 - LOG2N));
        twiddle[k].re = q30_to_q15(sin_q30(phase + 0x40000000u)); /* cos */
        twiddle[k].im = -q30_to_q15(sin_q30(phase));              /* -sin */
    }
}

static unsigned reverse_bits(unsigned x, int bits) {
    unsigned r = 0;
    for (int i = 0; i < bits; ++i) {
        r = (r << 1) | (x & 1u);
        x >>= 1;
    }
    return r;
}

static void bit_reverse(cpx *a) {
    for (unsigned i = 0; i < N; ++i) {
        unsigned j = reverse_bits(i, LOG2N);
        if (j > i) {
            cpx t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}

static cpx cmul_q15(cpx a, cpx w, int conj) {
    int64_t wi = conj ? -w.im : w.im;
    cpx r;
    r.re = (int32_t)(((int64_t)a.re * w.re - (int64_t)a.im * wi + (1 << 14)) >> 15);
    r.im = (int32_t)(((int64_t)a.re * wi + (int64_t)a.im * w.re + (1 << 14)) >> 15);
    return r;
}

/* in-place FFT; scale != 0 halves after each stage (result / N) */
static void fft(cpx *a, int inverse, int scale) {
    bit_reverse(a);
    for (int s = 1; s <= LOG2N; ++s) {
        int half = 1 << (s - 1), span = half * 2;
        int tstep = N / span;
        for (int start = 0; start < N; start += span)
            for (int k = 0; k < half; ++k) {
                cpx *p = &a[start + k], *q = &a[start + k + half];
                cpx t = cmul_q15(*q, twiddle[k * tstep], inverse);
                cpx u = *p;
                if (scale) {
                    p->re = (u.re + t.re) >> 1;
                    p->im = (u.im + t.im) >> 1;
                    q->re = (u.re - t.re) >> 1;
                    q->im = (u.im - t.im) >> 1;
                } else {
                    p->re = u.re + t.re;
                    p->im = u.im + t.im;
                    q->re = u.re - t.re;
                    q->im = u.im - t.im;
                }
            }
    }
}

static uint32_t isqrt64(uint64_t v) {
    uint64_t r = 0, bit = (uint64_t)1 << 62;
    while (bit > v)
        bit >>= 2;
    while (bit) {
        if (v >= r + bit) {
            v -= r + bit;
            r = (r >> 1) + bit;
        } else {
            r >>= 1;
        }
        bit >>= 2;
    }
    return (uint32_t)r;
}

static void find_peaks(const uint32_t *mag, int *peaks) {
    for (int p = 0; p < NPEAKS; ++p)
        peaks[p] = -1;
    for (int k = 1; k < N / 2 - 1; ++k) {
        if (mag[k] < mag[k - 1] || mag[k] <= mag[k + 1])
            continue;
        /* insert into the sorted top list */
        int pos = NPEAKS;
        while (pos > 0 && (peaks[pos - 1] < 0 || mag[peaks[pos - 1]] < mag[k]))
            --pos;
        if (pos >= NPEAKS)
            continue;
        for (int q = NPEAKS - 1; q > pos; --q)
            peaks[q] = peaks[q - 1];
        peaks[pos] = k;
    }
}

int main(int argc, char **argv) {
    long frames = parse_scale(argc, argv, DEFAULT_SCALE, MAX_SCALE);
    cpx *buf = malloc(N * sizeof *buf);
    int32_t *orig = malloc(N * sizeof *orig);
    uint32_t *mag = malloc((N / 2) * sizeof *mag);
    if (!buf || !orig || !mag) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    build_twiddles();
    /* per-sample phase steps: bin b of an N-point frame is b << 22 */
    uint32_t f1 = 37u << 22, f2 = 101u << 22, f3 = 250u << 22;
    uint32_t ph1 = 0, ph2 = 0, ph3 = 0;
    uint64_t err = 0;
    uint32_t h = 0x811C9DC5u;
    long peak_hist[N / 2];
    memset(peak_hist, 0, sizeof peak_hist);
    for (long f = 0; f < frames; ++f) {
        for (int i = 0; i < N; ++i) {
            int64_t v = ((int64_t)sin_q30(ph1) * 12000 + (int64_t)sin_q30(ph2) * 6000 +
                         (int64_t)sin_q30(ph3) * 3000) >> 30;
            v += (int64_t)(rng_next() % 2001u) - 1000;
            orig[i] = (int32_t)v;
            buf[i].re = (int32_t)v;
            buf[i].im = 0;
            ph1 += f1;
            ph2 += f2;
            ph3 += f3;
        }
        f1 += 3u << 18; /* slow drift */
        f2 -= 5u << 17;
        fft(buf, 0, 1);
        for (int k = 0; k < N / 2; ++k) {
            uint64_t p = (uint64_t)((int64_t)buf[k].re * buf[k].re) +
                         (uint64_t)((int64_t)buf[k].im * buf[k].im);
            mag[k] = isqrt64(p);
            h = (h ^ mag[k]) * 0x01000193u;
        }
        int peaks[NPEAKS];
        find_peaks(mag, peaks);
        for (int p = 0; p < NPEAKS; ++p)
            if (peaks[p] >= 0)
                peak_hist[peaks[p]]++;
        fft(buf, 1, 0);
        for (int i = 0; i < N; ++i) {
            int64_t d = (int64_t)buf[i].re - orig[i];
            err += (uint64_t)(d * d);
        }
    }
    /* the three most frequent peak bins */
    printf("frames: %ld\n", frames);
    printf("top peak bins:");
    for (int t = 0; t < 3; ++t) {
        int best = 0;
        for (int k = 1; k < N / 2; ++k)
            if (peak_hist[k] > peak_hist[best])
                best = k;
        printf(" %d(%ld)", best, peak_hist[best]);
        peak_hist[best] = -1;
    }
    printf("\nround-trip mean squared error: %llu\n",
           (unsigned long long)(err / ((uint64_t)frames * N)));
    printf("checksum: 0x%08x\n", h);
    free(mag);
    free(orig);
    free(buf);
    return 0;
}
