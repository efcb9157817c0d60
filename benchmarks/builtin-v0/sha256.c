/* sha256: SHA-256 message digests. The round constants and initial hash
 * values are derived at start-up (fractional bits of cube and square roots
 * of the first primes, found by binary search with a tiny multi-precision
 * integer routine), the implementation is checked against FIPS 180
 * test vectors, and then a generated data stream is hashed as many
 * messages of varying lengths fed through the streaming interface in
 * uneven chunks, each message's digest being folded into the next one.
 * Prints the final chained digest as the checksum. argv[1] = amount of data
 * in KiB (default 4096). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_SCALE 4096
#define MAX_SCALE 65536

typedef struct {
    uint32_t h[8];
    uint8_t block[64];
    size_t fill;
    uint64_t total;
} sha256_ctx;

static uint32_t K[64];
static uint32_t H0[8];

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

/* ---------- constant derivation ---------- */

/* out[0..na+nb) = a * b, little-endian 32-bit limbs */
static void mp_mul(const uint32_t *a, int na, const uint32_t *b, int nb, uint32_t *out) {
    for (int i = 0; i < na + nb; ++i)
        out[i] = 0;
    for (int i = 0; i < na; ++i) {
        uint64_t carry = 0;
        for (int j = 0; j < nb; ++j) {
            uint64_t t = (uint64_t)a[i] * b[j] + out[i + j] + carry;
            out[i + j] = (uint32_t)t;
            carry = t >> 32;
        }
        out[i + nb] = (uint32_t)carry;
    }
}

static int mp_cmp(const uint32_t *a, const uint32_t *b, int n) {
    for (int i = n - 1; i >= 0; --i) {
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    }
    return 0;
}

/* is (n + f/2^32)^k <= p ? for k = 2 or 3 */
static int power_le(uint32_t n, uint32_t f, uint32_t p, int k) {
    uint32_t x[2] = {f, n};
    uint32_t sq[4], cube[6], target[6] = {0, 0, 0, 0, 0, 0};
    mp_mul(x, 2, x, 2, sq);
    if (k == 2) {
        target[2] = p; /* p * 2^64 */
        return mp_cmp(sq, target, 4) <= 0;
    }
    mp_mul(sq, 4, x, 2, cube);
    target[3] = p; /* p * 2^96 */
    return mp_cmp(cube, target, 6) <= 0;
}

/* first 32 fractional bits of the k-th root of p */
static uint32_t root_fraction(uint32_t p, int k) {
    uint32_t n = 1;
    while (power_le(n + 1, 0, p, k))
        ++n;
    uint32_t lo = 0, hi = 0xFFFFFFFFu;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2 + 1;
        if (power_le(n, mid, p, k))
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

static void derive_constants(void) {
    uint32_t primes[64];
    int count = 0;
    for (uint32_t c = 2; count < 64; ++c) {
        int is_prime = 1;
        for (int i = 0; i < count && primes[i] * primes[i] <= c; ++i) {
            if (c % primes[i] == 0) {
                is_prime = 0;
                break;
            }
        }
        if (is_prime)
            primes[count++] = c;
    }
    for (int i = 0; i < 64; ++i)
        K[i] = root_fraction(primes[i], 3);
    for (int i = 0; i < 8; ++i)
        H0[i] = root_fraction(primes[i], 2);
}

/* ---------- SHA-256 ---------- */

static uint32_t rotr(uint32_t x, unsigned n) { return (x >> n) | (x << (32u - n)); }

static void compress(uint32_t *h, const uint8_t *blk) {
    uint32_t w[64];
    for (int i = 0; i < 16; ++i)
        w[i] = ((uint32_t)blk[4 * i] << 24) | ((uint32_t)blk[4 * i + 1] << 16) |
               ((uint32_t)blk[4 * i + 2] << 8) | blk[4 * i + 3];
    for (int i = 16; i < 64; ++i) {
        uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
    uint32_t e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 64; ++i) {
        uint32_t S1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
        uint32_t ch = (e & f) ^ (~e & g);
        uint32_t t1 = hh + S1 + ch + K[i] + w[i];
        uint32_t S0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
        uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
        uint32_t t2 = S0 + maj;
        hh = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += hh;
}

static void sha256_init(sha256_ctx *c) {
    memcpy(c->h, H0, sizeof H0);
    c->fill = 0;
    c->total = 0;
}

static void sha256_update(sha256_ctx *c, const uint8_t *p, size_t n) {
    c->total += n;
    if (c->fill) {
        size_t take = 64 - c->fill;
        if (take > n)
            take = n;
        memcpy(c->block + c->fill, p, take);
        c->fill += take;
        p += take;
        n -= take;
        if (c->fill < 64)
            return;
        compress(c->h, c->block);
        c->fill = 0;
    }
    while (n >= 64) {
        compress(c->h, p);
        p += 64;
        n -= 64;
    }
    memcpy(c->block, p, n);
    c->fill = n;
}

static void sha256_final(sha256_ctx *c, uint8_t out[32]) {
    uint64_t bits = c->total * 8u;
    uint8_t pad[72];
    size_t padlen = (c->fill < 56) ? 56 - c->fill : 120 - c->fill;
    memset(pad, 0, sizeof pad);
    pad[0] = 0x80;
    for (int i = 0; i < 8; ++i)
        pad[padlen + (size_t)i] = (uint8_t)(bits >> (56 - 8 * i));
    sha256_update(c, pad, padlen + 8);
    for (int i = 0; i < 8; ++i) {
        out[4 * i] = (uint8_t)(c->h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(c->h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(c->h[i] >> 8);
        out[4 * i + 3] = (uint8_t)c->h[i];
    }
}

static void to_hex(const uint8_t *d, size_t n, char *out) {
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; ++i) {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 15u];
    }
    out[2 * n] = '\0';
}

static int check_vector(const char *msg, const char *expect) {
    sha256_ctx c;
    uint8_t d[32];
    char hex[65];
    sha256_init(&c);
    sha256_update(&c, (const uint8_t *)msg, strlen(msg));
    sha256_final(&c, d);
    to_hex(d, 32, hex);
    return strcmp(hex, expect) == 0;
}

static uint32_t prng = 0xC0FFEE11u;

static uint32_t prng_next(void) {
    prng ^= prng << 13;
    prng ^= prng >> 17;
    prng ^= prng << 5;
    return prng;
}

int main(int argc, char **argv) {
    long kib = parse_scale(argc, argv, DEFAULT_SCALE, MAX_SCALE);
    derive_constants();
    int ok = check_vector("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") &&
             check_vector("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") &&
             check_vector("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    printf("selftest: %s\n", ok ? "ok" : "FAILED");

    size_t total = (size_t)kib * 1024u;
    size_t bufsize = 8192;
    uint8_t *buf = malloc(bufsize);
    if (!buf) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    uint8_t digest[32];
    memset(digest, 0, sizeof digest);
    size_t done = 0;
    unsigned messages = 0;
    while (done < total) {
        size_t len = (prng_next() >> 8) % bufsize;
        if (len > total - done)
            len = total - done;
        for (size_t i = 0; i < len; ++i)
            buf[i] = (uint8_t)(prng_next() >> 24);
        for (size_t i = 0; i < 32 && i < len; ++i)
            buf[i] ^= digest[i];
        sha256_ctx c;
        sha256_init(&c);
        size_t pos = 0;
        while (pos < len) {
            size_t chunk = 1 + (prng_next() >> 20) % 700u;
            if (chunk > len - pos)
                chunk = len - pos;
            sha256_update(&c, buf + pos, chunk);
            pos += chunk;
        }
        sha256_update(&c, digest, sizeof digest);
        sha256_final(&c, digest);
        done += len;
        ++messages;
    }
    char hex[65];
    to_hex(digest, 32, hex);
    printf("messages: %u\n", messages);
    printf("digest: %s\n", hex);
    uint32_t chk = 0;
    for (int i = 0; i < 32; ++i)
        chk = (chk << 8 | chk >> 24) ^ digest[i];
    printf("checksum: 0x%08x\n", chk);
    free(buf);
    return ok ? 0 : 1;
}
