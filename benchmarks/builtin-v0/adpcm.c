/* adpcm: an IMA-style 4-bit ADPCM codec. The program synthesizes a
 * deterministic 16-bit audio signal (a few tones with slow amplitude
 * envelopes, a chirp and noise), encodes it block by block into packed
 * 4-bit codes (each block carries a header with the predictor state, as in
 * WAV IMA-ADPCM), decodes it again and prints a checksum over the codes and
 * the reconstructed samples plus the reconstruction error energy.
 * argv[1] = number of 1024-sample blocks (default 750). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_SCALE 750
#define MAX_SCALE 10000
#define BLOCK_SAMPLES 1024
#define NSTEPS 89
#define Q30_ONE ((int64_t)1 << 30)

typedef struct {
    int predicted;
    int index;
} codec_state;

typedef struct {
    int16_t predicted;
    uint8_t index;
    uint8_t codes[BLOCK_SAMPLES / 2];
} adpcm_block;

static int step_table[NSTEPS];
static const int index_adjust[8] = {-1, -1, -1, -1, 2, 4, 6, 8};

static uint32_t rng_state = 0x2545F491u;

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

/* sine of a phase (full turn = 2^32) in Q30 using a Taylor polynomial. */
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

static void build_step_table(void) {
    int s = 7;
    for (int i = 0; i < NSTEPS; ++i) {
        step_table[i] = s;
        int next = s + s / 10;
        if (next == s)
            next = s + 1;
        s = next > 32767 ? 32767 : next;
    }
}

static int clamp16(int v) {
    if (v > 32767)
        return 32767;
    if (v < -32768)
        return -32768;
    return v;
}

static void synthesize(int16_t *out, size_t n) {
    uint32_t ph1 = 0, ph2 = 0x1000000u, ph3 = 0, chirp = 0;
    uint32_t chirp_inc = 0x00400000u;
    for (size_t i = 0; i < n; ++i) {
        uint32_t env_phase = (uint32_t)(i * 2731u);
        int64_t env = ((int64_t)sin_q30(env_phase) + Q30_ONE) >> 16; /* 0..2^15 */
        int64_t v = 0;
        v += ((int64_t)sin_q30(ph1) * 9000) >> 30;
        v += (((int64_t)sin_q30(ph2) * 6000) >> 30) * env >> 15;
        v += ((int64_t)sin_q30(ph3) * 3000) >> 30;
        v += ((int64_t)sin_q30(chirp) * 4000) >> 30;
        v += (int64_t)(rng_next() & 1023u) - 512;
        if ((i / 4096) % 7 == 3)
            v = v * 3; /* loud passages exercise the clamp */
        out[i] = (int16_t)clamp16((int)v);
        ph1 += 0x02000000u;
        ph2 += 0x00A3D70Au;
        ph3 += 0x0B000000u;
        chirp += chirp_inc;
        chirp_inc += 0x40u;
        if (chirp_inc > 0x20000000u)
            chirp_inc = 0x00400000u;
    }
}

/* shared predictor update: decoder and encoder must agree exactly */
static void apply_code(codec_state *st, unsigned code) {
    int step = step_table[st->index];
    int delta = step >> 3;
    if (code & 4u)
        delta += step;
    if (code & 2u)
        delta += step >> 1;
    if (code & 1u)
        delta += step >> 2;
    if (code & 8u)
        st->predicted -= delta;
    else
        st->predicted += delta;
    st->predicted = clamp16(st->predicted);
    st->index += index_adjust[code & 7u];
    if (st->index < 0)
        st->index = 0;
    if (st->index >= NSTEPS)
        st->index = NSTEPS - 1;
}

static unsigned encode_sample(codec_state *st, int sample) {
    int step = step_table[st->index];
    int diff = sample - st->predicted;
    unsigned code = 0;
    if (diff < 0) {
        code = 8;
        diff = -diff;
    }
    if (diff >= step) {
        code |= 4;
        diff -= step;
    }
    step >>= 1;
    if (diff >= step) {
        code |= 2;
        diff -= step;
    }
    step >>= 1;
    if (diff >= step)
        code |= 1;
    apply_code(st, code);
    return code;
}

static void encode_block(codec_state *st, const int16_t *in, adpcm_block *blk) {
    blk->predicted = (int16_t)st->predicted;
    blk->index = (uint8_t)st->index;
    for (int i = 0; i < BLOCK_SAMPLES; i += 2) {
        unsigned lo = encode_sample(st, in[i]);
        unsigned hi = encode_sample(st, in[i + 1]);
        blk->codes[i / 2] = (uint8_t)(lo | (hi << 4));
    }
}

static void decode_block(const adpcm_block *blk, int16_t *out) {
    codec_state st;
    st.predicted = blk->predicted;
    st.index = blk->index;
    for (int i = 0; i < BLOCK_SAMPLES; i += 2) {
        uint8_t b = blk->codes[i / 2];
        apply_code(&st, b & 15u);
        out[i] = (int16_t)st.predicted;
        apply_code(&st, (unsigned)b >> 4);
        out[i + 1] = (int16_t)st.predicted;
    }
}

static uint32_t mix32(uint32_t h, uint32_t v) {
    h ^= v;
    h *= 0x01000193u;
    h ^= h >> 15;
    return h;
}

int main(int argc, char **argv) {
    long nblocks = parse_scale(argc, argv, DEFAULT_SCALE, MAX_SCALE);
    size_t n = (size_t)nblocks * BLOCK_SAMPLES;
    int16_t *pcm = malloc(n * sizeof *pcm);
    int16_t *rec = malloc(n * sizeof *rec);
    adpcm_block *blocks = malloc((size_t)nblocks * sizeof *blocks);
    if (!pcm || !rec || !blocks) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    build_step_table();
    synthesize(pcm, n);

    codec_state st = {0, 0};
    for (long b = 0; b < nblocks; ++b)
        encode_block(&st, pcm + (size_t)b * BLOCK_SAMPLES, &blocks[b]);
    for (long b = 0; b < nblocks; ++b)
        decode_block(&blocks[b], rec + (size_t)b * BLOCK_SAMPLES);

    uint32_t h = 0x811C9DC5u;
    uint64_t err = 0, energy = 0;
    unsigned hist[16] = {0};
    for (long b = 0; b < nblocks; ++b) {
        h = mix32(h, (uint16_t)blocks[b].predicted);
        h = mix32(h, blocks[b].index);
        for (int i = 0; i < BLOCK_SAMPLES / 2; ++i) {
            h = mix32(h, blocks[b].codes[i]);
            hist[blocks[b].codes[i] & 15u]++;
        }
    }
    for (size_t i = 0; i < n; ++i) {
        int d = (int)pcm[i] - (int)rec[i];
        err += (uint64_t)((int64_t)d * d);
        energy += (uint64_t)((int64_t)pcm[i] * pcm[i]);
        h = mix32(h, (uint16_t)rec[i]);
    }
    printf("samples: %zu\n", n);
    printf("signal energy: %llu\n", (unsigned long long)energy);
    printf("error energy: %llu\n", (unsigned long long)err);
    printf("code histogram:");
    for (int i = 0; i < 16; ++i)
        printf(" %u", hist[i]);
    printf("\nchecksum: 0x%08x\n", h);
    free(blocks);
    free(rec);
    free(pcm);
    return 0;
}
