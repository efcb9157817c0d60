/* stringsort: sorting of generated strings that share long prefixes (URL-
 * and path-like keys). The same set of string pointers is sorted with a
 * multikey (three-way radix) quicksort, a top-down merge sort using a
 * hand-written string comparison, and an MSD radix sort with bucket
 * counting and an insertion-sort cutoff. All three orders must agree;
 * the program then counts distinct strings and the longest common prefix
 * of neighbours. Prints these statistics and a checksum of the sorted
 * sequence. argv[1] = number of strings in thousands (default 56). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_SCALE 56
#define MAX_SCALE 500
#define MAXLEN 48
#define RADIX_CUTOFF 16

typedef const unsigned char *str;

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

static uint32_t rng_state = 0x57524E47u;

static uint32_t rng_next(void) {
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return rng_state = x;
}

static void make_string(char *out) {
    static const char *hosts[] = {"www.example.org", "cdn.example.org", "api.test.net",
                                  "static.site.com", "a.b"};
    static const char *dirs[] = {"img", "js", "css", "v1", "v2", "users", "items", "docs"};
    int len = snprintf(out, MAXLEN, "%s/", hosts[rng_next() % 5u]);
    int depth = (int)(rng_next() % 4u);
    for (int d = 0; d < depth && len < MAXLEN - 10; ++d)
        len += snprintf(out + len, (size_t)(MAXLEN - len), "%s/", dirs[rng_next() % 8u]);
    int tail = 1 + (int)(rng_next() % 8u);
    for (int i = 0; i < tail && len < MAXLEN - 1; ++i)
        out[len++] = (char)('a' + rng_next() % ((rng_next() & 1u) ? 3u : 26u));
    out[len] = '\0';
}

static int char_at(str s, size_t d) { return s[d]; }

static int str_compare(str a, str b) {
    while (*a && *a == *b) {
        ++a;
        ++b;
    }
    return (int)*a - (int)*b;
}

/* ---------- multikey quicksort ---------- */

static void swap_str(str *a, size_t i, size_t j) {
    str t = a[i];
    a[i] = a[j];
    a[j] = t;
}

static void mkqsort(str *a, size_t n, size_t depth) {
    while (n > 1) {
        if (n < 8) {
            for (size_t i = 1; i < n; ++i)
                for (size_t j = i; j > 0 && str_compare(a[j - 1] + depth, a[j] + depth) > 0; --j)
                    swap_str(a, j - 1, j);
            return;
        }
        swap_str(a, 0, n / 2);
        int pivot = char_at(a[0], depth);
        size_t lt = 0, gt = n - 1, i = 1;
        while (i <= gt) {
            int c = char_at(a[i], depth);
            if (c < pivot)
                swap_str(a, lt++, i++);
            else if (c > pivot)
                swap_str(a, i, gt--);
            else
                ++i;
        }
        /* a[0..lt) < pivot, a[lt..gt] == pivot, a(gt..n) > pivot */
        mkqsort(a, lt, depth);
        if (pivot != 0)
            mkqsort(a + lt, gt - lt + 1, depth + 1);
        size_t right = n - gt - 1;
        a += gt + 1;
        n = right;
    }
}

/* ---------- merge sort ---------- */

static void merge_sort(str *a, str *tmp, size_t n) {
    if (n < 2)
        return;
    size_t mid = n / 2;
    merge_sort(a, tmp, mid);
    merge_sort(a + mid, tmp, n - mid);
    if (str_compare(a[mid - 1], a[mid]) <= 0)
        return;
    memcpy(tmp, a, mid * sizeof *a);
    size_t i = 0, j = mid, k = 0;
    while (i < mid && j < n) {
        if (str_compare(a[j], tmp[i]) < 0)
            a[k++] = a[j++];
        else
            a[k++] = tmp[i++];
    }
    while (i < mid)
        a[k++] = tmp[i++];
}

/* ---------- MSD radix sort ---------- */

static void msd_radix(str *a, str *aux, size_t n, size_t depth) {
    if (n <= RADIX_CUTOFF) {
        for (size_t i = 1; i < n; ++i)
            for (size_t j = i; j > 0 && str_compare(a[j - 1] + depth, a[j] + depth) > 0; --j)
                swap_str(a, j - 1, j);
        return;
    }
    size_t count[257];
    memset(count, 0, sizeof count);
    for (size_t i = 0; i < n; ++i)
        count[char_at(a[i], depth) + 1]++;
    for (int c = 0; c < 256; ++c)
        count[c + 1] += count[c];
    size_t start[257];
    memcpy(start, count, sizeof start);
    for (size_t i = 0; i < n; ++i)
        aux[start[char_at(a[i], depth)]++] = a[i];
    memcpy(a, aux, n * sizeof *a);
    /* bucket 0 holds strings that ended: already in order */
    for (int c = 1; c < 256; ++c) {
        size_t lo = count[c], hi = count[c + 1];
        if (hi - lo > 1)
            msd_radix(a + lo, aux, hi - lo, depth + 1);
    }
}

static size_t common_prefix(str a, str b) {
    size_t k = 0;
    while (a[k] && a[k] == b[k])
        ++k;
    return k;
}

int main(int argc, char **argv) {
    long k = parse_scale(argc, argv, DEFAULT_SCALE, MAX_SCALE);
    size_t n = (size_t)k * 1000u;
    char *pool = malloc(n * MAXLEN);
    str *orig = malloc(n * sizeof *orig), *a = malloc(n * sizeof *a);
    str *b = malloc(n * sizeof *b), *c = malloc(n * sizeof *c), *tmp = malloc(n * sizeof *tmp);
    if (!pool || !orig || !a || !b || !c || !tmp) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    for (size_t i = 0; i < n; ++i) {
        make_string(pool + i * MAXLEN);
        orig[i] = (str)(pool + i * MAXLEN);
    }
    memcpy(a, orig, n * sizeof *a);
    memcpy(b, orig, n * sizeof *b);
    memcpy(c, orig, n * sizeof *c);
    mkqsort(a, n, 0);
    merge_sort(b, tmp, n);
    msd_radix(c, tmp, n, 0);

    int ok = 1;
    size_t distinct = n ? 1 : 0, max_lcp = 0, sum_lcp = 0;
    uint32_t h = 0x811C9DC5u;
    for (size_t i = 0; i < n; ++i) {
        if (strcmp((const char *)a[i], (const char *)b[i]) != 0 ||
            strcmp((const char *)a[i], (const char *)c[i]) != 0)
            ok = 0;
        if (i > 0) {
            if (str_compare(a[i - 1], a[i]) > 0)
                ok = 0;
            if (str_compare(a[i - 1], a[i]) != 0)
                ++distinct;
            size_t l = common_prefix(a[i - 1], a[i]);
            sum_lcp += l;
            if (l > max_lcp)
                max_lcp = l;
        }
        for (str p = a[i]; *p; ++p)
            h = (h ^ *p) * 0x01000193u;
        h = (h ^ 0xFFu) * 0x01000193u;
    }
    printf("strings: %zu, distinct: %zu\n", n, distinct);
    printf("first: %s\nlast: %s\n", (const char *)a[0], (const char *)a[n - 1]);
    printf("neighbour lcp: max %zu, mean %zu\n", max_lcp, n > 1 ? sum_lcp / (n - 1) : 0);
    printf("sorts agree: %s\n", ok ? "yes" : "NO");
    printf("checksum: 0x%08x\n", h);
    free(tmp);
    free(c);
    free(b);
    free(a);
    free(orig);
    free(pool);
    return ok ? 0 : 1;
}
