/* patricia: a path-compressed binary (Patricia/radix) trie holding IPv4
 * routing prefixes, used for longest-prefix-match lookups as in a router's
 * forwarding table. Generated prefixes (length mix resembling a BGP table)
 * are inserted, a stream of addresses is looked up, a third of the routes
 * are withdrawn (with node collapsing) and the lookups repeated. A sample of
 * lookups is cross-checked against a brute-force scan. Prints route counts,
 * hit statistics and a checksum of next hops. argv[1] = number of prefixes
 * in thousands (default 16); ten lookups are done per prefix per phase. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_SCALE 16
#define MAX_SCALE 500
#define NO_ROUTE UINT32_MAX

typedef struct pnode {
    uint32_t key; /* prefix bits, masked to len */
    uint32_t value;
    uint8_t len;
    uint8_t has_value;
    struct pnode *child[2];
} pnode;

typedef struct {
    uint32_t key, value;
    uint8_t len, active;
} route;

typedef struct {
    pnode *root;
    size_t nodes;
    size_t routes;
} trie;

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

static uint32_t rng_state = 0x0A0B0C0Du;

static uint32_t rng_next(void) {
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return rng_state = x;
}

static uint32_t prefix_mask(unsigned len) {
    return len == 0 ? 0u : 0xFFFFFFFFu << (32u - len);
}

static unsigned bit_at(uint32_t key, unsigned i) { return (key >> (31u - i)) & 1u; }

static unsigned leading_zeros(uint32_t x) {
    if (x == 0)
        return 32;
    unsigned n = 0;
    if (!(x & 0xFFFF0000u)) { n += 16; x <<= 16; }
    if (!(x & 0xFF000000u)) { n += 8; x <<= 8; }
    if (!(x & 0xF0000000u)) { n += 4; x <<= 4; }
    if (!(x & 0xC0000000u)) { n += 2; x <<= 2; }
    if (!(x & 0x80000000u)) { n += 1; }
    return n;
}

static pnode *new_node(trie *t, uint32_t key, unsigned len) {
    pnode *n = malloc(sizeof *n);
    if (!n) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    n->key = key & prefix_mask(len);
    n->len = (uint8_t)len;
    n->has_value = 0;
    n->value = 0;
    n->child[0] = n->child[1] = NULL;
    t->nodes++;
    return n;
}

static void trie_insert(trie *t, uint32_t key, unsigned len, uint32_t value) {
    key &= prefix_mask(len);
    pnode **link = &t->root;
    while (*link) {
        pnode *n = *link;
        unsigned common = leading_zeros(n->key ^ key);
        if (common > n->len)
            common = n->len;
        if (common > len)
            common = len;
        if (common == n->len) {
            if (n->len == len) {
                if (!n->has_value)
                    t->routes++;
                n->has_value = 1;
                n->value = value;
                return;
            }
            link = &n->child[bit_at(key, n->len)];
            continue;
        }
        /* the new prefix diverges from n above n's length: split */
        pnode *leaf = new_node(t, key, len);
        leaf->has_value = 1;
        leaf->value = value;
        t->routes++;
        if (common == len) {
            leaf->child[bit_at(n->key, len)] = n;
            *link = leaf;
        } else {
            pnode *glue = new_node(t, key, common);
            glue->child[bit_at(n->key, common)] = n;
            glue->child[bit_at(key, common)] = leaf;
            *link = glue;
        }
        return;
    }
    pnode *leaf = new_node(t, key, len);
    leaf->has_value = 1;
    leaf->value = value;
    t->routes++;
    *link = leaf;
}

/* replace the node at *link by its only child, or remove it if a leaf */
static int collapse(trie *t, pnode **link) {
    pnode *n = *link;
    if (n->has_value || (n->child[0] && n->child[1]))
        return 0;
    *link = n->child[0] ? n->child[0] : n->child[1];
    free(n);
    t->nodes--;
    return 1;
}

static int trie_delete(trie *t, uint32_t key, unsigned len) {
    key &= prefix_mask(len);
    pnode **path[34];
    int depth = 0;
    pnode **link = &t->root;
    while (*link) {
        pnode *n = *link;
        if (n->len > len || (key & prefix_mask(n->len)) != n->key)
            return 0;
        if (n->len == len)
            break;
        path[depth++] = link;
        link = &n->child[bit_at(key, n->len)];
    }
    if (!*link || !(*link)->has_value)
        return 0;
    (*link)->has_value = 0;
    t->routes--;
    if (collapse(t, link) && depth > 0)
        collapse(t, path[depth - 1]);
    return 1;
}

static uint32_t trie_lookup(const trie *t, uint32_t addr, unsigned *matched_len) {
    const pnode *n = t->root;
    uint32_t best = NO_ROUTE;
    *matched_len = 0;
    while (n) {
        if ((addr & prefix_mask(n->len)) != n->key)
            break;
        if (n->has_value) {
            best = n->value;
            *matched_len = n->len;
        }
        if (n->len == 32)
            break;
        n = n->child[bit_at(addr, n->len)];
    }
    return best;
}

static void trie_free(pnode *n) {
    if (!n)
        return;
    trie_free(n->child[0]);
    trie_free(n->child[1]);
    free(n);
}

static uint32_t brute_lookup(const route *r, size_t n, uint32_t addr) {
    int best_len = -1;
    uint32_t best = NO_ROUTE;
    for (size_t i = 0; i < n; ++i) {
        if (!r[i].active || (int)r[i].len <= best_len)
            continue;
        if ((addr & prefix_mask(r[i].len)) == r[i].key) {
            best_len = r[i].len;
            best = r[i].value;
        }
    }
    return best;
}

static unsigned random_prefix_length(void) {
    uint32_t r = rng_next() % 100u;
    if (r < 55)
        return 24;
    if (r < 80)
        return 17 + rng_next() % 7u;
    if (r < 90)
        return 8 + rng_next() % 9u;
    if (r < 98)
        return 25 + rng_next() % 8u;
    return 4 + rng_next() % 4u;
}

/* open-addressing map from (key, len) to the latest route index, used to
 * keep exactly one active route per distinct prefix */
typedef struct {
    uint32_t *slot; /* route index + 1, 0 = empty */
    size_t mask;
} prefix_map;

static size_t prefix_hash(uint32_t key, unsigned len) {
    uint32_t x = key ^ (len * 0x9E3779B9u);
    x ^= x >> 16;
    x *= 0x85EBCA6Bu;
    x ^= x >> 13;
    return x;
}

static uint32_t *prefix_map_find(prefix_map *m, const route *routes, uint32_t key,
                                 unsigned len) {
    size_t i = prefix_hash(key, len) & m->mask;
    while (m->slot[i]) {
        const route *r = &routes[m->slot[i] - 1];
        if (r->key == key && r->len == len)
            break;
        i = (i + 1) & m->mask;
    }
    return &m->slot[i];
}

static uint32_t random_address(const route *routes, size_t n) {
    uint32_t r = rng_next();
    if (r & 3u)
        return rng_next(); /* anywhere */
    const route *base = &routes[rng_next() % n];
    return base->key | (rng_next() & ~prefix_mask(base->len));
}

static uint32_t run_lookups(const trie *t, const route *routes, size_t nroutes, size_t count,
                            uint32_t h, unsigned *hits, unsigned *mismatches) {
    /* brute force costs O(routes): check about 1 lookup in 128, at most 512 */
    size_t check_every = count / 512 > 128 ? count / 512 : 128;
    for (size_t i = 0; i < count; ++i) {
        uint32_t addr = random_address(routes, nroutes);
        unsigned len;
        uint32_t hop = trie_lookup(t, addr, &len);
        if (hop != NO_ROUTE)
            ++*hits;
        if (i % check_every == 0 && brute_lookup(routes, nroutes, addr) != hop)
            ++*mismatches;
        h = (h ^ hop) * 0x01000193u;
        h = (h ^ len) * 0x01000193u;
    }
    return h;
}

int main(int argc, char **argv) {
    long k = parse_scale(argc, argv, DEFAULT_SCALE, MAX_SCALE);
    size_t n = (size_t)k * 1000u;
    route *routes = malloc(n * sizeof *routes);
    if (!routes) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    trie t = {NULL, 0, 0};
    prefix_map map;
    map.mask = 1;
    while (map.mask < 2 * n)
        map.mask <<= 1;
    map.slot = calloc(map.mask, sizeof *map.slot);
    if (!map.slot) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    map.mask -= 1;
    for (size_t i = 0; i < n; ++i) {
        unsigned len = random_prefix_length();
        /* cluster prefixes into a few address blocks so they nest */
        uint32_t block = (rng_next() % 24u) << 27;
        uint32_t key = (block | (rng_next() >> 5)) & prefix_mask(len);
        routes[i].key = key;
        routes[i].len = (uint8_t)len;
        routes[i].value = (uint32_t)i;
        routes[i].active = 1;
        /* a duplicate prefix overrides the earlier one, as in the trie */
        uint32_t *slot = prefix_map_find(&map, routes, key, len);
        if (*slot)
            routes[*slot - 1].active = 0;
        *slot = (uint32_t)i + 1;
        trie_insert(&t, key, len, (uint32_t)i);
    }
    unsigned hits = 0, mismatches = 0;
    size_t nlookups = n * 10;
    printf("routes %zu, nodes %zu\n", t.routes, t.nodes);
    uint32_t h = run_lookups(&t, routes, n, nlookups, 0x811C9DC5u, &hits, &mismatches);
    printf("phase 1: %u of %zu lookups matched\n", hits, nlookups);

    size_t withdrawn = 0;
    for (size_t i = 0; i < n; i += 3) {
        if (!routes[i].active)
            continue;
        if (trie_delete(&t, routes[i].key, routes[i].len))
            ++withdrawn;
        routes[i].active = 0;
    }
    printf("withdrawn %zu: routes %zu, nodes %zu\n", withdrawn, t.routes, t.nodes);
    hits = 0;
    h = run_lookups(&t, routes, n, nlookups, h, &hits, &mismatches);
    printf("phase 2: %u of %zu lookups matched\n", hits, nlookups);
    printf("mismatches against brute force: %u\n", mismatches);
    printf("checksum: 0x%08x\n", h);
    trie_free(t.root);
    free(map.slot);
    free(routes);
    return mismatches == 0 ? 0 : 1;
}
