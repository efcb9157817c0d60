/* feistel: a Blowfish-structured 64-bit block cipher (16-round Feistel
 * network, 18 subkeys, four key-dependent 8x32 S-boxes) whose initial
 * P-array and S-boxes come from a seeded generator instead of pi digits.
 * The data is processed in sessions: each session derives a new variable
 * length key from the previous ciphertext, runs the expensive key schedule
 * (521 block encryptions), encrypts its share of a generated buffer in CBC
 * mode and decrypts it again to verify. Prints a checksum of the
 * ciphertext. argv[1] = buffer size in KiB (default 1792); a new session
 * starts every 8 KiB. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_SCALE 1792
#define MAX_SCALE 16384
#define NROUNDS 16
#define SESSION_BYTES 8192

typedef struct {
    uint32_t p[NROUNDS + 2];
    uint32_t s[4][256];
} cipher_ctx;

typedef struct {
    uint32_t l, r;
} block64;

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

/* splitmix-style 64-bit generator for the initial tables */
static uint64_t gen_state = 0x243F6A8885A308D3ull;

static uint32_t gen_next(void) {
    uint64_t z = (gen_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (uint32_t)(z >> 16);
}

static cipher_ctx initial_tables;

static void build_initial_tables(void) {
    for (int i = 0; i < NROUNDS + 2; ++i)
        initial_tables.p[i] = gen_next();
    for (int b = 0; b < 4; ++b)
        for (int i = 0; i < 256; ++i)
            initial_tables.s[b][i] = gen_next();
}

static uint32_t feistel_f(const cipher_ctx *c, uint32_t x) {
    uint32_t a = c->s[0][x >> 24];
    uint32_t b = c->s[1][(x >> 16) & 0xFFu];
    uint32_t d = c->s[2][(x >> 8) & 0xFFu];
    uint32_t e = c->s[3][x & 0xFFu];
    return ((a + b) ^ d) + e;
}

static block64 encrypt_block(const cipher_ctx *c, block64 in) {
    uint32_t l = in.l, r = in.r;
    for (int i = 0; i < NROUNDS; ++i) {
        l ^= c->p[i];
        r ^= feistel_f(c, l);
        uint32_t t = l;
        l = r;
        r = t;
    }
    uint32_t t = l;
    l = r;
    r = t;
    r ^= c->p[NROUNDS];
    l ^= c->p[NROUNDS + 1];
    block64 out = {l, r};
    return out;
}

static block64 decrypt_block(const cipher_ctx *c, block64 in) {
    uint32_t l = in.l, r = in.r;
    for (int i = NROUNDS + 1; i > 1; --i) {
        l ^= c->p[i];
        r ^= feistel_f(c, l);
        uint32_t t = l;
        l = r;
        r = t;
    }
    uint32_t t = l;
    l = r;
    r = t;
    r ^= c->p[1];
    l ^= c->p[0];
    block64 out = {l, r};
    return out;
}

static void key_schedule(cipher_ctx *c, const uint8_t *key, size_t keylen) {
    memcpy(c, &initial_tables, sizeof *c);
    size_t k = 0;
    for (int i = 0; i < NROUNDS + 2; ++i) {
        uint32_t w = 0;
        for (int j = 0; j < 4; ++j) {
            w = (w << 8) | key[k];
            k = (k + 1) % keylen;
        }
        c->p[i] ^= w;
    }
    block64 b = {0, 0};
    for (int i = 0; i < NROUNDS + 2; i += 2) {
        b = encrypt_block(c, b);
        c->p[i] = b.l;
        c->p[i + 1] = b.r;
    }
    for (int s = 0; s < 4; ++s)
        for (int i = 0; i < 256; i += 2) {
            b = encrypt_block(c, b);
            c->s[s][i] = b.l;
            c->s[s][i + 1] = b.r;
        }
}

static block64 load_block(const uint8_t *p) {
    block64 b;
    b.l = ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
    b.r = ((uint32_t)p[4] << 24) | ((uint32_t)p[5] << 16) | ((uint32_t)p[6] << 8) | p[7];
    return b;
}

static void store_block(uint8_t *p, block64 b) {
    for (int i = 0; i < 4; ++i) {
        p[i] = (uint8_t)(b.l >> (24 - 8 * i));
        p[4 + i] = (uint8_t)(b.r >> (24 - 8 * i));
    }
}

static void cbc_encrypt(const cipher_ctx *c, block64 iv, const uint8_t *in, uint8_t *out,
                        size_t n) {
    block64 chain = iv;
    for (size_t off = 0; off + 8 <= n; off += 8) {
        block64 x = load_block(in + off);
        x.l ^= chain.l;
        x.r ^= chain.r;
        chain = encrypt_block(c, x);
        store_block(out + off, chain);
    }
}

static void cbc_decrypt(const cipher_ctx *c, block64 iv, const uint8_t *in, uint8_t *out,
                        size_t n) {
    block64 chain = iv;
    for (size_t off = 0; off + 8 <= n; off += 8) {
        block64 x = load_block(in + off);
        block64 y = decrypt_block(c, x);
        y.l ^= chain.l;
        y.r ^= chain.r;
        store_block(out + off, y);
        chain = x;
    }
}

int main(int argc, char **argv) {
    long kib = parse_scale(argc, argv, DEFAULT_SCALE, MAX_SCALE);
    size_t n = (size_t)kib * 1024u;
    uint8_t *plain = malloc(n), *cipher = malloc(n), *back = malloc(n);
    cipher_ctx *ctx = malloc(sizeof *ctx);
    if (!plain || !cipher || !back || !ctx) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    build_initial_tables();
    for (size_t i = 0; i < n; ++i)
        plain[i] = (uint8_t)((i * 7u + (i >> 9)) % 251u) ^ (uint8_t)(gen_next() & 0x0Fu);

    uint8_t key[56];
    size_t keylen = 16;
    for (size_t i = 0; i < keylen; ++i)
        key[i] = (uint8_t)gen_next();
    uint32_t h = 0x811C9DC5u;
    int ok = 1;
    unsigned sessions = 0;
    for (size_t off = 0; off < n; off += SESSION_BYTES) {
        size_t len = n - off < SESSION_BYTES ? n - off : SESSION_BYTES;
        key_schedule(ctx, key, keylen);
        block64 iv = {(uint32_t)off, 0xDEADBEEFu ^ (uint32_t)sessions};
        cbc_encrypt(ctx, iv, plain + off, cipher + off, len);
        cbc_decrypt(ctx, iv, cipher + off, back + off, len);
        if (memcmp(plain + off, back + off, len) != 0)
            ok = 0;
        for (size_t i = 0; i < len; ++i) {
            h ^= cipher[off + i];
            h *= 0x01000193u;
        }
        /* next key: 8..56 bytes taken from the end of this ciphertext */
        keylen = 8 + (size_t)(h % 49u);
        for (size_t i = 0; i < keylen; ++i)
            key[i] = cipher[off + len - 1 - (i % len)];
        ++sessions;
    }
    printf("sessions: %u\n", sessions);
    printf("roundtrip: %s\n", ok ? "ok" : "FAILED");
    printf("checksum: 0x%08x\n", h);
    free(ctx);
    free(back);
    free(cipher);
    free(plain);
    return ok ? 0 : 1;
}
