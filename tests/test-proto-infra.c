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

/* Tests of the infrastructure and database parsers (lib/proto/infra.c,
 * lib/proto/db.c).
 *
 * Each parser gets a message built by hand from its specification (the
 * comment of each case names the fields), which it must accept; every
 * prefix of it, copied to a buffer of exactly that size (so that a
 * sanitizer or valgrind catches a read past the end), which a TCP parser
 * must not reject (a stream prefix may still grow) and a UDP parser must
 * not accept where the message has a fixed minimum size; and the same
 * message with one lying field (a length, a magic number, a version),
 * which it must reject.  The corpus test classifies whole captures of the
 * development corpus and compares the protocol with nDPI's label in the
 * oracle; it skips without DPI_CORPUS_DIR. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dpi-proto.h"
#include "pcap-util.h"

/* A one-byte change that must make a message invalid. */
struct mutation {
    size_t offset;              /* Byte to change. */
    uint8_t value;              /* Its new value. */
};

/* A hand-built message and what its parser must say about it. */
struct msg_case {
    const char *name;           /* Description, for failure messages. */
    dpi_proto_func *parse;      /* Parser under test. */
    bool is_tcp;                /* TCP stream; else a UDP datagram. */
    bool to_server;             /* Client to server direction. */
    uint16_t server_port;       /* Server's port. */
    const uint8_t *data;        /* The valid message. */
    size_t len;                 /* Its length. */
    size_t min_len;             /* UDP: prefixes shorter are rejected. */
    struct mutation bad[3];     /* Lying fields; 'offset' 0 and 'value' 0
                                 * end the list. */
};

/* Runs 'c->parse' on a heap copy of the first 'len' bytes of the
 * message, with byte 'mut' (if non-null) changed. */
static enum dpi_proto_result
run_case(const struct msg_case *c, size_t len, const struct mutation *mut)
{
    struct dpi_proto_ctx ctx = {
        .to_server = c->to_server, .is_tcp = c->is_tcp,
        .client_port = 40000, .server_port = c->server_port,
    };
    uint8_t *copy = malloc(len ? len : 1);
    enum dpi_proto_result r;
    struct dpi_md md;

    assert_non_null(copy);
    memcpy(copy, c->data, len);
    if (mut) {
        copy[mut->offset] = mut->value;
    }
    dpi_md_init(&md, 4096);
    r = c->parse(&ctx, copy, len, &md);
    dpi_md_destroy(&md);
    free(copy);
    return r;
}

#define MSG(S) (const uint8_t *) (S), sizeof (S) - 1

/* NetBIOS name query (RFC 1002 4.2.12): id, flags 0x0110 (query,
 * recursion desired, broadcast), one question, the name "FRED" encoded
 * (RFC 1001 14.1), type NB (32), class IN. */
static const char nbns_query[] =
    "\x12\x34\x01\x10\x00\x01\x00\x00\x00\x00\x00\x00"
    "\x20" "EGFCEFEECACACACACACACACACACACAAA" "\x00" "\x00\x20\x00\x01";

/* NetBIOS session request (RFC 1002 4.3.2): type 0x81, length 68, the
 * called and calling names encoded. */
static const char nbss_request[] =
    "\x81\x00\x00\x44"
    "\x20" "EGFCEFEECACACACACACACACACACACAAA" "\x00"
    "\x20" "EHEPEHEPCACACACACACACACACACACAAA" "\x00";

/* Kerberos over TCP (RFC 4120 7.2.2): a 4-byte length (9), then an AS-REQ
 * ([APPLICATION 10]) holding a SEQUENCE with pvno [1] INTEGER 5. */
static const char krb_tcp[] =
    "\x00\x00\x00\x09" "\x6a\x07\x30\x05\xa1\x03\x02\x01\x05";

/* Kerberos KRB-ERROR ([APPLICATION 30]) over UDP. */
static const char krb_udp[] = "\x7e\x07\x30\x05\xa0\x03\x02\x01\x05";

/* Syslog: the RFC 3164 5.4 example 1. */
static const char syslog_msg[] =
    "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick";

/* SNMPv2c get-request (RFC 3416): SEQUENCE { version 1, community
 * "public", GetRequest-PDU [0] { request-id 1, error-status 0,
 * error-index 0, varbinds SEQUENCE {} } }. */
static const char snmp_get[] =
    "\x30\x18\x02\x01\x01\x04\x06public"
    "\xa0\x0b\x02\x01\x01\x02\x01\x00\x02\x01\x00\x30\x00";

/* ONC RPC call (RFC 5531 9): xid, CALL, RPC version 2, NFS (100003)
 * version 3, procedure 0 (NULL), AUTH_NONE credentials and verifier. */
static const char rpc_call[] =
    "\x00\x00\x00\x2a" "\x00\x00\x00\x00" "\x00\x00\x00\x02"
    "\x00\x01\x86\xa3" "\x00\x00\x00\x03" "\x00\x00\x00\x00"
    "\x00\x00\x00\x00\x00\x00\x00\x00" "\x00\x00\x00\x00\x00\x00\x00\x00";

/* TFTP read request (RFC 1350 5): opcode 1, "boot.img", mode "octet". */
static const char tftp_rrq[] = "\x00\x01" "boot.img\0" "octet\0";

/* TFTP acknowledgement of block 1 (RFC 1350 5): exactly 4 bytes. */
static const char tftp_ack[] = "\x00\x04\x00\x01";

/* LDAP simple bind (RFC 4511 4.2): SEQUENCE { messageID 1,
 * BindRequest [APPLICATION 0] { version 3, name "", simple [0] "" } }. */
static const char ldap_bind[] =
    "\x30\x0c\x02\x01\x01\x60\x07\x02\x01\x03\x04\x00\x80\x00";

/* NAT-PMP UDP mapping response (RFC 6886 3.3): version 0, opcode 129,
 * result 0, epoch, ports and lifetime: 16 bytes. */
static const char natpmp_resp[] =
    "\x00\x81\x00\x00" "\x00\x00\x10\x00" "\x13\x88\x13\x88"
    "\x00\x00\x0e\x10";

/* MS-TDS PRELOGIN (2.2.6.5): header type 18, status EOM, length 26,
 * SPID 0, packet id 1, window 0; tokens VERSION (offset 11, length 6)
 * and ENCRYPTION (offset 17, length 1), terminator, then the data. */
static const char tds_prelogin[] =
    "\x12\x01\x00\x1a\x00\x00\x01\x00"
    "\x00\x00\x0b\x00\x06" "\x01\x00\x11\x00\x01" "\xff"
    "\x0f\x00\x07\xd0\x00\x00" "\x02";

/* Kafka ApiVersions request (key 18, version 3): size 17, correlation
 * id 1, client id "console". */
static const char kafka_req[] =
    "\x00\x00\x00\x11\x00\x12\x00\x03\x00\x00\x00\x01\x00\x07" "console";

/* PostgreSQL StartupMessage: length 23, protocol 3.0, "user" "postgres",
 * terminator. */
static const char pg_startup[] =
    "\x00\x00\x00\x17\x00\x03\x00\x00" "user\0postgres\0\0";

/* MongoDB OP_MSG (2013): length 26, request id 1, response to 0, flags 0,
 * a kind-0 section holding the empty BSON document. */
static const char mongo_msg[] =
    "\x1a\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\xdd\x07\x00\x00"
    "\x00\x00\x00\x00" "\x00" "\x05\x00\x00\x00\x00";

/* MySQL HandshakeV10 greeting: payload length 23, sequence 0, protocol
 * 10, "8.0.33", connection id, 8 bytes of auth data, filler 0, capability
 * flags. */
static const char mysql_greeting[] =
    "\x17\x00\x00\x00" "\x0a" "8.0.33\0" "\x08\x00\x00\x00"
    "abcdefgh" "\x00" "\xff\xf7";

/* Oracle TNS Connect (type 1): length 58, zero checksums, version 316,
 * compatible version 300, the rest of the body zero. */
static const char tns_connect[] =
    "\x00\x3a\x00\x00\x01\x00\x00\x00" "\x01\x3c\x01\x2c"
    "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
    "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
    "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00";

/* AMQP 0-9-1 heartbeat frame (4.2.3): type 8, channel 0, size 0,
 * frame-end 0xCE. */
static const char amqp_heartbeat[] = "\x08\x00\x00\x00\x00\x00\x00\xce";

/* MQTT 3.1.1 CONNECT (3.1): remaining length 16, "MQTT" level 4, flags
 * clean session, keep-alive 60, client id "test". */
static const char mqtt_connect[] =
    "\x10\x10\x00\x04MQTT\x04\x02\x00\x3c\x00\x04test";

/* Modbus TCP read holding registers (function 3): transaction 1,
 * protocol 0, length 6, unit 1, address 0, quantity 1. */
static const char modbus_read[] =
    "\x00\x01\x00\x00\x00\x06\x01\x03\x00\x00\x00\x01";

/* Diameter CER (RFC 6733 5.3.1): version 1, length 32, flags R, command
 * 257, application 0, identifiers; one AVP Origin-Host (264), flags M,
 * length 12, "abcd". */
static const char diameter_cer[] =
    "\x01\x00\x00\x20\x80\x00\x01\x01\x00\x00\x00\x00"
    "\x00\x00\x00\x01\x00\x00\x00\x02"
    "\x00\x00\x01\x08\x40\x00\x00\x0c" "abcd";

/* NTP v4 client request (RFC 5905 7.3): LI 0, version 4, mode 3, the
 * rest of the 48-byte header zero. */
static uint8_t ntp_request[48] = { 0x23 };

/* DHCPDISCOVER (RFC 2131 2): op 1, htype 1, hlen 6, hops 0, then zeros to
 * the magic cookie at 236, option 53 (DHCPDISCOVER) and the end option. */
static uint8_t dhcp_discover[244] = {
    1, 1, 6, 0, [236] = 99, 130, 83, 99, 53, 1, 1, 255,
};

/* DHCPv6 SOLICIT (RFC 8415 16.2): type 1, transaction id, option
 * ELAPSED_TIME (8, length 2) and option CLIENTID (1, length 4). */
static const char dhcpv6_solicit[] =
    "\x01\x12\x34\x56" "\x00\x08\x00\x02\x00\x00"
    "\x00\x01\x00\x04\x00\x03\x00\x01";

/* NetFlow v5 (Cisco export format): version 5, count 1, header of 24
 * bytes, one 48-byte record (zeros). */
static uint8_t netflow_v5[72] = { 0, 5, 0, 1 };

/* The cases. */
static const struct msg_case cases[] = {
    { "netbios ns query", dpi_netbios_parse, false, true, 137,
      MSG(nbns_query), 45, { { 13, 'Z' }, { 5, 2 } } },
    { "netbios session request", dpi_netbios_parse, true, true, 139,
      MSG(nbss_request), 0, { { 3, 0x10 }, { 1, 0x02 } } },
    { "kerberos tcp", dpi_kerberos_parse, true, true, 88,
      MSG(krb_tcp), 0, { { 3, 0x0a }, { 5, 0x08 }, { 6, 0x31 } } },
    { "kerberos udp", dpi_kerberos_parse, false, true, 88,
      MSG(krb_udp), 4, { { 1, 0x06 }, { 0, 0x7f } } },
    { "syslog", dpi_syslog_parse, false, true, 514,
      MSG(syslog_msg), 4, { { 3, 'x' }, { 1, 'a' } } },
    { "snmp get", dpi_snmp_parse, false, true, 161,
      MSG(snmp_get), 26, { { 1, 0x19 }, { 4, 2 }, { 13, 0xa9 } } },
    { "rpc nfs call", dpi_nfs_parse, false, true, 2049,
      MSG(rpc_call), 32, { { 15, 0xa4 }, { 11, 3 }, { 19, 9 } } },
    { "tftp rrq", dpi_tftp_parse, false, true, 69,
      MSG(tftp_rrq), 0, { { 16, 'x' }, { 1, 9 } } },
    { "tftp ack", dpi_tftp_parse, false, true, 69,
      MSG(tftp_ack), 4, { { 1, 7 } } },
    { "ldap bind", dpi_ldap_parse, true, true, 389,
      MSG(ldap_bind), 0, { { 5, 0x20 }, { 5, 0x62 }, { 3, 5 } } },
    { "nat-pmp response", dpi_nat_pmp_parse, false, false, 5351,
      MSG(natpmp_resp), 16, { { 3, 6 }, { 1, 0x83 }, { 0, 1 } } },
    { "tds prelogin", dpi_mssql_tds_parse, true, true, 1433,
      MSG(tds_prelogin), 0, { { 7, 1 }, { 0, 5 }, { 8, 9 } } },
    { "kafka apiversions", dpi_kafka_parse, true, true, 9092,
      MSG(kafka_req), 0, { { 12, 0xff }, { 4, 0x10 }, { 15, 0x01 } } },
    { "postgresql startup", dpi_postgresql_parse, true, true, 5432,
      MSG(pg_startup), 0, { { 5, 2 }, { 3, 0x16 } } },
    { "mongodb op_msg", dpi_mongodb_parse, true, true, 27017,
      MSG(mongo_msg), 0, { { 12, 0xd3 }, { 20, 3 }, { 0, 0x0f } } },
    { "mysql greeting", dpi_mysql_parse, true, false, 3306,
      MSG(mysql_greeting), 0, { { 24, 1 }, { 4, 9 }, { 3, 2 } } },
    { "tns connect", dpi_oracle_parse, true, true, 1521,
      MSG(tns_connect), 0, { { 11, 0x3d }, { 6, 1 }, { 8, 0x02 } } },
    { "amqp heartbeat", dpi_amqp_parse, true, true, 5672,
      MSG(amqp_heartbeat), 0, { { 7, 0xcd }, { 0, 5 }, { 2, 1 } } },
    { "mqtt connect", dpi_mqtt_parse, true, true, 8883,
      MSG(mqtt_connect), 0, { { 8, 9 }, { 4, 'X' }, { 0, 0x11 } } },
    { "modbus read", dpi_modbus_parse, true, true, 502,
      MSG(modbus_read), 0, { { 3, 1 }, { 5, 0xff }, { 7, 0 } } },
    { "diameter cer", dpi_diameter_parse, true, true, 3868,
      MSG(diameter_cer), 0, { { 0, 2 }, { 3, 0x22 }, { 27, 0x40 } } },
    { "ntp request", dpi_ntp_parse, false, true, 123,
      ntp_request, sizeof ntp_request, 48, { { 0, 0x03 }, { 1, 17 } } },
    { "dhcp discover", dpi_dhcp_parse, false, true, 67,
      dhcp_discover, sizeof dhcp_discover, 240, { { 236, 0 }, { 0, 3 } } },
    { "dhcpv6 solicit", dpi_dhcpv6_parse, false, true, 547,
      MSG(dhcpv6_solicit), 8, { { 7, 3 }, { 0, 14 }, { 13, 5 } } },
    { "netflow v5", dpi_netflow_parse, false, true, 2055,
      netflow_v5, sizeof netflow_v5, 72, { { 3, 2 }, { 1, 6 } } },
};

/* Every hand-built message is accepted whole, every prefix is handled as
 * the comment at the top says, and every lying field is rejected. */
static void
test_messages(void **state)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct msg_case *c = &cases[i];

        if (run_case(c, c->len, NULL) != DPI_PROTO_YES) {
            fail_msg("%s: valid message not accepted", c->name);
        }
        for (size_t n = 0; n < c->len; n++) {
            enum dpi_proto_result r = run_case(c, n, NULL);

            if (c->is_tcp && r == DPI_PROTO_NO) {
                fail_msg("%s: prefix of %zu bytes rejected", c->name, n);
            } else if (!c->is_tcp && n < c->min_len && r == DPI_PROTO_YES) {
                fail_msg("%s: datagram cut at %zu bytes accepted",
                         c->name, n);
            }
        }
        for (size_t j = 0; j < 3; j++) {
            const struct mutation *m = &c->bad[j];

            if (!m->offset && !m->value) {
                break;
            }
            if (run_case(c, c->len, m) != DPI_PROTO_NO) {
                fail_msg("%s: byte %zu set to 0x%02x not rejected",
                         c->name, m->offset, m->value);
            }
        }
    }
}

/* Random bytes are rarely taken for a protocol with a fixed structure:
 * of 2000 pseudo-random 64-byte payloads, no parser with a magic number
 * or a checked length accepts more than 1%. */
static void
test_random_bytes(void **state)
{
    static dpi_proto_func *const parsers[] = {
        dpi_netbios_parse, dpi_kerberos_parse, dpi_dhcp_parse,
        dpi_dhcpv6_parse, dpi_snmp_parse, dpi_nfs_parse, dpi_ldap_parse,
        dpi_nat_pmp_parse, dpi_postgresql_parse, dpi_mongodb_parse,
        dpi_mysql_parse, dpi_oracle_parse, dpi_amqp_parse,
        dpi_diameter_parse, dpi_netflow_parse, dpi_kafka_parse,
    };
    uint32_t seed = 12345;

    for (size_t p = 0; p < sizeof parsers / sizeof parsers[0]; p++) {
        int yes = 0;

        for (int k = 0; k < 2000; k++) {
            struct dpi_proto_ctx ctx = {
                .to_server = k & 1, .is_tcp = k & 2,
                .client_port = 40000, .server_port = 40001,
            };
            uint8_t buf[64];
            struct dpi_md md;

            for (size_t b = 0; b < sizeof buf; b++) {
                seed = seed * 1103515245 + 12345;
                buf[b] = seed >> 16;
            }
            dpi_md_init(&md, 4096);
            yes += parsers[p](&ctx, buf, sizeof buf, &md) == DPI_PROTO_YES;
            dpi_md_destroy(&md);
        }
        if (yes > 20) {
            fail_msg("parser %zu accepted %d of 2000 random payloads",
                     p, yes);
        }
    }
}

/* Our name for nDPI master protocol 'label' ("Master" or "Master.App"):
 * lowercase, '_' for every other character than a letter or digit. */
static void
ndpi_master(const char *label, char *out, size_t size)
{
    size_t i;

    for (i = 0; label[i] && label[i] != '.' && i + 1 < size; i++) {
        char c = label[i];

        out[i] = (c >= 'A' && c <= 'Z') ? c - 'A' + 'a'
                 : ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
                 ? c : '_';
    }
    out[i] = '\0';
}

/* State of the corpus comparison of one capture. */
struct corpus_ctx {
    const struct pu_oracle *o;  /* The capture's oracle. */
    int checked;                /* Oracle flows of our protocols. */
    int agree;                  /* Of those, flows we label the same. */
};

/* Protocols of this family, by our name. */
static const char *const family[] = {
    "mdns", "llmnr", "ssdp", "netbios", "kerberos", "syslog", "dhcp",
    "dhcpv6", "snmp", "ntp", "nfs", "tftp", "ldap", "nat_pmp",
    "mssql_tds", "kafka", "postgresql", "mongodb", "mysql", "oracle",
    "amqp", "mqtt", "modbus", "diameter", "netflow", "smbv23", "wsd",
    NULL,
};

/* Compares one flow of the engine's table with its oracle row. */
static void
corpus_flow(const struct dpi_flow_info *f, void *aux)
{
    struct corpus_ctx *cc = aux;
    struct dpi_pkt pkt = { .key = f->key };

    for (size_t r = 0; r < cc->o->n_rows; r++) {
        const struct pu_row *row = &cc->o->rows[r];
        char want[64];

        if (pu_match(cc->o, row, &pkt) < 0) {
            continue;
        }
        ndpi_master(pu_cell(cc->o, row, "ndpi_app"), want, sizeof want);
        for (size_t k = 0; family[k]; k++) {
            if (!strcmp(want, family[k])) {
                const char *got = dpi_app_name(f->verdict.app_proto);

                cc->checked++;
                if (got && !strcmp(got, want)) {
                    cc->agree++;
                } else {
                    print_message("%s:%u -> %u: nDPI %s, ours %s\n",
                                  pu_cell(cc->o, row, "proto"),
                                  f->key.sport, f->key.dport, want,
                                  got ? got : "?");
                }
            }
        }
    }
}

/* The family's captures of the corpus, classified by the engine with the
 * built-in signatures, agree with nDPI's master protocol on at least 90%
 * of the flows nDPI gives one of our protocols (flows of a few packets
 * without payload, which nDPI labels by port, account for the rest). */
static void
test_corpus_matches_oracle(void **state)
{
    static const char *const pcaps[] = {
        "snmp.pcap", "syslog.pcap", "kerberos.pcap", "netbios.pcap",
        "nfsv3.pcap", "tftp.pcap", "kafka.pcapng", "pgsql.pcap",
        "mongodb.pcap", "mssql_tds.pcap", "mysql.pcapng",
        "oracle12.pcapng", "amqp.pcap", "mqtt.pcap", "modbus.pcap",
        "diameter.pcap", "netflowv9.pcap", "NTPv4.pcap",
        "ssdp-m-search.pcap", "1kxun.pcap",
    };
    int checked = 0, agree = 0;

    if (!pu_corpus_dir()) {
        print_message("DPI_CORPUS_DIR unset: skipping corpus test\n");
        skip();
    }
    for (size_t i = 0; i < sizeof pcaps / sizeof pcaps[0]; i++) {
        char *pcap = pu_corpus_path("pcap", pcaps[i]), tsv_name[256];
        struct corpus_ctx cc = { 0 };
        struct dpi_engine *engine;
        struct dpi_worker *worker;
        struct pu_capture cap;
        struct dpi_config cfg;
        struct pu_oracle o;
        char *tsv, *err = NULL;

        snprintf(tsv_name, sizeof tsv_name, "%s.tsv", pcaps[i]);
        tsv = pu_corpus_path("oracle", tsv_name);
        assert_true(pcap && tsv);
        assert_true(pu_capture_load(pcap, &cap));
        assert_true(pu_oracle_load(tsv, &o));
        dpi_config_init(&cfg);
        assert_int_equal(dpi_engine_create(&cfg, &engine, &err), 0);
        worker = dpi_worker_create(engine);
        for (size_t k = 0; k < cap.n; k++) {
            struct dpi_verdict v;

            if (cap.pkts[k].ok) {
                dpi_process(worker, &cap.pkts[k].pkt, 1000 + k, &v);
            }
        }
        cc.o = &o;
        dpi_engine_dump(engine, corpus_flow, &cc);
        checked += cc.checked;
        agree += cc.agree;
        dpi_worker_destroy(worker);
        dpi_engine_destroy(engine);
        pu_capture_destroy(&cap);
        pu_oracle_destroy(&o);
        free(pcap);
        free(tsv);
    }
    print_message("corpus: %d of %d flows agree with nDPI\n", agree,
                  checked);
    assert_true(checked >= 100);
    assert_true(agree * 10 >= checked * 9);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_messages),
        cmocka_unit_test(test_random_bytes),
        cmocka_unit_test(test_corpus_matches_oracle),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
