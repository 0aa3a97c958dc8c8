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

/* The engine: configuration, workers, per-packet processing and
 * statistics, on top of the connection table (dpi-conn.h) and the
 * classifier (dpi-classify.h).
 *
 * Verdicts
 * ========
 *
 * A TCP or UDP connection is DPI_STATE_PEND until its payload-carrying
 * packets (pure ACKs and other empty segments do not count) have given the
 * classifier enough to decide, then DPI_STATE_DONE if an application or L7
 * protocol was found, else DPI_STATE_UNK.  It is also DPI_STATE_UNK once
 * 'inspect_packets' payload packets were inspected without a final answer
 * (any app_id/app_proto found so far is kept), when a TCP connection is
 * reset or closed from both sides while still pending, or when memory for
 * its inspection state is short.
 *
 * Connections of other IP protocols (ICMP, ESP, ...) and the port-less
 * connections that non-first IP fragments map to are tracked and counted,
 * but never inspected: their first packet gets DPI_STATE_DONE, with the
 * protocol that the signature database declares for their IP protocol
 * number ("protocol icmp ip 1") as app_id and app_proto, or else
 * DPI_STATE_UNK.  A non-first fragment whose datagram's first fragment was
 * seen is counted with the datagram's connection instead (see
 * dpi-frag.h).
 *
 * A packet whose connection cannot be tracked (the table is full and
 * nothing can be evicted, e.g. max_flows is 0) gets DPI_STATE_TRK |
 * DPI_STATE_UNK and no connection.
 *
 * Statistics
 * ==========
 *
 * Packet and per-application counters live in each worker and are written
 * only by the worker's thread (relaxed atomic stores, so that readers see
 * whole values); dpi_engine_get_stats() sums them over the workers plus
 * what destroyed workers left behind.  A new connection counts one flow
 * for application 0 ("unknown"); each of its packets counts for its
 * current app_id; when its app_id changes, the worker that sees the change
 * moves the connection's flow, packets and bytes so far from the old
 * application to the new one.  One worker's counter may thus go "negative"
 * (wrap around); the sums are exact.
 *
 * Services by address
 * ===================
 *
 * A new connection gets, from its first packet, the service of its server
 * address (the destination of a SYN, the source of a SYN-ACK; for other
 * first packets, the destination, else the source) as app_id: first the
 * service that a DNS answer seen earlier in its zone or VLAN gave that
 * address (dpi-dnscache.h, learned from DNS responses whose query name
 * belongs to a service), else the service of the signature file's "ip"
 * block holding it.  Its state stays DPI_STATE_PEND and app_proto is still
 * found by inspection; a service found from the connection's own host name
 * (HTTP Host, TLS SNI, ...) then replaces the one found by address, but a
 * protocol without a service does not.
 *
 * Signature reload
 * ================
 *
 * dpi_engine_set_signatures() replaces the signature database of a running
 * engine.  Each database version is a struct dpi_engine_sigs with a
 * generation number and a reference count, both changed only under the
 * engine's 'mutex': the engine holds a reference to its current version and
 * each worker one to the version its Hyperscan scratch was allocated for.
 * The new version is compiled first, without any lock, then published by
 * swapping 'sigs' and bumping 'sig_gen' under the mutex.  At its next
 * packet, each worker sees (with one atomic load) that 'sig_gen' moved,
 * allocates scratch for the new version, takes a reference to it and drops
 * the old one, all under the mutex.  The old version is freed when its last
 * reference goes: once every worker has moved on (or been destroyed), so
 * that no thread can ever scan a freed database.  A worker that gets no
 * packet keeps its version, but never more than one.
 *
 * Connection verdicts, counters and metadata do not depend on the
 * database and are kept.  A connection still being inspected holds, in
 * its struct dpi_inspect, slot numbers of the database its latest payload
 * packet was inspected with, and that database's generation: at its next
 * payload packet,
 * dpi_inspect_rebind() translates its inspection state to the new
 * database, keeping the TCP stream bytes held so far (a ClientHello split
 * over segments across a reload is still parsed whole) and what was
 * decided from them, and dropping the old slot numbers (see "Signature
 * reload" in dpi-classify.c).  Nothing else of a connection depends on the
 * database: the Hyperscan scratch is the worker's, and payload patterns
 * are scanned in block mode, so there is no Hyperscan stream state.
 *
 * Expected connections
 * ====================
 *
 * A connection that a parser saw announced on another (an FTP data
 * connection announced by a passive mode reply or a PORT command; see
 * _expect in dpi-proto.h and dpi-expect.h) gets its protocol as app_id and
 * app_proto, and DPI_STATE_DONE, from its first packet: its payload is not
 * inspected. */

#include "dpi.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "dpi-classify.h"
#include "dpi-conn.h"
#include "dpi-frag.h"
#include "dpi-dnscache.h"
#include "dpi-expect.h"
#include "dpi-sig-private.h"

/* IP protocol numbers. */
#define DPI_IPPROTO_TCP 6
#define DPI_IPPROTO_UDP 17

/* TCP flags. */
#define DPI_TCP_FIN 0x01
#define DPI_TCP_SYN 0x02
#define DPI_TCP_RST 0x04
#define DPI_TCP_ACK 0x10

/* Returns true if 'pkt' is a TCP SYN without ACK: a client opening a
 * connection. */
static inline bool
dpi_pkt_is_syn(const struct dpi_pkt *pkt)
{
    return (pkt->key.proto == DPI_IPPROTO_TCP
            && (pkt->tcp_flags & (DPI_TCP_SYN | DPI_TCP_ACK)) == DPI_TCP_SYN);
}

/* Counters of one application. */
struct dpi_app_counters {
    uint64_t flows;             /* Connections. */
    uint64_t packets;           /* Their packets. */
    uint64_t bytes;             /* Their frame bytes. */
};

/* One version of an engine's signature database (see "Signature reload"
 * at the top of this file). */
struct dpi_engine_sigs {
    struct dpi_sigdb *db;       /* The compiled database. */
    char *name;                 /* Signature file name, or NULL for the
                                 * built-in signatures. */
    uint32_t gen;               /* Generation: 0 for the engine's first
                                 * database, then one more at each
                                 * dpi_engine_set_signatures(). */
    unsigned int refs;          /* References: the engine's while current,
                                 * plus one per worker scanning with it.
                                 * Protected by the engine's 'mutex'. */
};

/* The engine. */
struct dpi_engine {
    struct dpi_conn_table *conns; /* Connection table. */
    struct dpi_dnscache *dnscache; /* Addresses learned from DNS. */
    struct dpi_expect *expect;  /* Announced connections. */
    uint32_t sig_gen;           /* 'sigs->gen' (atomic): workers compare it
                                 * with their own version's without taking
                                 * 'mutex'. */
    uint32_t inspect_packets;   /* Inspection window (atomic). */
    uint32_t idle_timeout_ms;   /* Idle expiry. */
    uint32_t metadata_max;      /* Metadata budget per connection. */

    /* Registered applications: 'app_ids[i]' is counted in slot 'i' of
     * each worker's 'apps'.  Sorted; 'app_ids[0]' is 0. */
    uint16_t *app_ids;          /* Application ids. */
    size_t n_apps;              /* Number of elements in 'app_ids'. */
    uint16_t *app_slots;        /* Inverse of 'app_ids': the slot of each
                                 * id below 'n_app_slots', 0 if none. */
    size_t n_app_slots;         /* Largest registered id plus 1. */

    pthread_mutex_t mutex;      /* Protects the members below. */
    struct dpi_engine_sigs *sigs; /* Current signature database. */
    unsigned int n_sigs;        /* Database versions not freed yet. */
    struct dpi_worker *workers; /* List of live workers. */
    uint64_t retired_packets;   /* 'packets' of destroyed workers. */
    uint64_t retired_bad;       /* 'bad_packets' of destroyed workers. */
    struct dpi_app_counters *retired_apps; /* Same for 'apps', plus the
                                            * packets counted by
                                            * dpi_engine_lookup(). */

    struct dpi_frag_table *frags; /* IP fragments' ports (thread-safe). */
};

/* A worker: what one thread needs to process packets. */
struct dpi_worker {
    struct dpi_engine *engine;  /* Owning engine. */
    struct dpi_engine_sigs *sigs; /* Database scanned with 'scratch' (one
                                   * reference). */
    struct dpi_sig_scratch *scratch; /* Hyperscan scratch space. */
    struct dpi_worker *prev;    /* In engine's 'workers' list. */
    struct dpi_worker *next;    /* In engine's 'workers' list. */

    /* Statistics, written only by the worker's thread. */
    uint64_t packets;           /* Packets processed. */
    uint64_t bad_packets;       /* Packets that did not parse. */
    uint64_t n_created;         /* Connections created. */
    struct dpi_key last_created; /* Key of the latest of them. */
    struct dpi_app_counters *apps; /* Indexed like engine's 'app_ids'. */
};

/* Initialises 'config' to the defaults. */
void
dpi_config_init(struct dpi_config *config)
{
    config->max_flows = DPI_DEFAULT_MAX_FLOWS;
    config->inspect_packets = DPI_DEFAULT_INSPECT_PACKETS;
    config->idle_timeout_ms = DPI_DEFAULT_IDLE_TIMEOUT_MS;
    config->metadata_max = DPI_DEFAULT_METADATA_MAX;
    config->signatures = NULL;
}

/* Adds 'delta' to the counter '*c', which only the calling thread writes.
 * Other threads may read it concurrently with __atomic_load_n(). */
static inline void
dpi_counter_add(uint64_t *c, uint64_t delta)
{
    __atomic_store_n(c, *c + delta, __ATOMIC_RELAXED);
}

/* Returns the index in 'e->app_ids' of application 'app_id', or 0 (the
 * "unknown" slot) if it is not registered. */
static size_t
dpi_app_index(const struct dpi_engine *e, uint16_t app_id)
{
    return app_id < e->n_app_slots ? e->app_slots[app_id] : 0;
}

/* Fills in 'e->app_ids' and 'e->app_slots' from the application
 * registry.  Returns false if memory is short. */
static bool
dpi_engine_init_apps(struct dpi_engine *e)
{
    uint16_t max_id = 0;
    size_t n = 1;

    for (uint16_t id = dpi_app_next(0); id; id = dpi_app_next(id)) {
        n++;
        max_id = id;
    }
    e->app_ids = malloc(n * sizeof *e->app_ids);
    e->retired_apps = calloc(n, sizeof *e->retired_apps);
    e->app_slots = calloc((size_t) max_id + 1, sizeof *e->app_slots);
    if (!e->app_ids || !e->retired_apps || !e->app_slots) {
        return false;
    }
    e->n_app_slots = (size_t) max_id + 1;
    e->n_apps = 0;
    e->app_ids[e->n_apps++] = 0;
    for (uint16_t id = dpi_app_next(0); id; id = dpi_app_next(id)) {
        e->app_slots[id] = (uint16_t) e->n_apps;
        e->app_ids[e->n_apps++] = id;
    }
    return true;
}

/* Compiles the signature file 'path' (the built-in signatures if 'path' is
 * NULL) into a new database version with one reference, into '*sigsp'.
 * Returns 0 or a positive errno value with a malloc()ed message in
 * '*errorp'. */
static int
dpi_engine_sigs_create(const char *path, struct dpi_engine_sigs **sigsp,
                       char **errorp)
{
    struct dpi_engine_sigs *sigs = calloc(1, sizeof *sigs);
    int err;

    *sigsp = NULL;
    *errorp = NULL;
    if (!sigs || (path && !(sigs->name = strdup(path)))) {
        free(sigs);
        return ENOMEM;
    }
    if (path) {
        err = dpi_sigdb_create(path, &sigs->db, errorp);
    } else {
        err = dpi_sigdb_create_from_string(dpi_sig_builtin, "builtin",
                                           &sigs->db, errorp);
    }
    if (err) {
        free(sigs->name);
        free(sigs);
        return err;
    }
    sigs->refs = 1;
    *sigsp = sigs;
    return 0;
}

/* Frees database version 'sigs', if nonnull. */
static void
dpi_engine_sigs_free(struct dpi_engine_sigs *sigs)
{
    if (sigs) {
        dpi_sigdb_destroy(sigs->db);
        free(sigs->name);
        free(sigs);
    }
}

/* Drops a reference to 'sigs' of engine 'e'.  Returns 'sigs' if that was
 * the last one, for the caller to free with dpi_engine_sigs_free() after
 * releasing 'e->mutex', else NULL. */
static struct dpi_engine_sigs *
dpi_engine_sigs_unref(struct dpi_engine *e, struct dpi_engine_sigs *sigs)
{
    if (--sigs->refs) {
        return NULL;
    }
    e->n_sigs--;
    return sigs;
}

/* Frees 'e' and what it owns; 'e' may be partly built. */
static void
dpi_engine_free(struct dpi_engine *e)
{
    dpi_conn_table_destroy(e->conns);
    dpi_frag_table_destroy(e->frags);
    dpi_dnscache_destroy(e->dnscache);
    dpi_expect_destroy(e->expect);
    dpi_engine_sigs_free(e->sigs);
    free(e->app_ids);
    free(e->app_slots);
    free(e->retired_apps);
    pthread_mutex_destroy(&e->mutex);
    free(e);
}

/* Creates an engine configured by 'config' (the defaults if 'config' is
 * NULL) into '*enginep'.  Loads the signature file 'config->signatures',
 * or the built-in signatures if it is NULL.
 *
 * Returns 0 on success, with '*errorp' (if 'errorp' is nonnull) set to
 * NULL.  On failure returns a positive errno value, sets '*enginep' to
 * NULL and '*errorp' to a malloc()ed message (file, line and reason for a
 * bad signature file) that the caller must free(). */
int
dpi_engine_create(const struct dpi_config *config,
                  struct dpi_engine **enginep, char **errorp)
{
    struct dpi_config defaults;
    struct dpi_engine *e;
    char *error = NULL;
    int err;

    *enginep = NULL;
    if (errorp) {
        *errorp = NULL;
    }
    if (!config) {
        dpi_config_init(&defaults);
        config = &defaults;
    }

    e = calloc(1, sizeof *e);
    if (!e) {
        err = ENOMEM;
        goto error;
    }
    pthread_mutex_init(&e->mutex, NULL);
    e->inspect_packets = (config->inspect_packets > DPI_MAX_INSPECT_PACKETS
                          ? DPI_MAX_INSPECT_PACKETS
                          : config->inspect_packets);
    e->idle_timeout_ms = config->idle_timeout_ms;
    e->metadata_max = config->metadata_max;
    if (!dpi_engine_init_apps(e)) {
        err = ENOMEM;
        goto error;
    }
    err = dpi_engine_sigs_create(config->signatures, &e->sigs, &error);
    if (err) {
        goto error;
    }
    e->n_sigs = 1;
    e->conns = dpi_conn_table_create(config->max_flows);
    e->frags = dpi_frag_table_create(DPI_FRAG_DEFAULT_CAPACITY);
    e->dnscache = dpi_dnscache_create(DPI_DNSCACHE_CAPACITY);
    e->expect = dpi_expect_create(DPI_EXPECT_CAPACITY);
    if (!e->conns || !e->frags || !e->dnscache || !e->expect) {
        err = ENOMEM;
        goto error;
    }
    *enginep = e;
    return 0;

error:
    if (e) {
        dpi_engine_free(e);
    }
    if (!error) {
        error = strdup(err == ENOMEM ? "out of memory"
                       : "cannot create DPI engine");
    }
    if (errorp) {
        *errorp = error;
    } else {
        free(error);
    }
    return err ? err : EINVAL;
}

/* Destroys 'e' and its connections.  Its workers must already be
 * destroyed, and nothing may use 'e' concurrently. */
void
dpi_engine_destroy(struct dpi_engine *e)
{
    if (e) {
        dpi_engine_free(e);
    }
}

/* Sets the connection table capacity to 'max_flows' and the inspection
 * window to 'inspect_packets'.  A smaller 'max_flows' takes effect at once:
 * connections are evicted, each stripe's least recently used first (and
 * counted in 'evicted'), before this returns (see dpi_conn_table_set_max()
 * for connections created meanwhile), and the connection table gives back
 * the memory it no longer needs for the connections left.  The new window
 * applies to connections still being inspected, from their next payload
 * packet: one that already inspected as many packets as the new window
 * gets DPI_STATE_UNK then.  May be called concurrently with
 * dpi_process(). */
void
dpi_engine_set_limits(struct dpi_engine *e, uint32_t max_flows,
                      uint32_t inspect_packets)
{
    if (inspect_packets > DPI_MAX_INSPECT_PACKETS) {
        inspect_packets = DPI_MAX_INSPECT_PACKETS;
    }
    __atomic_store_n(&e->inspect_packets, inspect_packets, __ATOMIC_RELAXED);
    dpi_conn_table_set_max(e->conns, max_flows);
}

/* Returns the name of the signature file 'e' loaded, or "builtin" for the
 * built-in signatures.  The name stays valid until the next
 * dpi_engine_set_signatures() on 'e', which must not run concurrently. */
const char *
dpi_engine_signatures(const struct dpi_engine *e)
{
    const char *name = e->sigs->name;

    return name ? name : "builtin";
}

/* Returns the generation of 'e''s signature database: 0 for the database
 * 'e' was created with, then one more for each successful
 * dpi_engine_set_signatures(). */
uint32_t
dpi_engine_signatures_gen(const struct dpi_engine *e)
{
    return __atomic_load_n(&e->sig_gen, __ATOMIC_ACQUIRE);
}

/* Replaces the signature database of running engine 'e' by one compiled
 * from 'path' (the built-in signatures if 'path' is NULL).  See dpi.h. */
int
dpi_engine_set_signatures(struct dpi_engine *e, const char *path,
                          char **errorp)
{
    struct dpi_engine_sigs *sigs, *old;
    char *error;
    int err;

    /* Compile first, without any lock: the workers keep using the current
     * database meanwhile, and keep it if this fails. */
    err = dpi_engine_sigs_create(path, &sigs, &error);
    if (err) {
        if (!error) {
            error = strdup(err == ENOMEM ? "out of memory"
                           : "cannot load signatures");
        }
        if (errorp) {
            *errorp = error;
        } else {
            free(error);
        }
        return err;
    }
    if (errorp) {
        *errorp = NULL;
    }

    pthread_mutex_lock(&e->mutex);
    old = e->sigs;
    sigs->gen = old->gen + 1;
    e->sigs = sigs;
    e->n_sigs++;
    __atomic_store_n(&e->sig_gen, sigs->gen, __ATOMIC_RELEASE);
    old = dpi_engine_sigs_unref(e, old);
    pthread_mutex_unlock(&e->mutex);

    dpi_engine_sigs_free(old);
    return 0;
}

/* Returns the number of signature database versions of 'e' not freed yet
 * (for unit tests: 1 once every worker has moved to the current one). */
unsigned int
dpi_engine_n_sigdbs(struct dpi_engine *e)
{
    unsigned int n;

    pthread_mutex_lock(&e->mutex);
    n = e->n_sigs;
    pthread_mutex_unlock(&e->mutex);
    return n;
}

/* Creates a worker for 'e', for use by a single thread at a time.  Returns
 * NULL if memory is short. */
struct dpi_worker *
dpi_worker_create(struct dpi_engine *e)
{
    struct dpi_worker *w = calloc(1, sizeof *w);

    if (!w) {
        return NULL;
    }
    w->engine = e;
    w->apps = calloc(e->n_apps, sizeof *w->apps);
    if (!w->apps) {
        free(w);
        return NULL;
    }

    pthread_mutex_lock(&e->mutex);
    w->scratch = dpi_sig_scratch_create(e->sigs->db);
    if (!w->scratch) {
        pthread_mutex_unlock(&e->mutex);
        free(w->apps);
        free(w);
        return NULL;
    }
    w->sigs = e->sigs;
    w->sigs->refs++;
    w->next = e->workers;
    if (e->workers) {
        e->workers->prev = w;
    }
    e->workers = w;
    pthread_mutex_unlock(&e->mutex);
    return w;
}

/* Destroys 'w'.  Its statistics stay in its engine's totals. */
void
dpi_worker_destroy(struct dpi_worker *w)
{
    struct dpi_engine_sigs *old;
    struct dpi_engine *e;

    if (!w) {
        return;
    }
    e = w->engine;
    pthread_mutex_lock(&e->mutex);
    old = dpi_engine_sigs_unref(e, w->sigs);
    if (w->prev) {
        w->prev->next = w->next;
    } else {
        e->workers = w->next;
    }
    if (w->next) {
        w->next->prev = w->prev;
    }
    e->retired_packets += w->packets;
    e->retired_bad += w->bad_packets;
    for (size_t i = 0; i < e->n_apps; i++) {
        e->retired_apps[i].flows += w->apps[i].flows;
        e->retired_apps[i].packets += w->apps[i].packets;
        e->retired_apps[i].bytes += w->apps[i].bytes;
    }
    pthread_mutex_unlock(&e->mutex);

    dpi_sig_scratch_destroy(w->scratch);
    dpi_engine_sigs_free(old);
    free(w->apps);
    free(w);
}

/* Moves 'w' to its engine's current signature database: allocates scratch
 * space for it and drops the reference to the database 'w' used so far,
 * freeing that one if 'w' was the last to use it.  If memory is short, 'w'
 * keeps its database and tries again at its next packet.  The scratch
 * space is allocated with the engine's mutex released, as every worker
 * takes the mutex to move after a reload.  Must not be called with a
 * stripe lock held (see the lock order in dpi-conn.h). */
static void
dpi_worker_update_sigs(struct dpi_worker *w)
{
    struct dpi_engine *e = w->engine;
    struct dpi_engine_sigs *new, *old;
    struct dpi_sig_scratch *scratch;

    pthread_mutex_lock(&e->mutex);
    new = e->sigs;
    if (new == w->sigs) {
        pthread_mutex_unlock(&e->mutex);
        return;
    }
    new->refs++;
    pthread_mutex_unlock(&e->mutex);

    scratch = dpi_sig_scratch_create(new->db);

    pthread_mutex_lock(&e->mutex);
    if (scratch) {
        old = dpi_engine_sigs_unref(e, w->sigs);
        w->sigs = new;
    } else {
        old = dpi_engine_sigs_unref(e, new);
    }
    pthread_mutex_unlock(&e->mutex);

    if (scratch) {
        dpi_sig_scratch_destroy(w->scratch);
        w->scratch = scratch;
    }
    dpi_engine_sigs_free(old);
}

/* Counts a packet that the caller could not parse (see dpi_parse_eth()) in
 * the statistics of 'w's engine. */
void
dpi_worker_count_bad_packet(struct dpi_worker *w)
{
    dpi_counter_add(&w->bad_packets, 1);
}

/* Returns the number of connections 'w' has created and stores the key of
 * the latest in '*last' (if nonnull and there was one). */
uint64_t
dpi_worker_n_created(const struct dpi_worker *w, struct dpi_key *last)
{
    if (last && w->n_created) {
        *last = w->last_created;
    }
    return w->n_created;
}

/* Moves 'conn's flow, packets and bytes in 'w's statistics from its current
 * application to 'app_id', and makes 'app_id' its application.  The caller
 * holds the connection's stripe. */
static void
dpi_conn_set_app(struct dpi_worker *w, struct dpi_conn *conn,
                 uint16_t app_id)
{
    const struct dpi_engine *e = w->engine;
    struct dpi_app_counters *from, *to;
    uint64_t packets, bytes;

    if (app_id == conn->app_id) {
        return;
    }
    from = &w->apps[dpi_app_index(e, conn->app_id)];
    to = &w->apps[dpi_app_index(e, app_id)];
    conn->app_id = app_id;
    if (from == to) {
        return;
    }
    packets = conn->packets[0] + conn->packets[1];
    bytes = conn->bytes[0] + conn->bytes[1];
    dpi_counter_add(&from->flows, -1);
    dpi_counter_add(&from->packets, -packets);
    dpi_counter_add(&from->bytes, -bytes);
    dpi_counter_add(&to->flows, 1);
    dpi_counter_add(&to->packets, packets);
    dpi_counter_add(&to->bytes, bytes);
}

/* Gives 'conn' its final verdict 'state' (DPI_STATE_DONE or DPI_STATE_UNK)
 * and frees its inspection state. */
static void
dpi_conn_finish(struct dpi_engine *e, struct dpi_conn *conn, uint8_t state)
{
    conn->state = DPI_STATE_TRK | state;
    dpi_conn_inspect_end(e->conns, conn);
}

/* Ends the inspection of 'conn' without a protocol verdict (DPI_STATE_UNK).
 * Like nDPI's "guessed protocol", a TCP or UDP connection whose protocol is
 * still unknown then takes the protocol that the port hints of the
 * signature database suggest (dpi_sig_guess()) as app_proto, and as app_id
 * if no service is known: a guess, which the state (UNK, not DONE) tells
 * apart from a verdict.  The caller holds the connection's stripe. */
static void
dpi_conn_give_up(struct dpi_worker *w, struct dpi_conn *conn)
{
    struct dpi_engine *e = w->engine;
    const struct dpi_key *k = &conn->key;

    if (!conn->app_proto
        && (k->proto == DPI_IPPROTO_TCP || k->proto == DPI_IPPROTO_UDP)) {
        uint16_t guess = dpi_sig_guess(w->sigs->db, k->proto, k->sport,
                                       k->dport);

        if (guess) {
            conn->app_proto = guess;
            if (!conn->app_id) {
                dpi_conn_set_app(w, conn, guess);
            }
        }
    }
    dpi_conn_finish(e, conn, DPI_STATE_UNK);
}

/* Updates the direction, counters and TCP flags of 'conn' for 'pkt', seen
 * at 'now_ms'.  Returns true if 'pkt' goes from client to server.  The
 * caller holds the connection's stripe. */
static bool
dpi_conn_account(struct dpi_worker *w, struct dpi_conn *conn,
                 const struct dpi_pkt *pkt, uint64_t now_ms)
{
    struct dpi_app_counters *app;
    bool to_server = dpi_conn_to_server(conn, pkt);
    int dir;

    if (dpi_pkt_is_syn(pkt) && !(conn->flags & DPI_CONN_SYN_DIR)) {
        /* The first SYN without ACK decides who the client is, even if
         * other packets came first. */
        conn->flags |= DPI_CONN_SYN_DIR;
        if (!to_server) {
            struct dpi_key key = conn->key;
            uint64_t tmp;
            uint8_t fin;

            conn->key.src = key.dst;
            conn->key.dst = key.src;
            conn->key.sport = key.dport;
            conn->key.dport = key.sport;
            tmp = conn->packets[0];
            conn->packets[0] = conn->packets[1];
            conn->packets[1] = tmp;
            tmp = conn->bytes[0];
            conn->bytes[0] = conn->bytes[1];
            conn->bytes[1] = tmp;
            fin = conn->flags & (DPI_CONN_FIN_C2S | DPI_CONN_FIN_S2C);
            conn->flags &= ~fin;
            if (fin & DPI_CONN_FIN_C2S) {
                conn->flags |= DPI_CONN_FIN_S2C;
            }
            if (fin & DPI_CONN_FIN_S2C) {
                conn->flags |= DPI_CONN_FIN_C2S;
            }

            /* The classifier's per-direction state is now the wrong way
             * round: start over. */
            dpi_conn_inspect_end(w->engine->conns, conn);
            to_server = true;
        }
    }

    dir = to_server ? 0 : 1;
    conn->encap |= pkt->encap;
    conn->packets[dir]++;
    conn->bytes[dir] += pkt->frame_len;
    if (now_ms > conn->last_ms) {
        conn->last_ms = now_ms;
    }
    if (pkt->tcp_flags & DPI_TCP_FIN) {
        conn->flags |= to_server ? DPI_CONN_FIN_C2S : DPI_CONN_FIN_S2C;
    }
    if (pkt->tcp_flags & DPI_TCP_RST) {
        conn->flags |= DPI_CONN_RST;
    }

    app = &w->apps[dpi_app_index(w->engine, conn->app_id)];
    dpi_counter_add(&app->packets, 1);
    dpi_counter_add(&app->bytes, pkt->frame_len);
    return to_server;
}

/* Computes the TCP handshake round-trip time (client SYN to the client's
 * ACK of the server's SYN-ACK, as tshark's tcp.analysis.initial_rtt) and
 * the application response time (the client's first payload byte to the
 * server's first payload byte after it) of 'conn' from 'pkt', going to the
 * server if 'to_server', at 'now_us'.  The caller holds the connection's
 * stripe.
 *
 * The times kept in between are microseconds since the connection's first
 * packet, which fit the 4-byte form of a numeric record.  They are taken
 * modulo 2**64: should a packet's time fall before that, the records take
 * the 8-byte form and the differences, also taken modulo 2**64, stay
 * right.  A difference beyond 32 bits (time went backwards, or more than
 * 71 minutes passed) is not stored. */
static void
dpi_conn_compute(struct dpi_conn *conn, struct dpi_md *md,
                 const struct dpi_pkt *pkt, bool to_server, uint64_t now_us)
{
    uint64_t start_us = conn->first_ms * 1000;
    uint8_t flags = pkt->tcp_flags;
    uint64_t t0, t1;

    now_us -= start_us;

    if (flags & DPI_TCP_SYN) {
        if (to_server && !(flags & DPI_TCP_ACK)
            && !dpi_md_get_u64(md, DPI_F__syn_us, &t0)) {
            dpi_md_set_u64(md, DPI_F__syn_us, now_us);
            if (!dpi_md_get_u64(md, DPI_F__syn_seq, &t1)) {
                dpi_md_set_u64(md, DPI_F__syn_seq, pkt->tcp_seq);
            }
        } else if (!to_server && flags & DPI_TCP_ACK
                   && dpi_md_get_u64(md, DPI_F__syn_us, &t0)
                   && dpi_md_set_u64(md, DPI_F__synack_us, now_us)) {
            conn->timing |= DPI_CONN_T_SYNACK;
        }
    } else if (to_server && flags & DPI_TCP_ACK
               && conn->timing & DPI_CONN_T_SYNACK
               && dpi_md_get_u64(md, DPI_F__synack_us, &t1)
               && dpi_md_get_u64(md, DPI_F__syn_us, &t0)) {
        dpi_md_remove(md, DPI_F__syn_us);
        dpi_md_remove(md, DPI_F__synack_us);
        conn->timing &= ~DPI_CONN_T_SYNACK;
        if (now_us - t0 <= UINT32_MAX) {
            dpi_md_set_u64(md, DPI_F_rtt_us, now_us - t0);
        }
    }

    if (pkt->payload_len && !pkt->is_fragment
        && !(conn->timing & DPI_CONN_T_ART)) {
        if (to_server) {
            if (!dpi_md_get_u64(md, DPI_F__req_us, &t0)) {
                dpi_md_set_u64(md, DPI_F__req_us, now_us);
            }
        } else if (dpi_md_get_u64(md, DPI_F__req_us, &t0)) {
            dpi_md_remove(md, DPI_F__req_us);
            if (now_us - t0 <= UINT32_MAX
                && dpi_md_set_u64(md, DPI_F_art_us, now_us - t0)) {
                conn->timing |= DPI_CONN_T_ART;
            }
        }
    }
}

/* Feeds 'pkt' (going to the server if 'to_server') to the classifier for
 * 'conn', which is being inspected, and updates its verdict.  The caller
 * holds the connection's stripe. */
static void
dpi_conn_inspect(struct dpi_worker *w, struct dpi_conn *conn,
                 struct dpi_md *md, const struct dpi_pkt *pkt,
                 bool to_server, uint64_t now_us)
{
    struct dpi_engine *e = w->engine;
    uint32_t window = __atomic_load_n(&e->inspect_packets, __ATOMIC_RELAXED);
    struct dpi_verdict v;
    uint16_t by_addr;
    bool final;

    if (conn->inspect) {
        /* If inspection went on with another signature database, whose
         * slot numbers mean nothing in this one, forget them, but keep the
         * stream bytes held so far. */
        dpi_inspect_rebind(conn->inspect, w->sigs->db, w->sigs->gen);
    }
    if (conn->n_inspected >= window
        || !dpi_conn_inspect_begin(e->conns, conn, w->sigs->gen)) {
        dpi_conn_give_up(w, conn);
        return;
    }

    memset(&v, 0, sizeof v);
    v.app_id = conn->app_id;
    by_addr = conn->app_id >= DPI_APP_FIRST_SERVICE ? conn->app_id : 0;
    v.app_proto = conn->app_proto;
    v.state = conn->state;
    final = dpi_classify_packet(w->sigs->db, w->scratch, conn->inspect, pkt,
                                to_server, &conn->key, now_us, md, &v);
    conn->n_inspected++;
    if (by_addr && v.app_id < DPI_APP_FIRST_SERVICE) {
        v.app_id = by_addr;     /* No host name service: keep it. */
    }
    dpi_conn_set_app(w, conn, v.app_id);
    conn->app_proto = v.app_proto;

    if (final && (conn->app_proto
                  || (conn->app_id && conn->app_id != by_addr)
                  || dpi_classify_identified(conn->inspect))) {
        dpi_conn_finish(e, conn, DPI_STATE_DONE);
    } else if (final || conn->n_inspected >= window) {
        /* A service known by address alone is no protocol verdict. */
        dpi_conn_give_up(w, conn);
    }
}

/* Returns the service of address 'addr' at 'now_ms': learned from DNS in
 * zone or VLAN 'domain', else from the address blocks of the signature
 * database of 'w'; 0 if none. */
static uint16_t
dpi_addr_service(struct dpi_worker *w, uint32_t domain,
                 const struct dpi_addr *addr, uint64_t now_ms)
{
    uint16_t app = dpi_dnscache_lookup(w->engine->dnscache, domain, addr,
                                       now_ms);

    return app ? app : dpi_sig_match_addr(w->sigs->db, addr);
}

/* Returns the service of the server address of a new connection whose
 * first packet is 'pkt' (see "Services by address" at the top of this
 * file), or 0. */
static uint16_t
dpi_first_packet_service(struct dpi_worker *w, const struct dpi_pkt *pkt,
                         uint64_t now_ms)
{
    uint8_t syn_ack = pkt->tcp_flags & (DPI_TCP_SYN | DPI_TCP_ACK);
    uint32_t domain = dpi_key_domain(&pkt->key);
    uint16_t app;

    if (dpi_pkt_is_syn(pkt)) {
        return dpi_addr_service(w, domain, &pkt->key.dst, now_ms);
    } else if (pkt->key.proto == DPI_IPPROTO_TCP
               && syn_ack == (DPI_TCP_SYN | DPI_TCP_ACK)) {
        return dpi_addr_service(w, domain, &pkt->key.src, now_ms);
    }
    app = dpi_addr_service(w, domain, &pkt->key.dst, now_ms);
    return app ? app : dpi_addr_service(w, domain, &pkt->key.src, now_ms);
}

/* Handles 'pkt', a TCP SYN without ACK seen at 'now_ms', for 'conn', which
 * has closed (see "Closed connections" in dpi-conn.h): unless it repeats
 * the connection's own first SYN, starts the connection over and returns
 * true, and the caller then treats it as created.  The caller holds the
 * connection's stripe, 'stripe'. */
static bool
dpi_conn_reopen(struct dpi_worker *w, struct dpi_conn_stripe *stripe,
                struct dpi_conn *conn, const struct dpi_pkt *pkt,
                uint64_t now_ms)
{
    struct dpi_engine *e = w->engine;
    struct dpi_md md;
    uint64_t isn;

    dpi_conn_md_load(conn, e->metadata_max, &md);
    if (dpi_md_get_u64(&md, DPI_F__syn_seq, &isn) && isn == pkt->tcp_seq) {
        return false;
    }
    dpi_conn_restart(e->conns, stripe, conn, pkt, now_ms);
    return true;
}

/* Processes the parsed packet 'pkt', seen at 'now_ms', on worker 'w':
 * finds or creates its connection, counts it, inspects its payload if the
 * connection is still being inspected, and stores the connection's verdict
 * in '*verdict'.  See the comment at the top of this file for the
 * verdicts. */
void
dpi_process(struct dpi_worker *w, const struct dpi_pkt *pkt,
            uint64_t now_ms, struct dpi_verdict *verdict)
{
    struct dpi_engine *e = w->engine;
    struct dpi_conn_stripe *stripe;
    struct dpi_pkt frag_pkt;
    struct dpi_conn *conn;
    struct dpi_md md;
    bool created, to_server;
    uint64_t now_us;

    dpi_counter_add(&w->packets, 1);
    if (__atomic_load_n(&e->sig_gen, __ATOMIC_ACQUIRE) != w->sigs->gen) {
        /* dpi_engine_set_signatures() published a new database. */
        dpi_worker_update_sigs(w);
    }

    /* A non-first IP fragment has no ports: give it those of its
     * datagram's first fragment, if that was seen, so that it counts in
     * the datagram's connection (see dpi-frag.h). */
    pkt = dpi_frag_resolve(e->frags, pkt, now_ms, &frag_pkt);

    conn = dpi_conn_table_lookup(e->conns, pkt, now_ms, &created, &stripe);
    if (!conn) {
        verdict->app_id = 0;
        verdict->app_proto = 0;
        verdict->state = DPI_STATE_TRK | DPI_STATE_UNK;
        return;
    }
    if (!created && dpi_pkt_is_syn(pkt) && dpi_conn_is_closed(conn)) {
        created = dpi_conn_reopen(w, stripe, conn, pkt, now_ms);
    }
    if (created) {
        dpi_counter_add(&w->apps[0].flows, 1);
        w->n_created++;
        w->last_created = conn->key;
    }
    dpi_conn_md_load(conn, e->metadata_max, &md);
    to_server = dpi_conn_account(w, conn, pkt, now_ms);
    if (created) {
        uint16_t app = dpi_expect_match(e->expect, &conn->key, now_ms);

        if (app) {
            /* Announced on another connection: its protocol is known. */
            dpi_conn_set_app(w, conn, app);
            conn->app_proto = app;
            dpi_conn_finish(e, conn, DPI_STATE_DONE);
        } else {
            dpi_conn_set_app(w, conn,
                             dpi_first_packet_service(w, pkt, now_ms));
        }
    }
    now_us = pkt->ts_us ? pkt->ts_us : now_ms * 1000;
    if (pkt->key.proto == DPI_IPPROTO_TCP) {
        dpi_conn_compute(conn, &md, pkt, to_server, now_us);
    }

    if (conn->state & DPI_STATE_PEND) {
        uint16_t app = dpi_sig_match_ip_proto(w->sigs->db, pkt->key.proto);

        if (app && pkt->key.proto != DPI_IPPROTO_TCP
            && pkt->key.proto != DPI_IPPROTO_UDP) {
            /* Declared "protocol NAME ip N": the IP protocol says it all. */
            dpi_conn_set_app(w, conn, app);
            conn->app_proto = app;
            dpi_conn_finish(e, conn, DPI_STATE_DONE);
        } else if ((pkt->key.proto != DPI_IPPROTO_TCP
                    && pkt->key.proto != DPI_IPPROTO_UDP)
                   || pkt->is_fragment) {
            dpi_conn_give_up(w, conn);
        } else if (pkt->payload_len && pkt->payload) {
            dpi_conn_inspect(w, conn, &md, pkt, to_server, now_us);
        }
    } else if (conn->state & DPI_STATE_DONE && pkt->payload_len
               && !conn->settled) {
        dpi_classify_follow(conn->app_proto, pkt, to_server, &conn->key,
                            now_us, &md);
    }
    if (conn->app_proto == DPI_APP_dns) {
        dpi_dnscache_learn(e->dnscache, dpi_key_domain(&conn->key),
                           w->sigs->db, w->scratch, &md, now_ms,
                           e->idle_timeout_ms,
                           !to_server && conn->packets[0]);
    } else if (conn->app_proto == DPI_APP_ftp_control) {
        dpi_expect_learn(e->expect, &conn->key, &md, now_ms);
    }
    if (conn->state & DPI_STATE_PEND && dpi_conn_is_closed(conn)) {
        /* No more payload will come. */
        dpi_conn_give_up(w, conn);
    }

    if (!conn->settled && !(conn->state & DPI_STATE_PEND)
        && (pkt->key.proto != DPI_IPPROTO_TCP
            || conn->timing & DPI_CONN_T_ART)) {
        /* Once settled, a connection stays so: its state never goes back
         * to DPI_STATE_PEND, nor does its timing lose DPI_CONN_T_ART, nor
         * does a parser start following it again.  Parsers follow only
         * connections with a protocol verdict (DPI_STATE_DONE): one given
         * up on has nothing more to give, whatever protocol its ports
         * suggest. */
        conn->settled = (conn->state & DPI_STATE_UNK
                         || dpi_classify_settled(conn->app_proto, &md));
    }

    if (dpi_conn_is_closed(conn)) {
        /* So that it expires after the closed timeout. */
        dpi_conn_table_note_closed(stripe, conn);
    }
    dpi_conn_md_store(conn, &md);
    verdict->app_id = conn->app_id;
    verdict->app_proto = conn->app_proto;
    verdict->state = conn->state;
    dpi_conn_table_unlock(stripe);
}

/* Returns true if 'key' is that of a UDP datagram to or from the port of a
 * tunnel that dpi_parse_l3() may remove (VXLAN, GTP-U), or of an IP
 * protocol other than TCP and UDP (GRE and IP-in-IP among them): whether
 * such a packet belongs to the connection 'key' names may depend on its
 * payload. */
static bool
dpi_key_may_tunnel(const struct dpi_key *key)
{
    switch (key->proto) {
    case DPI_IPPROTO_UDP:
        return (key->sport == DPI_PORT_VXLAN || key->dport == DPI_PORT_VXLAN
                || key->sport == DPI_PORT_GTP_U
                || key->dport == DPI_PORT_GTP_U);
    case DPI_IPPROTO_TCP:
        return false;
    default:
        return true;
    }
}

/* Does the work of dpi_engine_lookup() and, with 'always',
 * dpi_engine_count(), which counts the packets even for a connection that
 * has not settled. */
static bool
dpi_engine_lookup__(struct dpi_engine *e, const struct dpi_key *key,
                    uint64_t n_packets, uint64_t n_bytes, uint64_t now_ms,
                    struct dpi_verdict *verdict, bool always)
{
    struct dpi_conn_stripe *stripe;
    struct dpi_conn *conn;
    bool to_server, settled;
    uint16_t app_id;
    int dir;

    if (dpi_key_may_tunnel(key)) {
        return false;
    }
    conn = dpi_conn_table_find(e->conns, key, n_packets > 0, &to_server,
                               &stripe);
    if (!conn) {
        return false;
    }
    if (n_packets && now_ms > conn->last_ms) {
        /* The connection moved to the front of its stripe's LRU list,
         * which expiry expects to be in order of 'last_ms'. */
        conn->last_ms = now_ms;
    }
    settled = conn->settled;
    if (!settled && !always) {
        dpi_conn_table_unlock(stripe);
        return false;
    }

    dir = to_server ? 0 : 1;
    conn->packets[dir] += n_packets;
    conn->bytes[dir] += n_bytes;
    if (settled && verdict) {
        verdict->app_id = conn->app_id;
        verdict->app_proto = conn->app_proto;
        verdict->state = conn->state;
    }
    app_id = conn->app_id;
    dpi_conn_table_unlock(stripe);

    if (n_packets) {
        struct dpi_app_counters *app;

        pthread_mutex_lock(&e->mutex);
        app = &e->retired_apps[dpi_app_index(e, app_id)];
        app->packets += n_packets;
        app->bytes += n_bytes;
        pthread_mutex_unlock(&e->mutex);
    }
    return settled;
}

/* See "Settled connections" in dpi.h. */
bool
dpi_engine_lookup(struct dpi_engine *e, const struct dpi_key *key,
                  uint64_t n_packets, uint64_t n_bytes, uint64_t now_ms,
                  struct dpi_verdict *verdict)
{
    return dpi_engine_lookup__(e, key, n_packets, n_bytes, now_ms, verdict,
                               false);
}

/* See "Settled connections" in dpi.h. */
void
dpi_engine_count(struct dpi_engine *e, const struct dpi_key *key,
                 uint64_t n_packets, uint64_t n_bytes, uint64_t now_ms)
{
    dpi_engine_lookup__(e, key, n_packets, n_bytes, now_ms, NULL, true);
}

/* dpi_conn_table_for_each() callback of dpi_worker_give_up_all(). */
static void
dpi_give_up_cb(struct dpi_conn *conn, void *w_)
{
    if (conn->state & DPI_STATE_PEND) {
        dpi_conn_give_up(w_, conn);
    }
}

/* Ends the inspection of every connection of the engine of 'w' that is
 * still pending, as if its inspection window had closed: see
 * dpi_conn_give_up().  For an offline tool at the end of a capture, when
 * no more packets will come. */
void
dpi_worker_give_up_all(struct dpi_worker *w)
{
    dpi_conn_table_for_each(w->engine->conns, dpi_give_up_cb, w);
}

/* Removes the connections of 'e' idle for the configured timeout at
 * 'now_ms' (and closed TCP connections idle for a shorter time; see
 * dpi_conn_table_expire()).  Returns the number removed.  Their memory is
 * freed by the next dpi_process() calls on their stripes, in the threads
 * that process packets, or else by the next call but one (see "Expired
 * connections' memory" in dpi-conn.h). */
size_t
dpi_engine_expire(struct dpi_engine *e, uint64_t now_ms)
{
    return dpi_conn_table_expire(e->conns, now_ms, e->idle_timeout_ms);
}

/* Calls 'cb' with a snapshot of each connection of 'e' and 'aux'.  The
 * callback runs with no lock of 'e' held and must not call back into
 * 'e'. */
void
dpi_engine_dump(struct dpi_engine *e, dpi_dump_cb *cb, void *aux)
{
    dpi_conn_table_dump(e->conns, cb, aux);
}

/* Stores the counters of 'e' into 'stats'.  'stats->apps' lists, in
 * increasing order of id, the applications with a nonzero counter; the
 * caller frees it with dpi_stats_destroy(). */
void
dpi_engine_get_stats(struct dpi_engine *e, struct dpi_stats *stats)
{
    const struct dpi_conn_table *t = e->conns;
    struct dpi_app_counters *sum;

    memset(stats, 0, sizeof *stats);
    stats->n_flows = dpi_conn_table_n_flows(t);
    stats->max_flows = __atomic_load_n(&t->max_flows, __ATOMIC_RELAXED);
    stats->created = __atomic_load_n(&t->created, __ATOMIC_RELAXED);
    stats->evicted = __atomic_load_n(&t->evicted, __ATOMIC_RELAXED);
    stats->expired = __atomic_load_n(&t->expired, __ATOMIC_RELAXED);

    sum = calloc(e->n_apps, sizeof *sum);
    pthread_mutex_lock(&e->mutex);
    stats->packets = e->retired_packets;
    stats->bad_packets = e->retired_bad;
    if (sum) {
        memcpy(sum, e->retired_apps, e->n_apps * sizeof *sum);
    }
    for (const struct dpi_worker *w = e->workers; w; w = w->next) {
        stats->packets += __atomic_load_n(&w->packets, __ATOMIC_RELAXED);
        stats->bad_packets += __atomic_load_n(&w->bad_packets,
                                              __ATOMIC_RELAXED);
        for (size_t i = 0; sum && i < e->n_apps; i++) {
            const struct dpi_app_counters *c = &w->apps[i];

            sum[i].flows += __atomic_load_n(&c->flows, __ATOMIC_RELAXED);
            sum[i].packets += __atomic_load_n(&c->packets, __ATOMIC_RELAXED);
            sum[i].bytes += __atomic_load_n(&c->bytes, __ATOMIC_RELAXED);
        }
    }
    pthread_mutex_unlock(&e->mutex);

    if (!sum) {
        return;
    }
    stats->apps = malloc(e->n_apps * sizeof *stats->apps);
    if (stats->apps) {
        for (size_t i = 0; i < e->n_apps; i++) {
            if (sum[i].flows || sum[i].packets || sum[i].bytes) {
                struct dpi_app_stats *as = &stats->apps[stats->n_apps++];

                as->app_id = e->app_ids[i];
                as->flows = sum[i].flows;
                as->packets = sum[i].packets;
                as->bytes = sum[i].bytes;
            }
        }
    }
    free(sum);
}

/* Frees the memory that dpi_engine_get_stats() allocated in 'stats'. */
void
dpi_stats_destroy(struct dpi_stats *stats)
{
    if (stats) {
        free(stats->apps);
        stats->apps = NULL;
        stats->n_apps = 0;
    }
}

/* Returns the number of connections of 'e' that currently hold inspection
 * state (for unit tests: it drops when a connection reaches its final
 * verdict). */
uint64_t
dpi_engine_n_inspecting(const struct dpi_engine *e)
{
    return dpi_conn_table_n_inspecting(e->conns);
}
