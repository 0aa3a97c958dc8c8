/*
 * Copyright (c) 2026 The ovs-dpi authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at:
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

/* bench-engine: in-memory throughput of libdpi against libndpi.
 *
 * Every frame of the capture files named on the command line is first
 * copied into memory and read once (untimed).  Then, for each round, the
 * program runs:
 *
 *   - libdpi: a fresh engine (dpi_config_init() defaults, except an idle
 *     timeout that never expires within the run and a 'max_flows' raised to
 *     hold every connection of the workload) and one worker; the timed loop
 *     calls dpi_parse_eth() and dpi_process() for each frame, as the
 *     datapath does.
 *
 *   - libndpi (if built with it, HAVE_NDPI): a fresh detection module with
 *     every protocol enabled and /usr/share/ndpi/ndpiProtos.txt loaded, as
 *     "ndpiReader -p" does.  The timed loop parses the Ethernet header
 *     (skipping 802.1Q/802.1ad tags, no tunnel decapsulation), the IPv4 or
 *     IPv6 header and the TCP/UDP ports, looks the bidirectional connection
 *     up in a simple open-addressing hash table (created on first packet
 *     with a ndpi_flow_struct) and calls ndpi_detection_process_packet() on
 *     the IP packet until detection is complete, with ndpiReader 4.2's
 *     rule: a protocol is found and ndpi_extra_dissection_possible() says
 *     no more, or the connection has more than 80 (TCP) or 24 (UDP, other)
 *     packets, in which case ndpi_detection_giveup() makes the final guess.
 *     Later packets of a completed connection cost a lookup and a counter.
 *
 * With --prefetch N, both timed loops ask the CPU to fetch the first 128
 * bytes of the frame N places ahead before they handle a frame.  A
 * datapath hands the engine frames whose headers it has just read, so they
 * are in the cache; here they are not (the capture is far bigger than the
 * cache), and without it both engines mostly wait for frame memory.
 *
 * With --inspect-packets N, libdpi inspects at most N payload packets per
 * connection (its 'inspect_packets', default DPI_DEFAULT_INSPECT_PACKETS)
 * before it gives up.  With 0 it inspects none: no payload signature or
 * protocol parser runs, and a connection takes the guess its ports give at
 * its first payload packet.  The rest of the per-packet work stays:
 * parsing, the connection lookup and creation, counters, server address
 * blocks and the TCP handshake and response timing.  That run bounds from
 * above how fast any inspection could make libdpi on the workload.
 *
 * The two engines alternate round by round, so both see the same machine
 * conditions.  Each round prints wall-clock and CPU (process CPU time) ns per
 * frame; the summary gives medians and the ratio of medians. */

#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dpi.h"

#ifdef HAVE_NDPI
#include <ndpi/ndpi_api.h>
#endif

/* All frames of the workload, in memory. */
/* Frames ahead whose first bytes the timed loops prefetch (--prefetch);
 * 0 for none. */
static size_t be_prefetch;

/* libdpi's inspection window (--inspect-packets). */
static uint32_t be_inspect_packets = DPI_DEFAULT_INSPECT_PACKETS;

/* Asks the CPU to fetch the first 128 bytes of frame 'i' of 'f', if
 * prefetching is on and there is such a frame. */
#define BE_PREFETCH(F, I)                                               \
    do {                                                                \
        if (be_prefetch && (I) + be_prefetch < (F)->n) {                \
            const uint8_t *p_ = (F)->data + (F)->off[(I) + be_prefetch]; \
                                                                        \
            __builtin_prefetch(p_);                                     \
            __builtin_prefetch(p_ + 64);                                \
        }                                                               \
    } while (0)

struct be_frames {
    uint8_t *data;              /* Frame bytes, back to back. */
    size_t data_len;            /* Bytes used in 'data'. */
    size_t data_cap;            /* Bytes allocated for 'data'. */
    size_t *off;                /* Offset of each frame in 'data'. */
    uint32_t *len;              /* Captured length of each frame. */
    uint64_t *ts_us;            /* Timestamp of each frame (microseconds). */
    size_t n;                   /* Number of frames. */
    size_t cap;                 /* Elements allocated in the arrays. */
    uint64_t bytes;             /* Sum of captured lengths. */
};

/* Results of one timed run over the frames. */
struct be_result {
    double wall_ns;             /* Wall-clock time of the loop. */
    double cpu_ns;              /* Process CPU time of the loop. */
    uint64_t flows;             /* Connections created. */
    uint64_t classified;        /* Connections with a known protocol. */
};

/* Prints an error message built from 'fmt' and exits with status 1. */
static void
be_fatal(const char *fmt, ...)
{
    va_list args;

    va_start(args, fmt);
    fprintf(stderr, "bench-engine: ");
    vfprintf(stderr, fmt, args);
    fprintf(stderr, "\n");
    va_end(args);
    exit(1);
}

/* Returns realloc(p, size), exiting if memory is short. */
static void *
be_xrealloc(void *p, size_t size)
{
    p = realloc(p, size);
    if (!p) {
        be_fatal("out of memory");
    }
    return p;
}

/* Appends every frame of the capture file 'path' (Ethernet link type) to
 * 'f'. */
static void
be_load(struct be_frames *f, const char *path)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    struct pcap_pkthdr *hdr;
    const u_char *data;
    pcap_t *p;
    int rc;

    p = pcap_open_offline(path, errbuf);
    if (!p) {
        be_fatal("%s: %s", path, errbuf);
    }
    if (pcap_datalink(p) != DLT_EN10MB) {
        be_fatal("%s: link type is not Ethernet", path);
    }
    while ((rc = pcap_next_ex(p, &hdr, &data)) == 1) {
        if (f->n == f->cap) {
            f->cap = f->cap ? f->cap * 2 : 65536;
            f->off = be_xrealloc(f->off, f->cap * sizeof *f->off);
            f->len = be_xrealloc(f->len, f->cap * sizeof *f->len);
            f->ts_us = be_xrealloc(f->ts_us, f->cap * sizeof *f->ts_us);
        }
        while (f->data_len + hdr->caplen > f->data_cap) {
            f->data_cap = f->data_cap ? f->data_cap * 2 : 1 << 24;
            f->data = be_xrealloc(f->data, f->data_cap);
        }
        memcpy(f->data + f->data_len, data, hdr->caplen);
        f->off[f->n] = f->data_len;
        f->len[f->n] = hdr->caplen;
        f->ts_us[f->n] = (uint64_t) hdr->ts.tv_sec * 1000000
                         + (uint64_t) hdr->ts.tv_usec;
        f->data_len += hdr->caplen;
        f->bytes += hdr->caplen;
        f->n++;
    }
    if (rc != PCAP_ERROR_BREAK) {
        be_fatal("%s: %s", path, pcap_geterr(p));
    }
    pcap_close(p);
}

/* Returns the current time of clock 'clock' in nanoseconds. */
static double
be_now_ns(clockid_t clock)
{
    struct timespec ts;

    clock_gettime(clock, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Runs libdpi over 'f' once and stores the timing in 'r'. */
static void
be_run_dpi(const struct be_frames *f, struct be_result *r)
{
    struct dpi_config config;
    struct dpi_engine *engine;
    struct dpi_worker *worker;
    struct dpi_stats stats;
    char *error = NULL;
    double w0, c0;

    dpi_config_init(&config);
    config.idle_timeout_ms = UINT32_MAX;
    config.inspect_packets = be_inspect_packets;
    if (config.max_flows < 4 * 1024 * 1024) {
        config.max_flows = 4 * 1024 * 1024;
    }
    if (dpi_engine_create(&config, &engine, &error)) {
        be_fatal("dpi_engine_create: %s", error);
    }
    worker = dpi_worker_create(engine);
    if (!worker) {
        be_fatal("dpi_worker_create failed");
    }

    w0 = be_now_ns(CLOCK_MONOTONIC);
    c0 = be_now_ns(CLOCK_PROCESS_CPUTIME_ID);
    for (size_t i = 0; i < f->n; i++) {
        struct dpi_verdict v;
        struct dpi_pkt pkt;

        BE_PREFETCH(f, i);
        if (dpi_parse_eth(f->data + f->off[i], f->len[i], &pkt)
            != DPI_PARSE_OK) {
            dpi_worker_count_bad_packet(worker);
            continue;
        }
        pkt.ts_us = f->ts_us[i];
        dpi_process(worker, &pkt, f->ts_us[i] / 1000, &v);
    }
    r->cpu_ns = be_now_ns(CLOCK_PROCESS_CPUTIME_ID) - c0;
    r->wall_ns = be_now_ns(CLOCK_MONOTONIC) - w0;

    dpi_engine_get_stats(engine, &stats);
    r->flows = stats.created;
    r->classified = 0;
    for (size_t i = 0; i < stats.n_apps; i++) {
        if (stats.apps[i].app_id) {
            r->classified += stats.apps[i].flows;
        }
    }
    dpi_stats_destroy(&stats);
    dpi_worker_destroy(worker);
    dpi_engine_destroy(engine);
}

#ifdef HAVE_NDPI
/* A connection key for the nDPI flow table, endpoints in canonical order
 * (the lower address/port pair first) so both directions match.  It is
 * always zeroed before being filled in, so it may be hashed and compared
 * as bytes. */
struct be_nkey {
    uint8_t a[16];              /* Lower endpoint's address. */
    uint8_t b[16];              /* Higher endpoint's address. */
    uint16_t a_port;            /* Lower endpoint's port. */
    uint16_t b_port;            /* Higher endpoint's port. */
    uint16_t vlan;              /* Innermost VLAN id, 0 if untagged. */
    uint8_t proto;              /* IP protocol. */
    uint8_t used;               /* 1 in a used table slot. */
};

/* One slot of the nDPI flow table. */
struct be_nflow {
    struct be_nkey key;         /* Connection key; key.used is 0 if free. */
    struct ndpi_flow_struct *flow; /* nDPI state; NULL once completed. */
    uint32_t packets;           /* Packets seen. */
    uint8_t completed;          /* 1 once detection is complete. */
    uint8_t known;              /* 1 if the final protocol is known. */
};

/* The nDPI side's flow table: open addressing, linear probing. */
struct be_ntable {
    struct be_nflow *slots;     /* 'mask' + 1 slots. */
    size_t mask;                /* Number of slots minus 1. */
    size_t n;                   /* Used slots. */
};

/* Returns a 64-bit FNV-1a hash of 'k'. */
static uint64_t
be_nkey_hash(const struct be_nkey *k)
{
    const uint8_t *p = (const uint8_t *) k;
    uint64_t h = 0xcbf29ce484222325ULL;

    for (size_t i = 0; i < sizeof *k; i++) {
        h = (h ^ p[i]) * 0x100000001b3ULL;
    }
    return h ^ (h >> 29);
}

/* Returns the slot of 'k' in 't', creating it if absent (and growing the
 * table to stay at most half full). */
static struct be_nflow *
be_ntable_find(struct be_ntable *t, const struct be_nkey *k)
{
    size_t i;

    if ((t->n + 1) * 2 > t->mask + 1) {
        struct be_ntable bigger;

        bigger.mask = (t->mask + 1) * 2 - 1;
        bigger.n = 0;
        bigger.slots = calloc(bigger.mask + 1, sizeof *bigger.slots);
        if (!bigger.slots) {
            be_fatal("out of memory");
        }
        for (size_t j = 0; j <= t->mask; j++) {
            if (t->slots[j].key.used) {
                size_t s = be_nkey_hash(&t->slots[j].key) & bigger.mask;

                while (bigger.slots[s].key.used) {
                    s = (s + 1) & bigger.mask;
                }
                bigger.slots[s] = t->slots[j];
                bigger.n++;
            }
        }
        free(t->slots);
        *t = bigger;
    }
    for (i = be_nkey_hash(k) & t->mask; t->slots[i].key.used;
         i = (i + 1) & t->mask) {
        if (!memcmp(&t->slots[i].key, k, sizeof *k)) {
            return &t->slots[i];
        }
    }
    t->slots[i].key = *k;
    t->n++;
    return &t->slots[i];
}

/* Parses the Ethernet frame 'p' of 'len' bytes for nDPI: stores its key in
 * 'k' and its IP header in '*l3' and '*l3_len'.  Returns false if the
 * frame is not an IPv4 or IPv6 packet with a complete IP header. */
static bool
be_nparse(const uint8_t *p, uint32_t len, struct be_nkey *k,
          const uint8_t **l3, uint32_t *l3_len)
{
    const uint8_t *src, *dst, *l4 = NULL;
    uint16_t type, sport = 0, dport = 0;
    uint32_t off = 14, l4_len = 0;
    size_t alen;
    int cmp;

    memset(k, 0, sizeof *k);
    if (len < 14) {
        return false;
    }
    type = (p[12] << 8) | p[13];
    while (type == 0x8100 || type == 0x88a8 || type == 0x9100) {
        if (len < off + 4) {
            return false;
        }
        k->vlan = ((p[off] << 8) | p[off + 1]) & 0xfff;
        type = (p[off + 2] << 8) | p[off + 3];
        off += 4;
    }
    if (type == 0x0800) {
        uint32_t ihl, tot;

        if (len < off + 20 || (p[off] >> 4) != 4) {
            return false;
        }
        ihl = (p[off] & 0xf) * 4;
        tot = (p[off + 2] << 8) | p[off + 3];
        if (ihl < 20 || len < off + ihl) {
            return false;
        }
        if (tot > len - off || tot < ihl) {
            tot = len - off;
        }
        k->proto = p[off + 9];
        src = p + off + 12;
        dst = p + off + 16;
        alen = 4;
        if (!(((p[off + 6] << 8) | p[off + 7]) & 0x1fff)) {
            l4 = p + off + ihl;
            l4_len = tot - ihl;
        }
        *l3_len = tot;
    } else if (type == 0x86dd) {
        uint32_t plen, hoff = 40;
        uint8_t nh;

        if (len < off + 40 || (p[off] >> 4) != 6) {
            return false;
        }
        plen = (p[off + 4] << 8) | p[off + 5];
        if (plen + 40 > len - off) {
            plen = len - off - 40;
        }
        nh = p[off + 6];
        src = p + off + 8;
        dst = p + off + 24;
        alen = 16;
        /* Hop-by-hop, routing, fragment and destination options. */
        while ((nh == 0 || nh == 43 || nh == 44 || nh == 60)
               && hoff + 8 <= plen + 40) {
            const uint8_t *h = p + off + hoff;

            if (nh == 44 && ((h[2] << 8 | h[3]) & 0xfff8)) {
                nh = h[0];
                hoff = UINT32_MAX;
                break;
            }
            nh = h[0];
            hoff += nh == 44 ? 8 : (h[1] + 1) * 8;
        }
        k->proto = nh;
        if (hoff <= plen + 40) {
            l4 = p + off + hoff;
            l4_len = plen + 40 - hoff;
        }
        *l3_len = plen + 40;
    } else {
        return false;
    }
    *l3 = p + off;
    if (l4 && (k->proto == 6 || k->proto == 17) && l4_len >= 4) {
        sport = (l4[0] << 8) | l4[1];
        dport = (l4[2] << 8) | l4[3];
    }
    cmp = memcmp(src, dst, alen);
    if (cmp < 0 || (cmp == 0 && sport <= dport)) {
        memcpy(k->a, src, alen);
        memcpy(k->b, dst, alen);
        k->a_port = sport;
        k->b_port = dport;
    } else {
        memcpy(k->a, dst, alen);
        memcpy(k->b, src, alen);
        k->a_port = dport;
        k->b_port = sport;
    }
    k->used = 1;
    return true;
}

/* Runs libndpi over 'f' once and stores the timing in 'r'. */
static void
be_run_ndpi(const struct be_frames *f, struct be_result *r)
{
    struct ndpi_detection_module_struct *m;
    NDPI_PROTOCOL_BITMASK all;
    struct be_ntable t;
    uint32_t flow_size;
    double w0, c0;

    m = ndpi_init_detection_module(ndpi_no_prefs);
    if (!m) {
        be_fatal("ndpi_init_detection_module failed");
    }
    NDPI_BITMASK_SET_ALL(all);
    ndpi_set_protocol_detection_bitmask2(m, &all);
    ndpi_load_protocols_file(m, "/usr/share/ndpi/ndpiProtos.txt");
    ndpi_finalize_initialization(m);
    flow_size = ndpi_detection_get_sizeof_ndpi_flow_struct();

    t.mask = 65535;
    t.n = 0;
    t.slots = calloc(t.mask + 1, sizeof *t.slots);
    if (!t.slots) {
        be_fatal("out of memory");
    }

    w0 = be_now_ns(CLOCK_MONOTONIC);
    c0 = be_now_ns(CLOCK_PROCESS_CPUTIME_ID);
    for (size_t i = 0; i < f->n; i++) {
        const uint8_t *l3;
        struct be_nflow *nf;
        struct be_nkey k;
        uint32_t l3_len;
        ndpi_protocol proto;
        uint32_t limit;

        BE_PREFETCH(f, i);
        if (!be_nparse(f->data + f->off[i], f->len[i], &k, &l3, &l3_len)) {
            continue;
        }
        nf = be_ntable_find(&t, &k);
        nf->packets++;
        if (nf->completed) {
            continue;
        }
        if (!nf->flow) {
            nf->flow = ndpi_flow_malloc(flow_size);
            if (!nf->flow) {
                be_fatal("out of memory");
            }
            memset(nf->flow, 0, flow_size);
        }
        proto = ndpi_detection_process_packet(m, nf->flow, l3,
                                              l3_len > 65535 ? 65535 : l3_len,
                                              f->ts_us[i] / 1000);
        limit = k.proto == 6 ? 80 : 24;
        if (nf->packets > limit
            || (proto.app_protocol != NDPI_PROTOCOL_UNKNOWN
                && !ndpi_extra_dissection_possible(m, nf->flow))) {
            if (proto.app_protocol == NDPI_PROTOCOL_UNKNOWN) {
                uint8_t guessed;

                proto = ndpi_detection_giveup(m, nf->flow, 1, &guessed);
            }
            nf->completed = 1;
            nf->known = (proto.app_protocol != NDPI_PROTOCOL_UNKNOWN
                         || proto.master_protocol != NDPI_PROTOCOL_UNKNOWN);
            ndpi_free_flow(nf->flow);
            nf->flow = NULL;
        }
    }
    r->cpu_ns = be_now_ns(CLOCK_PROCESS_CPUTIME_ID) - c0;
    r->wall_ns = be_now_ns(CLOCK_MONOTONIC) - w0;

    r->flows = t.n;
    r->classified = 0;
    for (size_t i = 0; i <= t.mask; i++) {
        struct be_nflow *nf = &t.slots[i];

        if (!nf->key.used) {
            continue;
        }
        if (!nf->completed) {
            uint8_t guessed;
            ndpi_protocol proto = ndpi_detection_giveup(m, nf->flow, 1,
                                                        &guessed);

            nf->known = (proto.app_protocol != NDPI_PROTOCOL_UNKNOWN
                         || proto.master_protocol != NDPI_PROTOCOL_UNKNOWN);
            ndpi_free_flow(nf->flow);
        }
        r->classified += nf->known;
    }
    free(t.slots);
    ndpi_exit_detection_module(m);
}
#endif

/* qsort() comparison of doubles. */
static int
be_cmp_double(const void *a_, const void *b_)
{
    double a = *(const double *) a_, b = *(const double *) b_;

    return a < b ? -1 : a > b;
}

/* Returns the median of the 'n' values at 'v' (reordering them). */
static double
be_median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, be_cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Prints the usage message and exits with 'status'. */
static void
be_usage(int status)
{
    printf("usage: bench-engine [--rounds N] [--engine dpi|ndpi|both] "
           "[--prefetch N]\n       [--inspect-packets N] FILE.pcap...\n"
           "Loads every frame into memory, then times libdpi "
           "(dpi_parse_eth + dpi_process)\nand libndpi "
           "(ndpi_detection_process_packet) alternately, N rounds "
           "(default 5).\n--prefetch N: both loops prefetch the frame N "
           "ahead (default 0: none).\n--inspect-packets N: libdpi inspects "
           "at most N payload packets\nper connection (default %d; 0: "
           "none, an upper bound on its speed).\n",
           DPI_DEFAULT_INSPECT_PACKETS);
    exit(status);
}

/* Returns the number 'arg', a decimal integer from 'min' to INT_MAX, or
 * prints the usage message and exits if it is not one. */
static int
be_parse_int(const char *arg, int min)
{
    char *end;
    long n;

    errno = 0;
    n = strtol(arg, &end, 10);
    if (errno || end == arg || *end || n < min || n > INT_MAX) {
        be_usage(2);
    }
    return n;
}

/* Reads one byte of every cache line of the frames of 'f' once, untimed.
 * On this VM the first read of freshly loaded memory was 3 to 9 times
 * slower than later ones, which only the engine of the first round
 * paid. */
static void
be_touch(const struct be_frames *f)
{
    volatile uint8_t sink = 0;
    uint8_t sum = 0;

    for (size_t i = 0; i < f->data_len; i += 64) {
        sum += f->data[i];
    }
    sink = sum;
    (void) sink;
}

/* Parses the command line, runs the benchmark and prints its figures. */
int
main(int argc, char *argv[])
{
    static const struct option long_options[] = {
        {"rounds", required_argument, NULL, 'r'},
        {"engine", required_argument, NULL, 'e'},
        {"prefetch", required_argument, NULL, 'p'},
        {"inspect-packets", required_argument, NULL, 'i'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct be_frames f;
    bool run_dpi = true, run_ndpi = true;
    double *dw, *dc, *nw, *nc;
    int rounds = 5;
    int c;

    while ((c = getopt_long(argc, argv, "r:e:p:i:h", long_options, NULL))
           != -1) {
        switch (c) {
        case 'r':
            rounds = be_parse_int(optarg, 1);
            break;
        case 'e':
            run_dpi = !strcmp(optarg, "dpi") || !strcmp(optarg, "both");
            run_ndpi = !strcmp(optarg, "ndpi") || !strcmp(optarg, "both");
            if (!run_dpi && !run_ndpi) {
                be_usage(2);
            }
            break;
        case 'p':
            be_prefetch = be_parse_int(optarg, 0);
            break;
        case 'i':
            be_inspect_packets = be_parse_int(optarg, 0);
            break;
        case 'h':
            be_usage(0);
            break;
        default:
            be_usage(2);
        }
    }
    if (optind >= argc) {
        be_usage(2);
    }
#ifndef HAVE_NDPI
    if (run_ndpi && !run_dpi) {
        be_fatal("built without libndpi");
    }
    run_ndpi = false;
#endif

    memset(&f, 0, sizeof f);
    for (int i = optind; i < argc; i++) {
        be_load(&f, argv[i]);
    }
    if (!f.n) {
        be_fatal("no frames");
    }
    be_touch(&f);
    printf("# %zu frames, %.1f MB in memory\n", f.n, f.bytes / 1e6);
    if (run_dpi) {
        printf("# libdpi inspects at most %"PRIu32" payload packets per "
               "connection\n", be_inspect_packets);
    }
#ifdef HAVE_NDPI
    if (run_ndpi) {
        printf("# libndpi %s, ndpi_flow_struct %u bytes\n", ndpi_revision(),
               ndpi_detection_get_sizeof_ndpi_flow_struct());
    }
#endif
    printf("%-6s %5s %12s %12s %10s %10s %9s %11s\n", "engine", "round",
           "wall_ns/pkt", "cpu_ns/pkt", "wall_Mpps", "cpu_Mpps", "flows",
           "classified");

    dw = calloc(rounds, sizeof *dw);
    dc = calloc(rounds, sizeof *dc);
    nw = calloc(rounds, sizeof *nw);
    nc = calloc(rounds, sizeof *nc);
    for (int round = 0; round < rounds; round++) {
        struct be_result r;

        if (run_dpi) {
            be_run_dpi(&f, &r);
            dw[round] = r.wall_ns / f.n;
            dc[round] = r.cpu_ns / f.n;
            printf("%-6s %5d %12.1f %12.1f %10.3f %10.3f %9"PRIu64
                   " %11"PRIu64"\n", "libdpi", round + 1, dw[round],
                   dc[round], 1e3 / dw[round], 1e3 / dc[round], r.flows,
                   r.classified);
            fflush(stdout);
        }
#ifdef HAVE_NDPI
        if (run_ndpi) {
            be_run_ndpi(&f, &r);
            nw[round] = r.wall_ns / f.n;
            nc[round] = r.cpu_ns / f.n;
            printf("%-6s %5d %12.1f %12.1f %10.3f %10.3f %9"PRIu64
                   " %11"PRIu64"\n", "ndpi", round + 1, nw[round],
                   nc[round], 1e3 / nw[round], 1e3 / nc[round], r.flows,
                   r.classified);
            fflush(stdout);
        }
#endif
    }

    if (run_dpi) {
        double w = be_median(dw, rounds), cpu = be_median(dc, rounds);

        printf("median libdpi: wall %.1f ns/pkt (%.3f Mpps), "
               "cpu %.1f ns/pkt (%.3f Mpps)\n", w, 1e3 / w, cpu, 1e3 / cpu);
    }
    if (run_ndpi) {
        double w = be_median(nw, rounds), cpu = be_median(nc, rounds);

        printf("median ndpi:   wall %.1f ns/pkt (%.3f Mpps), "
               "cpu %.1f ns/pkt (%.3f Mpps)\n", w, 1e3 / w, cpu, 1e3 / cpu);
    }
    if (run_dpi && run_ndpi) {
        printf("ratio libdpi/ndpi packets/s (ratio of medians): "
               "wall %.2fx, cpu %.2fx\n",
               be_median(nw, rounds) / be_median(dw, rounds),
               be_median(nc, rounds) / be_median(dc, rounds));
    }
    free(dw);
    free(dc);
    free(nw);
    free(nc);
    free(f.data);
    free(f.off);
    free(f.len);
    free(f.ts_us);
    return 0;
}
