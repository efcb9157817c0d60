/* jpeg_dct: a baseline-JPEG-like grey-scale codec. A synthetic image is
 * cut into 8x8 blocks; each block is level-shifted, transformed with a
 * separable fixed-point DCT, quantized with a quality-scaled table and
 * zig-zag scanned into DC differences and (run, size) AC symbols. Optimal
 * Huffman tables (lengths limited to 16 bits) are built from the symbol
 * statistics, the coefficients are entropy-coded into a byte-stuffed bit
 * stream, then decoded with canonical-code tables, dequantized and inverse
 * transformed. Done at two quality settings; prints compressed sizes, the
 * reconstruction error and a checksum. argv[1] = image side in pixels,
 * rounded up to a multiple of 8 (default 720). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_SCALE 720
#define MAX_SCALE 2048
#define Q30_ONE ((int64_t)1 << 30)
#define NSYM 256
#define MAXLEN 16

typedef struct {
    uint8_t len[NSYM];
    uint16_t code[NSYM];
    /* decoding tables */
    int32_t mincode[MAXLEN + 1], maxcode[MAXLEN + 1], valptr[MAXLEN + 1];
    uint8_t symbols[NSYM];
} huff_table;

typedef struct {
    uint8_t *buf;
    size_t size, cap;
    uint32_t acc;
    int nbits;
} bit_writer;

typedef struct {
    const uint8_t *buf;
    size_t size, pos;
    uint32_t acc;
    int nbits;
} bit_reader;

static int32_t dct_table[8][8]; /* C(u)/2 * cos((2x+1)u pi/16), Q13 */
static int zigzag[64];          /* zig-zag index -> natural index */

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

static void build_tables(void) {
    for (int u = 0; u < 8; ++u)
        for (int x = 0; x < 8; ++x) {
            /* angle (2x+1)u/32 of a full turn */
            uint32_t phase = (uint32_t)(((uint64_t)((2 * x + 1) * u) << 32) / 32u);
            int64_t c = sin_q30(phase + 0x40000000u);
            int64_t v = c * 4096; /* 1/2 in Q13, times Q30 cosine */
            if (u == 0)
                v = (v * 46341) >> 16; /* 1/sqrt(2) */
            dct_table[u][x] = (int32_t)((v + (Q30_ONE / 2)) >> 30);
        }
    int i = 0;
    for (int s = 0; s < 15; ++s) {
        if (s % 2 == 0) {
            for (int y = (s < 8 ? s : 7); y >= 0 && s - y < 8; --y)
                zigzag[i++] = y * 8 + (s - y);
        } else {
            for (int x = (s < 8 ? s : 7); x >= 0 && s - x < 8; --x)
                zigzag[i++] = (s - x) * 8 + x;
        }
    }
}

static void build_quant(int quality, int q[64]) {
    int scale = quality < 50 ? 5000 / quality : 200 - 2 * quality;
    for (int v = 0; v < 8; ++v)
        for (int u = 0; u < 8; ++u) {
            int base = 10 + 3 * (u + v) + (u * v) / 2 + ((u + v) > 8 ? 20 : 0);
            int val = (base * scale + 50) / 100;
            q[v * 8 + u] = val < 1 ? 1 : (val > 255 ? 255 : val);
        }
}

static void fdct_block(const int16_t in[64], int32_t out[64]) {
    int64_t tmp[64];
    for (int y = 0; y < 8; ++y)
        for (int u = 0; u < 8; ++u) {
            int64_t acc = 0;
            for (int x = 0; x < 8; ++x)
                acc += (int64_t)in[y * 8 + x] * dct_table[u][x];
            tmp[y * 8 + u] = (acc + 512) >> 10; /* Q3 */
        }
    for (int u = 0; u < 8; ++u)
        for (int v = 0; v < 8; ++v) {
            int64_t acc = 0;
            for (int y = 0; y < 8; ++y)
                acc += tmp[y * 8 + u] * dct_table[v][y];
            out[v * 8 + u] = (int32_t)((acc + 32768) >> 16);
        }
}

static void idct_block(const int32_t in[64], int16_t out[64]) {
    int64_t tmp[64];
    for (int v = 0; v < 8; ++v)
        for (int x = 0; x < 8; ++x) {
            int64_t acc = 0;
            for (int u = 0; u < 8; ++u)
                acc += (int64_t)in[v * 8 + u] * dct_table[u][x];
            tmp[v * 8 + x] = (acc + 512) >> 10;
        }
    for (int x = 0; x < 8; ++x)
        for (int y = 0; y < 8; ++y) {
            int64_t acc = 0;
            for (int v = 0; v < 8; ++v)
                acc += tmp[v * 8 + x] * dct_table[v][y];
            int64_t p = ((acc + 32768) >> 16) + 128;
            out[y * 8 + x] = (int16_t)(p < 0 ? 0 : (p > 255 ? 255 : p));
        }
}

static int32_t quantize(int32_t c, int q) {
    return c >= 0 ? (c + q / 2) / q : -((-c + q / 2) / q);
}

static int bit_size(int32_t v) {
    uint32_t a = (uint32_t)(v < 0 ? -v : v);
    int n = 0;
    while (a) {
        ++n;
        a >>= 1;
    }
    return n;
}

/* ---------- Huffman table construction ---------- */

static void code_lengths(const uint32_t *freq_in, uint8_t *len) {
    uint32_t freq[NSYM];
    memcpy(freq, freq_in, sizeof freq);
    for (;;) {
        uint64_t weight[2 * NSYM];
        int parent[2 * NSYM], alive[2 * NSYM];
        int n = 0, nodes = 0;
        for (int s = 0; s < NSYM; ++s) {
            weight[s] = freq[s];
            parent[s] = -1;
            alive[s] = freq[s] > 0;
            n += alive[s];
        }
        nodes = NSYM;
        memset(len, 0, NSYM);
        if (n == 1) {
            for (int s = 0; s < NSYM; ++s)
                if (alive[s])
                    len[s] = 1;
            return;
        }
        for (int merges = 0; merges < n - 1; ++merges) {
            int a = -1, b = -1;
            for (int i = 0; i < nodes; ++i) {
                if (!alive[i])
                    continue;
                if (a < 0 || weight[i] < weight[a]) {
                    b = a;
                    a = i;
                } else if (b < 0 || weight[i] < weight[b]) {
                    b = i;
                }
            }
            weight[nodes] = weight[a] + weight[b];
            parent[nodes] = -1;
            alive[nodes] = 1;
            alive[a] = alive[b] = 0;
            parent[a] = parent[b] = nodes;
            ++nodes;
        }
        int maxlen = 0;
        for (int s = 0; s < NSYM; ++s) {
            if (!freq[s])
                continue;
            int d = 0;
            for (int p = parent[s]; p >= 0; p = parent[p])
                ++d;
            len[s] = (uint8_t)d;
            if (d > maxlen)
                maxlen = d;
        }
        if (maxlen <= MAXLEN)
            return;
        /* too deep: flatten the statistics and retry */
        for (int s = 0; s < NSYM; ++s)
            if (freq[s])
                freq[s] = (freq[s] + 1) / 2;
    }
}

static void build_codes(huff_table *t) {
    int count[MAXLEN + 1] = {0};
    for (int s = 0; s < NSYM; ++s)
        if (t->len[s])
            count[t->len[s]]++;
    int k = 0;
    for (int l = 1; l <= MAXLEN; ++l)
        for (int s = 0; s < NSYM; ++s)
            if (t->len[s] == l)
                t->symbols[k++] = (uint8_t)s;
    int32_t code = 0;
    k = 0;
    for (int l = 1; l <= MAXLEN; ++l) {
        t->valptr[l] = k;
        t->mincode[l] = code;
        for (int i = 0; i < count[l]; ++i) {
            t->code[t->symbols[k]] = (uint16_t)code;
            ++code;
            ++k;
        }
        t->maxcode[l] = count[l] ? code - 1 : -1;
        code <<= 1;
    }
}

/* ---------- bit I/O with 0xFF stuffing ---------- */

static void put_byte(bit_writer *w, uint8_t b) {
    if (w->size + 2 > w->cap) {
        size_t ncap = w->cap ? 2 * w->cap : 4096;
        uint8_t *nb = realloc(w->buf, ncap);
        if (!nb) {
            fprintf(stderr, "out of memory\n");
            exit(1);
        }
        w->buf = nb;
        w->cap = ncap;
    }
    w->buf[w->size++] = b;
    if (b == 0xFF)
        w->buf[w->size++] = 0x00;
}

static void put_bits(bit_writer *w, uint32_t bits, int n) {
    for (int i = n - 1; i >= 0; --i) {
        w->acc = (w->acc << 1) | ((bits >> i) & 1u);
        if (++w->nbits == 8) {
            put_byte(w, (uint8_t)w->acc);
            w->acc = 0;
            w->nbits = 0;
        }
    }
}

static void flush_bits(bit_writer *w) {
    while (w->nbits)
        put_bits(w, 1, 1);
}

static int get_bit(bit_reader *r) {
    if (r->nbits == 0) {
        if (r->pos >= r->size)
            return 0;
        uint8_t b = r->buf[r->pos++];
        if (b == 0xFF && r->pos < r->size && r->buf[r->pos] == 0)
            r->pos++;
        r->acc = b;
        r->nbits = 8;
    }
    r->nbits--;
    return (int)((r->acc >> r->nbits) & 1u);
}

static int decode_symbol(bit_reader *r, const huff_table *t) {
    int32_t code = 0;
    for (int l = 1; l <= MAXLEN; ++l) {
        code = (code << 1) | get_bit(r);
        if (t->maxcode[l] >= 0 && code <= t->maxcode[l])
            return t->symbols[t->valptr[l] + code - t->mincode[l]];
    }
    return -1;
}

static void put_value(bit_writer *w, int32_t v, int size) {
    uint32_t bits = v >= 0 ? (uint32_t)v : (uint32_t)(v + (1 << size) - 1);
    put_bits(w, bits, size);
}

static int32_t get_value(bit_reader *r, int size) {
    int32_t v = 0;
    for (int i = 0; i < size; ++i)
        v = (v << 1) | get_bit(r);
    if (size && v < (1 << (size - 1)))
        v = v - (1 << size) + 1;
    return v;
}

/* ---------- codec ---------- */

/* emits the symbols of one quantized block; with w == NULL only counts */
static void code_block(const int32_t *zz, int32_t *prev_dc, uint32_t *dc_freq,
                       uint32_t *ac_freq, bit_writer *w, const huff_table *dc,
                       const huff_table *ac) {
    int32_t diff = zz[0] - *prev_dc;
    *prev_dc = zz[0];
    int s = bit_size(diff);
    if (w) {
        put_bits(w, dc->code[s], dc->len[s]);
        put_value(w, diff, s);
    } else {
        dc_freq[s]++;
    }
    int run = 0;
    for (int i = 1; i < 64; ++i) {
        if (zz[i] == 0) {
            ++run;
            continue;
        }
        while (run > 15) {
            if (w)
                put_bits(w, ac->code[0xF0], ac->len[0xF0]);
            else
                ac_freq[0xF0]++;
            run -= 16;
        }
        int sz = bit_size(zz[i]);
        int sym = (run << 4) | sz;
        if (w) {
            put_bits(w, ac->code[sym], ac->len[sym]);
            put_value(w, zz[i], sz);
        } else {
            ac_freq[sym]++;
        }
        run = 0;
    }
    if (run > 0) {
        if (w)
            put_bits(w, ac->code[0], ac->len[0]);
        else
            ac_freq[0]++;
    }
}

static int decode_block(bit_reader *r, int32_t *prev_dc, const huff_table *dc,
                        const huff_table *ac, int32_t *zz) {
    memset(zz, 0, 64 * sizeof *zz);
    int s = decode_symbol(r, dc);
    if (s < 0)
        return 0;
    *prev_dc += get_value(r, s);
    zz[0] = *prev_dc;
    for (int i = 1; i < 64;) {
        int sym = decode_symbol(r, ac);
        if (sym < 0)
            return 0;
        if (sym == 0)
            break;
        int run = sym >> 4, sz = sym & 15;
        i += run;
        if (sz == 0) { /* ZRL */
            i += 1;
            continue;
        }
        if (i >= 64)
            return 0;
        zz[i++] = get_value(r, sz);
    }
    return 1;
}

static void generate_image(uint8_t *img, int side) {
    uint32_t seed = 0xFACEu;
    for (int y = 0; y < side; ++y)
        for (int x = 0; x < side; ++x) {
            int v = 64 + (x * 96) / side + ((y / 16) % 2) * 24;
            int dx = x - side / 2, dy = y - side / 3;
            if (dx * dx + dy * dy < side * side / 16)
                v = 200 - (dx * dx + dy * dy) * 64 / (side * side / 16 + 1);
            if (((x / 4) + (y / 4)) % 2 == 0 && x > side * 2 / 3 && y > side / 2)
                v = 30; /* checkerboard texture */
            seed = seed * 1103515245u + 12345u;
            v += (int)((seed >> 16) % 9u) - 4;
            img[y * side + x] = (uint8_t)(v < 0 ? 0 : (v > 255 ? 255 : v));
        }
}

typedef struct {
    size_t bytes;
    uint64_t sq_error;
    uint32_t hash;
    int ok;
} codec_result;

static codec_result run_codec(const uint8_t *img, int side, int quality) {
    codec_result res = {0, 0, 0x811C9DC5u, 1};
    int q[64];
    build_quant(quality, q);
    int nb = side / 8, nblocks = nb * nb;
    int32_t *coefs = malloc((size_t)nblocks * 64 * sizeof *coefs);
    huff_table *dc = calloc(1, sizeof *dc), *ac = calloc(1, sizeof *ac);
    if (!coefs || !dc || !ac) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    uint32_t dc_freq[NSYM] = {0}, ac_freq[NSYM] = {0};
    int32_t prev = 0;
    for (int b = 0; b < nblocks; ++b) {
        int bx = (b % nb) * 8, by = (b / nb) * 8;
        int16_t px[64];
        int32_t f[64];
        for (int y = 0; y < 8; ++y)
            for (int x = 0; x < 8; ++x)
                px[y * 8 + x] = (int16_t)(img[(by + y) * side + bx + x] - 128);
        fdct_block(px, f);
        int32_t *zz = coefs + (size_t)b * 64;
        for (int i = 0; i < 64; ++i)
            zz[i] = quantize(f[zigzag[i]], q[zigzag[i]]);
        code_block(zz, &prev, dc_freq, ac_freq, NULL, NULL, NULL);
    }
    ac_freq[0]++; /* make sure EOB and ZRL always have codes */
    ac_freq[0xF0]++;
    code_lengths(dc_freq, dc->len);
    code_lengths(ac_freq, ac->len);
    build_codes(dc);
    build_codes(ac);

    bit_writer w = {NULL, 0, 0, 0, 0};
    prev = 0;
    for (int b = 0; b < nblocks; ++b)
        code_block(coefs + (size_t)b * 64, &prev, NULL, NULL, &w, dc, ac);
    flush_bits(&w);
    res.bytes = w.size;

    bit_reader r = {w.buf, w.size, 0, 0, 0};
    prev = 0;
    for (int b = 0; b < nblocks; ++b) {
        int32_t zz[64], nat[64];
        int16_t px[64];
        if (!decode_block(&r, &prev, dc, ac, zz) ||
            memcmp(zz, coefs + (size_t)b * 64, sizeof zz) != 0) {
            res.ok = 0;
            break;
        }
        for (int i = 0; i < 64; ++i)
            nat[zigzag[i]] = zz[i] * q[zigzag[i]];
        idct_block(nat, px);
        int bx = (b % nb) * 8, by = (b / nb) * 8;
        for (int y = 0; y < 8; ++y)
            for (int x = 0; x < 8; ++x) {
                int d = px[y * 8 + x] - img[(by + y) * side + bx + x];
                res.sq_error += (uint64_t)(d * d);
                res.hash = (res.hash ^ (uint32_t)px[y * 8 + x]) * 0x01000193u;
            }
    }
    for (size_t i = 0; i < w.size; ++i)
        res.hash = (res.hash ^ w.buf[i]) * 0x01000193u;
    free(w.buf);
    free(ac);
    free(dc);
    free(coefs);
    return res;
}

int main(int argc, char **argv) {
    int side = (int)parse_scale(argc, argv, DEFAULT_SCALE, MAX_SCALE);
    side = (side + 7) / 8 * 8;
    uint8_t *img = malloc((size_t)side * (size_t)side);
    if (!img) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    build_tables();
    generate_image(img, side);
    static const int qualities[2] = {50, 85};
    uint32_t h = 0;
    int ok = 1;
    for (int i = 0; i < 2; ++i) {
        codec_result r = run_codec(img, side, qualities[i]);
        uint64_t mse1000 = r.sq_error * 1000u / ((uint64_t)side * (uint64_t)side);
        printf("quality %d: %zu bytes (%llu.%02llu bits/pixel), mse*1000 %llu, decode %s\n",
               qualities[i], r.bytes,
               (unsigned long long)(r.bytes * 8u / ((size_t)side * (size_t)side)),
               (unsigned long long)((r.bytes * 800u / ((size_t)side * (size_t)side)) % 100u),
               (unsigned long long)mse1000, r.ok ? "ok" : "FAILED");
        h = h * 31u + r.hash;
        ok = ok && r.ok;
    }
    printf("checksum: 0x%08x\n", h);
    free(img);
    return ok ? 0 : 1;
}
