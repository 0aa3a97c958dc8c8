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

#ifndef DPI_H
#define DPI_H 1

/* libdpi: deep packet inspection engine.
 *
 * libdpi classifies bidirectional connections by application.  It knows
 * nothing of Open vSwitch: the offline tools, the unit tests and the OVS
 * datapath glue (datapath-dpi/) all use it through this header alone.
 *
 * Objects
 * =======
 *
 * struct dpi_engine: the signature database (one Hyperscan database compiled
 * from a signature file), the configuration and the connection table.  One
 * per process (or per datapath).
 *
 * struct dpi_worker: what one thread needs to inspect packets: Hyperscan
 * scratch space and statistics.  One per thread that calls dpi_process().
 *
 * Life of a connection
 * ====================
 *
 * The first packet of a 5-tuple creates a connection entry (evicting the
 * oldest idle one if the table holds 'max_flows').  Its state is
 * DPI_STATE_TRK | DPI_STATE_PEND while the payload of its first
 * 'inspect_packets' payload-carrying packets is inspected.  It becomes
 * DPI_STATE_DONE once an application is known for sure, or DPI_STATE_UNK
 * when the window ends without one.  The inspection state (partial
 * reassembly buffers, parser state) is freed at the final verdict; the
 * verdict, counters and extracted metadata stay until the connection expires
 * after 'idle_timeout_ms' without packets.
 *
 * Labels before and without a verdict
 * ===================================
 *
 * A service may be known before the protocol: from the server's address,
 * when a DNS answer seen earlier resolved a name of that service to it, or
 * when the signature file lists an address block of the service ("service
 * NAME ip CIDR").  app_id then carries the service from the first packet,
 * while the state stays DPI_STATE_PEND until inspection finds the protocol.
 *
 * Guesses: when inspection ends without a protocol (DPI_STATE_UNK), a TCP
 * or UDP connection takes as app_proto (and as app_id, if no service is
 * known) the protocol whose port hints in the signature file name the
 * server's port, else the client's, as nDPI's "guessed protocol" does.
 * The state, DPI_STATE_UNK rather than DPI_STATE_DONE, tells a guess from
 * a verdict: match dpi_state=+done where certainty matters.
 *
 * Thread-safety
 * =============
 *
 * dpi_process() may be called concurrently from any number of threads, each
 * with its own dpi_worker, including for the two directions of one
 * connection.  dpi_engine_dump(), dpi_engine_get_stats() and
 * dpi_engine_expire() may be called concurrently with dpi_process().
 * dpi_engine_set_signatures() may be called concurrently with all of
 * these, but not with itself or dpi_engine_signatures().
 * dpi_engine_create() and dpi_engine_destroy() must not race with anything
 * else on the same engine; a worker must be destroyed before its engine.
 *
 * Signature reload
 * ================
 *
 * dpi_engine_set_signatures() replaces the signature database of a running
 * engine, for instance when an operator edited the signature file.  It
 * compiles the new database in the calling thread, without stopping the
 * threads in dpi_process(), then publishes it atomically.  Each worker
 * moves to the new database at its next dpi_process() (allocating new
 * Hyperscan scratch space there); the old database is freed when the last
 * worker using it has moved on or was destroyed, so a worker that gets no
 * more packets keeps it alive.  If the file does not compile, nothing
 * changes and the error message says why (file, line and reason).
 *
 * The connection table stays as it is: connections keep their verdicts,
 * counters and metadata; a connection still being inspected (DPI_STATE_PEND)
 * goes on with the new database at its next payload packet, still within
 * its 'inspect_packets' window, keeping the TCP stream bytes it holds (a
 * ClientHello split over segments across the reload is still parsed
 * whole): the new database scans those bytes again, and a protocol
 * identified already is looked up in it by its application. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dpi-app.h"
#include "dpi-md.h"

#ifdef __cplusplus
extern "C" {
#endif

struct dpi_engine;
struct dpi_worker;

/* Largest inspection window ('inspect_packets'); larger values are taken
 * as this.  A connection counts its inspected packets in 14 bits. */
#define DPI_MAX_INSPECT_PACKETS 16383

/* Engine configuration. */
struct dpi_config {
    uint32_t max_flows;         /* Connection table capacity. */
    uint32_t inspect_packets;   /* Payload packets inspected per connection
                                 * before giving up with DPI_STATE_UNK. */
    uint32_t idle_timeout_ms;   /* Expiry of connections without traffic. */
    uint32_t metadata_max;      /* Budget of metadata bytes per connection
                                 * (see dpi-md.h). */
    const char *signatures;     /* Signature file; NULL for the default. */
};

#define DPI_DEFAULT_MAX_FLOWS 262144
#define DPI_DEFAULT_INSPECT_PACKETS 16
#define DPI_DEFAULT_IDLE_TIMEOUT_MS 120000
#define DPI_DEFAULT_METADATA_MAX 8192

void dpi_config_init(struct dpi_config *);

int dpi_engine_create(const struct dpi_config *, struct dpi_engine **,
                      char **errorp);
void dpi_engine_destroy(struct dpi_engine *);
void dpi_engine_set_limits(struct dpi_engine *, uint32_t max_flows,
                           uint32_t inspect_packets);
const char *dpi_engine_signatures(const struct dpi_engine *);

/* Replaces the signature database of a running engine with one loaded from
 * the signature file 'path' (the built-in signatures if 'path' is NULL).
 * Returns 0 on success, with '*errorp' (if 'errorp' is nonnull) set to NULL.
 * On failure returns a positive errno value and sets '*errorp' to a
 * malloc()ed one-line message ("FILE:LINE: reason" for a bad signature
 * file) that the caller must free(); the engine keeps its database.  See
 * "Signature reload" above. */
int dpi_engine_set_signatures(struct dpi_engine *, const char *path,
                              char **errorp);
uint32_t dpi_engine_signatures_gen(const struct dpi_engine *);

struct dpi_worker *dpi_worker_create(struct dpi_engine *);
void dpi_worker_destroy(struct dpi_worker *);

/* An address: IPv4 addresses are stored as IPv4-mapped IPv6 addresses
 * (::ffff:a.b.c.d). */
struct dpi_addr {
    uint8_t b[16];
};

/* A packet's connection key, in the packet's own direction.
 *
 * Connections with the same addresses, ports and protocol are told apart
 * by their innermost VLAN id or, once dpi_key_set_zone() placed the key in
 * a zone, by the zone instead, as conntrack zones tell them apart: then
 * 'vlan' holds the zone and 'zoned' is 1. */
struct dpi_key {
    struct dpi_addr src;        /* Source address. */
    struct dpi_addr dst;        /* Destination address. */
    uint16_t sport;             /* Source port (host order); 0 if none. */
    uint16_t dport;             /* Destination port (host order). */
    uint16_t vlan;              /* Innermost VLAN id, 0 if untagged; or the
                                 * zone if 'zoned'. */
    uint8_t proto;              /* IP protocol number. */
    uint8_t ipv6 : 1;           /* 1 if an IPv6 flow, else 0. */
    uint8_t zoned : 1;          /* 1 if 'vlan' holds a zone. */
};

/* Returns what keeps apart the connections of 'key''s addresses, ports and
 * protocol: its zone if it has one (as a number above 0xffff), else its
 * VLAN id. */
static inline uint32_t
dpi_key_domain(const struct dpi_key *key)
{
    return (uint32_t) key->zoned << 16 | key->vlan;
}

/* Places 'key' in zone 'zone', which replaces its VLAN id: connections of
 * zones 1 to 65535 are apart from those of every other zone and from those
 * not in a zone, whatever their VLAN.  Zone 0 leaves 'key' as it is, keyed
 * on its VLAN id. */
static inline void
dpi_key_set_zone(struct dpi_key *key, uint16_t zone)
{
    if (zone) {
        key->vlan = zone;
        key->zoned = 1;
    }
}

/* Tunnel encapsulations that dpi_parse_eth() and dpi_parse_l3() remove,
 * as bits of struct dpi_pkt's 'encap'.  A packet's connection key is taken
 * from its innermost IP header: the one behind all the VXLAN, GRE, GTP-U
 * and IP-in-IP headers the parser recognises (at most DPI_MAX_ENCAP of
 * them).  ICMP errors, which quote an IP header, and Teredo are not
 * tunnels in this sense: they stay flows of their own.  Connections keep
 * these bits in 4 bits (struct dpi_conn): a new one needs room there, and
 * must be added to DPI_ENCAP_ALL. */
enum dpi_encap {
    DPI_ENCAP_VXLAN = 1 << 0,   /* VXLAN, UDP port 4789, inner Ethernet. */
    DPI_ENCAP_GRE = 1 << 1,     /* GRE (IP protocol 47), version 0 with an
                                 * IPv4, IPv6 or Ethernet payload, or
                                 * version 1 (PPTP) with PPP carrying IP. */
    DPI_ENCAP_GTP = 1 << 2,     /* GTP-U G-PDU, UDP port 2152. */
    DPI_ENCAP_IPIP = 1 << 3,    /* IPv4 or IPv6 directly in IPv4 or IPv6
                                 * (IP protocol 4 or 41). */
};

/* UDP ports of the tunnels that dpi_parse_eth() and dpi_parse_l3()
 * remove. */
#define DPI_PORT_GTP_U 2152
#define DPI_PORT_VXLAN 4789

/* All the DPI_ENCAP_* bits. */
#define DPI_ENCAP_ALL (DPI_ENCAP_VXLAN | DPI_ENCAP_GRE | DPI_ENCAP_GTP \
                       | DPI_ENCAP_IPIP)

/* Most tunnel headers one packet may have removed; the headers behind the
 * last one are left as they are (the packet is keyed on the IP header
 * reached). */
#define DPI_MAX_ENCAP 4

/* A parsed packet.  'payload' points into the caller's buffer, which must
 * stay valid and unchanged during dpi_process(). */
struct dpi_pkt {
    struct dpi_key key;         /* Connection key, packet direction. */
    const uint8_t *payload;     /* L4 payload (TCP/UDP), may be NULL. */
    uint32_t payload_len;       /* Bytes at 'payload' (as captured). */
    uint32_t frame_len;         /* Frame length counted in statistics (the
                                 * outermost frame, tunnels included). */
    uint32_t tcp_seq;           /* TCP sequence number (host order). */
    uint32_t tcp_ack;           /* TCP acknowledgement (host order). */
    uint8_t tcp_flags;          /* TCP flags; 0 if not TCP. */
    uint8_t is_fragment;        /* Non-first IP fragment: no L4 header. */
    uint64_t ts_us;             /* Packet time in microseconds, for the
                                 * computed metadata; 0 to use the 'now_ms'
                                 * given to dpi_process(). */

    /* Tunnels removed to reach the IP header 'key' comes from. */
    uint8_t encap;              /* DPI_ENCAP_* bits; 0 if none. */
    uint8_t n_encap;            /* Number of tunnel headers removed. */

    /* Fragmentation of the IP header 'key' comes from.  A datagram is
     * fragmented if 'frag_offset' or 'frag_more' is nonzero. */
    uint32_t frag_id;           /* IPv4 identification or IPv6 fragment
                                 * header identification (host order). */
    uint16_t frag_offset;       /* Fragment offset, in 8-byte units. */
    uint8_t frag_more;          /* 1 if "more fragments" is set. */
};

/* Result of dpi_parse_*(). */
enum dpi_parse_result {
    DPI_PARSE_OK = 0,           /* 'pkt' is filled in. */
    DPI_PARSE_NOT_IP,           /* Not an IPv4/IPv6 packet. */
    DPI_PARSE_TRUNCATED,        /* A header is cut short. */
    DPI_PARSE_MALFORMED,        /* A header field is invalid. */
};

enum dpi_parse_result dpi_parse_eth(const void *frame, size_t len,
                                    struct dpi_pkt *);
enum dpi_parse_result dpi_parse_l3(const void *l3, size_t len,
                                   bool is_ipv6, uint16_t vlan,
                                   struct dpi_pkt *);
const char *dpi_parse_result_str(enum dpi_parse_result);
const char *dpi_encap_name(enum dpi_encap);
char *dpi_encap_names(uint8_t encap, char *buf, size_t size);

/* The verdict for one packet. */
struct dpi_verdict {
    uint16_t app_id;            /* Most specific application, or 0. */
    uint16_t app_proto;         /* L7 protocol, or 0. */
    uint8_t state;              /* DPI_STATE_* bits. */
};

void dpi_process(struct dpi_worker *, const struct dpi_pkt *,
                 uint64_t now_ms, struct dpi_verdict *);

/* Counts, in the 'bad_packets' statistic, a packet that the caller could
 * not parse with dpi_parse_*() and so did not pass to dpi_process(). */
void dpi_worker_count_bad_packet(struct dpi_worker *);

/* Returns the number of connections that dpi_process() calls on this worker
 * have created so far and, if 'last' is nonnull and there was one, stores
 * the key of the latest (client to server) in '*last'.  A caller that
 * compares the number before and after a call learns whether that packet
 * started a new connection (its first packet, or the first after the
 * previous one with its key expired, was evicted or closed: see
 * dpi-conn.h), and which: for a non-first IP fragment, the key of the
 * connection differs from the packet's.  Only the worker's own thread may
 * call it. */
uint64_t dpi_worker_n_created(const struct dpi_worker *,
                              struct dpi_key *last);

size_t dpi_engine_expire(struct dpi_engine *, uint64_t now_ms);

/* Gives up on every connection still being inspected (DPI_STATE_PEND), as
 * when the inspection window closes: the state becomes DPI_STATE_UNK and a
 * connection whose protocol is unknown takes the one its ports suggest
 * (see "Guesses" above).  For offline use at the end of a capture. */
void dpi_worker_give_up_all(struct dpi_worker *);

/* Settled connections.
 *
 * A connection settles once nothing more is to be learned from its
 * packets: its verdict is final (DPI_STATE_DONE or DPI_STATE_UNK), no
 * parser follows it for more metadata (the TLS parser stops once it has
 * read the server's Certificate; the others that follow do so to the end;
 * none follows a connection given up on, DPI_STATE_UNK) and, for TCP, its
 * application response time is measured.  Its later
 * packets may then bypass dpi_process(), as long as the caller hands their
 * counts to dpi_engine_lookup(), which keeps the connection alive and its
 * counters right.  A caller that lets TCP segments with SYN, FIN or RST
 * bypass dpi_process() hides the connection's close from the engine, so
 * the connection expires only after the idle timeout (the OVS glue always
 * hands those segments to dpi_process()).
 *
 * dpi_engine_lookup() finds the connection of a packet with key 'key' (in
 * the packet's direction) without creating it.  If there is one and it has
 * settled, it stores its verdict in '*verdict', counts in the key's
 * direction, and in the application's counters, 'n_packets' packets of
 * 'n_bytes' bytes, last seen at 'now_ms', and returns true (with
 * 'n_packets' zero it only looks, and leaves the connection's place in
 * the eviction order alone).  Otherwise it returns false, having counted
 * nothing (a connection that has not settled still counts as seen at
 * 'now_ms' if 'n_packets' is not zero).
 *
 * dpi_engine_count() counts packets that have bypassed dpi_process()
 * already, as dpi_engine_lookup() does, but whether or not their
 * connection has settled: it may no longer have, as when a TCP port
 * reused at once starts a new connection at its SYN while its next
 * packets still bypass the engine as the old connection's did.
 *
 * Both count nothing, and dpi_engine_lookup() returns false, for a key
 * of another IP protocol than TCP and UDP, or of UDP to or from
 * DPI_PORT_VXLAN or DPI_PORT_GTP_U: the connection of such a packet may
 * depend on its payload (tunnels), or dpi_process() may key it
 * differently (ICMP).  Both may be called from any thread, concurrently
 * with dpi_process(). */
bool dpi_engine_lookup(struct dpi_engine *, const struct dpi_key *,
                       uint64_t n_packets, uint64_t n_bytes,
                       uint64_t now_ms, struct dpi_verdict *);
void dpi_engine_count(struct dpi_engine *, const struct dpi_key *,
                      uint64_t n_packets, uint64_t n_bytes, uint64_t now_ms);

/* A snapshot of one connection, as passed to a dpi_engine_dump()
 * callback. */
struct dpi_flow_info {
    struct dpi_key key;         /* Client to server direction. */
    struct dpi_verdict verdict; /* Current verdict. */
    uint64_t packets[2];        /* [0]: client to server, [1]: reverse. */
    uint64_t bytes[2];          /* Same, in frame bytes. */
    uint64_t first_ms;          /* Time of the first packet. */
    uint64_t last_ms;           /* Time of the latest packet. */
    const struct dpi_md *md;    /* Extracted and computed metadata (see
                                 * dpi-md.h), never NULL. */
    uint8_t encap;              /* DPI_ENCAP_* bits of the tunnels its
                                 * packets came out of; 0 if none. */
};

typedef void dpi_dump_cb(const struct dpi_flow_info *, void *aux);
void dpi_engine_dump(struct dpi_engine *, dpi_dump_cb *, void *aux);

/* Per-application counters, as passed to dpi_engine_get_stats(). */
struct dpi_app_stats {
    uint16_t app_id;            /* Application. */
    uint64_t flows;             /* Connections classified as 'app_id'. */
    uint64_t packets;           /* Packets of those connections. */
    uint64_t bytes;             /* Frame bytes of those connections. */
};

/* Engine-wide counters. */
struct dpi_stats {
    uint64_t n_flows;           /* Connections in the table now. */
    uint64_t max_flows;         /* Table capacity. */
    uint64_t created;           /* Connections created. */
    uint64_t evicted;           /* Connections evicted because full. */
    uint64_t expired;           /* Connections expired when idle, and
                                 * closed TCP connections opened again by a
                                 * SYN (each also counts as created). */
    uint64_t packets;           /* Packets processed. */
    uint64_t bad_packets;       /* Packets that did not parse. */
    size_t n_apps;              /* Number of elements in 'apps'. */
    struct dpi_app_stats *apps; /* Per-application counters, malloc()ed:
                                 * the caller frees it. */
};

void dpi_engine_get_stats(struct dpi_engine *, struct dpi_stats *);
void dpi_stats_destroy(struct dpi_stats *);

#ifdef __cplusplus
}
#endif

#endif /* dpi.h */
