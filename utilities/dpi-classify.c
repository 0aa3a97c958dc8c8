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

/* dpi-classify: runs libdpi over capture files, as the datapath does.
 *
 * Every file gets a fresh engine (struct dpi_engine, configured from
 * dpi_config_init() plus the command-line options) and one worker.  Each
 * frame is parsed with dpi_parse_eth() (or dpi_parse_l3() for raw IP link
 * types) and passed to dpi_process() with the capture time: 'now_ms' in
 * milliseconds and pkt.ts_us in microseconds.  At the end of the file the
 * connection table is read with dpi_engine_dump() and printed, one
 * connection per line, in first-packet order.
 *
 * Order of connections
 * ====================
 *
 * Connections are printed in the order of their first packet in the file
 * (capture order, as tshark numbers frames).  The engine reports only the
 * time of a connection's first packet, in milliseconds: many connections
 * start within one millisecond, and merged captures have timestamps that
 * go backwards.  So the tool numbers connections itself: it keeps a table
 * of the (direction-independent) connection keys it has passed to the
 * engine, numbered in the order of their first packets, and sorts the dumped
 * connections by that number.  A key seen again after its connection
 * expired is numbered anew; one seen again after the engine evicted its
 * connection (a full table, --max-flows) keeps its old number.
 *
 * Expiry
 * ======
 *
 * By default nothing expires within a file (the idle timeout is the
 * largest the engine accepts and dpi_engine_expire() is never called).
 * With --idle-timeout, dpi_engine_expire() runs as capture time advances;
 * the connections it removes are printed too.  dpi_engine_expire() does
 * not say which connections it removed, so before calling it the tool
 * formats every connection that might expire (idle at least as long as the
 * shorter of the idle timeout and the engine's 10 s timeout of closed TCP
 * connections), and afterwards dumps the table again to see which of them
 * are gone.  Connections evicted because the table is full (--max-flows)
 * are lost: the engine does not report them; -v counts them. */

#include <config.h>

#include <arpa/inet.h>
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
#include <sys/mman.h>

#include "dpi.h"

/* The engine's timeout of closed TCP connections (DPI_CONN_CLOSED_TIMEOUT_MS
 * in lib/dpi-conn.c): connections idle this long may expire even before
 * the configured idle timeout. */
#define DC_CLOSED_TIMEOUT_MS 10000

/* Default --metadata-max: large enough to keep every URI of a long
 * keep-alive HTTP connection. */
#define DC_DEFAULT_METADATA_MAX 1048576

/* Size of the stdio buffer a capture file is read through: libpcap reads
 * a record header and then its frame, and with stdio's default of a page
 * that costs a read() system call every few frames. */
#define DC_READ_BUFFER (1024 * 1024)

/* Size of a huge page on x86-64 (see dc_seen_alloc()). */
#define DC_HUGE_PAGE (2 * 1024 * 1024)

/* Exit statuses. */
#define DC_EXIT_OK 0            /* Every file was read to its end. */
#define DC_EXIT_FAILURE 1       /* A file or the signatures failed. */
#define DC_EXIT_USAGE 2         /* Bad command line. */

/* Output formats. */
enum dc_format {
    DC_FMT_TSV,                 /* Tab-separated, one header per file. */
    DC_FMT_JSON,                /* One JSON object per line. */
};

/* Command-line options. */
struct dc_options {
    struct dpi_config config;   /* Engine configuration. */
    uint32_t idle_timeout_ms;   /* --idle-timeout, or 0 for no expiry. */
    enum dc_format format;      /* --json or TSV. */
    bool verbose;               /* -v: per-file summary on stderr. */
};

/* A growable byte string, always NUL-terminated once non-empty. */
struct dc_buf {
    char *s;                    /* Bytes, malloc()ed, or NULL. */
    size_t len;                 /* Bytes used, excluding the NUL. */
    size_t size;                /* Bytes allocated. */
};

/* Kinds of output columns. */
enum dc_col_kind {
    DC_COL_PROTO,               /* IP protocol name. */
    DC_COL_CLIENT_IP,           /* Client address. */
    DC_COL_CLIENT_PORT,         /* Client port. */
    DC_COL_SERVER_IP,           /* Server address. */
    DC_COL_SERVER_PORT,         /* Server port. */
    DC_COL_PACKETS,             /* Packets, both directions. */
    DC_COL_BYTES,               /* Frame bytes, both directions. */
    DC_COL_APP_PROTO,           /* Verdict: L7 protocol name. */
    DC_COL_APP_ID,              /* Verdict: application name. */
    DC_COL_CATEGORY,            /* Category of the application. */
    DC_COL_FIELD,               /* A metadata field of dpi-fields.def. */
    DC_COL_VLAN,                /* Innermost VLAN id. */
    DC_COL_ENCAP,               /* Tunnels the packets came out of. */
    DC_COL_STATE,               /* done, unknown or pending. */
    DC_COL_PACKETS_C2S,         /* Packets, client to server. */
    DC_COL_PACKETS_S2C,         /* Packets, server to client. */
    DC_COL_BYTES_C2S,           /* Bytes, client to server. */
    DC_COL_BYTES_S2C,           /* Bytes, server to client. */
};

/* One output column. */
struct dc_col {
    const char *name;           /* Header and JSON key. */
    enum dc_col_kind kind;      /* What it holds. */
    enum dpi_field field;       /* DC_COL_FIELD: the field. */
    bool has_field;             /* DC_COL_FIELD: false if the registry has
                                 * no such field (always empty). */
};

/* All output columns, in order (built by dc_columns_init()). */
static struct dc_col dc_cols[256 + 32];
static size_t dc_n_cols;

/* A connection key without direction: the two endpoints in a fixed
 * order.  Compared and hashed as bytes, so always memset() first. */
struct dc_key {
    uint8_t addr[2][16];        /* Endpoint addresses, lower one first. */
    uint16_t port[2];           /* Ports of the same endpoints. */
    uint16_t vlan;              /* VLAN id. */
    uint8_t proto;              /* IP protocol. */
    uint8_t ipv6;               /* 1 if IPv6. */
};

/* An entry of the table of connections seen. */
struct dc_seen {
    struct dc_key key;          /* Connection. */
    uint64_t seq;               /* Order in which the engine created the
                                 * connection (at its first packet in the
                                 * file); 0 if the slot is free. */
    bool expired;               /* The engine expired the connection: its
                                 * next packet starts a new one. */
    size_t cand;                /* Index in the candidates of an expiry
                                 * round, or SIZE_MAX. */
};

/* Open-addressing hash table of struct dc_seen, keyed by dc_key. */
struct dc_seen_table {
    struct dc_seen *slots;      /* 'mask + 1' slots. */
    size_t mask;                /* Number of slots minus one. */
    size_t n;                   /* Slots in use. */
    uint64_t next_seq;          /* Next sequence number (from 1). */
};

/* One formatted output line, waiting to be sorted. */
struct dc_row {
    uint64_t first_ms;          /* Time of the connection's first packet. */
    uint64_t seq;               /* Tie-break: capture order. */
    struct dc_key key;          /* Connection. */
    bool alive;                 /* Expiry round: still in the table. */
    char *line;                 /* Formatted line with its newline. */
};

/* A list of rows. */
struct dc_rows {
    struct dc_row *rows;        /* Rows, malloc()ed. */
    size_t n;                   /* Number of rows. */
    size_t size;                /* Rows allocated. */
};

/* The text values of one connection's metadata, read in one pass over
 * its records rather than in one pass per column. */
struct dc_texts {
    struct dpi_md_value *v;     /* Values, in record order. */
    size_t n;                   /* Number of values. */
    size_t size;                /* Values allocated. */
};

/* Everything about the file being processed. */
struct dc_file {
    const char *path;           /* File name as given. */
    const struct dc_options *opts;  /* Options. */
    struct dpi_engine *engine;  /* Fresh engine for this file. */
    struct dpi_worker *worker;  /* Its only worker. */
    struct dc_seen_table seen;  /* Connections seen, in capture order. */
    struct dc_rows out;         /* Rows of expired connections, then all. */
    struct dc_rows cands;       /* Expiry round: connections that may go. */
    struct dc_buf line;         /* Scratch space for formatting a row. */
    struct dc_texts texts;      /* Scratch space for formatting a row. */
    uint64_t expire_cutoff_ms;  /* Expiry round: candidates were last seen
                                 * at this time or earlier. */
    uint64_t next_expire_ms;    /* Capture time of the next expiry round. */
    uint64_t now_ms;            /* Latest capture time seen. */
    uint64_t n_packets;         /* Frames read. */
    uint64_t n_bad;             /* Frames that did not parse. */
    uint64_t n_expired;         /* Connections expired. */
};

static const char *program_name = "dpi-classify";

/* Prints a message about running out of memory and exits. */
static void
dc_oom(void)
{
    fprintf(stderr, "%s: out of memory\n", program_name);
    exit(DC_EXIT_FAILURE);
}

/* Returns the lesser of 'a' and 'b'. */
static inline uint64_t
dc_min_u64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

/* Returns realloc(p, n), exiting if memory is exhausted. */
static void *
dc_xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) {
        dc_oom();
    }
    return p;
}

/* Returns calloc(n, size), exiting if memory is exhausted. */
static void *
dc_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);

    if (!p) {
        dc_oom();
    }
    return p;
}

/* Makes room for 'n' more bytes (plus a NUL) in 'b'. */
static void
dc_buf_reserve(struct dc_buf *b, size_t n)
{
    if (b->len + n + 1 > b->size) {
        size_t size = b->size ? b->size : 256;

        while (size < b->len + n + 1) {
            size *= 2;
        }
        b->s = dc_xrealloc(b->s, size);
        b->size = size;
    }
}

/* Appends the 'n' bytes at 'p' to 'b'. */
static void
dc_buf_put(struct dc_buf *b, const void *p, size_t n)
{
    dc_buf_reserve(b, n);
    memcpy(b->s + b->len, p, n);
    b->len += n;
    b->s[b->len] = '\0';
}

/* Appends the byte 'c' to 'b'. */
static void
dc_buf_putc(struct dc_buf *b, char c)
{
    dc_buf_put(b, &c, 1);
}

/* Appends the string 's' to 'b'. */
static void
dc_buf_puts(struct dc_buf *b, const char *s)
{
    dc_buf_put(b, s, strlen(s));
}

/* Appends printf()-formatted text to 'b'. */
static void __attribute__((format(printf, 2, 3)))
dc_buf_printf(struct dc_buf *b, const char *fmt, ...)
{
    va_list args;
    int n;

    va_start(args, fmt);
    n = vsnprintf(NULL, 0, fmt, args);
    va_end(args);
    if (n < 0) {
        return;
    }
    dc_buf_reserve(b, n);
    va_start(args, fmt);
    vsnprintf(b->s + b->len, n + 1, fmt, args);
    va_end(args);
    b->len += n;
}

/* Makes room in 'rows' for 'n' more rows. */
static void
dc_rows_reserve(struct dc_rows *rows, size_t n)
{
    if (rows->size - rows->n < n) {
        rows->size = rows->n + n;
        rows->rows = dc_xrealloc(rows->rows, rows->size * sizeof *rows->rows);
    }
}

/* Appends 'row' to 'rows' (which takes over row->line). */
static void
dc_rows_push(struct dc_rows *rows, const struct dc_row *row)
{
    if (rows->n == rows->size) {
        rows->size = rows->size ? rows->size * 2 : 64;
        rows->rows = dc_xrealloc(rows->rows, rows->size * sizeof *rows->rows);
    }
    rows->rows[rows->n++] = *row;
}

/* Frees the lines in 'rows' and empties it, keeping its memory. */
static void
dc_rows_clear(struct dc_rows *rows)
{
    for (size_t i = 0; i < rows->n; i++) {
        free(rows->rows[i].line);
    }
    rows->n = 0;
}

/* Frees everything in 'rows'. */
static void
dc_rows_destroy(struct dc_rows *rows)
{
    dc_rows_clear(rows);
    free(rows->rows);
    memset(rows, 0, sizeof *rows);
}

/* qsort() comparison of struct dc_row by capture order of the first
 * packet, then (for the rare connection the tool did not number) first
 * packet time. */
static int
dc_row_cmp(const void *a_, const void *b_)
{
    const struct dc_row *a = a_;
    const struct dc_row *b = b_;

    if (a->seq != b->seq) {
        return a->seq < b->seq ? -1 : 1;
    }
    if (a->first_ms != b->first_ms) {
        return a->first_ms < b->first_ms ? -1 : 1;
    }
    return 0;
}

/* Sets 'key' to the direction-independent form of the connection key
 * 'k'. */
static void
dc_key_from_dpi(struct dc_key *key, const struct dpi_key *k)
{
    int c = memcmp(k->src.b, k->dst.b, sizeof k->src.b);
    bool swap = c > 0 || (c == 0 && k->sport > k->dport);

    memset(key, 0, sizeof *key);
    memcpy(key->addr[swap], k->src.b, 16);
    memcpy(key->addr[!swap], k->dst.b, 16);
    key->port[swap] = k->sport;
    key->port[!swap] = k->dport;
    key->vlan = k->vlan;
    key->proto = k->proto;
    key->ipv6 = k->ipv6;
}

_Static_assert(sizeof(struct dc_key) % 8 == 0,
               "dc_key_hash() reads struct dc_key as 64-bit words");

/* Returns a hash of 'key': each 64-bit word multiplied in, then a final
 * mix. */
static size_t
dc_key_hash(const struct dc_key *key)
{
    uint64_t w[sizeof *key / 8];
    uint64_t h = 0;

    memcpy(w, key, sizeof w);
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) {
        h = (h ^ w[i]) * 0x9e3779b97f4a7c15ULL;
        h ^= h >> 32;
    }
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 32;
    return h;
}

/* Returns the slot of 'key' in 't': the entry, if present (seq != 0), or
 * the free slot where it belongs. */
static struct dc_seen *
dc_seen_slot(const struct dc_seen_table *t, const struct dc_key *key)
{
    size_t i = dc_key_hash(key) & t->mask;

    for (;;) {
        struct dc_seen *s = &t->slots[i];

        if (!s->seq || !memcmp(&s->key, key, sizeof *key)) {
            return s;
        }
        i = (i + 1) & t->mask;
    }
}

/* Returns 'n' zeroed slots for a struct dc_seen_table.  A large table is
 * backed by transparent huge pages where the kernel offers them: each
 * packet that starts a connection touches a random slot, and with 4 kB
 * pages most of those touches also miss the TLB. */
static struct dc_seen *
dc_seen_alloc(size_t n)
{
    size_t size = n * sizeof(struct dc_seen);
    void *p;

    if (size < DC_HUGE_PAGE) {
        return dc_xcalloc(n, sizeof(struct dc_seen));
    }
    /* aligned_alloc() wants a multiple of the alignment. */
    size = (size + DC_HUGE_PAGE - 1) / DC_HUGE_PAGE * DC_HUGE_PAGE;
    p = aligned_alloc(DC_HUGE_PAGE, size);
    if (!p) {
        dc_oom();
    }
#ifdef MADV_HUGEPAGE
    madvise(p, size, MADV_HUGEPAGE);
#endif
    memset(p, 0, size);
    return p;
}

/* Initialises 't' as empty. */
static void
dc_seen_init(struct dc_seen_table *t)
{
    t->mask = 1023;
    t->slots = dc_seen_alloc(t->mask + 1);
    t->n = 0;
    t->next_seq = 1;
}

/* Frees 't'. */
static void
dc_seen_destroy(struct dc_seen_table *t)
{
    free(t->slots);
    t->slots = NULL;
}

/* Doubles the number of slots of 't'. */
static void
dc_seen_grow(struct dc_seen_table *t)
{
    struct dc_seen *old = t->slots;
    size_t n_old = t->mask + 1;

    t->mask = n_old * 2 - 1;
    t->slots = dc_seen_alloc(t->mask + 1);
    for (size_t i = 0; i < n_old; i++) {
        if (old[i].seq) {
            *dc_seen_slot(t, &old[i].key) = old[i];
        }
    }
    free(old);
}

/* Records in 't' that the engine has created a connection for key 'k': a
 * connection seen for the first time (or again after it expired) gets the
 * next sequence number; one evicted keeps its number. */
static void
dc_seen_created(struct dc_seen_table *t, const struct dpi_key *k)
{
    struct dc_seen *s;
    struct dc_key key;

    dc_key_from_dpi(&key, k);
    s = dc_seen_slot(t, &key);
    if (!s->seq) {
        if ((t->n + 1) * 2 > t->mask + 1) {
            dc_seen_grow(t);
            s = dc_seen_slot(t, &key);
        }
        s->key = key;
        s->cand = SIZE_MAX;
        s->expired = false;
        s->seq = t->next_seq++;
        t->n++;
    } else if (s->expired) {
        s->expired = false;
        s->seq = t->next_seq++;
    }
}

/* Returns the entry of 'key' in 't', or NULL. */
static struct dc_seen *
dc_seen_find(const struct dc_seen_table *t, const struct dc_key *key)
{
    struct dc_seen *s = dc_seen_slot(t, key);

    return s->seq ? s : NULL;
}

/* Returns the name of IP protocol 'proto' in the corpus conventions, in
 * 'buf' if it has no name. */
static const char *
dc_proto_name(uint8_t proto, char buf[8])
{
    switch (proto) {
    case 1: return "icmp";
    case 2: return "igmp";
    case 6: return "tcp";
    case 17: return "udp";
    case 47: return "gre";
    case 50: return "esp";
    case 51: return "ah";
    case 58: return "icmpv6";
    case 89: return "ospf";
    case 103: return "pim";
    case 112: return "vrrp";
    case 113: return "pgm";
    case 132: return "sctp";
    default:
        snprintf(buf, 8, "ip%u", proto);
        return buf;
    }
}

/* Formats address 'a' of a connection whose key says 'ipv6' into 'buf':
 * IPv4 plain, IPv6 in RFC 5952 form. */
static const char *
dc_addr_str(const struct dpi_addr *a, bool ipv6,
            char buf[INET6_ADDRSTRLEN])
{
    if (!ipv6) {
        /* By hand: inet_ntop() goes through sprintf(). */
        char *p = buf;

        for (int i = 12; i < 16; i++) {
            uint8_t x = a->b[i];

            if (x >= 100) {
                *p++ = '0' + x / 100;
            }
            if (x >= 10) {
                *p++ = '0' + x / 10 % 10;
            }
            *p++ = '0' + x % 10;
            *p++ = i < 15 ? '.' : '\0';
        }
    } else if (!inet_ntop(AF_INET6, a->b, buf, INET6_ADDRSTRLEN)) {
        strcpy(buf, "?");
    }
    return buf;
}

/* Returns the registry name of application 'id', in 'buf' (decimal) if it
 * has none; "unknown" for 0. */
static const char *
dc_app_str(uint16_t id, char buf[8])
{
    const char *name;

    if (!id) {
        return "unknown";
    }
    name = dpi_app_name(id);
    if (!name) {
        snprintf(buf, 8, "%u", id);
        return buf;
    }
    return name;
}

/* Returns the name of the DPI_STATE_* bits 'state' as printed: "done",
 * "unknown", "pending" or "" (never inspected). */
static const char *
dc_state_str(uint8_t state)
{
    return (state & DPI_STATE_DONE ? "done"
            : state & DPI_STATE_UNK ? "unknown"
            : state & DPI_STATE_PEND ? "pending"
            : "");
}

/* Adds a column called 'name' of kind 'kind' to dc_cols[]. */
static void
dc_col_add(const char *name, enum dc_col_kind kind)
{
    struct dc_col *c = &dc_cols[dc_n_cols++];

    c->name = name;
    c->kind = kind;
    c->has_field = false;
    if (kind == DC_COL_FIELD) {
        c->has_field = dpi_field_from_name(name, &c->field);
    }
}

/* Builds dc_cols[]: the fixed columns, every other printable metadata
 * field in registry order, then the per-direction counters. */
static void
dc_columns_init(void)
{
    bool printed[256] = { false };

    dc_col_add("proto", DC_COL_PROTO);
    dc_col_add("client_ip", DC_COL_CLIENT_IP);
    dc_col_add("client_port", DC_COL_CLIENT_PORT);
    dc_col_add("server_ip", DC_COL_SERVER_IP);
    dc_col_add("server_port", DC_COL_SERVER_PORT);
    dc_col_add("packets", DC_COL_PACKETS);
    dc_col_add("bytes", DC_COL_BYTES);
    dc_col_add("app_proto", DC_COL_APP_PROTO);
    dc_col_add("app_id", DC_COL_APP_ID);
    dc_col_add("category", DC_COL_CATEGORY);
    dc_col_add("http_host", DC_COL_FIELD);
    dc_col_add("http_uri", DC_COL_FIELD);
    dc_col_add("http_user_agent", DC_COL_FIELD);
    dc_col_add("tls_sni", DC_COL_FIELD);
    dc_col_add("quic_sni", DC_COL_FIELD);
    dc_col_add("dns_qname", DC_COL_FIELD);
    dc_col_add("sip_from_user", DC_COL_FIELD);
    dc_col_add("sip_to_user", DC_COL_FIELD);
    dc_col_add("vlan", DC_COL_VLAN);
    dc_col_add("encap", DC_COL_ENCAP);
    dc_col_add("state", DC_COL_STATE);

    for (size_t i = 0; i < dc_n_cols; i++) {
        if (dc_cols[i].has_field) {
            printed[dc_cols[i].field] = true;
        }
    }
    for (unsigned int id = dpi_field_next(0); id; id = dpi_field_next(id)) {
        if (id < 256 && !printed[id] && !dpi_field_is_hidden(id)) {
            struct dc_col *c = &dc_cols[dc_n_cols++];

            c->name = dpi_field_name(id);
            c->kind = DC_COL_FIELD;
            c->field = id;
            c->has_field = true;
            printed[id] = true;
        }
    }

    dc_col_add("packets_c2s", DC_COL_PACKETS_C2S);
    dc_col_add("packets_s2c", DC_COL_PACKETS_S2C);
    dc_col_add("bytes_c2s", DC_COL_BYTES_C2S);
    dc_col_add("bytes_s2c", DC_COL_BYTES_S2C);
}

/* Appends the 'len' bytes of 's' to 'b' as one TSV value: '%', '|', TAB,
 * CR and LF are written %25, %7C, %09, %0D and %0A. */
static void
dc_tsv_escape(struct dc_buf *b, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t start = 0;

    for (size_t i = 0; i < len; i++) {
        unsigned char c = s[i];

        if (c == '%' || c == '|' || c == '\t' || c == '\r' || c == '\n') {
            char esc[3] = { '%', hex[c >> 4], hex[c & 15] };

            dc_buf_put(b, s + start, i - start);
            dc_buf_put(b, esc, sizeof esc);
            start = i + 1;
        }
    }
    dc_buf_put(b, s + start, len - start);
}

/* Returns the length of the valid UTF-8 sequence at 's' (of 'len' bytes
 * available), or 0 if the bytes there are not one (overlong forms,
 * surrogates and code points above U+10FFFF are invalid). */
static size_t
dc_utf8_len(const unsigned char *s, size_t len)
{
    uint32_t cp;
    size_t n;

    if (s[0] < 0x80) {
        return 1;
    } else if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        n = 2;
        cp = s[0] & 0x1f;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        n = 3;
        cp = s[0] & 0x0f;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        n = 4;
        cp = s[0] & 0x07;
    } else {
        return 0;
    }
    if (len < n) {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000)
        || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
        return 0;
    }
    return n;
}

/* Appends the 'len' bytes of 's' to 'b' as a JSON string, with quotes.
 * Control characters and bytes that are not valid UTF-8 are written
 * \u00XX (an invalid byte thus reads as its Latin-1 character). */
static void
dc_json_string(struct dc_buf *b, const char *s_, size_t len)
{
    const unsigned char *s = (const unsigned char *) s_;

    dc_buf_putc(b, '"');
    for (size_t i = 0; i < len;) {
        unsigned char c = s[i];
        size_t n;

        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
            /* A run of printable ASCII needs no escape. */
            for (n = 1; i + n < len; n++) {
                c = s[i + n];
                if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
                    break;
                }
            }
            dc_buf_put(b, s + i, n);
            i += n;
        } else if (c == '"' || c == '\\') {
            dc_buf_putc(b, '\\');
            dc_buf_putc(b, c);
            i++;
        } else if (c == '\n') {
            dc_buf_puts(b, "\\n");
            i++;
        } else if (c == '\t') {
            dc_buf_puts(b, "\\t");
            i++;
        } else if (c == '\r') {
            dc_buf_puts(b, "\\r");
            i++;
        } else if (c < 0x20 || c == 0x7f) {
            dc_buf_printf(b, "\\u%04x", c);
            i++;
        } else if ((n = dc_utf8_len(s + i, len - i)) != 0) {
            dc_buf_put(b, s + i, n);
            i += n;
        } else {
            dc_buf_printf(b, "\\u%04x", c);
            i++;
        }
    }
    dc_buf_putc(b, '"');
}

/* Appends the value 's' of a text cell to 'b', in 'format'. */
static void
dc_put_text(struct dc_buf *b, enum dc_format format, const char *s)
{
    if (format == DC_FMT_JSON) {
        dc_json_string(b, s, strlen(s));
    } else {
        dc_tsv_escape(b, s, strlen(s));
    }
}

/* Appends the decimal number 'n' to 'b'. */
static void
dc_put_num(struct dc_buf *b, uint64_t n)
{
    char digits[20];
    size_t i = sizeof digits;

    do {
        digits[--i] = '0' + n % 10;
        n /= 10;
    } while (n);
    dc_buf_put(b, digits + i, sizeof digits - i);
}

/* Stores in 't' the text values of the metadata 'md'. */
static void
dc_texts_load(struct dc_texts *t, const struct dpi_md *md)
{
    struct dpi_md_value v;
    uint32_t pos = 0;

    t->n = 0;
    while (dpi_md_next(md, &pos, &v)) {
        if (dpi_field_type(v.field) != DPI_FT_STR) {
            continue;
        }
        if (t->n == t->size) {
            t->size = t->size ? t->size * 2 : 16;
            t->v = dc_xrealloc(t->v, t->size * sizeof *t->v);
        }
        t->v[t->n++] = v;
    }
}

/* Appends the value of metadata column 'c' of connection 'md', whose text
 * values are 'texts', to 'b', in 'format': the text values joined by '|'
 * (TSV) or as an array (JSON), or the number. */
static void
dc_put_field(struct dc_buf *b, enum dc_format format, const struct dc_col *c,
             const struct dpi_md *md, const struct dc_texts *texts)
{
    bool json = format == DC_FMT_JSON;

    if (!c->has_field) {
        dc_buf_puts(b, json ? "null" : "");
    } else if (dpi_field_type(c->field) == DPI_FT_STR) {
        bool first = true;

        if (json) {
            dc_buf_putc(b, '[');
        }
        for (size_t i = 0; i < texts->n; i++) {
            const struct dpi_md_value *v = &texts->v[i];

            if (v->field != c->field) {
                continue;
            }
            if (!first) {
                dc_buf_putc(b, json ? ',' : '|');
            }
            first = false;
            if (json) {
                dc_json_string(b, v->str, v->len);
            } else {
                dc_tsv_escape(b, v->str, v->len);
            }
        }
        if (json) {
            dc_buf_putc(b, ']');
        }
    } else {
        uint64_t value;

        if (dpi_md_get_u64(md, c->field, &value)) {
            dc_put_num(b, value);
        } else if (json) {
            dc_buf_puts(b, "null");
        }
    }
}

/* Formats connection 'f' of file 'path' as one output line (with its
 * newline) in 'format', into 'b', with 'texts' as scratch space. */
static void
dc_format_flow(struct dc_buf *b, enum dc_format format, const char *path,
               const struct dpi_flow_info *f, struct dc_texts *texts)
{
    const struct dpi_key *k = &f->key;
    bool json = format == DC_FMT_JSON;
    bool ports = k->proto == 6 || k->proto == 17;
    char addr[INET6_ADDRSTRLEN];
    char encaps[64];
    char tmp[8];

    dc_texts_load(texts, f->md);
    if (json) {
        dc_buf_puts(b, "{\"file\":");
        dc_json_string(b, path, strlen(path));
    }
    for (size_t i = 0; i < dc_n_cols; i++) {
        const struct dc_col *c = &dc_cols[i];

        if (json) {
            dc_buf_putc(b, ',');
            dc_json_string(b, c->name, strlen(c->name));
            dc_buf_putc(b, ':');
        } else if (i) {
            dc_buf_putc(b, '\t');
        }

        switch (c->kind) {
        case DC_COL_PROTO:
            dc_put_text(b, format, dc_proto_name(k->proto, tmp));
            break;
        case DC_COL_CLIENT_IP:
            dc_put_text(b, format, dc_addr_str(&k->src, k->ipv6, addr));
            break;
        case DC_COL_CLIENT_PORT:
            dc_put_num(b, ports ? k->sport : 0);
            break;
        case DC_COL_SERVER_IP:
            dc_put_text(b, format, dc_addr_str(&k->dst, k->ipv6, addr));
            break;
        case DC_COL_SERVER_PORT:
            dc_put_num(b, ports ? k->dport : 0);
            break;
        case DC_COL_PACKETS:
            dc_put_num(b, f->packets[0] + f->packets[1]);
            break;
        case DC_COL_BYTES:
            dc_put_num(b, f->bytes[0] + f->bytes[1]);
            break;
        case DC_COL_APP_PROTO:
            dc_put_text(b, format, dc_app_str(f->verdict.app_proto, tmp));
            break;
        case DC_COL_APP_ID:
            dc_put_text(b, format, dc_app_str(f->verdict.app_id, tmp));
            break;
        case DC_COL_CATEGORY: {
            const char *name = dpi_category_name(
                dpi_app_category(f->verdict.app_id));

            dc_put_text(b, format, name ? name : "");
            break;
        }
        case DC_COL_FIELD:
            dc_put_field(b, format, c, f->md, texts);
            break;
        case DC_COL_VLAN:
            dc_put_num(b, k->vlan);
            break;
        case DC_COL_ENCAP:
            dc_put_text(b, format, dpi_encap_names(f->encap, encaps,
                                                   sizeof encaps));
            break;
        case DC_COL_STATE:
            dc_put_text(b, format, dc_state_str(f->verdict.state));
            break;
        case DC_COL_PACKETS_C2S:
            dc_put_num(b, f->packets[0]);
            break;
        case DC_COL_PACKETS_S2C:
            dc_put_num(b, f->packets[1]);
            break;
        case DC_COL_BYTES_C2S:
            dc_put_num(b, f->bytes[0]);
            break;
        case DC_COL_BYTES_S2C:
            dc_put_num(b, f->bytes[1]);
            break;
        }
    }
    dc_buf_puts(b, json ? "}\n" : "\n");
}

/* Fills in 'row' for connection 'f' of file 'df', formatting its line. */
static void
dc_row_init(struct dc_row *row, struct dc_file *df,
            const struct dpi_flow_info *f)
{
    const struct dc_seen *s;

    dc_key_from_dpi(&row->key, &f->key);
    s = dc_seen_find(&df->seen, &row->key);
    row->first_ms = f->first_ms;
    row->seq = s ? s->seq : UINT64_MAX;
    row->alive = false;
    df->line.len = 0;
    dc_format_flow(&df->line, df->opts->format, df->path, f, &df->texts);
    row->line = dc_xrealloc(NULL, df->line.len + 1);
    memcpy(row->line, df->line.s, df->line.len + 1);
}

/* dpi_engine_dump() callback for the final dump of a file: adds every
 * connection to the output rows. */
static void
dc_dump_all_cb(const struct dpi_flow_info *f, void *df_)
{
    struct dc_file *df = df_;
    struct dc_row row;

    dc_row_init(&row, df, f);
    dc_rows_push(&df->out, &row);
}

/* Expiry round, before dpi_engine_expire(): formats the connections idle
 * long enough that they may expire (last seen at 'df->expire_cutoff_ms'
 * or earlier). */
static void
dc_dump_cands_cb(const struct dpi_flow_info *f, void *df_)
{
    struct dc_file *df = df_;
    struct dc_seen *s;
    struct dc_row row;

    if (f->last_ms > df->expire_cutoff_ms) {
        return;
    }
    dc_row_init(&row, df, f);
    s = dc_seen_find(&df->seen, &row.key);
    if (s) {
        s->cand = df->cands.n;
    }
    dc_rows_push(&df->cands, &row);
}

/* Expiry round, after dpi_engine_expire(): marks the candidates that are
 * still in the table. */
static void
dc_dump_alive_cb(const struct dpi_flow_info *f, void *df_)
{
    struct dc_file *df = df_;
    const struct dc_seen *s;
    struct dc_key key;

    dc_key_from_dpi(&key, &f->key);
    s = dc_seen_find(&df->seen, &key);
    if (s && s->cand < df->cands.n) {
        df->cands.rows[s->cand].alive = true;
    }
}

/* Runs one expiry round at capture time 'now_ms': expires the idle
 * connections of 'df' and keeps the rows of those that went. */
static void
dc_expire(struct dc_file *df, uint64_t now_ms)
{
    uint64_t min_idle = dc_min_u64(df->opts->idle_timeout_ms,
                                   DC_CLOSED_TIMEOUT_MS);
    size_t n_gone = 0;
    size_t n;

    if (now_ms < min_idle) {
        return;
    }
    df->expire_cutoff_ms = now_ms - min_idle;
    dpi_engine_dump(df->engine, dc_dump_cands_cb, df);
    if (!df->cands.n) {
        /* No connection is idle long enough to expire. */
        return;
    }

    n = dpi_engine_expire(df->engine, now_ms);
    if (n && n != df->cands.n) {
        dpi_engine_dump(df->engine, dc_dump_alive_cb, df);
    } else if (!n) {
        for (size_t i = 0; i < df->cands.n; i++) {
            df->cands.rows[i].alive = true;
        }
    }

    for (size_t i = 0; i < df->cands.n; i++) {
        struct dc_row *row = &df->cands.rows[i];
        struct dc_seen *s = dc_seen_find(&df->seen, &row->key);

        if (s) {
            s->cand = SIZE_MAX;
        }
        if (row->alive) {
            free(row->line);
        } else {
            if (s) {
                s->expired = true;
            }
            dc_rows_push(&df->out, row);
            n_gone++;
        }
    }
    df->cands.n = 0;
    df->n_expired += n_gone;
    if (n_gone != n) {
        fflush(stdout);
        fprintf(stderr, "%s: %s: %zu connections expired at %"PRIu64" ms "
                "but %zu could be printed\n", program_name, df->path, n,
                now_ms, n_gone);
    }
}

/* How a link type is parsed. */
enum dc_link {
    DC_LINK_ETH,                /* Ethernet: dpi_parse_eth(). */
    DC_LINK_RAW,                /* Raw IPv4 or IPv6. */
    DC_LINK_SLL,                /* Linux cooked capture v1. */
    DC_LINK_NULL,               /* BSD loopback, host byte order family. */
    DC_LINK_LOOP,               /* OpenBSD loopback, network order. */
};

/* Maps the pcap link type 'dlt' to '*link'.  Returns false if it is not
 * supported. */
static bool
dc_link_from_dlt(int dlt, enum dc_link *link)
{
    switch (dlt) {
    case DLT_EN10MB:
        *link = DC_LINK_ETH;
        return true;
    case DLT_RAW:
#ifdef DLT_IPV4
    case DLT_IPV4:
#endif
#ifdef DLT_IPV6
    case DLT_IPV6:
#endif
        *link = DC_LINK_RAW;
        return true;
    case DLT_LINUX_SLL:
        *link = DC_LINK_SLL;
        return true;
    case DLT_NULL:
        *link = DC_LINK_NULL;
        return true;
    case DLT_LOOP:
        *link = DC_LINK_LOOP;
        return true;
    default:
        return false;
    }
}

/* Parses raw IP packet 'p' of 'len' bytes into 'pkt', by its version. */
static enum dpi_parse_result
dc_parse_raw(const uint8_t *p, size_t len, struct dpi_pkt *pkt)
{
    if (!len) {
        memset(pkt, 0, sizeof *pkt);
        return DPI_PARSE_TRUNCATED;
    }
    switch (p[0] >> 4) {
    case 4:
        return dpi_parse_l3(p, len, false, 0, pkt);
    case 6:
        return dpi_parse_l3(p, len, true, 0, pkt);
    default:
        memset(pkt, 0, sizeof *pkt);
        return DPI_PARSE_NOT_IP;
    }
}

/* Parses frame 'p' of 'len' captured bytes, of link type 'link', into
 * 'pkt'. */
static enum dpi_parse_result
dc_parse_frame(enum dc_link link, const uint8_t *p, size_t len,
               struct dpi_pkt *pkt)
{
    switch (link) {
    case DC_LINK_ETH:
        return dpi_parse_eth(p, len, pkt);
    case DC_LINK_RAW:
        return dc_parse_raw(p, len, pkt);
    case DC_LINK_SLL:
        if (len < 16) {
            memset(pkt, 0, sizeof *pkt);
            return DPI_PARSE_TRUNCATED;
        }
        return dc_parse_raw(p + 16, len - 16, pkt);
    case DC_LINK_NULL:
    case DC_LINK_LOOP:
        if (len < 4) {
            memset(pkt, 0, sizeof *pkt);
            return DPI_PARSE_TRUNCATED;
        }
        /* The address family tells IPv4 from IPv6, but so does the
         * version nibble, whatever the byte order of the family. */
        return dc_parse_raw(p + 4, len - 4, pkt);
    }
    return DPI_PARSE_NOT_IP;
}

/* Creates the engine and worker of 'df'.  Returns false, after printing
 * the engine's error, if the engine cannot be created. */
static bool
dc_file_start(struct dc_file *df, const char *path,
              const struct dc_options *opts)
{
    char *error = NULL;
    int err;

    memset(df, 0, sizeof *df);
    df->path = path;
    df->opts = opts;
    err = dpi_engine_create(&opts->config, &df->engine, &error);
    if (err) {
        fflush(stdout);
        fprintf(stderr, "%s: %s\n", program_name,
                error ? error : strerror(err));
        free(error);
        return false;
    }
    free(error);
    df->worker = dpi_worker_create(df->engine);
    if (!df->worker) {
        dpi_engine_destroy(df->engine);
        fflush(stdout);
        fprintf(stderr, "%s: cannot create a DPI worker\n", program_name);
        return false;
    }
    dc_seen_init(&df->seen);
    return true;
}

/* Prints the connections of 'df' (expired ones, then those still in the
 * table) in first-packet order and, with -v, a summary on stderr. */
static void
dc_file_finish(struct dc_file *df)
{
    struct dpi_stats stats;

    /* The capture is over and no more packets will come: connections still
     * being inspected end as if their inspection window had closed (see
     * dpi_worker_give_up_all()). */
    dpi_worker_give_up_all(df->worker);
    dpi_engine_get_stats(df->engine, &stats);
    dc_rows_reserve(&df->out, stats.n_flows);
    dpi_stats_destroy(&stats);
    dpi_engine_dump(df->engine, dc_dump_all_cb, df);
    qsort(df->out.rows, df->out.n, sizeof *df->out.rows, dc_row_cmp);

    if (df->opts->format == DC_FMT_TSV) {
        printf("# file: %s\n#", df->path);
        for (size_t i = 0; i < dc_n_cols; i++) {
            printf("%s%c", dc_cols[i].name,
                   i + 1 < dc_n_cols ? '\t' : '\n');
        }
    }
    for (size_t i = 0; i < df->out.n; i++) {
        fputs(df->out.rows[i].line, stdout);
    }
    fflush(stdout);

    if (df->opts->verbose) {
        dpi_engine_get_stats(df->engine, &stats);
        fprintf(stderr, "%s: %s: %"PRIu64" frames, %"PRIu64" not parsed "
                "(not IP, truncated or malformed), %zu connections "
                "(%"PRIu64" expired, %"PRIu64" evicted: not printed)\n",
                program_name, df->path, df->n_packets, stats.bad_packets,
                df->out.n, df->n_expired, stats.evicted);
        dpi_stats_destroy(&stats);
    }
}

/* Frees everything 'df' holds. */
static void
dc_file_destroy(struct dc_file *df)
{
    dpi_worker_destroy(df->worker);
    dpi_engine_destroy(df->engine);
    dc_seen_destroy(&df->seen);
    dc_rows_destroy(&df->out);
    dc_rows_destroy(&df->cands);
    free(df->line.s);
    free(df->texts.v);
}

/* Processes every packet of capture 'p' (file 'df->path').  Returns false,
 * after printing why, if the file could not be read to its end. */
static bool
dc_file_read(struct dc_file *df, pcap_t *p)
{
    const struct dc_options *opts = df->opts;
    uint64_t step = 0;
    enum dc_link link;
    int dlt;

    dlt = pcap_datalink(p);
    if (!dc_link_from_dlt(dlt, &link)) {
        const char *name = pcap_datalink_val_to_name(dlt);

        fflush(stdout);
        fprintf(stderr, "%s: %s: unsupported link type %s (%d)\n",
                program_name, df->path, name ? name : "unknown", dlt);
        return false;
    }
    if (opts->idle_timeout_ms) {
        /* Expiry rounds at a tenth of the timeout, at most every second of
         * capture time. */
        step = dc_min_u64(opts->idle_timeout_ms / 10, 1000);
        step = step ? step : 1;
    }

    for (;;) {
        struct pcap_pkthdr *hdr;
        const u_char *data;
        struct dpi_verdict v;
        struct dpi_key created;
        uint64_t n_created;
        struct dpi_pkt pkt;
        uint64_t ts_us;
        int retval;

        retval = pcap_next_ex(p, &hdr, &data);
        if (retval == PCAP_ERROR_BREAK) {
            return true;
        } else if (retval != 1) {
            FILE *f = pcap_file(p);
            long offset = f ? ftell(f) : -1;

            fflush(stdout);
            fprintf(stderr, "%s: %s: %s (reading packet %"PRIu64,
                    program_name, df->path, pcap_geterr(p),
                    df->n_packets + 1);
            if (offset >= 0) {
                fprintf(stderr, ", stopped at byte offset %ld", offset);
            }
            fprintf(stderr, ")\n");
            return false;
        }
        df->n_packets++;

        ts_us = (hdr->ts.tv_sec < 0 ? 0
                 : (uint64_t) hdr->ts.tv_sec * 1000000 + hdr->ts.tv_usec);
        if (step && ts_us / 1000 > df->now_ms) {
            df->now_ms = ts_us / 1000;
            if (df->now_ms >= df->next_expire_ms) {
                dc_expire(df, df->now_ms);
                df->next_expire_ms = df->now_ms + step;
            }
        }

        if (dc_parse_frame(link, data, hdr->caplen, &pkt) != DPI_PARSE_OK) {
            dpi_worker_count_bad_packet(df->worker);
            df->n_bad++;
            continue;
        }
        pkt.frame_len = hdr->len;
        pkt.ts_us = ts_us;
        n_created = dpi_worker_n_created(df->worker, NULL);
        dpi_process(df->worker, &pkt, ts_us / 1000, &v);
        if (dpi_worker_n_created(df->worker, &created) != n_created) {
            dc_seen_created(&df->seen, &created);
        }
    }
}

/* Classifies the capture file 'path' with a fresh engine and prints its
 * connections.  Returns 0 on success, DC_EXIT_FAILURE if the file could
 * not be opened or read to its end (the connections read so far are
 * printed all the same); exits if the engine cannot be created. */
static int
dc_classify_file(const char *path, const struct dc_options *opts)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    char *iobuf = NULL;
    struct dc_file df;
    bool ok;
    pcap_t *p;
    FILE *f;

    if (!dc_file_start(&df, path, opts)) {
        exit(DC_EXIT_FAILURE);
    }

    /* Like pcap_open_offline(), which reads standard input for "-", but
     * with a larger buffer. */
    f = !strcmp(path, "-") ? stdin : fopen(path, "rb");
    if (!f) {
        int error = errno;

        fflush(stdout);
        fprintf(stderr, "%s: %s: %s\n", program_name, path, strerror(error));
        dc_file_destroy(&df);
        return DC_EXIT_FAILURE;
    }
    if (f != stdin) {
        /* Freed after pcap_close() has closed 'f'. */
        iobuf = malloc(DC_READ_BUFFER);
        if (iobuf) {
            setvbuf(f, iobuf, _IOFBF, DC_READ_BUFFER);
        }
    }

    errbuf[0] = '\0';
    p = pcap_fopen_offline_with_tstamp_precision(f,
                                                 PCAP_TSTAMP_PRECISION_MICRO,
                                                 errbuf);
    if (!p) {
        size_t n = strlen(path);
        const char *msg = errbuf[0] ? errbuf : "cannot open";

        /* libpcap names the file in some messages: not twice. */
        if (!strncmp(msg, path, n) && !strncmp(msg + n, ": ", 2)) {
            msg += n + 2;
        }
        fflush(stdout);
        fprintf(stderr, "%s: %s: %s\n", program_name, path, msg);
        if (f != stdin) {
            fclose(f);
        }
        free(iobuf);
        dc_file_destroy(&df);
        return DC_EXIT_FAILURE;
    }

    ok = dc_file_read(&df, p);
    dc_file_finish(&df);
    pcap_close(p);              /* Closes 'f' too, unless it is stdin. */
    free(iobuf);
    dc_file_destroy(&df);
    return ok ? DC_EXIT_OK : DC_EXIT_FAILURE;
}

/* Prints the help text. */
static void
dc_usage(void)
{
    printf("%s: classify the connections of capture files with libdpi\n"
           "usage: %s [OPTIONS] FILE.pcap|FILE.pcapng...\n"
           "\n"
           "Each file is run through a fresh DPI engine, as the datapath\n"
           "would see it, and its connections are printed in first-packet\n"
           "order: tab-separated with a '# file:' line and a header per\n"
           "file, or one JSON object per line with --json.\n"
           "\n"
           "Options:\n"
           "  --signatures FILE     signature file (default: built in)\n"
           "  --json                JSON output, one object per connection\n"
           "  --max-flows N         connection table capacity "
           "(default %u)\n"
           "  --inspect-packets N   payload packets inspected per "
           "connection\n"
           "                        (default %u, at most %u)\n"
           "  --metadata-max BYTES  metadata budget per connection "
           "(default %u)\n"
           "  --idle-timeout MS     expire connections idle this long in\n"
           "                        capture time (default: never)\n"
           "  -v, --verbose         per-file summary on stderr\n"
           "  -h, --help            show this help and exit\n"
           "  --version             show the version and exit\n"
           "\n"
           "Exit status: 0 if every file was read, 1 if a file could not\n"
           "be opened or read to its end or the signatures are bad, 2 for\n"
           "a bad command line.\n",
           program_name, program_name, DPI_DEFAULT_MAX_FLOWS,
           DPI_DEFAULT_INSPECT_PACKETS, DPI_MAX_INSPECT_PACKETS,
           DC_DEFAULT_METADATA_MAX);
}

/* Prints a command-line error and exits with status 2. */
static void __attribute__((format(printf, 1, 2), noreturn))
dc_usage_error(const char *fmt, ...)
{
    va_list args;

    fprintf(stderr, "%s: ", program_name);
    va_start(args, fmt);
    vfprintf(stderr, fmt, args);
    va_end(args);
    fprintf(stderr, "\nTry '%s --help' for more information.\n",
            program_name);
    exit(DC_EXIT_USAGE);
}

/* Parses 'arg', the value of option 'name', as a decimal integer from
 * 'min' to 'max'; exits with a usage error if it is not one. */
static uint32_t
dc_parse_u32(const char *name, const char *arg, uint32_t min, uint32_t max)
{
    unsigned long long value;
    char *end;

    errno = 0;
    value = strtoull(arg, &end, 10);
    if (arg[0] < '0' || arg[0] > '9' || *end || errno
        || value < min || value > max) {
        dc_usage_error("--%s: invalid value '%s' (expected an integer from "
                       "%"PRIu32" to %"PRIu32")", name, arg, min, max);
    }
    return (uint32_t) value;
}

/* Option codes of long options without a short form. */
enum {
    DC_OPT_SIGNATURES = UCHAR_MAX + 1,
    DC_OPT_JSON,
    DC_OPT_MAX_FLOWS,
    DC_OPT_INSPECT_PACKETS,
    DC_OPT_METADATA_MAX,
    DC_OPT_IDLE_TIMEOUT,
    DC_OPT_VERSION,
};

/* Parses the command line into 'opts'.  Returns the index in 'argv' of
 * the first file name. */
static int
dc_parse_options(int argc, char *argv[], struct dc_options *opts)
{
    static const struct option long_options[] = {
        {"signatures", required_argument, NULL, DC_OPT_SIGNATURES},
        {"json", no_argument, NULL, DC_OPT_JSON},
        {"max-flows", required_argument, NULL, DC_OPT_MAX_FLOWS},
        {"inspect-packets", required_argument, NULL, DC_OPT_INSPECT_PACKETS},
        {"metadata-max", required_argument, NULL, DC_OPT_METADATA_MAX},
        {"idle-timeout", required_argument, NULL, DC_OPT_IDLE_TIMEOUT},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, DC_OPT_VERSION},
        {NULL, 0, NULL, 0},
    };

    memset(opts, 0, sizeof *opts);
    dpi_config_init(&opts->config);
    opts->config.metadata_max = DC_DEFAULT_METADATA_MAX;
    opts->config.idle_timeout_ms = UINT32_MAX;
    opts->format = DC_FMT_TSV;

    opterr = 0;
    for (;;) {
        int c = getopt_long(argc, argv, ":vh", long_options, NULL);

        if (c == -1) {
            break;
        }
        switch (c) {
        case DC_OPT_SIGNATURES:
            opts->config.signatures = optarg;
            break;
        case DC_OPT_JSON:
            opts->format = DC_FMT_JSON;
            break;
        case DC_OPT_MAX_FLOWS:
            opts->config.max_flows = dc_parse_u32("max-flows", optarg, 1,
                                                  UINT32_MAX);
            break;
        case DC_OPT_INSPECT_PACKETS:
            opts->config.inspect_packets
                = dc_parse_u32("inspect-packets", optarg, 0,
                               DPI_MAX_INSPECT_PACKETS);
            break;
        case DC_OPT_METADATA_MAX:
            opts->config.metadata_max = dc_parse_u32("metadata-max", optarg,
                                                     0, UINT32_MAX);
            break;
        case DC_OPT_IDLE_TIMEOUT:
            opts->idle_timeout_ms = dc_parse_u32("idle-timeout", optarg, 1,
                                                 UINT32_MAX - 1);
            opts->config.idle_timeout_ms = opts->idle_timeout_ms;
            break;
        case 'v':
            opts->verbose = true;
            break;
        case 'h':
            dc_usage();
            exit(DC_EXIT_OK);
        case DC_OPT_VERSION:
            printf("%s (%s) %s\n", program_name, PACKAGE_NAME,
                   PACKAGE_VERSION);
            exit(DC_EXIT_OK);
        case ':':
            dc_usage_error("option '%s' needs a value", argv[optind - 1]);
        case '?':
        default:
            if (optopt && optopt <= UCHAR_MAX) {
                dc_usage_error("unknown option '-%c'", optopt);
            }
            dc_usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc) {
        dc_usage_error("no capture file given");
    }
    return optind;
}

/* Classifies every file named on the command line, in order.  Exits with
 * 0 if all were read to their end, 1 if any failed, 2 for a bad command
 * line. */
int
main(int argc, char *argv[])
{
    struct dc_options opts;
    int status = DC_EXIT_OK;
    int first;

    first = dc_parse_options(argc, argv, &opts);
    dc_columns_init();
    for (int i = first; i < argc; i++) {
        if (dc_classify_file(argv[i], &opts) != DC_EXIT_OK) {
            status = DC_EXIT_FAILURE;
        }
    }
    return status;
}
