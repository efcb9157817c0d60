/* matmul: dense integer matrix multiplication C = A * B (+ C) with
 * wrap-around 32-bit unsigned arithmetic, computed four ways -- naive
 * i-j-k, cache-friendly i-k-j, cache-blocked tiles, and dot products
 * against an explicitly transposed B -- which must all agree. Then the
 * product is squared again with the blocked kernel and a matrix-vector
 * chain is run. Prints per-variant agreement and a checksum of the
 * results. argv[1] = matrix dimension n (default 200). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_SCALE 200
#define MAX_SCALE 1024
#define TILE 16

typedef struct {
    int rows, cols;
    uint32_t *v;
} matrix;

typedef void (*mm_kernel)(const matrix *, const matrix *, matrix *);

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

static uint32_t lcg_state = 42u;

static uint32_t lcg_next(void) {
    lcg_state = lcg_state * 1664525u + 1013904223u;
    return lcg_state >> 7;
}

static matrix mat_new(int rows, int cols) {
    matrix m;
    m.rows = rows;
    m.cols = cols;
    m.v = calloc((size_t)rows * (size_t)cols, sizeof *m.v);
    if (!m.v) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    return m;
}

static uint32_t *at(const matrix *m, int r, int c) { return &m->v[(size_t)r * m->cols + c]; }

static void mat_fill(matrix *m) {
    for (int r = 0; r < m->rows; ++r)
        for (int c = 0; c < m->cols; ++c)
            *at(m, r, c) = (lcg_next() % 201u) - 100u; /* wraps for negatives */
}

static void mm_naive(const matrix *a, const matrix *b, matrix *c) {
    for (int i = 0; i < a->rows; ++i)
        for (int j = 0; j < b->cols; ++j) {
            uint32_t sum = *at(c, i, j);
            for (int k = 0; k < a->cols; ++k)
                sum += *at(a, i, k) * *at(b, k, j);
            *at(c, i, j) = sum;
        }
}

static void mm_ikj(const matrix *a, const matrix *b, matrix *c) {
    for (int i = 0; i < a->rows; ++i)
        for (int k = 0; k < a->cols; ++k) {
            uint32_t aik = a->v[(size_t)i * a->cols + k];
            const uint32_t *brow = &b->v[(size_t)k * b->cols];
            uint32_t *crow = &c->v[(size_t)i * c->cols];
            for (int j = 0; j < b->cols; ++j)
                crow[j] += aik * brow[j];
        }
}

static int imin(int a, int b) { return a < b ? a : b; }

static void mm_blocked(const matrix *a, const matrix *b, matrix *c) {
    int n = a->rows, m = b->cols, p = a->cols;
    for (int ii = 0; ii < n; ii += TILE)
        for (int kk = 0; kk < p; kk += TILE)
            for (int jj = 0; jj < m; jj += TILE) {
                int iend = imin(ii + TILE, n), kend = imin(kk + TILE, p),
                    jend = imin(jj + TILE, m);
                for (int i = ii; i < iend; ++i)
                    for (int k = kk; k < kend; ++k) {
                        uint32_t aik = a->v[(size_t)i * p + k];
                        for (int j = jj; j < jend; ++j)
                            c->v[(size_t)i * m + j] += aik * b->v[(size_t)k * m + j];
                    }
            }
}

static void transpose(const matrix *src, matrix *dst) {
    for (int r = 0; r < src->rows; ++r)
        for (int c = 0; c < src->cols; ++c)
            *at(dst, c, r) = *at(src, r, c);
}

static void mm_transposed(const matrix *a, const matrix *b, matrix *c) {
    matrix bt = mat_new(b->cols, b->rows);
    transpose(b, &bt);
    for (int i = 0; i < a->rows; ++i) {
        const uint32_t *arow = &a->v[(size_t)i * a->cols];
        for (int j = 0; j < bt.rows; ++j) {
            const uint32_t *btrow = &bt.v[(size_t)j * bt.cols];
            uint32_t s0 = 0, s1 = 0;
            int k = 0;
            for (; k + 1 < a->cols; k += 2) {
                s0 += arow[k] * btrow[k];
                s1 += arow[k + 1] * btrow[k + 1];
            }
            for (; k < a->cols; ++k)
                s0 += arow[k] * btrow[k];
            c->v[(size_t)i * c->cols + j] += s0 + s1;
        }
    }
    free(bt.v);
}

static uint32_t mat_hash(const matrix *m) {
    uint32_t h = 0x811C9DC5u;
    for (size_t i = 0; i < (size_t)m->rows * m->cols; ++i)
        h = (h ^ m->v[i]) * 0x01000193u;
    return h;
}

static uint32_t trace(const matrix *m) {
    uint32_t t = 0;
    for (int i = 0; i < m->rows && i < m->cols; ++i)
        t += *at(m, i, i);
    return t;
}

static void matvec_chain(const matrix *m, uint32_t *x, int steps) {
    uint32_t *y = malloc((size_t)m->rows * sizeof *y);
    if (!y) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    for (int s = 0; s < steps; ++s) {
        for (int r = 0; r < m->rows; ++r) {
            uint32_t acc = 0;
            for (int c = 0; c < m->cols; ++c)
                acc += *at(m, r, c) * x[c];
            y[r] = acc ^ (acc >> 13);
        }
        memcpy(x, y, (size_t)m->rows * sizeof *y);
    }
    free(y);
}

int main(int argc, char **argv) {
    int n = (int)parse_scale(argc, argv, DEFAULT_SCALE, MAX_SCALE);
    matrix a = mat_new(n, n), b = mat_new(n, n);
    mat_fill(&a);
    mat_fill(&b);
    static const struct {
        const char *name;
        mm_kernel fn;
    } kernels[] = {{"naive", mm_naive},
                   {"ikj", mm_ikj},
                   {"blocked", mm_blocked},
                   {"transposed", mm_transposed}};
    uint32_t ref = 0;
    int ok = 1;
    matrix c = mat_new(n, n);
    for (size_t k = 0; k < sizeof kernels / sizeof kernels[0]; ++k) {
        /* C starts as a copy of A so that the += form is exercised */
        memcpy(c.v, a.v, (size_t)n * n * sizeof *c.v);
        kernels[k].fn(&a, &b, &c);
        uint32_t h = mat_hash(&c);
        if (k == 0)
            ref = h;
        printf("%-10s %s\n", kernels[k].name, h == ref ? "agrees" : "DIFFERS");
        if (h != ref)
            ok = 0;
    }
    matrix c2 = mat_new(n, n);
    mm_blocked(&c, &c, &c2);
    uint32_t *x = malloc((size_t)n * sizeof *x);
    if (!x) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    for (int i = 0; i < n; ++i)
        x[i] = (uint32_t)i + 1u;
    matvec_chain(&c2, x, 8);
    uint32_t h = ref ^ (mat_hash(&c2) * 3u);
    for (int i = 0; i < n; ++i)
        h = (h ^ x[i]) * 0x01000193u;
    printf("trace of C^2: %u\n", (unsigned)trace(&c2));
    printf("checksum: 0x%08x\n", h);
    free(x);
    free(c2.v);
    free(c.v);
    free(b.v);
    free(a.v);
    return ok ? 0 : 1;
}
