/* nbody: a gravitational N-body simulation in 16.16 fixed point. Bodies
 * (a heavy central mass plus a generated disc of lighter bodies) interact
 * by direct O(N^2) softened gravity; distances use an integer square root;
 * the system is advanced with kick-drift-kick leapfrog inside a reflecting
 * box with a speed limit, so every quantity stays in range. Prints the
 * total energy before and after, the centre of mass drift and a checksum
 * of the final state. argv[1] = number of bodies (default 160); 100 steps. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_SCALE 160
#define MAX_SCALE 4096
#define STEPS 100
#define ONE ((int64_t)1 << 16)
#define BOX (100 * ONE)
#define VMAX (50 * ONE)
#define EPS2 (ONE * ONE / 4) /* softening^2 = 0.25, in Q32 */
#define DT (ONE / 32)

typedef struct {
    int64_t x[3], v[3], a[3];
    int64_t m; /* G*m in Q16 */
} body;

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

static uint32_t rng_state = 0x4E424F44u;

static uint32_t rng_next(void) {
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return rng_state = x;
}

/* uniform in [-range, range] */
static int64_t rand_range(int64_t range) {
    return (int64_t)(rng_next() % (uint32_t)(2 * range + 1)) - range;
}

static uint64_t isqrt64(uint64_t v) {
    if (v < 2)
        return v;
    /* Newton iteration from an over-estimate */
    int bits = 0;
    for (uint64_t t = v; t; t >>= 1)
        ++bits;
    uint64_t x = (uint64_t)1 << ((bits + 1) / 2);
    uint64_t y = (x + v / x) / 2;
    while (y < x) {
        x = y;
        y = (x + v / x) / 2;
    }
    return x;
}

static int64_t clamp64(int64_t v, int64_t lim) { return v > lim ? lim : (v < -lim ? -lim : v); }

static void init_bodies(body *b, int n) {
    memset(b, 0, (size_t)n * sizeof *b);
    b[0].m = 40 * ONE; /* central mass */
    for (int i = 1; i < n; ++i) {
        int64_t r = 5 * ONE + (int64_t)(rng_next() % (uint32_t)(40 * ONE));
        /* position on a rough ring: pick a direction with integer x,y */
        int64_t dx = rand_range(1000), dy = rand_range(1000);
        int64_t len = (int64_t)isqrt64((uint64_t)(dx * dx + dy * dy));
        if (len == 0) {
            dx = 1000;
            len = 1000;
        }
        b[i].x[0] = r * dx / len;
        b[i].x[1] = r * dy / len;
        b[i].x[2] = rand_range(ONE);
        /* roughly circular speed sqrt(GM/r), perpendicular to the radius */
        int64_t speed = (int64_t)isqrt64((uint64_t)(b[0].m * ONE / r * ONE));
        b[i].v[0] = -speed * dy / len;
        b[i].v[1] = speed * dx / len;
        b[i].m = ONE / 8 + (int64_t)(rng_next() % (uint32_t)(ONE / 4));
    }
}

static void accelerate(body *b, int n) {
    for (int i = 0; i < n; ++i)
        b[i].a[0] = b[i].a[1] = b[i].a[2] = 0;
    for (int i = 0; i < n; ++i)
        for (int j = i + 1; j < n; ++j) {
            int64_t d[3];
            uint64_t d2 = EPS2;
            for (int k = 0; k < 3; ++k) {
                d[k] = b[j].x[k] - b[i].x[k];
                d2 += (uint64_t)(d[k] * d[k]);
            }
            int64_t dist = (int64_t)isqrt64(d2);              /* Q16 */
            int64_t d3 = ((int64_t)(d2 >> 16) * dist) >> 16; /* Q16 */
            if (d3 == 0)
                d3 = 1;
            for (int k = 0; k < 3; ++k) {
                b[i].a[k] += b[j].m * d[k] / d3;
                b[j].a[k] -= b[i].m * d[k] / d3;
            }
        }
}

static void kick(body *b, int n, int64_t dt) {
    for (int i = 0; i < n; ++i)
        for (int k = 0; k < 3; ++k)
            b[i].v[k] = clamp64(b[i].v[k] + b[i].a[k] * dt / ONE, VMAX);
}

static void drift(body *b, int n, int64_t dt) {
    for (int i = 0; i < n; ++i)
        for (int k = 0; k < 3; ++k) {
            int64_t x = b[i].x[k] + b[i].v[k] * dt / ONE;
            if (x > BOX) {
                x = 2 * BOX - x;
                b[i].v[k] = -b[i].v[k];
            } else if (x < -BOX) {
                x = -2 * BOX - x;
                b[i].v[k] = -b[i].v[k];
            }
            b[i].x[k] = x;
        }
}

static int64_t energy(const body *b, int n) {
    int64_t kin = 0, pot = 0;
    for (int i = 0; i < n; ++i) {
        uint64_t v2 = 0;
        for (int k = 0; k < 3; ++k)
            v2 += (uint64_t)(b[i].v[k] * b[i].v[k]);
        kin += (int64_t)(v2 >> 16) * b[i].m / (2 * ONE);
    }
    for (int i = 0; i < n; ++i)
        for (int j = i + 1; j < n; ++j) {
            uint64_t d2 = EPS2;
            for (int k = 0; k < 3; ++k) {
                int64_t d = b[j].x[k] - b[i].x[k];
                d2 += (uint64_t)(d * d);
            }
            int64_t dist = (int64_t)isqrt64(d2);
            pot -= (b[i].m * b[j].m / ONE) * ONE / dist;
        }
    return kin + pot;
}

int main(int argc, char **argv) {
    int n = (int)parse_scale(argc, argv, DEFAULT_SCALE, MAX_SCALE);
    if (n < 2)
        n = 2;
    body *b = malloc((size_t)n * sizeof *b);
    if (!b) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    init_bodies(b, n);
    int64_t e0 = energy(b, n);
    accelerate(b, n);
    for (int s = 0; s < STEPS; ++s) {
        kick(b, n, DT / 2);
        drift(b, n, DT);
        accelerate(b, n);
        kick(b, n, DT / 2);
    }
    int64_t e1 = energy(b, n);
    int64_t com[3] = {0, 0, 0}, mass = 0;
    uint32_t h = 0x811C9DC5u;
    for (int i = 0; i < n; ++i) {
        mass += b[i].m;
        for (int k = 0; k < 3; ++k) {
            com[k] += b[i].x[k] * (b[i].m / 256);
            h = (h ^ (uint32_t)b[i].x[k]) * 0x01000193u;
            h = (h ^ (uint32_t)b[i].v[k]) * 0x01000193u;
        }
    }
    printf("bodies: %d, steps: %d\n", n, STEPS);
    printf("energy (Q16): before %lld, after %lld\n", (long long)e0, (long long)e1);
    printf("centre of mass (Q16): %lld %lld %lld\n", (long long)(com[0] / (mass / 256)),
           (long long)(com[1] / (mass / 256)), (long long)(com[2] / (mass / 256)));
    printf("checksum: 0x%08x\n", h);
    free(b);
    return 0;
}
