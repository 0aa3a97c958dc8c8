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

/* Engine tests: engine creation, and connection tracking over real
 * captures compared with an independent oracle.
 *
 * The captures and oracles come from the development corpus, found through
 * the environment variable DPI_CORPUS_DIR (the tests skip when it is not
 * set): each capture pcap/<name> is read with libpcap, parsed with
 * dpi_parse_eth() and fed to dpi_process(); the resulting connections are
 * then compared with oracle/<name>.tsv, the per-flow table that tshark
 * computed (see the corpus README): same set of flows, and for each the
 * same client and server, packet count and byte count. */

#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <pcap/pcap.h>
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

/* One flow of an oracle file. */
struct oracle_flow {
    struct dpi_key key;         /* Client to server. */
    uint64_t packets;           /* Frames, both directions. */
    uint64_t bytes;             /* Frame bytes, both directions. */
    bool found;                 /* Matched by a connection of ours? */
};

/* The usable flows of an oracle file. */
struct oracle {
    struct oracle_flow *flows;  /* The flows. */
    size_t n;                   /* Number of flows. */
    size_t skipped;             /* Flows left out (tunnelled, nDPI-only). */
};

/* Returns the IP protocol number of oracle protocol name 'name', or -1. */
static int
oracle_proto(const char *name)
{
    static const struct {
        const char *name;
        int proto;
    } protos[] = {
        { "icmp", 1 }, { "igmp", 2 }, { "tcp", 6 }, { "udp", 17 },
        { "gre", 47 }, { "esp", 50 }, { "ah", 51 }, { "icmpv6", 58 },
        { "ospf", 89 }, { "pim", 103 }, { "vrrp", 112 }, { "pgm", 113 },
        { "sctp", 132 },
    };

    for (size_t i = 0; i < sizeof protos / sizeof protos[0]; i++) {
        if (!strcmp(name, protos[i].name)) {
            return protos[i].proto;
        }
    }
    if (!strncmp(name, "ip", 2)) {
        return atoi(name + 2);
    }
    return -1;
}

/* Parses the textual address 's' into 'a' (IPv4 as IPv4-mapped IPv6) and
 * sets '*ipv6'.  Returns false if 's' is not an address. */
static bool
oracle_addr(const char *s, struct dpi_addr *a, uint8_t *ipv6)
{
    uint8_t v4[4];

    memset(a, 0, sizeof *a);
    if (inet_pton(AF_INET, s, v4) == 1) {
        a->b[10] = a->b[11] = 0xff;
        memcpy(&a->b[12], v4, 4);
        *ipv6 = 0;
        return true;
    }
    *ipv6 = 1;
    return inet_pton(AF_INET6, s, a->b) == 1;
}

/* Splits the line 's' at tabs into at most 'max' fields in 'fields'.
 * Returns the number of fields. */
static size_t
split_tabs(char *s, char **fields, size_t max)
{
    size_t n = 0;

    while (n < max) {
        fields[n++] = s;
        s = strchr(s, '\t');
        if (!s) {
            break;
        }
        *s++ = '\0';
    }
    return n;
}

/* Reads the oracle file 'path' into 'o'.  Flows taken out of a tunnel and
 * flows only nDPI reports are left out, since the engine does not
 * decapsulate yet. */
static void
oracle_read(const char *path, struct oracle *o)
{
    FILE *f = fopen(path, "r");
    char line[65536];
    size_t allocated = 0;

    memset(o, 0, sizeof *o);
    if (!f) {
        fail_msg("%s: %s", path, strerror(errno));
    }
    while (fgets(line, sizeof line, f)) {
        char *fields[22];
        struct oracle_flow *fl;
        int proto;
        uint8_t v6a, v6b;

        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '#' || !line[0]) {
            continue;
        }
        assert_int_equal(split_tabs(line, fields, 22), 22);
        if (fields[18][0] || !strcmp(fields[19], "ndpi")) {
            o->skipped++;
            continue;
        }
        if (o->n >= allocated) {
            allocated = allocated * 2 + 16;
            o->flows = realloc(o->flows, allocated * sizeof *o->flows);
            assert_non_null(o->flows);
        }
        fl = &o->flows[o->n++];
        memset(fl, 0, sizeof *fl);
        proto = oracle_proto(fields[0]);
        assert_true(proto >= 0 && proto < 256);
        fl->key.proto = proto;
        assert_true(oracle_addr(fields[1], &fl->key.src, &v6a));
        assert_true(oracle_addr(fields[3], &fl->key.dst, &v6b));
        assert_int_equal(v6a, v6b);
        fl->key.ipv6 = v6a;
        fl->key.sport = atoi(fields[2]);
        fl->key.dport = atoi(fields[4]);
        fl->key.vlan = atoi(fields[17]);
        fl->packets = strtoull(fields[5], NULL, 10);
        fl->bytes = strtoull(fields[6], NULL, 10);
    }
    fclose(f);
    assert_true(o->n > 0);
}

/* Returns true if 'a' and 'b' are the same connection in the same
 * direction. */
static bool
key_equal(const struct dpi_key *a, const struct dpi_key *b)
{
    return (a->proto == b->proto && a->vlan == b->vlan
            && a->ipv6 == b->ipv6 && a->sport == b->sport
            && a->dport == b->dport
            && !memcmp(&a->src, &b->src, sizeof a->src)
            && !memcmp(&a->dst, &b->dst, sizeof a->dst));
}

/* Returns 'k' with its direction reversed. */
static struct dpi_key
key_reverse(const struct dpi_key *k)
{
    struct dpi_key r = *k;

    r.src = k->dst;
    r.dst = k->src;
    r.sport = k->dport;
    r.dport = k->sport;
    return r;
}

/* Formats 'k' into 'buf' for messages. */
static const char *
key_format(const struct dpi_key *k, char *buf, size_t size)
{
    char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];

    if (k->ipv6) {
        inet_ntop(AF_INET6, k->src.b, s, sizeof s);
        inet_ntop(AF_INET6, k->dst.b, d, sizeof d);
    } else {
        inet_ntop(AF_INET, &k->src.b[12], s, sizeof s);
        inet_ntop(AF_INET, &k->dst.b[12], d, sizeof d);
    }
    snprintf(buf, size, "proto %u vlan %u %s:%u -> %s:%u", k->proto,
             k->vlan, s, k->sport, d, k->dport);
    return buf;
}

/* State of a comparison between our connections and an oracle. */
struct compare {
    struct oracle *oracle;      /* The oracle. */
    size_t n_flows;             /* Connections we dumped. */
    size_t n_errors;            /* Mismatches found. */
};

/* dpi_engine_dump() callback: checks one connection against the oracle
 * 'aux' (a struct compare). */
static void
compare_cb(const struct dpi_flow_info *info, void *aux)
{
    struct compare *c = aux;
    struct dpi_key rev = key_reverse(&info->key);
    uint64_t packets = info->packets[0] + info->packets[1];
    uint64_t bytes = info->bytes[0] + info->bytes[1];
    char buf[256];

    c->n_flows++;
    for (size_t i = 0; i < c->oracle->n; i++) {
        struct oracle_flow *fl = &c->oracle->flows[i];

        if (key_equal(&fl->key, &info->key)) {
            fl->found = true;
            if (fl->packets != packets || fl->bytes != bytes) {
                print_error("%s: %"PRIu64" packets %"PRIu64" bytes, "
                            "oracle %"PRIu64" packets %"PRIu64" bytes\n",
                            key_format(&info->key, buf, sizeof buf),
                            packets, bytes, fl->packets, fl->bytes);
                c->n_errors++;
            }
            return;
        } else if (key_equal(&fl->key, &rev)) {
            fl->found = true;
            print_error("%s: client and server swapped\n",
                        key_format(&info->key, buf, sizeof buf));
            c->n_errors++;
            return;
        }
    }
    print_error("%s: not in oracle\n",
                key_format(&info->key, buf, sizeof buf));
    c->n_errors++;
}

/* Returns the corpus directory, or skips the test if there is none. */
static const char *
corpus_dir(void)
{
    const char *dir = getenv("DPI_CORPUS_DIR");
    char path[4096];

    if (!dir || !*dir) {
        print_message("DPI_CORPUS_DIR is not set: skipping corpus test\n");
        skip();
    }
    snprintf(path, sizeof path, "%s/oracle", dir);
    if (access(path, R_OK)) {
        print_message("%s: not readable: skipping corpus test\n", path);
        skip();
    }
    return dir;
}

/* Feeds the capture 'name' from the corpus through a new engine and
 * compares its connections with the oracle.  Returns the number of flows
 * compared. */
static size_t
check_capture_against_oracle(const char *name)
{
    const char *dir = corpus_dir();
    char errbuf[PCAP_ERRBUF_SIZE];
    struct dpi_engine *engine;
    struct dpi_worker *worker;
    struct dpi_stats stats;
    struct pcap_pkthdr *hdr;
    struct compare cmp;
    struct oracle oracle;
    const u_char *data;
    char path[4096];
    char *error;
    size_t n_packets = 0, n_bad = 0;
    pcap_t *pcap;
    int r;

    snprintf(path, sizeof path, "%s/oracle/%s.tsv", dir, name);
    oracle_read(path, &oracle);

    assert_int_equal(dpi_engine_create(NULL, &engine, &error), 0);
    worker = dpi_worker_create(engine);
    assert_non_null(worker);

    snprintf(path, sizeof path, "%s/pcap/%s", dir, name);
    pcap = pcap_open_offline(path, errbuf);
    if (!pcap) {
        fail_msg("%s: %s", path, errbuf);
    }
    assert_int_equal(pcap_datalink(pcap), DLT_EN10MB);
    while ((r = pcap_next_ex(pcap, &hdr, &data)) == 1) {
        uint64_t now = (uint64_t) hdr->ts.tv_sec * 1000
                       + hdr->ts.tv_usec / 1000;
        enum dpi_parse_result pr;
        struct dpi_verdict v;
        struct dpi_pkt pkt;

        pr = dpi_parse_eth(data, hdr->caplen, &pkt);
        if (pr == DPI_PARSE_OK) {
            pkt.frame_len = hdr->len;
            dpi_process(worker, &pkt, now, &v);
            assert_true(v.state & DPI_STATE_TRK);
            n_packets++;
        } else if (pr != DPI_PARSE_NOT_IP) {
            dpi_worker_count_bad_packet(worker);
            n_bad++;
        }
    }
    assert_int_equal(r, PCAP_ERROR_BREAK);
    pcap_close(pcap);

    memset(&cmp, 0, sizeof cmp);
    cmp.oracle = &oracle;
    dpi_engine_dump(engine, compare_cb, &cmp);
    for (size_t i = 0; i < oracle.n; i++) {
        if (!oracle.flows[i].found) {
            char buf[256];

            print_error("%s: missing (oracle flow %zu)\n",
                        key_format(&oracle.flows[i].key, buf, sizeof buf),
                        i + 1);
            cmp.n_errors++;
        }
    }
    print_message("%s: %zu packets, %zu flows, %zu oracle flows, "
                  "%zu mismatches\n", name, n_packets, cmp.n_flows,
                  oracle.n, cmp.n_errors);
    assert_int_equal(cmp.n_errors, 0);
    assert_int_equal(cmp.n_flows, oracle.n);

    dpi_engine_get_stats(engine, &stats);
    assert_int_equal(stats.packets, n_packets);
    assert_int_equal(stats.bad_packets, n_bad);
    assert_int_equal(stats.n_flows, oracle.n);
    dpi_stats_destroy(&stats);

    dpi_worker_destroy(worker);
    dpi_engine_destroy(engine);
    free(oracle.flows);
    return cmp.n_flows;
}

/* One HTTP connection over IPv4. */
static void
test_http_capture_matches_oracle(void **state)
{
    check_capture_against_oracle("http.pcapng");
}

/* TLS, QUIC and HTTP connections over IPv6. */
static void
test_ipv6_capture_matches_oracle(void **state)
{
    check_capture_against_oracle("http_ipv6.pcap");
}

/* SSH, whose client is chosen by its SYN. */
static void
test_ssh_capture_matches_oracle(void **state)
{
    check_capture_against_oracle("ssh.pcap");
}

/* DNS, one connection of it over PPPoE behind two 802.1Q tags. */
static void
test_vlan_dns_capture_matches_oracle(void **state)
{
    check_capture_against_oracle("dns.pcap");
}

/* MongoDB on several VLANs. */
static void
test_vlan_mongodb_capture_matches_oracle(void **state)
{
    check_capture_against_oracle("mongodb.pcap");
}

/* A capture with a segmentation offload frame (IPv4 total length 0). */
static void
test_tso_capture_matches_oracle(void **state)
{
    check_capture_against_oracle("anydesk.pcapng");
}

/* A SYN scan: about 2000 short connections. */
static void
test_synscan_capture_matches_oracle(void **state)
{
    assert_true(check_capture_against_oracle("synscan.pcap") > 1000);
}

/* Almost 200 HTTP connections. */
static void
test_1kxun_capture_matches_oracle(void **state)
{
    check_capture_against_oracle("1kxun.pcap");
}

/* A missing signature file is an error that names the file. */
static void
test_missing_signature_file_is_an_error(void **state)
{
    struct dpi_engine *engine = (struct dpi_engine *) 1;
    struct dpi_config cfg;
    char *error = NULL;

    dpi_config_init(&cfg);
    cfg.signatures = "/nonexistent/dir/ovs-dpi.sig";
    assert_int_not_equal(dpi_engine_create(&cfg, &engine, &error), 0);
    assert_null(engine);
    assert_non_null(error);
    assert_non_null(strstr(error, "/nonexistent/dir/ovs-dpi.sig"));
    free(error);
}

/* A signature file with a bad line is an error that names the file and
 * the line. */
static void
test_bad_signature_file_names_file_and_line(void **state)
{
    char path[] = "/tmp/test-engine-sig-XXXXXX";
    struct dpi_engine *engine;
    struct dpi_config cfg;
    char *error = NULL;
    int fd = mkstemp(path);
    FILE *f;

    assert_true(fd >= 0);
    f = fdopen(fd, "w");
    assert_non_null(f);
    fprintf(f, "# comment\n\nthis is not a signature line at all (\n");
    fclose(f);

    dpi_config_init(&cfg);
    cfg.signatures = path;
    assert_int_not_equal(dpi_engine_create(&cfg, &engine, &error), 0);
    assert_non_null(error);
    assert_non_null(strstr(error, path));
    assert_non_null(strstr(error, "3"));
    free(error);
    unlink(path);
}

/* The default configuration loads the built-in signatures. */
static void
test_default_engine_uses_builtin_signatures(void **state)
{
    struct dpi_engine *engine;
    struct dpi_stats stats;
    char *error = (char *) 1;

    assert_int_equal(dpi_engine_create(NULL, &engine, &error), 0);
    assert_null(error);
    assert_string_equal(dpi_engine_signatures(engine), "builtin");
    dpi_engine_get_stats(engine, &stats);
    assert_int_equal(stats.max_flows, DPI_DEFAULT_MAX_FLOWS);
    assert_int_equal(stats.n_flows, 0);
    dpi_stats_destroy(&stats);
    dpi_engine_destroy(engine);
}

/* Builds in 'buf' (at least 28 bytes) an IPv4 packet of IP protocol
 * 'proto' from 10.0.0.1 to 10.0.0.2 (reversed if 'reply') with fragment
 * offset 'frag_off' (in 8-byte units) and 8 bytes of payload, and parses
 * it into 'pkt'. */
static void
make_ipv4(uint8_t *buf, uint8_t proto, uint16_t frag_off, bool reply,
          struct dpi_pkt *pkt)
{
    memset(buf, 0, 28);
    buf[0] = 0x45;              /* Version 4, 20-byte header. */
    buf[3] = 28;                /* Total length. */
    buf[6] = (uint8_t) (frag_off >> 8);
    buf[7] = (uint8_t) frag_off;
    buf[8] = 64;                /* TTL. */
    buf[9] = proto;
    buf[12] = buf[16] = 10;
    buf[15] = reply ? 2 : 1;
    buf[19] = reply ? 1 : 2;
    buf[20] = 8;                /* ICMP echo request, if ICMP. */
    buf[24] = 0x12;             /* Anything else: arbitrary bytes. */
    buf[26] = 0x34;
    memset(pkt, 0, sizeof *pkt);
    assert_int_equal(dpi_parse_l3(buf, 28, false, pkt), DPI_PARSE_OK);
    assert_int_equal(pkt->key.proto, proto);
}

/* Builds in 'buf' (at least 48 bytes) an IPv6 ICMPv6 echo request (next
 * header 58, RFC 4443) from 2001:db8::1 to 2001:db8::2 and parses it into
 * 'pkt'. */
static void
make_icmpv6(uint8_t *buf, struct dpi_pkt *pkt)
{
    memset(buf, 0, 48);
    buf[0] = 0x60;
    buf[5] = 8;                 /* Payload length. */
    buf[6] = 58;                /* Next header: ICMPv6. */
    buf[7] = 64;
    buf[8] = buf[24] = 0x20;
    buf[9] = buf[25] = 0x01;
    buf[10] = buf[26] = 0x0d;
    buf[11] = buf[27] = 0xb8;
    buf[23] = 1;
    buf[39] = 2;
    buf[40] = 128;              /* Echo request. */
    memset(pkt, 0, sizeof *pkt);
    assert_int_equal(dpi_parse_l3(buf, 48, true, pkt), DPI_PARSE_OK);
    assert_int_equal(pkt->key.proto, 58);
}

/* Feeds 'pkt' to 'w' and checks that the verdict is 'state' with app_id
 * and app_proto both 'app'. */
static void
expect_verdict(struct dpi_worker *w, const struct dpi_pkt *pkt,
               uint8_t state, uint16_t app)
{
    struct dpi_verdict v;

    dpi_process(w, pkt, 1000, &v);
    assert_int_equal(v.state, state);
    assert_int_equal(v.app_id, app);
    assert_int_equal(v.app_proto, app);
}

/* Returns the flows counted for 'app' in the statistics of 'e'. */
static uint64_t
app_flows(struct dpi_engine *e, uint16_t app)
{
    struct dpi_stats stats;
    uint64_t flows = 0;
    size_t i;

    dpi_engine_get_stats(e, &stats);
    for (i = 0; i < stats.n_apps; i++) {
        if (stats.apps[i].app_id == app) {
            flows = stats.apps[i].flows;
        }
    }
    dpi_stats_destroy(&stats);
    return flows;
}

/* With the built-in signatures, a connection of an IP protocol that the
 * file declares ("protocol icmp ip 1") is identified, with DONE, on its
 * first packet, and keeps that verdict; an undeclared protocol (PIM, 103)
 * is UNK at once. */
static void
test_ip_protocol_identified_on_first_packet(void **state)
{
    static const uint8_t done = DPI_STATE_TRK | DPI_STATE_DONE;
    static const uint8_t unk = DPI_STATE_TRK | DPI_STATE_UNK;
    struct dpi_engine *engine;
    struct dpi_worker *w;
    struct dpi_pkt pkt;
    uint8_t buf[64];

    (void) state;
    assert_int_equal(dpi_engine_create(NULL, &engine, NULL), 0);
    w = dpi_worker_create(engine);
    assert_non_null(w);

    make_ipv4(buf, 1, 0, false, &pkt);
    expect_verdict(w, &pkt, done, DPI_APP_icmp);
    make_ipv4(buf, 1, 0, true, &pkt);
    expect_verdict(w, &pkt, done, DPI_APP_icmp);
    make_icmpv6(buf, &pkt);
    expect_verdict(w, &pkt, done, DPI_APP_icmpv6);
    make_ipv4(buf, 2, 0, false, &pkt);
    expect_verdict(w, &pkt, done, DPI_APP_igmp);
    make_ipv4(buf, 50, 0, false, &pkt);
    expect_verdict(w, &pkt, done, DPI_APP_ipsec);
    make_ipv4(buf, 51, 0, false, &pkt);
    expect_verdict(w, &pkt, done, DPI_APP_ipsec);
    make_ipv4(buf, 112, 0, false, &pkt);
    expect_verdict(w, &pkt, done, DPI_APP_vrrp);
    make_ipv4(buf, 103, 0, false, &pkt);
    expect_verdict(w, &pkt, unk, 0);

    /* Two packets, one ICMP connection, counted for icmp. */
    assert_int_equal(app_flows(engine, DPI_APP_icmp), 1);
    assert_int_equal(app_flows(engine, DPI_APP_ipsec), 2);

    dpi_worker_destroy(w);
    dpi_engine_destroy(engine);
}

/* A non-first fragment still carries its IP protocol number: an ICMP one
 * is icmp, while a UDP one (no ports) stays UNK. */
static void
test_ip_protocol_of_fragments(void **state)
{
    struct dpi_engine *engine;
    struct dpi_worker *w;
    struct dpi_pkt pkt;
    uint8_t buf[64];

    (void) state;
    assert_int_equal(dpi_engine_create(NULL, &engine, NULL), 0);
    w = dpi_worker_create(engine);
    assert_non_null(w);

    make_ipv4(buf, 1, 185, false, &pkt);
    assert_true(pkt.is_fragment);
    expect_verdict(w, &pkt, DPI_STATE_TRK | DPI_STATE_DONE, DPI_APP_icmp);
    make_ipv4(buf, 17, 185, false, &pkt);
    assert_true(pkt.is_fragment);
    expect_verdict(w, &pkt, DPI_STATE_TRK | DPI_STATE_UNK, 0);

    dpi_worker_destroy(w);
    dpi_engine_destroy(engine);
}

/* Only the IP protocols that the engine's signature file declares are
 * identified: with a file declaring VRRP alone, ICMP is UNK. */
static void
test_ip_protocol_follows_signature_file(void **state)
{
    char path[] = "/tmp/test-engine-sig-XXXXXX";
    struct dpi_engine *engine;
    struct dpi_worker *w;
    struct dpi_config cfg;
    struct dpi_pkt pkt;
    uint8_t buf[64];
    int fd = mkstemp(path);
    FILE *f;

    (void) state;
    assert_true(fd >= 0);
    f = fdopen(fd, "w");
    assert_non_null(f);
    fprintf(f, "protocol vrrp ip 112\n");
    fclose(f);

    dpi_config_init(&cfg);
    cfg.signatures = path;
    assert_int_equal(dpi_engine_create(&cfg, &engine, NULL), 0);
    unlink(path);
    w = dpi_worker_create(engine);
    assert_non_null(w);

    make_ipv4(buf, 112, 0, false, &pkt);
    expect_verdict(w, &pkt, DPI_STATE_TRK | DPI_STATE_DONE, DPI_APP_vrrp);
    make_ipv4(buf, 1, 0, false, &pkt);
    expect_verdict(w, &pkt, DPI_STATE_TRK | DPI_STATE_UNK, 0);

    dpi_worker_destroy(w);
    dpi_engine_destroy(engine);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_engine_uses_builtin_signatures),
        cmocka_unit_test(test_missing_signature_file_is_an_error),
        cmocka_unit_test(test_ip_protocol_identified_on_first_packet),
        cmocka_unit_test(test_ip_protocol_of_fragments),
        cmocka_unit_test(test_ip_protocol_follows_signature_file),
        cmocka_unit_test(test_bad_signature_file_names_file_and_line),
        cmocka_unit_test(test_http_capture_matches_oracle),
        cmocka_unit_test(test_ipv6_capture_matches_oracle),
        cmocka_unit_test(test_ssh_capture_matches_oracle),
        cmocka_unit_test(test_vlan_dns_capture_matches_oracle),
        cmocka_unit_test(test_vlan_mongodb_capture_matches_oracle),
        cmocka_unit_test(test_tso_capture_matches_oracle),
        cmocka_unit_test(test_synscan_capture_matches_oracle),
        cmocka_unit_test(test_1kxun_capture_matches_oracle),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
