/* lz77: an LZ77/LZSS compressor in the style of deflate's match finder. A
 * generated input (text built from a small vocabulary with repeated
 * phrases, runs, and a little binary noise) is compressed with a 32 KiB
 * sliding window, a 3-byte hash with hash chains (bounded chain length) and
 * one-step lazy matching, into a byte stream of flag groups, literals and
 * (offset, length) pairs; the stream is then decompressed and compared with
 * the input. Prints sizes, match statistics and a checksum of the
 * compressed stream. argv[1] = input size in KiB (default 2048). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_SCALE 2048
#define MAX_SCALE 16384
#define WINDOW (1u << 15)
#define HASH_BITS 14
#define HASH_SIZE (1u << HASH_BITS)
#define MIN_MATCH 3
#define MAX_MATCH 258
#define MAX_CHAIN 48
#define NIL UINT32_MAX

typedef struct {
    uint32_t head[HASH_SIZE];
    uint32_t *prev; /* indexed by position % WINDOW */
} match_finder;

typedef struct {
    uint8_t *out;
    size_t size, cap;
    size_t flag_pos;
    int flag_bit;
    size_t literals, matches, match_bytes;
} encoder;

typedef struct {
    uint32_t length, distance;
} match;

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

static uint32_t rng_state = 0x77777777u;

static uint32_t rng_next(void) {
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return rng_state = x;
}

static void generate_input(uint8_t *buf, size_t n) {
    static const char *words[] = {"the", "quick", "compression", "window", "match",
                                  "literal", "offset", "length", "of", "and", "data",
                                  "stream", "hash", "chain", "lazy", "buffer", "a", "is"};
    const size_t nw = sizeof words / sizeof words[0];
    size_t pos = 0;
    while (pos < n) {
        uint32_t r = rng_next();
        uint32_t kind = r % 20u;
        if (kind < 14) { /* a word */
            const char *w = words[(r >> 8) % nw];
            for (size_t i = 0; w[i] && pos < n; ++i)
                buf[pos++] = (uint8_t)w[i];
            if (pos < n)
                buf[pos++] = (r >> 20) % 9u == 0 ? '\n' : ' ';
        } else if (kind < 17 && pos > 1000) { /* copy an earlier phrase */
            size_t len = 8 + (r >> 8) % 120u;
            size_t src = pos - 1 - (rng_next() % (pos < 20000 ? pos - 1 : 20000u));
            for (size_t i = 0; i < len && pos < n; ++i)
                buf[pos++] = buf[src + i];
        } else if (kind < 18) { /* run */
            size_t len = 4 + (r >> 8) % 60u;
            uint8_t c = (uint8_t)('0' + (r >> 16) % 10u);
            for (size_t i = 0; i < len && pos < n; ++i)
                buf[pos++] = c;
        } else { /* noise */
            size_t len = 1 + (r >> 8) % 24u;
            for (size_t i = 0; i < len && pos < n; ++i)
                buf[pos++] = (uint8_t)rng_next();
        }
    }
}

static uint32_t hash3(const uint8_t *p) {
    uint32_t v = ((uint32_t)p[0] << 16) | ((uint32_t)p[1] << 8) | p[2];
    return (v * 2654435761u) >> (32 - HASH_BITS);
}

static void finder_insert(match_finder *mf, const uint8_t *buf, size_t pos, size_t n) {
    if (pos + MIN_MATCH > n)
        return;
    uint32_t h = hash3(buf + pos);
    mf->prev[pos % WINDOW] = mf->head[h];
    mf->head[h] = (uint32_t)pos;
}

static match longest_match(const match_finder *mf, const uint8_t *buf, size_t pos, size_t n) {
    match best = {0, 0};
    if (pos + MIN_MATCH > n)
        return best;
    size_t limit = n - pos < MAX_MATCH ? n - pos : MAX_MATCH;
    uint32_t cand = mf->head[hash3(buf + pos)];
    int chain = MAX_CHAIN;
    while (cand != NIL && chain-- > 0) {
        if (pos - cand > WINDOW - 1 || cand >= pos)
            break;
        const uint8_t *a = buf + cand, *b = buf + pos;
        if (a[best.length] == b[best.length] && a[0] == b[0]) {
            uint32_t len = 0;
            while (len < limit && a[len] == b[len])
                ++len;
            if (len > best.length) {
                best.length = len;
                best.distance = (uint32_t)(pos - cand);
                if (len == limit)
                    break;
            }
        }
        uint32_t next = mf->prev[cand % WINDOW];
        if (next != NIL && next >= cand)
            break; /* slot was overwritten by a newer position */
        cand = next;
    }
    if (best.length < MIN_MATCH)
        best.length = 0;
    return best;
}

static void emit_byte(encoder *e, uint8_t b) {
    if (e->size == e->cap) {
        e->cap = e->cap ? 2 * e->cap : 65536;
        uint8_t *p = realloc(e->out, e->cap);
        if (!p) {
            fprintf(stderr, "out of memory\n");
            exit(1);
        }
        e->out = p;
    }
    e->out[e->size++] = b;
}

static void start_token(encoder *e, int is_match) {
    if (e->flag_bit == 8) {
        e->flag_pos = e->size;
        emit_byte(e, 0);
        e->flag_bit = 0;
    }
    if (is_match)
        e->out[e->flag_pos] |= (uint8_t)(1u << e->flag_bit);
    e->flag_bit++;
}

static void emit_literal(encoder *e, uint8_t c) {
    start_token(e, 0);
    emit_byte(e, c);
    e->literals++;
}

static void emit_match(encoder *e, match m) {
    start_token(e, 1);
    /* 15-bit distance-1, 8-bit length-3 */
    uint32_t d = m.distance - 1;
    emit_byte(e, (uint8_t)(d >> 8));
    emit_byte(e, (uint8_t)d);
    emit_byte(e, (uint8_t)(m.length - MIN_MATCH));
    e->matches++;
    e->match_bytes += m.length;
}

static void compress(const uint8_t *buf, size_t n, encoder *e) {
    match_finder *mf = malloc(sizeof *mf);
    if (!mf || !(mf->prev = malloc(WINDOW * sizeof *mf->prev))) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < HASH_SIZE; ++i)
        mf->head[i] = NIL;
    for (size_t i = 0; i < WINDOW; ++i)
        mf->prev[i] = NIL;
    e->flag_bit = 8;
    size_t pos = 0;
    match cached = {0, 0};
    int have_cached = 0;
    while (pos < n) {
        match m = have_cached ? cached : longest_match(mf, buf, pos, n);
        have_cached = 0;
        finder_insert(mf, buf, pos, n);
        if (m.length >= MIN_MATCH && pos + 1 < n) {
            /* lazy evaluation: if the match starting one byte later is
             * longer, emit a literal now and take that one next time */
            match next = longest_match(mf, buf, pos + 1, n);
            if (next.length > m.length) {
                emit_literal(e, buf[pos]);
                ++pos;
                cached = next;
                have_cached = 1;
                continue;
            }
        }
        if (m.length >= MIN_MATCH) {
            emit_match(e, m);
            for (size_t i = pos + 1; i < pos + m.length; ++i)
                finder_insert(mf, buf, i, n);
            pos += m.length;
        } else {
            emit_literal(e, buf[pos]);
            ++pos;
        }
    }
    free(mf->prev);
    free(mf);
}

static size_t decompress(const uint8_t *in, size_t n, uint8_t *out, size_t cap) {
    size_t ip = 0, op = 0;
    while (ip < n) {
        uint8_t flags = in[ip++];
        for (int bit = 0; bit < 8 && ip < n; ++bit) {
            if (flags & (1u << bit)) {
                if (ip + 3 > n)
                    return 0;
                size_t dist = (((size_t)in[ip] << 8) | in[ip + 1]) + 1;
                size_t len = (size_t)in[ip + 2] + MIN_MATCH;
                ip += 3;
                if (dist > op || op + len > cap)
                    return 0;
                for (size_t i = 0; i < len; ++i, ++op)
                    out[op] = out[op - dist];
            } else {
                if (op >= cap)
                    return 0;
                out[op++] = in[ip++];
            }
        }
    }
    return op;
}

int main(int argc, char **argv) {
    long kib = parse_scale(argc, argv, DEFAULT_SCALE, MAX_SCALE);
    size_t n = (size_t)kib * 1024u;
    uint8_t *input = malloc(n), *output = malloc(n);
    if (!input || !output) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    generate_input(input, n);
    encoder e;
    memset(&e, 0, sizeof e);
    compress(input, n, &e);
    size_t got = decompress(e.out, e.size, output, n);
    int ok = got == n && memcmp(input, output, n) == 0;
    uint32_t h = 0x811C9DC5u;
    for (size_t i = 0; i < e.size; ++i)
        h = (h ^ e.out[i]) * 0x01000193u;
    printf("input %zu bytes, compressed %zu bytes (%zu.%01zu%%)\n", n, e.size,
           e.size * 100 / n, (e.size * 1000 / n) % 10);
    printf("literals %zu, matches %zu, mean match length %zu\n", e.literals, e.matches,
           e.matches ? e.match_bytes / e.matches : 0);
    printf("roundtrip: %s\n", ok ? "ok" : "FAILED");
    printf("checksum: 0x%08x\n", h);
    free(e.out);
    free(output);
    free(input);
    return ok ? 0 : 1;
}
