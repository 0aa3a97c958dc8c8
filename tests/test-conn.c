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

/* Unit tests of the connection table and of dpi_process() verdicts
 * (lib/dpi-conn.c, lib/dpi-engine.c), through the public engine API on
 * hand-built packets.  Each test creates its own engine with the built-in
 * signatures. */

#include <config.h>

#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dpi.h"
#include "dpi-conn.h"
#include "md-shim.h"

/* TCP flags. */
#define FIN 0x01
#define SYN 0x02
#define RST 0x04
#define PSH 0x08
#define ACK 0x10

/* Payload that no protocol signature should recognise. */
static const char garbage[] = "\x01\x7f zq9 \x02\x03 xx \xee\xfe";

#define HTTP_GET "GET /index.html HTTP/1.1\r\nHost: example.org\r\n" \
                 "User-Agent: test\r\n\r\n"

/* An engine and one worker. */
struct fixture {
    struct dpi_engine *engine;  /* The engine. */
    struct dpi_worker *worker;  /* Its worker. */
};

/* Creates 'fx' with capacity 'max_flows', inspection window
 * 'inspect_packets' and idle timeout 'idle_ms'. */
static void
fixture_init(struct fixture *fx, uint32_t max_flows,
             uint32_t inspect_packets, uint32_t idle_ms)
{
    struct dpi_config cfg;
    char *error = NULL;

    dpi_config_init(&cfg);
    cfg.max_flows = max_flows;
    cfg.inspect_packets = inspect_packets;
    cfg.idle_timeout_ms = idle_ms;
    assert_int_equal(dpi_engine_create(&cfg, &fx->engine, &error), 0);
    assert_null(error);
    fx->worker = dpi_worker_create(fx->engine);
    assert_non_null(fx->worker);
}

/* Destroys 'fx'. */
static void
fixture_destroy(struct fixture *fx)
{
    dpi_worker_destroy(fx->worker);
    dpi_engine_destroy(fx->engine);
}

/* Sets 'a' to IPv4 address 10.0.'x'.'y' as IPv4-mapped IPv6. */
static void
set_ip(struct dpi_addr *a, uint8_t x, uint8_t y)
{
    memset(a, 0, sizeof *a);
    a->b[10] = a->b[11] = 0xff;
    a->b[12] = 10;
    a->b[14] = x;
    a->b[15] = y;
}

/* Returns a packet of protocol 'proto' from 10.0.0.'src':'sport' to
 * 10.0.0.'dst':'dport' with TCP flags 'flags' and payload 'payload' of
 * 'len' bytes.  The frame length is headers plus payload. */
static struct dpi_pkt
make_pkt(uint8_t proto, uint8_t src, uint16_t sport, uint8_t dst,
         uint16_t dport, uint8_t flags, const void *payload, size_t len)
{
    struct dpi_pkt pkt;

    memset(&pkt, 0, sizeof pkt);
    set_ip(&pkt.key.src, 0, src);
    set_ip(&pkt.key.dst, 0, dst);
    pkt.key.sport = sport;
    pkt.key.dport = dport;
    pkt.key.proto = proto;
    pkt.tcp_flags = proto == 6 ? flags : 0;
    pkt.payload = len ? payload : NULL;
    pkt.payload_len = len;
    pkt.frame_len = 14 + 20 + (proto == 6 ? 20 : 8) + len;
    return pkt;
}

/* Asserts that 'state' holds DPI_STATE_TRK and exactly one of PEND, DONE
 * and UNK. */
static void
assert_state_valid(uint8_t state)
{
    int n = !!(state & DPI_STATE_PEND) + !!(state & DPI_STATE_DONE)
            + !!(state & DPI_STATE_UNK);

    assert_true(state & DPI_STATE_TRK);
    assert_int_equal(n, 1);
    assert_int_equal(state & ~DPI_STATE_MASK, 0);
}

/* Runs 'pkt' through 'fx' at 'now' and returns the verdict, checking that
 * its state is valid. */
static struct dpi_verdict
process(struct fixture *fx, const struct dpi_pkt *pkt, uint64_t now)
{
    struct dpi_verdict v;

    memset(&v, 0xff, sizeof v);
    dpi_process(fx->worker, pkt, now, &v);
    assert_state_valid(v.state);
    return v;
}

/* Connections collected by dump_cb(). */
struct dump {
    size_t n;                   /* Number of connections. */
    struct dpi_flow_info flows[64]; /* The first of them. */
    struct test_md mds[64];     /* Their metadata. */
};

/* dpi_engine_dump() callback: appends 'info' to the struct dump 'aux'. */
static void
dump_cb(const struct dpi_flow_info *info, void *aux)
{
    struct dump *d = aux;

    assert_non_null(info->md);
    if (d->n < 64) {
        d->flows[d->n] = *info;
        test_md_fill(&d->mds[d->n], info->md);
        d->flows[d->n].md = NULL;
    }
    d->n++;
}

/* Dumps the connections of 'fx' into 'd'. */
static void
dump(struct fixture *fx, struct dump *d)
{
    memset(d, 0, sizeof *d);
    dpi_engine_dump(fx->engine, dump_cb, d);
}

/* Returns the engine statistics of 'fx' (without per-app counters). */
static struct dpi_stats
get_stats(struct fixture *fx)
{
    struct dpi_stats s;

    dpi_engine_get_stats(fx->engine, &s);
    dpi_stats_destroy(&s);
    return s;
}

/* A SYN and its SYN-ACK find one connection whose client is the SYN's
 * sender, with one packet counted in each direction. */
static void
test_reply_maps_to_same_connection_and_syn_sender_is_client(void **state)
{
    struct fixture fx;
    struct dpi_pkt syn = make_pkt(6, 1, 40000, 2, 80, SYN, NULL, 0);
    struct dpi_pkt synack = make_pkt(6, 2, 80, 1, 40000, SYN | ACK,
                                     NULL, 0);
    struct dpi_verdict v;
    struct dump d;

    fixture_init(&fx, 100, 8, 60000);
    v = process(&fx, &syn, 1000);
    assert_int_equal(v.state, DPI_STATE_TRK | DPI_STATE_PEND);
    v = process(&fx, &synack, 1001);
    assert_int_equal(v.state, DPI_STATE_TRK | DPI_STATE_PEND);

    dump(&fx, &d);
    assert_int_equal(d.n, 1);
    assert_memory_equal(&d.flows[0].key, &syn.key, sizeof syn.key);
    assert_int_equal(d.flows[0].packets[0], 1);
    assert_int_equal(d.flows[0].packets[1], 1);
    assert_int_equal(d.flows[0].bytes[0], syn.frame_len);
    assert_int_equal(d.flows[0].bytes[1], synack.frame_len);
    assert_int_equal(d.flows[0].first_ms, 1000);
    assert_int_equal(d.flows[0].last_ms, 1001);
    assert_int_equal(get_stats(&fx).n_flows, 1);
    assert_int_equal(get_stats(&fx).created, 1);
    fixture_destroy(&fx);
}

/* Without a SYN, a first sender using a port below 1024 talking to a port
 * of 1024 or above is taken for the server. */
static void
test_first_sender_from_low_port_is_server(void **state)
{
    struct fixture fx;
    struct dpi_pkt resp = make_pkt(17, 2, 53, 1, 40000, 0, garbage, 8);
    struct dump d;

    fixture_init(&fx, 100, 8, 60000);
    process(&fx, &resp, 5);
    dump(&fx, &d);
    assert_int_equal(d.n, 1);
    assert_memory_equal(&d.flows[0].key.src, &resp.key.dst,
                        sizeof resp.key.dst);
    assert_int_equal(d.flows[0].key.sport, 40000);
    assert_int_equal(d.flows[0].key.dport, 53);
    assert_int_equal(d.flows[0].packets[0], 0);
    assert_int_equal(d.flows[0].packets[1], 1);
    fixture_destroy(&fx);
}

/* Connections whose endpoints share an address or a port still count each
 * packet in its own direction; one whose two endpoints are the same has
 * only the client to server direction. */
static void
test_direction_with_shared_address_or_port(void **state)
{
    static const struct {
        uint8_t a, b;           /* Hosts 10.0.0.'a' and 10.0.0.'b'. */
        uint16_t pa, pb;        /* Their ports. */
        uint64_t reverse;       /* Packets expected in direction [1]. */
    } cases[] = {
        { 1, 1, 5000, 6000, 1 },    /* Same address, two ports. */
        { 1, 2, 5000, 5000, 1 },    /* Same port, two addresses. */
        { 1, 1, 7000, 7000, 0 },    /* The same endpoint twice. */
    };

    (void) state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct dpi_pkt fwd = make_pkt(17, cases[i].a, cases[i].pa,
                                      cases[i].b, cases[i].pb, 0, garbage,
                                      8);
        struct dpi_pkt rev = make_pkt(17, cases[i].b, cases[i].pb,
                                      cases[i].a, cases[i].pa, 0, garbage,
                                      8);
        struct fixture fx;
        struct dump d;

        fixture_init(&fx, 100, 8, 60000);
        process(&fx, &fwd, 1);
        process(&fx, &rev, 2);
        process(&fx, &fwd, 3);
        dump(&fx, &d);
        assert_int_equal(d.n, 1);
        assert_memory_equal(&d.flows[0].key, &fwd.key, sizeof fwd.key);
        assert_int_equal(d.flows[0].packets[0], 3 - cases[i].reverse);
        assert_int_equal(d.flows[0].packets[1], cases[i].reverse);
        fixture_destroy(&fx);
    }
}

/* Without a SYN, and unless the port rule applies, the first sender is the
 * client. */
static void
test_first_sender_is_client_without_syn(void **state)
{
    struct fixture fx;
    struct dpi_pkt a = make_pkt(17, 1, 5000, 2, 6000, 0, garbage, 8);
    struct dpi_pkt b = make_pkt(6, 1, 53, 2, 80, ACK, NULL, 0);
    struct dump d;

    fixture_init(&fx, 100, 8, 60000);
    process(&fx, &a, 5);
    process(&fx, &b, 6);
    dump(&fx, &d);
    assert_int_equal(d.n, 2);
    for (size_t i = 0; i < 2; i++) {
        const struct dpi_pkt *p = d.flows[i].key.proto == 17 ? &a : &b;

        assert_memory_equal(&d.flows[i].key, &p->key, sizeof p->key);
        assert_int_equal(d.flows[i].packets[0], 1);
    }
    fixture_destroy(&fx);
}

/* A SYN without ACK seen after other packets, from the side first taken
 * for the server, turns the connection around; a second one does not. */
static void
test_late_syn_turns_connection_around(void **state)
{
    struct fixture fx;
    struct dpi_pkt ack = make_pkt(6, 2, 5000, 1, 6000, ACK, NULL, 0);
    struct dpi_pkt syn = make_pkt(6, 1, 6000, 2, 5000, SYN, NULL, 0);
    struct dpi_pkt syn2 = make_pkt(6, 2, 5000, 1, 6000, SYN, NULL, 0);
    struct dump d;

    fixture_init(&fx, 100, 8, 60000);
    process(&fx, &ack, 1);
    process(&fx, &ack, 2);
    process(&fx, &syn, 3);
    dump(&fx, &d);
    assert_int_equal(d.n, 1);
    assert_memory_equal(&d.flows[0].key, &syn.key, sizeof syn.key);
    assert_int_equal(d.flows[0].packets[0], 1);
    assert_int_equal(d.flows[0].packets[1], 2);
    assert_int_equal(d.flows[0].bytes[1], 2 * ack.frame_len);

    process(&fx, &syn2, 4);
    dump(&fx, &d);
    assert_memory_equal(&d.flows[0].key, &syn.key, sizeof syn.key);
    assert_int_equal(d.flows[0].packets[1], 3);
    fixture_destroy(&fx);
}

/* Runs a TCP handshake from 10.0.0.'c':'cport' to 10.0.0.'s':'sport',
 * whose SYN has sequence number 'isn', and a GET of 'host' on it through
 * 'fx' at 'now', and returns the GET's verdict. */
static struct dpi_verdict
http_connection(struct fixture *fx, uint8_t c, uint16_t cport, uint8_t s,
                uint16_t sport, uint32_t isn, const char *host, uint64_t now)
{
    char get[128];
    int n = snprintf(get, sizeof get,
                     "GET / HTTP/1.1\r\nHost: %s\r\n\r\n", host);
    struct dpi_pkt p;

    p = make_pkt(6, c, cport, s, sport, SYN, NULL, 0);
    p.tcp_seq = isn;
    process(fx, &p, now);
    p = make_pkt(6, s, sport, c, cport, SYN | ACK, NULL, 0);
    process(fx, &p, now);
    p = make_pkt(6, c, cport, s, sport, ACK, NULL, 0);
    process(fx, &p, now);
    p = make_pkt(6, c, cport, s, sport, PSH | ACK, get, n);
    return process(fx, &p, now);
}

/* Creates 'fx' and runs through it, at time 1, an HTTP connection from
 * 10.0.0.1:40000 to 10.0.0.2:80 whose SYN has sequence number 'isn' and
 * which asks for www.netflix.com, checking its verdict. */
static void
netflix_fixture(struct fixture *fx, uint32_t isn)
{
    struct dpi_verdict v;

    fixture_init(fx, 100, 8, 60000);
    v = http_connection(fx, 1, 40000, 2, 80, isn, "www.netflix.com", 1);
    assert_int_equal(v.app_id, DPI_APP_netflix);
}

/* A SYN without ACK after a connection closed (reset by either side, or
 * finished from both sides) opens a new connection on the same 5-tuple,
 * classified from its own payload, from either end; a SYN after a FIN
 * from one side only, or after a segment without FIN or RST, does not. */
static void
test_syn_after_close_opens_new_connection(void **state)
{
    static const struct {
        uint8_t from;           /* Sender of the closing segments. */
        uint8_t flags;          /* Their flags. */
        bool both;              /* Also from the other side. */
        uint8_t syn_from;       /* Sender of the next SYN. */
        bool reopens;           /* Whether that SYN opens anew. */
    } cases[] = {
        { 1, RST | ACK, false, 1, true },
        { 2, RST, false, 1, true },
        { 1, FIN | ACK, true, 1, true },
        { 2, RST, false, 2, true },
        { 1, FIN | ACK, false, 1, false },
        { 1, ACK, false, 1, false },
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t peer = cases[i].syn_from == 1 ? 2 : 1;
        uint16_t syn_port = cases[i].syn_from == 1 ? 40000 : 80;
        uint16_t peer_port = cases[i].syn_from == 1 ? 80 : 40000;
        struct fixture fx;
        struct dpi_verdict v;
        struct dpi_stats st;
        struct dpi_pkt p;
        struct dump d;

        netflix_fixture(&fx, 100);

        p = (cases[i].from == 1
             ? make_pkt(6, 1, 40000, 2, 80, cases[i].flags, NULL, 0)
             : make_pkt(6, 2, 80, 1, 40000, cases[i].flags, NULL, 0));
        process(&fx, &p, 2);
        if (cases[i].both) {
            p = make_pkt(6, 2, 80, 1, 40000, cases[i].flags, NULL, 0);
            process(&fx, &p, 2);
        }

        p = make_pkt(6, cases[i].syn_from, syn_port, peer, peer_port, SYN,
                     NULL, 0);
        p.tcp_seq = 200;
        v = process(&fx, &p, 3);
        st = get_stats(&fx);
        assert_int_equal(st.n_flows, 1);
        if (!cases[i].reopens) {
            assert_int_equal(v.app_id, DPI_APP_netflix);
            assert_int_equal(st.created, 1);
            assert_int_equal(st.expired, 0);
            fixture_destroy(&fx);
            continue;
        }
        assert_int_equal(v.state, DPI_STATE_TRK | DPI_STATE_PEND);
        assert_int_equal(v.app_id, 0);
        assert_int_equal(st.created, 2);
        assert_int_equal(st.expired, 1);

        /* Packets that bypassed the engine as the old connection's did
         * (a datapath flow that has not caught up) count in the new one,
         * which has not settled. */
        p = make_pkt(6, cases[i].syn_from, syn_port, peer, peer_port, ACK,
                     NULL, 0);
        assert_false(dpi_engine_lookup(fx.engine, &p.key, 2, 120, 3, &v));
        dpi_engine_count(fx.engine, &p.key, 2, 120, 3);

        /* The new connection: client is the SYN's sender, counters and
         * verdict its own. */
        v = http_connection(&fx, cases[i].syn_from, syn_port, peer,
                            peer_port, 200, "www.youtube.com", 4);
        assert_int_equal(v.app_id, DPI_APP_youtube);
        assert_int_equal(v.state, DPI_STATE_TRK | DPI_STATE_DONE);
        dump(&fx, &d);
        assert_int_equal(d.n, 1);
        assert_int_equal(d.flows[0].key.sport, syn_port);
        assert_int_equal(d.flows[0].packets[0], 6);
        assert_int_equal(d.flows[0].packets[1], 1);
        assert_string_equal(d.mds[0].http_host, "www.youtube.com");
        assert_int_equal(get_stats(&fx).created, 2);
        fixture_destroy(&fx);
    }
}

/* After a reset, a SYN with the sequence number of the connection's first
 * SYN (a retry after a refusal, a retransmission, a replay) continues the
 * connection, verdict and counters included, as tshark and nDPI count it;
 * one with another sequence number opens a new connection, classified
 * from its own payload. */
static void
test_syn_with_first_sequence_number_continues(void **state)
{
    for (int same_isn = 0; same_isn < 2; same_isn++) {
        struct fixture fx;
        struct dpi_verdict v;
        struct dpi_stats st;
        struct dpi_pkt p;
        struct dump d;

        netflix_fixture(&fx, 1000);

        /* A stray SYN on the open connection does not count as its
         * first. */
        p = make_pkt(6, 1, 40000, 2, 80, SYN, NULL, 0);
        p.tcp_seq = 3000;
        process(&fx, &p, 1);
        p = make_pkt(6, 2, 80, 1, 40000, RST | ACK, NULL, 0);
        process(&fx, &p, 1);

        v = http_connection(&fx, 1, 40000, 2, 80, same_isn ? 1000 : 5000,
                            "www.youtube.com", 2);
        st = get_stats(&fx);
        assert_int_equal(st.n_flows, 1);
        assert_int_equal(st.created, same_isn ? 1 : 2);
        assert_int_equal(st.expired, same_isn ? 0 : 1);
        assert_int_equal(v.app_id,
                         same_isn ? DPI_APP_netflix : DPI_APP_youtube);
        dump(&fx, &d);
        assert_int_equal(d.n, 1);
        assert_int_equal(d.flows[0].packets[0], same_isn ? 7 : 3);
        assert_int_equal(d.flows[0].packets[1], same_isn ? 3 : 1);
        assert_string_equal(d.mds[0].http_host, same_isn
                            ? "www.netflix.com" : "www.youtube.com");
        fixture_destroy(&fx);
    }
}

/* The same 5-tuple on two VLANs is two connections; UDP on the same
 * addresses and ports is a third. */
static void
test_vlan_and_protocol_separate_connections(void **state)
{
    struct fixture fx;
    struct dpi_pkt p = make_pkt(6, 1, 40000, 2, 80, ACK, NULL, 0);
    struct dpi_pkt q = p;
    struct dpi_pkt u = make_pkt(17, 1, 40000, 2, 80, 0, NULL, 0);

    fixture_init(&fx, 100, 8, 60000);
    q.key.vlan = 7;
    process(&fx, &p, 1);
    process(&fx, &q, 1);
    process(&fx, &u, 1);
    assert_int_equal(get_stats(&fx).n_flows, 3);
    fixture_destroy(&fx);
}

/* A zone separates connections that have the same 5-tuple, whatever their
 * VLAN: within zone 1, the VLAN-tagged packet and the reply join the first
 * packet's connection, while zone 2, no zone and VLAN 1 without a zone
 * are three connections more. */
static void
test_zones_separate_connections(void **state)
{
    struct fixture fx;
    struct dpi_pkt p = make_pkt(6, 1, 40000, 2, 80, ACK, NULL, 0);
    struct dpi_pkt z1 = p, z1_vlan = p, z2 = p, vlan1 = p;
    struct dpi_pkt z1_reply = make_pkt(6, 2, 80, 1, 40000, ACK, NULL, 0);
    struct dump d;
    int n_zone1 = 0;

    fixture_init(&fx, 100, 8, 60000);
    dpi_key_set_zone(&z1.key, 1);
    z1_vlan.key.vlan = 7;
    dpi_key_set_zone(&z1_vlan.key, 1);
    dpi_key_set_zone(&z1_reply.key, 1);
    dpi_key_set_zone(&z2.key, 2);
    vlan1.key.vlan = 1;
    dpi_key_set_zone(&vlan1.key, 0);
    process(&fx, &z1, 1);
    process(&fx, &z1_vlan, 1);
    process(&fx, &z1_reply, 1);
    process(&fx, &z2, 1);
    process(&fx, &p, 1);
    process(&fx, &vlan1, 1);
    assert_int_equal(get_stats(&fx).n_flows, 4);

    dump(&fx, &d);
    for (size_t i = 0; i < d.n; i++) {
        const struct dpi_flow_info *fi = &d.flows[i];

        if (fi->key.zoned && fi->key.vlan == 1) {
            n_zone1++;
            assert_int_equal(fi->key.sport, 40000);
            assert_int_equal(fi->packets[0], 2);
            assert_int_equal(fi->packets[1], 1);
        } else {
            assert_int_equal(fi->packets[0] + fi->packets[1], 1);
        }
    }
    assert_int_equal(n_zone1, 1);
    fixture_destroy(&fx);
}

/* Arguments of direction_thread(). */
struct thread_arg {
    struct dpi_engine *engine;  /* Engine to use. */
    int thread;                 /* 0 or 1. */
    int n_conns;                /* Connections to interleave. */
    int n_packets;              /* Packets per connection. */
};

/* Returns true if packet 'i' of thread 'thread' is a reply (server to
 * client): the threads alternate directions out of phase, so that both
 * threads update both directions of each connection at once. */
static bool
is_reply(int thread, int i)
{
    return (i + thread) % 2;
}

/* Returns the payload length of packet 'i' of thread 'thread'. */
static size_t
payload_len(int thread, int i)
{
    return (i * 3 + thread) % 9;
}

/* Sends 'n_packets' packets on each of 'n_conns' connections, interleaved,
 * on a worker of its own. */
static void *
direction_thread(void *arg_)
{
    struct thread_arg *arg = arg_;
    struct dpi_worker *w = dpi_worker_create(arg->engine);

    for (int i = 0; i < arg->n_packets; i++) {
        size_t len = payload_len(arg->thread, i);

        for (int c = 0; c < arg->n_conns; c++) {
            struct dpi_pkt pkt;
            struct dpi_verdict v;

            pkt = (is_reply(arg->thread, i)
                   ? make_pkt(6, 2, 80, 1, 40000 + c, ACK, garbage, len)
                   : make_pkt(6, 1, 40000 + c, 2, 80, ACK, garbage, len));
            dpi_process(w, &pkt, i, &v);
        }
    }
    dpi_worker_destroy(w);
    return NULL;
}

/* Both directions of the same connections, processed at the same time on
 * two threads, are counted exactly. */
static void
test_two_threads_two_directions_keep_counts_exact(void **state)
{
    enum { N_CONNS = 2, N_PACKETS = 50000 };
    struct thread_arg args[2];
    pthread_t threads[2];
    struct fixture fx;
    uint64_t packets[2] = { 0, 0 };
    uint64_t bytes[2] = { 0, 0 };
    struct dpi_stats stats;
    struct dump d;

    fixture_init(&fx, 1000, 16, 60000);
    for (int t = 0; t < 2; t++) {
        args[t] = (struct thread_arg) {
            .engine = fx.engine, .thread = t,
            .n_conns = N_CONNS, .n_packets = N_PACKETS,
        };
        assert_int_equal(pthread_create(&threads[t], NULL, direction_thread,
                                        &args[t]), 0);
    }
    for (int t = 0; t < 2; t++) {
        pthread_join(threads[t], NULL);
    }

    for (int t = 0; t < 2; t++) {
        for (int i = 0; i < N_PACKETS; i++) {
            int dir = is_reply(t, i);

            packets[dir]++;
            bytes[dir] += 54 + payload_len(t, i);
        }
    }
    dump(&fx, &d);
    assert_int_equal(d.n, N_CONNS);
    for (size_t i = 0; i < d.n; i++) {
        assert_int_equal(d.flows[i].key.dport, 80);
        assert_int_equal(d.flows[i].packets[0], packets[0]);
        assert_int_equal(d.flows[i].packets[1], packets[1]);
        assert_int_equal(d.flows[i].bytes[0], bytes[0]);
        assert_int_equal(d.flows[i].bytes[1], bytes[1]);
    }
    dpi_engine_get_stats(fx.engine, &stats);
    assert_int_equal(stats.packets, 2 * N_CONNS * N_PACKETS);
    assert_int_equal(stats.created, N_CONNS);
    dpi_stats_destroy(&stats);
    fixture_destroy(&fx);
}

/* Creating three times 'max_flows' distinct connections never holds more
 * than 'max_flows' and counts every eviction. */
static void
test_table_never_exceeds_max_flows_and_counts_evictions(void **state)
{
    enum { MAX = 64 };
    struct fixture fx;
    struct dpi_stats s;

    fixture_init(&fx, MAX, 8, 60000);
    for (int i = 0; i < 3 * MAX; i++) {
        struct dpi_pkt p = make_pkt(17, 1, 10000 + i, 2, 20000, 0,
                                    NULL, 0);

        process(&fx, &p, i);
        s = get_stats(&fx);
        assert_true(s.n_flows <= MAX);
    }
    s = get_stats(&fx);
    assert_int_equal(s.n_flows, MAX);
    assert_int_equal(s.max_flows, MAX);
    assert_int_equal(s.created, 3 * MAX);
    assert_int_equal(s.evicted, 2 * MAX);
    fixture_destroy(&fx);
}

/* In a table of two, a connection that keeps seeing packets survives a
 * stream of new ones: each new connection evicts the previous new one,
 * idle since, even when it lands in the active connection's stripe (about
 * one in DPI_CONN_N_STRIPES does, so 4000 make that all but certain). */
static void
test_small_table_keeps_active_connection(void **state)
{
    enum { N = 4000 };
    struct dpi_pkt active = make_pkt(17, 1, 5000, 2, 6000, 0, NULL, 0);
    struct fixture fx;
    struct dpi_stats s;

    fixture_init(&fx, 2, 8, 600000);
    process(&fx, &active, 1);
    for (int i = 0; i < N; i++) {
        struct dpi_pkt p = make_pkt(17, 3 + i % 200, 10000 + i, 4, 20000,
                                    0, NULL, 0);

        process(&fx, &p, 10 + 2 * i);
        process(&fx, &active, 11 + 2 * i);
    }
    s = get_stats(&fx);
    assert_int_equal(s.n_flows, 2);
    assert_int_equal(s.created, 1 + N);     /* 'active' created once. */
    assert_int_equal(s.evicted, N - 1);
    fixture_destroy(&fx);
}

/* The same with the clock stopped, as under OVS's "time/stop", in a table
 * of 4096 flooded by 24000 new connections, the active one seeing a packet
 * after every 31: recency comes from the order of packets alone, and the
 * active connection is never evicted (it is created once). */
static void
test_active_connection_survives_flood_frozen_clock(void **state)
{
    enum { N = 24000 };
    struct dpi_pkt active = make_pkt(17, 1, 5000, 2, 6000, 0, NULL, 0);
    struct fixture fx;
    struct dpi_stats s;

    fixture_init(&fx, 4096, 8, 600000);
    process(&fx, &active, 1);
    for (int i = 0; i < N; i++) {
        struct dpi_pkt p = make_pkt(17, 3 + i % 200, 10000 + i / 200, 4,
                                    20000, 0, NULL, 0);

        process(&fx, &p, 1);
        if (i % 31 == 30) {
            process(&fx, &active, 1);
        }
    }
    s = get_stats(&fx);
    assert_int_equal(s.n_flows, 4096);
    assert_int_equal(s.created, 1 + N);     /* 'active' created once. */
    fixture_destroy(&fx);
}

/* Largest n_flows that a flood_thread() saw (atomic). */
static uint64_t flood_max_seen;

/* Packets of flood_thread() that no connection tracked (atomic). */
static uint64_t flood_untracked;

/* Creates 20000 distinct connections on a worker of its own, recording the
 * largest number of connections in the table it sees.  (CMocka assertions
 * are not thread-safe, so the main thread checks.) */
static void *
flood_thread(void *engine)
{
    struct dpi_worker *w = dpi_worker_create(engine);
    static int next_port;

    for (int i = 0; i < 20000; i++) {
        int port = __atomic_fetch_add(&next_port, 1, __ATOMIC_RELAXED);
        struct dpi_pkt p = make_pkt(17, 1 + port % 200, port % 60000, 2,
                                    20000, 0, NULL, 0);
        struct dpi_verdict v;
        struct dpi_stats s;

        dpi_process(w, &p, i, &v);
        if (v.state == (DPI_STATE_TRK | DPI_STATE_UNK)) {
            /* Only an untracked packet of a new connection without
             * payload gets this verdict. */
            __atomic_add_fetch(&flood_untracked, 1, __ATOMIC_RELAXED);
        }
        if (!(i % 64)) {
            uint64_t seen;

            dpi_engine_get_stats(engine, &s);
            seen = __atomic_load_n(&flood_max_seen, __ATOMIC_RELAXED);
            while (s.n_flows > seen
                   && !__atomic_compare_exchange_n(&flood_max_seen, &seen,
                                                   s.n_flows, true,
                                                   __ATOMIC_RELAXED,
                                                   __ATOMIC_RELAXED)) {
                continue;
            }
            dpi_stats_destroy(&s);
        }
    }
    dpi_worker_destroy(w);
    return NULL;
}

/* Two threads creating connections at the same time on a full table never
 * push it past 'max_flows', and created - evicted = n_flows.  A packet
 * goes untracked, as dpi-conn.h allows, when its eviction finds eight of
 * the stripes it tries busy before it locks one: the other thread locks
 * stripe after stripe as fast as it can, and this was seen in about one
 * run in ten (never more than a few packets). */
static void
test_concurrent_flood_respects_max_flows(void **state)
{
    pthread_t threads[2];
    struct fixture fx;
    struct dpi_stats s;

    fixture_init(&fx, 100, 8, 60000);
    for (int t = 0; t < 2; t++) {
        assert_int_equal(pthread_create(&threads[t], NULL, flood_thread,
                                        fx.engine), 0);
    }
    for (int t = 0; t < 2; t++) {
        pthread_join(threads[t], NULL);
    }
    assert_true(flood_max_seen > 0);
    assert_true(flood_max_seen <= 100);
    s = get_stats(&fx);
    assert_int_equal(s.n_flows, 100);
    assert_int_equal(s.created - s.evicted, s.n_flows);
    assert_int_equal(s.created + flood_untracked, 40000);
    assert_true(flood_untracked <= 40000 / 100);
    assert_int_equal(s.packets, 40000);
    fixture_destroy(&fx);
}

/* Arguments of tiny_flood_thread(). */
struct tiny_flood_arg {
    struct dpi_conn_table *table; /* Table to flood. */
    int thread;                 /* 0 or 1: tells the threads' keys apart. */
    int n;                      /* Distinct connections to create. */
    uint32_t max_seen;          /* Largest 'n_flows' seen. */
    int n_untracked;            /* Lookups that returned NULL. */
    int n_found;                /* Lookups that found a connection (none
                                 * should: the keys are distinct). */
};

/* Looks up 'arg->n' distinct new connections in 'arg->table', one packet
 * each, recording the largest number of connections seen in the table
 * right after each one was created.  (CMocka assertions are not
 * thread-safe, so the main thread checks.) */
static void *
tiny_flood_thread(void *arg_)
{
    struct tiny_flood_arg *arg = arg_;

    for (int i = 0; i < arg->n; i++) {
        struct dpi_pkt p = make_pkt(17, 1, 1000 + arg->thread, 2, 20000, 0,
                                    NULL, 0);
        struct dpi_conn_stripe *stripe;
        struct dpi_conn *conn;
        bool created;
        uint32_t n;

        set_ip(&p.key.src, (uint8_t) (i >> 8), (uint8_t) i);
        conn = dpi_conn_table_lookup(arg->table, &p, i, &created, &stripe);
        if (!conn) {
            arg->n_untracked++;
            continue;
        }
        n = dpi_conn_table_n_flows(arg->table);
        if (n > arg->max_seen) {
            arg->max_seen = n;
        }
        arg->n_found += !created;
        dpi_conn_table_unlock(stripe);
    }
    return NULL;
}

/* A table of 16 connections flooded with 100,000 distinct new connections
 * from two threads at once (far fewer connections than stripes, so most
 * evictions look at other stripes) never holds more than 16, counts an
 * eviction for each connection created beyond the first 16, leaves at most
 * 1% of them untracked, and holds exactly as many connections in its
 * stripes as it counts. */
static void
test_tiny_table_concurrent_flood(void **state)
{
    enum { MAX = 16, N = 50000 };
    struct tiny_flood_arg args[2];
    struct dpi_conn_table *t = dpi_conn_table_create(MAX);
    pthread_t threads[2];
    uint64_t created, evicted;
    uint32_t in_stripes = 0;
    int untracked = 0;

    (void) state;
    assert_non_null(t);
    for (int i = 0; i < 2; i++) {
        args[i] = (struct tiny_flood_arg) {
            .table = t, .thread = i, .n = N,
        };
        assert_int_equal(pthread_create(&threads[i], NULL, tiny_flood_thread,
                                        &args[i]), 0);
    }
    for (int i = 0; i < 2; i++) {
        pthread_join(threads[i], NULL);
        assert_int_equal(args[i].n_found, 0);
        assert_true(args[i].max_seen <= MAX);
        untracked += args[i].n_untracked;
    }
    for (size_t i = 0; i < DPI_CONN_N_STRIPES; i++) {
        in_stripes += t->stripes[i].n;
    }
    created = __atomic_load_n(&t->created, __ATOMIC_RELAXED);
    evicted = __atomic_load_n(&t->evicted, __ATOMIC_RELAXED);
    print_message("created %"PRIu64", evicted %"PRIu64", untracked %d\n",
                  created, evicted, untracked);
    assert_int_equal(dpi_conn_table_n_flows(t), MAX);
    assert_int_equal(in_stripes, MAX);
    assert_int_equal(created + untracked, 2 * N);
    assert_int_equal(evicted, created - MAX);
    /* Eviction did its job: with two threads, a new connection finds an
     * evictable stripe (not all sampled stripes busy) nearly always. */
    assert_true(untracked <= N / 100);
    dpi_conn_table_destroy(t);
}

/* Lowering max_flows evicts down to the new limit before returning. */
static void
test_set_limits_shrinks_table_at_once(void **state)
{
    struct fixture fx;
    struct dpi_stats s;
    struct dump d;

    fixture_init(&fx, 100, 8, 60000);
    for (int i = 0; i < 50; i++) {
        struct dpi_pkt p = make_pkt(17, 1, 10000 + i, 2, 20000, 0, NULL, 0);

        process(&fx, &p, i);
    }
    dpi_engine_set_limits(fx.engine, 10, 8);
    s = get_stats(&fx);
    assert_int_equal(s.n_flows, 10);
    assert_int_equal(s.max_flows, 10);
    assert_int_equal(s.evicted, 40);
    dump(&fx, &d);
    assert_int_equal(d.n, 10);
    fixture_destroy(&fx);
}

/* With max_flows 0 nothing is tracked and every packet is unknown. */
static void
test_max_flows_zero_tracks_nothing(void **state)
{
    struct fixture fx;
    struct dpi_pkt p = make_pkt(6, 1, 40000, 2, 80, ACK, HTTP_GET,
                                strlen(HTTP_GET));
    struct dpi_verdict v;

    fixture_init(&fx, 0, 8, 60000);
    v = process(&fx, &p, 1);
    assert_int_equal(v.state, DPI_STATE_TRK | DPI_STATE_UNK);
    assert_int_equal(get_stats(&fx).n_flows, 0);
    fixture_destroy(&fx);
}

/* Expiry removes the connections idle for the timeout and keeps those that
 * saw a packet since. */
static void
test_idle_connections_expire_and_active_ones_stay(void **state)
{
    struct fixture fx;
    struct dpi_pkt a = make_pkt(17, 1, 1111, 2, 2222, 0, NULL, 0);
    struct dpi_pkt b = make_pkt(17, 1, 3333, 2, 4444, 0, NULL, 0);
    struct dpi_pkt b_reply = make_pkt(17, 2, 4444, 1, 3333, 0, NULL, 0);
    struct dpi_stats s;
    struct dump d;

    fixture_init(&fx, 100, 8, 1000);
    process(&fx, &a, 0);
    process(&fx, &b, 0);
    process(&fx, &b_reply, 900);

    assert_int_equal(dpi_engine_expire(fx.engine, 999), 0);
    assert_int_equal(dpi_engine_expire(fx.engine, 1500), 1);
    dump(&fx, &d);
    assert_int_equal(d.n, 1);
    assert_int_equal(d.flows[0].key.sport, 3333);
    s = get_stats(&fx);
    assert_int_equal(s.expired, 1);
    assert_int_equal(s.n_flows, 1);

    assert_int_equal(dpi_engine_expire(fx.engine, 1900), 1);
    assert_int_equal(get_stats(&fx).n_flows, 0);
    fixture_destroy(&fx);
}

/* A TCP connection closed by FINs from both sides expires after the short
 * closed timeout (10 s), well before the idle timeout; an open one does
 * not. */
static void
test_closed_tcp_connection_expires_early(void **state)
{
    struct fixture fx;
    struct dpi_pkt fin1 = make_pkt(6, 1, 40000, 2, 80, FIN | ACK, NULL, 0);
    struct dpi_pkt fin2 = make_pkt(6, 2, 80, 1, 40000, FIN | ACK, NULL, 0);
    struct dpi_pkt open = make_pkt(6, 1, 40001, 2, 80, ACK, NULL, 0);
    struct dump d;

    fixture_init(&fx, 100, 8, 120000);
    process(&fx, &fin1, 0);
    process(&fx, &fin2, 1);
    process(&fx, &open, 1);
    assert_int_equal(dpi_engine_expire(fx.engine, 5000), 0);
    assert_int_equal(dpi_engine_expire(fx.engine, 11000), 1);
    dump(&fx, &d);
    assert_int_equal(d.n, 1);
    assert_int_equal(d.flows[0].key.sport, 40001);
    fixture_destroy(&fx);
}

/* A connection whose first 'inspect_packets' payload packets match nothing
 * ends DPI_STATE_UNK and its inspection state is freed then. */
static void
test_inspection_state_freed_when_window_ends(void **state)
{
    struct fixture fx;
    struct dpi_pkt p = make_pkt(6, 1, 40000, 2, 7777, PSH | ACK, garbage,
                                sizeof garbage - 1);
    struct dpi_pkt r = make_pkt(6, 2, 7777, 1, 40000, PSH | ACK, garbage,
                                sizeof garbage - 1);
    struct dpi_verdict v;

    fixture_init(&fx, 100, 3, 60000);
    v = process(&fx, &p, 1);
    if (v.state & DPI_STATE_PEND) {
        assert_int_equal(dpi_engine_n_inspecting(fx.engine), 1);
        v = process(&fx, &r, 2);
    }
    if (v.state & DPI_STATE_PEND) {
        v = process(&fx, &p, 3);
    }
    /* The third payload packet at the latest closes the window. */
    assert_int_equal(v.state, DPI_STATE_TRK | DPI_STATE_UNK);
    assert_int_equal(v.app_id, 0);
    assert_int_equal(dpi_engine_n_inspecting(fx.engine), 0);

    /* Later packets keep the verdict and allocate nothing. */
    v = process(&fx, &p, 4);
    assert_int_equal(v.state, DPI_STATE_TRK | DPI_STATE_UNK);
    assert_int_equal(dpi_engine_n_inspecting(fx.engine), 0);
    fixture_destroy(&fx);
}

/* An HTTP request is classified DPI_STATE_DONE as HTTP, the inspection
 * state is freed at that verdict, and the metadata stays. */
static void
test_inspection_state_freed_at_final_verdict(void **state)
{
    struct fixture fx;
    struct dpi_pkt syn = make_pkt(6, 1, 40000, 2, 80, SYN, NULL, 0);
    struct dpi_pkt synack = make_pkt(6, 2, 80, 1, 40000, SYN | ACK,
                                     NULL, 0);
    struct dpi_pkt get = make_pkt(6, 1, 40000, 2, 80, PSH | ACK, HTTP_GET,
                                  strlen(HTTP_GET));
    struct dpi_verdict v;
    struct dump d;

    fixture_init(&fx, 100, 8, 60000);
    process(&fx, &syn, 1);
    process(&fx, &synack, 2);
    assert_int_equal(dpi_engine_n_inspecting(fx.engine), 0);
    get.tcp_seq = 1;
    v = process(&fx, &get, 3);
    assert_int_equal(v.state, DPI_STATE_TRK | DPI_STATE_DONE);
    assert_int_equal(v.app_proto, DPI_APP_http);
    assert_int_equal(dpi_engine_n_inspecting(fx.engine), 0);

    dump(&fx, &d);
    assert_int_equal(d.n, 1);
    assert_int_equal(d.flows[0].verdict.state,
                     DPI_STATE_TRK | DPI_STATE_DONE);
    assert_string_equal(d.mds[0].http_method, "GET");
    fixture_destroy(&fx);
}

/* Packets without payload (handshake, pure ACKs) do not count toward the
 * inspection window and allocate no inspection state. */
static void
test_pure_acks_do_not_count_toward_window(void **state)
{
    struct fixture fx;
    struct dpi_pkt ack = make_pkt(6, 1, 40000, 2, 80, ACK, NULL, 0);
    struct dpi_pkt get = make_pkt(6, 1, 40000, 2, 80, PSH | ACK, HTTP_GET,
                                  strlen(HTTP_GET));
    struct dpi_verdict v;

    fixture_init(&fx, 100, 1, 60000);
    for (int i = 0; i < 20; i++) {
        v = process(&fx, &ack, i);
        assert_int_equal(v.state, DPI_STATE_TRK | DPI_STATE_PEND);
    }
    assert_int_equal(dpi_engine_n_inspecting(fx.engine), 0);
    v = process(&fx, &get, 21);
    assert_int_equal(v.state, DPI_STATE_TRK | DPI_STATE_DONE);
    assert_int_equal(v.app_proto, DPI_APP_http);
    fixture_destroy(&fx);
}

/* A reset while still inspecting gives up at once: DPI_STATE_UNK and no
 * inspection state. */
static void
test_reset_while_pending_gives_unknown(void **state)
{
    struct fixture fx;
    struct dpi_pkt p = make_pkt(6, 1, 40000, 2, 7777, PSH | ACK, garbage,
                                4);
    struct dpi_pkt rst = make_pkt(6, 2, 7777, 1, 40000, RST, NULL, 0);
    struct dpi_verdict v;

    fixture_init(&fx, 100, 8, 60000);
    v = process(&fx, &p, 1);
    assert_int_equal(v.state, DPI_STATE_TRK | DPI_STATE_PEND);
    v = process(&fx, &rst, 2);
    assert_int_equal(v.state, DPI_STATE_TRK | DPI_STATE_UNK);
    assert_int_equal(dpi_engine_n_inspecting(fx.engine), 0);
    fixture_destroy(&fx);
}

/* A connection of an IP protocol other than TCP and UDP that the signature
 * file does not declare (PIM, 103) is tracked and counted but never
 * inspected: DPI_STATE_UNK from the first packet.  (Declared ones, such as
 * ICMP, are tested in test-engine.c.) */
static void
test_non_tcp_udp_connection_is_unknown_at_once(void **state)
{
    struct fixture fx;
    struct dpi_pkt echo = make_pkt(103, 1, 0, 2, 0, 0, NULL, 0);
    struct dpi_pkt reply = make_pkt(103, 2, 0, 1, 0, 0, NULL, 0);
    struct dpi_verdict v;
    struct dump d;

    fixture_init(&fx, 100, 8, 60000);
    v = process(&fx, &echo, 1);
    assert_int_equal(v.state, DPI_STATE_TRK | DPI_STATE_UNK);
    v = process(&fx, &reply, 2);
    assert_int_equal(v.state, DPI_STATE_TRK | DPI_STATE_UNK);
    dump(&fx, &d);
    assert_int_equal(d.n, 1);
    assert_int_equal(d.flows[0].packets[0], 1);
    assert_int_equal(d.flows[0].packets[1], 1);
    fixture_destroy(&fx);
}

/* A non-first IP fragment maps to its own port-less connection, which is
 * not inspected. */
static void
test_non_first_fragment_is_unknown(void **state)
{
    struct fixture fx;
    struct dpi_pkt frag = make_pkt(17, 1, 0, 2, 0, 0, NULL, 0);
    struct dpi_verdict v;

    frag.is_fragment = 1;
    fixture_init(&fx, 100, 8, 60000);
    v = process(&fx, &frag, 1);
    assert_int_equal(v.state, DPI_STATE_TRK | DPI_STATE_UNK);
    assert_int_equal(dpi_engine_n_inspecting(fx.engine), 0);
    assert_int_equal(get_stats(&fx).n_flows, 1);
    fixture_destroy(&fx);
}

/* A smaller inspection window applies to connections still inspecting. */
static void
test_smaller_window_applies_to_pending_connections(void **state)
{
    struct fixture fx;
    struct dpi_pkt p = make_pkt(6, 1, 40000, 2, 7777, PSH | ACK, garbage,
                                4);
    struct dpi_verdict v;

    fixture_init(&fx, 100, 10, 60000);
    v = process(&fx, &p, 1);
    assert_int_equal(v.state, DPI_STATE_TRK | DPI_STATE_PEND);
    v = process(&fx, &p, 2);
    assert_int_equal(v.state, DPI_STATE_TRK | DPI_STATE_PEND);
    dpi_engine_set_limits(fx.engine, 100, 2);
    v = process(&fx, &p, 3);
    assert_int_equal(v.state, DPI_STATE_TRK | DPI_STATE_UNK);
    assert_int_equal(dpi_engine_n_inspecting(fx.engine), 0);
    fixture_destroy(&fx);
}

/* Per-application statistics attribute a connection's flow, packets and
 * bytes to its application, including the packets seen before it was
 * classified, and add up to the engine totals. */
static void
test_app_stats_follow_the_verdict(void **state)
{
    struct fixture fx;
    struct dpi_pkt syn = make_pkt(6, 1, 40000, 2, 80, SYN, NULL, 0);
    struct dpi_pkt get = make_pkt(6, 1, 40000, 2, 80, PSH | ACK, HTTP_GET,
                                  strlen(HTTP_GET));
    struct dpi_pkt ack = make_pkt(6, 2, 80, 1, 40000, ACK, NULL, 0);
    struct dpi_pkt other = make_pkt(17, 3, 5000, 4, 6000, 0, garbage, 4);
    uint64_t http_bytes = syn.frame_len + get.frame_len + ack.frame_len;
    uint64_t flows = 0, packets = 0, bytes = 0;
    const struct dpi_app_stats *http = NULL;
    struct dpi_stats s;
    struct dpi_verdict v;

    fixture_init(&fx, 100, 8, 60000);
    process(&fx, &syn, 1);
    get.tcp_seq = 1;
    v = process(&fx, &get, 2);
    process(&fx, &ack, 3);
    process(&fx, &other, 4);

    dpi_engine_get_stats(fx.engine, &s);
    for (size_t i = 0; i < s.n_apps; i++) {
        if (s.apps[i].app_id == v.app_id) {
            http = &s.apps[i];
        }
        if (i) {
            assert_true(s.apps[i].app_id > s.apps[i - 1].app_id);
        }
        flows += s.apps[i].flows;
        packets += s.apps[i].packets;
        bytes += s.apps[i].bytes;
    }
    assert_int_not_equal(v.app_id, 0);
    assert_non_null(http);
    assert_int_equal(http->flows, 1);
    assert_int_equal(http->packets, 3);
    assert_int_equal(http->bytes, http_bytes);
    assert_int_equal(flows, 2);
    assert_int_equal(packets, 4);
    assert_int_equal(packets, s.packets);
    assert_int_equal(bytes, http_bytes + other.frame_len);
    dpi_stats_destroy(&s);
    fixture_destroy(&fx);
}

/* Packets the caller could not parse are counted as bad. */
static void
test_bad_packets_are_counted(void **state)
{
    struct fixture fx;
    struct dpi_stats s;

    fixture_init(&fx, 100, 8, 60000);
    dpi_worker_count_bad_packet(fx.worker);
    dpi_worker_count_bad_packet(fx.worker);
    s = get_stats(&fx);
    assert_int_equal(s.bad_packets, 2);
    assert_int_equal(s.packets, 0);
    fixture_destroy(&fx);
}

/* Statistics survive the destruction of the worker that counted them. */
static void
test_stats_survive_worker_destruction(void **state)
{
    struct fixture fx;
    struct dpi_pkt p = make_pkt(17, 1, 5000, 2, 6000, 0, NULL, 0);
    struct dpi_stats s;

    fixture_init(&fx, 100, 8, 60000);
    process(&fx, &p, 1);
    process(&fx, &p, 2);
    dpi_worker_destroy(fx.worker);
    fx.worker = dpi_worker_create(fx.engine);
    dpi_engine_get_stats(fx.engine, &s);
    assert_int_equal(s.packets, 2);
    assert_int_equal(s.n_apps, 1);
    assert_int_equal(s.apps[0].app_id, 0);
    assert_int_equal(s.apps[0].flows, 1);
    assert_int_equal(s.apps[0].packets, 2);
    dpi_stats_destroy(&s);
    fixture_destroy(&fx);
}

/* dpi_engine_dump() callback: stores the round-trip time and the
 * application response time of the (only) connection in the two numbers
 * at 'aux', UINT64_MAX for one that is not there. */
static void
timing_cb(const struct dpi_flow_info *info, void *aux)
{
    uint64_t *t = aux;

    if (!dpi_md_get_u64(info->md, DPI_F_rtt_us, &t[0])) {
        t[0] = UINT64_MAX;
    }
    if (!dpi_md_get_u64(info->md, DPI_F_art_us, &t[1])) {
        t[1] = UINT64_MAX;
    }
}

/* The handshake's round-trip time (SYN to the client's ACK) and the
 * response time (first request byte to first response byte) come from the
 * packets' own times, also when the first packet's time is earlier than
 * the 'now_ms' it is processed at (a caller whose packet clock lags its
 * processing clock): 1,400 us and 300 us here. */
static void
test_timing_with_packet_time_before_now(void **state)
{
    static const char resp[] = "HTTP/1.1 200 OK\r\n\r\n";
    struct dpi_pkt syn = make_pkt(6, 1, 40000, 2, 80, SYN, NULL, 0);
    struct dpi_pkt synack = make_pkt(6, 2, 80, 1, 40000, SYN | ACK,
                                     NULL, 0);
    struct dpi_pkt ack = make_pkt(6, 1, 40000, 2, 80, ACK, NULL, 0);
    struct dpi_pkt req = make_pkt(6, 1, 40000, 2, 80, PSH | ACK,
                                  HTTP_GET, strlen(HTTP_GET));
    struct dpi_pkt rsp = make_pkt(6, 2, 80, 1, 40000, PSH | ACK,
                                  resp, strlen(resp));
    uint64_t t[2] = { 0, 0 };
    struct fixture fx;

    (void) state;
    fixture_init(&fx, 100, 8, 120000);
    syn.ts_us = 999500;
    synack.ts_us = 1000200;
    ack.ts_us = 1000900;
    req.ts_us = 1000950;
    rsp.ts_us = 1001250;
    process(&fx, &syn, 1000);
    process(&fx, &synack, 1000);
    process(&fx, &ack, 1001);
    process(&fx, &req, 1001);
    process(&fx, &rsp, 1001);
    dpi_engine_dump(fx.engine, timing_cb, t);
    assert_int_equal(t[0], 1400);
    assert_int_equal(t[1], 300);
    fixture_destroy(&fx);
}

/* The connection struct stays as compact as documented. */
static void
test_connection_struct_is_compact(void **state)
{
    assert_true(sizeof(struct dpi_conn) <= 128);
}

/* Turns 'pkt' around: source and destination swapped. */
static void
reverse_pkt(struct dpi_pkt *pkt)
{
    struct dpi_addr a = pkt->key.src;
    uint16_t p = pkt->key.sport;

    pkt->key.src = pkt->key.dst;
    pkt->key.dst = a;
    pkt->key.sport = pkt->key.dport;
    pkt->key.dport = p;
}

/* Returns the number of connection blocks the stripes of 't' hold. */
static size_t
count_conn_blocks(struct dpi_conn_table *t)
{
    size_t n = 0;

    for (size_t i = 0; i < DPI_CONN_N_STRIPES; i++) {
        n += t->stripes[i].n_blocks;
    }
    return n;
}

/* Looks up the connection of 'pkt' in 't' at 'now_ms', asserts that it
 * was found or created and that it was created if and only if 'new', and
 * returns it with its stripe unlocked. */
static struct dpi_conn *
table_lookup(struct dpi_conn_table *t, const struct dpi_pkt *pkt,
             uint64_t now_ms, bool new)
{
    struct dpi_conn_stripe *s;
    struct dpi_conn *c;
    bool created;

    c = dpi_conn_table_lookup(t, pkt, now_ms, &created, &s);
    assert_non_null(c);
    assert_true(created == new);
    dpi_conn_table_unlock(s);
    return c;
}

/* Adds 'n' UDP connections from 10.0.'x'.0 ports 1000 to 1000 + 'n' - 1 to
 * 't' at 'now_ms'. */
static void
add_conns(struct dpi_conn_table *t, uint8_t x, int n, uint64_t now_ms)
{
    for (int i = 0; i < n; i++) {
        struct dpi_pkt pkt = make_pkt(17, 1, (uint16_t) (1000 + i), 2, 53,
                                      0, NULL, 0);

        pkt.key.src.b[14] = x;
        table_lookup(t, &pkt, now_ms, true);
    }
}

/* The hash spreads connections that differ only in their addresses' or
 * ports' low bits (as a client's connections, or a subnet's, do) evenly
 * over the stripes: with 65,536 of them, 256 per stripe on average, no
 * stripe gets more than 1.5 times that or less than half.  Each direction
 * of a connection finds it. */
static void
test_hash_spreads_connections_over_stripes(void **state)
{
    struct dpi_conn_table *t = dpi_conn_table_create(1 << 17);
    uint32_t lo = UINT32_MAX, hi = 0;

    (void) state;
    assert_non_null(t);
    for (int i = 0; i < 65536; i++) {
        struct dpi_pkt pkt = make_pkt(6, 1, (uint16_t) (1024 + i % 256), 2,
                                      443, 0, NULL, 0);
        struct dpi_conn *c;

        pkt.key.src.b[13] = (uint8_t) (i >> 8);
        c = table_lookup(t, &pkt, 0, true);
        reverse_pkt(&pkt);
        assert_true(table_lookup(t, &pkt, 0, false) == c);
    }
    for (size_t i = 0; i < DPI_CONN_N_STRIPES; i++) {
        uint32_t n = t->stripes[i].n;

        lo = n < lo ? n : lo;
        hi = n > hi ? n : hi;
    }
    assert_true(lo >= 128);
    assert_true(hi <= 384);
    dpi_conn_table_destroy(t);
}

/* Connections that expire go back to their stripes' stores and are used
 * again: the same 3,000 connections, created again after they all
 * expired, land in the same stripes and allocate nothing more. */
static void
test_expired_connections_are_reused(void **state)
{
    struct dpi_conn_table *t = dpi_conn_table_create(10000);
    size_t blocks;

    (void) state;
    assert_non_null(t);
    add_conns(t, 1, 3000, 0);
    blocks = count_conn_blocks(t);
    assert_true(blocks >= 3000 / 32 && blocks <= 3000);
    assert_int_equal(dpi_conn_table_expire(t, 100000, 1000), 3000);
    assert_int_equal(dpi_conn_table_n_flows(t), 0);
    add_conns(t, 1, 3000, 100000);
    assert_int_equal(dpi_conn_table_n_flows(t), 3000);
    assert_int_equal(count_conn_blocks(t), blocks);
    dpi_conn_table_destroy(t);
}

/* dpi_conn_table_dump() callback: counts the connections. */
static void
count_cb(const struct dpi_flow_info *info, void *n_)
{
    size_t *n = n_;

    (void) info;
    (*n)++;
}

/* Asserts that 'idx' names a slot of stripe 's' that 'seen' (one byte per
 * slot) does not mark yet, and marks it. */
static void
mark_slot(const struct dpi_conn_stripe *s, uint8_t *seen, uint32_t idx)
{
    assert_true(idx >= 1 && idx <= s->n_blocks * DPI_CONN_PER_BLOCK);
    assert_int_equal(seen[idx - 1], 0);
    seen[idx - 1] = 1;
}

/* Asserts that the lists and counts of every stripe of 't' agree: its LRU
 * lists hold its 'n' connections, each found again by its key (and each on
 * the closed list closed), and its free list and its two lists of expired
 * connections the 'n_free' and 'n_stale' other slots of its blocks, each
 * slot in one list once.  Returns the number of connections. */
static size_t
check_table_lists(struct dpi_conn_table *t)
{
    size_t total = 0;

    for (size_t i = 0; i < DPI_CONN_N_STRIPES; i++) {
        struct dpi_conn_stripe *s = &t->stripes[i];
        uint8_t *seen = calloc(s->n_blocks * DPI_CONN_PER_BLOCK + 1, 1);
        uint32_t n = 0, n_free = 0;

        assert_non_null(seen);
        for (unsigned int l = 0; l < DPI_CONN_N_LRU; l++) {
            uint32_t prev = 0;

            for (uint32_t idx = s->lru[l].front; idx;) {
                struct dpi_conn *c;
                struct dpi_conn_stripe *found_s;
                bool to_server;

                mark_slot(s, seen, idx);
                c = dpi_conn_at(s, idx);
                assert_int_equal(c->lru_prev, prev);
                assert_int_equal(c->lru_list, l);
                assert_true(l != DPI_CONN_LRU_CLOSED
                            || dpi_conn_is_closed(c));
                assert_ptr_equal(dpi_conn_table_find(t, &c->key, false,
                                                     &to_server, &found_s),
                                 c);
                dpi_conn_table_unlock(found_s);
                prev = idx;
                idx = c->lru_next;
                n++;
            }
            assert_int_equal(s->lru[l].back, prev);
        }
        assert_int_equal(n, s->n);
        for (uint32_t idx = s->free; idx; n_free++) {
            struct dpi_conn *c;

            mark_slot(s, seen, idx);
            c = dpi_conn_at(s, idx);
            ASAN_UNPOISON_MEMORY_REGION(c, sizeof *c);
            idx = c->hnext;
            ASAN_POISON_MEMORY_REGION(c, sizeof *c);
        }
        assert_int_equal(n_free, s->n_free);
        for (int l = 0; l < 2; l++) {
            uint32_t n_stale = 0;

            for (uint32_t idx = s->stale[l]; idx; n_stale++) {
                struct dpi_conn *c = dpi_conn_at(s, idx);

                mark_slot(s, seen, idx);
                ASAN_UNPOISON_MEMORY_REGION(c, sizeof *c);
                idx = c->hnext;
                ASAN_POISON_MEMORY_REGION(c, sizeof *c);
            }
            assert_int_equal(n_stale, s->n_stale[l]);
            n_free += n_stale;
        }
        assert_int_equal(n + n_free, s->n_blocks * DPI_CONN_PER_BLOCK);

        /* The hash chains hold the stripe's connections (each of which
         * dpi_conn_table_find() found above) and nothing else. */
        assert_true(s->split <= s->mask);
        n = 0;
        for (uint32_t b = 0; b < s->mask + 1 + s->split; b++) {
            for (uint32_t idx = s->buckets[b]; idx;
                 idx = dpi_conn_at(s, idx)->hnext) {
                n++;
            }
        }
        assert_int_equal(n, s->n);
        free(seen);
        total += n;
    }
    return total;
}

/* A stripe's hash buckets grow a few at a time, with its connections:
 * each new connection that finds the stripe with three quarters as many
 * connections as buckets first splits 16 buckets (linear hashing), so
 * that the stripe never rehashes all its connections at once.  With
 * 60,000 connections (about 234 per stripe, so that every stripe crosses
 * a round's end at 128 or 256 buckets), every stripe has the fewest
 * buckets, a multiple of 16, that held three quarters of its connections
 * but the last, and every connection is found in its bucket. */
static void
test_buckets_grow_a_few_at_a_time(void **state)
{
    struct dpi_conn_table *t = dpi_conn_table_create(1 << 17);

    (void) state;
    assert_non_null(t);
    add_conns(t, 1, 60000, 0);
    for (size_t i = 0; i < DPI_CONN_N_STRIPES; i++) {
        const struct dpi_conn_stripe *s = &t->stripes[i];
        uint32_t buckets = 16;

        while (s->n && s->n - 1 >= buckets - buckets / 4) {
            buckets += 16;
        }
        assert_int_equal(s->mask + 1 + s->split, buckets);
    }
    assert_int_equal(check_table_lists(t), 60000);
    dpi_conn_table_destroy(t);
}

/* Expiry among survivors: of 20,000 connections (several blocks per
 * stripe), every second one is seen again later, so that the ones that
 * expire lie between survivors in the stripes' blocks and behind them in
 * the LRU lists.  The survivors are all found again, the expired ones are
 * created anew in the slots they left (no block added), and the lists and
 * counts agree. */
static void
test_expiry_between_survivors_keeps_links(void **state)
{
    enum { N = 20000 };
    struct dpi_conn_table *t = dpi_conn_table_create(N);
    size_t blocks, n_dumped = 0;

    (void) state;
    assert_non_null(t);
    for (int pass = 0; pass < 3; pass++) {
        for (int i = 0; i < N; i++) {
            struct dpi_pkt pkt = make_pkt(17, 1, (uint16_t) (1024 + i % 4096),
                                          2, 53, 0, NULL, 0);

            pkt.key.src.b[13] = (uint8_t) (i / 4096);
            if (pass == 0) {
                table_lookup(t, &pkt, (uint64_t) i, true);
            } else if (pass == 1 && i % 2 == 0) {
                /* The engine, not the table, keeps 'last_ms'. */
                table_lookup(t, &pkt, 50000, false)->last_ms = 50000;
            } else if (pass == 2) {
                table_lookup(t, &pkt, 60000, i % 2);
            }
        }
        if (pass == 0) {
            blocks = count_conn_blocks(t);
            assert_true(blocks >= N / DPI_CONN_PER_BLOCK);
        } else if (pass == 1) {
            assert_int_equal(dpi_conn_table_expire(t, 60000, 20000), N / 2);
            assert_int_equal(dpi_conn_table_n_flows(t), N / 2);
            check_table_lists(t);
        }
    }
    assert_int_equal(dpi_conn_table_n_flows(t), N);
    assert_int_equal(count_conn_blocks(t), blocks);
    check_table_lists(t);
    dpi_conn_table_dump(t, count_cb, &n_dumped);
    assert_int_equal(n_dumped, N);
    dpi_conn_table_destroy(t);
}

/* Returns the number of expired connections on list 'l' (0 for the newer,
 * 1 for the older) of every stripe of 't' whose metadata buffer is still
 * there, asserting that each has one. */
static size_t
count_stale_with_md(struct dpi_conn_table *t, int l)
{
    size_t n = 0;

    for (size_t i = 0; i < DPI_CONN_N_STRIPES; i++) {
        struct dpi_conn_stripe *s = &t->stripes[i];

        for (uint32_t idx = s->stale[l]; idx; n++) {
            struct dpi_conn *c = dpi_conn_at(s, idx);

            ASAN_UNPOISON_MEMORY_REGION(c, sizeof *c);
            assert_non_null(c->md_buf);
            idx = c->hnext;
            ASAN_POISON_MEMORY_REGION(c, sizeof *c);
        }
    }
    return n;
}

/* The expiry sweep takes expired connections out of the table but leaves
 * their memory (here a metadata buffer each) to the threads that look up
 * packets: a lookup in a stripe frees that of up to three (one reused by
 * a new connection), the oldest first.  What no lookup freed by the next
 * sweep but one, that sweep frees.  The table frees the rest when it is
 * destroyed (AddressSanitizer's leak check would tell otherwise). */
static void
test_expired_memory_freed_by_lookups_or_later_sweeps(void **state)
{
    enum { N = 3000 };
    struct dpi_conn_table *t = dpi_conn_table_create(N);
    struct dpi_conn_stripe *s;
    struct dpi_pkt pkt;

    (void) state;
    assert_non_null(t);
    for (int i = 0; i < N; i++) {
        pkt = make_pkt(17, 1, (uint16_t) (1000 + i), 2, 53, 0, NULL, 0);
        table_lookup(t, &pkt, 1000, true)->md_buf = malloc(40);
    }
    assert_int_equal(dpi_conn_table_expire(t, 100000, 1000), N);
    assert_int_equal(dpi_conn_table_n_flows(t), 0);
    assert_int_equal(count_stale_with_md(t, 0), N);
    assert_int_equal(count_stale_with_md(t, 1), 0);
    check_table_lists(t);

    /* A new connection: its stripe, and no other, has three fewer
     * (it had more than three, as stripes here have about 12). */
    uint32_t stale_before[DPI_CONN_N_STRIPES];
    bool created;

    for (size_t i = 0; i < DPI_CONN_N_STRIPES; i++) {
        stale_before[i] = t->stripes[i].n_stale[0];
    }
    pkt = make_pkt(17, 3, 1000, 2, 53, 0, NULL, 0);
    assert_non_null(dpi_conn_table_lookup(t, &pkt, 100000, &created, &s)
                    ->md_buf = malloc(40));
    dpi_conn_table_unlock(s);
    assert_true(created);
    for (size_t i = 0; i < DPI_CONN_N_STRIPES; i++) {
        const struct dpi_conn_stripe *si = &t->stripes[i];

        if (si == s) {
            assert_true(stale_before[i] > 3);
            assert_int_equal(si->n_stale[0], stale_before[i] - 3);
        } else {
            assert_int_equal(si->n_stale[0], stale_before[i]);
        }
    }
    assert_int_equal(count_stale_with_md(t, 0), N - 3);
    check_table_lists(t);

    /* The next sweep frees nothing, the one after frees the rest. */
    assert_int_equal(dpi_conn_table_expire(t, 100001, 1000), 0);
    assert_int_equal(count_stale_with_md(t, 0), 0);
    assert_int_equal(count_stale_with_md(t, 1), N - 3);
    assert_int_equal(dpi_conn_table_expire(t, 100002, 1000), 0);
    assert_int_equal(count_stale_with_md(t, 1), 0);
    assert_int_equal(check_table_lists(t), 1);

    /* Expired, then destroyed before any sweep or lookup frees them (the
     * last of these evicts one: the table is full). */
    for (int i = 0; i < N; i++) {
        pkt = make_pkt(17, 4, (uint16_t) (1000 + i), 2, 53, 0, NULL, 0);
        table_lookup(t, &pkt, 200000, true)->md_buf = malloc(40);
    }
    assert_int_equal(dpi_conn_table_expire(t, 300000, 1000), N);
    assert_int_equal(count_stale_with_md(t, 0), N);
    dpi_conn_table_destroy(t);
}

/* Looks up, creating it if need be, the connection of 'pkt' in 't' at
 * 'now_ms', sets 'flags' (DPI_CONN_FIN_* or DPI_CONN_RST) in it and notes
 * that it closed, as the engine does, and returns it, its stripe unlocked.
 */
static struct dpi_conn *
close_conn(struct dpi_conn_table *t, const struct dpi_pkt *pkt,
           uint64_t now_ms, uint8_t flags)
{
    struct dpi_conn_stripe *s;
    struct dpi_conn *c;
    bool created;

    c = dpi_conn_table_lookup(t, pkt, now_ms, &created, &s);
    assert_non_null(c);
    c->flags |= flags;
    dpi_conn_table_note_closed(s, c);
    dpi_conn_table_unlock(s);
    return c;
}

/* Closed TCP connections leave the list of open ones for their stripe's
 * list of closed ones (dpi_conn_table_note_closed()), from which they
 * expire after the closed timeout, even behind open connections that have
 * been idle longer (which the expiry does not walk past); a SYN that
 * restarts one takes it back to the open list.  Lists and counts agree
 * throughout. */
static void
test_closed_connections_have_their_own_list(void **state)
{
    enum { N = 600 };
    struct dpi_conn_table *t = dpi_conn_table_create(2 * N);

    (void) state;
    assert_non_null(t);
    /* N open connections idle since 0, then N closed ones since 1000. */
    add_conns(t, 1, N, 0);
    for (int i = 0; i < N; i++) {
        struct dpi_pkt pkt = make_pkt(6, 3, (uint16_t) (1000 + i), 4, 80,
                                      FIN | ACK, NULL, 0);
        struct dpi_conn *c;

        /* Noted twice: it stays on the closed list. */
        for (int k = 0; k < 2; k++) {
            c = close_conn(t, &pkt, 1000,
                           DPI_CONN_FIN_C2S | DPI_CONN_FIN_S2C);
            assert_int_equal(c->lru_list, DPI_CONN_LRU_CLOSED);
        }
    }
    assert_int_equal(check_table_lists(t), 2 * N);

    /* 11 s after: the closed ones go, the open ones (idle 11 s) stay. */
    assert_int_equal(dpi_conn_table_expire(t, 11000, 120000), N);
    assert_int_equal(check_table_lists(t), N);

    /* A restarted connection is open again. */
    for (int i = 0; i < 2; i++) {
        struct dpi_pkt fin = make_pkt(6, 5, 2000, 6, 80, RST, NULL, 0);
        struct dpi_pkt syn = make_pkt(6, 5, 2000, 6, 80, SYN, NULL, 0);
        struct dpi_conn_stripe *s;
        struct dpi_conn *c;
        bool created;

        close_conn(t, &fin, 12000, DPI_CONN_RST);
        assert_int_equal(check_table_lists(t), N + 1);

        c = dpi_conn_table_lookup(t, &syn, 12001, &created, &s);
        assert_false(created);
        dpi_conn_restart(t, s, c, &syn, 12001);
        assert_int_equal(c->lru_list, DPI_CONN_LRU_OPEN);
        assert_false(dpi_conn_is_closed(c));
        dpi_conn_table_unlock(s);
        assert_int_equal(check_table_lists(t), N + 1);
    }

    /* Past the idle timeout, everything goes. */
    assert_int_equal(dpi_conn_table_expire(t, 200000, 120000), N + 1);
    assert_int_equal(check_table_lists(t), 0);
    dpi_conn_table_destroy(t);
}

/* Closed connections expire even behind open ones whose latest packet is
 * later than the sweep's time (another thread's clock ran ahead), however
 * many: here about 470 per stripe, more than one batch. */
static void
test_closed_connections_expire_behind_future_ones(void **state)
{
    enum { N = 60000, M = 600 };
    struct dpi_conn_table *t = dpi_conn_table_create(2 * N + M);

    (void) state;
    assert_non_null(t);
    add_conns(t, 1, N, 300000);
    add_conns(t, 2, N, 300000);
    for (int i = 0; i < M; i++) {
        struct dpi_pkt pkt = make_pkt(6, 3, (uint16_t) (1000 + i), 4, 80,
                                      RST, NULL, 0);

        close_conn(t, &pkt, 200000, DPI_CONN_RST);
    }
    assert_int_equal(dpi_conn_table_expire(t, 250000, 120000), M);
    assert_int_equal(check_table_lists(t), 2 * N);
    dpi_conn_table_destroy(t);
}

/* Asserts what check_table_lists() does, and that no stripe of 't' holds
 * more blocks than its connections need, nor buckets of a later round than
 * the first (a power of 2) in which they stay below the load that splits
 * buckets, or the one before. */
static void
check_trimmed_table(struct dpi_conn_table *t)
{
    check_table_lists(t);
    for (size_t i = 0; i < DPI_CONN_N_STRIPES; i++) {
        const struct dpi_conn_stripe *s = &t->stripes[i];
        uint32_t buckets = 16;

        assert_int_equal(s->n_blocks,
                         (s->n + DPI_CONN_PER_BLOCK - 1) / DPI_CONN_PER_BLOCK);
        while (s->n > buckets - buckets / 4) {
            buckets *= 2;
        }
        assert_true(s->mask + 1 == buckets || 2 * (s->mask + 1) == buckets);
    }
}

/* Lowering 'max_flows' a little, so that no connection is evicted, leaves
 * the stripes' buckets as they were: a stripe rehashes its connections
 * into fewer buckets only if they fit in an earlier round, not to undo
 * part of the current round's splits, which the next connections would
 * only make again. */
static void
test_small_lowering_keeps_buckets(void **state)
{
    struct dpi_conn_table *t = dpi_conn_table_create(1 << 17);
    uint32_t masks[DPI_CONN_N_STRIPES], splits[DPI_CONN_N_STRIPES];
    size_t n_split = 0;

    (void) state;
    assert_non_null(t);
    add_conns(t, 1, 60000, 0);
    for (size_t i = 0; i < DPI_CONN_N_STRIPES; i++) {
        masks[i] = t->stripes[i].mask;
        splits[i] = t->stripes[i].split;
        n_split += splits[i] != 0;
    }
    assert_true(n_split > DPI_CONN_N_STRIPES / 2);
    dpi_conn_table_set_max(t, (1 << 17) - 1);
    for (size_t i = 0; i < DPI_CONN_N_STRIPES; i++) {
        assert_int_equal(t->stripes[i].mask, masks[i]);
        assert_int_equal(t->stripes[i].split, splits[i]);
    }
    assert_int_equal(check_table_lists(t), 60000);
    dpi_conn_table_destroy(t);
}

/* Returns a UDP packet of connection number 'i' (below 65536) of
 * generation 'gen'. */
static struct dpi_pkt
trim_pkt(uint32_t i, uint8_t gen)
{
    struct dpi_pkt pkt = make_pkt(17, 1, (uint16_t) (1024 + i % 4096), 2,
                                  53, 0, NULL, 0);

    pkt.key.src.b[13] = (uint8_t) (i / 4096);
    pkt.key.src.b[12] = gen;
    return pkt;
}

/* Returns how many of the 'n' connections of generation 0 of trim_pkt()
 * 't' holds, asserting that each one found holds its own number in
 * 'packets[0]'. */
static size_t
count_first_gen(struct dpi_conn_table *t, uint32_t n)
{
    size_t n_found = 0;

    for (uint32_t i = 0; i < n; i++) {
        struct dpi_pkt pkt = trim_pkt(i, 0);
        struct dpi_conn_stripe *s;
        struct dpi_conn *c;
        bool to_server;

        c = dpi_conn_table_find(t, &pkt.key, false, &to_server, &s);
        if (c) {
            assert_int_equal(c->packets[0], i);
            dpi_conn_table_unlock(s);
            n_found++;
        }
    }
    return n_found;
}

/* Lowering 'max_flows' gives back the blocks and buckets that the
 * connections left no longer need.  The survivors of each stripe are its
 * most recently used connections, in the same LRU order as before, each
 * with its own contents although most moved to another slot; and the
 * table then grows again as before. */
static void
test_set_max_gives_memory_back(void **state)
{
    enum { N = 20000, M = 1000 };
    struct dpi_conn_table *t = dpi_conn_table_create(N);
    static uint64_t order[DPI_CONN_N_STRIPES][N / 32];
    uint32_t n_order[DPI_CONN_N_STRIPES];
    size_t blocks;

    (void) state;
    assert_non_null(t);
    for (uint32_t i = 0; i < N; i++) {
        struct dpi_pkt pkt = trim_pkt(i, 0);

        table_lookup(t, &pkt, i, true)->packets[0] = i;
    }
    /* Every third one again, so that the LRU lists are not in order of
     * creation. */
    for (uint32_t i = 0; i < N; i += 3) {
        struct dpi_pkt pkt = trim_pkt(i, 0);

        table_lookup(t, &pkt, N + i, false);
    }
    blocks = count_conn_blocks(t);
    assert_true(blocks >= N / DPI_CONN_PER_BLOCK);
    for (size_t i = 0; i < DPI_CONN_N_STRIPES; i++) {
        struct dpi_conn_stripe *s = &t->stripes[i];

        n_order[i] = 0;
        assert_int_equal(s->lru[DPI_CONN_LRU_CLOSED].front, 0);
        for (uint32_t idx = s->lru[DPI_CONN_LRU_OPEN].front; idx;) {
            struct dpi_conn *c = dpi_conn_at(s, idx);

            assert_true(n_order[i] < N / 32);
            order[i][n_order[i]++] = c->packets[0];
            idx = c->lru_next;
        }
    }

    dpi_conn_table_set_max(t, M);
    assert_int_equal(dpi_conn_table_n_flows(t), M);
    check_trimmed_table(t);
    assert_true(count_conn_blocks(t) <= M / DPI_CONN_PER_BLOCK
                                        + DPI_CONN_N_STRIPES);
    assert_true(count_conn_blocks(t) < blocks / 2);
    for (size_t i = 0; i < DPI_CONN_N_STRIPES; i++) {
        struct dpi_conn_stripe *s = &t->stripes[i];
        uint32_t k = 0;

        for (uint32_t idx = s->lru[DPI_CONN_LRU_OPEN].front; idx; k++) {
            struct dpi_conn *c = dpi_conn_at(s, idx);
            struct dpi_pkt pkt = trim_pkt((uint32_t) c->packets[0], 0);

            assert_int_equal(c->packets[0], order[i][k]);
            assert_memory_equal(&c->key, &pkt.key, sizeof c->key);
            idx = c->lru_next;
        }
    }
    assert_int_equal(count_first_gen(t, N), M);

    /* Room again: new connections fill the table, the old ones stay. */
    dpi_conn_table_set_max(t, N);
    for (uint32_t i = 0; i < N - M; i++) {
        struct dpi_pkt pkt = trim_pkt(i, 1);

        table_lookup(t, &pkt, 3 * N, true)->packets[0] = N + i;
    }
    assert_int_equal(dpi_conn_table_n_flows(t), N);
    assert_int_equal(count_first_gen(t, N), M);
    dpi_conn_table_set_max(t, 0);
    assert_int_equal(count_conn_blocks(t), 0);
    check_trimmed_table(t);
    dpi_conn_table_destroy(t);
}

/* Arguments of trim_traffic_thread(). */
struct trim_traffic_arg {
    struct dpi_conn_table *table; /* Table to send packets to. */
    uint64_t now_ms;            /* Latest packet time (atomic). */
    bool stop;                  /* Set by the main thread to stop (atomic). */
};

/* Sends packets of 50,000 connections, round and round, to 'arg->table'
 * until told to stop, stamping each connection with the packet's time as
 * the engine does. */
static void *
trim_traffic_thread(void *arg_)
{
    struct trim_traffic_arg *arg = arg_;

    for (uint32_t k = 0; !__atomic_load_n(&arg->stop, __ATOMIC_RELAXED);
         k++) {
        struct dpi_pkt pkt = trim_pkt(k * 7919 % 50000, 2);
        uint64_t now = k / 16;
        struct dpi_conn_stripe *s;
        struct dpi_conn *c;
        bool created;

        c = dpi_conn_table_lookup(arg->table, &pkt, now, &created, &s);
        if (!c) {
            continue;
        }
        c->last_ms = now;
        dpi_conn_table_unlock(s);
        __atomic_store_n(&arg->now_ms, now, __ATOMIC_RELAXED);
    }
    return NULL;
}

/* Expires the connections of 'arg->table' idle for 2 ms or more, over
 * and over, until told to stop: dpi_conn_table_expire() takes them out of
 * their stripes and frees them with the stripe's mutex released, which
 * dpi_conn_stripe_trim() must notice. */
static void *
trim_expire_thread(void *arg_)
{
    struct trim_traffic_arg *arg = arg_;

    while (!__atomic_load_n(&arg->stop, __ATOMIC_RELAXED)) {
        dpi_conn_table_expire(arg->table,
                              __atomic_load_n(&arg->now_ms,
                                              __ATOMIC_RELAXED), 2);
    }
    return NULL;
}

/* The table gives memory back while one thread sends packets and another
 * expires connections: as the capacity goes down and up in turn, the
 * lists and counts stay consistent (and under AddressSanitizer no block
 * is freed while expiry still holds a connection of it); once the threads
 * are gone, the table fills up again and shrinks to its new capacity. */
static void
test_set_max_concurrent_with_traffic_and_expiry(void **state)
{
    struct trim_traffic_arg arg;
    struct dpi_conn_table *t = dpi_conn_table_create(50000);
    pthread_t traffic, expire;

    (void) state;
    assert_non_null(t);
    memset(&arg, 0, sizeof arg);
    arg.table = t;
    assert_int_equal(pthread_create(&traffic, NULL, trim_traffic_thread,
                                    &arg), 0);
    assert_int_equal(pthread_create(&expire, NULL, trim_expire_thread,
                                    &arg), 0);
    for (int round = 0; round < 40; round++) {
        dpi_conn_table_set_max(t, round % 2 ? 1000 : 50000);
        usleep(5000);
    }
    __atomic_store_n(&arg.stop, true, __ATOMIC_RELAXED);
    pthread_join(traffic, NULL);
    pthread_join(expire, NULL);

    assert_int_equal(check_table_lists(t), dpi_conn_table_n_flows(t));
    assert_true(dpi_conn_table_n_flows(t) <= 1000);
    assert_int_equal(t->created - t->evicted - t->expired,
                     dpi_conn_table_n_flows(t));
    dpi_conn_table_set_max(t, 50000);
    for (uint32_t i = 0; i < 2000; i++) {
        struct dpi_pkt pkt = trim_pkt(i, 3);

        table_lookup(t, &pkt, UINT32_MAX, true);
    }
    dpi_conn_table_set_max(t, 1000);
    assert_int_equal(check_table_lists(t), 1000);
    check_trimmed_table(t);
    dpi_conn_table_destroy(t);
}

/* What dump_once_cb() checks and counts. */
struct dump_once {
    uint8_t *seen;              /* One byte per connection number. */
    uint32_t n_numbers;         /* Size of 'seen'. */
    uint8_t gen;                /* Generation whose numbers are checked. */
    size_t n;                   /* Connections of that generation seen. */
    size_t n_bad;               /* Of those, shown twice or with a key not
                                 * their number's. */
};

/* dpi_conn_table_dump() callback: for a connection of trim_pkt()'s
 * generation 'aux->gen', takes its number from its source address and
 * port and counts it, as bad if the dump showed it before or its key is
 * not that number's.  (It asserts nothing, so that a thread other than
 * the test's may dump.) */
static void
dump_once_cb(const struct dpi_flow_info *info, void *aux)
{
    struct dump_once *d = aux;
    struct dpi_pkt pkt;
    uint32_t i;

    if (info->key.src.b[12] != d->gen) {
        return;
    }
    d->n++;
    i = (uint32_t) info->key.src.b[13] * 4096 + info->key.sport - 1024;
    pkt = trim_pkt(i, d->gen);
    if (i >= d->n_numbers || d->seen[i]
        || memcmp(&info->key, &pkt.key, sizeof info->key)) {
        d->n_bad++;
        return;
    }
    d->seen[i] = 1;
}

/* A dump of stripes bigger than a batch (65,536 connections, 256 per
 * stripe on average, more in many) shows every connection once, and so
 * does one that copies each stripe in one hold, as a dump does after
 * restarting a stripe too often. */
static void
test_dump_shows_big_stripes_once(void **state)
{
    enum { N = 65536 };
    struct dpi_conn_table *t = dpi_conn_table_create(N);

    (void) state;
    assert_non_null(t);
    for (uint32_t i = 0; i < N; i++) {
        struct dpi_pkt pkt = trim_pkt(i, 0);

        table_lookup(t, &pkt, i, true);
    }
    for (int restarts = 1; restarts >= 0; restarts--) {
        struct dump_once d = { .seen = calloc(N, 1), .n_numbers = N };

        assert_non_null(d.seen);
        t->dump_restarts = restarts;
        dpi_conn_table_dump(t, dump_once_cb, &d);
        assert_int_equal(d.n, N);
        assert_int_equal(d.n_bad, 0);
        free(d.seen);
    }
    dpi_conn_table_destroy(t);
}

/* Arguments of set_max_flood_thread(). */
struct set_max_flood_arg {
    struct dpi_conn_table *table; /* Table to send packets to. */
    uint8_t gen;                /* Generation of trim_pkt() to send. */
    bool stop;                  /* Set by the main thread to stop (atomic). */
};

/* Sends packets of ever new connections (trim_pkt() numbers of generation
 * 'arg->gen', round and round) to 'arg->table' until told to stop, as a
 * flood of new connections does. */
static void *
set_max_flood_thread(void *arg_)
{
    struct set_max_flood_arg *arg = arg_;

    for (uint32_t k = 0; !__atomic_load_n(&arg->stop, __ATOMIC_RELAXED);
         k++) {
        struct dpi_pkt pkt = trim_pkt(k % 65536, arg->gen);
        struct dpi_conn_stripe *s;
        struct dpi_conn *c;
        bool created;

        c = dpi_conn_table_lookup(arg->table, &pkt, k, &created, &s);
        if (c) {
            c->last_ms = k;
            dpi_conn_table_unlock(s);
        }
    }
    return NULL;
}

/* Arguments of dump_thread(). */
struct dump_thread_arg {
    struct dpi_conn_table *table; /* Table to dump. */
    size_t n_dumps;             /* Dumps taken. */
    size_t n_bad;               /* Connections shown twice, or wrong. */
    bool stop;                  /* Set by the main thread to stop (atomic). */
};

/* Dumps 'arg->table' until told to stop, counting with dump_once_cb() the
 * connections of trim_pkt()'s generation 1 that a dump shows twice. */
static void *
dump_thread(void *arg_)
{
    struct dump_thread_arg *arg = arg_;
    uint8_t *seen = malloc(65536);

    if (!seen) {
        return NULL;
    }
    do {
        struct dump_once d = { .seen = seen, .n_numbers = 65536, .gen = 1 };

        memset(seen, 0, 65536);
        dpi_conn_table_dump(arg->table, dump_once_cb, &d);
        arg->n_bad += d.n_bad;
        arg->n_dumps++;
    } while (!__atomic_load_n(&arg->stop, __ATOMIC_RELAXED));
    free(seen);
    return NULL;
}

/* Dumps taken while another thread adds connections and the capacity
 * goes down and up, so that stripes shrink and grow their buckets between
 * the batches of a dump (of one hash chain each here), show no connection
 * twice. */
static void
test_dump_during_resizes_shows_each_once(void **state)
{
    struct dpi_conn_table *t = dpi_conn_table_create(200000);
    struct set_max_flood_arg flood_arg = { .table = t, .gen = 1 };
    struct dump_thread_arg dump_arg = { .table = t };
    pthread_t flood, dumper;

    (void) state;
    assert_non_null(t);
    t->dump_batch = 1;
    assert_int_equal(pthread_create(&flood, NULL, set_max_flood_thread,
                                    &flood_arg), 0);
    assert_int_equal(pthread_create(&dumper, NULL, dump_thread, &dump_arg),
                     0);
    for (int round = 0; round < 40; round++) {
        dpi_conn_table_set_max(t, round % 2 ? 200000 : 2000);
        usleep(10000);
    }
    __atomic_store_n(&dump_arg.stop, true, __ATOMIC_RELAXED);
    pthread_join(dumper, NULL);
    __atomic_store_n(&flood_arg.stop, true, __ATOMIC_RELAXED);
    pthread_join(flood, NULL);
    assert_true(dump_arg.n_dumps > 0);
    assert_int_equal(dump_arg.n_bad, 0);
    assert_int_equal(check_table_lists(t), dpi_conn_table_n_flows(t));
    dpi_conn_table_destroy(t);
}

/* Lowering the capacity to a handful of connections during a flood of new
 * ones leaves no more than that many once the flood stops: the excess
 * that dpi_conn_table_set_max() could not find while the connections
 * moved between stripes is shed by the creations themselves, which never
 * keep the table above its limit by taking over evicted slots one for
 * one. */
static void
test_set_max_tiny_during_flood(void **state)
{
    struct dpi_conn_table *t = dpi_conn_table_create(20000);

    (void) state;
    assert_non_null(t);
    for (int round = 0; round < 60; round++) {
        uint32_t max = round % 2 ? 1 : 4;
        struct set_max_flood_arg args[2];
        pthread_t threads[2];

        dpi_conn_table_set_max(t, 20000);
        for (int i = 0; i < 2; i++) {
            memset(&args[i], 0, sizeof args[i]);
            args[i].table = t;
            args[i].gen = (uint8_t) (10 + i);
            assert_int_equal(pthread_create(&threads[i], NULL,
                                            set_max_flood_thread,
                                            &args[i]), 0);
        }
        usleep(2000);
        dpi_conn_table_set_max(t, max);
        usleep(1000);
        for (int i = 0; i < 2; i++) {
            __atomic_store_n(&args[i].stop, true, __ATOMIC_RELAXED);
            pthread_join(threads[i], NULL);
        }
        assert_int_equal(check_table_lists(t), dpi_conn_table_n_flows(t));
        assert_true(dpi_conn_table_n_flows(t) <= max);
        assert_int_equal(t->created - t->evicted - t->expired,
                         dpi_conn_table_n_flows(t));
    }
    dpi_conn_table_destroy(t);
}

/* dpi_engine_dump() callback: counts the connections whose metadata has
 * the server banner of test_set_limits_keeps_moved_connections_state(). */
static void
count_ssh_server_cb(const struct dpi_flow_info *info, void *n_)
{
    const char *v = dpi_md_get(info->md, DPI_F_ssh_server, NULL);
    size_t *n = n_;

    if (v && !strcmp(v, "SSH-2.0-server")) {
        (*n)++;
    }
}

/* Connections that the table moved while it gave memory back keep their
 * inspection and metadata: SSH connections that saw only the client's
 * banner, 40 per stripe on average, go on with the server's banner after
 * the table shrank to 3 per stripe. */
static void
test_set_limits_keeps_moved_connections_state(void **state)
{
    enum { N = 40 * DPI_CONN_N_STRIPES, M = 3 * DPI_CONN_N_STRIPES };
    size_t n_server;
    struct fixture fx;
    struct dump d;

    (void) state;
    fixture_init(&fx, N, 8, 600000);
    for (int i = 0; i < N; i++) {
        char banner[64];
        int len = snprintf(banner, sizeof banner,
                           "SSH-2.0-client%d\r\n", i);
        struct dpi_pkt p = make_pkt(6, 1, (uint16_t) (1024 + i % 16384), 2,
                                    22, PSH | ACK, banner, (size_t) len);

        p.key.src.b[13] = (uint8_t) (i / 16384);
        process(&fx, &p, 1);
    }
    dpi_engine_set_limits(fx.engine, M, 8);
    assert_int_equal(get_stats(&fx).n_flows, M);
    dump(&fx, &d);
    assert_int_equal(d.n, M);
    for (size_t k = 0; k < 64; k++) {
        const struct dpi_flow_info *f = &d.flows[k];
        static const char srv[] = "SSH-2.0-server\r\n";
        struct dpi_pkt p = make_pkt(6, 2, 22, 1, f->key.sport, PSH | ACK,
                                    srv, strlen(srv));
        char want[32];
        int i = f->key.src.b[13] * 16384 + (f->key.sport - 1024);

        p.key.dst = f->key.src;
        snprintf(want, sizeof want, "SSH-2.0-client%d", i);
        assert_string_equal(d.mds[k].ssh_client, want);
        assert_int_equal(process(&fx, &p, 2).app_proto, DPI_APP_ssh);
    }
    assert_int_equal(get_stats(&fx).n_flows, M);
    n_server = 0;
    dpi_engine_dump(fx.engine, count_ssh_server_cb, &n_server);
    assert_int_equal(n_server, 64);
    fixture_destroy(&fx);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(
            test_reply_maps_to_same_connection_and_syn_sender_is_client),
        cmocka_unit_test(test_first_sender_from_low_port_is_server),
        cmocka_unit_test(test_first_sender_is_client_without_syn),
        cmocka_unit_test(test_direction_with_shared_address_or_port),
        cmocka_unit_test(test_late_syn_turns_connection_around),
        cmocka_unit_test(test_syn_after_close_opens_new_connection),
        cmocka_unit_test(test_syn_with_first_sequence_number_continues),
        cmocka_unit_test(test_vlan_and_protocol_separate_connections),
        cmocka_unit_test(test_zones_separate_connections),
        cmocka_unit_test(test_two_threads_two_directions_keep_counts_exact),
        cmocka_unit_test(
            test_table_never_exceeds_max_flows_and_counts_evictions),
        cmocka_unit_test(test_small_table_keeps_active_connection),
        cmocka_unit_test(test_active_connection_survives_flood_frozen_clock),
        cmocka_unit_test(test_concurrent_flood_respects_max_flows),
        cmocka_unit_test(test_tiny_table_concurrent_flood),
        cmocka_unit_test(test_set_limits_shrinks_table_at_once),
        cmocka_unit_test(test_max_flows_zero_tracks_nothing),
        cmocka_unit_test(test_idle_connections_expire_and_active_ones_stay),
        cmocka_unit_test(test_closed_tcp_connection_expires_early),
        cmocka_unit_test(test_inspection_state_freed_when_window_ends),
        cmocka_unit_test(test_inspection_state_freed_at_final_verdict),
        cmocka_unit_test(test_pure_acks_do_not_count_toward_window),
        cmocka_unit_test(test_reset_while_pending_gives_unknown),
        cmocka_unit_test(test_non_tcp_udp_connection_is_unknown_at_once),
        cmocka_unit_test(test_non_first_fragment_is_unknown),
        cmocka_unit_test(test_smaller_window_applies_to_pending_connections),
        cmocka_unit_test(test_app_stats_follow_the_verdict),
        cmocka_unit_test(test_bad_packets_are_counted),
        cmocka_unit_test(test_stats_survive_worker_destruction),
        cmocka_unit_test(test_timing_with_packet_time_before_now),
        cmocka_unit_test(test_connection_struct_is_compact),
        cmocka_unit_test(test_expired_connections_are_reused),
        cmocka_unit_test(test_expiry_between_survivors_keeps_links),
        cmocka_unit_test(test_expired_memory_freed_by_lookups_or_later_sweeps),
        cmocka_unit_test(test_closed_connections_have_their_own_list),
        cmocka_unit_test(test_closed_connections_expire_behind_future_ones),
        cmocka_unit_test(test_hash_spreads_connections_over_stripes),
        cmocka_unit_test(test_buckets_grow_a_few_at_a_time),
        cmocka_unit_test(test_set_max_gives_memory_back),
        cmocka_unit_test(test_small_lowering_keeps_buckets),
        cmocka_unit_test(test_set_limits_keeps_moved_connections_state),
        cmocka_unit_test(test_set_max_concurrent_with_traffic_and_expiry),
        cmocka_unit_test(test_set_max_tiny_during_flood),
        cmocka_unit_test(test_dump_shows_big_stripes_once),
        cmocka_unit_test(test_dump_during_resizes_shows_each_once),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
