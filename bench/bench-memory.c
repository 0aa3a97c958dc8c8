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

/* bench-memory: libdpi's memory per connection, measured at the allocator.
 *
 * The program feeds one engine (dpi_config_init() defaults, idle timeout
 * that never expires, 'max_flows' from --max-flows) with N distinct
 * synthetic TCP connections, built as Ethernet frames and parsed with
 * dpi_parse_eth() like any other packet.  Connection i goes from
 * 10.0.0.0 + (i mod 2^24), port 10000 + i / 2^24, to 192.0.2.1 port 80, and
 * the phases run over all N connections in turn:
 *
 *   1. "handshake": SYN, SYN-ACK, ACK (the connection exists, no payload
 *      inspected yet);
 *   2. "request": one client payload packet: an HTTP GET with Host and
 *      User-Agent (--payload http) or 200 bytes of pseudo-random binary
 *      (--payload junk, which no signature recognises, so the connection
 *      stays under inspection);
 *   3. "response": one server payload packet: an HTTP/1.1 200 response
 *      header (http) or 200 more pseudo-random bytes (junk);
 *   4. "lowered", with --lower-to M only: dpi_engine_set_limits() lowers
 *      'max_flows' to M, as a change of other_config:dpi-max-flows does
 *      in ovs-vswitchd, which evicts all but M connections and gives back
 *      the memory the table no longer needs.
 *
 * With capture files as arguments (bench-memory [options] FILE...), the
 * program feeds their frames instead, file after file, at their capture
 * times, and makes a single report, "pcap", once all are in: the memory
 * real traffic leaves behind (the connections of all the files, with
 * their metadata and, for those still inspected, their inspection state).
 * Frames that do not parse and files that are not Ethernet captures are
 * counted and skipped; --conns and --payload do not apply, and the time
 * per packet includes reading the files.
 *
 * After each phase it prints the allocator's bytes in use (glibc
 * mallinfo2(): arena bytes in use plus mmap()ed bytes, malloc overhead
 * included) minus those before the engine was created, divided by the
 * number of connections in the table; the engine's fixed cost (what
 * dpi_engine_create() allocated); the connection states; and the metadata
 * bytes (dpi_md_allocated()) summed over the table.  After phase 3 it
 * times an expiry sweep (dpi_engine_expire()) a minute after the last
 * packet, which expires nothing.  After phase 4 it also prints the time
 * the call took and the RSS, then the RSS once more after malloc_trim(0),
 * which ovs-vswitchd's glue calls after lowering the limit.  Peak RSS is
 * measured from outside, with /usr/bin/time -v.
 *
 * With --stall K (at most 65,536; synthetic connections only), phases 1
 * to 3 run in a thread of their own, as in a PMD thread of ovs-vswitchd,
 * and instead of the expiry sweep comes:
 *
 *   5. "stall": the main thread expires every connection, as
 *      ovs-vswitchd's main thread does once they are idle.  Meanwhile the
 *      other thread feeds new connections, each a SYN and a first segment
 *      of 1,400 bytes of an HTTP request that goes on in a next one, which
 *      the engine keeps in a stream buffer of 2 kB.  Then it feeds N pure
 *      ACKs of these new connections, which allocate nothing (the traffic
 *      of connections that outlive an expiry), and K more new connections
 *      like the first ones.  The program prints how long the main thread's
 *      expiry took and how long the other thread's dpi_process() calls
 *      took during the expiry and for the K connections: median, 99.9th
 *      percentile and maximum, with the number of the slowest call.
 *
 * Phase 5 shows where the memory of expired connections is freed and what
 * that costs the thread that processes packets (see "Expired connections'
 * memory" in lib/dpi-conn.h).  With glibc's default fast bins, small
 * freed blocks wait unsorted in their arena until its next request of
 * 1 kB or more (the 2 kB stream buffer) sorts them all.  Run it with
 * GLIBC_TUNABLES=glibc.malloc.mxfast=0 in the environment to see the same
 * without fast bins, which is what ovs-vswitchd runs with once it has a
 * DPI engine (datapath-dpi/dpi-netdev.c).
 *
 * With --time-syns, phase 1 also times each SYN's dpi_process() call, which
 * creates a connection (and may make its stripe grow its hash buckets),
 * and prints the slowest and how many took 0.1 ms and 1 ms or more. */

#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <malloc.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "dpi.h"

/* Frame buffer size: big enough for any frame built here. */
#define BM_FRAME_MAX 1514

/* Largest K of --stall. */
#define BM_STALL_MAX 65536

/* Times of the stall phase's dpi_process() calls, in nanoseconds: static,
 * since a big allocation in its thread after the expiry would pay the very
 * cost that phase is there to measure. */
static double bm_stall_ns[2 * BM_STALL_MAX];

/* The same for the calls made during the expiry, up to 1 M of them. */
static double bm_during_ns[1 << 20];

/* Number of elements in array 'A'. */
#define ARRAY_SIZE(A) (sizeof (A) / sizeof (A)[0])

/* Counts of connection states, accumulated by bm_dump_cb(). */
struct bm_census {
    uint64_t n;                 /* Connections. */
    uint64_t pend;              /* With DPI_STATE_PEND. */
    uint64_t done;              /* With DPI_STATE_DONE. */
    uint64_t unk;               /* With DPI_STATE_UNK. */
    uint64_t md_bytes;          /* Sum of dpi_md_allocated(). */
};

/* Prints an error message built from 'fmt' and exits with status 1. */
static void
bm_fatal(const char *fmt, ...)
{
    va_list args;

    va_start(args, fmt);
    fprintf(stderr, "bench-memory: ");
    vfprintf(stderr, fmt, args);
    fprintf(stderr, "\n");
    va_end(args);
    exit(1);
}

/* Returns the bytes the allocator has handed out and not taken back. */
static uint64_t
bm_heap_bytes(void)
{
    struct mallinfo2 mi = mallinfo2();

    return (uint64_t) mi.uordblks + mi.hblkhd;
}

/* Returns the process's resident set size now, in bytes, or 0 if
 * /proc/self/statm cannot be read. */
static uint64_t
bm_rss_bytes(void)
{
    unsigned long long size, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");

    if (f) {
        if (fscanf(f, "%llu %llu", &size, &resident) != 2) {
            resident = 0;
        }
        fclose(f);
    }
    return (uint64_t) resident * (uint64_t) sysconf(_SC_PAGESIZE);
}

/* Returns the current monotonic time in nanoseconds. */
static double
bm_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Writes the 16-bit 'v' at 'p' in network order. */
static void
bm_put16(uint8_t *p, uint16_t v)
{
    p[0] = v >> 8;
    p[1] = v;
}

/* Writes the 32-bit 'v' at 'p' in network order. */
static void
bm_put32(uint8_t *p, uint32_t v)
{
    bm_put16(p, v >> 16);
    bm_put16(p + 2, v);
}

/* Builds in 'frame' an Ethernet/IPv4/TCP frame of connection 'i', from the
 * client if 'from_client', with TCP 'flags', sequence 'seq', acknowledgement
 * 'ack' and 'len' bytes of 'payload'.  Returns the frame length. */
static size_t
bm_build(uint8_t *frame, uint64_t i, bool from_client, uint8_t flags,
         uint32_t seq, uint32_t ack, const void *payload, size_t len)
{
    uint32_t client = 0x0a000000 | (uint32_t) (i & 0xffffff);
    uint16_t cport = 10000 + (uint16_t) (i >> 24);
    uint32_t server = 0xc0000201;
    uint8_t *ip = frame + 14, *tcp = ip + 20;

    memset(frame, 0, 14 + 20 + 20);
    memcpy(frame, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
    bm_put16(frame + 12, 0x0800);
    ip[0] = 0x45;
    bm_put16(ip + 2, 20 + 20 + len);
    ip[8] = 64;
    ip[9] = 6;
    bm_put32(ip + 12, from_client ? client : server);
    bm_put32(ip + 16, from_client ? server : client);
    bm_put16(tcp, from_client ? cport : 80);
    bm_put16(tcp + 2, from_client ? 80 : cport);
    bm_put32(tcp + 4, seq);
    bm_put32(tcp + 8, ack);
    tcp[12] = 5 << 4;
    tcp[13] = flags;
    bm_put16(tcp + 14, 65535);
    memcpy(tcp + 20, payload, len);
    return 14 + 20 + 20 + len;
}

/* Parses 'frame' of 'len' bytes and passes it to 'worker'.  If 'ns' is
 * nonnull, stores there how long the dpi_process() call took. */
static void
bm_feed(struct dpi_worker *worker, const uint8_t *frame, size_t len,
        uint64_t now_ms, double *ns)
{
    struct dpi_verdict v;
    struct dpi_pkt pkt;
    double t0;

    if (dpi_parse_eth(frame, len, &pkt) != DPI_PARSE_OK) {
        bm_fatal("synthetic frame does not parse");
    }
    if (ns) {
        t0 = bm_now_ns();
        dpi_process(worker, &pkt, now_ms, &v);
        *ns = bm_now_ns() - t0;
    } else {
        dpi_process(worker, &pkt, now_ms, &v);
    }
}

/* Feeds every frame of the 'n_files' capture files 'files' to 'worker',
 * in order, at their capture times.  Returns the number of frames fed and
 * adds those skipped (not Ethernet, or not parsed) to '*n_skipped'. */
static uint64_t
bm_feed_pcaps(struct dpi_worker *worker, char *files[], int n_files,
              uint64_t *n_skipped)
{
    uint64_t n_fed = 0;

    for (int i = 0; i < n_files; i++) {
        char errbuf[PCAP_ERRBUF_SIZE];
        pcap_t *pcap = pcap_open_offline(files[i], errbuf);
        struct pcap_pkthdr *hdr;
        const u_char *data;
        bool ethernet;
        int r;

        if (!pcap) {
            bm_fatal("%s", errbuf);
        }
        ethernet = pcap_datalink(pcap) == DLT_EN10MB;
        while ((r = pcap_next_ex(pcap, &hdr, &data)) == 1) {
            struct dpi_verdict v;
            struct dpi_pkt pkt;

            if (!ethernet
                || dpi_parse_eth(data, hdr->caplen, &pkt) != DPI_PARSE_OK) {
                ++*n_skipped;
                continue;
            }
            pkt.ts_us = (uint64_t) hdr->ts.tv_sec * 1000000
                        + (uint64_t) hdr->ts.tv_usec;
            dpi_process(worker, &pkt, pkt.ts_us / 1000, &v);
            n_fed++;
        }
        if (r == PCAP_ERROR) {
            bm_fatal("%s: %s", files[i], pcap_geterr(pcap));
        }
        pcap_close(pcap);
    }
    return n_fed;
}

/* dpi_engine_dump() callback: adds connection 'fi' to the bm_census
 * 'aux'. */
static void
bm_dump_cb(const struct dpi_flow_info *fi, void *aux)
{
    struct bm_census *c = aux;

    c->n++;
    c->pend += (fi->verdict.state & DPI_STATE_PEND) != 0;
    c->done += (fi->verdict.state & DPI_STATE_DONE) != 0;
    c->unk += (fi->verdict.state & DPI_STATE_UNK) != 0;
    c->md_bytes += dpi_md_allocated(fi->md);
}

/* Prints the memory report of phase 'name' of 'engine'. */
static void
bm_report(struct dpi_engine *engine, const char *name, uint64_t base,
          uint64_t fixed, double ns, uint64_t n_pkts)
{
    struct bm_census c;
    uint64_t heap = bm_heap_bytes() - base;

    memset(&c, 0, sizeof c);
    dpi_engine_dump(engine, bm_dump_cb, &c);
    printf("%-10s conns %9"PRIu64" pend %9"PRIu64" done %9"PRIu64
           " unk %9"PRIu64" heap %11"PRIu64" B  per-conn %7.1f B"
           " (excl. fixed %7.1f B)  md %6.1f B/conn  %6.0f ns/pkt\n",
           name, c.n, c.pend, c.done, c.unk, heap,
           c.n ? (double) heap / c.n : 0.0,
           c.n ? (double) (heap - fixed) / c.n : 0.0,
           c.n ? (double) c.md_bytes / c.n : 0.0,
           n_pkts ? ns / n_pkts : 0.0);
    fflush(stdout);
}

/* The synthetic connections and what feeding them needs. */
struct bm_run {
    struct dpi_engine *engine;  /* The engine. */
    struct dpi_worker *worker;  /* Its worker that feeds the packets. */
    uint64_t n;                 /* Number of connections (phases 1-3). */
    const void *req, *resp;     /* Payload of phases 2 and 3. */
    size_t req_len, resp_len;   /* Their lengths. */
    uint64_t base, fixed;       /* For bm_report(). */
    uint64_t n_stall;           /* K of --stall, or 0. */
    uint64_t stall_ms;          /* Time of the stall phase's packets. */
    int expired;                /* With --stall: set once the main thread
                                 * has expired them all (atomic). */
    pthread_barrier_t barrier;  /* With --stall: phases 1-3 done, then
                                 * the expiry done and 'expired' set. */
    bool time_syns;             /* --time-syns: time phase 1's SYNs. */
};

/* What --time-syns gathers about the SYNs of phase 1, each of which
 * creates a connection. */
struct bm_syn_times {
    uint64_t n;                 /* SYNs timed. */
    uint64_t worst;             /* Number of the slowest (from 1). */
    double worst_ns;            /* Its time. */
    uint64_t n_slow;            /* SYNs that took 0.1 ms or more... */
    double slow_ns;             /* ...and their time in all. */
    uint64_t n_very_slow;       /* SYNs that took 1 ms or more. */
};

/* Adds 'ns', the time of SYN number 'i' (from 0), to 'st'. */
static void
bm_syn_times_add(struct bm_syn_times *st, uint64_t i, double ns)
{
    st->n++;
    if (ns > st->worst_ns) {
        st->worst_ns = ns;
        st->worst = i + 1;
    }
    if (ns >= 1e5) {
        st->n_slow++;
        st->slow_ns += ns;
    }
    if (ns >= 1e6) {
        st->n_very_slow++;
    }
}

/* Runs phases 1 to 3 (see the top of this file) of 'r'. */
static void
bm_phases(struct bm_run *r)
{
    struct bm_syn_times st;
    uint8_t frame[BM_FRAME_MAX];
    double t0;

    memset(&st, 0, sizeof st);
    t0 = bm_now_ns();
    for (uint64_t i = 0; i < r->n; i++) {
        double ns;
        size_t len;

        len = bm_build(frame, i, true, 0x02, 1000, 0, NULL, 0);
        bm_feed(r->worker, frame, len, 1, r->time_syns ? &ns : NULL);
        if (r->time_syns) {
            bm_syn_times_add(&st, i, ns);
        }
        len = bm_build(frame, i, false, 0x12, 5000, 1001, NULL, 0);
        bm_feed(r->worker, frame, len, 1, NULL);
        len = bm_build(frame, i, true, 0x10, 1001, 5001, NULL, 0);
        bm_feed(r->worker, frame, len, 1, NULL);
    }
    bm_report(r->engine, "handshake", r->base, r->fixed, bm_now_ns() - t0,
              3 * r->n);
    if (r->time_syns) {
        printf("handshake SYNs: %"PRIu64" dpi_process() calls, slowest "
               "%.3f ms (call %"PRIu64"); %"PRIu64" took 0.1 ms or more, "
               "%.1f ms in all; %"PRIu64" took 1 ms or more\n",
               st.n, st.worst_ns / 1e6, st.worst, st.n_slow,
               st.slow_ns / 1e6, st.n_very_slow);
    }

    t0 = bm_now_ns();
    for (uint64_t i = 0; i < r->n; i++) {
        size_t len = bm_build(frame, i, true, 0x18, 1001, 5001, r->req,
                              r->req_len);

        bm_feed(r->worker, frame, len, 2, NULL);
    }
    bm_report(r->engine, "request", r->base, r->fixed, bm_now_ns() - t0,
              r->n);

    t0 = bm_now_ns();
    for (uint64_t i = 0; i < r->n; i++) {
        size_t len = bm_build(frame, i, false, 0x18, 5001,
                              1001 + r->req_len, r->resp, r->resp_len);

        bm_feed(r->worker, frame, len, 3, NULL);
    }
    bm_report(r->engine, "response", r->base, r->fixed, bm_now_ns() - t0,
              r->n);
}

/* qsort() comparison of two doubles. */
static int
bm_cmp_double(const void *a_, const void *b_)
{
    double a = *(const double *) a_, b = *(const double *) b_;

    return a < b ? -1 : a > b;
}

/* Feeds connection 'conn' of 'r', new, with a SYN and then 'segment', the
 * first 1,400 bytes of an HTTP request, timing each dpi_process() call
 * into 'ns[0]' and 'ns[1]' (see phase 5 at the top of this file). */
static void
bm_stall_conn(struct bm_run *r, uint64_t conn, const uint8_t segment[1400],
              double ns[2])
{
    uint8_t frame[BM_FRAME_MAX];
    size_t len;

    len = bm_build(frame, conn, true, 0x02, 1000, 0, NULL, 0);
    bm_feed(r->worker, frame, len, r->stall_ms, &ns[0]);
    len = bm_build(frame, conn, true, 0x18, 1001, 0, segment, 1400);
    bm_feed(r->worker, frame, len, r->stall_ms, &ns[1]);
}

/* Prints the times 'ns' of 'n' dpi_process() calls (which it sorts) under
 * 'name', with the index of the slowest. */
static void
bm_print_times(const char *name, double *ns, uint64_t n)
{
    uint64_t worst = 0;
    double worst_ns;

    if (!n) {
        printf("%s: no dpi_process() call\n", name);
        return;
    }
    for (uint64_t i = 1; i < n; i++) {
        if (ns[i] > ns[worst]) {
            worst = i;
        }
    }
    worst_ns = ns[worst];
    qsort(ns, n, sizeof *ns, bm_cmp_double);
    printf("%s: %"PRIu64" dpi_process() calls: median %.2f us, 99.9th "
           "percentile %.2f us, maximum %.3f ms (call %"PRIu64")\n",
           name, n, ns[n / 2] / 1e3, ns[n - 1 - n / 1000] / 1e3,
           worst_ns / 1e6, worst + 1);
}

/* Phase 5 (see the top of this file): while the main thread expires the
 * connections of phases 1 to 3, feeds new connections, timing them, as
 * many as fit in 'bm_during_ns'; then r->n pure ACKs of those; then
 * r->n_stall more new connections, timing them; and prints the times. */
static void
bm_stall(struct bm_run *r)
{
    uint64_t n_during = 0, conn = r->n;
    uint8_t segment[1400];

    memcpy(segment, "GET /", 5);
    memset(segment + 5, 'a', sizeof segment - 5);
    pthread_barrier_wait(&r->barrier);
    while (!__atomic_load_n(&r->expired, __ATOMIC_ACQUIRE)
           && n_during < ARRAY_SIZE(bm_during_ns)) {
        bm_stall_conn(r, conn++, segment, &bm_during_ns[n_during]);
        n_during += 2;
    }
    pthread_barrier_wait(&r->barrier);

    /* Pure ACKs of the connections just created, which allocate nothing:
     * the traffic of connections that outlive an expiry. */
    uint64_t n_live = conn - r->n;
    double t0 = bm_now_ns();

    for (uint64_t i = 0; n_live && i < r->n; i++) {
        uint8_t frame[BM_FRAME_MAX];
        size_t len = bm_build(frame, r->n + i % n_live, true, 0x10, 2401, 0,
                              NULL, 0);

        bm_feed(r->worker, frame, len, r->stall_ms, NULL);
    }
    t0 = bm_now_ns() - t0;

    for (uint64_t i = 0; i < r->n_stall; i++) {
        bm_stall_conn(r, conn++, segment, &bm_stall_ns[2 * i]);
    }
    bm_print_times("during the expiry", bm_during_ns, n_during);
    printf("then: %"PRIu64" ACKs of these %"PRIu64" connections, %.2f us "
           "each on average\n", n_live ? r->n : 0, n_live,
           n_live ? t0 / r->n / 1e3 : 0.0);
    bm_print_times("new ones after", bm_stall_ns, 2 * r->n_stall);
}

/* With --stall: the thread that feeds the packets, as a PMD thread would
 * (see the top of this file). */
static void *
bm_pmd_thread(void *r_)
{
    struct bm_run *r = r_;

    bm_phases(r);
    bm_stall(r);
    return NULL;
}

/* Prints the usage message and exits with 'status'. */
static void
bm_usage(int status)
{
    printf("usage: bench-memory [--conns N] [--max-flows N] "
           "[--payload http|junk] [--lower-to M]\n"
           "                    [--stall K] [--time-syns] [FILE.pcap...]\n"
           "Feeds N distinct synthetic TCP connections to one engine and "
           "reports\nallocator bytes per connection after each phase "
           "(handshake, request, response,\nand with --lower-to, after "
           "lowering max_flows to M).  With capture files, feeds\ntheir "
           "frames instead and reports once, after the last.  With "
           "--stall, feeds\nthe connections from a thread of its own, "
           "expires them all while it feeds new\nones, then times K more "
           "(phase 5 in the source).  With --time-syns, times the SYNs of "
           "the handshake\nphase, each of which creates a connection, and "
           "reports the slowest.\n");
    exit(status);
}

/* Parses the command line, runs the benchmark and prints its figures. */
int
main(int argc, char *argv[])
{
    static const struct option long_options[] = {
        {"conns", required_argument, NULL, 'n'},
        {"max-flows", required_argument, NULL, 'm'},
        {"payload", required_argument, NULL, 'p'},
        {"lower-to", required_argument, NULL, 'l'},
        {"stall", required_argument, NULL, 's'},
        {"time-syns", no_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static const char http_req[] =
        "GET /index.html HTTP/1.1\r\nHost: www.example.com\r\n"
        "User-Agent: bench-memory/1.0\r\nAccept: */*\r\n\r\n";
    static const char http_resp[] =
        "HTTP/1.1 200 OK\r\nServer: bench\r\nContent-Type: text/html\r\n"
        "Content-Length: 0\r\n\r\n";
    uint8_t junk_req[200], junk_resp[200];
    size_t n_expired;
    struct dpi_config config;
    struct dpi_engine *engine;
    struct dpi_worker *worker;
    uint64_t n = 1000000, base, fixed, lower_to = UINT64_MAX;
    uint64_t n_stall = 0;
    struct bm_run r;
    bool junk = false, time_syns = false;
    char *error = NULL;
    uint32_t state = 12345;
    double t0;
    int c;

    dpi_config_init(&config);
    config.idle_timeout_ms = UINT32_MAX;
    while ((c = getopt_long(argc, argv, "n:m:p:l:s:th", long_options, NULL))
           != -1) {
        switch (c) {
        case 'n':
            n = strtoull(optarg, NULL, 10);
            break;
        case 'm':
            config.max_flows = strtoul(optarg, NULL, 10);
            break;
        case 'p':
            if (!strcmp(optarg, "junk")) {
                junk = true;
            } else if (strcmp(optarg, "http")) {
                bm_usage(2);
            }
            break;
        case 'l': {
            char *end;

            errno = 0;
            lower_to = strtoull(optarg, &end, 10);
            if (errno || end == optarg || *end || lower_to > UINT32_MAX) {
                bm_usage(2);
            }
            break;
        }
        case 's': {
            char *end;

            errno = 0;
            n_stall = strtoull(optarg, &end, 10);
            if (errno || end == optarg || *end || !n_stall
                || n_stall > BM_STALL_MAX) {
                bm_usage(2);
            }
            break;
        }
        case 't':
            time_syns = true;
            break;
        case 'h':
            bm_usage(0);
            break;
        default:
            bm_usage(2);
        }
    }

    /* Pseudo-random bytes (xorshift32) that match no signature. */
    for (size_t i = 0; i < sizeof junk_req; i++) {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        junk_req[i] = state >> 24;
        junk_resp[i] = state >> 16;
    }
    junk_req[0] = junk_resp[0] = 0xfe;
    memset(&r, 0, sizeof r);
    r.n = n;
    r.req = junk ? (const void *) junk_req : (const void *) http_req;
    r.req_len = junk ? sizeof junk_req : sizeof http_req - 1;
    r.resp = junk ? (const void *) junk_resp : (const void *) http_resp;
    r.resp_len = junk ? sizeof junk_resp : sizeof http_resp - 1;
    r.n_stall = n_stall;
    r.time_syns = time_syns;

    base = bm_heap_bytes();
    if (dpi_engine_create(&config, &engine, &error)) {
        bm_fatal("dpi_engine_create: %s", error);
    }
    worker = dpi_worker_create(engine);
    if (!worker) {
        bm_fatal("dpi_worker_create failed");
    }
    fixed = bm_heap_bytes() - base;
    if (optind < argc) {
        uint64_t n_skipped = 0, n_fed;

        if (n_stall) {
            bm_usage(2);
        }
        printf("# %d capture files, max_flows %"PRIu32"; engine + worker "
               "fixed cost %"PRIu64" B\n",
               argc - optind, config.max_flows, fixed);
        t0 = bm_now_ns();
        n_fed = bm_feed_pcaps(worker, argv + optind, argc - optind,
                              &n_skipped);
        bm_report(engine, "pcap", base, fixed, bm_now_ns() - t0, n_fed);
        printf("%"PRIu64" frames fed, %"PRIu64" skipped\n",
               n_fed, n_skipped);
        goto lower;
    }
    printf("# %"PRIu64" connections, max_flows %"PRIu32", payload %s; "
           "engine + worker fixed cost %"PRIu64" B\n",
           n, config.max_flows, junk ? "junk" : "http", fixed);

    r.engine = engine;
    r.worker = worker;
    r.base = base;
    r.fixed = fixed;
    if (n_stall) {
        pthread_t pmd;

        /* Past the idle timeout of every connection of phases 1-3. */
        r.stall_ms = (uint64_t) config.idle_timeout_ms + 10;
        if (pthread_barrier_init(&r.barrier, NULL, 2)
            || pthread_create(&pmd, NULL, bm_pmd_thread, &r)) {
            bm_fatal("cannot start a thread");
        }
        pthread_barrier_wait(&r.barrier);

        t0 = bm_now_ns();
        n_expired = dpi_engine_expire(engine, r.stall_ms);
        t0 = bm_now_ns() - t0;
        __atomic_store_n(&r.expired, 1, __ATOMIC_RELEASE);
        pthread_barrier_wait(&r.barrier);
        printf("expiry in the main thread: %.1f ms, %zu connections "
               "expired\n", t0 / 1e6, n_expired);
        pthread_join(pmd, NULL);
        pthread_barrier_destroy(&r.barrier);
        goto lower;
    }
    bm_phases(&r);

    /* An expiry sweep a minute later, which finds nothing to expire (the
     * idle timeout never comes): what ovs-vswitchd's main thread does
     * every second, taking each stripe's mutex in turn. */
    t0 = bm_now_ns();
    n_expired = dpi_engine_expire(engine, 60 * 1000);
    printf("expiry sweep 60 s later: %.3f ms, %zu connections expired\n",
           (bm_now_ns() - t0) / 1e6, n_expired);

lower:
    if (lower_to != UINT64_MAX) {
        t0 = bm_now_ns();
        dpi_engine_set_limits(engine, (uint32_t) lower_to,
                              config.inspect_packets);
        t0 = bm_now_ns() - t0;
        bm_report(engine, "lowered", base, fixed, 0, 0);
        printf("lowering max_flows to %"PRIu64" took %.1f ms; RSS now "
               "%.1f MB\n", lower_to, t0 / 1e6, bm_rss_bytes() / 1e6);
        t0 = bm_now_ns();
        malloc_trim(0);
        printf("malloc_trim(0) took %.1f ms; RSS now %.1f MB\n",
               (bm_now_ns() - t0) / 1e6, bm_rss_bytes() / 1e6);
    }

    dpi_worker_destroy(worker);
    dpi_engine_destroy(engine);
    printf("after destroy: heap %"PRId64" B above the start\n",
           (int64_t) (bm_heap_bytes() - base));
    return 0;
}
