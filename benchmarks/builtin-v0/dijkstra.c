/* dijkstra: single-source shortest paths on a generated weighted directed
 * graph (a ring road with random local and long-range links, stored in
 * compressed sparse row form). Runs Dijkstra with an indexed binary heap
 * (decrease-key) from several sources, reconstructs a few paths via the
 * predecessor array, and cross-checks the first source with the simple
 * O(V^2) array-scan Dijkstra used by MiBench (up to 20000 vertices).
 * Prints distance sums and a checksum. argv[1] = number of vertices in
 * hundreds (default 85). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_SCALE 85
#define MAX_SCALE 5000
#define OUT_DEGREE 6
#define NSOURCES 6
#define INF UINT32_MAX
#define SCAN_LIMIT 20000 /* the O(V^2) cross-check only runs up to this size */

typedef struct {
    uint32_t nv, ne;
    uint32_t *first; /* nv + 1 offsets */
    uint32_t *to;
    uint32_t *weight;
} graph;

typedef struct {
    uint32_t *heap; /* vertex ids */
    uint32_t *pos;  /* position in heap or UINT32_MAX */
    uint32_t size;
    const uint32_t *key;
} min_heap;

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

static uint32_t rng_state = 0xD1D1D1D1u;

static uint32_t rng_next(void) {
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return rng_state = x;
}

static int build_graph(graph *g, uint32_t nv) {
    g->nv = nv;
    g->ne = nv * OUT_DEGREE;
    g->first = malloc((nv + 1) * sizeof *g->first);
    g->to = malloc(g->ne * sizeof *g->to);
    g->weight = malloc(g->ne * sizeof *g->weight);
    if (!g->first || !g->to || !g->weight)
        return 0;
    uint32_t e = 0;
    for (uint32_t v = 0; v < nv; ++v) {
        g->first[v] = e;
        /* ring road */
        g->to[e] = (v + 1) % nv;
        g->weight[e++] = 50 + rng_next() % 50u;
        for (int k = 1; k < OUT_DEGREE; ++k) {
            uint32_t r = rng_next();
            uint32_t target;
            if (k < 4) /* local streets */
                target = (v + nv - 20 + r % 41u) % nv;
            else /* highways */
                target = r % nv;
            if (target == v)
                target = (v + 2) % nv;
            g->to[e] = target;
            g->weight[e++] = (k < 4) ? 1 + (r >> 8) % 100u : 100 + (r >> 8) % 400u;
        }
    }
    g->first[nv] = e;
    return 1;
}

static void free_graph(graph *g) {
    free(g->first);
    free(g->to);
    free(g->weight);
}

/* ---------- indexed binary heap ---------- */

static void heap_swap(min_heap *h, uint32_t i, uint32_t j) {
    uint32_t a = h->heap[i], b = h->heap[j];
    h->heap[i] = b;
    h->heap[j] = a;
    h->pos[b] = i;
    h->pos[a] = j;
}

static void sift_up(min_heap *h, uint32_t i) {
    while (i > 0) {
        uint32_t parent = (i - 1) / 2;
        if (h->key[h->heap[parent]] <= h->key[h->heap[i]])
            break;
        heap_swap(h, i, parent);
        i = parent;
    }
}

static void sift_down(min_heap *h, uint32_t i) {
    for (;;) {
        uint32_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < h->size && h->key[h->heap[l]] < h->key[h->heap[m]])
            m = l;
        if (r < h->size && h->key[h->heap[r]] < h->key[h->heap[m]])
            m = r;
        if (m == i)
            return;
        heap_swap(h, i, m);
        i = m;
    }
}

static void heap_push_or_decrease(min_heap *h, uint32_t v) {
    if (h->pos[v] == UINT32_MAX) {
        h->heap[h->size] = v;
        h->pos[v] = h->size;
        h->size++;
    }
    sift_up(h, h->pos[v]);
}

static uint32_t heap_pop(min_heap *h) {
    uint32_t top = h->heap[0];
    h->size--;
    if (h->size > 0) {
        heap_swap(h, 0, h->size);
        sift_down(h, 0);
    }
    h->pos[top] = UINT32_MAX;
    return top;
}

static void dijkstra_heap(const graph *g, uint32_t src, uint32_t *dist, uint32_t *pred,
                          min_heap *h) {
    for (uint32_t v = 0; v < g->nv; ++v) {
        dist[v] = INF;
        pred[v] = UINT32_MAX;
        h->pos[v] = UINT32_MAX;
    }
    h->size = 0;
    h->key = dist;
    dist[src] = 0;
    heap_push_or_decrease(h, src);
    while (h->size > 0) {
        uint32_t u = heap_pop(h);
        for (uint32_t e = g->first[u]; e < g->first[u + 1]; ++e) {
            uint32_t v = g->to[e];
            uint32_t nd = dist[u] + g->weight[e];
            if (nd < dist[v]) {
                dist[v] = nd;
                pred[v] = u;
                heap_push_or_decrease(h, v);
            }
        }
    }
}

/* O(V^2) version: repeatedly scan for the closest unvisited vertex */
static void dijkstra_scan(const graph *g, uint32_t src, uint32_t *dist, uint8_t *done) {
    for (uint32_t v = 0; v < g->nv; ++v) {
        dist[v] = INF;
        done[v] = 0;
    }
    dist[src] = 0;
    for (;;) {
        uint32_t best = UINT32_MAX, bestd = INF;
        for (uint32_t v = 0; v < g->nv; ++v)
            if (!done[v] && dist[v] < bestd) {
                bestd = dist[v];
                best = v;
            }
        if (best == UINT32_MAX)
            break;
        done[best] = 1;
        for (uint32_t e = g->first[best]; e < g->first[best + 1]; ++e) {
            uint32_t v = g->to[e];
            if (!done[v] && bestd + g->weight[e] < dist[v])
                dist[v] = bestd + g->weight[e];
        }
    }
}

static uint32_t path_length(const uint32_t *pred, uint32_t src, uint32_t dst, uint32_t *hash) {
    uint32_t hops = 0;
    for (uint32_t v = dst; v != src && v != UINT32_MAX; v = pred[v]) {
        *hash = (*hash ^ v) * 0x01000193u;
        ++hops;
    }
    return hops;
}

int main(int argc, char **argv) {
    long k = parse_scale(argc, argv, DEFAULT_SCALE, MAX_SCALE);
    uint32_t nv = (uint32_t)k * 100u;
    graph g;
    if (!build_graph(&g, nv)) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    uint32_t *dist = malloc(nv * sizeof *dist), *pred = malloc(nv * sizeof *pred);
    uint32_t *dist2 = malloc(nv * sizeof *dist2);
    uint8_t *done = malloc(nv);
    min_heap h;
    h.heap = malloc(nv * sizeof *h.heap);
    h.pos = malloc(nv * sizeof *h.pos);
    if (!dist || !pred || !dist2 || !done || !h.heap || !h.pos) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    uint32_t chk = 0x811C9DC5u;
    int ok = 1;
    for (int s = 0; s < NSOURCES; ++s) {
        uint32_t src = (uint32_t)(((uint64_t)s * nv) / NSOURCES);
        dijkstra_heap(&g, src, dist, pred, &h);
        if (s == 0 && nv <= SCAN_LIMIT) {
            dijkstra_scan(&g, src, dist2, done);
            if (memcmp(dist, dist2, nv * sizeof *dist) != 0)
                ok = 0;
        }
        uint64_t sum = 0;
        uint32_t maxd = 0, reached = 0;
        for (uint32_t v = 0; v < nv; ++v) {
            if (dist[v] == INF)
                continue;
            ++reached;
            sum += dist[v];
            if (dist[v] > maxd)
                maxd = dist[v];
            chk = (chk ^ dist[v]) * 0x01000193u;
        }
        uint32_t hops = 0;
        for (int q = 0; q < 5; ++q)
            hops += path_length(pred, src, (src + 1 + (uint32_t)q * (nv / 5)) % nv, &chk);
        printf("source %u: reached %u, sum %llu, eccentricity %u, hops %u\n", src, reached,
               (unsigned long long)sum, maxd, hops);
    }
    printf("heap and scan agree: %s\n", nv > SCAN_LIMIT ? "not checked" : (ok ? "yes" : "NO"));
    printf("checksum: 0x%08x\n", chk);
    free(h.pos);
    free(h.heap);
    free(done);
    free(dist2);
    free(pred);
    free(dist);
    free_graph(&g);
    return ok ? 0 : 1;
}
