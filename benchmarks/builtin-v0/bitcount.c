/* bitcount: population counts of generated 32-bit words computed with
 * seven different methods (shift loop, Kernighan's trick, nibble and byte
 * lookup tables, SWAR adds, the octal HAKMEM formula, and recursive
 * halving), called through a table of function pointers as in MiBench's
 * bitcnts. Every method must give the same total; the program also builds
 * a histogram of per-word counts and a parity summary. Prints a checksum.
 * argv[1] = number of words in thousands (default 400). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_SCALE 400
#define MAX_SCALE 10000

typedef int (*count_fn)(uint32_t);

typedef struct {
    const char *name;
    count_fn fn;
} method;

static uint8_t byte_table[256];
static uint8_t nibble_table[16];

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

static int count_shift(uint32_t x) {
    int n = 0;
    while (x) {
        n += (int)(x & 1u);
        x >>= 1;
    }
    return n;
}

static int count_kernighan(uint32_t x) {
    int n = 0;
    while (x) {
        x &= x - 1u;
        ++n;
    }
    return n;
}

static int count_nibbles(uint32_t x) {
    int n = 0;
    for (int i = 0; i < 8; ++i) {
        n += nibble_table[x & 15u];
        x >>= 4;
    }
    return n;
}

static int count_bytes(uint32_t x) {
    return byte_table[x & 0xFFu] + byte_table[(x >> 8) & 0xFFu] +
           byte_table[(x >> 16) & 0xFFu] + byte_table[x >> 24];
}

static int count_swar(uint32_t x) {
    x = x - ((x >> 1) & 0x55555555u);
    x = (x & 0x33333333u) + ((x >> 2) & 0x33333333u);
    x = (x + (x >> 4)) & 0x0F0F0F0Fu;
    return (int)((x * 0x01010101u) >> 24);
}

static int count_octal(uint32_t x) {
    uint32_t t = x - ((x >> 1) & 033333333333u) - ((x >> 2) & 011111111111u);
    return (int)(((t + (t >> 3)) & 030707070707u) % 63u);
}

static int count_range(uint32_t x, int width) {
    if (width == 1)
        return (int)(x & 1u);
    int half = width / 2;
    uint32_t mask = (half == 32) ? 0xFFFFFFFFu : ((1u << half) - 1u);
    return count_range(x & mask, half) + count_range(x >> half, half);
}

static int count_recursive(uint32_t x) {
    if (x == 0)
        return 0;
    return count_range(x, 32);
}

static void build_tables(void) {
    byte_table[0] = 0;
    for (int i = 1; i < 256; ++i)
        byte_table[i] = (uint8_t)(byte_table[i >> 1] + (i & 1));
    for (int i = 0; i < 16; ++i)
        nibble_table[i] = byte_table[i];
}

static uint32_t rng_state = 0x1234567u;

static uint32_t rng_next(void) {
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return rng_state = x;
}

/* words with varied densities: sparse, dense, random, structured */
static void generate(uint32_t *w, size_t n) {
    for (size_t i = 0; i < n; ++i) {
        uint32_t r = rng_next();
        switch (i % 5) {
        case 0:
            w[i] = r & rng_next() & rng_next();
            break;
        case 1:
            w[i] = r | rng_next();
            break;
        case 2:
            w[i] = r;
            break;
        case 3:
            w[i] = (uint32_t)i * 0x9E3779B9u;
            break;
        default:
            w[i] = r >> (r & 31u);
            break;
        }
    }
}

static uint64_t run_method(const method *m, const uint32_t *w, size_t n, uint32_t *hist) {
    uint64_t total = 0;
    for (size_t i = 0; i < n; ++i) {
        int c = m->fn(w[i]);
        total += (uint64_t)c;
        if (hist)
            hist[c]++;
    }
    return total;
}

int main(int argc, char **argv) {
    long k = parse_scale(argc, argv, DEFAULT_SCALE, MAX_SCALE);
    size_t n = (size_t)k * 1000u;
    uint32_t *words = malloc(n * sizeof *words);
    if (!words) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    build_tables();
    generate(words, n);
    static const method methods[] = {
        {"shift", count_shift},       {"kernighan", count_kernighan},
        {"nibble", count_nibbles},    {"byte", count_bytes},
        {"swar", count_swar},         {"octal", count_octal},
        {"recursive", count_recursive},
    };
    const int nmethods = (int)(sizeof methods / sizeof methods[0]);
    uint32_t hist[33];
    memset(hist, 0, sizeof hist);
    uint64_t reference = 0;
    int ok = 1;
    for (int m = 0; m < nmethods; ++m) {
        uint64_t t = run_method(&methods[m], words, n, m == 0 ? hist : NULL);
        printf("%-10s %llu\n", methods[m].name, (unsigned long long)t);
        if (m == 0)
            reference = t;
        else if (t != reference)
            ok = 0;
    }
    uint32_t parity = 0;
    for (size_t i = 0; i < n; ++i)
        parity += (uint32_t)(count_swar(words[i]) & 1);
    uint32_t h = 0x811C9DC5u;
    for (int i = 0; i <= 32; ++i) {
        h ^= hist[i];
        h *= 0x01000193u;
    }
    h ^= (uint32_t)reference;
    h *= 0x01000193u;
    h ^= parity;
    printf("odd-parity words: %u\n", parity);
    printf("methods agree: %s\n", ok ? "yes" : "NO");
    printf("checksum: 0x%08x\n", h);
    free(words);
    return ok ? 0 : 1;
}
