/* bmh: Boyer-Moore-Horspool substring search, as in MiBench's stringsearch.
 * A pseudo-English text is generated from a syllable-built vocabulary; a
 * set of patterns (phrases cut from the text, vocabulary words, random
 * strings, long and one-character patterns) is searched for, counting all
 * (overlapping) occurrences with a case-sensitive BMH, a case-insensitive
 * BMH, and Sunday's quick-search variant; a naive search cross-checks a
 * subset. Prints per-kind match totals and a checksum of match positions.
 * argv[1] = text size in KiB (default 320). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_SCALE 320
#define MAX_SCALE 16384
#define NWORDS 600
#define NPATTERNS 48
#define MAXPAT 64

typedef struct {
    size_t skip[256];
    const unsigned char *pat;
    size_t len;
    int fold_case;
} bmh_table;

typedef struct {
    char text[MAXPAT + 1];
    size_t len;
} pattern;

static char vocab[NWORDS][20];

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

static uint32_t rng_state = 0x13579BDFu;

static uint32_t rng_next(void) {
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return rng_state = x;
}

static unsigned char lower(unsigned char c) {
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

static void build_vocabulary(void) {
    static const char *onsets[] = {"", "b", "c", "d", "f", "g", "h", "l", "m", "n", "p",
                                   "r", "s", "t", "th", "st", "pr", "ch", "w", "v"};
    static const char *vowels[] = {"a", "e", "i", "o", "u", "ea", "ou", "ai", "y"};
    static const char *codas[] = {"", "", "n", "r", "s", "t", "ng", "ld", "ck", "m"};
    for (int w = 0; w < NWORDS; ++w) {
        char *p = vocab[w];
        int syll = 1 + (int)(rng_next() % 3u);
        p[0] = '\0';
        for (int s = 0; s < syll; ++s) {
            strcat(p, onsets[rng_next() % 20u]);
            strcat(p, vowels[rng_next() % 9u]);
            strcat(p, codas[rng_next() % 10u]);
        }
    }
}

static void generate_text(char *text, size_t n) {
    size_t pos = 0;
    int sentence_start = 1;
    while (pos < n) {
        /* Zipf-like choice: small indices are much more frequent */
        uint32_t r = rng_next() % NWORDS;
        uint32_t w = (r * r) / NWORDS;
        const char *word = vocab[w];
        for (size_t i = 0; word[i] && pos < n; ++i) {
            char c = word[i];
            if (i == 0 && sentence_start)
                c = (char)(c - 'a' + 'A');
            text[pos++] = c;
        }
        sentence_start = 0;
        if (pos < n) {
            uint32_t p = rng_next() % 16u;
            if (p == 0 && pos + 1 < n) {
                text[pos++] = '.';
                sentence_start = 1;
            } else if (p == 1 && pos + 1 < n) {
                text[pos++] = ',';
            }
            if (pos < n)
                text[pos++] = ' ';
        }
    }
}

static void bmh_prepare(bmh_table *t, const char *pat, size_t len, int fold_case) {
    t->pat = (const unsigned char *)pat;
    t->len = len;
    t->fold_case = fold_case;
    for (int c = 0; c < 256; ++c)
        t->skip[c] = len;
    for (size_t i = 0; i + 1 < len; ++i) {
        unsigned char c = t->pat[i];
        if (fold_case) {
            c = lower(c);
            t->skip[c] = len - 1 - i;
            if (c >= 'a' && c <= 'z')
                t->skip[c - 'a' + 'A'] = len - 1 - i;
        } else {
            t->skip[c] = len - 1 - i;
        }
    }
}

static int match_at(const bmh_table *t, const unsigned char *s) {
    if (t->fold_case) {
        for (size_t i = t->len; i-- > 0;)
            if (lower(s[i]) != lower(t->pat[i]))
                return 0;
        return 1;
    }
    for (size_t i = t->len; i-- > 0;)
        if (s[i] != t->pat[i])
            return 0;
    return 1;
}

static size_t bmh_count(const bmh_table *t, const char *text, size_t n, uint32_t *h) {
    const unsigned char *s = (const unsigned char *)text;
    size_t count = 0, m = t->len;
    if (m == 0 || m > n)
        return 0;
    size_t pos = 0;
    while (pos <= n - m) {
        unsigned char last = s[pos + m - 1];
        if (match_at(t, s + pos)) {
            ++count;
            *h = (*h ^ (uint32_t)pos) * 0x01000193u;
        }
        pos += t->skip[last];
    }
    return count;
}

static size_t sunday_count(const char *pat, size_t m, const char *text, size_t n) {
    size_t shift[256];
    const unsigned char *s = (const unsigned char *)text, *p = (const unsigned char *)pat;
    if (m == 0 || m > n)
        return 0;
    for (int c = 0; c < 256; ++c)
        shift[c] = m + 1;
    for (size_t i = 0; i < m; ++i)
        shift[p[i]] = m - i;
    size_t count = 0, pos = 0;
    while (pos <= n - m) {
        if (memcmp(s + pos, p, m) == 0)
            ++count;
        if (pos + m >= n)
            break;
        pos += shift[s[pos + m]];
    }
    return count;
}

static size_t naive_count(const char *pat, size_t m, const char *text, size_t n) {
    size_t count = 0;
    for (size_t i = 0; i + m <= n; ++i) {
        size_t j = 0;
        while (j < m && text[i + j] == pat[j])
            ++j;
        if (j == m)
            ++count;
    }
    return count;
}

static void make_patterns(pattern *pats, const char *text, size_t n) {
    for (int i = 0; i < NPATTERNS; ++i) {
        pattern *p = &pats[i];
        size_t len;
        switch (i % 6) {
        case 0: /* phrase cut from the text */
        case 1: {
            len = 4 + rng_next() % 20u;
            if (len > n)
                len = n;
            size_t start = rng_next() % (n - len + 1);
            memcpy(p->text, text + start, len);
            break;
        }
        case 2: /* vocabulary word with surrounding spaces */
            len = (size_t)snprintf(p->text, sizeof p->text, " %s ",
                                   vocab[rng_next() % NWORDS]);
            break;
        case 3: /* random letters: rarely found */
            len = 3 + rng_next() % 6u;
            for (size_t k = 0; k < len; ++k)
                p->text[k] = (char)('a' + rng_next() % 26u);
            break;
        case 4: /* long pattern */
            len = 32 + rng_next() % 32u;
            if (len > n)
                len = n;
            memcpy(p->text, text + rng_next() % (n - len + 1), len);
            break;
        default: /* very short */
            len = 1 + rng_next() % 2u;
            for (size_t k = 0; k < len; ++k)
                p->text[k] = "aeiost"[rng_next() % 6u];
            break;
        }
        p->text[len] = '\0';
        p->len = len;
    }
}

int main(int argc, char **argv) {
    long kib = parse_scale(argc, argv, DEFAULT_SCALE, MAX_SCALE);
    size_t n = (size_t)kib * 1024u;
    char *text = malloc(n + 1);
    if (!text) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    build_vocabulary();
    generate_text(text, n);
    text[n] = '\0';
    pattern pats[NPATTERNS];
    make_patterns(pats, text, n);

    uint32_t h = 0x811C9DC5u;
    size_t total_cs = 0, total_ci = 0;
    size_t per_kind[6] = {0, 0, 0, 0, 0, 0};
    int mismatches = 0;
    for (int i = 0; i < NPATTERNS; ++i) {
        bmh_table t;
        bmh_prepare(&t, pats[i].text, pats[i].len, 0);
        size_t c = bmh_count(&t, text, n, &h);
        bmh_prepare(&t, pats[i].text, pats[i].len, 1);
        size_t ci = bmh_count(&t, text, n, &h);
        size_t q = sunday_count(pats[i].text, pats[i].len, text, n);
        if (q != c || ci < c)
            ++mismatches;
        if (i % 8 == 0 && naive_count(pats[i].text, pats[i].len, text, n) != c)
            ++mismatches;
        total_cs += c;
        total_ci += ci;
        per_kind[i % 6] += c;
        h = (h ^ (uint32_t)c) * 0x01000193u;
    }
    printf("text: %zu bytes, %d patterns\n", n, NPATTERNS);
    printf("matches: case-sensitive %zu, case-insensitive %zu\n", total_cs, total_ci);
    printf("by kind: %zu %zu %zu %zu %zu %zu\n", per_kind[0], per_kind[1], per_kind[2],
           per_kind[3], per_kind[4], per_kind[5]);
    printf("mismatches: %d\n", mismatches);
    printf("checksum: 0x%08x\n", h);
    free(text);
    return mismatches ? 1 : 0;
}
