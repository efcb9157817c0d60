/* huffman: static Huffman compression of generated data, block by block.
 * For each block the byte frequencies are counted, a Huffman tree is built
 * with a binary min-heap of tree nodes (ties broken deterministically),
 * codes are assigned by a recursive tree walk, and the block is encoded
 * into a bit stream. Decoding walks the tree bit by bit for the first half
 * of each block and uses an 8-bit lookup table with tree-walk fallback for
 * the rest; the result must equal the input. Prints compressed sizes,
 * the average code length and a checksum of the bit stream. argv[1] = input
 * size in KiB (default 1280); blocks are 16 KiB. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_SCALE 1280
#define MAX_SCALE 16384
#define BLOCK 16384
#define NSYM 256
#define MAXNODES (2 * NSYM)

typedef struct {
    uint64_t weight;
    int16_t left, right; /* -1 for leaves */
    int16_t symbol;      /* leaf symbol, or smallest symbol below (tie-break) */
} node;

typedef struct {
    node nodes[MAXNODES];
    int nnodes, root;
    uint32_t code[NSYM];
    uint8_t len[NSYM];
    /* 8-bit lookup: symbol and length, or node to continue from */
    int16_t lut_sym[256];
    uint8_t lut_len[256];
    int16_t lut_node[256];
} huff;

typedef struct {
    uint8_t *buf;
    size_t cap, bitpos;
} bitbuf;

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

static uint32_t rng_state = 0x48554646u;

static uint32_t rng_next(void) {
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return rng_state = x;
}

static void generate(uint8_t *buf, size_t n) {
    /* skewed distribution that changes from region to region */
    size_t pos = 0;
    while (pos < n) {
        uint32_t region = rng_next() % 3u;
        size_t len = 2000 + rng_next() % 6000u;
        for (size_t i = 0; i < len && pos < n; ++i) {
            uint32_t r = rng_next();
            uint8_t c;
            if (region == 0) { /* text-like: product of two uniforms is skewed */
                uint32_t idx = ((r & 0xFFu) * ((r >> 8) & 0xFFu)) >> 11;
                c = (uint8_t)" etaoinshrdlucmfwypvbgkjqxz"[idx > 26u ? 26u : idx];
            } else if (region == 1) { /* small numbers */
                c = (uint8_t)((r & 7u) * ((r >> 3) & 3u));
            } else { /* geometric: number of trailing zero bits */
                uint32_t tz = 0;
                while (tz < 31u && !((r >> tz) & 1u))
                    ++tz;
                c = (uint8_t)(tz * 7u);
            }
            buf[pos++] = c;
        }
    }
}

/* heap of node indices ordered by (weight, symbol) */
static int node_less(const huff *h, int a, int b) {
    if (h->nodes[a].weight != h->nodes[b].weight)
        return h->nodes[a].weight < h->nodes[b].weight;
    return h->nodes[a].symbol < h->nodes[b].symbol;
}

static void heap_push(const huff *h, int *heap, int *size, int v) {
    int i = (*size)++;
    heap[i] = v;
    while (i > 0 && node_less(h, heap[i], heap[(i - 1) / 2])) {
        int t = heap[i];
        heap[i] = heap[(i - 1) / 2];
        heap[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
}

static int heap_pop(const huff *h, int *heap, int *size) {
    int top = heap[0];
    heap[0] = heap[--(*size)];
    int i = 0;
    for (;;) {
        int l = 2 * i + 1, r = l + 1, m = i;
        if (l < *size && node_less(h, heap[l], heap[m]))
            m = l;
        if (r < *size && node_less(h, heap[r], heap[m]))
            m = r;
        if (m == i)
            break;
        int t = heap[i];
        heap[i] = heap[m];
        heap[m] = t;
        i = m;
    }
    return top;
}

static void assign_codes(huff *h, int n, uint32_t code, int depth) {
    const node *nd = &h->nodes[n];
    if (nd->left < 0) {
        h->code[nd->symbol] = code;
        h->len[nd->symbol] = (uint8_t)(depth ? depth : 1);
        return;
    }
    assign_codes(h, nd->left, code << 1, depth + 1);
    assign_codes(h, nd->right, (code << 1) | 1u, depth + 1);
}

static int walk(const huff *h, int n, uint32_t bits, int nbits, int *used) {
    /* follow up to nbits bits (MSB first) from node n */
    *used = 0;
    while (h->nodes[n].left >= 0 && *used < nbits) {
        int bit = (int)((bits >> (nbits - 1 - *used)) & 1u);
        n = bit ? h->nodes[n].right : h->nodes[n].left;
        ++*used;
    }
    return n;
}

static void build_lut(huff *h) {
    for (uint32_t v = 0; v < 256; ++v) {
        int used;
        int n = walk(h, h->root, v, 8, &used);
        if (h->nodes[n].left < 0) {
            h->lut_sym[v] = h->nodes[n].symbol;
            h->lut_len[v] = (uint8_t)(used ? used : 1);
            h->lut_node[v] = -1;
        } else {
            h->lut_sym[v] = -1;
            h->lut_len[v] = 8;
            h->lut_node[v] = (int16_t)n;
        }
    }
}

static void build_huffman(huff *h, const uint32_t *freq) {
    int heap[NSYM], size = 0;
    h->nnodes = 0;
    memset(h->len, 0, sizeof h->len);
    for (int s = 0; s < NSYM; ++s) {
        if (!freq[s])
            continue;
        node *nd = &h->nodes[h->nnodes];
        nd->weight = freq[s];
        nd->left = nd->right = -1;
        nd->symbol = (int16_t)s;
        heap_push(h, heap, &size, h->nnodes++);
    }
    while (size > 1) {
        int a = heap_pop(h, heap, &size), b = heap_pop(h, heap, &size);
        node *nd = &h->nodes[h->nnodes];
        nd->weight = h->nodes[a].weight + h->nodes[b].weight;
        nd->left = (int16_t)a;
        nd->right = (int16_t)b;
        nd->symbol = h->nodes[a].symbol < h->nodes[b].symbol ? h->nodes[a].symbol
                                                              : h->nodes[b].symbol;
        heap_push(h, heap, &size, h->nnodes++);
    }
    h->root = heap[0];
    assign_codes(h, h->root, 0, 0);
    build_lut(h);
}

static void put_bits(bitbuf *b, uint32_t code, int len) {
    for (int i = len - 1; i >= 0; --i) {
        size_t byte = b->bitpos >> 3;
        if (byte >= b->cap) {
            size_t ncap = b->cap ? b->cap * 2 : 4096;
            uint8_t *nb = realloc(b->buf, ncap);
            if (!nb) {
                fprintf(stderr, "out of memory\n");
                exit(1);
            }
            memset(nb + b->cap, 0, ncap - b->cap);
            b->buf = nb;
            b->cap = ncap;
        }
        if ((code >> i) & 1u)
            b->buf[byte] |= (uint8_t)(0x80u >> (b->bitpos & 7u));
        b->bitpos++;
    }
}

static uint32_t peek8(const bitbuf *b, size_t pos) {
    uint32_t v = 0;
    for (int i = 0; i < 8; ++i) {
        size_t p = pos + (size_t)i;
        uint32_t bit = (p >> 3) < b->cap ? (b->buf[p >> 3] >> (7u - (p & 7u))) & 1u : 0u;
        v = (v << 1) | bit;
    }
    return v;
}

static int get_bit(const bitbuf *b, size_t *pos) {
    size_t p = (*pos)++;
    return (b->buf[p >> 3] >> (7u - (p & 7u))) & 1u;
}

static size_t decode(const huff *h, const bitbuf *b, size_t pos, uint8_t *out, size_t n) {
    for (size_t i = 0; i < n; ++i) {
        if (i < n / 2 || h->nodes[h->root].left < 0) {
            int nd = h->root;
            if (h->nodes[nd].left < 0) {
                ++pos; /* single-symbol alphabet: one bit per symbol */
            }
            while (h->nodes[nd].left >= 0)
                nd = get_bit(b, &pos) ? h->nodes[nd].right : h->nodes[nd].left;
            out[i] = (uint8_t)h->nodes[nd].symbol;
        } else {
            uint32_t v = peek8(b, pos);
            if (h->lut_sym[v] >= 0) {
                out[i] = (uint8_t)h->lut_sym[v];
                pos += h->lut_len[v];
            } else {
                int nd = h->lut_node[v];
                pos += 8;
                while (h->nodes[nd].left >= 0)
                    nd = get_bit(b, &pos) ? h->nodes[nd].right : h->nodes[nd].left;
                out[i] = (uint8_t)h->nodes[nd].symbol;
            }
        }
    }
    return pos;
}

int main(int argc, char **argv) {
    long kib = parse_scale(argc, argv, DEFAULT_SCALE, MAX_SCALE);
    size_t n = (size_t)kib * 1024u;
    uint8_t *input = malloc(n), *output = malloc(n);
    huff *h = malloc(sizeof *h);
    if (!input || !output || !h) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    generate(input, n);
    bitbuf bb = {NULL, 0, 0};
    uint64_t total_bits = 0;
    int ok = 1;
    uint32_t chk = 0x811C9DC5u;
    for (size_t off = 0; off < n; off += BLOCK) {
        size_t len = n - off < BLOCK ? n - off : BLOCK;
        uint32_t freq[NSYM] = {0};
        for (size_t i = 0; i < len; ++i)
            freq[input[off + i]]++;
        build_huffman(h, freq);
        if (bb.buf)
            memset(bb.buf, 0, bb.cap);
        bb.bitpos = 0;
        for (size_t i = 0; i < len; ++i)
            put_bits(&bb, h->code[input[off + i]], h->len[input[off + i]]);
        total_bits += bb.bitpos;
        size_t end = decode(h, &bb, 0, output + off, len);
        if (end != bb.bitpos || memcmp(output + off, input + off, len) != 0)
            ok = 0;
        for (size_t i = 0; i < (bb.bitpos + 7) / 8; ++i)
            chk = (chk ^ bb.buf[i]) * 0x01000193u;
        for (int s = 0; s < NSYM; ++s)
            chk = (chk ^ h->len[s]) * 0x01000193u;
    }
    printf("input %zu bytes, coded %llu bytes\n", n, (unsigned long long)((total_bits + 7) / 8));
    printf("average code length: %llu.%03llu bits/symbol\n",
           (unsigned long long)(total_bits / n),
           (unsigned long long)((total_bits * 1000 / n) % 1000));
    printf("roundtrip: %s\n", ok ? "ok" : "FAILED");
    printf("checksum: 0x%08x\n", chk);
    free(bb.buf);
    free(h);
    free(output);
    free(input);
    return ok ? 0 : 1;
}
