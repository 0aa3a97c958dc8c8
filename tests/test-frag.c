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

/* Tests of IP fragment association (lib/dpi-frag.c) and of the flows the
 * engine makes of tunnelled and fragmented traffic.
 *
 * The first tests drive the fragment table directly with hand-made
 * packets.  The engine tests parse hand-built frames and count packets per
 * connection.  The corpus tests run every packet of the corpus captures
 * that hold tunnels or IP fragments through dpi_parse_eth() and an engine
 * and compare the connections with the oracle's flows: key (protocol,
 * VLAN, endpoints), packet count and tunnel names. */

#include <config.h>

#include <dirent.h>
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "dpi.h"
#include "dpi-frag.h"
#include "pcap-util.h"

/* Returns a UDP packet from 10.0.0.'s':'sport' to 10.0.0.'d':'dport' with
 * IP identification 'id', fragment offset 'offset' and "more fragments"
 * 'more', as dpi_parse_eth() would make it (a non-first fragment has no
 * ports). */
static struct dpi_pkt
make_frag(uint8_t s, uint16_t sport, uint8_t d, uint16_t dport,
          uint32_t id, uint16_t offset, bool more)
{
    struct dpi_pkt pkt;

    memset(&pkt, 0, sizeof pkt);
    pkt.key.src.b[10] = pkt.key.src.b[11] = 0xff;
    pkt.key.dst.b[10] = pkt.key.dst.b[11] = 0xff;
    pkt.key.src.b[12] = pkt.key.dst.b[12] = 10;
    pkt.key.src.b[15] = s;
    pkt.key.dst.b[15] = d;
    pkt.key.proto = 17;
    pkt.frame_len = 100;
    pkt.frag_id = id;
    pkt.frag_offset = offset;
    pkt.frag_more = more;
    if (offset) {
        pkt.is_fragment = 1;
    } else {
        pkt.key.sport = sport;
        pkt.key.dport = dport;
    }
    return pkt;
}

/* Resolves 'pkt' at 'now_ms' in 't' and returns the result by value. */
static struct dpi_pkt
resolve(struct dpi_frag_table *t, const struct dpi_pkt *pkt,
        uint64_t now_ms)
{
    struct dpi_pkt tmp;

    return *dpi_frag_resolve(t, pkt, now_ms, &tmp);
}

/* The later fragments of a datagram get the ports of its first fragment
 * and are no longer port-less; the first fragment itself is unchanged. */
static void
test_later_fragments_get_first_fragment_ports(void **state)
{
    struct dpi_frag_table *t = dpi_frag_table_create(64);
    struct dpi_pkt first = make_frag(1, 53, 2, 40000, 7, 0, true);
    struct dpi_pkt mid = make_frag(1, 0, 2, 0, 7, 185, true);
    struct dpi_pkt last = make_frag(1, 0, 2, 0, 7, 370, false);
    struct dpi_pkt r;

    assert_non_null(t);
    r = resolve(t, &first, 1000);
    assert_int_equal(r.key.sport, 53);
    assert_int_equal(r.key.dport, 40000);

    r = resolve(t, &mid, 1001);
    assert_int_equal(r.key.sport, 53);
    assert_int_equal(r.key.dport, 40000);
    assert_int_equal(r.is_fragment, 0);
    assert_int_equal(r.frag_offset, 185);
    assert_null(r.payload);

    r = resolve(t, &last, 1002);
    assert_int_equal(r.key.sport, 53);
    assert_int_equal(r.key.dport, 40000);
    dpi_frag_table_destroy(t);
}

/* A fragment that comes before its first fragment stays port-less. */
static void
test_fragment_before_first_stays_portless(void **state)
{
    struct dpi_frag_table *t = dpi_frag_table_create(64);
    struct dpi_pkt first = make_frag(1, 53, 2, 40000, 7, 0, true);
    struct dpi_pkt last = make_frag(1, 0, 2, 0, 7, 185, false);
    struct dpi_pkt r;

    r = resolve(t, &last, 1000);
    assert_int_equal(r.key.sport, 0);
    assert_int_equal(r.key.dport, 0);
    assert_int_equal(r.is_fragment, 1);

    resolve(t, &first, 1001);
    r = resolve(t, &last, 1002);        /* A duplicate, now resolved. */
    assert_int_equal(r.key.sport, 53);
    dpi_frag_table_destroy(t);
}

/* Fragments of other datagrams are not associated: another IP
 * identification, other addresses, another VLAN, another protocol. */
static void
test_other_datagrams_are_not_associated(void **state)
{
    struct dpi_frag_table *t = dpi_frag_table_create(64);
    struct dpi_pkt first = make_frag(1, 53, 2, 40000, 7, 0, true);
    struct dpi_pkt other_id = make_frag(1, 0, 2, 0, 8, 185, false);
    struct dpi_pkt reverse = make_frag(2, 0, 1, 0, 7, 185, false);
    struct dpi_pkt other_vlan = make_frag(1, 0, 2, 0, 7, 185, false);
    struct dpi_pkt other_proto = make_frag(1, 0, 2, 0, 7, 185, false);

    other_vlan.key.vlan = 5;
    other_proto.key.proto = 6;
    resolve(t, &first, 1000);
    assert_int_equal(resolve(t, &other_id, 1001).key.sport, 0);
    assert_int_equal(resolve(t, &reverse, 1001).key.sport, 0);
    assert_int_equal(resolve(t, &other_vlan, 1001).key.sport, 0);
    assert_int_equal(resolve(t, &other_proto, 1001).key.sport, 0);
    dpi_frag_table_destroy(t);
}

/* A zone keeps datagrams apart as it keeps connections apart: a later
 * fragment gets the ports of the first fragment in its own zone only, not
 * those of another zone or of the VLAN whose number the zone has, and the
 * VLAN does not matter within the zone. */
static void
test_zones_keep_datagrams_apart(void **state)
{
    struct dpi_frag_table *t = dpi_frag_table_create(64);
    struct dpi_pkt first = make_frag(1, 53, 2, 40000, 7, 0, true);
    struct dpi_pkt zone2 = make_frag(1, 0, 2, 0, 7, 185, true);
    struct dpi_pkt vlan1 = make_frag(1, 0, 2, 0, 7, 185, true);
    struct dpi_pkt zone1 = make_frag(1, 0, 2, 0, 7, 370, false);

    dpi_key_set_zone(&first.key, 1);
    dpi_key_set_zone(&zone2.key, 2);
    vlan1.key.vlan = 1;
    zone1.key.vlan = 9;
    dpi_key_set_zone(&zone1.key, 1);
    resolve(t, &first, 1000);
    assert_int_equal(resolve(t, &zone2, 1001).key.sport, 0);
    assert_int_equal(resolve(t, &vlan1, 1001).key.sport, 0);
    assert_int_equal(resolve(t, &zone1, 1002).key.sport, 53);
    dpi_frag_table_destroy(t);
}

/* Only TCP and UDP datagrams are remembered: others have no ports. */
static void
test_non_tcp_udp_is_left_alone(void **state)
{
    struct dpi_frag_table *t = dpi_frag_table_create(64);
    struct dpi_pkt first = make_frag(1, 0, 2, 0, 7, 0, true);
    struct dpi_pkt later = make_frag(1, 0, 2, 0, 7, 185, false);
    struct dpi_pkt tmp;

    first.key.proto = later.key.proto = 1;
    assert_ptr_equal(dpi_frag_resolve(t, &first, 1, &tmp), &first);
    assert_ptr_equal(dpi_frag_resolve(t, &later, 2, &tmp), &later);
    dpi_frag_table_destroy(t);
}

/* An entry expires DPI_FRAG_TIMEOUT_MS after its datagram was last seen;
 * each fragment pushes the expiry back. */
static void
test_entries_expire(void **state)
{
    struct dpi_frag_table *t = dpi_frag_table_create(64);
    struct dpi_pkt first = make_frag(1, 53, 2, 40000, 7, 0, true);
    struct dpi_pkt later = make_frag(1, 0, 2, 0, 7, 185, true);
    uint64_t t0 = 5000;

    resolve(t, &first, t0);
    assert_int_equal(resolve(t, &later, t0 + DPI_FRAG_TIMEOUT_MS - 1)
                     .key.sport, 53);
    assert_int_equal(resolve(t, &later, t0 + 2 * DPI_FRAG_TIMEOUT_MS - 2)
                     .key.sport, 53);
    assert_int_equal(resolve(t, &later, t0 + 3 * DPI_FRAG_TIMEOUT_MS)
                     .key.sport, 0);
    dpi_frag_table_destroy(t);
}

/* The capacity is fixed: with more datagrams than entries, the ones that
 * expire first are forgotten and the table still works. */
static void
test_capacity_is_bounded(void **state)
{
    struct dpi_frag_table *t = dpi_frag_table_create(8);
    size_t cap = dpi_frag_table_capacity(t);
    struct dpi_pkt newest;
    int remembered = 0;

    assert_true(cap >= 8 && cap < 16);
    for (uint32_t id = 0; id < 1000; id++) {
        struct dpi_pkt first = make_frag(1, 1000 + id, 2, 53, id, 0, true);

        resolve(t, &first, id);
    }
    for (uint32_t id = 0; id < 1000; id++) {
        struct dpi_pkt later = make_frag(1, 0, 2, 0, id, 185, false);
        struct dpi_pkt r = resolve(t, &later, 1000);

        if (r.key.sport) {
            assert_int_equal(r.key.sport, 1000 + id);
            remembered++;
        }
    }
    assert_true(remembered > 0);
    assert_true(remembered <= (int) cap);

    /* The newest datagram is always remembered. */
    newest = make_frag(1, 0, 2, 0, 999, 185, false);
    assert_int_equal(resolve(t, &newest, 1001).key.sport, 1999);
    dpi_frag_table_destroy(t);
}

/* A table of capacity 0 associates nothing. */
static void
test_zero_capacity_associates_nothing(void **state)
{
    struct dpi_frag_table *t = dpi_frag_table_create(0);
    struct dpi_pkt first = make_frag(1, 53, 2, 40000, 7, 0, true);
    struct dpi_pkt later = make_frag(1, 0, 2, 0, 7, 185, false);

    assert_non_null(t);
    assert_int_equal(dpi_frag_table_capacity(t), 0);
    resolve(t, &first, 1);
    assert_int_equal(resolve(t, &later, 2).key.sport, 0);
    dpi_frag_table_destroy(t);
}

/* Arguments of a thread of test_threads_share_the_table(). */
struct thread_arg {
    struct dpi_frag_table *t;   /* Shared table. */
    uint8_t src;                /* Address of this thread's datagrams. */
    int resolved;               /* Later fragments that got their ports. */
};

/* Sends the two fragments of 2000 datagrams of its own through the
 * table.  IP identifications cycle through 8 values, so that the threads
 * together have at most 32 datagrams in the table: far too few to fill a
 * bucket of a table of 65536 entries, whatever the hash seed. */
static void *
thread_main(void *arg_)
{
    struct thread_arg *arg = arg_;

    for (uint32_t i = 0; i < 2000; i++) {
        struct dpi_pkt first = make_frag(arg->src, 3000 + i % 100, 2, 53,
                                         i % 8, 0, true);
        struct dpi_pkt later = make_frag(arg->src, 0, 2, 0, i % 8, 185,
                                         false);
        struct dpi_pkt tmp;
        const struct dpi_pkt *r;

        dpi_frag_resolve(arg->t, &first, i, &tmp);
        r = dpi_frag_resolve(arg->t, &later, i, &tmp);
        if (r->key.sport == 3000 + i % 100) {
            arg->resolved++;
        }
    }
    return NULL;
}

/* Threads may use one table concurrently; with room enough, each later
 * fragment finds its own first fragment. */
static void
test_threads_share_the_table(void **state)
{
    struct dpi_frag_table *t = dpi_frag_table_create(65536);
    struct thread_arg args[4];
    pthread_t threads[4];

    for (int i = 0; i < 4; i++) {
        args[i] = (struct thread_arg) { .t = t, .src = 10 + i };
        assert_int_equal(pthread_create(&threads[i], NULL, thread_main,
                                        &args[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(threads[i], NULL), 0);
        assert_int_equal(args[i].resolved, 2000);
    }
    dpi_frag_table_destroy(t);
}

/* The connections of an engine, as dumped. */
struct flows {
    struct dpi_flow_info f[64]; /* The connections. */
    size_t n;                   /* Number of connections. */
};

/* dpi_engine_dump() callback: appends a connection to the struct flows
 * 'aux'. */
static void
flows_cb(const struct dpi_flow_info *info, void *aux)
{
    struct flows *fl = aux;

    assert_true(fl->n < sizeof fl->f / sizeof fl->f[0]);
    fl->f[fl->n] = *info;
    fl->f[fl->n].md = NULL;
    fl->n++;
}

/* Appends the IPv4 header of a UDP datagram fragment from 192.0.2.1 to
 * 192.0.2.2: identification 'id', offset 'offset' (8-byte units), "more
 * fragments" 'more', 'len' bytes of data after the header.  Then the data:
 * a UDP header (ports 5353 to 53, length 'ulen') if 'offset' is 0, then
 * filler. */
static size_t
build_ipv4_frag(uint8_t *b, uint16_t id, uint16_t offset, bool more,
                size_t len, uint16_t ulen)
{
    static const uint8_t eth[14] = {
        2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00,
    };
    uint16_t frag = offset | (more ? 0x2000 : 0);
    size_t tot = 20 + len;

    memcpy(b, eth, 14);
    b += 14;
    memset(b, 0xee, tot);
    b[0] = 0x45;
    b[1] = 0;
    b[2] = tot >> 8;
    b[3] = tot & 0xff;
    b[4] = id >> 8;
    b[5] = id & 0xff;
    b[6] = frag >> 8;
    b[7] = frag & 0xff;
    b[8] = 64;
    b[9] = 17;
    b[10] = b[11] = 0;
    memcpy(b + 12, (uint8_t[]) { 192, 0, 2, 1, 192, 0, 2, 2 }, 8);
    if (!offset) {
        memcpy(b + 20, (uint8_t[]) { 0x14, 0xe9, 0, 53, ulen >> 8,
                                     ulen & 0xff, 0, 0 }, 8);
    }
    return 14 + tot;
}

/* Parses the 'n'-byte frame 'frame', which must parse, into '*pkt' and
 * gives it to 'w' at 'now_ms'. */
static void
feed_frame(struct dpi_worker *w, const uint8_t *frame, size_t n,
           uint64_t now_ms, struct dpi_pkt *pkt)
{
    struct dpi_verdict v;

    assert_int_equal(dpi_parse_eth(frame, n, pkt), DPI_PARSE_OK);
    dpi_process(w, pkt, now_ms, &v);
}

/* Through the engine, the three fragments of a UDP datagram and a reply
 * make one connection of four packets; a fragment of another datagram
 * whose first fragment was never seen makes a port-less connection. */
static void
test_engine_counts_fragments_with_datagram(void **state)
{
    struct dpi_engine *e;
    struct dpi_worker *w;
    struct flows fl = { .n = 0 };
    uint8_t frame[2048];
    struct dpi_pkt pkt;
    char *error;
    size_t n;

    assert_int_equal(dpi_engine_create(NULL, &e, &error), 0);
    w = dpi_worker_create(e);
    assert_non_null(w);

    n = build_ipv4_frag(frame, 0x1111, 0, true, 1480, 8 + 3000);
    feed_frame(w, frame, n, 1, &pkt);
    n = build_ipv4_frag(frame, 0x1111, 185, true, 1480, 0);
    feed_frame(w, frame, n, 2, &pkt);
    assert_int_equal(pkt.is_fragment, 1);
    n = build_ipv4_frag(frame, 0x1111, 370, false, 48, 0);
    feed_frame(w, frame, n, 3, &pkt);

    /* A fragment of datagram 0x2222, whose first fragment is missing. */
    n = build_ipv4_frag(frame, 0x2222, 185, false, 48, 0);
    feed_frame(w, frame, n, 4, &pkt);

    dpi_engine_dump(e, flows_cb, &fl);
    assert_int_equal(fl.n, 2);
    for (size_t i = 0; i < fl.n; i++) {
        const struct dpi_flow_info *f = &fl.f[i];

        if (f->key.sport || f->key.dport) {
            assert_int_equal(f->key.sport, 5353);
            assert_int_equal(f->key.dport, 53);
            assert_int_equal(f->packets[0] + f->packets[1], 3);
        } else {
            assert_int_equal(f->packets[0] + f->packets[1], 1);
        }
    }
    dpi_worker_destroy(w);
    dpi_engine_destroy(e);
}

/* Appends an IPv6 fragment of a UDP datagram from 2001:db8::1 to
 * 2001:db8::2: identification 'id', offset 'offset' (8-byte units), "more
 * fragments" 'more', 'len' bytes of data after the Fragment header, whose
 * next header is a Destination Options header (RFC 8200 puts it in the
 * fragmentable part).  The first fragment's data is that header (8 bytes
 * of padding), then a UDP header (ports 5353 to 53, length 'ulen'), then
 * filler; a later fragment's data is filler. */
static size_t
build_ipv6_frag_dstopts(uint8_t *b, uint32_t id, uint16_t offset,
                        bool more, size_t len, uint16_t ulen)
{
    static const uint8_t eth[14] = {
        2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x86, 0xdd,
    };
    uint16_t off_m = (uint16_t) (offset << 3) | (more ? 1 : 0);
    size_t plen = 8 + len;

    memcpy(b, eth, 14);
    b += 14;
    memset(b, 0xee, 40 + plen);
    memset(b, 0, 40);
    b[0] = 0x60;
    b[4] = plen >> 8;
    b[5] = plen & 0xff;
    b[6] = 44;                  /* Fragment. */
    b[7] = 64;
    b[8] = b[24] = 0x20;
    b[9] = b[25] = 0x01;
    b[10] = b[26] = 0x0d;
    b[11] = b[27] = 0xb8;
    b[23] = 1;
    b[39] = 2;
    memcpy(b + 40, (uint8_t[]) { 60, 0, off_m >> 8, off_m & 0xff,
                                 id >> 24, (id >> 16) & 0xff,
                                 (id >> 8) & 0xff, id & 0xff }, 8);
    if (!offset) {
        /* Destination Options: next header UDP, length 0 (8 bytes), one
         * PadN option of 4 bytes of data. */
        memcpy(b + 48, (uint8_t[]) { 17, 0, 1, 4, 0, 0, 0, 0 }, 8);
        memcpy(b + 56, (uint8_t[]) { 0x14, 0xe9, 0, 53, ulen >> 8,
                                     ulen & 0xff, 0, 0 }, 8);
    }
    return 14 + 40 + plen;
}

/* An IPv6 datagram whose Fragment header is followed by a Destination
 * Options header: its later fragments name that header (60), not UDP, as
 * the next header, yet they belong to the datagram (RFC 8200 identifies
 * it by addresses and identification alone), so the engine counts the
 * two fragments in one UDP connection. */
static void
test_engine_ipv6_fragments_with_destination_options(void **state)
{
    struct dpi_engine *e;
    struct dpi_worker *w;
    struct flows fl = { .n = 0 };
    uint8_t frame[2048];
    struct dpi_pkt pkt;
    char *error;
    size_t n;

    assert_int_equal(dpi_engine_create(NULL, &e, &error), 0);
    w = dpi_worker_create(e);
    assert_non_null(w);

    n = build_ipv6_frag_dstopts(frame, 0x01020304, 0, true, 1232,
                                8 + 1500);
    feed_frame(w, frame, n, 1, &pkt);
    assert_int_equal(pkt.key.proto, 17);
    n = build_ipv6_frag_dstopts(frame, 0x01020304, 154, false, 284, 0);
    feed_frame(w, frame, n, 2, &pkt);
    assert_int_equal(pkt.is_fragment, 1);
    assert_int_equal(pkt.key.proto, 60);

    dpi_engine_dump(e, flows_cb, &fl);
    assert_int_equal(fl.n, 1);
    assert_int_equal(fl.f[0].key.proto, 17);
    assert_int_equal(fl.f[0].key.sport, 5353);
    assert_int_equal(fl.f[0].key.dport, 53);
    assert_int_equal(fl.f[0].packets[0] + fl.f[0].packets[1], 2);
    dpi_worker_destroy(w);
    dpi_engine_destroy(e);
}

/* Corpus check
 * ============
 *
 * A flow is identified by a string "PROTO VLAN EP1 EP2" with the two
 * endpoints "ADDR/PORT" in strcmp() order, so that both directions and
 * both sources (the engine and the oracle) give the same string. */

/* One flow of a comparison. */
struct cflow {
    char key[256];              /* Identifying string. */
    uint64_t packets;           /* Packets in both directions. */
    char encap[64];             /* Tunnel names ("" if none). */
};

/* A set of flows. */
struct cflows {
    struct cflow *f;            /* Flows. */
    size_t n;                   /* Number of flows. */
    size_t allocated;           /* Allocated elements of 'f'. */
};

/* Returns the flow of 's' identified by 'key', adding it if need be. */
static struct cflow *
cflows_get(struct cflows *s, const char *key)
{
    for (size_t i = 0; i < s->n; i++) {
        if (!strcmp(s->f[i].key, key)) {
            return &s->f[i];
        }
    }
    if (s->n == s->allocated) {
        s->allocated = s->allocated ? 2 * s->allocated : 64;
        s->f = realloc(s->f, s->allocated * sizeof *s->f);
        assert_non_null(s->f);
    }
    memset(&s->f[s->n], 0, sizeof s->f[s->n]);
    snprintf(s->f[s->n].key, sizeof s->f[s->n].key, "%s", key);
    return &s->f[s->n++];
}

/* Formats an identifying string into 'buf' of 'size' bytes. */
static void
flow_key_format(char *buf, size_t size, int proto, int vlan,
                const char *a, int aport, const char *b, int bport)
{
    char ea[80], eb[80];

    snprintf(ea, sizeof ea, "%s/%d", a, aport);
    snprintf(eb, sizeof eb, "%s/%d", b, bport);
    if (strcmp(ea, eb) > 0) {
        snprintf(buf, size, "%d %d %s %s", proto, vlan, eb, ea);
    } else {
        snprintf(buf, size, "%d %d %s %s", proto, vlan, ea, eb);
    }
}

/* Formats the identifying string of 'key' into 'buf' of 'size' bytes,
 * addresses as the oracle writes them. */
static void
dpi_key_format(char *buf, size_t size, const struct dpi_key *key)
{
    char a[64], b[64];

    if (key->ipv6) {
        inet_ntop(AF_INET6, key->src.b, a, sizeof a);
        inet_ntop(AF_INET6, key->dst.b, b, sizeof b);
    } else {
        inet_ntop(AF_INET, key->src.b + 12, a, sizeof a);
        inet_ntop(AF_INET, key->dst.b + 12, b, sizeof b);
    }
    flow_key_format(buf, size, key->proto, key->vlan, a, key->sport,
                    b, key->dport);
}

/* Returns the IP protocol number of the oracle's 'proto' column. */
static int
oracle_proto(const char *name)
{
    static const struct {
        const char *name;
        int proto;
    } protos[] = {
        { "tcp", 6 }, { "udp", 17 }, { "icmp", 1 }, { "icmpv6", 58 },
        { "igmp", 2 }, { "esp", 50 }, { "ah", 51 }, { "gre", 47 },
        { "sctp", 132 }, { "vrrp", 112 }, { "ospf", 89 }, { "pim", 103 },
        { "pgm", 113 },
    };

    for (size_t i = 0; i < sizeof protos / sizeof protos[0]; i++) {
        if (!strcmp(name, protos[i].name)) {
            return protos[i].proto;
        }
    }
    return !strncmp(name, "ip", 2) ? atoi(name + 2) : -1;
}

/* dpi_engine_dump() callback: adds a connection's packet count and the
 * tunnels its packets came out of to the struct cflows 'aux'. */
static void
cflows_cb(const struct dpi_flow_info *info, void *aux)
{
    struct cflow *f;
    char key[256];

    dpi_key_format(key, sizeof key, &info->key);
    f = cflows_get(aux, key);
    f->packets += info->packets[0] + info->packets[1];
    dpi_encap_names(info->encap, f->encap, sizeof f->encap);
}

/* Runs every packet of corpus capture 'name' through dpi_parse_eth() and a
 * new engine, and compares the connections with the oracle's flows (those
 * tshark sees; the rows only ndpiReader 4.2 reports are its outer tunnel
 * flows, see the corpus README).  Adds to '*n_flows' the number of oracle
 * flows and to '*n_match' how many of them the engine has with the same
 * key, packet count and tunnel names.  Prints every difference, and
 * returns the number of engine connections the oracle does not have. */
static size_t
compare_capture(const char *name, size_t *n_flows, size_t *n_match)
{
    char *pcap = pu_corpus_path("pcap", name);
    char tsv_name[256], *tsv;
    struct cflows engine = { .f = NULL }, oracle = { .f = NULL };
    struct pu_capture cap;
    struct pu_oracle o;
    struct dpi_engine *e;
    struct dpi_worker *w;
    size_t extra = 0;
    char *error;

    snprintf(tsv_name, sizeof tsv_name, "%s.tsv", name);
    tsv = pu_corpus_path("oracle", tsv_name);
    assert_true(pu_capture_load(pcap, &cap));
    assert_true(pu_oracle_load(tsv, &o));
    free(pcap);
    free(tsv);

    assert_int_equal(dpi_engine_create(NULL, &e, &error), 0);
    w = dpi_worker_create(e);
    assert_non_null(w);
    for (size_t i = 0; i < cap.n; i++) {
        const struct dpi_pkt *pkt = &cap.pkts[i].pkt;
        struct dpi_verdict v;

        if (!cap.pkts[i].ok) {
            continue;
        }
        dpi_process(w, pkt, i, &v);
    }
    dpi_engine_dump(e, cflows_cb, &engine);
    dpi_worker_destroy(w);
    dpi_engine_destroy(e);

    for (size_t i = 0; i < o.n_rows; i++) {
        const struct pu_row *row = &o.rows[i];
        struct cflow *f;
        char key[256];

        if (!strstr(pu_cell(&o, row, "seen_by"), "tshark")) {
            continue;
        }
        flow_key_format(key, sizeof key,
                        oracle_proto(pu_cell(&o, row, "proto")),
                        atoi(pu_cell(&o, row, "vlan")),
                        pu_cell(&o, row, "client_ip"),
                        atoi(pu_cell(&o, row, "client_port")),
                        pu_cell(&o, row, "server_ip"),
                        atoi(pu_cell(&o, row, "server_port")));
        f = cflows_get(&oracle, key);
        f->packets += strtoull(pu_cell(&o, row, "packets"), NULL, 10);
        snprintf(f->encap, sizeof f->encap, "%s",
                 pu_cell(&o, row, "encap"));
    }

    for (size_t i = 0; i < oracle.n; i++) {
        const struct cflow *want = &oracle.f[i];
        const struct cflow *got = NULL;

        for (size_t j = 0; j < engine.n; j++) {
            if (!strcmp(engine.f[j].key, want->key)) {
                got = &engine.f[j];
                break;
            }
        }
        (*n_flows)++;
        if (!got) {
            print_message("%s: oracle flow %s (%"PRIu64" packets) "
                          "missing\n", name, want->key, want->packets);
        } else if (got->packets != want->packets
                   || strcmp(got->encap, want->encap)) {
            print_message("%s: flow %s: %"PRIu64" packets, encap \"%s\"; "
                          "oracle: %"PRIu64", \"%s\"\n", name, want->key,
                          got->packets, got->encap, want->packets,
                          want->encap);
        } else {
            (*n_match)++;
        }
    }
    for (size_t j = 0; j < engine.n; j++) {
        bool found = false;

        for (size_t i = 0; i < oracle.n && !found; i++) {
            found = !strcmp(engine.f[j].key, oracle.f[i].key);
        }
        if (!found) {
            print_message("%s: engine flow %s (%"PRIu64" packets) not in "
                          "the oracle\n", name, engine.f[j].key,
                          engine.f[j].packets);
            extra++;
        }
    }
    free(engine.f);
    free(oracle.f);
    pu_capture_destroy(&cap);
    pu_oracle_destroy(&o);
    return extra;
}

/* Returns true if the oracle file 'path' has a flow taken out of a
 * tunnel (a nonempty 'encap' cell). */
static bool
oracle_has_encap(const char *path)
{
    struct pu_oracle o;
    bool found = false;

    if (!pu_oracle_load(path, &o)) {
        return false;
    }
    for (size_t i = 0; i < o.n_rows && !found; i++) {
        found = pu_cell(&o, &o.rows[i], "encap")[0] != '\0';
    }
    pu_oracle_destroy(&o);
    return found;
}

/* Captures of the corpus with IP fragments, found with
 *   tshark -r PCAP -Y "ip.flags.mf==1 || ip.frag_offset>0 || ipv6.nxt==44"
 * over all of pcap/ (IPv4 and IPv6 fragments of DNS over UDP). */
static const char *const fragment_captures[] = {
    "dns_fragmented.pcap",
};

/* Every flow of the corpus captures with tunnels (those whose oracle has a
 * nonempty 'encap' cell) or IP fragments has, in the engine, the oracle's
 * key, packet count and tunnel names, and the engine has no other
 * connection. */
static void
test_corpus_tunnel_and_fragment_flows_match_oracle(void **state)
{
    size_t n_flows = 0, n_match = 0, n_extra = 0, n_files = 0;
    char *dir_name = pu_corpus_path("oracle", "");
    struct dirent *de;
    DIR *dir;

    if (!dir_name) {
        print_message("DPI_CORPUS_DIR unset or not a directory: "
                      "skipping corpus test\n");
        skip();
    }
    dir = opendir(dir_name);
    assert_non_null(dir);
    while ((de = readdir(dir)) != NULL) {
        size_t len = strlen(de->d_name);
        char *path, *pcap;
        bool frag = false;

        if (len <= 4 || strcmp(de->d_name + len - 4, ".tsv")) {
            continue;
        }
        pcap = strndup(de->d_name, len - 4);
        assert_non_null(pcap);
        for (size_t i = 0; i < sizeof fragment_captures
                                / sizeof fragment_captures[0]; i++) {
            frag = frag || !strcmp(pcap, fragment_captures[i]);
        }
        path = pu_corpus_path("oracle", de->d_name);
        if (frag || oracle_has_encap(path)) {
            n_extra += compare_capture(pcap, &n_flows, &n_match);
            n_files++;
        }
        free(path);
        free(pcap);
    }
    closedir(dir);
    free(dir_name);

    print_message("tunnels and fragments: %zu captures, %zu of %zu oracle "
                  "flows match, %zu engine connections not in the "
                  "oracle\n", n_files, n_match, n_flows, n_extra);
    assert_true(n_files >= 1 + sizeof fragment_captures
                               / sizeof fragment_captures[0]);
    assert_int_equal(n_match, n_flows);
    assert_int_equal(n_extra, 0);
}

/* Every prefix of every frame of the corpus captures with VXLAN, GRE,
 * GTP-U and IP-in-IP parses, on an exactly sized copy, to one of the parse
 * results, with an OK packet's payload inside the prefix.  (Run under
 * AddressSanitizer or valgrind to catch any read past the end.) */
static void
test_corpus_tunnel_frames_truncated_at_every_offset(void **state)
{
    static const char *const captures[] = {
        "vxlan.pcap", "gre.pcapng", "ipv6_in_gtp.pcap", "rtmp.pcap",
        "6in4tunnel.pcap",
    };
    size_t n_tunnelled = 0;

    if (!pu_corpus_dir()) {
        print_message("DPI_CORPUS_DIR unset or not a directory: "
                      "skipping corpus test\n");
        skip();
    }
    for (size_t c = 0; c < sizeof captures / sizeof captures[0]; c++) {
        char *path = pu_corpus_path("pcap", captures[c]);
        struct pu_capture cap;

        assert_true(pu_capture_load(path, &cap));
        free(path);
        for (size_t i = 0; i < cap.n; i++) {
            const struct pu_packet *p = &cap.pkts[i];

            n_tunnelled += p->ok && p->pkt.encap;
            for (size_t len = 0; len <= p->len; len++) {
                uint8_t *copy = malloc(len ? len : 1);
                enum dpi_parse_result r;
                struct dpi_pkt pkt;

                assert_non_null(copy);
                memcpy(copy, p->frame, len);
                r = dpi_parse_eth(copy, len, &pkt);
                assert_true(r <= DPI_PARSE_MALFORMED);
                if (r == DPI_PARSE_OK && pkt.payload) {
                    assert_true(pkt.payload >= copy);
                    assert_true(pkt.payload + pkt.payload_len
                                <= copy + len);
                }
                free(copy);
            }
        }
        pu_capture_destroy(&cap);
    }
    assert_true(n_tunnelled > 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_later_fragments_get_first_fragment_ports),
        cmocka_unit_test(test_fragment_before_first_stays_portless),
        cmocka_unit_test(test_other_datagrams_are_not_associated),
        cmocka_unit_test(test_zones_keep_datagrams_apart),
        cmocka_unit_test(test_non_tcp_udp_is_left_alone),
        cmocka_unit_test(test_entries_expire),
        cmocka_unit_test(test_capacity_is_bounded),
        cmocka_unit_test(test_zero_capacity_associates_nothing),
        cmocka_unit_test(test_threads_share_the_table),
        cmocka_unit_test(test_engine_counts_fragments_with_datagram),
        cmocka_unit_test(
            test_engine_ipv6_fragments_with_destination_options),
        cmocka_unit_test(
            test_corpus_tunnel_and_fragment_flows_match_oracle),
        cmocka_unit_test(
            test_corpus_tunnel_frames_truncated_at_every_offset),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
