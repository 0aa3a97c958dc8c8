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

#ifndef DPI_CONN_H
#define DPI_CONN_H 1

/* Connection table (libdpi internal).
 *
 * The connection table maps a packet's 5-tuple (plus VLAN) to the
 * bidirectional connection it belongs to: a packet and its reply find the
 * same struct dpi_conn.  The table holds at most 'max_flows' connections;
 * when it is full, creating a connection first evicts an old one.
 * Connections that see no packet for a while are removed by
 * dpi_conn_table_expire().
 *
 * Layout
 * ======
 *
 * The table is DPI_CONN_N_STRIPES independent stripes.  A connection lives
 * in the stripe chosen by the high bits of its hash, a keyed hash (random
 * keys per table) that adds the hashes of the key's two endpoints, so both
 * directions hash alike.  Each stripe has:
 *
 *   - a mutex,
 *   - a chained hash table that grows by linear hashing: a new connection
 *     that finds the stripe holding three quarters as many connections as
 *     buckets first splits the next 16 buckets of the current round in
 *     two each, and once all are split the next round starts with twice
 *     as many.  So the buckets grow with the connections, a few chains
 *     rehashed at a time, and no packet waits while a stripe rehashes all
 *     its connections (only lowering the capacity shrinks the buckets, in
 *     one go),
 *   - two LRU lists, one of open connections and one of closed TCP
 *     connections (see "Closed connections" below): a connection moves
 *     to the front of its list whenever it sees a packet, so the back of
 *     each list is its connection idle the longest, and the older of the
 *     two backs the stripe's least recently used connection,
 *   - its number of connections.
 *
 * A single atomic counter 'n_flows' counts the connections of all stripes
 * and enforces 'max_flows': a new connection first reserves a slot by
 * incrementing it with compare-and-swap, never beyond 'max_flows'.  If
 * that fails it takes over the slot of an evicted connection ('n_flows'
 * stays as it is, so the table never holds more than 'max_flows'): the
 * least recently used connection of its own stripe if the stripe holds at
 * least DPI_CONN_EVICT_LOCAL_MIN (8) connections; otherwise the one whose
 * latest packet is the oldest among the least recently used connections
 * of its own stripe and of a sample of other stripes.  The sample is
 * taken walking the stripes from a shared cursor (which each such
 * eviction moves on by 8): empty stripes are
 * skipped without locking them (their count is read atomically), and the
 * walk stops once it has locked 8 non-empty stripes or found 8 busy ones,
 * so a new connection tries at most 16 locks, whatever the table's size.
 * Eviction is thus LRU within a stripe and approximately LRU over the
 * table, which is what matters under a flood of new connections.  With at
 * most 8 non-empty stripes besides its own (a table of 9 connections or
 * fewer, for one) and none of them busy, the sample covers them all and
 * the evicted connection is the least recently used of the table, so an
 * active connection alone in its stripe is not evicted in favour of idle
 * ones elsewhere.  In a bigger table with fewer than 8 connections per
 * stripe it is only the least recently used of the sample: an active
 * connection is safe as long as the sampled ones include an older one.
 * If nothing can be evicted (max_flows is 0, or its own stripe is empty
 * and every other stripe is empty or the ones tried were busy), the
 * packet is not tracked and dpi_conn_table_lookup() returns NULL.
 *
 * A connection's key is stored in the client-to-server direction.  The
 * client is the sender of a TCP SYN without ACK; without one, the first
 * sender, unless it sent from a port below 1024 to a port of 1024 or above,
 * in which case it is taken for the server.  A SYN without ACK that arrives
 * later from the side taken for the server turns the connection around
 * (once).
 *
 * Closed connections
 * ==================
 *
 * A closed TCP connection (reset, or finished from both sides) stays in
 * the table until it has been idle for a short while.  A TCP SYN without
 * ACK that finds it opens a new connection with the same key, as a SYN in
 * TIME-WAIT does (RFC 1122 4.2.2.13) and as Linux's conntrack takes it,
 * so that a port reused at once is inspected afresh and gets no verdict
 * of its predecessor: the engine calls dpi_conn_restart().  The exception
 * is a SYN with the sequence number of the connection's first client SYN
 * (kept in its metadata): a retransmission, a retry after a refusal or a
 * replayed capture, which tshark and nDPI count as the same connection,
 * and so does the engine, verdict included.  A client that picks its own
 * sequence numbers can therefore open a connection that keeps the verdict
 * of the one it closed.
 *
 * When a connection closes, the engine moves it to its stripe's list of
 * closed connections (dpi_conn_table_note_closed()).  Each list is in the
 * order of the connections' latest packets, so dpi_conn_table_expire()
 * finds the connections to expire at the backs, those idle for the idle
 * timeout on the open list and those idle for the closed timeout on the
 * closed one, without walking past the others: its work, and how long it
 * holds a stripe's mutex, follow the number of connections that expire,
 * not the number in the table, and it takes them out in bounded batches,
 * releasing the mutex in between.
 *
 * Memory
 * ======
 *
 * A struct dpi_conn is 128 bytes on LP64 (checked by a build assertion in
 * dpi-conn.c).  It does not keep its hash: removing or moving a
 * connection, splitting its bucket and shrinking a stripe's buckets
 * compute it again from the key.
 *
 * Each stripe carves its connections out of blocks of DPI_CONN_PER_BLOCK,
 * allocated as it needs them and aligned to a cache line, so that a
 * connection spans exactly two lines and its hash chain link and key share
 * the first.  It keeps the free connections on a list (under its mutex,
 * like everything else of the stripe).  Within a stripe a connection is
 * named by a 32-bit index (its block's number times DPI_CONN_PER_BLOCK
 * plus its slot, plus one, so that 0 names none): hash buckets, hash
 * chains, the LRU lists and the free list link connections by index, which
 * takes half the bytes of a pointer.  A connection thus costs its 128
 * bytes and 4 bytes per hash bucket, without malloc's header and
 * rounding, and creating or removing one calls neither malloc() nor
 * free().  Until dpi_conn_table_set_max() lowers the capacity, blocks are
 * freed only with the table, and a stripe's buckets only when its splits
 * move them to a bigger array (by a quarter of a round at a time): the
 * memory for connections is, summed over the stripes, the most
 * connections each stripe ever held at once, rounded up to blocks.
 * Eviction can take a connection from another stripe, so that sum may
 * exceed 'max_flows': by little, as the keyed hash spreads connections
 * evenly (and as a stripe of 8 or more evicts its own), but a small table
 * may still come to hold one block in each of the 256 stripes (1 MB).
 *
 * dpi_conn_table_set_max() with a lower capacity gives memory back: after
 * evicting down to it, each stripe moves the connections of its last
 * blocks into free slots of its first ones (a connection's index changes,
 * so its hash chain and LRU neighbours are relinked), frees the blocks
 * left empty, down to as few as hold its connections, and shrinks its
 * buckets to the first round (a power of 2) in which its connections stay
 * below the load that splits buckets, if that round is earlier than the
 * current one; the blocks and old buckets are freed after its mutex
 * is released.  No pointer to a connection is kept outside its
 * stripe's mutex, except by dpi_conn_table_expire() for the expired
 * connections whose memory it frees (see below): a stripe in which it
 * has some at that moment keeps its blocks until the next lowering.
 *
 * While a connection is inspected it also owns a struct dpi_inspect (the
 * classifier's, freed at the final verdict); its metadata records
 * (dpi-md.h) are allocated when the first one is stored and kept, within
 * the engine's per-connection budget, until the connection goes away.
 *
 * Expired connections' memory
 * ===========================
 *
 * The threads that process packets (PMD threads in ovs-vswitchd) allocate
 * what connections own; the expiry sweep runs in another thread (the main
 * thread).  If the sweep freed it, every free would go to a packet
 * thread's malloc arena from a thread that may be preempted: with glibc,
 * into that arena's fast bins, which its next request of 1 kB or more
 * sorts all at once (20 ms after 262,144 expiries), or, without fast bins,
 * under that arena's lock, which the packet thread then waits for
 * whenever the sweeping thread holds it (the sweep took ten times longer
 * for it).  So dpi_conn_table_expire() frees nothing: it moves each
 * expired connection, with what it owns, to its stripe's newer list of
 * expired connections ('stale[0]'), where it no longer counts in
 * 'n_flows'.  dpi_conn_table_lookup() frees the memory of up to
 * DPI_CONN_DRAIN of its stripe's expired connections at each packet, the
 * older list's first, and one more when it creates a connection, which
 * takes that slot; each joins the free list.  So the packet threads free
 * it (with several, a stripe's packets come from any of them, so they may
 * free one another's blocks).  Packets spread over the stripes by the
 * hash, so under traffic this follows the expiries closely; packets that
 * skip the engine (dpi_conn_table_find()) free nothing.  At each sweep,
 * what is left on a stripe's older list ('stale[1]') saw no such packet
 * for a whole sweep interval: the sweep frees it itself, outside the
 * stripe's mutex, and the newer list becomes the older one.  Lowering the
 * capacity frees it all first, the same way, before it compacts the
 * stripes; destroying the table frees it too.
 *
 * Expired connections awaiting their free are not counted against
 * 'max_flows': for up to two sweep intervals, the table may hold the
 * memory of more connections than that.  New connections free three each
 * in their stripes, and the keyed hash spreads them evenly, so a table
 * that fills up again after a mass expiry stays at about 'max_flows'
 * (bench-memory --stall); only connections aimed at a few stripes, which
 * takes knowing the table's random hash keys, could pile up more, at most
 * the two sweep intervals' expiries.
 *
 * Thread-safety
 * =============
 *
 * Every function here may be called concurrently from any thread, except
 * dpi_conn_table_create() and dpi_conn_table_destroy().
 *
 * A stripe's mutex protects the stripe and every connection in it, all
 * fields included, along with the connection's inspection state and
 * metadata.  dpi_conn_table_lookup() returns with the connection's stripe
 * locked, so the caller may read and update the connection (and run the
 * classifier on it) until it calls dpi_conn_table_unlock().  The two
 * directions of a connection, processed on two threads, are therefore
 * serialised.
 *
 * Lock order: a thread holds at most one stripe mutex at a time and blocks
 * only to acquire that one.  The single exception is eviction, where a
 * thread holding its own stripe's mutex tries to lock other stripes with
 * pthread_mutex_trylock() and skips those that are busy; it keeps the one
 * whose back is the oldest so far locked while it tries the next, so it
 * holds up to three stripe mutexes at once.  Since it never blocks while
 * holding a mutex, there is no deadlock.  The DNS cache's and the FTP
 * expectations' mutexes are taken with a stripe mutex held (a parser
 * learns or looks up while its connection is locked); they are leaves:
 * nothing else is locked while one of them is held.  The engine's
 * worker-list mutex is never taken with a stripe mutex held, nor vice
 * versa.
 *
 * The counters (n_flows, created, evicted, expired, n_inspecting) are
 * atomics, read without locks. */

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dpi.h"
#include "dpi-md.h"

/* The free connections of a stripe, and its expired ones that still own
 * their memory (see "Expired connections' memory" below; all but their
 * pointers to it, for LeakSanitizer), are poisoned under
 * AddressSanitizer, so that a use of one is reported at once: code that
 * reads one (the table, and tests that walk these lists) unpoisons it
 * first. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DPI_CONN_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(DPI_CONN_ASAN)
#include <sanitizer/asan_interface.h>
#else
#define ASAN_POISON_MEMORY_REGION(ADDR, SIZE) ((void) (ADDR), (void) (SIZE))
#define ASAN_UNPOISON_MEMORY_REGION(ADDR, SIZE) ((void) (ADDR), (void) (SIZE))
#endif

struct dpi_inspect;

/* Number of random 64-bit keys of the connection hash. */
#define DPI_CONN_HASH_KEYS 4

/* Number of stripes of a connection table: a power of 2. */
#define DPI_CONN_N_STRIPES 256

/* Connection flags (struct dpi_conn's 'flags'). */
enum dpi_conn_flags {
    DPI_CONN_SYN_DIR = 1 << 0,  /* Client chosen by a SYN: fixed. */
    DPI_CONN_FIN_C2S = 1 << 1,  /* FIN seen from the client. */
    DPI_CONN_FIN_S2C = 1 << 2,  /* FIN seen from the server. */
    DPI_CONN_RST = 1 << 3,      /* RST seen. */
};

/* Hints about the metadata of a connection, for the engine's timing of
 * TCP handshakes and responses (struct dpi_conn's 'timing'): a bit is set
 * whenever its field is there, so a clear bit spares a search of the
 * metadata on most packets. */
enum dpi_conn_timing {
    DPI_CONN_T_SYNACK = 1 << 0, /* DPI_F__synack_us. */
    DPI_CONN_T_ART = 1 << 1,    /* DPI_F_art_us. */
};

/* One bidirectional connection.  Every member is protected by the mutex of
 * the connection's stripe.  Links are indexes within the stripe (see
 * "Memory" above), 0 for none. */
struct dpi_conn {
    union {
        struct {
            uint32_t lru_prev;  /* Toward the front (more recent). */
            uint32_t lru_next;  /* Toward the back (less recent). */
        };
        struct dpi_conn *dead_next; /* Out of the stripe and about to be
                                     * released: next such connection. */
    };
    uint32_t hnext;             /* Next in the same hash bucket, or in the
                                 * stripe's free list. */
    uint32_t md_len;            /* Bytes of metadata records at 'md_buf'. */
    uint16_t app_id;            /* Verdict: application, or 0. */
    uint16_t app_proto;         /* Verdict: L7 protocol, or 0. */
    uint8_t state : 4;          /* Verdict: DPI_STATE_* bits. */
    uint8_t settled : 1;        /* Nothing more to learn from its packets
                                 * (see dpi_engine_lookup()). */
    uint8_t lru_list : 1;       /* Its LRU list: a DPI_CONN_LRU_*. */
    uint8_t flags : 4;          /* DPI_CONN_* flags. */
    uint8_t encap : 4;          /* DPI_ENCAP_* bits of all its packets. */
    uint16_t n_inspected : 14;  /* Payload packets fed to the classifier
                                 * (at most DPI_MAX_INSPECT_PACKETS). */
    uint16_t timing : 2;        /* DPI_CONN_T_* bits. */
    struct dpi_key key;         /* Client to server. */
    uint8_t *md_buf;            /* Extracted and computed metadata: the
                                 * records of a struct dpi_md (see
                                 * dpi_conn_md_load()), or NULL. */
    uint64_t packets[2];        /* [0]: client to server, [1]: reverse. */
    uint64_t bytes[2];          /* Same, in frame bytes. */
    uint64_t first_ms;          /* Time of the first packet. */
    uint64_t last_ms;           /* Time of the latest packet. */
    struct dpi_inspect *inspect; /* Classifier state while inspecting. */
};

/* Returns true if TCP connection 'conn' has closed: reset, or finished
 * from both sides.  The caller holds the connection's stripe. */
static inline bool
dpi_conn_is_closed(const struct dpi_conn *conn)
{
    return (conn->flags & DPI_CONN_RST
            || (conn->flags & (DPI_CONN_FIN_C2S | DPI_CONN_FIN_S2C))
               == (DPI_CONN_FIN_C2S | DPI_CONN_FIN_S2C));
}

/* Makes 'md' the metadata of 'conn', with the budget 'max' (the engine's,
 * the same for all its connections, so not kept in each).  The caller
 * must hand any change back with dpi_conn_md_store() before it releases
 * the connection's stripe. */
static inline void
dpi_conn_md_load(const struct dpi_conn *conn, uint32_t max,
                 struct dpi_md *md)
{
    md->buf = conn->md_buf;
    md->len = conn->md_len;
    md->max = max;
}

/* Stores 'md', loaded with dpi_conn_md_load() and maybe changed since, as
 * the metadata of 'conn'. */
static inline void
dpi_conn_md_store(struct dpi_conn *conn, const struct dpi_md *md)
{
    conn->md_buf = md->buf;
    conn->md_len = md->len;
}

/* The LRU lists of a stripe (struct dpi_conn's 'lru_list'). */
enum dpi_conn_lru_list {
    DPI_CONN_LRU_OPEN,          /* Connections not closed. */
    DPI_CONN_LRU_CLOSED,        /* Closed TCP connections. */
    DPI_CONN_N_LRU
};

/* One LRU list of a stripe, from the most to the least recently used
 * connection, linked by their 'lru_prev' and 'lru_next'. */
struct dpi_conn_lru {
    uint32_t front;             /* Most recently used connection, or 0. */
    uint32_t back;              /* Least recently used connection, or 0. */
};

/* Connections per block of a stripe's store (see "Memory" above). */
#define DPI_CONN_PER_BLOCK 32

/* A stripe of the table (see "Layout" above), padded to avoid false
 * sharing between stripes. */
struct dpi_conn_stripe {
    pthread_mutex_t mutex;      /* Protects everything below. */
    uint32_t *buckets;          /* Hash buckets, 'mask' + 1 + 'split' of
                                 * them (see dpi_conn_stripe_split() for
                                 * the room after them). */
    uint32_t mask;              /* Number of buckets at the start of the
                                 * current round, minus 1 (a power of 2
                                 * minus 1). */
    uint32_t split;             /* Buckets split in the current round. */
    uint32_t n;                 /* Number of connections in the stripe
                                 * (written under 'mutex' with atomic
                                 * stores; eviction reads it without). */
    struct dpi_conn_lru lru[DPI_CONN_N_LRU]; /* LRU lists. */
    uint32_t free;              /* Free connections, linked by 'hnext'. */
    uint32_t n_free;            /* Number of connections in 'free'. */
    uint32_t stale[2];          /* Expired connections that still own
                                 * their memory, linked by 'hnext': [0]
                                 * since the latest expiry sweep, [1]
                                 * since the one before (see "Expired
                                 * connections' memory"). */
    uint32_t n_stale[2];        /* Number of connections in each. */
    uint32_t n_blocks;          /* Number of blocks in 'blocks'. */
    struct dpi_conn **blocks;   /* Blocks of DPI_CONN_PER_BLOCK connections
                                 * each; indexes name their slots. */
} __attribute__((aligned(64)));

/* Returns the connection of stripe 's' whose index is 'idx' (not 0).  The
 * caller holds the stripe's mutex. */
static inline struct dpi_conn *
dpi_conn_at(const struct dpi_conn_stripe *s, uint32_t idx)
{
    idx--;
    return &s->blocks[idx / DPI_CONN_PER_BLOCK][idx % DPI_CONN_PER_BLOCK];
}

/* The connection table. */
struct dpi_conn_table {
    struct dpi_conn_stripe stripes[DPI_CONN_N_STRIPES]; /* The stripes. */
    uint64_t hash_keys[DPI_CONN_HASH_KEYS]; /* Random keys of the hash. */
    uint32_t max_flows;         /* Capacity (atomic). */
    uint32_t n_flows;           /* Connections in the table (atomic). */
    uint32_t evict_cursor;      /* Stripe where the next eviction starts
                                 * looking (atomic). */
    uint32_t dump_batch;        /* About how many connections a dump copies
                                 * per hold of a stripe's mutex (see
                                 * dpi_conn_table_dump(); tests change
                                 * it and the next one). */
    uint32_t dump_restarts;     /* Restarts of a stripe after which a dump
                                 * copies it in one hold. */
    uint64_t created;           /* Connections created (atomic). */
    uint64_t evicted;           /* Connections evicted (atomic). */
    uint64_t expired;           /* Connections expired (atomic). */
    uint64_t n_inspecting;      /* Live dpi_inspect objects (atomic). */
};

struct dpi_conn_table *dpi_conn_table_create(uint32_t max_flows);
void dpi_conn_table_destroy(struct dpi_conn_table *);
void dpi_conn_table_set_max(struct dpi_conn_table *, uint32_t max_flows);

struct dpi_conn *dpi_conn_table_lookup(struct dpi_conn_table *,
                                       const struct dpi_pkt *,
                                       uint64_t now_ms, bool *created,
                                       struct dpi_conn_stripe **);
struct dpi_conn *dpi_conn_table_find(struct dpi_conn_table *,
                                     const struct dpi_key *, bool touch,
                                     bool *to_server,
                                     struct dpi_conn_stripe **);
void dpi_conn_table_unlock(struct dpi_conn_stripe *);
void dpi_conn_table_note_closed(struct dpi_conn_stripe *, struct dpi_conn *);
void dpi_conn_restart(struct dpi_conn_table *, struct dpi_conn_stripe *,
                      struct dpi_conn *, const struct dpi_pkt *,
                      uint64_t now_ms);

bool dpi_conn_to_server(const struct dpi_conn *, const struct dpi_pkt *);
bool dpi_conn_inspect_begin(struct dpi_conn_table *, struct dpi_conn *,
                            uint32_t sig_gen);
void dpi_conn_inspect_end(struct dpi_conn_table *, struct dpi_conn *);

size_t dpi_conn_table_expire(struct dpi_conn_table *, uint64_t now_ms,
                             uint64_t idle_ms);
void dpi_conn_table_dump(struct dpi_conn_table *, dpi_dump_cb *, void *aux);
void dpi_conn_table_for_each(struct dpi_conn_table *,
                             void (*cb)(struct dpi_conn *, void *aux),
                             void *aux);

/* Counters (approximate while packets are being processed). */
uint32_t dpi_conn_table_n_flows(const struct dpi_conn_table *);
uint64_t dpi_conn_table_n_inspecting(const struct dpi_conn_table *);

/* For unit tests: the number of connections of an engine that hold
 * inspection state (implemented in dpi-engine.c). */
struct dpi_engine;
uint64_t dpi_engine_n_inspecting(const struct dpi_engine *);

/* For unit tests: the number of signature database versions of an engine
 * that are not freed yet (implemented in dpi-engine.c). */
unsigned int dpi_engine_n_sigdbs(struct dpi_engine *);

#endif /* dpi-conn.h */
