/* crc32: CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320) computed
 * three ways -- bit by bit, with a 256-entry byte table and with
 * slicing-by-4 tables -- over a generated buffer split into variable-length
 * packets, as a network stack would. All methods must agree; the program
 * also checks the standard "123456789" test vector and prints a checksum of
 * all packet CRCs. argv[1] = buffer size in KiB (default 7168). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_SCALE 7168
#define MAX_SCALE 16384
#define POLY 0xEDB88320u

static uint32_t table[4][256];

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

static uint32_t lcg_state = 12345u;

static uint32_t lcg_next(void) {
    lcg_state = lcg_state * 1664525u + 1013904223u;
    return lcg_state;
}

static uint32_t crc_bitwise(uint32_t crc, const uint8_t *p, size_t n) {
    crc = ~crc;
    for (size_t i = 0; i < n; ++i) {
        crc ^= p[i];
        for (int k = 0; k < 8; ++k) {
            if (crc & 1u)
                crc = (crc >> 1) ^ POLY;
            else
                crc >>= 1;
        }
    }
    return ~crc;
}

static void build_tables(void) {
    for (uint32_t i = 0; i < 256; ++i) {
        uint32_t c = i;
        for (int k = 0; k < 8; ++k)
            c = (c & 1u) ? (c >> 1) ^ POLY : c >> 1;
        table[0][i] = c;
    }
    for (int t = 1; t < 4; ++t)
        for (int i = 0; i < 256; ++i)
            table[t][i] = (table[t - 1][i] >> 8) ^ table[0][table[t - 1][i] & 0xFFu];
}

static uint32_t crc_update_byte(uint32_t crc, uint8_t b) {
    return (crc >> 8) ^ table[0][(crc ^ b) & 0xFFu];
}

static uint32_t crc_table(uint32_t crc, const uint8_t *p, size_t n) {
    crc = ~crc;
    for (size_t i = 0; i < n; ++i)
        crc = crc_update_byte(crc, p[i]);
    return ~crc;
}

static uint32_t load_le32(const uint8_t *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}

static uint32_t crc_slice4(uint32_t crc, const uint8_t *p, size_t n) {
    crc = ~crc;
    while (n >= 4) {
        crc ^= load_le32(p);
        crc = table[3][crc & 0xFFu] ^ table[2][(crc >> 8) & 0xFFu] ^
              table[1][(crc >> 16) & 0xFFu] ^ table[0][crc >> 24];
        p += 4;
        n -= 4;
    }
    while (n--)
        crc = crc_update_byte(crc, *p++);
    return ~crc;
}

static void fill_buffer(uint8_t *buf, size_t n) {
    /* mixture of text-like runs, zero runs and random bytes */
    size_t i = 0;
    while (i < n) {
        uint32_t r = lcg_next();
        size_t run = 16 + ((r >> 8) & 255u);
        if (run > n - i)
            run = n - i;
        switch ((r >> 28) & 3u) {
        case 0:
            memset(buf + i, 0, run);
            break;
        case 1:
            for (size_t k = 0; k < run; ++k)
                buf[i + k] = (uint8_t)('a' + (lcg_next() >> 24) % 26u);
            break;
        default:
            for (size_t k = 0; k < run; ++k)
                buf[i + k] = (uint8_t)(lcg_next() >> 24);
            break;
        }
        i += run;
    }
}

/* length of the next packet starting at off */
static size_t next_packet_length(size_t off, size_t total) {
    size_t len = 1 + (lcg_next() >> 16) % 1500u;
    if (len > total - off)
        len = total - off;
    return len;
}

int main(int argc, char **argv) {
    long kib = parse_scale(argc, argv, DEFAULT_SCALE, MAX_SCALE);
    size_t n = (size_t)kib * 1024u;
    uint8_t *buf = malloc(n);
    if (!buf) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    build_tables();
    const uint8_t vec[] = "123456789";
    uint32_t v1 = crc_bitwise(0, vec, 9), v2 = crc_table(0, vec, 9),
             v3 = crc_slice4(0, vec, 9);
    int selftest = (v1 == 0xCBF43926u && v2 == v1 && v3 == v1);
    printf("selftest: %s\n", selftest ? "ok" : "FAILED");

    fill_buffer(buf, n);
    uint32_t chk = 0, mismatches = 0;
    uint32_t running = 0;
    size_t np = 0;
    for (size_t off = 0; off < n; ++np) {
        size_t len = next_packet_length(off, n);
        const uint8_t *p = buf + off;
        uint32_t a = crc_table(0, p, len);
        uint32_t b = crc_slice4(0, p, len);
        if (a != b)
            ++mismatches;
        /* the bitwise reference is slow; use it on every 8th packet */
        if ((np & 7u) == 0 && crc_bitwise(0, p, len) != a)
            ++mismatches;
        running = crc_slice4(running, p, len);
        chk = (chk << 5 | chk >> 27) ^ a;
        off += len;
    }
    uint32_t whole = crc_table(0, buf, n);
    if (whole != running)
        ++mismatches;
    printf("packets: %zu\n", np);
    printf("mismatches: %u\n", mismatches);
    printf("whole-buffer crc: 0x%08x\n", whole);
    printf("checksum: 0x%08x\n", chk ^ whole);
    free(buf);
    return (selftest && mismatches == 0) ? 0 : 1;
}
