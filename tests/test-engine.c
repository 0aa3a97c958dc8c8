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
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "dpi.h"
#include "dpi-conn.h"
#include "dpi-dnscache.h"
#include "dpi-expect.h"
#include "dpi-md.h"

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

/* Feeds the capture 'name' from the corpus through 'engine' (with a new
 * worker) and compares its connections with the oracle.  With 'bypass', a
 * packet whose connection has settled is counted by dpi_engine_lookup()
 * instead of going through dpi_process(), as the OVS glue does with
 * dpi-skip-classified; '*n_bypassed' is then the number of such packets.
 * Returns the number of flows compared. */
static size_t
check_capture__(const char *name, struct dpi_engine *engine, bool bypass,
                size_t *n_bypassed)
{
    const char *dir = corpus_dir();
    char errbuf[PCAP_ERRBUF_SIZE];
    struct dpi_worker *worker;
    struct dpi_stats stats;
    struct pcap_pkthdr *hdr;
    struct compare cmp;
    struct oracle oracle;
    const u_char *data;
    char path[4096];
    size_t n_packets = 0, n_bad = 0, n_skipped = 0;
    uint64_t app_packets = 0;
    pcap_t *pcap;
    int r;

    snprintf(path, sizeof path, "%s/oracle/%s.tsv", dir, name);
    oracle_read(path, &oracle);

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
            if (bypass && !pkt.encap && !pkt.is_fragment
                && !pkt.frag_more
                && dpi_engine_lookup(engine, &pkt.key, 1, pkt.frame_len,
                                     now, &v)) {
                assert_false(v.state & DPI_STATE_PEND);
                n_skipped++;
                continue;
            }
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
    print_message("%s: %zu packets (%zu bypassed), %zu flows, %zu oracle "
                  "flows, %zu mismatches\n", name, n_packets + n_skipped,
                  n_skipped, cmp.n_flows, oracle.n, cmp.n_errors);
    assert_int_equal(cmp.n_errors, 0);
    assert_int_equal(cmp.n_flows, oracle.n);

    /* The workers' packet counts are those of dpi_process(); the
     * applications' count every packet. */
    dpi_engine_get_stats(engine, &stats);
    assert_int_equal(stats.packets, n_packets);
    assert_int_equal(stats.bad_packets, n_bad);
    assert_int_equal(stats.n_flows, oracle.n);
    for (size_t i = 0; i < stats.n_apps; i++) {
        app_packets += stats.apps[i].packets;
    }
    assert_int_equal(app_packets, n_packets + n_skipped);
    dpi_stats_destroy(&stats);

    dpi_worker_destroy(worker);
    free(oracle.flows);
    if (n_bypassed) {
        *n_bypassed = n_skipped;
    }
    return cmp.n_flows;
}

/* Feeds the capture 'name' from the corpus through a new engine and
 * compares its connections with the oracle.  Returns the number of flows
 * compared. */
static size_t
check_capture_against_oracle(const char *name)
{
    struct dpi_engine *engine;
    size_t n_flows;
    char *error;

    assert_int_equal(dpi_engine_create(NULL, &engine, &error), 0);
    n_flows = check_capture__(name, engine, false, NULL);
    dpi_engine_destroy(engine);
    return n_flows;
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

/* A connection's verdict and metadata, as dumped, for
 * test_settled_bypass_matches_oracle(). */
struct dumped_flow {
    struct dpi_key key;         /* Client to server. */
    struct dpi_verdict verdict; /* Verdict. */
    uint64_t packets;           /* Packets, both directions. */
    uint8_t *md;                /* Copy of the metadata records. */
    size_t md_len;              /* Bytes at 'md'. */
};

/* The connections of one engine. */
struct dumped_flows {
    struct dumped_flow *flows;  /* The connections, in dump order. */
    size_t n;                   /* Number of connections. */
};

/* dpi_engine_dump() callback: appends the connection 'info' to 'aux' (a
 * struct dumped_flows). */
static void
collect_cb(const struct dpi_flow_info *info, void *aux)
{
    struct dumped_flows *d = aux;
    struct dumped_flow *f;

    d->flows = realloc(d->flows, (d->n + 1) * sizeof *d->flows);
    assert_non_null(d->flows);
    f = &d->flows[d->n++];
    f->key = info->key;
    f->verdict = info->verdict;
    f->packets = info->packets[0] + info->packets[1];
    f->md_len = info->md->len;
    f->md = malloc(f->md_len + 1);
    assert_non_null(f->md);
    if (f->md_len) {
        memcpy(f->md, info->md->buf, f->md_len);
    }
}

/* Packets of settled connections counted by dpi_engine_lookup() instead of
 * going through dpi_process(), as the OVS glue does with
 * dpi-skip-classified: every connection still has the oracle's packet and
 * byte counts, and the verdict and metadata it gets when every packet goes
 * through dpi_process().  Captures with TLS, QUIC, SSH and HTTP. */
static void
test_settled_bypass_matches_oracle(void **state)
{
    static const char *const names[] = {
        "ssh.pcap", "http_ipv6.pcap", "1kxun.pcap", "443-chrome.pcap",
        "google_ssl.pcap", "youtube_quic.pcap", "netflix.pcap",
    };
    size_t total_bypassed = 0;

    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        struct dpi_engine *plain, *bypass;
        struct dumped_flows a = { NULL, 0 }, b = { NULL, 0 };
        size_t n_bypassed;
        char *error;

        assert_int_equal(dpi_engine_create(NULL, &plain, &error), 0);
        assert_int_equal(dpi_engine_create(NULL, &bypass, &error), 0);
        check_capture__(names[i], plain, false, NULL);
        check_capture__(names[i], bypass, true, &n_bypassed);
        total_bypassed += n_bypassed;

        dpi_engine_dump(plain, collect_cb, &a);
        dpi_engine_dump(bypass, collect_cb, &b);
        assert_int_equal(a.n, b.n);
        for (size_t j = 0; j < a.n; j++) {
            const struct dumped_flow *fa = &a.flows[j];
            const struct dumped_flow *fb = NULL;
            char buf[256];

            for (size_t k = 0; k < b.n && !fb; k++) {
                if (key_equal(&fa->key, &b.flows[k].key)) {
                    fb = &b.flows[k];
                }
            }
            if (!fb || fa->verdict.app_id != fb->verdict.app_id
                || fa->verdict.app_proto != fb->verdict.app_proto
                || fa->verdict.state != fb->verdict.state
                || fa->md_len != fb->md_len
                || memcmp(fa->md, fb->md, fa->md_len)) {
                fail_msg("%s: %s differs with bypass", names[i],
                         key_format(&fa->key, buf, sizeof buf));
            }
        }
        for (size_t j = 0; j < a.n; j++) {
            free(a.flows[j].md);
            free(b.flows[j].md);
        }
        free(a.flows);
        free(b.flows);
        dpi_engine_destroy(plain);
        dpi_engine_destroy(bypass);
    }
    /* Most of these captures' packets belong to settled connections. */
    print_message("bypassed %zu packets\n", total_bypassed);
    assert_true(total_bypassed > 1000);
}

/* Checks, for test_settled_only_when_nothing_to_learn(), that each of the
 * connections 'd' of 'engine' has settled only if nothing more is to be
 * learned from it, and counts its TLS connections in '*n_tls' and the
 * settled ones among them in '*n_settled_tls'.  Frees 'd'. */
static void
check_settled(struct dpi_engine *engine, struct dumped_flows *d,
              size_t *n_tls, size_t *n_settled_tls)
{
    for (size_t i = 0; i < d->n; i++) {
        const struct dumped_flow *f = &d->flows[i];
        struct dpi_verdict v;
        bool settled = dpi_engine_lookup(engine, &f->key, 0, 0, 0, &v);
        char buf[256];

        if (settled) {
            assert_int_equal(v.app_id, f->verdict.app_id);
            assert_int_equal(v.state, f->verdict.state);
        }
        if (f->verdict.state & DPI_STATE_PEND
            || (f->verdict.state & DPI_STATE_DONE
                && (f->verdict.app_proto == DPI_APP_http
                    || f->verdict.app_proto == DPI_APP_dns))) {
            if (settled) {
                fail_msg("%s settled", key_format(&f->key, buf, sizeof buf));
            }
        } else if (f->verdict.app_proto == DPI_APP_tls) {
            (*n_tls)++;
            *n_settled_tls += settled;
        }
        free(f->md);
    }
    free(d->flows);
}

/* A connection settles only once nothing more is to be learned from it:
 * never while it is being inspected, never when a parser follows it to the
 * end (HTTP, DNS), and a TLS connection only after the server's flight.
 * (One given up on, whose protocol is only guessed from its port, is not
 * followed: it settles.) */
static void
test_settled_only_when_nothing_to_learn(void **state)
{
    static const char *const names[] = { "http_ipv6.pcap", "dns.pcap" };
    size_t n_tls = 0, n_settled_tls = 0;

    for (size_t n = 0; n < sizeof names / sizeof names[0]; n++) {
        struct dumped_flows d = { NULL, 0 };
        struct dpi_engine *engine;
        char *error;

        assert_int_equal(dpi_engine_create(NULL, &engine, &error), 0);
        check_capture__(names[n], engine, false, NULL);
        dpi_engine_dump(engine, collect_cb, &d);
        check_settled(engine, &d, &n_tls, &n_settled_tls);
        dpi_engine_destroy(engine);
    }
    /* Those of http_ipv6.pcap go on after the server's Certificate. */
    print_message("%zu of %zu TLS connections settled\n", n_settled_tls,
                  n_tls);
    assert_true(n_tls > 0);
    assert_int_equal(n_settled_tls, n_tls);
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

/* A signature file that is not a regular file is refused at once, without
 * being read: a FIFO with no writer would otherwise block the caller (an
 * alarm turns a block into a failure), a directory give a read error. */
static void
test_signature_file_must_be_regular(void **state)
{
    char dir[] = "/tmp/test-engine-sigdir-XXXXXX";
    char fifo[sizeof dir + 8];
    const char *paths[2];

    assert_non_null(mkdtemp(dir));
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    paths[0] = fifo;
    paths[1] = dir;

    for (size_t i = 0; i < 2; i++) {
        struct dpi_engine *engine = (struct dpi_engine *) 1;
        struct dpi_config cfg;
        char *error = NULL;
        int err;

        dpi_config_init(&cfg);
        cfg.signatures = paths[i];
        alarm(10);
        err = dpi_engine_create(&cfg, &engine, &error);
        alarm(0);
        if (i == 1) {
            unlink(fifo);
            rmdir(dir);
        }
        assert_int_not_equal(err, 0);
        assert_null(engine);
        assert_non_null(error);
        assert_non_null(strstr(error, paths[i]));
        assert_non_null(strstr(error, "not a regular file"));
        free(error);
    }
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
    assert_int_equal(dpi_parse_l3(buf, 28, false, 0, pkt), DPI_PARSE_OK);
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
    assert_int_equal(dpi_parse_l3(buf, 48, true, 0, pkt), DPI_PARSE_OK);
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

/* Creates in '*e' an engine with configuration 'cfg' (the defaults if
 * NULL), and returns a worker of it. */
static struct dpi_worker *
engine_and_worker(const struct dpi_config *cfg, struct dpi_engine **e)
{
    struct dpi_worker *w;

    assert_int_equal(dpi_engine_create(cfg, e, NULL), 0);
    w = dpi_worker_create(*e);
    assert_non_null(w);
    return w;
}

/* Creates in '*e' an engine that inspects one payload packet per
 * connection, and returns a worker of it. */
static struct dpi_worker *
one_packet_engine(struct dpi_engine **e)
{
    struct dpi_config cfg;

    dpi_config_init(&cfg);
    cfg.inspect_packets = 1;
    return engine_and_worker(&cfg, e);
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
    w = engine_and_worker(NULL, &engine);

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
    w = engine_and_worker(NULL, &engine);

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

/* Sets 'a' to IPv4 or IPv6 address 's'. */
static void
addr_set(struct dpi_addr *a, const char *s)
{
    memset(a, 0, sizeof *a);
    if (inet_pton(AF_INET, s, a->b + 12) == 1) {
        a->b[10] = a->b[11] = 0xff;
    } else {
        assert_int_equal(inet_pton(AF_INET6, s, a->b), 1);
    }
}

/* Fills in 'pkt' for a packet of IP protocol 'proto' from 'src':'sport'
 * to 'dst':'dport' with TCP flags 'flags' and payload 'payload' of 'len'
 * bytes. */
static void
pkt_make(struct dpi_pkt *pkt, uint8_t proto, const char *src,
         uint16_t sport, const char *dst, uint16_t dport, uint8_t flags,
         const void *payload, size_t len)
{
    memset(pkt, 0, sizeof *pkt);
    addr_set(&pkt->key.src, src);
    addr_set(&pkt->key.dst, dst);
    pkt->key.sport = sport;
    pkt->key.dport = dport;
    pkt->key.proto = proto;
    pkt->key.ipv6 = strchr(src, ':') != NULL;
    pkt->tcp_flags = flags;
    pkt->tcp_seq = 1000;
    pkt->payload = payload;
    pkt->payload_len = (uint32_t) len;
    pkt->frame_len = (uint32_t) len + 54;
}

/* Feeds two UDP packets of unknown payload from 10.0.0.1:'sport' to
 * 10.0.0.2:'dport' to 'w', whose engine inspects one payload packet (so
 * the connection is given up on and settles), and returns whether
 * dpi_engine_lookup() then answers for it, asked for 3 packets.  Checks
 * that the connection's packet count only grows if it answers. */
static bool
lookup_udp_after_give_up(struct dpi_engine *e, struct dpi_worker *w,
                         uint16_t sport, uint16_t dport)
{
    static const char payload[] = "\x01\x7f\x00zzzz";
    struct dumped_flows d = { NULL, 0 };
    struct dpi_verdict v;
    struct dpi_pkt pkt;
    size_t n_found = 0;
    bool found;

    pkt_make(&pkt, 17, "10.0.0.1", sport, "10.0.0.2", dport, 0,
             payload, sizeof payload - 1);
    dpi_process(w, &pkt, 1000, &v);
    dpi_process(w, &pkt, 1001, &v);
    /* Given up on, as in the control case, which settles. */
    assert_int_equal(v.state, DPI_STATE_TRK | DPI_STATE_UNK);
    found = dpi_engine_lookup(e, &pkt.key, 3, 3 * pkt.frame_len, 1002, &v);

    dpi_engine_dump(e, collect_cb, &d);
    for (size_t i = 0; i < d.n; i++) {
        const struct dumped_flow *f = &d.flows[i];

        if ((f->key.sport == sport && f->key.dport == dport)
            || (f->key.sport == dport && f->key.dport == sport)) {
            assert_int_equal(f->packets, found ? 5 : 2);
            n_found++;
        }
        free(f->md);
    }
    free(d.flows);
    assert_int_equal(n_found, 1);
    return found;
}

/* dpi_engine_lookup() answers only for TCP and UDP connections that are
 * not on a tunnel port: a VXLAN or GTP-U packet that bypassed
 * dpi_process() would not be decapsulated, so it must not be counted
 * under its outer key; nor an ICMP one, whose key has no ports. */
static void
test_lookup_refuses_tunnel_and_portless_keys(void **state)
{
    struct dpi_engine *engine;
    struct dpi_worker *w;
    struct dpi_verdict v;
    struct dpi_pkt pkt;
    uint8_t buf[64];

    (void) state;
    w = one_packet_engine(&engine);

    /* The control: the same connection on another port is answered for. */
    assert_true(lookup_udp_after_give_up(engine, w, 40000, 40001));
    assert_false(lookup_udp_after_give_up(engine, w, 40000, DPI_PORT_VXLAN));
    assert_false(lookup_udp_after_give_up(engine, w, 40000, DPI_PORT_GTP_U));
    assert_false(lookup_udp_after_give_up(engine, w, DPI_PORT_VXLAN, 40002));
    assert_false(lookup_udp_after_give_up(engine, w, DPI_PORT_GTP_U, 40003));

    make_ipv4(buf, 1, 0, false, &pkt);
    expect_verdict(w, &pkt, DPI_STATE_TRK | DPI_STATE_DONE, DPI_APP_icmp);
    assert_false(dpi_engine_lookup(engine, &pkt.key, 1, 60, 1002, &v));

    dpi_worker_destroy(w);
    dpi_engine_destroy(engine);
}

/* A connection given up on settles even when its port suggests a protocol
 * whose parser would follow a verdict (DNS, SIP): nothing follows it. */
static void
test_given_up_settles_whatever_its_guess(void **state)
{
    static const struct {
        uint16_t port;          /* Server port. */
        uint16_t guess;         /* Protocol its port suggests. */
    } cases[] = {
        { 53, DPI_APP_dns },
        { 5060, DPI_APP_sip },
    };
    struct dpi_engine *engine;
    struct dpi_worker *w;

    (void) state;
    w = one_packet_engine(&engine);

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint16_t sport = 40004 + i;
        struct dpi_verdict v;
        struct dpi_pkt pkt;

        assert_true(lookup_udp_after_give_up(engine, w, sport,
                                             cases[i].port));
        pkt_make(&pkt, 17, "10.0.0.1", sport, "10.0.0.2", cases[i].port, 0,
                 NULL, 0);
        assert_true(dpi_engine_lookup(engine, &pkt.key, 0, 0, 0, &v));
        assert_int_equal(v.state, DPI_STATE_TRK | DPI_STATE_UNK);
        assert_int_equal(v.app_proto, cases[i].guess);
    }

    dpi_worker_destroy(w);
    dpi_engine_destroy(engine);
}

/* dpi_worker_n_created() counts the packets that create a connection,
 * and reports the connection's key, client to server. */
static void
test_worker_counts_created_connections(void **state)
{
    static const char payload[] = "zzzz";
    struct dpi_engine *engine;
    struct dpi_key last, rev;
    struct dpi_worker *w;
    struct dpi_verdict v;
    struct dpi_pkt pkt;

    (void) state;
    w = engine_and_worker(NULL, &engine);
    memset(&last, 0xa5, sizeof last);
    assert_int_equal(dpi_worker_n_created(w, &last), 0);
    assert_int_equal(last.proto, 0xa5);

    pkt_make(&pkt, 17, "10.0.0.1", 40000, "10.0.0.2", 40001, 0,
             payload, sizeof payload - 1);
    dpi_process(w, &pkt, 1000, &v);
    assert_int_equal(dpi_worker_n_created(w, &last), 1);
    assert_memory_equal(&last, &pkt.key, sizeof last);
    dpi_process(w, &pkt, 1001, &v);
    assert_int_equal(dpi_worker_n_created(w, NULL), 1);

    /* A first packet from a well-known port to a high one comes from the
     * server: the connection's key is the reverse of the packet's. */
    pkt_make(&pkt, 17, "10.0.0.3", 53, "10.0.0.4", 40002, 0,
             payload, sizeof payload - 1);
    dpi_process(w, &pkt, 1002, &v);
    assert_int_equal(dpi_worker_n_created(w, &last), 2);
    rev = key_reverse(&pkt.key);
    assert_memory_equal(&last, &rev, sizeof last);

    dpi_worker_destroy(w);
    dpi_engine_destroy(engine);
}

/* Builds into 'buf' (at least 512 bytes) a DNS message (RFC 1035 4.1) for
 * query name 'qname' (dotted), type A: a query if 'answer' is NULL, else a
 * response with one A record 'answer' with TTL 'ttl'.  Returns its
 * length. */
static size_t
dns_make(uint8_t *buf, const char *qname, const char *answer, uint32_t ttl)
{
    size_t n = 0;
    const char *label = qname;

    memset(buf, 0, 12);
    buf[0] = 0x12;                      /* ID. */
    buf[1] = 0x34;
    buf[2] = answer ? 0x81 : 0x01;      /* QR, RD. */
    buf[3] = answer ? 0x80 : 0x00;      /* RA, NOERROR. */
    buf[5] = 1;                         /* QDCOUNT. */
    buf[7] = answer ? 1 : 0;            /* ANCOUNT. */
    n = 12;
    while (*label) {
        const char *dot = strchr(label, '.');
        size_t len = dot ? (size_t) (dot - label) : strlen(label);

        buf[n++] = (uint8_t) len;
        memcpy(buf + n, label, len);
        n += len;
        label += len + (dot ? 1 : 0);
    }
    buf[n++] = 0;
    buf[n++] = 0;                       /* QTYPE A. */
    buf[n++] = 1;
    buf[n++] = 0;                       /* QCLASS IN. */
    buf[n++] = 1;
    if (answer) {
        buf[n++] = 0xc0;                /* Pointer to the question name. */
        buf[n++] = 12;
        buf[n++] = 0;                   /* TYPE A. */
        buf[n++] = 1;
        buf[n++] = 0;                   /* CLASS IN. */
        buf[n++] = 1;
        buf[n++] = (uint8_t) (ttl >> 24);
        buf[n++] = (uint8_t) (ttl >> 16);
        buf[n++] = (uint8_t) (ttl >> 8);
        buf[n++] = (uint8_t) ttl;
        buf[n++] = 0;                   /* RDLENGTH. */
        buf[n++] = 4;
        assert_int_equal(inet_pton(AF_INET, answer, buf + n), 1);
        n += 4;
    }
    return n;
}

/* Sends from 'src':'sport' to 'dst':'dport' on 'w' at 'now_ms' a DNS
 * query for 'qname' if 'answer' is NULL, else a response giving it
 * 'answer' with TTL 'ttl', and stores the verdict in '*v'. */
static void
dns_send(struct dpi_worker *w, const char *src, uint16_t sport,
         const char *dst, uint16_t dport, const char *qname,
         const char *answer, uint32_t ttl, uint64_t now_ms,
         struct dpi_verdict *v)
{
    uint8_t msg[512];
    struct dpi_pkt pkt;
    size_t n;

    n = dns_make(msg, qname, answer, ttl);
    pkt_make(&pkt, 17, src, sport, dst, dport, 0, msg, n);
    dpi_process(w, &pkt, now_ms, v);
}

/* Sends a DNS query for 'qname' from client 192.0.2.10:'port' to resolver
 * 198.51.100.53 on 'w' at 'now_ms'. */
static void
dns_ask(struct dpi_worker *w, uint16_t port, const char *qname,
        uint64_t now_ms)
{
    struct dpi_verdict v;

    dns_send(w, "192.0.2.10", port, "198.51.100.53", 53, qname, NULL, 0,
             now_ms, &v);
}

/* Sends a DNS response for 'qname' -> 'answer' (TTL 'ttl') from resolver
 * 198.51.100.53 to client 192.0.2.10:'port' on 'w' at 'now_ms', and
 * stores the verdict in '*v'. */
static void
dns_respond(struct dpi_worker *w, uint16_t port, const char *qname,
            const char *answer, uint32_t ttl, uint64_t now_ms,
            struct dpi_verdict *v)
{
    dns_send(w, "198.51.100.53", 53, "192.0.2.10", port, qname, answer,
             ttl, now_ms, v);
}

/* Runs a DNS query and response for 'qname' -> 'answer' (TTL 'ttl') on
 * 'w' at 'now_ms', from client 192.0.2.10 (a new port each time) to
 * resolver 198.51.100.53, and
 * checks that the DNS connection is classified as 'service'. */
static void
resolve(struct dpi_worker *w, const char *qname, const char *answer,
        uint32_t ttl, uint64_t now_ms, const char *service)
{
    static uint16_t port = 40000;
    struct dpi_verdict v;

    port++;
    dns_ask(w, port, qname, now_ms);
    dns_respond(w, port, qname, answer, ttl, now_ms, &v);
    assert_string_equal(dpi_app_name(v.app_proto), "dns");
    assert_string_equal(dpi_app_name(v.app_id), service);
}

/* Sends a TCP SYN from 192.0.2.10:'sport' to 'dst':443 on 'w' at 'now_ms'
 * and returns the verdict's app_id name ("unknown" for 0); checks that the
 * connection is still being inspected, without a protocol. */
static const char *
syn_app(struct dpi_worker *w, uint16_t sport, const char *dst,
        uint64_t now_ms)
{
    struct dpi_verdict v;
    struct dpi_pkt pkt;

    pkt_make(&pkt, 6, "192.0.2.10", sport, dst, 443, 0x02, NULL, 0);
    dpi_process(w, &pkt, now_ms, &v);
    assert_int_equal(v.app_proto, 0);
    assert_int_equal(v.state, DPI_STATE_TRK | DPI_STATE_PEND);
    return dpi_app_name(v.app_id);
}

/* A DNS answer for a service's name labels the next connection to the
 * answer address from its first packet; a name of no service labels
 * nothing. */
static void
test_dns_answer_labels_first_packet(void **state)
{
    static const char http_req[] = "GET / HTTP/1.1\r\n"
                                   "Host: www.netflix.com\r\n\r\n";
    static const char http_other[] = "GET / HTTP/1.1\r\n"
                                     "Host: www.example.org\r\n\r\n";
    struct dpi_engine *engine;
    struct dpi_worker *w;
    struct dpi_verdict v;
    struct dpi_pkt pkt;

    (void) state;
    w = engine_and_worker(NULL, &engine);

    assert_string_equal(syn_app(w, 50000, "203.0.113.7", 1000), "unknown");
    resolve(w, "www.youtube.com", "203.0.113.7", 300, 2000, "youtube");
    assert_string_equal(syn_app(w, 50001, "203.0.113.7", 3000), "youtube");
    assert_string_equal(syn_app(w, 50002, "203.0.113.8", 3000), "unknown");

    resolve(w, "www.example.org", "203.0.113.9", 300, 4000, "dns");
    assert_string_equal(syn_app(w, 50003, "203.0.113.9", 5000), "unknown");

    /* Two names of different services on one connection (same ports):
     * their answers cannot be told apart, so neither is learned. */
    dns_ask(w, 39999, "www.youtube.com", 5000);
    dns_respond(w, 39999, "www.youtube.com", "203.0.113.10", 300, 5000, &v);
    dns_respond(w, 39999, "www.netflix.com", "203.0.113.11", 300, 5000, &v);
    assert_string_equal(syn_app(w, 50005, "203.0.113.10", 5000), "youtube");
    assert_string_equal(syn_app(w, 50006, "203.0.113.11", 5000), "unknown");

    /* The connection's own host name replaces the service by address... */
    pkt_make(&pkt, 6, "192.0.2.10", 50001, "203.0.113.7", 443, 0x18,
             http_req, sizeof http_req - 1);
    dpi_process(w, &pkt, 6000, &v);
    assert_string_equal(dpi_app_name(v.app_proto), "http");
    assert_string_equal(dpi_app_name(v.app_id), "netflix");
    assert_int_equal(v.state, DPI_STATE_TRK | DPI_STATE_DONE);

    /* ... but a host name of no service keeps it. */
    assert_string_equal(syn_app(w, 50004, "203.0.113.7", 7000), "youtube");
    pkt_make(&pkt, 6, "192.0.2.10", 50004, "203.0.113.7", 443, 0x18,
             http_other, sizeof http_other - 1);
    dpi_process(w, &pkt, 7000, &v);
    assert_string_equal(dpi_app_name(v.app_proto), "http");
    assert_string_equal(dpi_app_name(v.app_id), "youtube");

    dpi_worker_destroy(w);
    dpi_engine_destroy(engine);
}

/* dpi_engine_dump() callback: appends to 'aux' (a string of 64 bytes) the
 * dns_answer values of the connection from client port 41000, each
 * followed by a space, as far as they fit ('aux' then ends in "+").  (No
 * assertion here: the callback runs with the connection's stripe
 * locked.) */
static void
answers_cb(const struct dpi_flow_info *info, void *aux)
{
    struct dpi_md_value v;
    uint32_t pos = 0;
    char *out = aux;

    if (info->key.sport != 41000) {
        return;
    }
    while (dpi_md_next(info->md, &pos, &v)) {
        size_t len = strlen(out);

        if (v.field != DPI_F_dns_answer) {
            continue;
        } else if (len + v.len + 3 > 64) {
            memcpy(out + (len < 62 ? len : 62), "+", 2);
            return;
        }
        memcpy(out + len, v.str, v.len);
        memcpy(out + len + v.len, " ", 2);
    }
}

/* Only answers teach the DNS cache: a response from the server of a
 * connection whose client has sent something first.  A "response" that a
 * client sends toward the resolver, before or after the real one, one
 * that no query came before, and one that a host sends from its own port
 * 53 to a high port (which makes it the server) teach nothing; the
 * metadata still shows every answer. */
static void
test_dns_answer_only_from_answers(void **state)
{
    char answers[64] = "";
    struct dpi_engine *engine;
    struct dpi_worker *w;
    struct dpi_verdict v;

    (void) state;
    w = engine_and_worker(NULL, &engine);

    /* Forged by the client first, then the resolver's response. */
    dns_send(w, "192.0.2.10", 41000, "198.51.100.53", 53, "www.youtube.com",
             "203.0.113.30", 300, 1000, &v);
    assert_string_equal(dpi_app_name(v.app_proto), "dns");
    dns_respond(w, 41000, "www.youtube.com", "203.0.113.31", 300, 1000, &v);

    /* A query and its response, then a forged one. */
    dns_ask(w, 41001, "www.youtube.com", 1000);
    dns_respond(w, 41001, "www.youtube.com", "203.0.113.32", 300, 1000, &v);
    dns_send(w, "192.0.2.10", 41001, "198.51.100.53", 53, "www.youtube.com",
             "203.0.113.33", 300, 1000, &v);

    /* A response to no query. */
    dns_respond(w, 41002, "www.youtube.com", "203.0.113.34", 300, 1000, &v);

    /* From the client's own port 53. */
    dns_send(w, "192.0.2.10", 53, "198.51.100.99", 40000, "www.youtube.com",
             "203.0.113.35", 300, 1000, &v);
    assert_string_equal(dpi_app_name(v.app_proto), "dns");

    assert_string_equal(syn_app(w, 50010, "203.0.113.30", 2000), "unknown");
    assert_string_equal(syn_app(w, 50011, "203.0.113.31", 2000), "youtube");
    assert_string_equal(syn_app(w, 50012, "203.0.113.32", 2000), "youtube");
    assert_string_equal(syn_app(w, 50013, "203.0.113.33", 2000), "unknown");
    assert_string_equal(syn_app(w, 50014, "203.0.113.34", 2000), "unknown");
    assert_string_equal(syn_app(w, 50015, "203.0.113.35", 2000), "unknown");

    /* Metadata: both answers of the first connection. */
    dpi_engine_dump(engine, answers_cb, answers);
    assert_string_equal(answers, "203.0.113.30 203.0.113.31 ");

    dpi_worker_destroy(w);
    dpi_engine_destroy(engine);
}

/* A learned address expires after the answer's TTL, capped at the idle
 * timeout. */
static void
test_dns_answer_expires(void **state)
{
    struct dpi_engine *engine;
    struct dpi_verdict v;
    struct dpi_config cfg;
    struct dpi_worker *w;

    (void) state;
    dpi_config_init(&cfg);
    cfg.idle_timeout_ms = 60000;
    w = engine_and_worker(&cfg, &engine);

    /* TTL 30 s. */
    resolve(w, "www.youtube.com", "203.0.113.7", 30, 1000, "youtube");
    assert_string_equal(syn_app(w, 50000, "203.0.113.7", 30999), "youtube");
    assert_string_equal(syn_app(w, 50001, "203.0.113.7", 31000), "unknown");

    /* TTL one day, capped at the 60 s idle timeout. */
    resolve(w, "www.netflix.com", "203.0.113.8", 86400, 100000, "netflix");
    assert_string_equal(syn_app(w, 50002, "203.0.113.8", 159999), "netflix");
    assert_string_equal(syn_app(w, 50003, "203.0.113.8", 160000), "unknown");

    /* Two responses on one connection: the first answer keeps its own
     * TTL (10 s), not the second's (50 s). */
    dns_ask(w, 39998, "www.youtube.com", 170000);
    dns_respond(w, 39998, "www.youtube.com", "203.0.113.20", 10, 170000,
                &v);
    dns_respond(w, 39998, "www.youtube.com", "203.0.113.21", 50, 171000,
                &v);
    assert_string_equal(syn_app(w, 50006, "203.0.113.20", 179999),
                        "youtube");
    assert_string_equal(syn_app(w, 50007, "203.0.113.20", 180000),
                        "unknown");
    assert_string_equal(syn_app(w, 50008, "203.0.113.21", 220999),
                        "youtube");
    assert_string_equal(syn_app(w, 50009, "203.0.113.21", 221000),
                        "unknown");

    /* TTL 0: not cached; nor a TTL with its top bit set, which counts as
     * 0 (RFC 2181 8). */
    resolve(w, "www.youtube.com", "203.0.113.9", 0, 200000, "youtube");
    assert_string_equal(syn_app(w, 50004, "203.0.113.9", 200000), "unknown");
    resolve(w, "www.youtube.com", "203.0.113.10", UINT32_C(0x80000001),
            200000, "youtube");
    assert_string_equal(syn_app(w, 50005, "203.0.113.10", 200000),
                        "unknown");

    dpi_worker_destroy(w);
    dpi_engine_destroy(engine);
}

/* The cache never holds more than its capacity, however many answers come;
 * the most recently used entries survive; expired entries are gone. */
static void
test_dns_cache_is_bounded(void **state)
{
    struct dpi_dnscache *c = dpi_dnscache_create(100);
    struct dpi_addr keep, a;
    uint32_t i;

    (void) state;
    assert_non_null(c);
    assert_int_equal(dpi_dnscache_capacity(c), 128);
    addr_set(&keep, "2001:db8::1");
    dpi_dnscache_insert(c, 0, &keep, 1025, 0, 1000000);
    for (i = 0; i < 100000; i++) {
        memset(&a, 0, sizeof a);
        a.b[10] = a.b[11] = 0xff;
        memcpy(a.b + 12, &i, 4);
        dpi_dnscache_insert(c, 0, &a, 1027, i, 1000000);
        assert_int_equal(dpi_dnscache_lookup(c, 0, &a, i), 1027);
        /* Used after every insertion: never the least recently used. */
        assert_int_equal(dpi_dnscache_lookup(c, 0, &keep, i), 1025);
    }
    assert_int_equal(dpi_dnscache_count(c, 100000), 128);

    /* Everything expires. */
    assert_int_equal(dpi_dnscache_count(c, 1000000 + 100000), 0);
    assert_int_equal(dpi_dnscache_lookup(c, 0, &keep, 1000000), 0);
    assert_int_equal(dpi_dnscache_lookup(c, 0, &a, 1000000 + 99998), 1027);
    assert_int_equal(dpi_dnscache_lookup(c, 0, &a, 1000000 + 99999), 0);
    dpi_dnscache_destroy(c);
}

/* Stores in '*a' the IPv4-mapped address 10.0.X.Y for 'i' = X * 256 + Y
 * (less than 65536). */
static void
addr_v4_nth(struct dpi_addr *a, uint32_t i)
{
    uint32_t v = htonl(0x0a000000 + i);

    memset(a, 0, sizeof *a);
    a->b[10] = a->b[11] = 0xff;
    memcpy(a->b + 12, &v, 4);
}

/* Every bit of an address chooses its set: the addresses of one IPv4 /16,
 * as many as the cache holds, spread over the whole cache instead of
 * crowding into one set (with an ideal hash about 88 % of them survive:
 * Poisson-distributed sets of 8 ways at a load of 8). */
static void
test_dns_cache_spreads_one_prefix(void **state)
{
    struct dpi_dnscache *c = dpi_dnscache_create(65536);
    struct dpi_addr a;
    size_t n = 0;
    uint32_t i;

    (void) state;
    assert_non_null(c);
    assert_int_equal(dpi_dnscache_capacity(c), 65536);
    for (i = 0; i < 65536; i++) {
        addr_v4_nth(&a, i);
        dpi_dnscache_insert(c, 0, &a, 1027, i, 1000000);
    }
    for (i = 0; i < 65536; i++) {
        addr_v4_nth(&a, i);
        n += dpi_dnscache_lookup(c, 0, &a, 65536) == 1027;
    }
    assert_true(n > 65536 / 4 * 3);
    dpi_dnscache_destroy(c);
}

/* Arguments of a cache_flood() thread. */
struct cache_flood_arg {
    struct dpi_dnscache *c;     /* Shared cache. */
    uint32_t base;              /* First address (as an integer). */
    uint32_t n_hits;            /* Lookups that found their own entry. */
};

/* Thread body: inserts 20000 addresses from 'arg->base', each looked up
 * right after its insertion. */
static void *
cache_flood(void *arg_)
{
    struct cache_flood_arg *arg = arg_;
    uint32_t i;

    for (i = 0; i < 20000; i++) {
        struct dpi_addr a;
        uint32_t v = arg->base + i;

        memset(&a, 0, sizeof a);
        a.b[10] = a.b[11] = 0xff;
        memcpy(a.b + 12, &v, 4);
        dpi_dnscache_insert(arg->c, 0, &a, 1025, i, 1000000);
        arg->n_hits += dpi_dnscache_lookup(arg->c, 0, &a, i) == 1025;
    }
    return NULL;
}

/* Threads flooding one cache concurrently keep it within its bound. */
static void
test_dns_cache_concurrent_flood(void **state)
{
    struct dpi_dnscache *c = dpi_dnscache_create(1024);
    struct cache_flood_arg args[4];
    pthread_t threads[4];
    int i;

    (void) state;
    assert_non_null(c);
    for (i = 0; i < 4; i++) {
        args[i].c = c;
        args[i].base = (uint32_t) i << 24;
        args[i].n_hits = 0;
        assert_int_equal(pthread_create(&threads[i], NULL, cache_flood,
                                        &args[i]), 0);
    }
    for (i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(threads[i], NULL), 0);
        /* Another thread may evict an entry between insert and lookup,
         * but only rarely: 8 ways per set. */
        assert_true(args[i].n_hits > 19000);
    }
    assert_int_equal(dpi_dnscache_count(c, 0), 1024);
    dpi_dnscache_destroy(c);
}

/* An "ip" block of the signature file labels a new connection whose server
 * address it holds from the first packet; the client's address does not
 * count when the first packet tells which side is the client. */
static void
test_ip_block_labels_first_packet(void **state)
{
    static const uint8_t data[] = { 1, 2, 3, 4 };
    char path[] = "/tmp/test-engine-sig-XXXXXX";
    struct dpi_engine *engine;
    struct dpi_config cfg;
    struct dpi_worker *w;
    struct dpi_verdict v;
    struct dpi_pkt pkt;
    int fd = mkstemp(path);
    FILE *f;

    (void) state;
    assert_true(fd >= 0);
    f = fdopen(fd, "w");
    assert_non_null(f);
    fprintf(f, "protocol dns udp ports 53\n"
            "service telegram ip \"149.154.160.0/20\" ip \"2001:b28::/32\"\n");
    fclose(f);
    dpi_config_init(&cfg);
    cfg.signatures = path;
    assert_int_equal(dpi_engine_create(&cfg, &engine, NULL), 0);
    unlink(path);
    w = dpi_worker_create(engine);
    assert_non_null(w);

    /* SYN to the block. */
    pkt_make(&pkt, 6, "10.0.0.1", 40000, "149.154.167.51", 443, 0x02,
             NULL, 0);
    dpi_process(w, &pkt, 1, &v);
    assert_string_equal(dpi_app_name(v.app_id), "telegram");
    assert_int_equal(v.state, DPI_STATE_TRK | DPI_STATE_PEND);

    /* SYN-ACK from the block (the SYN was not seen). */
    pkt_make(&pkt, 6, "149.154.167.51", 443, "10.0.0.1", 40001, 0x12,
             NULL, 0);
    dpi_process(w, &pkt, 1, &v);
    assert_string_equal(dpi_app_name(v.app_id), "telegram");

    /* SYN from the block: the block holds the client, not the server. */
    pkt_make(&pkt, 6, "149.154.167.51", 40002, "10.0.0.1", 443, 0x02,
             NULL, 0);
    dpi_process(w, &pkt, 1, &v);
    assert_int_equal(v.app_id, 0);

    /* UDP, client unknown: either address; IPv6. */
    pkt_make(&pkt, 17, "2001:b28:f23d:f001::a", 443, "2001:db8::5", 40003,
             0, data, sizeof data);
    dpi_process(w, &pkt, 1, &v);
    assert_string_equal(dpi_app_name(v.app_id), "telegram");
    assert_int_equal(v.app_proto, 0);

    /* Outside the block. */
    pkt_make(&pkt, 17, "10.0.0.1", 40004, "149.154.176.1", 443, 0,
             data, sizeof data);
    dpi_process(w, &pkt, 1, &v);
    assert_int_equal(v.app_id, 0);

    dpi_worker_destroy(w);
    dpi_engine_destroy(engine);
}

/* A connection whose inspection ends without a verdict takes the protocol
 * its server port suggests, with state UNK: after FINs from both sides,
 * and for a connection still pending when dpi_worker_give_up_all() is
 * called.  A port that no protocol lists gives no guess. */
static void
test_give_up_guesses_by_port(void **state)
{
    static const uint8_t junk[] = { 0x00, 0x01, 0x02, 0x03 };
    struct dpi_engine *engine;
    struct dpi_worker *w;
    struct dpi_verdict v;
    struct dpi_pkt pkt;

    (void) state;
    w = engine_and_worker(NULL, &engine);

    /* SYN, then FIN both ways, no payload: a guess on FIN. */
    pkt_make(&pkt, 6, "10.0.0.1", 40000, "10.0.0.2", 443, 0x02, NULL, 0);
    dpi_process(w, &pkt, 1, &v);
    assert_int_equal(v.state, DPI_STATE_TRK | DPI_STATE_PEND);
    assert_int_equal(v.app_proto, 0);
    pkt_make(&pkt, 6, "10.0.0.1", 40000, "10.0.0.2", 443, 0x11, NULL, 0);
    dpi_process(w, &pkt, 2, &v);
    pkt_make(&pkt, 6, "10.0.0.2", 443, "10.0.0.1", 40000, 0x11, NULL, 0);
    dpi_process(w, &pkt, 3, &v);
    assert_int_equal(v.state, DPI_STATE_TRK | DPI_STATE_UNK);
    assert_int_equal(v.app_proto, DPI_APP_tls);
    assert_int_equal(v.app_id, DPI_APP_tls);

    /* Pending UDP to port 53 with a payload that is no DNS, and TCP to an
     * unlisted port: given up at the end. */
    pkt_make(&pkt, 17, "10.0.0.1", 40001, "10.0.0.2", 53, 0, junk,
             sizeof junk);
    dpi_process(w, &pkt, 4, &v);
    pkt_make(&pkt, 6, "10.0.0.1", 40002, "10.0.0.2", 40003, 0x02, NULL, 0);
    dpi_process(w, &pkt, 4, &v);
    assert_int_equal(v.state, DPI_STATE_TRK | DPI_STATE_PEND);
    dpi_worker_give_up_all(w);
    pkt_make(&pkt, 17, "10.0.0.1", 40001, "10.0.0.2", 53, 0, junk,
             sizeof junk);
    dpi_process(w, &pkt, 5, &v);
    assert_int_equal(v.state, DPI_STATE_TRK | DPI_STATE_UNK);
    assert_int_equal(v.app_proto, DPI_APP_dns);
    pkt_make(&pkt, 6, "10.0.0.1", 40002, "10.0.0.2", 40003, 0x10, NULL, 0);
    dpi_process(w, &pkt, 5, &v);
    assert_int_equal(v.state, DPI_STATE_TRK | DPI_STATE_UNK);
    assert_int_equal(v.app_proto, 0);
    assert_int_equal(v.app_id, 0);

    dpi_worker_destroy(w);
    dpi_engine_destroy(engine);
}

/* A "protocol SERVICE" payload line identifies the service itself: app_id
 * the service, app_proto 0, DPI_STATE_DONE, also when the server's address
 * block already named the same service (the payload is a verdict, the
 * address alone is not). */
static void
test_service_identified_by_payload(void **state)
{
    static const uint8_t spot[] = "SpotUdp0 rest of datagram";
    static const uint8_t other[] = "nothing known here, 32 bytes....";
    char path[] = "/tmp/test-engine-sig-XXXXXX";
    struct dpi_engine *engine;
    struct dpi_config cfg;
    struct dpi_worker *w;
    struct dpi_verdict v;
    struct dpi_pkt pkt;
    int fd = mkstemp(path);
    FILE *f;

    (void) state;
    assert_true(fd >= 0);
    f = fdopen(fd, "w");
    assert_non_null(f);
    fprintf(f, "protocol spotify udp payload \"^SpotUdp0\"\n"
            "service spotify ip \"192.0.2.0/24\"\n");
    fclose(f);
    dpi_config_init(&cfg);
    cfg.signatures = path;
    assert_int_equal(dpi_engine_create(&cfg, &engine, NULL), 0);
    unlink(path);
    w = dpi_worker_create(engine);
    assert_non_null(w);

    /* Outside the block. */
    pkt_make(&pkt, 17, "10.0.0.1", 57621, "10.0.0.255", 57621, 0,
             spot, sizeof spot - 1);
    dpi_process(w, &pkt, 1, &v);
    assert_string_equal(dpi_app_name(v.app_id), "spotify");
    assert_int_equal(v.app_proto, 0);
    assert_int_equal(v.state, DPI_STATE_TRK | DPI_STATE_DONE);

    /* Inside the block: the same service, now a final verdict. */
    pkt_make(&pkt, 17, "10.0.0.1", 40000, "192.0.2.7", 4070, 0,
             spot, sizeof spot - 1);
    dpi_process(w, &pkt, 1, &v);
    assert_string_equal(dpi_app_name(v.app_id), "spotify");
    assert_int_equal(v.app_proto, 0);
    assert_int_equal(v.state, DPI_STATE_TRK | DPI_STATE_DONE);

    /* Inside the block, other payload: the address alone, still pending. */
    pkt_make(&pkt, 17, "10.0.0.1", 40001, "192.0.2.7", 4070, 0,
             other, sizeof other - 1);
    dpi_process(w, &pkt, 1, &v);
    assert_string_equal(dpi_app_name(v.app_id), "spotify");
    assert_int_equal(v.state & DPI_STATE_DONE, 0);

    dpi_worker_destroy(w);
    dpi_engine_destroy(engine);
}

/* FTP control connections of the tests below: client 192.0.2.10, server
 * 198.51.100.21:21. */
#define FTP_CLIENT "192.0.2.10"
#define FTP_SERVER "198.51.100.21"

/* Sends on 'w' at 'now_ms' the payload 's' on the FTP control connection
 * from client port 'cport', to the server if 'to_server', and returns the
 * verdict. */
static struct dpi_verdict
ftp_send(struct dpi_worker *w, uint16_t cport, bool to_server,
         const char *s, uint64_t now_ms)
{
    struct dpi_verdict v;
    struct dpi_pkt pkt;

    if (to_server) {
        pkt_make(&pkt, 6, FTP_CLIENT, cport, FTP_SERVER, 21, 0x18, s,
                 strlen(s));
    } else {
        pkt_make(&pkt, 6, FTP_SERVER, 21, FTP_CLIENT, cport, 0x18, s,
                 strlen(s));
    }
    dpi_process(w, &pkt, now_ms, &v);
    return v;
}

/* Opens on 'w' at 'now_ms' an FTP control connection from client port
 * 'cport' and logs in, checking that it is classified ftp_control. */
static void
ftp_login(struct dpi_worker *w, uint16_t cport, uint64_t now_ms)
{
    struct dpi_verdict v;
    struct dpi_pkt pkt;

    pkt_make(&pkt, 6, FTP_CLIENT, cport, FTP_SERVER, 21, 0x02, NULL, 0);
    dpi_process(w, &pkt, now_ms, &v);
    ftp_send(w, cport, false, "220 FTP server ready\r\n", now_ms);
    v = ftp_send(w, cport, true, "USER anonymous\r\n", now_ms);
    assert_string_equal(dpi_app_name(v.app_proto), "ftp_control");
    assert_int_equal(v.state, DPI_STATE_TRK | DPI_STATE_DONE);
}

/* Sends on 'w' at 'now_ms' the first packet of a TCP connection, with
 * TCP flags 'flags', from 'src':'sport' to 'dst':'dport', and returns the
 * verdict's app_proto name ("unknown" for 0); checks that app_id is
 * app_proto when one is found, and that the verdict is then final. */
static const char *
first_packet_proto(struct dpi_worker *w, const char *src, uint16_t sport,
                   const char *dst, uint16_t dport, uint8_t flags,
                   uint64_t now_ms)
{
    struct dpi_verdict v;
    struct dpi_pkt pkt;

    pkt_make(&pkt, 6, src, sport, dst, dport, flags, NULL, 0);
    dpi_process(w, &pkt, now_ms, &v);
    if (v.app_proto) {
        assert_int_equal(v.app_id, v.app_proto);
        assert_int_equal(v.state, DPI_STATE_TRK | DPI_STATE_DONE);
    } else {
        assert_int_equal(v.state, DPI_STATE_TRK | DPI_STATE_PEND);
    }
    return dpi_app_name(v.app_proto);
}

/* A passive mode reply (227, or 229 for EPSV) makes the client's next
 * connection to the announced port ftp_data from its first packet (the
 * SYN), once; a connection to it from another client is not. */
static void
test_ftp_passive_data_labels_first_packet(void **state)
{
    struct dpi_engine *engine;
    struct dpi_worker *w;
    struct dpi_verdict v;

    (void) state;
    w = engine_and_worker(NULL, &engine);
    ftp_login(w, 40000, 1000);

    assert_string_equal(first_packet_proto(w, FTP_CLIENT, 40001, FTP_SERVER,
                                           25685, 0x02, 1100), "unknown");
    v = ftp_send(w, 40000, true, "PASV\r\n", 1200);
    v = ftp_send(w, 40000, false, "227 Entering Passive Mode "
                 "(198,51,100,21,100,85).\r\n", 1200);
    assert_string_equal(dpi_app_name(v.app_proto), "ftp_control");
    assert_string_equal(first_packet_proto(w, "192.0.2.99", 40002,
                                           FTP_SERVER, 25685, 0x02, 1300),
                        "unknown");
    assert_string_equal(first_packet_proto(w, FTP_CLIENT, 40003, FTP_SERVER,
                                           25685, 0x02, 1300), "ftp_data");
    /* Used up. */
    assert_string_equal(first_packet_proto(w, FTP_CLIENT, 40004, FTP_SERVER,
                                           25685, 0x02, 1300), "unknown");

    /* EPSV: the control connection's server address. */
    ftp_send(w, 40000, false, "229 Entering Extended Passive Mode "
             "(|||6446|)\r\n", 2000);
    assert_string_equal(first_packet_proto(w, FTP_CLIENT, 40005, FTP_SERVER,
                                           6446, 0x02, 2000), "ftp_data");

    /* A server behind NAT announces its private address: the connection
     * to the address the client sees is data too.  A first packet from
     * the server (capture started late) matches as well. */
    ftp_send(w, 40000, false, "227 Entering Passive Mode "
             "(10,0,0,5,19,137).\r\n", 3000);
    assert_string_equal(first_packet_proto(w, FTP_SERVER, 5001, FTP_CLIENT,
                                           40006, 0x12, 3000), "ftp_data");

    dpi_worker_destroy(w);
    dpi_engine_destroy(engine);
}

/* A PORT or EPRT command makes the server's connection back to the
 * announced client port ftp_data from its first packet. */
static void
test_ftp_active_data_labels_first_packet(void **state)
{
    struct dpi_engine *engine;
    struct dpi_worker *w;

    (void) state;
    w = engine_and_worker(NULL, &engine);
    ftp_login(w, 40000, 1000);

    ftp_send(w, 40000, true, "PORT 192,0,2,10,19,137\r\n", 1100);
    assert_string_equal(first_packet_proto(w, FTP_SERVER, 20, FTP_CLIENT,
                                           5002, 0x02, 1200), "unknown");
    assert_string_equal(first_packet_proto(w, FTP_SERVER, 20, FTP_CLIENT,
                                           5001, 0x02, 1200), "ftp_data");

    ftp_send(w, 40000, true, "EPRT |1|192.0.2.10|6275|\r\n", 1300);
    assert_string_equal(first_packet_proto(w, FTP_SERVER, 20, FTP_CLIENT,
                                           6275, 0x02, 1400), "ftp_data");

    /* An IPv6 address on an IPv4 control connection: ignored. */
    ftp_send(w, 40000, true, "EPRT |2|2001:db8::1|6276|\r\n", 1500);
    assert_string_equal(first_packet_proto(w, FTP_SERVER, 20, "2001:db8::1",
                                           6276, 0x02, 1500), "unknown");

    /* The connection is expected from the FTP server only: a PORT naming
     * another host's port does not label a third host's connection to it,
     * nor one to the announcing client itself. */
    ftp_send(w, 40000, true, "PORT 203,0,113,7,1,187\r\n", 1600);
    assert_string_equal(first_packet_proto(w, "192.0.2.99", 40010,
                                           "203.0.113.7", 443, 0x02, 1600),
                        "unknown");
    assert_string_equal(first_packet_proto(w, "192.0.2.99", 40011,
                                           FTP_CLIENT, 443, 0x02, 1600),
                        "unknown");
    assert_string_equal(first_packet_proto(w, FTP_SERVER, 20, "203.0.113.7",
                                           443, 0x02, 1600), "ftp_data");

    dpi_worker_destroy(w);
    dpi_engine_destroy(engine);
}

/* Every bit of the server address chooses an expectation's set: 255
 * announcements for one port on as many addresses of a /16 leave an
 * earlier one in place (with an ideal hash, about 0.5 of them land in its
 * set of 8 ways). */
static void
test_ftp_expectations_spread(void **state)
{
    struct dpi_expect *x = dpi_expect_create(DPI_EXPECT_CAPACITY);
    struct dpi_addr client, server, a;
    struct dpi_key data;
    uint32_t i;

    (void) state;
    assert_non_null(x);
    addr_set(&client, FTP_CLIENT);
    addr_set(&server, "10.0.0.1");
    dpi_expect_insert(x, 0, 6, &client, &server, 50000, DPI_APP_ftp_data,
                      0, DPI_EXPECT_TIMEOUT_MS);
    for (i = 1; i < 256; i++) {
        addr_v4_nth(&a, i * 256);
        dpi_expect_insert(x, 0, 6, &client, &a, 50000, DPI_APP_ftp_data, i,
                          DPI_EXPECT_TIMEOUT_MS);
    }

    memset(&data, 0, sizeof data);
    data.src = client;
    data.dst = server;
    data.sport = 40001;
    data.dport = 50000;
    data.proto = 6;
    assert_int_equal(dpi_expect_match(x, &data, 1000), DPI_APP_ftp_data);
    dpi_expect_destroy(x);
}

/* A connection announced in a zone is expected in that zone only, not in
 * another zone nor on the VLAN whose number the zone has; outside zones,
 * on its VLAN only. */
static void
test_expectations_stay_in_their_zone(void **state)
{
    struct dpi_expect *x = dpi_expect_create(DPI_EXPECT_CAPACITY);
    struct dpi_key control, data;
    struct dpi_md md;
    char value[64];

    (void) state;
    assert_non_null(x);
    memset(&control, 0, sizeof control);
    addr_set(&control.src, FTP_CLIENT);
    addr_set(&control.dst, FTP_SERVER);
    control.sport = 40000;
    control.dport = 21;
    control.proto = 6;
    snprintf(value, sizeof value, "%u t s - 50000",
             (unsigned int) DPI_APP_ftp_data);
    dpi_md_init(&md, UINT32_MAX);

    /* Announced in zone 1. */
    dpi_key_set_zone(&control, 1);
    dpi_md_add_cstr(&md, DPI_F__expect, value);
    dpi_expect_learn(x, &control, &md, 0);
    data = control;
    data.sport = 40001;
    data.dport = 50000;
    data.vlan = 2;
    assert_int_equal(dpi_expect_match(x, &data, 1), 0);
    data.zoned = 0;
    data.vlan = 1;
    assert_int_equal(dpi_expect_match(x, &data, 1), 0);
    data.vlan = 0;
    dpi_key_set_zone(&data, 1);
    assert_int_equal(dpi_expect_match(x, &data, 1), DPI_APP_ftp_data);

    /* Announced on VLAN 7, outside zones. */
    control.zoned = 0;
    control.vlan = 7;
    dpi_md_add_cstr(&md, DPI_F__expect, value);
    dpi_expect_learn(x, &control, &md, 2);
    data = control;
    data.sport = 40002;
    data.dport = 50000;
    data.vlan = 8;
    assert_int_equal(dpi_expect_match(x, &data, 3), 0);
    data.vlan = 7;
    assert_int_equal(dpi_expect_match(x, &data, 3), DPI_APP_ftp_data);

    dpi_md_destroy(&md);
    dpi_expect_destroy(x);
}

/* A DNS answer seen in a zone labels the connections of that zone only:
 * not those of another zone, nor those on the VLAN whose number the zone
 * has. */
static void
test_dns_answers_stay_in_their_zone(void **state)
{
    struct dpi_engine *engine;
    struct dpi_worker *w;
    struct dpi_verdict v;
    struct dpi_pkt pkt;
    uint8_t msg[512];
    size_t n;

    (void) state;
    w = engine_and_worker(NULL, &engine);
    n = dns_make(msg, "www.youtube.com", NULL, 0);
    pkt_make(&pkt, 17, "192.0.2.10", 40000, "198.51.100.53", 53, 0, msg, n);
    dpi_key_set_zone(&pkt.key, 1);
    dpi_process(w, &pkt, 1000, &v);
    n = dns_make(msg, "www.youtube.com", "203.0.113.7", 300);
    pkt_make(&pkt, 17, "198.51.100.53", 53, "192.0.2.10", 40000, 0, msg, n);
    dpi_key_set_zone(&pkt.key, 1);
    dpi_process(w, &pkt, 1000, &v);
    assert_string_equal(dpi_app_name(v.app_id), "youtube");

    for (int i = 0; i < 3; i++) {
        pkt_make(&pkt, 6, "192.0.2.10", 50000 + i, "203.0.113.7", 443, 0x02,
                 NULL, 0);
        if (i == 0) {
            dpi_key_set_zone(&pkt.key, 2);
        } else if (i == 1) {
            pkt.key.vlan = 1;
        } else {
            dpi_key_set_zone(&pkt.key, 1);
        }
        dpi_process(w, &pkt, 2000, &v);
        assert_string_equal(dpi_app_name(v.app_id),
                            i == 2 ? "youtube" : "unknown");
    }

    dpi_worker_destroy(w);
    dpi_engine_destroy(engine);
}

/* An announced connection is expected for DPI_EXPECT_TIMEOUT_MS only. */
static void
test_ftp_data_expectation_expires(void **state)
{
    struct dpi_engine *engine;
    struct dpi_worker *w;

    (void) state;
    w = engine_and_worker(NULL, &engine);
    ftp_login(w, 40000, 1000);

    ftp_send(w, 40000, false, "227 Entering Passive Mode "
             "(198,51,100,21,100,85).\r\n", 2000);
    ftp_send(w, 40000, false, "227 Entering Passive Mode "
             "(198,51,100,21,100,86).\r\n", 2000);
    assert_string_equal(first_packet_proto(w, FTP_CLIENT, 40001, FTP_SERVER,
                                           25685, 0x02, 2000 + 59999),
                        "ftp_data");
    assert_string_equal(first_packet_proto(w, FTP_CLIENT, 40002, FTP_SERVER,
                                           25686, 0x02, 2000 + 60000),
                        "unknown");

    dpi_worker_destroy(w);
    dpi_engine_destroy(engine);
}

/* Malformed replies and commands announce nothing. */
static void
test_ftp_malformed_announces_nothing(void **state)
{
    static const char *const bad[] = {
        "227 Entering Passive Mode (198,51,100,21,100).\r\n",
        "227 Entering Passive Mode (198,51,100,21,100,856).\r\n",
        "227 Entering Passive Mode (198,51,100,21,1000,85).\r\n",
        "227 Entering Passive Mode (198,51,100,,100,85).\r\n",
        "229 Entering Extended Passive Mode (|||25685)\r\n",
        "229 Entering Extended Passive Mode (|||99999|)\r\n",
    };
    struct dpi_engine *engine;
    struct dpi_worker *w;
    uint16_t sport = 41000;

    (void) state;
    w = engine_and_worker(NULL, &engine);
    ftp_login(w, 40000, 1000);

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        static const uint16_t ports[] = { 100, 25600, 25685, 26456, 99,
                                          25856, 856 };

        ftp_send(w, 40000, false, bad[i], 2000);
        for (size_t j = 0; j < sizeof ports / sizeof ports[0]; j++) {
            assert_string_equal(first_packet_proto(w, FTP_CLIENT, sport++,
                                                   FTP_SERVER, ports[j],
                                                   0x02, 2000), "unknown");
        }
    }

    dpi_worker_destroy(w);
    dpi_engine_destroy(engine);
}

/* An entry made close to the end of time lives out its lifetime instead
 * of expiring at once because its expiry time wrapped around. */
static void
test_expiry_near_end_of_time(void **state)
{
    struct dpi_dnscache *c = dpi_dnscache_create(128);
    struct dpi_expect *x = dpi_expect_create(DPI_EXPECT_CAPACITY);
    struct dpi_addr client, server;
    uint64_t t = UINT64_MAX - 10;

    (void) state;
    assert_non_null(c);
    assert_non_null(x);
    addr_set(&client, FTP_CLIENT);
    addr_set(&server, FTP_SERVER);

    dpi_dnscache_insert(c, 0, &server, 1025, t, 1000);
    assert_int_equal(dpi_dnscache_lookup(c, 0, &server, t + 5), 1025);
    dpi_expect_insert(x, 0, 6, &client, &server, 50000, DPI_APP_ftp_data,
                      t, 1000);
    assert_int_equal(dpi_expect_count(x, t + 5), 1);

    dpi_expect_destroy(x);
    dpi_dnscache_destroy(c);
}

/* The table holds at most its capacity: a flood of announcements evicts
 * the oldest ones and never the newest; malformed _expect values (see
 * dpi-proto.h) are ignored; expired entries do not count. */
static void
test_expect_table_is_bounded(void **state)
{
    struct dpi_expect *x = dpi_expect_create(DPI_EXPECT_CAPACITY);
    static const char *const bad[] = {
        "24 t s 198.51.100.21",
        "24 t s 198.51.100.21 0",
        "24 t s 198.51.100.21 65536",
        "24 t s 198.51.100.21 80 x",
        "24 x s 198.51.100.21 80",
        "24 t x 198.51.100.21 80",
        "0 t s 198.51.100.21 80",
        "1023 t s 198.51.100.21 80",
        "24 t s 2001:db8::1 80",
        "24 t s 198.51.100 80",
        "",
    };
    struct dpi_key control, data;
    struct dpi_engine *engine;
    struct dpi_worker *w;
    struct dpi_md md;
    char value[64];
    size_t i;

    (void) state;
    assert_non_null(x);
    assert_int_equal(dpi_expect_capacity(x), DPI_EXPECT_CAPACITY);

    memset(&control, 0, sizeof control);
    addr_set(&control.src, FTP_CLIENT);
    addr_set(&control.dst, FTP_SERVER);
    control.sport = 40000;
    control.dport = 21;
    control.proto = 6;

    dpi_md_init(&md, UINT32_MAX);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        dpi_md_add_cstr(&md, DPI_F__expect, bad[i]);
    }
    dpi_expect_learn(x, &control, &md, 0);
    assert_int_equal(dpi_expect_count(x, 0), 0);
    assert_int_equal(dpi_md_count(&md, DPI_F__expect), 0);

    /* 16 times the capacity, each matchable right after its insertion. */
    data = control;
    data.sport = 40001;
    for (i = 0; i < 16 * DPI_EXPECT_CAPACITY; i++) {
        snprintf(value, sizeof value, "%u t s - %zu",
                 (unsigned int) DPI_APP_ftp_data, 1 + i % 65535);
        dpi_md_add_cstr(&md, DPI_F__expect, value);
        dpi_expect_learn(x, &control, &md, i);
        assert_true(dpi_expect_count(x, i) <= DPI_EXPECT_CAPACITY);
    }
    assert_int_equal(dpi_expect_count(x, i), DPI_EXPECT_CAPACITY);
    data.dport = 1 + (i - 1) % 65535;
    assert_int_equal(dpi_expect_match(x, &data, i), DPI_APP_ftp_data);
    assert_int_equal(dpi_expect_match(x, &data, i), 0);
    assert_int_equal(dpi_expect_count(x, i + DPI_EXPECT_TIMEOUT_MS), 0);
    dpi_md_destroy(&md);
    dpi_expect_destroy(x);

    /* The same flood through the engine, as 227 replies. */
    w = engine_and_worker(NULL, &engine);
    ftp_login(w, 40000, 1000);
    for (i = 0; i < 4 * DPI_EXPECT_CAPACITY; i++) {
        char reply[128];

        snprintf(reply, sizeof reply, "227 Entering Passive Mode "
                 "(198,51,100,21,%zu,%zu).\r\n", 100 + i / 256, i % 256);
        ftp_send(w, 40000, false, reply, 2000);
    }
    i--;
    assert_string_equal(first_packet_proto(w, FTP_CLIENT, 40001, FTP_SERVER,
                                           (100 + i / 256) * 256 + i % 256,
                                           0x02, 2000), "ftp_data");
    dpi_worker_destroy(w);
    dpi_engine_destroy(engine);
}

/* ftp.pcap: the two data connections that the control connection
 * announces with 227 replies are ftp_data from their first packet (the
 * SYN).  The oracle: tshark's ftp-data dissector, which follows the 227
 * replies, labels the TCP connections to server ports 25685 and 24523
 * ("tshark -r ftp.pcap -Y ftp-data"); nDPI labels the first FTP_DATA and
 * the second, a 1 MB download, Unknown. */
static void
test_ftp_capture_data_connections(void **state)
{
    static const uint16_t data_ports[] = { 25685, 24523 };
    const char *dir = corpus_dir();
    char errbuf[PCAP_ERRBUF_SIZE];
    struct dpi_engine *engine;
    struct dpi_worker *worker;
    struct pcap_pkthdr *hdr;
    const u_char *data;
    size_t n_data = 0;
    char path[4096];
    pcap_t *pcap;

    (void) state;
    assert_int_equal(dpi_engine_create(NULL, &engine, NULL), 0);
    worker = dpi_worker_create(engine);
    assert_non_null(worker);
    snprintf(path, sizeof path, "%s/pcap/ftp.pcap", dir);
    pcap = pcap_open_offline(path, errbuf);
    if (!pcap) {
        fail_msg("%s: %s", path, errbuf);
    }
    while (pcap_next_ex(pcap, &hdr, &data) == 1) {
        uint64_t now = (uint64_t) hdr->ts.tv_sec * 1000
                       + hdr->ts.tv_usec / 1000;
        struct dpi_verdict v;
        struct dpi_pkt pkt;

        if (dpi_parse_eth(data, hdr->caplen, &pkt) != DPI_PARSE_OK) {
            continue;
        }
        pkt.frame_len = hdr->len;
        dpi_process(worker, &pkt, now, &v);
        for (size_t i = 0; i < sizeof data_ports / sizeof data_ports[0];
             i++) {
            if (pkt.key.proto == 6 && (pkt.key.sport == data_ports[i]
                                       || pkt.key.dport == data_ports[i])) {
                assert_string_equal(dpi_app_name(v.app_proto), "ftp_data");
                assert_string_equal(dpi_app_name(v.app_id), "ftp_data");
                assert_int_equal(v.state, DPI_STATE_TRK | DPI_STATE_DONE);
                n_data++;
            }
        }
    }
    pcap_close(pcap);
    /* Packets of the two connections in the oracle: 9 and 132. */
    assert_int_equal(n_data, 9 + 132);
    dpi_worker_destroy(worker);
    dpi_engine_destroy(engine);
}

/* Writes 'text' to a new temporary file whose name is stored in 'path'
 * (a mkstemp() template). */
static void
write_sig_file(char *path, const char *text)
{
    int fd = mkstemp(path);
    FILE *f;

    assert_true(fd >= 0);
    f = fdopen(fd, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Builds in 'buf' an IPv4 packet of IP protocol 'proto' from 10.0.1.'host'
 * to 10.0.0.2 (see make_ipv4()), a connection of its own for each
 * 'host'. */
static void
make_ipv4_from(uint8_t *buf, uint8_t proto, uint8_t host,
               struct dpi_pkt *pkt)
{
    make_ipv4(buf, proto, 0, false, pkt);
    pkt->key.src.b[14] = 1;
    pkt->key.src.b[15] = host;
}

/* dpi_engine_set_signatures() swaps the database of a running engine: new
 * connections follow the new file, connections with a verdict keep it, the
 * workers move to the new database at their next packet and the old one is
 * freed once the last worker has moved. */
static void
test_reload_swaps_database_keeps_verdicts(void **state)
{
    static const uint8_t done = DPI_STATE_TRK | DPI_STATE_DONE;
    static const uint8_t unk = DPI_STATE_TRK | DPI_STATE_UNK;
    char path_a[] = "/tmp/test-engine-sig-XXXXXX";
    char path_b[] = "/tmp/test-engine-sig-XXXXXX";
    struct dpi_worker *w1, *w2;
    struct dpi_engine *engine;
    struct dpi_config cfg;
    struct dpi_stats stats;
    struct dpi_pkt pkt;
    char *error = (char *) 1;
    uint8_t buf[64];

    (void) state;
    write_sig_file(path_a, "protocol vrrp ip 112\n");
    write_sig_file(path_b, "protocol icmp ip 1\n");
    dpi_config_init(&cfg);
    cfg.signatures = path_a;
    assert_int_equal(dpi_engine_create(&cfg, &engine, NULL), 0);
    w1 = dpi_worker_create(engine);
    w2 = dpi_worker_create(engine);
    assert_non_null(w1);
    assert_non_null(w2);
    assert_int_equal(dpi_engine_signatures_gen(engine), 0);

    /* File A: VRRP known, ICMP not. */
    make_ipv4_from(buf, 112, 1, &pkt);
    expect_verdict(w1, &pkt, done, DPI_APP_vrrp);
    make_ipv4_from(buf, 1, 1, &pkt);
    expect_verdict(w1, &pkt, unk, 0);

    assert_int_equal(dpi_engine_set_signatures(engine, path_b, &error), 0);
    assert_null(error);
    assert_string_equal(dpi_engine_signatures(engine), path_b);
    assert_int_equal(dpi_engine_signatures_gen(engine), 1);
    /* Both workers still hold file A's database. */
    assert_int_equal(dpi_engine_n_sigdbs(engine), 2);

    /* File B: the old connections keep their verdicts... */
    make_ipv4_from(buf, 112, 1, &pkt);
    expect_verdict(w1, &pkt, done, DPI_APP_vrrp);
    make_ipv4_from(buf, 1, 1, &pkt);
    expect_verdict(w1, &pkt, unk, 0);
    /* ...while new ones follow the new file. */
    make_ipv4_from(buf, 1, 2, &pkt);
    expect_verdict(w1, &pkt, done, DPI_APP_icmp);
    make_ipv4_from(buf, 112, 2, &pkt);
    expect_verdict(w1, &pkt, unk, 0);
    assert_int_equal(dpi_engine_n_sigdbs(engine), 2);

    /* The second worker moves at its first packet: file A's database is
     * no longer used. */
    make_ipv4_from(buf, 1, 3, &pkt);
    expect_verdict(w2, &pkt, done, DPI_APP_icmp);
    assert_int_equal(dpi_engine_n_sigdbs(engine), 1);

    /* Nothing was lost from the table or the counters. */
    dpi_engine_get_stats(engine, &stats);
    assert_int_equal(stats.n_flows, 5);
    assert_int_equal(stats.packets, 7);
    dpi_stats_destroy(&stats);

    /* Back to the built-in signatures, which know both. */
    assert_int_equal(dpi_engine_set_signatures(engine, NULL, NULL), 0);
    assert_string_equal(dpi_engine_signatures(engine), "builtin");
    assert_int_equal(dpi_engine_signatures_gen(engine), 2);
    make_ipv4_from(buf, 112, 4, &pkt);
    expect_verdict(w2, &pkt, done, DPI_APP_vrrp);

    /* A worker destroyed without moving releases its database. */
    assert_int_equal(dpi_engine_n_sigdbs(engine), 2);
    dpi_worker_destroy(w1);
    assert_int_equal(dpi_engine_n_sigdbs(engine), 1);
    dpi_worker_destroy(w2);
    dpi_engine_destroy(engine);
    unlink(path_a);
    unlink(path_b);
}

/* A signature file that does not load leaves the engine with its database,
 * and the error is one line naming the file and the line. */
static void
test_reload_bad_file_keeps_database(void **state)
{
    static const uint8_t done = DPI_STATE_TRK | DPI_STATE_DONE;
    char path_a[] = "/tmp/test-engine-sig-XXXXXX";
    char path_bad[] = "/tmp/test-engine-sig-XXXXXX";
    struct dpi_engine *engine;
    struct dpi_config cfg;
    struct dpi_worker *w;
    struct dpi_pkt pkt;
    char expected[64];
    char *error = NULL;
    uint8_t buf[64];

    (void) state;
    write_sig_file(path_a, "protocol vrrp ip 112\n");
    write_sig_file(path_bad, "protocol vrrp ip 112\n\nprotocol nosuchapp "
                   "tcp ports 1\n");
    dpi_config_init(&cfg);
    cfg.signatures = path_a;
    w = engine_and_worker(&cfg, &engine);
    make_ipv4_from(buf, 112, 1, &pkt);
    expect_verdict(w, &pkt, done, DPI_APP_vrrp);

    assert_int_not_equal(dpi_engine_set_signatures(engine, path_bad,
                                                   &error), 0);
    assert_non_null(error);
    snprintf(expected, sizeof expected, "%s:3: ", path_bad);
    assert_int_equal(strncmp(error, expected, strlen(expected)), 0);
    assert_null(strchr(error, '\n'));
    free(error);

    error = NULL;
    assert_int_not_equal(dpi_engine_set_signatures(
                             engine, "/nonexistent/dir/ovs-dpi.sig", &error),
                         0);
    assert_non_null(error);
    assert_non_null(strstr(error, "/nonexistent/dir/ovs-dpi.sig"));
    assert_null(strchr(error, '\n'));
    free(error);

    /* Still file A, still generation 0, one database. */
    assert_string_equal(dpi_engine_signatures(engine), path_a);
    assert_int_equal(dpi_engine_signatures_gen(engine), 0);
    assert_int_equal(dpi_engine_n_sigdbs(engine), 1);
    make_ipv4_from(buf, 112, 2, &pkt);
    expect_verdict(w, &pkt, done, DPI_APP_vrrp);
    make_ipv4_from(buf, 1, 2, &pkt);
    expect_verdict(w, &pkt, DPI_STATE_TRK | DPI_STATE_UNK, 0);

    dpi_worker_destroy(w);
    dpi_engine_destroy(engine);
    unlink(path_a);
    unlink(path_bad);
}

/* Arguments of reload_traffic(). */
struct reload_traffic_arg {
    struct dpi_engine *engine;  /* Engine to feed. */
    const char *src;            /* Source address of the packets. */
    bool *stop;                 /* Set by the main thread to stop (read
                                 * and written atomically). */
    uint64_t n_packets;         /* Packets processed. */
    uint64_t n_bad;             /* Packets without the http verdict. */
};

/* Thread body: sends, through a worker of its own, one HTTP request per
 * new TCP connection until '*arg->stop', counting the verdicts that are not
 * DONE with app_proto http.  Each connection needs a payload scan (with
 * the worker's Hyperscan scratch) and the HTTP parser. */
static void *
reload_traffic(void *arg_)
{
    static const char req[] = "GET /index.html HTTP/1.1\r\n"
                              "Host: www.example.org\r\n\r\n";
    struct reload_traffic_arg *arg = arg_;
    struct dpi_worker *w = dpi_worker_create(arg->engine);
    struct dpi_verdict v;
    struct dpi_pkt pkt;

    if (!w) {
        arg->n_bad++;
        return NULL;
    }
    while (!__atomic_load_n(arg->stop, __ATOMIC_ACQUIRE)
           || arg->n_packets < 1000) {
        uint16_t sport = (uint16_t) (1024 + arg->n_packets % 60000);

        pkt_make(&pkt, 6, arg->src, sport, "10.0.0.2", 8080, 0x18,
                 req, sizeof req - 1);
        dpi_process(w, &pkt, 1000, &v);
        arg->n_packets++;
        arg->n_bad += (v.app_proto != DPI_APP_http
                       || v.state != (DPI_STATE_TRK | DPI_STATE_DONE));
    }
    dpi_worker_destroy(w);
    return NULL;
}

/* Reloading again and again while threads process packets of new
 * connections: every packet is classified, with the old or the new
 * database, and every database but the current one is freed once the
 * threads are done. */
static void
test_reload_under_traffic(void **state)
{
    static const char *srcs[3] = { "10.0.1.1", "10.0.1.2", "10.0.1.3" };
    char path_a[] = "/tmp/test-engine-sig-XXXXXX";
    struct reload_traffic_arg args[3];
    bool stop = false;
    struct dpi_engine *engine;
    struct dpi_config cfg;
    pthread_t threads[3];
    int i;

    (void) state;
    write_sig_file(path_a, "protocol http tcp\n    payload \"^GET \"\n");
    dpi_config_init(&cfg);
    cfg.max_flows = 4096;
    assert_int_equal(dpi_engine_create(&cfg, &engine, NULL), 0);
    for (i = 0; i < 3; i++) {
        args[i].engine = engine;
        args[i].src = srcs[i];
        args[i].stop = &stop;
        args[i].n_packets = 0;
        args[i].n_bad = 0;
        assert_int_equal(pthread_create(&threads[i], NULL, reload_traffic,
                                        &args[i]), 0);
    }
    for (i = 0; i < 6; i++) {
        assert_int_equal(dpi_engine_set_signatures(
                             engine, i % 2 ? NULL : path_a, NULL), 0);
    }
    __atomic_store_n(&stop, true, __ATOMIC_RELEASE);
    for (i = 0; i < 3; i++) {
        assert_int_equal(pthread_join(threads[i], NULL), 0);
        assert_true(args[i].n_packets >= 1000);
        assert_int_equal(args[i].n_bad, 0);
    }
    assert_int_equal(dpi_engine_signatures_gen(engine), 6);
    assert_int_equal(dpi_engine_n_sigdbs(engine), 1);
    dpi_engine_destroy(engine);
    unlink(path_a);
}

/* Returns, malloc()ed, the 'tls_sni' cell of the row of the corpus oracle
 * file oracle/'name'.tsv whose client port is 'client_port'. */
static char *
oracle_tls_sni(const char *dir, const char *name, const char *client_port)
{
    char path[4096], line[65536];
    char *sni = NULL;
    FILE *f;

    snprintf(path, sizeof path, "%s/oracle/%s.tsv", dir, name);
    f = fopen(path, "r");
    if (!f) {
        fail_msg("%s: %s", path, strerror(errno));
    }
    while (!sni && fgets(line, sizeof line, f)) {
        char *fields[22];

        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] != '#' && split_tabs(line, fields, 22) == 22
            && !strcmp(fields[2], client_port)) {
            sni = strdup(fields[12]);
        }
    }
    fclose(f);
    assert_non_null(sni);
    return sni;
}

/* What test_reload_keeps_tcp_stream() reads back from the engine. */
struct reload_split_result {
    size_t n_flows;             /* Connections dumped. */
    struct dpi_verdict verdict; /* The verdict of the last one. */
    char sni[256];              /* Its TLS SNI, or "". */
};

/* dpi_engine_dump() callback of test_reload_keeps_tcp_stream(): copies
 * the connection's verdict and TLS SNI into 'aux' (a struct
 * reload_split_result). */
static void
reload_split_cb(const struct dpi_flow_info *info, void *aux)
{
    struct reload_split_result *r = aux;
    const char *sni = dpi_md_get(info->md, DPI_F_tls_sni, NULL);

    r->n_flows++;
    r->verdict = info->verdict;
    snprintf(r->sni, sizeof r->sni, "%s", sni ? sni : "");
}

/* A signature reload between the two halves of a TLS ClientHello split
 * over two TCP segments keeps the first half: the connection still gets
 * the tls verdict and the SNI that the oracle (tshark) gives.  The
 * ClientHello is the real one of the corpus capture 443-curl.pcap (frame
 * 4, 517 bytes of payload, after the three-way handshake), cut in two at
 * several places, each without a reload, with a reload of the same
 * signatures, and with a reload of a file that numbers tls differently. */
static void
test_reload_keeps_tcp_stream(void **state)
{
    static const size_t splits[] = { 5, 100, 258, 516 };
    const char *dir = corpus_dir();
    char path_b[] = "/tmp/test-engine-sig-XXXXXX";
    char errbuf[PCAP_ERRBUF_SIZE];
    struct pcap_pkthdr *hdr;
    const u_char *data;
    uint8_t frames[4][2048];
    size_t lens[4], n_frames = 0;
    char path[4096];
    char *sni;
    pcap_t *pcap;

    (void) state;
    sni = oracle_tls_sni(dir, "443-curl.pcap", "55523");
    assert_string_equal(sni, "www.ntop.org");

    snprintf(path, sizeof path, "%s/pcap/443-curl.pcap", dir);
    pcap = pcap_open_offline(path, errbuf);
    if (!pcap) {
        fail_msg("%s: %s", path, errbuf);
    }
    while (n_frames < 4 && pcap_next_ex(pcap, &hdr, &data) == 1) {
        assert_true(hdr->caplen <= sizeof frames[0]);
        memcpy(frames[n_frames], data, hdr->caplen);
        lens[n_frames++] = hdr->caplen;
    }
    pcap_close(pcap);
    assert_int_equal(n_frames, 4);

    write_sig_file(path_b, "protocol http tcp\n"
                   "    payload \"^GET \"\n"
                   "protocol tls tcp\n"
                   "    payload \"^\\x16\\x03\"\n");
    for (size_t k = 0; k < 3 * (sizeof splits / sizeof splits[0]); k++) {
        size_t i = k / 3;
        int reload = k % 3;
        struct reload_split_result r;
        struct dpi_pkt pkts[4], first, second;
        struct dpi_engine *engine;
        struct dpi_verdict v;
        struct dpi_worker *w;

        assert_int_equal(dpi_engine_create(NULL, &engine, NULL), 0);
        w = dpi_worker_create(engine);
        assert_non_null(w);
        for (size_t j = 0; j < 4; j++) {
            assert_int_equal(dpi_parse_eth(frames[j], lens[j], &pkts[j]),
                             DPI_PARSE_OK);
            pkts[j].frame_len = lens[j];
        }
        assert_int_equal(pkts[3].payload_len, 517);

        /* The handshake, then the first part of the ClientHello. */
        for (size_t j = 0; j < 3; j++) {
            dpi_process(w, &pkts[j], 1000 + j, &v);
        }
        first = pkts[3];
        first.payload_len = splits[i];
        dpi_process(w, &first, 1003, &v);
        assert_int_equal(v.state, DPI_STATE_TRK | DPI_STATE_PEND);

        /* Reload, then the rest of the ClientHello.  Reload 1: the same
         * built-in signatures (a new database all the same); reload 2: a
         * file where tls has another slot.  Without a reload (0), the
         * same packets show what the split alone gives. */
        if (reload) {
            assert_int_equal(dpi_engine_set_signatures(
                                 engine, reload == 1 ? NULL : path_b, NULL),
                             0);
        }
        second = pkts[3];
        second.payload += splits[i];
        second.payload_len -= splits[i];
        second.tcp_seq += splits[i];
        dpi_process(w, &second, 1004, &v);
        assert_int_equal(dpi_engine_n_sigdbs(engine), 1);

        memset(&r, 0, sizeof r);
        dpi_engine_dump(engine, reload_split_cb, &r);
        assert_int_equal(r.n_flows, 1);
        print_message("split at %zu, reload %d: app_proto %u, state %#x, "
                      "sni '%s'\n", splits[i], reload,
                      r.verdict.app_proto, r.verdict.state, r.sni);
        assert_int_equal(r.verdict.app_proto, DPI_APP_tls);
        assert_true(r.verdict.state & DPI_STATE_DONE);
        assert_string_equal(r.sni, sni);

        dpi_worker_destroy(w);
        dpi_engine_destroy(engine);
    }
    unlink(path_b);
    free(sni);
}

/* Runs an SSH connection on port 2222 through an engine with the built-in
 * signatures: the client's identification string, which makes it ssh (the
 * verdict waits for the server's), then a reload to signature text
 * 'new_sig', then the 'server_len' bytes at 'server' from the server.
 * Returns the verdict of that last packet. */
static struct dpi_verdict
reload_ssh_run(const char *new_sig, const char *server, size_t server_len)
{
    static const char client[] = "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n";
    char path_b[] = "/tmp/test-engine-sig-XXXXXX";
    struct dpi_engine *engine;
    struct dpi_worker *w;
    struct dpi_verdict v;
    struct dpi_pkt pkt;

    write_sig_file(path_b, new_sig);
    w = engine_and_worker(NULL, &engine);

    pkt_make(&pkt, 6, "10.0.0.1", 40000, "10.0.0.2", 2222, 0x18,
             client, sizeof client - 1);
    dpi_process(w, &pkt, 1000, &v);
    assert_int_equal(v.app_proto, DPI_APP_ssh);
    assert_int_equal(v.state, DPI_STATE_TRK | DPI_STATE_PEND);

    assert_int_equal(dpi_engine_set_signatures(engine, path_b, NULL), 0);
    pkt_make(&pkt, 6, "10.0.0.2", 2222, "10.0.0.1", 40000, 0x18,
             server, server_len);
    dpi_process(w, &pkt, 1001, &v);

    dpi_worker_destroy(w);
    dpi_engine_destroy(engine);
    unlink(path_b);
    return v;
}

/* A protocol identified before a reload but waiting for the other
 * direction (SSH needs both identification strings) is found again in the
 * new database, where it has another slot: the server's string after the
 * reload completes the verdict.  The new file knows ssh by port 22 alone
 * and the connection is on port 2222, so the server's string would not
 * make ssh a candidate again: only the identified protocol, carried over,
 * runs the SSH parser on it. */
static void
test_reload_keeps_identified_protocol(void **state)
{
    static const char server[] = "SSH-2.0-OpenSSH_8.4\r\n";
    struct dpi_verdict v;

    (void) state;
    v = reload_ssh_run("protocol http tcp\n"
                       "    payload \"^GET \"\n"
                       "protocol ssh tcp\n"
                       "    ports 22\n", server, sizeof server - 1);
    assert_int_equal(v.app_proto, DPI_APP_ssh);
    assert_int_equal(v.state, DPI_STATE_TRK | DPI_STATE_DONE);
}

/* A reload to a database without the identified protocol: the direction
 * that identified it (its bytes freed since) has nothing left to offer, so
 * once the other direction has no candidate either (128 bytes that no
 * pattern of the new file matches), inspection ends at once instead of
 * staying pending until the window runs out. */
static void
test_reload_drops_identified_protocol(void **state)
{
    char server[128];
    struct dpi_verdict v;

    (void) state;
    memset(server, 'x', sizeof server);
    memcpy(server, "SSH-2.0-OpenSSH_8.4\r\n", 21);
    v = reload_ssh_run("protocol http tcp\n"
                       "    payload \"^GET \"\n", server, sizeof server);
    assert_false(v.state & DPI_STATE_PEND);
}

/* A million new connections (UDP with payload, and TCP SYNs, in turn)
 * through a table of 65536: the table stays full and no bigger, so does
 * the inspection state, every eviction is counted, and an established HTTP
 * connection that stays active (a packet every 64 new connections) keeps
 * its verdict throughout.  (The table evicts the least recently used
 * connection of the new connection's stripe: 256 per stripe here, far more
 * than the 64 new ones between two packets of the HTTP connection.) */
static void
test_flood_keeps_table_bounded_and_verdicts(void **state)
{
    enum { MAX = 65536, N = 1000000 };
    static const char req[] = "GET /index.html HTTP/1.1\r\n"
                              "Host: www.example.org\r\n\r\n";
    static const uint8_t zeros[8];
    struct dpi_pkt http, ack, flood;
    struct dpi_engine *engine;
    struct dpi_config cfg;
    struct dpi_stats stats;
    struct dpi_verdict v;
    struct dpi_worker *w;
    uint32_t n_bad = 0;

    (void) state;
    dpi_config_init(&cfg);
    cfg.max_flows = MAX;
    w = engine_and_worker(&cfg, &engine);

    pkt_make(&http, 6, "10.1.0.1", 40000, "10.2.0.1", 80, 0x18,
             req, sizeof req - 1);
    dpi_process(w, &http, 1, &v);
    assert_int_equal(v.app_proto, DPI_APP_http);
    assert_int_equal(v.state, DPI_STATE_TRK | DPI_STATE_DONE);
    pkt_make(&ack, 6, "10.1.0.1", 40000, "10.2.0.1", 80, 0x10, NULL, 0);
    ack.tcp_seq += sizeof req - 1;

    pkt_make(&flood, 17, "10.0.0.0", 1024, "10.2.0.1", 5000, 0,
             zeros, sizeof zeros);
    for (uint32_t i = 0; i < N; i++) {
        flood.key.src.b[13] = (uint8_t) (i >> 16);
        flood.key.src.b[14] = (uint8_t) (i >> 8);
        flood.key.src.b[15] = (uint8_t) i;
        if (i % 2) {
            flood.key.proto = 6;
            flood.tcp_flags = 0x02;
            flood.payload = NULL;
            flood.payload_len = 0;
        } else {
            flood.key.proto = 17;
            flood.tcp_flags = 0;
            flood.payload = zeros;
            flood.payload_len = sizeof zeros;
        }
        dpi_process(w, &flood, 2 + i / 1000, &v);

        if (i % 64 == 63) {
            dpi_process(w, &ack, 2 + i / 1000, &v);
            n_bad += (v.app_proto != DPI_APP_http
                      || v.state != (DPI_STATE_TRK | DPI_STATE_DONE));
        }
        if (i % 65536 == 0) {
            dpi_engine_get_stats(engine, &stats);
            assert_true(stats.n_flows <= MAX);
            dpi_stats_destroy(&stats);
            assert_true(dpi_engine_n_inspecting(engine) <= MAX);
        }
    }
    assert_int_equal(n_bad, 0);

    dpi_engine_get_stats(engine, &stats);
    assert_int_equal(stats.n_flows, MAX);
    assert_int_equal(stats.created, N + 1);
    assert_int_equal(stats.evicted, N + 1 - MAX);
    assert_int_equal(stats.expired, 0);
    assert_int_equal(stats.packets, 1 + N + N / 64);
    dpi_stats_destroy(&stats);
    assert_true(dpi_engine_n_inspecting(engine) <= MAX);

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
        cmocka_unit_test(test_signature_file_must_be_regular),
        cmocka_unit_test(test_http_capture_matches_oracle),
        cmocka_unit_test(test_ipv6_capture_matches_oracle),
        cmocka_unit_test(test_ssh_capture_matches_oracle),
        cmocka_unit_test(test_vlan_dns_capture_matches_oracle),
        cmocka_unit_test(test_vlan_mongodb_capture_matches_oracle),
        cmocka_unit_test(test_tso_capture_matches_oracle),
        cmocka_unit_test(test_synscan_capture_matches_oracle),
        cmocka_unit_test(test_1kxun_capture_matches_oracle),
        cmocka_unit_test(test_settled_bypass_matches_oracle),
        cmocka_unit_test(test_settled_only_when_nothing_to_learn),
        cmocka_unit_test(test_lookup_refuses_tunnel_and_portless_keys),
        cmocka_unit_test(test_given_up_settles_whatever_its_guess),
        cmocka_unit_test(test_worker_counts_created_connections),
        cmocka_unit_test(test_dns_answer_labels_first_packet),
        cmocka_unit_test(test_dns_answer_only_from_answers),
        cmocka_unit_test(test_dns_answer_expires),
        cmocka_unit_test(test_dns_cache_is_bounded),
        cmocka_unit_test(test_dns_cache_spreads_one_prefix),
        cmocka_unit_test(test_dns_cache_concurrent_flood),
        cmocka_unit_test(test_ip_block_labels_first_packet),
        cmocka_unit_test(test_give_up_guesses_by_port),
        cmocka_unit_test(test_service_identified_by_payload),
        cmocka_unit_test(test_ftp_passive_data_labels_first_packet),
        cmocka_unit_test(test_ftp_active_data_labels_first_packet),
        cmocka_unit_test(test_ftp_data_expectation_expires),
        cmocka_unit_test(test_ftp_expectations_spread),
        cmocka_unit_test(test_expectations_stay_in_their_zone),
        cmocka_unit_test(test_dns_answers_stay_in_their_zone),
        cmocka_unit_test(test_ftp_malformed_announces_nothing),
        cmocka_unit_test(test_expect_table_is_bounded),
        cmocka_unit_test(test_expiry_near_end_of_time),
        cmocka_unit_test(test_ftp_capture_data_connections),
        cmocka_unit_test(test_reload_swaps_database_keeps_verdicts),
        cmocka_unit_test(test_reload_bad_file_keeps_database),
        cmocka_unit_test(test_reload_under_traffic),
        cmocka_unit_test(test_reload_keeps_tcp_stream),
        cmocka_unit_test(test_reload_keeps_identified_protocol),
        cmocka_unit_test(test_reload_drops_identified_protocol),
        cmocka_unit_test(test_flood_keeps_table_bounded_and_verdicts),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
