/* aes: AES-128 (Rijndael with a 128-bit key), byte-oriented. The S-boxes
 * are computed at start-up from GF(2^8) inverses and the affine map, the
 * cipher is checked against the FIPS-197 example vector, then a generated
 * buffer is encrypted in CBC mode, decrypted again (and compared with the
 * original), and also run through CTR mode under a second key. Prints a
 * checksum of the ciphertexts. argv[1] = buffer size in KiB (default 120). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_SCALE 120
#define MAX_SCALE 16384
#define ROUNDS 10

typedef struct {
    uint8_t rk[ROUNDS + 1][16];
} aes_key;

static uint8_t sbox[256], inv_sbox[256];

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

static uint8_t xtime(uint8_t x) {
    return (uint8_t)((x << 1) ^ ((x & 0x80u) ? 0x1Bu : 0x00u));
}

static uint8_t gf_mul(uint8_t a, uint8_t b) {
    uint8_t r = 0;
    while (b) {
        if (b & 1u)
            r ^= a;
        a = xtime(a);
        b >>= 1;
    }
    return r;
}

static uint8_t gf_inv(uint8_t a) {
    /* a^254 = a^-1 in GF(2^8); 0 maps to 0 */
    uint8_t result = 1, base = a;
    unsigned e = 254;
    while (e) {
        if (e & 1u)
            result = gf_mul(result, base);
        base = gf_mul(base, base);
        e >>= 1;
    }
    return a ? result : 0;
}

static uint8_t rotl8(uint8_t x, unsigned n) {
    return (uint8_t)((x << n) | (x >> (8u - n)));
}

static void build_sboxes(void) {
    for (int i = 0; i < 256; ++i) {
        uint8_t b = gf_inv((uint8_t)i);
        uint8_t s = (uint8_t)(b ^ rotl8(b, 1) ^ rotl8(b, 2) ^ rotl8(b, 3) ^ rotl8(b, 4) ^ 0x63u);
        sbox[i] = s;
        inv_sbox[s] = (uint8_t)i;
    }
}

static void expand_key(const uint8_t key[16], aes_key *k) {
    uint8_t w[4 * (ROUNDS + 1)][4];
    for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j)
            w[i][j] = key[4 * i + j];
    uint8_t rcon = 1;
    for (int i = 4; i < 4 * (ROUNDS + 1); ++i) {
        uint8_t t[4];
        memcpy(t, w[i - 1], 4);
        if (i % 4 == 0) {
            uint8_t first = t[0];
            t[0] = (uint8_t)(sbox[t[1]] ^ rcon);
            t[1] = sbox[t[2]];
            t[2] = sbox[t[3]];
            t[3] = sbox[first];
            rcon = xtime(rcon);
        }
        for (int j = 0; j < 4; ++j)
            w[i][j] = (uint8_t)(w[i - 4][j] ^ t[j]);
    }
    for (int r = 0; r <= ROUNDS; ++r)
        for (int c = 0; c < 4; ++c)
            memcpy(&k->rk[r][4 * c], w[4 * r + c], 4);
}

static void add_round_key(uint8_t *s, const uint8_t *rk) {
    for (int i = 0; i < 16; ++i)
        s[i] ^= rk[i];
}

static void sub_bytes(uint8_t *s, const uint8_t *box) {
    for (int i = 0; i < 16; ++i)
        s[i] = box[s[i]];
}

/* state is column-major: s[4*c + r] */
static void shift_rows(uint8_t *s, int inverse) {
    uint8_t t[16];
    for (int c = 0; c < 4; ++c)
        for (int r = 0; r < 4; ++r) {
            int src = inverse ? (c - r + 4) % 4 : (c + r) % 4;
            t[4 * c + r] = s[4 * src + r];
        }
    memcpy(s, t, 16);
}

static void mix_columns(uint8_t *s) {
    for (int c = 0; c < 4; ++c) {
        uint8_t *col = s + 4 * c;
        uint8_t a0 = col[0], a1 = col[1], a2 = col[2], a3 = col[3];
        uint8_t all = (uint8_t)(a0 ^ a1 ^ a2 ^ a3);
        col[0] = (uint8_t)(a0 ^ all ^ xtime((uint8_t)(a0 ^ a1)));
        col[1] = (uint8_t)(a1 ^ all ^ xtime((uint8_t)(a1 ^ a2)));
        col[2] = (uint8_t)(a2 ^ all ^ xtime((uint8_t)(a2 ^ a3)));
        col[3] = (uint8_t)(a3 ^ all ^ xtime((uint8_t)(a3 ^ a0)));
    }
}

static void inv_mix_columns(uint8_t *s) {
    for (int c = 0; c < 4; ++c) {
        uint8_t *col = s + 4 * c;
        uint8_t a[4];
        memcpy(a, col, 4);
        for (int r = 0; r < 4; ++r)
            col[r] = (uint8_t)(gf_mul(a[r], 14) ^ gf_mul(a[(r + 1) % 4], 11) ^
                               gf_mul(a[(r + 2) % 4], 13) ^ gf_mul(a[(r + 3) % 4], 9));
    }
}

static void encrypt_block(const aes_key *k, const uint8_t in[16], uint8_t out[16]) {
    uint8_t s[16];
    memcpy(s, in, 16);
    add_round_key(s, k->rk[0]);
    for (int r = 1; r < ROUNDS; ++r) {
        sub_bytes(s, sbox);
        shift_rows(s, 0);
        mix_columns(s);
        add_round_key(s, k->rk[r]);
    }
    sub_bytes(s, sbox);
    shift_rows(s, 0);
    add_round_key(s, k->rk[ROUNDS]);
    memcpy(out, s, 16);
}

static void decrypt_block(const aes_key *k, const uint8_t in[16], uint8_t out[16]) {
    uint8_t s[16];
    memcpy(s, in, 16);
    add_round_key(s, k->rk[ROUNDS]);
    for (int r = ROUNDS - 1; r >= 1; --r) {
        shift_rows(s, 1);
        sub_bytes(s, inv_sbox);
        add_round_key(s, k->rk[r]);
        inv_mix_columns(s);
    }
    shift_rows(s, 1);
    sub_bytes(s, inv_sbox);
    add_round_key(s, k->rk[0]);
    memcpy(out, s, 16);
}

static void cbc_encrypt(const aes_key *k, const uint8_t iv[16], const uint8_t *in,
                        uint8_t *out, size_t nblocks) {
    uint8_t chain[16];
    memcpy(chain, iv, 16);
    for (size_t b = 0; b < nblocks; ++b) {
        uint8_t x[16];
        for (int i = 0; i < 16; ++i)
            x[i] = (uint8_t)(in[16 * b + (size_t)i] ^ chain[i]);
        encrypt_block(k, x, out + 16 * b);
        memcpy(chain, out + 16 * b, 16);
    }
}

static void cbc_decrypt(const aes_key *k, const uint8_t iv[16], const uint8_t *in,
                        uint8_t *out, size_t nblocks) {
    uint8_t chain[16];
    memcpy(chain, iv, 16);
    for (size_t b = 0; b < nblocks; ++b) {
        uint8_t x[16];
        decrypt_block(k, in + 16 * b, x);
        for (int i = 0; i < 16; ++i)
            out[16 * b + (size_t)i] = (uint8_t)(x[i] ^ chain[i]);
        memcpy(chain, in + 16 * b, 16);
    }
}

static void ctr_crypt(const aes_key *k, uint64_t nonce, uint8_t *buf, size_t n) {
    uint8_t ctr[16], ks[16];
    for (size_t off = 0, blk = 0; off < n; off += 16, ++blk) {
        for (int i = 0; i < 8; ++i) {
            ctr[i] = (uint8_t)(nonce >> (56 - 8 * i));
            ctr[8 + i] = (uint8_t)((uint64_t)blk >> (56 - 8 * i));
        }
        encrypt_block(k, ctr, ks);
        for (size_t i = 0; i < 16 && off + i < n; ++i)
            buf[off + i] ^= ks[i];
    }
}

static int selftest(void) {
    uint8_t key[16], pt[16], ct[16], back[16];
    static const uint8_t expect[16] = {0x69, 0xc4, 0xe0, 0xd8, 0x6a, 0x7b, 0x04, 0x30,
                                       0xd8, 0xcd, 0xb7, 0x80, 0x70, 0xb4, 0xc5, 0x5a};
    for (int i = 0; i < 16; ++i) {
        key[i] = (uint8_t)i;
        pt[i] = (uint8_t)(i * 0x11);
    }
    aes_key k;
    expand_key(key, &k);
    encrypt_block(&k, pt, ct);
    decrypt_block(&k, ct, back);
    return memcmp(ct, expect, 16) == 0 && memcmp(back, pt, 16) == 0;
}

static uint32_t lcg = 0xACE1u;

static uint8_t next_byte(void) {
    lcg = lcg * 22695477u + 1u;
    return (uint8_t)(lcg >> 16);
}

static uint32_t fold(uint32_t h, const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; ++i) {
        h ^= p[i];
        h *= 0x01000193u;
    }
    return h;
}

int main(int argc, char **argv) {
    long kib = parse_scale(argc, argv, DEFAULT_SCALE, MAX_SCALE);
    size_t n = (size_t)kib * 1024u;
    size_t nblocks = n / 16;
    uint8_t *plain = malloc(n), *cipher = malloc(n), *back = malloc(n);
    if (!plain || !cipher || !back) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    build_sboxes();
    int ok = selftest();
    printf("selftest: %s\n", ok ? "ok" : "FAILED");

    uint8_t key[16], iv[16];
    for (int i = 0; i < 16; ++i) {
        key[i] = next_byte();
        iv[i] = next_byte();
    }
    for (size_t i = 0; i < n; ++i)
        plain[i] = (i % 97 < 40) ? (uint8_t)('A' + i % 23) : next_byte();

    aes_key k;
    expand_key(key, &k);
    cbc_encrypt(&k, iv, plain, cipher, nblocks);
    cbc_decrypt(&k, iv, cipher, back, nblocks);
    int roundtrip = memcmp(plain, back, n) == 0;
    uint32_t h = fold(0x811C9DC5u, cipher, n);

    /* CTR mode with a key derived from the CBC ciphertext */
    aes_key k2;
    expand_key(cipher + n - 16, &k2);
    memcpy(back, plain, n);
    ctr_crypt(&k2, 0x0123456789ABCDEFull, back, n);
    h = fold(h, back, n);
    ctr_crypt(&k2, 0x0123456789ABCDEFull, back, n);
    roundtrip = roundtrip && memcmp(plain, back, n) == 0;

    printf("blocks: %zu\n", nblocks);
    printf("roundtrip: %s\n", roundtrip ? "ok" : "FAILED");
    printf("checksum: 0x%08x\n", h);
    free(back);
    free(cipher);
    free(plain);
    return ok && roundtrip ? 0 : 1;
}
