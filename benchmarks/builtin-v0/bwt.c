/* bwt: the block-sorting front end of a bzip2-like compressor. Generated
 * text is split into blocks; each block's cyclic rotations are sorted by
 * prefix doubling with radix (counting) sorts to produce the
 * Burrows-Wheeler transform, which is then move-to-front coded and
 * zero-run-length coded (bzip2's RUNA/RUNB bijective base-2 runs). The
 * decoder undoes the run coding, the move-to-front and the BWT (via the
 * LF mapping) and must reproduce the input. Prints the number of symbols
 * after run coding, zero-run statistics and a checksum. argv[1] = input
 * size in KiB (default 700); blocks are at most 16 KiB. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_SCALE 700
#define MAX_SCALE 8192
#define BLOCK (16u * 1024u)
#define RUNA 256
#define RUNB 257

typedef struct {
    uint32_t *sa, *rank, *tmp, *cnt, *key2;
    size_t cap;
} sorter;

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

static uint32_t rng_state = 0xB0B0CAFEu;

static uint32_t rng_next(void) {
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return rng_state = x;
}

#define NVOCAB 400

/* text drawn from a vocabulary whose words come from an order-1
 * letter model; word choice is Zipf-like so the text repeats a lot */
static void generate_text(uint8_t *buf, size_t n) {
    static const char follow[26][6] = {
        "ntlrs", "eaolu", "ohaek", "eiaos", "rsnda", "oirea", "eohra", "eaiot",
        "ntsco", "uoeai", "eisnl", "eilay", "eaoip", "dgteo", "unrfm", "rleao",
        "uuuuu", "eaiot", "tesho", "hieoa", "srnlt", "eiaoe", "aiheo", "pitae",
        "oeasi", "eaioz"};
    static char vocab[NVOCAB][12];
    for (int w = 0; w < NVOCAB; ++w) {
        int len = 1 + (int)(rng_next() % 9u);
        char c = (char)('a' + rng_next() % 26u);
        for (int i = 0; i < len; ++i) {
            vocab[w][i] = c;
            c = follow[c - 'a'][rng_next() % 5u];
        }
        vocab[w][len] = '\0';
    }
    size_t pos = 0;
    while (pos < n) {
        uint32_t r = rng_next() % NVOCAB;
        const char *w = vocab[(r * r) / NVOCAB];
        for (size_t i = 0; w[i] && pos < n; ++i)
            buf[pos++] = (uint8_t)w[i];
        if (pos < n)
            buf[pos++] = rng_next() % 11u == 0 ? '\n' : ' ';
    }
}

static int sorter_init(sorter *s, size_t cap) {
    s->cap = cap;
    s->sa = malloc(cap * sizeof *s->sa);
    s->rank = malloc(cap * sizeof *s->rank);
    s->tmp = malloc(cap * sizeof *s->tmp);
    s->key2 = malloc(cap * sizeof *s->key2);
    s->cnt = malloc((cap > 256 ? cap : 256) * sizeof *s->cnt + sizeof *s->cnt);
    return s->sa && s->rank && s->tmp && s->key2 && s->cnt;
}

static void sorter_free(sorter *s) {
    free(s->sa);
    free(s->rank);
    free(s->tmp);
    free(s->key2);
    free(s->cnt);
}

/* stable counting sort of idx[0..n) by key[idx[i]] (keys < range) into out */
static void counting_sort(const uint32_t *idx, const uint32_t *key, uint32_t *out, size_t n,
                          size_t range, uint32_t *cnt) {
    memset(cnt, 0, (range + 1) * sizeof *cnt);
    for (size_t i = 0; i < n; ++i)
        cnt[key[idx[i]] + 1]++;
    for (size_t r = 0; r < range; ++r)
        cnt[r + 1] += cnt[r];
    for (size_t i = 0; i < n; ++i)
        out[cnt[key[idx[i]]]++] = idx[i];
}

/* sorts the cyclic rotations of b[0..n); returns the row of rotation 0 */
static size_t bwt_forward(sorter *s, const uint8_t *b, size_t n, uint8_t *last) {
    for (size_t i = 0; i < n; ++i) {
        s->rank[i] = b[i];
        s->tmp[i] = (uint32_t)i;
    }
    counting_sort(s->tmp, s->rank, s->sa, n, 256, s->cnt);
    /* ranks are dense after the first pass */
    uint32_t classes = 0;
    for (size_t i = 0; i < n; ++i) {
        if (i == 0 || b[s->sa[i]] != b[s->sa[i - 1]])
            ++classes;
        s->tmp[s->sa[i]] = classes - 1;
    }
    memcpy(s->rank, s->tmp, n * sizeof *s->rank);
    for (size_t k = 1; k < n && classes < n; k *= 2) {
        /* second key: rank of rotation i + k; sort by it, then stably by first */
        for (size_t i = 0; i < n; ++i)
            s->key2[i] = s->rank[(i + k) % n];
        for (size_t i = 0; i < n; ++i)
            s->tmp[i] = (uint32_t)i;
        counting_sort(s->tmp, s->key2, s->sa, n, classes, s->cnt);
        counting_sort(s->sa, s->rank, s->tmp, n, classes, s->cnt);
        memcpy(s->sa, s->tmp, n * sizeof *s->sa);
        uint32_t c = 0;
        for (size_t i = 0; i < n; ++i) {
            uint32_t cur = s->sa[i], prv = i ? s->sa[i - 1] : 0;
            if (i == 0 || s->rank[cur] != s->rank[prv] || s->key2[cur] != s->key2[prv])
                ++c;
            s->tmp[cur] = c - 1;
        }
        memcpy(s->rank, s->tmp, n * sizeof *s->rank);
        classes = c;
    }
    size_t primary = 0;
    for (size_t i = 0; i < n; ++i) {
        uint32_t r = s->sa[i];
        last[i] = b[(r + n - 1) % n];
        if (r == 0)
            primary = i;
    }
    return primary;
}

static void bwt_inverse(const uint8_t *last, size_t n, size_t primary, uint32_t *lf,
                        uint8_t *out) {
    uint32_t count[256] = {0}, start[256];
    for (size_t i = 0; i < n; ++i)
        count[last[i]]++;
    uint32_t sum = 0;
    for (int c = 0; c < 256; ++c) {
        start[c] = sum;
        sum += count[c];
    }
    for (size_t i = 0; i < n; ++i)
        lf[i] = start[last[i]]++;
    size_t row = primary;
    for (size_t i = n; i-- > 0;) {
        out[i] = last[row];
        row = lf[row];
    }
}

static void mtf_encode(const uint8_t *in, size_t n, uint8_t *out) {
    uint8_t order[256];
    for (int i = 0; i < 256; ++i)
        order[i] = (uint8_t)i;
    for (size_t i = 0; i < n; ++i) {
        uint8_t c = in[i];
        int j = 0;
        while (order[j] != c)
            ++j;
        out[i] = (uint8_t)j;
        memmove(order + 1, order, (size_t)j);
        order[0] = c;
    }
}

static void mtf_decode(const uint8_t *in, size_t n, uint8_t *out) {
    uint8_t order[256];
    for (int i = 0; i < 256; ++i)
        order[i] = (uint8_t)i;
    for (size_t i = 0; i < n; ++i) {
        int j = in[i];
        uint8_t c = order[j];
        memmove(order + 1, order, (size_t)j);
        order[0] = c;
        out[i] = c;
    }
}

static void flush_run(uint16_t *out, size_t *m, size_t run) {
    /* bijective base 2: digits RUNA = 1, RUNB = 2 */
    while (run > 0) {
        if (run & 1u) {
            out[(*m)++] = RUNA;
            run = (run - 1) / 2;
        } else {
            out[(*m)++] = RUNB;
            run = (run - 2) / 2;
        }
    }
}

/* zero runs become RUNA/RUNB digits, other values v become v (1..255) */
static size_t rle_encode(const uint8_t *in, size_t n, uint16_t *out, size_t *runs) {
    size_t m = 0, run = 0;
    for (size_t i = 0; i < n; ++i) {
        if (in[i] == 0) {
            ++run;
            continue;
        }
        if (run) {
            flush_run(out, &m, run);
            ++*runs;
            run = 0;
        }
        out[m++] = in[i];
    }
    if (run) {
        flush_run(out, &m, run);
        ++*runs;
    }
    return m;
}

static size_t rle_decode(const uint16_t *in, size_t m, uint8_t *out, size_t cap) {
    size_t n = 0;
    for (size_t i = 0; i < m;) {
        if (in[i] == RUNA || in[i] == RUNB) {
            size_t run = 0, weight = 1;
            while (i < m && (in[i] == RUNA || in[i] == RUNB)) {
                run += (in[i] == RUNA ? 1u : 2u) * weight;
                weight *= 2;
                ++i;
            }
            if (n + run > cap)
                return 0;
            memset(out + n, 0, run);
            n += run;
        } else {
            if (n >= cap)
                return 0;
            out[n++] = (uint8_t)in[i++];
        }
    }
    return n;
}

int main(int argc, char **argv) {
    long kib = parse_scale(argc, argv, DEFAULT_SCALE, MAX_SCALE);
    size_t n = (size_t)kib * 1024u;
    uint8_t *input = malloc(n), *last = malloc(BLOCK), *mtf = malloc(BLOCK);
    uint8_t *back = malloc(BLOCK), *back2 = malloc(BLOCK);
    uint16_t *rle = malloc(2 * BLOCK * sizeof *rle);
    uint32_t *lf = malloc(BLOCK * sizeof *lf);
    sorter s;
    if (!input || !last || !mtf || !back || !back2 || !rle || !lf || !sorter_init(&s, BLOCK)) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    generate_text(input, n);
    uint32_t h = 0x811C9DC5u;
    size_t total_syms = 0, total_runs = 0, blocks = 0;
    int ok = 1;
    for (size_t off = 0; off < n; off += BLOCK) {
        size_t len = n - off < BLOCK ? n - off : BLOCK;
        size_t primary = bwt_forward(&s, input + off, len, last);
        mtf_encode(last, len, mtf);
        size_t runs = 0;
        size_t m = rle_encode(mtf, len, rle, &runs);
        total_syms += m;
        total_runs += runs;
        h = (h ^ (uint32_t)primary) * 0x01000193u;
        for (size_t i = 0; i < m; ++i)
            h = (h ^ rle[i]) * 0x01000193u;
        /* decode */
        size_t got = rle_decode(rle, m, back, BLOCK);
        mtf_decode(back, got, back2);
        if (got != len) {
            ok = 0;
            continue;
        }
        bwt_inverse(back2, len, primary, lf, back);
        if (memcmp(back, input + off, len) != 0)
            ok = 0;
        ++blocks;
    }
    printf("input %zu bytes in %zu blocks\n", n, blocks);
    printf("symbols after mtf+rle: %zu, zero runs: %zu\n", total_syms, total_runs);
    printf("roundtrip: %s\n", ok ? "ok" : "FAILED");
    printf("checksum: 0x%08x\n", h);
    sorter_free(&s);
    free(lf);
    free(rle);
    free(back2);
    free(back);
    free(mtf);
    free(last);
    free(input);
    return ok ? 0 : 1;
}
