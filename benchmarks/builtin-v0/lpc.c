/* lpc: a GSM-like linear-prediction speech coder in 16-bit fixed point.
 * A synthetic "speech" signal (pulse-train or noise excitation through
 * moving formant resonators) is cut into 160-sample frames; each frame is
 * pre-emphasized, windowed, autocorrelated and run through Levinson-Durbin
 * to get 8 reflection coefficients, which are converted to log-area-like
 * values and quantized. The lattice analysis filter produces a residual that
 * is coarsely quantized per 40-sample subframe (APCM) and the lattice
 * synthesis filter reconstructs the signal. Prints quantized parameters'
 * checksum and the reconstruction error. argv[1] = number of 160-sample
 * frames (default 1400). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_SCALE 1400
#define MAX_SCALE 80000
#define FRAME 160
#define SUBFRAME 40
#define ORDER 8
#define Q30_ONE ((int64_t)1 << 30)

typedef struct {
    int32_t b1, b2; /* Q14 */
    int32_t y1, y2;
} resonator;

typedef struct {
    int16_t u[ORDER];     /* analysis lattice state */
    int16_t v[ORDER + 1]; /* synthesis lattice state */
    int16_t pre_prev;     /* pre-emphasis memory */
    int32_t deemph_prev;  /* de-emphasis memory */
} coder_state;

static const int lar_bits[ORDER] = {6, 6, 5, 5, 4, 4, 3, 3};
static int16_t window[FRAME];
static uint32_t rng_state = 0x9E3779B9u;

static uint32_t rng_next(void) {
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    rng_state = x;
    return x;
}

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

static int32_t cos_q30(uint32_t phase) { return sin_q30(phase + 0x40000000u); }

static int16_t sat16(int32_t v) {
    if (v > 32767)
        return 32767;
    if (v < -32768)
        return -32768;
    return (int16_t)v;
}

/* Q15 multiply with rounding */
static int16_t mult_r(int16_t a, int16_t b) {
    return sat16(((int32_t)a * b + 16384) >> 15);
}

static int16_t add_sat(int16_t a, int16_t b) { return sat16((int32_t)a + b); }

/* ---------- signal synthesis ---------- */

static void set_formant(resonator *r, uint32_t freq_hz, int32_t radius_q14) {
    uint32_t phase = (uint32_t)(((uint64_t)freq_hz << 32) / 8000u);
    int64_t c = cos_q30(phase); /* Q30 */
    r->b1 = (int32_t)((2 * c * radius_q14) >> 30);
    r->b2 = (int32_t)(((int64_t)radius_q14 * radius_q14) >> 14);
}

static int32_t resonate(resonator *r, int32_t x) {
    int64_t acc = (int64_t)x * 16384 + (int64_t)r->b1 * r->y1 - (int64_t)r->b2 * r->y2;
    int64_t y = acc >> 14;
    if (y > (1 << 22))
        y = 1 << 22;
    if (y < -(1 << 22))
        y = -(1 << 22);
    r->y2 = r->y1;
    r->y1 = (int32_t)y;
    return (int32_t)y;
}

static void synthesize(int16_t *out, size_t n) {
    resonator f1 = {0, 0, 0, 0}, f2 = {0, 0, 0, 0};
    int voiced = 1;
    uint32_t pitch = 64, pitch_pos = 0;
    for (size_t i = 0; i < n; ++i) {
        if (i % 800 == 0) {
            uint32_t r = rng_next();
            set_formant(&f1, 300 + (r & 511u), 15000);
            set_formant(&f2, 900 + ((r >> 9) & 1023u) + ((r >> 19) & 511u), 14500);
            voiced = ((r >> 28) & 3u) != 0;
            pitch = 40 + ((r >> 20) & 63u);
        }
        int32_t exc;
        if (voiced) {
            exc = (pitch_pos == 0) ? 6000 : (pitch_pos == 1 ? -2500 : 0);
            if (++pitch_pos >= pitch)
                pitch_pos = 0;
        } else {
            exc = (int32_t)(rng_next() & 2047u) - 1024;
        }
        int32_t y = resonate(&f2, resonate(&f1, exc) >> 2);
        out[i] = sat16(y * 4);
    }
}

/* ---------- analysis ---------- */

static void build_window(void) {
    for (int n = 0; n < FRAME; ++n) {
        uint32_t phase = (uint32_t)(((uint64_t)n << 32) / (FRAME - 1));
        int64_t c = cos_q30(phase);
        /* 0.54 - 0.46 cos in Q15 */
        int64_t w = 17695 - ((15073 * c) >> 30);
        window[n] = (int16_t)(w > 32767 ? 32767 : w);
    }
}

static void autocorrelate(const int16_t *x, int64_t *r) {
    for (int k = 0; k <= ORDER; ++k) {
        int64_t acc = 0;
        for (int n = k; n < FRAME; ++n)
            acc += (int64_t)x[n] * x[n - k];
        r[k] = acc;
    }
}

/* Levinson-Durbin; returns reflection coefficients in Q15. */
static void levinson(const int64_t *r_in, int16_t *refl) {
    int64_t r[ORDER + 1];
    int64_t a[ORDER + 1], tmp[ORDER + 1];
    memset(refl, 0, ORDER * sizeof *refl);
    if (r_in[0] <= 0)
        return;
    /* normalize so that r[0] lies in [2^29, 2^30) */
    int shift = 0;
    while ((r_in[0] >> shift) >= ((int64_t)1 << 30))
        ++shift;
    for (int i = 0; i <= ORDER; ++i)
        r[i] = r_in[i] >> shift;
    while (r[0] < ((int64_t)1 << 29)) {
        for (int i = 0; i <= ORDER; ++i)
            r[i] *= 2;
    }
    for (int i = 0; i <= ORDER; ++i)
        a[i] = 0;
    int64_t err = r[0];
    for (int i = 1; i <= ORDER; ++i) {
        int64_t acc = r[i] * 65536; /* a[] is Q16 */
        for (int j = 1; j < i; ++j)
            acc += a[j] * r[i - j];
        acc /= 65536;
        int64_t k = -(acc * 32768) / err;
        if (k > 32767)
            k = 32767;
        if (k < -32767)
            k = -32767;
        refl[i - 1] = (int16_t)k;
        for (int j = 1; j < i; ++j)
            tmp[j] = a[j] + ((k * a[i - j]) / 32768);
        for (int j = 1; j < i; ++j)
            a[j] = tmp[j];
        a[i] = k * 2; /* Q15 -> Q16 */
        err -= (err * ((k * k) / 32768)) / 32768;
        if (err <= 0)
            break;
    }
}

/* piecewise-linear log-area-ratio approximation (Q15 in, Q15-ish out) */
static int32_t refl_to_lar(int16_t k) {
    int32_t a = k < 0 ? -(int32_t)k : k;
    int32_t l;
    if (a < 22118)
        l = a;
    else if (a < 31130)
        l = 2 * a - 22118;
    else
        l = 8 * a - 208896;
    return k < 0 ? -l : l;
}

static int16_t lar_to_refl(int32_t l) {
    int32_t a = l < 0 ? -l : l;
    int32_t k;
    if (a < 22118)
        k = a;
    else if (a < 40142)
        k = (a + 22118) / 2;
    else
        k = (a + 208896) / 8;
    if (k > 32767)
        k = 32767;
    return (int16_t)(l < 0 ? -k : k);
}

static int quantize_lar(int32_t lar, int bits) {
    int32_t levels = 1 << bits;
    int32_t q = (int32_t)(((int64_t)(lar + 53248) * levels) / 106496);
    if (q < 0)
        q = 0;
    if (q >= levels)
        q = levels - 1;
    return q;
}

static int32_t dequantize_lar(int q, int bits) {
    int64_t levels2 = (int64_t)1 << (bits + 1);
    return (int32_t)(((int64_t)(2 * q + 1) * 106496) / levels2) - 53248;
}

static int16_t analysis_sample(coder_state *st, const int16_t *k, int16_t s) {
    int16_t di = s, sav = s;
    for (int i = 0; i < ORDER; ++i) {
        int16_t ui = st->u[i];
        int16_t temp = add_sat(ui, mult_r(k[i], di));
        di = add_sat(di, mult_r(k[i], ui));
        st->u[i] = sav;
        sav = temp;
    }
    return di;
}

static int16_t synthesis_sample(coder_state *st, const int16_t *k, int16_t d) {
    int16_t sri = d;
    for (int i = ORDER - 1; i >= 0; --i) {
        sri = sat16((int32_t)sri - mult_r(k[i], st->v[i]));
        st->v[i + 1] = add_sat(st->v[i], mult_r(k[i], sri));
    }
    st->v[0] = sri;
    return sri;
}

/* APCM: 3-bit quantization of a subframe relative to its block maximum */
static int quantize_subframe(const int16_t *d, int16_t *dq, uint8_t *codes) {
    int32_t xmax = 0;
    for (int i = 0; i < SUBFRAME; ++i) {
        int32_t a = d[i] < 0 ? -(int32_t)d[i] : d[i];
        if (a > xmax)
            xmax = a;
    }
    int exp = 0;
    while ((xmax >> exp) > 7)
        ++exp;
    int32_t scale = (((xmax >> exp) + 1) << exp); /* >= xmax + 1 */
    for (int i = 0; i < SUBFRAME; ++i) {
        int32_t q = ((int32_t)d[i] * 4) / scale; /* -3..3 */
        codes[i] = (uint8_t)(q + 4);
        int32_t r = q * scale / 4;
        if (q > 0)
            r += scale / 8;
        else if (q < 0)
            r -= scale / 8;
        dq[i] = sat16(r);
    }
    return exp * 8 + (xmax >> exp);
}

static uint32_t mix32(uint32_t h, uint32_t v) {
    h ^= v;
    h *= 0x01000193u;
    h ^= h >> 15;
    return h;
}

int main(int argc, char **argv) {
    long nframes = parse_scale(argc, argv, DEFAULT_SCALE, MAX_SCALE);
    size_t n = (size_t)nframes * FRAME;
    int16_t *speech = malloc(n * sizeof *speech);
    int16_t *decoded = malloc(n * sizeof *decoded);
    if (!speech || !decoded) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    build_window();
    synthesize(speech, n);

    coder_state st;
    memset(&st, 0, sizeof st);
    uint32_t h = 0x811C9DC5u;
    uint64_t sig_energy = 0, err_energy = 0;
    long lar_hist[8] = {0};
    for (long f = 0; f < nframes; ++f) {
        const int16_t *in = speech + (size_t)f * FRAME;
        int16_t pre[FRAME], win[FRAME], res[FRAME], resq[FRAME];
        for (int i = 0; i < FRAME; ++i) {
            int16_t prev = i ? in[i - 1] : st.pre_prev;
            pre[i] = sat16((int32_t)in[i] - (((int32_t)prev * 28180) >> 15));
        }
        st.pre_prev = in[FRAME - 1];
        for (int i = 0; i < FRAME; ++i)
            win[i] = mult_r(pre[i], window[i]);
        int64_t r[ORDER + 1];
        autocorrelate(win, r);
        int16_t refl[ORDER], kq[ORDER];
        levinson(r, refl);
        for (int i = 0; i < ORDER; ++i) {
            int q = quantize_lar(refl_to_lar(refl[i]), lar_bits[i]);
            h = mix32(h, (uint32_t)q);
            lar_hist[i] += q;
            kq[i] = lar_to_refl(dequantize_lar(q, lar_bits[i]));
        }
        for (int i = 0; i < FRAME; ++i)
            res[i] = analysis_sample(&st, kq, pre[i]);
        for (int sf = 0; sf < FRAME; sf += SUBFRAME) {
            uint8_t codes[SUBFRAME];
            int xm = quantize_subframe(res + sf, resq + sf, codes);
            h = mix32(h, (uint32_t)xm);
            for (int i = 0; i < SUBFRAME; ++i)
                h = mix32(h, codes[i]);
        }
        int16_t *out = decoded + (size_t)f * FRAME;
        for (int i = 0; i < FRAME; ++i) {
            int16_t s = synthesis_sample(&st, kq, resq[i]);
            int32_t de = (int32_t)s + ((st.deemph_prev * 28180) >> 15);
            st.deemph_prev = sat16(de);
            out[i] = (int16_t)st.deemph_prev;
        }
    }
    for (size_t i = 0; i < n; ++i) {
        int32_t d = (int32_t)speech[i] - decoded[i];
        sig_energy += (uint64_t)((int64_t)speech[i] * speech[i]);
        err_energy += (uint64_t)((int64_t)d * d);
        h = mix32(h, (uint16_t)decoded[i]);
    }
    printf("frames: %ld\n", nframes);
    printf("mean quantized LAR:");
    for (int i = 0; i < ORDER; ++i)
        printf(" %ld", lar_hist[i] / nframes);
    printf("\nsignal energy: %llu\nerror energy: %llu\n",
           (unsigned long long)sig_energy, (unsigned long long)err_energy);
    printf("checksum: 0x%08x\n", h);
    free(decoded);
    free(speech);
    return 0;
}
