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

/* Per-connection classification.
 *
 * Detection and parsing
 * =====================
 *
 * Each direction of a connection has its own candidate protocols.  For
 * every payload packet the classifier scans, with the signature database's
 * payload patterns, the start of the direction (TCP: the in-order stream
 * prefix, at most DPI_SIG_SCAN_MAX bytes; UDP: the datagram), so that a
 * signature split over segments still matches; it adds the protocols whose
 * port hints name either port; then it runs, lowest slot first, the parser
 * of each candidate that has not said NO on this direction.  A parser's YES
 * identifies the protocol; a protocol without a parser is identified by its
 * payload pattern alone.  Once a protocol is known, the other direction
 * only runs that protocol's parser, for its metadata.
 *
 * The service is then looked up from the host name the parser extracted
 * (HTTP Host, TLS SNI, DNS query name): app_id is the service if the name
 * belongs to one, else the protocol.  A candidate may also be a service
 * itself ("protocol dropbox udp payload ..." in the signature file: an
 * application whose protocol is its own): identified like a protocol, by
 * its pattern or its parser, it gives app_id the service and app_proto 0.
 * A protocol's parser may name a service too, in DPI_F__service (XMPP for
 * WhatsApp).
 *
 * TCP stream prefix
 * =================
 *
 * The engine only passes packets that carry payload, so the first payload
 * packet seen in a direction fixes offset 0 of its stream.  A segment that
 * arrives later with a lower sequence number (reordering) moves offset 0
 * back and the direction is evaluated afresh, unless the direction was
 * already decided (a YES, or given up: 64 bytes or more matching no
 * candidate).  Segments are stored at their
 * offsets in a buffer allocated only when a parser needs more than one
 * segment (the first segment is parsed in place), up to DPI_PROTO_MAX_STREAM
 * bytes; up to DPI_INSPECT_MAX_RANGES disjoint byte ranges are held, so
 * that out-of-order segments wait for the gap to fill; where segments
 * overlap the bytes seen first are kept.  Parsers see only the contiguous
 * prefix from offset 0.  A parser still saying MORE on a full buffer counts
 * as YES without (complete) metadata: 16 kB consistent with the protocol is
 * evidence enough.
 *
 * Signature reload
 * ================
 *
 * Slot numbers belong to one signature database.  When the engine moves a
 * connection under inspection to a new database, dpi_inspect_rebind()
 * keeps everything that is about the connection's bytes: each direction's
 * stream buffer, byte ranges and base sequence number, and whether it saw
 * payload, said YES ('done') or ran out of candidates ('dead'; its buffer
 * is gone then, so it cannot be looked at again).  It drops what names
 * slots of the old database: the pattern matches, which the next packet
 * recomputes by scanning the whole prefix again with the new database,
 * and the parsers' NO answers, which are asked again (parsers are pure
 * functions of the prefix, so they answer the same).  The identified
 * protocol, if any, is found again by its application in the new database
 * with its NO and pattern bits in each direction; if the new database
 * lacks it, the connection is no longer identified, its undecided
 * directions look for candidates in the new database, and a TCP direction
 * whose bytes were already freed counts as having no candidate left.
 *
 * Final verdicts
 * ==============
 *
 * - HTTP and TLS: the client's request / ClientHello parsed; or the server's
 *   response / ServerHello recognised when the client direction cannot give
 *   more (no payload seen, or its parser said NO).
 * - DNS: any query or response parsed.
 * - SSH: both identification strings seen (or one, and the other direction
 *   failed the parser).
 * - Protocols identified by a pattern alone: at once.
 * - Unknown: both directions have run out of candidates. */

#include "dpi-sig-private.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "dpi-proto.h"

/* Most disjoint byte ranges held per direction. */
#define DPI_INSPECT_MAX_RANGES 4

/* A direction with no candidate protocol is given up once its prefix holds
 * this many bytes (signatures look at the first bytes). */
#define DPI_INSPECT_GIVE_UP_LEN 64

/* IP protocol numbers. */
#define DPI_INSPECT_TCP 6
#define DPI_INSPECT_UDP 17

/* The protocols with a parser. */
static const struct dpi_parser dpi_parsers[] = {
#define DPI_PARSER(APP, FUNC, FINAL, HOST_FIELD, FOLLOW) \
    { APP, FUNC, FINAL, HOST_FIELD, FOLLOW },
#include "proto/parsers.def"
#undef DPI_PARSER
};

/* A byte range [start, end) of a stream. */
struct dpi_range {
    uint32_t start;             /* First byte. */
    uint32_t end;               /* One past the last byte. */
};

/* Inspection state of one direction. */
struct dpi_inspect_dir {
    uint8_t *buf;               /* Stream bytes by offset, or NULL. */
    uint32_t allocated;         /* Bytes allocated at 'buf'. */
    uint32_t base_seq;          /* TCP sequence number of offset 0. */
    uint8_t n_ranges;           /* Elements used in 'ranges'. */
    struct dpi_range ranges[DPI_INSPECT_MAX_RANGES]; /* Bytes held, sorted,
                                                      * disjoint. */
    bool started;               /* 'base_seq' is set. */
    bool seen;                  /* Some payload went this way. */
    bool done;                  /* The protocol's parser said YES here. */
    bool dead;                  /* No candidate protocol left here. */
    struct dpi_slots no;        /* Slots whose parser said NO here. */
    struct dpi_slots patterns;  /* Slots matched by payload patterns. */
    uint32_t scanned;           /* Prefix length at the last scan. */
};

/* Inspection state of a connection. */
struct dpi_inspect {
    struct dpi_inspect_dir dir[2]; /* [0]: to server, [1]: to client. */
    int slot;                   /* Identified protocol's slot, or -1. */
    uint16_t slot_app;          /* Application of 'slot', if 'slot' >= 0:
                                 * finds its slot again in another
                                 * database (dpi_inspect_rebind()). */
    bool final;                 /* Verdict is final. */
    uint32_t gen;               /* Generation of the signature database
                                 * whose slot numbers this holds. */
};

/* Number of elements of dpi_parsers[]. */
#define DPI_N_PARSERS (sizeof dpi_parsers / sizeof dpi_parsers[0])

/* Protocol ids below this have their parser found by dpi_parser_index[];
 * a larger one is looked for by a walk of dpi_parsers[]. */
#define DPI_PARSER_INDEX_SIZE 2048

/* The index in dpi_parsers[], plus 1, of the parser of each protocol id
 * below DPI_PARSER_INDEX_SIZE; 0 if it has none.  Written once, by
 * dpi_parser_index_init(). */
static uint8_t dpi_parser_index[DPI_PARSER_INDEX_SIZE];
_Static_assert(DPI_N_PARSERS < UINT8_MAX, "parser index overflows");
static pthread_once_t dpi_parser_index_once = PTHREAD_ONCE_INIT;

/* Fills in dpi_parser_index[]. */
static void
dpi_parser_index_init(void)
{
    for (size_t i = DPI_N_PARSERS; i-- > 0;) {
        if (dpi_parsers[i].app < DPI_PARSER_INDEX_SIZE) {
            dpi_parser_index[dpi_parsers[i].app] = (uint8_t) (i + 1);
        }
    }
}

/* Returns the parser of protocol 'app', or NULL.  Called for every packet
 * of an identified connection, so it takes a table lookup. */
const struct dpi_parser *
dpi_parser_find(uint16_t app)
{
    if (app < DPI_PARSER_INDEX_SIZE) {
        pthread_once(&dpi_parser_index_once, dpi_parser_index_init);
        return (dpi_parser_index[app]
                ? &dpi_parsers[dpi_parser_index[app] - 1] : NULL);
    }
    for (size_t i = 0; i < DPI_N_PARSERS; i++) {
        if (dpi_parsers[i].app == app) {
            return &dpi_parsers[i];
        }
    }
    return NULL;
}

/* Returns true if libdpi has a parser for protocol 'app'. */
bool
dpi_classify_has_parser(uint16_t app)
{
    return dpi_parser_find(app) != NULL;
}

/* Creates the inspection state of a new connection, for the signature
 * database of generation 'gen' (see dpi_inspect_rebind()).  Returns NULL if
 * memory is short. */
struct dpi_inspect *
dpi_inspect_create(uint32_t gen)
{
    struct dpi_inspect *in = calloc(1, sizeof *in);

    if (in) {
        in->slot = -1;
        in->gen = gen;
    }
    return in;
}

/* Frees the stream buffer of 'd'. */
static void
dpi_dir_release(struct dpi_inspect_dir *d)
{
    free(d->buf);
    d->buf = NULL;
    d->allocated = 0;
    d->n_ranges = 0;
}

/* Frees 'in' (which may be NULL). */
void
dpi_inspect_destroy(struct dpi_inspect *in)
{
    if (in) {
        dpi_dir_release(&in->dir[0]);
        dpi_dir_release(&in->dir[1]);
        free(in);
    }
}

/* See dpi-classify.h and "Signature reload" above. */
void
dpi_inspect_rebind(struct dpi_inspect *in, const struct dpi_sigdb *db,
                   uint32_t gen)
{
    int slot;
    size_t i;

    if (in->gen == gen) {
        return;
    }
    in->gen = gen;
    slot = in->slot >= 0 ? dpi_sig_app_slot(db, in->slot_app) : -1;

    for (i = 0; i < 2; i++) {
        struct dpi_inspect_dir *d = &in->dir[i];
        bool no = (in->slot >= 0
                   && dpi_slots_has(&d->no, (unsigned int) in->slot));
        bool pattern = (in->slot >= 0
                        && dpi_slots_has(&d->patterns,
                                         (unsigned int) in->slot));

        memset(&d->no, 0, sizeof d->no);
        memset(&d->patterns, 0, sizeof d->patterns);
        d->scanned = 0;
        if (slot >= 0 && no) {
            dpi_slots_add(&d->no, (unsigned int) slot);
        }
        if (slot >= 0 && pattern) {
            dpi_slots_add(&d->patterns, (unsigned int) slot);
        }
        if (in->slot >= 0 && slot < 0) {
            /* The identified protocol is gone: its YES no longer counts,
             * and a TCP direction whose bytes were freed once the protocol
             * was known can never hold a prefix again (later segments sit
             * beyond offset 0): it has nothing left to offer. */
            d->done = false;
            if (d->started && !d->buf) {
                d->dead = true;
            }
        }
    }
    in->slot = slot;
}

/* Returns the length of the contiguous prefix held by 'd'. */
static uint32_t
dpi_dir_prefix(const struct dpi_inspect_dir *d)
{
    return d->n_ranges && !d->ranges[0].start ? d->ranges[0].end : 0;
}

/* Makes room for offsets below 'end' in 'd->buf'. */
static bool
dpi_dir_reserve(struct dpi_inspect_dir *d, uint32_t end)
{
    uint32_t n;
    uint8_t *buf;

    if (end <= d->allocated) {
        return true;
    }
    n = d->allocated ? d->allocated : 2048;
    while (n < end) {
        n *= 2;
    }
    if (n > DPI_PROTO_MAX_STREAM) {
        n = DPI_PROTO_MAX_STREAM;
    }
    buf = realloc(d->buf, n);
    if (!buf) {
        return false;
    }
    d->buf = buf;
    d->allocated = n;
    return true;
}

/* Stores 'n' bytes at 'data' at stream offset 'off' (clipped to
 * DPI_PROTO_MAX_STREAM), keeping the bytes already held where they
 * overlap.  Returns false if the segment had to be dropped (too many
 * ranges or no memory). */
static bool
dpi_dir_store(struct dpi_inspect_dir *d, uint32_t off, const uint8_t *data,
              uint32_t n)
{
    struct dpi_range merged[DPI_INSPECT_MAX_RANGES + 1];
    uint32_t start = off, end, pos;
    size_t i, m = 0;
    bool placed = false;

    if (off >= DPI_PROTO_MAX_STREAM || !n) {
        return true;
    }
    end = n > DPI_PROTO_MAX_STREAM - off ? DPI_PROTO_MAX_STREAM : off + n;

    /* Compute the new range list first, so that nothing changes if the
     * segment cannot be held. */
    for (i = 0; i < d->n_ranges; i++) {
        struct dpi_range r = d->ranges[i];

        if (r.end < start) {
            merged[m++] = r;
        } else if (r.start > end) {
            if (!placed) {
                merged[m++] = (struct dpi_range) { start, end };
                placed = true;
            }
            merged[m++] = r;
        } else {
            start = r.start < start ? r.start : start;
            end = r.end > end ? r.end : end;
        }
    }
    if (!placed) {
        merged[m++] = (struct dpi_range) { start, end };
    }
    if (m > DPI_INSPECT_MAX_RANGES || !dpi_dir_reserve(d, end)) {
        return false;
    }

    /* Copy the bytes of the segment that fall into gaps. */
    end = n > DPI_PROTO_MAX_STREAM - off ? DPI_PROTO_MAX_STREAM : off + n;
    pos = off;
    for (i = 0; i <= d->n_ranges && pos < end; i++) {
        uint32_t gap_end = i < d->n_ranges ? d->ranges[i].start : end;

        if (gap_end > end) {
            gap_end = end;
        }
        if (gap_end > pos) {
            memcpy(d->buf + pos, data + (pos - off), gap_end - pos);
            pos = gap_end;
        }
        if (i < d->n_ranges && d->ranges[i].end > pos) {
            pos = d->ranges[i].end;
        }
    }

    memcpy(d->ranges, merged, m * sizeof merged[0]);
    d->n_ranges = (uint8_t) m;
    return true;
}

/* Moves offset 0 of 'd' back by 'delta' bytes, dropping what no longer
 * fits.  Returns false if memory is short (then 'd' is emptied). */
static bool
dpi_dir_rebase(struct dpi_inspect_dir *d, uint32_t delta)
{
    size_t i, m = 0;

    d->base_seq -= delta;
    if (!d->n_ranges) {
        return true;
    }
    if (delta >= DPI_PROTO_MAX_STREAM
        || !dpi_dir_reserve(d, DPI_PROTO_MAX_STREAM)) {
        d->n_ranges = 0;
        return delta >= DPI_PROTO_MAX_STREAM;
    }
    memmove(d->buf + delta, d->buf, DPI_PROTO_MAX_STREAM - delta);
    for (i = 0; i < d->n_ranges; i++) {
        struct dpi_range r = d->ranges[i];

        if (r.start + delta >= DPI_PROTO_MAX_STREAM) {
            break;
        }
        r.start += delta;
        r.end = (r.end + delta > DPI_PROTO_MAX_STREAM
                 ? DPI_PROTO_MAX_STREAM : r.end + delta);
        d->ranges[m++] = r;
    }
    d->n_ranges = (uint8_t) m;
    return true;
}

/* Returns true if direction 'd' has shown that it cannot be protocol
 * 'slot'. */
static bool
dpi_dir_failed(const struct dpi_inspect_dir *d, int slot)
{
    return d->dead || dpi_slots_has(&d->no, (unsigned int) slot);
}

/* Decides whether the verdict for identified protocol 'p' is final. */
static bool
dpi_is_final(const struct dpi_inspect *in, const struct dpi_parser *p)
{
    const struct dpi_inspect_dir *c = &in->dir[0], *s = &in->dir[1];

    switch (p ? p->final : DPI_FINAL_ANY) {
    case DPI_FINAL_ANY:
        return true;
    case DPI_FINAL_CLIENT:
        return c->done || (s->done && (!c->seen
                                       || dpi_dir_failed(c, in->slot)));
    case DPI_FINAL_BOTH:
        return ((c->done || dpi_dir_failed(c, in->slot))
                && (s->done || dpi_dir_failed(s, in->slot)));
    }
    return true;
}

/* Sets 'v' from the identified protocol (as its parser may have refined
 * it) and the host name in 'md'.  A slot that is a service (a "protocol
 * SERVICE" line: an application with its own protocol, e.g. Dropbox LAN
 * sync) gives that service as app_id and app_proto 0, unless its parser
 * names an L7 protocol in DPI_F__proto. */
static void
dpi_set_verdict(const struct dpi_sigdb *db, struct dpi_sig_scratch *scratch,
                const struct dpi_inspect *in, struct dpi_md *md,
                struct dpi_verdict *v)
{
    uint16_t app = dpi_sig_slot_app(db, (unsigned int) in->slot);
    const struct dpi_parser *p = dpi_parser_find(app);
    uint16_t service = 0;
    uint64_t refined;

    if (p && p->host_field) {
        const char *host = dpi_md_get(md, p->host_field, NULL);

        if (host) {
            service = dpi_sig_match_host(db, scratch, host);
        }
    }
    if (!service && dpi_md_get_u64(md, DPI_F__service, &refined)
        && refined >= DPI_APP_FIRST_SERVICE
        && dpi_app_is_valid((uint16_t) refined)) {
        service = (uint16_t) refined;
    }
    if (!dpi_app_is_protocol(app)) {
        if (!service) {
            service = app;
        }
        app = 0;
    }
    if (dpi_md_get_u64(md, DPI_F__proto, &refined)
        && dpi_app_is_protocol((uint16_t) refined)
        && refined != app) {
        const struct dpi_parser *rp = dpi_parser_find((uint16_t) refined);

        if (p && p->follow && !(rp && rp->follow)) {
            /* The refined protocol (mdns, http_proxy, ...) has no parser
             * of its own to follow the connection: keep following it with
             * the parser that identified it. */
            dpi_md_set_u64(md, DPI_F__parser, app);
        }
        app = (uint16_t) refined;
    }
    v->app_proto = app;
    v->app_id = service ? service : app;
}

/* See dpi-classify.h. */
bool
dpi_classify_identified(const struct dpi_inspect *in)
{
    return in->slot >= 0;
}

/* Runs detection on 'data' (of 'len' bytes), the prefix of direction
 * 'to_server' or a datagram, and updates 'in', 'md' and 'v'. */
static void
dpi_inspect_data(const struct dpi_sigdb *db, struct dpi_sig_scratch *scratch,
                 struct dpi_inspect *in, const uint8_t *data, size_t len,
                 const struct dpi_proto_ctx *ctx, struct dpi_md *md,
                 struct dpi_verdict *v)
{
    bool to_server = ctx->to_server, is_tcp = ctx->is_tcp;
    struct dpi_inspect_dir *d = &in->dir[to_server ? 0 : 1];
    uint8_t l4 = is_tcp ? DPI_INSPECT_TCP : DPI_INSPECT_UDP;
    struct dpi_slots cand, ports;
    bool more = false;
    int found = -1;
    int slot;

    if (in->slot >= 0) {
        memset(&cand, 0, sizeof cand);
        dpi_slots_add(&cand, (unsigned int) in->slot);
    } else {
        if (!is_tcp || d->scanned < DPI_SIG_SCAN_MAX || len < d->scanned) {
            dpi_sig_match_payload(db, scratch, l4, data, len, &d->patterns);
            d->scanned = (uint32_t) len;
        }
        cand = d->patterns;
        dpi_sig_match_ports(db, l4, ctx->client_port, ctx->server_port,
                            &ports);
        dpi_slots_or(&cand, &ports);
    }
    dpi_slots_andnot(&cand, &d->no);

    while ((slot = dpi_slots_first(&cand)) >= 0) {
        const struct dpi_parser *p;
        enum dpi_proto_result r;

        dpi_slots_del(&cand, (unsigned int) slot);
        p = dpi_parser_find(dpi_sig_slot_app(db, (unsigned int) slot));
        if (!p) {
            if (dpi_slots_has(&d->patterns, (unsigned int) slot)) {
                found = slot;
                break;
            }
            continue;
        }
        r = p->parse(ctx, data, len, md);
        if (r == DPI_PROTO_MORE && is_tcp && len >= DPI_PROTO_MAX_STREAM) {
            /* 16 kB consistent with the protocol is evidence enough.  A
             * datagram parser's MORE (a QUIC ClientHello split over two
             * datagrams) keeps the candidate for the next datagram. */
            r = DPI_PROTO_YES;
        }
        if (r == DPI_PROTO_YES) {
            found = slot;
            break;
        } else if (r == DPI_PROTO_NO) {
            dpi_slots_add(&d->no, (unsigned int) slot);
        } else {
            more = true;
        }
    }

    if (found >= 0) {
        if (in->slot < 0) {
            in->slot = found;
            in->slot_app = dpi_sig_slot_app(db, (unsigned int) found);
        }
        d->done = true;
        dpi_dir_release(d);
    } else if (!more && in->slot < 0
               && (!is_tcp || len >= DPI_INSPECT_GIVE_UP_LEN)) {
        d->dead = true;
        dpi_dir_release(d);
    } else if (!more && in->slot >= 0) {
        dpi_dir_release(d);
    }

    if (in->slot >= 0) {
        dpi_set_verdict(db, scratch, in, md, v);
        in->final = dpi_is_final(
            in, dpi_parser_find(dpi_sig_slot_app(db,
                                                 (unsigned int) in->slot)));
    } else if (in->dir[0].dead && in->dir[1].dead) {
        in->final = true;
    }
}

/* Adds TCP segment 'pkt' to direction 'd'.  Returns the contiguous prefix
 * to inspect in '*datap' and '*lenp' (pointing into the packet when the
 * segment is the stream's first), or false if there is nothing new to
 * inspect.  '*in_place' tells whether '*datap' is the packet. */
static bool
dpi_dir_add_segment(struct dpi_inspect_dir *d, const struct dpi_pkt *pkt,
                    const uint8_t **datap, size_t *lenp, bool *in_place)
{
    uint32_t before = dpi_dir_prefix(d);
    int32_t off;

    if (!d->started) {
        d->started = true;
        d->base_seq = pkt->tcp_seq;
    }
    off = (int32_t) (pkt->tcp_seq - d->base_seq);
    if (off < 0) {
        /* An earlier segment: start the stream from it and look again.
         * (Subtracting the sequence numbers gives the distance even for
         * -2^31, which 'off' cannot be negated into.) */
        if (!dpi_dir_rebase(d, d->base_seq - pkt->tcp_seq)) {
            return false;
        }
        memset(&d->no, 0, sizeof d->no);
        d->scanned = 0;
        before = 0;
        off = 0;
    }

    if (!d->n_ranges && off == 0) {
        *datap = pkt->payload;
        *lenp = (pkt->payload_len > DPI_PROTO_MAX_STREAM
                 ? DPI_PROTO_MAX_STREAM : pkt->payload_len);
        *in_place = true;
        return true;
    }
    if (!dpi_dir_store(d, (uint32_t) off, pkt->payload, pkt->payload_len)
        || dpi_dir_prefix(d) == before) {
        return false;
    }
    *datap = d->buf;
    *lenp = dpi_dir_prefix(d);
    *in_place = false;
    return true;
}

/* Fills 'ctx' for packet 'pkt' of the connection whose client-to-server
 * key is 'client'. */
static void
dpi_proto_ctx_init(struct dpi_proto_ctx *ctx, const struct dpi_pkt *pkt,
                   bool to_server, const struct dpi_key *client,
                   uint64_t now_us, bool follow)
{
    ctx->to_server = to_server;
    ctx->is_tcp = pkt->key.proto == DPI_INSPECT_TCP;
    ctx->follow = follow;
    ctx->client_port = client->sport;
    ctx->server_port = client->dport;
    ctx->tcp_seq = ctx->is_tcp ? pkt->tcp_seq : 0;
    ctx->now_us = now_us;
}

/* See dpi-classify.h. */
bool
dpi_classify_packet(const struct dpi_sigdb *db,
                    struct dpi_sig_scratch *scratch, struct dpi_inspect *in,
                    const struct dpi_pkt *pkt, bool to_server,
                    const struct dpi_key *client, uint64_t now_us,
                    struct dpi_md *md, struct dpi_verdict *v)
{
    struct dpi_inspect_dir *d = &in->dir[to_server ? 0 : 1];
    bool is_tcp = pkt->key.proto == DPI_INSPECT_TCP;
    struct dpi_proto_ctx ctx;
    const uint8_t *data;
    size_t len;

    if (in->final || !pkt->payload || !pkt->payload_len
        || pkt->is_fragment || d->done || d->dead
        || (in->slot >= 0 && dpi_slots_has(&d->no, (unsigned int) in->slot))
        || (!is_tcp && pkt->key.proto != DPI_INSPECT_UDP)) {
        return in->final;
    }
    d->seen = true;
    dpi_proto_ctx_init(&ctx, pkt, to_server, client, now_us, false);

    if (is_tcp) {
        bool in_place;

        if (!dpi_dir_add_segment(d, pkt, &data, &len, &in_place)) {
            return in->final;
        }
        dpi_inspect_data(db, scratch, in, data, len, &ctx, md, v);
        if (in_place && !d->done && !d->dead && !in->final
            && !(in->slot >= 0
                 && dpi_slots_has(&d->no, (unsigned int) in->slot))) {
            /* Keep the first segment for the parsers that want more. */
            dpi_dir_store(d, 0, data, (uint32_t) len);
        }
    } else {
        dpi_inspect_data(db, scratch, in, pkt->payload, pkt->payload_len,
                         &ctx, md, v);
    }
    return in->final;
}

/* Returns the parser that follows a connection after its verdict, when
 * its protocol is 'app_proto' and its metadata 'md' (see
 * dpi_classify_follow()), or NULL if none does. */
static const struct dpi_parser *
dpi_classify_follower(uint16_t app_proto, const struct dpi_md *md)
{
    const struct dpi_parser *p = dpi_parser_find(app_proto);
    uint64_t parser_app;

    if (!p && dpi_md_get_u64(md, DPI_F__parser, &parser_app)
        && parser_app <= UINT16_MAX) {
        p = dpi_parser_find((uint16_t) parser_app);
    }
    return p && p->follow ? p : NULL;
}

/* See dpi-classify.h. */
void
dpi_classify_follow(uint16_t app_proto, const struct dpi_pkt *pkt,
                    bool to_server, const struct dpi_key *client,
                    uint64_t now_us, struct dpi_md *md)
{
    const struct dpi_parser *p = dpi_classify_follower(app_proto, md);
    struct dpi_proto_ctx ctx;

    if (!p || !pkt->payload || !pkt->payload_len || pkt->is_fragment) {
        return;
    }
    dpi_proto_ctx_init(&ctx, pkt, to_server, client, now_us, true);
    p->parse(&ctx, pkt->payload, pkt->payload_len, md);
}

/* Returns true if no parser has anything more to learn from the packets of
 * a connection whose verdict is final, whose protocol is 'app_proto' and
 * whose metadata is 'md': its protocol's parser does not follow
 * connections, or it is the TLS parser and has read the server's
 * Certificate (dpi_tls_follow_done()).  Every other following parser may
 * find more in any later packet. */
bool
dpi_classify_settled(uint16_t app_proto, const struct dpi_md *md)
{
    const struct dpi_parser *p = dpi_classify_follower(app_proto, md);

    return !p || (p->parse == dpi_tls_parse && dpi_tls_follow_done(md));
}
