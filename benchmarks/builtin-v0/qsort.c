/* qsort: hand-written quicksorts (no libc qsort). Sorts (a) an int32 array
 * with a median-of-three, insertion-sort-cutoff quicksort, (b) a
 * duplicate-heavy array with a three-way (Dutch flag) partitioning
 * quicksort, and (c) an array of records by a multi-field comparison
 * through a generic byte-swapping sort that takes a comparator function
 * pointer, like libc's qsort interface. Each result is verified to be
 * ordered and a permutation of the input. Prints a checksum of sampled
 * sorted elements. argv[1] = number of elements in thousands (default 220). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_SCALE 220
#define MAX_SCALE 2000
#define CUTOFF 12

typedef struct {
    uint32_t key;
    uint16_t group;
    char name[10];
} record;

typedef int (*cmp_fn)(const void *, const void *);

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

static uint32_t rng_state = 0xBADC0DEu;

static uint32_t rng_next(void) {
    rng_state = rng_state * 1103515245u + 12345u;
    return rng_state ^ (rng_state >> 16);
}

/* ---------- int32 quicksort ---------- */

static void swap_int(int32_t *a, int32_t *b) {
    int32_t t = *a;
    *a = *b;
    *b = t;
}

static void insertion_sort(int32_t *a, size_t n) {
    for (size_t i = 1; i < n; ++i) {
        int32_t v = a[i];
        size_t j = i;
        while (j > 0 && a[j - 1] > v) {
            a[j] = a[j - 1];
            --j;
        }
        a[j] = v;
    }
}

static int32_t median3(int32_t *a, size_t lo, size_t hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (a[mid] < a[lo])
        swap_int(&a[mid], &a[lo]);
    if (a[hi] < a[lo])
        swap_int(&a[hi], &a[lo]);
    if (a[hi] < a[mid])
        swap_int(&a[hi], &a[mid]);
    return a[mid];
}

/* sorts a[lo..hi] inclusive */
static void quicksort_int(int32_t *a, size_t lo, size_t hi) {
    while (hi - lo + 1 > CUTOFF) {
        int32_t pivot = median3(a, lo, hi);
        size_t i = lo, j = hi;
        for (;;) {
            while (a[i] < pivot)
                ++i;
            while (a[j] > pivot)
                --j;
            if (i >= j)
                break;
            swap_int(&a[i], &a[j]);
            ++i;
            --j;
        }
        /* partition: a[lo..j] <= pivot <= a[j+1..hi]; recurse on smaller */
        if (j - lo < hi - j) {
            quicksort_int(a, lo, j);
            lo = j + 1;
        } else {
            quicksort_int(a, j + 1, hi);
            hi = j;
        }
    }
    insertion_sort(a + lo, hi - lo + 1);
}

/* ---------- three-way quicksort ---------- */

static void quicksort3(int32_t *a, long lo, long hi) {
    while (lo < hi) {
        int32_t pivot = a[lo + (hi - lo) / 2];
        long lt = lo, gt = hi, i = lo;
        while (i <= gt) {
            if (a[i] < pivot)
                swap_int(&a[lt++], &a[i++]);
            else if (a[i] > pivot)
                swap_int(&a[i], &a[gt--]);
            else
                ++i;
        }
        if (lt - lo < hi - gt) {
            quicksort3(a, lo, lt - 1);
            lo = gt + 1;
        } else {
            quicksort3(a, gt + 1, hi);
            hi = lt - 1;
        }
    }
}

/* ---------- generic sort ---------- */

static void swap_bytes(unsigned char *a, unsigned char *b, size_t size) {
    while (size--) {
        unsigned char t = *a;
        *a++ = *b;
        *b++ = t;
    }
}

static void generic_sort(void *base, size_t n, size_t size, cmp_fn cmp) {
    unsigned char *a = base;
    while (n > CUTOFF) {
        /* median of three moved to position 0 */
        unsigned char *lo = a, *mid = a + (n / 2) * size, *hi = a + (n - 1) * size;
        if (cmp(mid, lo) < 0)
            swap_bytes(mid, lo, size);
        if (cmp(hi, lo) < 0)
            swap_bytes(hi, lo, size);
        if (cmp(hi, mid) < 0)
            swap_bytes(hi, mid, size);
        swap_bytes(a, mid, size);
        size_t i = 1, j = n - 1;
        for (;;) {
            while (i < n && cmp(a + i * size, a) < 0)
                ++i;
            while (cmp(a + j * size, a) > 0)
                --j;
            if (i >= j)
                break;
            swap_bytes(a + i * size, a + j * size, size);
            ++i;
            --j;
        }
        swap_bytes(a, a + j * size, size);
        size_t left = j, right = n - j - 1;
        if (left < right) {
            generic_sort(a, left, size, cmp);
            a += (j + 1) * size;
            n = right;
        } else {
            generic_sort(a + (j + 1) * size, right, size, cmp);
            n = left;
        }
    }
    for (size_t i = 1; i < n; ++i)
        for (size_t j = i; j > 0 && cmp(a + (j - 1) * size, a + j * size) > 0; --j)
            swap_bytes(a + (j - 1) * size, a + j * size, size);
}

static int cmp_record(const void *pa, const void *pb) {
    const record *a = pa, *b = pb;
    if (a->group != b->group)
        return a->group < b->group ? -1 : 1;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return strcmp(a->name, b->name);
}

/* ---------- verification ---------- */

static uint64_t multiset_hash(const int32_t *a, size_t n) {
    uint64_t s = 0;
    for (size_t i = 0; i < n; ++i) {
        uint64_t x = (uint64_t)(uint32_t)a[i] * 0x9E3779B97F4A7C15ull;
        s += x ^ (x >> 29);
    }
    return s;
}

static int is_sorted_int(const int32_t *a, size_t n) {
    for (size_t i = 1; i < n; ++i)
        if (a[i - 1] > a[i])
            return 0;
    return 1;
}

static uint32_t sample_hash(uint32_t h, const int32_t *a, size_t n) {
    for (size_t i = 0; i < n; i += 1 + n / 1000) {
        h ^= (uint32_t)a[i];
        h *= 0x01000193u;
    }
    return h;
}

int main(int argc, char **argv) {
    long k = parse_scale(argc, argv, DEFAULT_SCALE, MAX_SCALE);
    size_t n = (size_t)k * 1000u;
    int32_t *a = malloc(n * sizeof *a);
    int32_t *b = malloc(n * sizeof *b);
    record *r = malloc(n * sizeof *r);
    if (!a || !b || !r) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    for (size_t i = 0; i < n; ++i) {
        a[i] = (int32_t)(rng_next() & 0x7FFFFFFFu) - 0x40000000;
        b[i] = (int32_t)(rng_next() % 64u) - 32;
        r[i].key = rng_next() % 5000u;
        r[i].group = (uint16_t)(rng_next() % 17u);
        for (int c = 0; c < 9; ++c)
            r[i].name[c] = (char)('a' + rng_next() % 26u);
        r[i].name[9] = '\0';
    }
    /* make part of the array pre-sorted and part reversed */
    insertion_sort(a, n / 50);
    for (size_t i = 0; i < n / 100; ++i)
        a[n - 1 - i] = (int32_t)i;

    uint64_t ha = multiset_hash(a, n), hb = multiset_hash(b, n);
    quicksort_int(a, 0, n - 1);
    quicksort3(b, 0, (long)n - 1);
    generic_sort(r, n, sizeof *r, cmp_record);

    int ok = is_sorted_int(a, n) && is_sorted_int(b, n) && ha == multiset_hash(a, n) &&
             hb == multiset_hash(b, n);
    for (size_t i = 1; i < n; ++i)
        if (cmp_record(&r[i - 1], &r[i]) > 0)
            ok = 0;

    uint32_t h = 0x811C9DC5u;
    h = sample_hash(h, a, n);
    h = sample_hash(h, b, n);
    for (size_t i = 0; i < n; i += 1 + n / 1000) {
        h ^= r[i].key ^ ((uint32_t)r[i].group << 16) ^ (uint32_t)(unsigned char)r[i].name[0];
        h *= 0x01000193u;
    }
    printf("elements: %zu\n", n);
    printf("min %d max %d median %d\n", a[0], a[n - 1], a[n / 2]);
    printf("first record: group %u key %u name %s\n", r[0].group, r[0].key, r[0].name);
    printf("sorted: %s\n", ok ? "yes" : "NO");
    printf("checksum: 0x%08x\n", h);
    free(r);
    free(b);
    free(a);
    return ok ? 0 : 1;
}
