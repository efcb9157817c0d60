/* spellcheck: a dictionary spell checker. A dictionary of generated words
 * is stored in a chained hash set (arena-allocated nodes) fronted by a
 * Bloom filter; a generated text in which some words carry a random typo
 * (substitution, deletion, insertion or transposition) is checked word by
 * word, and for every unknown word all single-edit candidates are generated
 * and looked up to produce a suggestion. Prints counts of unknown words and
 * corrected words and a checksum of the suggestions. argv[1] = number of
 * text words in thousands (default 220). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_SCALE 220
#define MAX_SCALE 2000
#define DICT_WORDS 20000
#define MAXWORD 32
#define BLOOM_BITS (1u << 18)
#define BLOOM_K 4
#define NBUCKETS 16384

typedef struct entry {
    struct entry *next;
    uint32_t hash;
    uint8_t len;
    char word[MAXWORD];
} entry;

typedef struct {
    entry *buckets[NBUCKETS];
    entry *arena;
    size_t used, cap;
    uint8_t bloom[BLOOM_BITS / 8];
    size_t probes;
} dictionary;

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

static uint64_t rng_state = 0x853C49E6748FEA9Bull;

static uint32_t rng_next(void) {
    /* 64-bit LCG, output the high bits */
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(rng_state >> 33);
}

static uint32_t hash_fnv(const char *s, size_t len) {
    uint32_t h = 0x811C9DC5u;
    for (size_t i = 0; i < len; ++i) {
        h ^= (unsigned char)s[i];
        h *= 0x01000193u;
    }
    return h;
}

static uint32_t hash_second(uint32_t h) {
    h ^= h >> 16;
    h *= 0x7FEB352Du;
    h ^= h >> 15;
    h *= 0x846CA68Bu;
    h ^= h >> 16;
    return h | 1u;
}

static void bloom_add(dictionary *d, uint32_t h1) {
    uint32_t h2 = hash_second(h1);
    for (uint32_t k = 0; k < BLOOM_K; ++k) {
        uint32_t bit = (h1 + k * h2) & (BLOOM_BITS - 1u);
        d->bloom[bit >> 3] |= (uint8_t)(1u << (bit & 7u));
    }
}

static int bloom_maybe(const dictionary *d, uint32_t h1) {
    uint32_t h2 = hash_second(h1);
    for (uint32_t k = 0; k < BLOOM_K; ++k) {
        uint32_t bit = (h1 + k * h2) & (BLOOM_BITS - 1u);
        if (!(d->bloom[bit >> 3] & (1u << (bit & 7u))))
            return 0;
    }
    return 1;
}

static int dict_contains(dictionary *d, const char *w, size_t len) {
    uint32_t h = hash_fnv(w, len);
    if (!bloom_maybe(d, h))
        return 0;
    d->probes++;
    for (const entry *e = d->buckets[h % NBUCKETS]; e; e = e->next)
        if (e->hash == h && e->len == len && memcmp(e->word, w, len) == 0)
            return 1;
    return 0;
}

static int dict_insert(dictionary *d, const char *w, size_t len) {
    if (len == 0 || len >= MAXWORD || dict_contains(d, w, len))
        return 0;
    if (d->used == d->cap)
        return 0;
    entry *e = &d->arena[d->used++];
    uint32_t h = hash_fnv(w, len);
    e->hash = h;
    e->len = (uint8_t)len;
    memcpy(e->word, w, len);
    e->word[len] = '\0';
    e->next = d->buckets[h % NBUCKETS];
    d->buckets[h % NBUCKETS] = e;
    bloom_add(d, h);
    return 1;
}

static size_t make_word(char *out) {
    static const char cons[] = "bcdfghjklmnprstvwz";
    static const char vow[] = "aeiou";
    size_t len = 0;
    int syll = 1 + (int)(rng_next() % 4u);
    for (int s = 0; s < syll; ++s) {
        if (rng_next() % 4u)
            out[len++] = cons[rng_next() % 18u];
        out[len++] = vow[rng_next() % 5u];
        if (rng_next() % 3u == 0)
            out[len++] = cons[rng_next() % 18u];
    }
    out[len] = '\0';
    return len;
}

/* introduce one random typo; returns the new length */
static size_t corrupt(char *w, size_t len) {
    uint32_t kind = rng_next() % 4u;
    size_t i = rng_next() % len;
    switch (kind) {
    case 0:
        w[i] = (char)('a' + rng_next() % 26u);
        break;
    case 1:
        if (len > 1) {
            memmove(w + i, w + i + 1, len - i);
            --len;
        }
        break;
    case 2:
        if (len + 1 < MAXWORD) {
            memmove(w + i + 1, w + i, len - i + 1);
            w[i] = (char)('a' + rng_next() % 26u);
            ++len;
        }
        break;
    default:
        if (i + 1 < len) {
            char t = w[i];
            w[i] = w[i + 1];
            w[i + 1] = t;
        }
        break;
    }
    w[len] = '\0';
    return len;
}

/* tries all single edits in a fixed order; returns 1 and fills out on success */
static int suggest(dictionary *d, const char *w, size_t len, char *out) {
    char cand[MAXWORD + 2];
    /* deletions */
    for (size_t i = 0; i < len && len > 1; ++i) {
        memcpy(cand, w, i);
        memcpy(cand + i, w + i + 1, len - i - 1);
        if (dict_contains(d, cand, len - 1)) {
            memcpy(out, cand, len - 1);
            out[len - 1] = '\0';
            return 1;
        }
    }
    /* transpositions */
    for (size_t i = 0; i + 1 < len; ++i) {
        memcpy(cand, w, len);
        char t = cand[i];
        cand[i] = cand[i + 1];
        cand[i + 1] = t;
        if (dict_contains(d, cand, len)) {
            memcpy(out, cand, len);
            out[len] = '\0';
            return 1;
        }
    }
    /* substitutions */
    for (size_t i = 0; i < len; ++i) {
        memcpy(cand, w, len);
        for (char c = 'a'; c <= 'z'; ++c) {
            if (c == w[i])
                continue;
            cand[i] = c;
            if (dict_contains(d, cand, len)) {
                memcpy(out, cand, len);
                out[len] = '\0';
                return 1;
            }
        }
    }
    /* insertions */
    if (len + 1 < MAXWORD) {
        for (size_t i = 0; i <= len; ++i) {
            memcpy(cand, w, i);
            memcpy(cand + i + 1, w + i, len - i);
            for (char c = 'a'; c <= 'z'; ++c) {
                cand[i] = c;
                if (dict_contains(d, cand, len + 1)) {
                    memcpy(out, cand, len + 1);
                    out[len + 1] = '\0';
                    return 1;
                }
            }
        }
    }
    return 0;
}

int main(int argc, char **argv) {
    long k = parse_scale(argc, argv, DEFAULT_SCALE, MAX_SCALE);
    size_t nwords = (size_t)k * 1000u;
    dictionary *d = calloc(1, sizeof *d);
    if (!d) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    d->cap = DICT_WORDS;
    d->arena = malloc(d->cap * sizeof *d->arena);
    if (!d->arena) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    char w[MAXWORD + 2];
    while (d->used < d->cap) {
        size_t len = make_word(w);
        dict_insert(d, w, len);
    }
    size_t dict_size = d->used;
    d->probes = 0;

    size_t unknown = 0, corrected = 0, typos = 0, longest_chain = 0;
    uint32_t h = 0x811C9DC5u;
    for (size_t b = 0; b < NBUCKETS; ++b) {
        size_t len = 0;
        for (const entry *e = d->buckets[b]; e; e = e->next)
            ++len;
        if (len > longest_chain)
            longest_chain = len;
    }
    for (size_t i = 0; i < nwords; ++i) {
        /* Zipf-ish pick from the dictionary */
        uint32_t r = rng_next() % (uint32_t)dict_size;
        const entry *src = &d->arena[((uint64_t)r * r) / dict_size];
        size_t len = src->len;
        memcpy(w, src->word, len + 1);
        if (rng_next() % 8u == 0) {
            len = corrupt(w, len);
            ++typos;
        }
        if (dict_contains(d, w, len)) {
            h = (h ^ (uint32_t)len) * 0x01000193u;
            continue;
        }
        ++unknown;
        char fix[MAXWORD + 2];
        if (suggest(d, w, len, fix)) {
            ++corrected;
            h = (h ^ hash_fnv(fix, strlen(fix))) * 0x01000193u;
        } else {
            h = (h ^ 0xFFFFu) * 0x01000193u;
        }
    }
    printf("dictionary: %zu words, longest chain %zu\n", dict_size, longest_chain);
    printf("text: %zu words, %zu typos introduced\n", nwords, typos);
    printf("unknown: %zu, suggestions found: %zu\n", unknown, corrected);
    printf("hash probes past the bloom filter: %zu\n", d->probes);
    printf("checksum: 0x%08x\n", h);
    free(d->arena);
    free(d);
    return 0;
}
