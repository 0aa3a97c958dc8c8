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

/* Connection table: see dpi-conn.h for the design and its thread-safety
 * rules. */

#include "dpi-conn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "dpi-classify.h"
#include "dpi-hash.h"

_Static_assert(DPI_CONN_N_STRIPES > 0
               && !(DPI_CONN_N_STRIPES & (DPI_CONN_N_STRIPES - 1)),
               "DPI_CONN_N_STRIPES must be a power of 2");
_Static_assert(DPI_CONN_RST < 16 && DPI_ENCAP_ALL < 16,
               "struct dpi_conn keeps its flags and encap bits in 4 bits");
_Static_assert(sizeof(void *) != 8 || sizeof(struct dpi_conn) == 128,
               "struct dpi_conn changed size: update dpi-conn.h");
_Static_assert(offsetof(struct dpi_conn, key) + sizeof(struct dpi_key) <= 64,
               "a connection's hash link and key share its first line");

/* Initial number of hash buckets of a stripe (a power of 2). */
#define DPI_CONN_MIN_BUCKETS 16

/* Hash buckets that a stripe adds at a time, once it holds three quarters
 * as many connections as buckets (see dpi_conn_stripe_split()): a power
 * of 2, at most DPI_CONN_MIN_BUCKETS. */
#define DPI_CONN_SPLIT_BATCH 16
_Static_assert(DPI_CONN_SPLIT_BATCH <= DPI_CONN_MIN_BUCKETS
               && !(DPI_CONN_SPLIT_BATCH & (DPI_CONN_SPLIT_BATCH - 1)),
               "DPI_CONN_SPLIT_BATCH must divide every round's buckets");

/* A TCP connection that saw a RST, or a FIN from both sides, expires after
 * this long without packets (or 'idle_ms', if shorter): late
 * retransmissions and the last ACK still find it. */
#define DPI_CONN_CLOSED_TIMEOUT_MS 10000

/* A full table evicts the least recently used connection of the new
 * connection's own stripe if that stripe holds at least this many (its
 * back is then old enough to stand for the table's); otherwise it looks
 * for the oldest back among a sample of stripes (dpi_conn_evict_oldest()).
 */
#define DPI_CONN_EVICT_LOCAL_MIN 8

/* dpi_conn_evict_oldest() compares the backs of at most this many other
 * non-empty stripes, and gives up after this many of them were busy: it
 * tries at most twice this many locks per new connection. */
#define DPI_CONN_EVICT_SAMPLE 8

/* Number of bits of DPI_CONN_N_STRIPES. */
#define DPI_CONN_STRIPE_BITS (__builtin_ctz(DPI_CONN_N_STRIPES))

/* Most blocks a stripe may have: every index fits in 32 bits. */
#define DPI_CONN_MAX_BLOCKS (UINT32_MAX / DPI_CONN_PER_BLOCK)

/* Most connections dpi_conn_table_expire() takes out of a stripe while
 * holding its mutex once. */
#define DPI_CONN_EXPIRE_BATCH 256

/* Expired connections whose memory dpi_conn_table_lookup() frees, at
 * most, besides the one that a new connection reuses (see "Expired
 * connections' memory" in dpi-conn.h). */
#define DPI_CONN_DRAIN 2

/* About how many connections dpi_conn_table_dump() copies out of a stripe
 * while holding its mutex once, and how many times it starts a stripe over
 * after its buckets shrank before it stops releasing the mutex. */
#define DPI_CONN_DUMP_BATCH 256
#define DPI_CONN_DUMP_RESTARTS 2

/* Unlinks 'conn' from its LRU list in stripe 's'. */
static inline void
dpi_lru_remove(struct dpi_conn_stripe *s, struct dpi_conn *conn)
{
    struct dpi_conn_lru *lru = &s->lru[conn->lru_list];

    if (conn->lru_prev) {
        dpi_conn_at(s, conn->lru_prev)->lru_next = conn->lru_next;
    } else {
        lru->front = conn->lru_next;
    }
    if (conn->lru_next) {
        dpi_conn_at(s, conn->lru_next)->lru_prev = conn->lru_prev;
    } else {
        lru->back = conn->lru_prev;
    }
}

/* Inserts 'conn', whose index is 'idx', at the front of its LRU list in
 * stripe 's'. */
static inline void
dpi_lru_push_front(struct dpi_conn_stripe *s, struct dpi_conn *conn,
                   uint32_t idx)
{
    struct dpi_conn_lru *lru = &s->lru[conn->lru_list];

    conn->lru_prev = 0;
    conn->lru_next = lru->front;
    if (lru->front) {
        dpi_conn_at(s, lru->front)->lru_prev = idx;
    } else {
        lru->back = idx;
    }
    lru->front = idx;
}

/* Returns the index of the first connection of stripe 's' in the order of
 * its LRU lists, one after the other, or 0 if it has none. */
static inline uint32_t
dpi_lru_first(const struct dpi_conn_stripe *s)
{
    uint32_t idx = s->lru[DPI_CONN_LRU_OPEN].front;

    return idx ? idx : s->lru[DPI_CONN_LRU_CLOSED].front;
}

/* Returns the index of the connection after 'conn' of stripe 's' in the
 * order of dpi_lru_first(), or 0 if 'conn' is the last. */
static inline uint32_t
dpi_lru_next(const struct dpi_conn_stripe *s, const struct dpi_conn *conn)
{
    if (conn->lru_next || conn->lru_list == DPI_CONN_LRU_CLOSED) {
        return conn->lru_next;
    }
    return s->lru[DPI_CONN_LRU_CLOSED].front;
}

/* Returns the index of 'conn', a connection of stripe 's', found through
 * its LRU neighbours. */
static inline uint32_t
dpi_lru_index(const struct dpi_conn_stripe *s, const struct dpi_conn *conn)
{
    return (conn->lru_prev
            ? dpi_conn_at(s, conn->lru_prev)->lru_next
            : s->lru[conn->lru_list].front);
}

/* Returns the 128-bit product of 'a' and 'b' with its two halves XORed
 * together: a cheap mix of two 64-bit words in which every bit of either
 * word reaches most bits of the result.  (Without a 128-bit type: two
 * odd-constant multiplications, which lose no bit of either word, and a
 * shift-XOR.) */
static inline uint64_t
dpi_hash_mul_fold(uint64_t a, uint64_t b)
{
#ifdef __SIZEOF_INT128__
    unsigned __int128 p = (unsigned __int128) a * b;

    return (uint64_t) p ^ (uint64_t) (p >> 64);
#else
    uint64_t p = (a * UINT64_C(0x9e3779b97f4a7c15)) ^ b;

    p *= UINT64_C(0xbf58476d1ce4e5b9);
    return p ^ (p >> 31);
#endif
}

/* Returns the hash of one endpoint of a connection, address 'addr' and
 * port 'port', under the random keys 'k'. */
static inline uint64_t
dpi_hash_endpoint(const struct dpi_addr *addr, uint16_t port,
                  const uint64_t k[DPI_CONN_HASH_KEYS])
{
    uint64_t w0, w1;

    memcpy(&w0, &addr->b[0], 8);
    memcpy(&w1, &addr->b[8], 8);
    return dpi_hash_mul_fold(dpi_hash_mul_fold(w0 ^ k[0], w1 ^ k[1])
                             ^ port, k[2]);
}

/* Returns a hash of 'key' under the random keys 'k' that is the same in
 * both directions: the hashes of the two endpoints are added, and addition
 * does not care about their order.  Distinct endpoint pairs collide only
 * as often as two random 64-bit numbers agree.  The 32-bit result gets
 * MurmurHash3's finaliser, so its low bits (bucket index) and its high
 * bits (stripe) are both well mixed. */
static uint32_t
dpi_key_hash(const struct dpi_key *key, const uint64_t k[DPI_CONN_HASH_KEYS])
{
    uint64_t h = (dpi_hash_endpoint(&key->src, key->sport, k)
                  + dpi_hash_endpoint(&key->dst, key->dport, k));

    h = dpi_hash_mul_fold(h ^ (((uint64_t) dpi_key_domain(key) << 16)
                               | ((uint64_t) key->proto << 8)
                               | key->ipv6),
                          k[3]);
    return dpi_hash_fmix32((uint32_t) h ^ (uint32_t) (h >> 32));
}

/* How a packet's key relates to a connection's key. */
enum dpi_key_match {
    DPI_KEY_NO_MATCH,           /* Another connection. */
    DPI_KEY_SAME_DIR,           /* Same connection, client to server. */
    DPI_KEY_REVERSE_DIR,        /* Same connection, server to client. */
};

/* Compares the connection key 'ck' with the packet key 'pk'. */
static enum dpi_key_match
dpi_key_match(const struct dpi_key *ck, const struct dpi_key *pk)
{
    if (ck->proto != pk->proto || ck->ipv6 != pk->ipv6
        || dpi_key_domain(ck) != dpi_key_domain(pk)) {
        return DPI_KEY_NO_MATCH;
    }
    if (ck->sport == pk->sport && ck->dport == pk->dport
        && !memcmp(&ck->src, &pk->src, sizeof ck->src)
        && !memcmp(&ck->dst, &pk->dst, sizeof ck->dst)) {
        return DPI_KEY_SAME_DIR;
    }
    if (ck->sport == pk->dport && ck->dport == pk->sport
        && !memcmp(&ck->src, &pk->dst, sizeof ck->src)
        && !memcmp(&ck->dst, &pk->src, sizeof ck->dst)) {
        return DPI_KEY_REVERSE_DIR;
    }
    return DPI_KEY_NO_MATCH;
}

/* Stores in 'out' the key 'in' with source and destination swapped. */
static void
dpi_key_reverse(struct dpi_key *out, const struct dpi_key *in)
{
    *out = *in;
    out->src = in->dst;
    out->dst = in->src;
    out->sport = in->dport;
    out->dport = in->sport;
}

/* Fills 'k' with random keys for dpi_key_hash(): from getrandom(), or if
 * that fails, from the clock and the process id, spread by SplitMix64's
 * steps.  The multipliers (k[2] and k[3]) are made odd. */
static void
dpi_random_hash_keys(uint64_t k[DPI_CONN_HASH_KEYS])
{
    uint64_t seed;

    if (getrandom(&seed, sizeof seed, GRND_NONBLOCK) != sizeof seed) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        seed = ((uint64_t) ts.tv_sec << 32) ^ (uint64_t) ts.tv_nsec
               ^ ((uint64_t) getpid() << 16);
    }
    for (int i = 0; i < DPI_CONN_HASH_KEYS; i++) {
        uint64_t z = (seed += UINT64_C(0x9e3779b97f4a7c15));

        z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
        k[i] = z ^ (z >> 31);
    }
    k[2] |= 1;
    k[3] |= 1;
}

/* Creates an empty connection table of capacity 'max_flows'.  Returns NULL
 * if memory is short. */
struct dpi_conn_table *
dpi_conn_table_create(uint32_t max_flows)
{
    struct dpi_conn_table *t;

    if (posix_memalign((void **) &t, 64, sizeof *t)) {
        return NULL;
    }
    memset(t, 0, sizeof *t);
    for (size_t i = 0; i < DPI_CONN_N_STRIPES; i++) {
        struct dpi_conn_stripe *s = &t->stripes[i];

        pthread_mutex_init(&s->mutex, NULL);
        s->buckets = calloc(DPI_CONN_MIN_BUCKETS, sizeof *s->buckets);
        if (!s->buckets) {
            for (size_t j = 0; j <= i; j++) {
                pthread_mutex_destroy(&t->stripes[j].mutex);
                free(t->stripes[j].buckets);
            }
            free(t);
            return NULL;
        }
        s->mask = DPI_CONN_MIN_BUCKETS - 1;
    }
    dpi_random_hash_keys(t->hash_keys);
    t->max_flows = max_flows;
    t->dump_batch = DPI_CONN_DUMP_BATCH;
    t->dump_restarts = DPI_CONN_DUMP_RESTARTS;
    return t;
}

/* Adds a block of connections to the free list of stripe 's', whose mutex
 * the caller holds.  Returns false if memory is short or the stripe has as
 * many blocks as indexes can name. */
static bool
dpi_conn_add_block(struct dpi_conn_stripe *s)
{
    uint32_t n = s->n_blocks;
    struct dpi_conn *b;

    if (n >= DPI_CONN_MAX_BLOCKS) {
        return false;
    }
    if (!(n & (n - 1))) {
        /* 'blocks' has room for a power of 2 of them: double it. */
        struct dpi_conn **blocks = realloc(s->blocks,
                                           (n ? 2 * n : 1) * sizeof *blocks);

        if (!blocks) {
            return false;
        }
        s->blocks = blocks;
    }
    if (posix_memalign((void **) &b, 64, DPI_CONN_PER_BLOCK * sizeof *b)) {
        return false;
    }
    s->blocks[n] = b;
    s->n_blocks = n + 1;
    for (uint32_t i = DPI_CONN_PER_BLOCK; i-- > 0;) {
        b[i].hnext = s->free;
        s->free = n * DPI_CONN_PER_BLOCK + i + 1;
        s->n_free++;
        ASAN_POISON_MEMORY_REGION(&b[i], sizeof b[i]);
    }
    return true;
}

/* Frees 'block', a block of DPI_CONN_PER_BLOCK connections that no stripe
 * uses. */
static void
dpi_conn_block_free(struct dpi_conn *block)
{
    ASAN_UNPOISON_MEMORY_REGION(block, DPI_CONN_PER_BLOCK * sizeof *block);
    free(block);
}

/* Frees what 'conn' owns: its inspection state and its metadata.  'conn'
 * must already be out of its stripe's table and lists. */
static void
dpi_conn_release(struct dpi_conn_table *t, struct dpi_conn *conn)
{
    dpi_conn_inspect_end(t, conn);
    free(conn->md_buf);
    conn->md_buf = NULL;
    conn->md_len = 0;
}

/* Puts 'conn', released, whose index is 'idx', back on the free list of
 * stripe 's', whose mutex the caller holds. */
static void
dpi_conn_put(struct dpi_conn_stripe *s, struct dpi_conn *conn, uint32_t idx)
{
    conn->hnext = s->free;
    s->free = idx;
    s->n_free++;
    ASAN_POISON_MEMORY_REGION(conn, sizeof *conn);
}

/* Frees the memory of up to 'max' expired connections of stripe 's' of
 * 't' (whose mutex the caller holds), those of the older list first, and
 * puts them on its free list (see "Expired connections' memory" in
 * dpi-conn.h). */
static void
dpi_conn_stale_drain(struct dpi_conn_table *t, struct dpi_conn_stripe *s,
                     uint32_t max)
{
    for (int i = 1; i >= 0 && max; i--) {
        for (; s->stale[i] && max; max--) {
            uint32_t idx = s->stale[i];
            struct dpi_conn *conn = dpi_conn_at(s, idx);

            ASAN_UNPOISON_MEMORY_REGION(conn, sizeof *conn);
            s->stale[i] = conn->hnext;
            s->n_stale[i]--;
            dpi_conn_release(t, conn);
            dpi_conn_put(s, conn, idx);
        }
    }
}

/* Takes a connection out of the free list of stripe 's' of 't' (whose
 * mutex the caller holds), adding a block if the list is empty, and
 * stores its index in '*idxp'; if the stripe has expired connections that
 * still own memory, it first frees that of the oldest, which joins the
 * free list.  The connection is uninitialised.  Returns NULL if memory is
 * short. */
static struct dpi_conn *
dpi_conn_alloc(struct dpi_conn_table *t, struct dpi_conn_stripe *s,
               uint32_t *idxp)
{
    struct dpi_conn *conn;

    /* Reuse an expired connection, if any, freeing its memory here. */
    dpi_conn_stale_drain(t, s, 1);
    if (!s->free && !dpi_conn_add_block(s)) {
        return NULL;
    }
    *idxp = s->free;
    conn = dpi_conn_at(s, s->free);
    ASAN_UNPOISON_MEMORY_REGION(conn, sizeof *conn);
    s->free = conn->hnext;
    s->n_free--;
    return conn;
}

/* Destroys 't' and every connection in it.  Nothing else may use 't'
 * concurrently. */
void
dpi_conn_table_destroy(struct dpi_conn_table *t)
{
    if (!t) {
        return;
    }
    for (size_t i = 0; i < DPI_CONN_N_STRIPES; i++) {
        struct dpi_conn_stripe *s = &t->stripes[i];

        for (uint32_t idx = dpi_lru_first(s); idx;) {
            struct dpi_conn *conn = dpi_conn_at(s, idx);

            idx = dpi_lru_next(s, conn);
            dpi_conn_release(t, conn);
        }
        dpi_conn_stale_drain(t, s, UINT32_MAX);
        for (uint32_t j = 0; j < s->n_blocks; j++) {
            dpi_conn_block_free(s->blocks[j]);
        }
        free(s->blocks);
        free(s->buckets);
        pthread_mutex_destroy(&s->mutex);
    }
    free(t);
}

/* Returns the number of hash buckets of stripe 's', whose mutex the
 * caller holds. */
static inline uint32_t
dpi_conn_n_buckets(const struct dpi_conn_stripe *s)
{
    return s->mask + 1 + s->split;
}

/* Returns the number of connections at which a stripe with 'n_buckets'
 * hash buckets splits some before it takes a new connection (see
 * dpi_conn_stripe_split()): three quarters of them. */
static inline uint32_t
dpi_conn_split_load(uint32_t n_buckets)
{
    return n_buckets - n_buckets / 4;
}

/* Returns the hash bucket of stripe 's' (whose mutex the caller holds) for
 * a connection whose hash is 'hash': the bucket that 'hash' masked by
 * 's->mask' names, or, if that bucket was split already in this round, the
 * one of the two halves that the next bit of 'hash' names.  (Without a
 * branch, which random hashes would mispredict.) */
static inline uint32_t
dpi_conn_bucket(const struct dpi_conn_stripe *s, uint32_t hash)
{
    uint32_t b = hash & s->mask;

    return b | (hash & (s->mask + 1) & -(uint32_t) (b < s->split));
}

/* Returns the link (bucket or 'hnext') that names 'conn', whose index is
 * 'idx', in the hash chain of stripe 's' of 't' (whose mutex the caller
 * holds). */
static uint32_t *
dpi_conn_hash_link(struct dpi_conn_table *t, struct dpi_conn_stripe *s,
                   const struct dpi_conn *conn, uint32_t idx)
{
    uint32_t hash = dpi_key_hash(&conn->key, t->hash_keys);
    uint32_t *p = &s->buckets[dpi_conn_bucket(s, hash)];

    while (*p != idx) {
        p = &dpi_conn_at(s, *p)->hnext;
    }
    return p;
}

/* Removes 'conn', whose index is 'idx', from stripe 's' of 't' (whose
 * mutex the caller holds) without freeing it or touching the table-wide
 * counters. */
static void
dpi_conn_unlink(struct dpi_conn_table *t, struct dpi_conn_stripe *s,
                struct dpi_conn *conn, uint32_t idx)
{
    *dpi_conn_hash_link(t, s, conn, idx) = conn->hnext;
    dpi_lru_remove(s, conn);
    __atomic_store_n(&s->n, s->n - 1, __ATOMIC_RELAXED);
}

/* Returns the index of the least recently used connection of the
 * non-empty stripe 's', whose mutex the caller holds: the older of the
 * backs of its LRU lists (the closed one's if they tie). */
static uint32_t
dpi_conn_stripe_lru(const struct dpi_conn_stripe *s)
{
    uint32_t open = s->lru[DPI_CONN_LRU_OPEN].back;
    uint32_t closed = s->lru[DPI_CONN_LRU_CLOSED].back;

    if (!open || !closed) {
        return open ? open : closed;
    }
    return (dpi_conn_at(s, open)->last_ms < dpi_conn_at(s, closed)->last_ms
            ? open : closed);
}

/* Removes and frees the least recently used connection of stripe 's',
 * whose mutex the caller holds.  's' must not be empty.  The table-wide
 * 'n_flows' is left alone: the caller decides what to do with the slot. */
static void
dpi_conn_evict_lru(struct dpi_conn_table *t, struct dpi_conn_stripe *s)
{
    uint32_t idx = dpi_conn_stripe_lru(s);
    struct dpi_conn *conn = dpi_conn_at(s, idx);

    dpi_conn_unlink(t, s, conn, idx);
    dpi_conn_release(t, conn);
    dpi_conn_put(s, conn, idx);
    __atomic_add_fetch(&t->evicted, 1, __ATOMIC_RELAXED);
}

/* Returns the time of the latest packet of the least recently used
 * connection of the non-empty stripe 's', whose mutex the caller holds. */
static uint64_t
dpi_conn_stripe_oldest_ms(struct dpi_conn_stripe *s)
{
    return dpi_conn_at(s, dpi_conn_stripe_lru(s))->last_ms;
}

/* Evicts the connection seen the longest ago among the least recently used
 * connections of 'own' (whose mutex the caller holds; it wins a tie) and of
 * a sample of other stripes: walking the stripes from the shared cursor,
 * the first DPI_CONN_EVICT_SAMPLE non-empty ones that can be locked
 * without waiting, skipping (without locking) the empty ones and giving up
 * after DPI_CONN_EVICT_SAMPLE busy ones.  Returns false if there was
 * nothing to evict: 'own' is empty and no other non-empty stripe could be
 * locked. */
static bool
dpi_conn_evict_oldest(struct dpi_conn_table *t, struct dpi_conn_stripe *own)
{
    struct dpi_conn_stripe *best = own->n ? own : NULL;
    uint64_t best_ms = best ? dpi_conn_stripe_oldest_ms(own) : UINT64_MAX;
    uint32_t start = __atomic_fetch_add(&t->evict_cursor,
                                        DPI_CONN_EVICT_SAMPLE,
                                        __ATOMIC_RELAXED);
    size_t n_locked = 0, n_busy = 0;

    /* The best other stripe so far stays locked until a better one is
     * found, so that its back is still the one compared.  Only trylock is
     * used while 'own' is held, so no lock order is needed.  A stripe's
     * 'n' is peeked at without its lock: a stale value only makes the walk
     * skip a stripe that just filled or lock one that just emptied. */
    for (size_t i = 0; (i < DPI_CONN_N_STRIPES
                        && n_locked < DPI_CONN_EVICT_SAMPLE
                        && n_busy < DPI_CONN_EVICT_SAMPLE); i++) {
        struct dpi_conn_stripe *s
            = &t->stripes[(start + i) % DPI_CONN_N_STRIPES];

        if (s == own || !__atomic_load_n(&s->n, __ATOMIC_RELAXED)) {
            continue;
        }
        if (pthread_mutex_trylock(&s->mutex)) {
            n_busy++;
            continue;
        }
        n_locked++;
        if (s->n && dpi_conn_stripe_oldest_ms(s) < best_ms) {
            if (best && best != own) {
                pthread_mutex_unlock(&best->mutex);
            }
            best = s;
            best_ms = dpi_conn_stripe_oldest_ms(s);
        } else {
            pthread_mutex_unlock(&s->mutex);
        }
    }
    if (!best) {
        return false;
    }
    dpi_conn_evict_lru(t, best);
    if (best != own) {
        pthread_mutex_unlock(&best->mutex);
    }
    return true;
}

/* Takes one connection off the table-wide count of 't' if it is above the
 * limit, for the caller to evict.  Returns false, changing nothing, if the
 * count is within the limit.  Only ever decrementing while the count is
 * over the limit, it never takes away a concurrent creator's slot. */
static bool
dpi_conn_take_excess(struct dpi_conn_table *t)
{
    uint32_t max = __atomic_load_n(&t->max_flows, __ATOMIC_RELAXED);
    uint32_t n = __atomic_load_n(&t->n_flows, __ATOMIC_RELAXED);

    while (n > max) {
        if (__atomic_compare_exchange_n(&t->n_flows, &n, n - 1, true,
                                        __ATOMIC_RELAXED,
                                        __ATOMIC_RELAXED)) {
            return true;
        }
    }
    return false;
}

/* Obtains a slot for a new connection in stripe 's', whose mutex the caller
 * holds: a free one if the table is not full, otherwise that of an evicted
 * connection.  Returns false if no slot can be had. */
static bool
dpi_conn_reserve_slot(struct dpi_conn_table *t, struct dpi_conn_stripe *s)
{
    uint32_t n = __atomic_load_n(&t->n_flows, __ATOMIC_RELAXED);
    uint32_t max;

    for (;;) {
        max = __atomic_load_n(&t->max_flows, __ATOMIC_RELAXED);
        if (n >= max) {
            break;
        }
        if (__atomic_compare_exchange_n(&t->n_flows, &n, n + 1, true,
                                        __ATOMIC_SEQ_CST,
                                        __ATOMIC_RELAXED)) {
            /* dpi_conn_table_set_max() may have lowered 'max_flows' since
             * it was read, and finished evicting before this slot was
             * counted.  It stores the limit before it reads 'n_flows', and
             * this thread counted the slot before reading the limit again,
             * all sequentially consistent, so at least one of the two sees
             * the other: set_max evicts for this slot, or this thread
             * gives the slot back and tries again (if both happen, the
             * second try finds the room set_max made). */
            max = __atomic_load_n(&t->max_flows, __ATOMIC_SEQ_CST);
            if (n < max) {
                return true;
            }
            n = __atomic_sub_fetch(&t->n_flows, 1, __ATOMIC_RELAXED);
        }
    }
    if (!max) {
        return false;
    }

    /* The table is full: take over the slot of an evicted connection.  A
     * stripe with few connections may hold only recent ones (a small
     * table has a connection or none in most stripes), so its back is
     * evicted only if it is the oldest of a sample of stripes' backs. */
    if (s->n >= DPI_CONN_EVICT_LOCAL_MIN) {
        dpi_conn_evict_lru(t, s);
    } else if (!dpi_conn_evict_oldest(t, s)) {
        return false;
    }

    /* A table above its limit (dpi_conn_table_set_max() lowered it while
     * creations kept moving the excess between stripes) would stay there,
     * one eviction per creation: shed one more connection. */
    if (dpi_conn_take_excess(t) && !dpi_conn_evict_oldest(t, s)) {
        __atomic_add_fetch(&t->n_flows, 1, __ATOMIC_RELAXED);
    }
    return true;
}

/* Rehashes all the connections of stripe 's' of 't', whose mutex the
 * caller holds, into 'n_buckets' buckets (a power of 2), a new round with
 * none split.  Returns the old buckets, for the caller to free.  On
 * allocation failure, keeps the old buckets and returns NULL. */
static uint32_t *
dpi_conn_stripe_rehash(struct dpi_conn_table *t, struct dpi_conn_stripe *s,
                       uint32_t n_buckets)
{
    uint32_t *buckets = calloc(n_buckets, sizeof *buckets);
    uint32_t *old = s->buckets;

    if (!buckets) {
        return NULL;
    }
    for (uint32_t i = 0; i < dpi_conn_n_buckets(s); i++) {
        uint32_t idx, next;

        for (idx = s->buckets[i]; idx; idx = next) {
            struct dpi_conn *conn = dpi_conn_at(s, idx);
            uint32_t hash = dpi_key_hash(&conn->key, t->hash_keys);
            uint32_t *b = &buckets[hash & (n_buckets - 1)];

            next = conn->hnext;
            conn->hnext = *b;
            *b = idx;
        }
    }
    s->buckets = buckets;
    s->mask = n_buckets - 1;
    s->split = 0;
    return old;
}

/* Adds DPI_CONN_SPLIT_BATCH hash buckets to stripe 's' of 't', whose
 * mutex the caller holds, by splitting as many buckets of the current
 * round, the first ones not split yet: the connections of each whose hash
 * has the bit above 's->mask' set move to its new half, 's->mask' + 1
 * buckets after it.  Once every bucket of the round is split, the next
 * round starts with twice as many.  So a stripe's buckets grow with its
 * connections, a few chains rehashed at a time, never all at once.  The
 * chains split together have their first connections prefetched, so that
 * their cache misses overlap.  On allocation failure, or at 2^30 buckets,
 * adds none (chains just get longer). */
static void
dpi_conn_stripe_split(struct dpi_conn_table *t, struct dpi_conn_stripe *s)
{
    uint32_t low = s->mask + 1;
    uint32_t step = (low / 4 > DPI_CONN_SPLIT_BATCH
                     ? low / 4 : DPI_CONN_SPLIT_BATCH);
    uint32_t heads[DPI_CONN_SPLIT_BATCH];

    /* 'low' is a power of 2 and at least DPI_CONN_SPLIT_BATCH, so 'split'
     * goes by whole batches and meets each multiple of 'step'.  There the
     * array grows by 'step' buckets (a copy of at most 4 bytes per bucket,
     * which glibc spares big arrays that it maps by themselves). */
    if (!(s->split % step)) {
        uint32_t *buckets;

        if (low >= UINT32_C(1) << 30) {
            return;
        }
        buckets = realloc(s->buckets, ((size_t) low + s->split + step)
                                      * sizeof *buckets);
        if (!buckets) {
            return;
        }
        s->buckets = buckets;
    }

    for (uint32_t i = 0; i < DPI_CONN_SPLIT_BATCH; i++) {
        heads[i] = s->buckets[s->split + i];
        if (heads[i]) {
            __builtin_prefetch(dpi_conn_at(s, heads[i]));
        }
    }
    for (uint32_t i = 0; i < DPI_CONN_SPLIT_BATCH; i++) {
        uint32_t *keep = &s->buckets[s->split + i];
        uint32_t *move = &s->buckets[s->split + i + low];
        uint32_t idx, next;

        *keep = *move = 0;
        for (idx = heads[i]; idx; idx = next) {
            struct dpi_conn *conn = dpi_conn_at(s, idx);
            uint32_t hash = dpi_key_hash(&conn->key, t->hash_keys);

            next = conn->hnext;
            conn->hnext = 0;
            if (hash & low) {
                *move = idx;
                move = &conn->hnext;
            } else {
                *keep = idx;
                keep = &conn->hnext;
            }
        }
    }
    s->split += DPI_CONN_SPLIT_BATCH;
    if (s->split == low) {
        s->mask = 2 * low - 1;
        s->split = 0;
    }
}

/* Moves the connection at index 'from' of stripe 's' of 't' (whose mutex
 * the caller holds) to the free slot 'to', taken off the free list by the
 * caller, and relinks its hash chain and LRU neighbours to it.  The slot
 * 'from' is left out of every list. */
static void
dpi_conn_move(struct dpi_conn_table *t, struct dpi_conn_stripe *s,
              uint32_t from, uint32_t to)
{
    struct dpi_conn *src = dpi_conn_at(s, from);
    struct dpi_conn *dst = dpi_conn_at(s, to);

    ASAN_UNPOISON_MEMORY_REGION(dst, sizeof *dst);
    *dst = *src;
    *dpi_conn_hash_link(t, s, src, from) = to;
    if (dst->lru_prev) {
        dpi_conn_at(s, dst->lru_prev)->lru_next = to;
    } else {
        s->lru[dst->lru_list].front = to;
    }
    if (dst->lru_next) {
        dpi_conn_at(s, dst->lru_next)->lru_prev = to;
    } else {
        s->lru[dst->lru_list].back = to;
    }
    ASAN_POISON_MEMORY_REGION(src, sizeof *src);
}

/* Returns true if bit 'i' of 'bits' is set. */
static bool
dpi_conn_bit_get(const uint64_t *bits, uint32_t i)
{
    return (bits[i / 64] >> (i % 64)) & 1;
}

/* Sets bit 'i' of 'bits'. */
static void
dpi_conn_bit_set(uint64_t *bits, uint32_t i)
{
    bits[i / 64] |= UINT64_C(1) << (i % 64);
}

/* What dpi_conn_stripe_trim() took out of a stripe, for the caller to
 * free with dpi_conn_trash_free() once it has released the stripe's mutex:
 * the freeing of big chunks may make the C library tidy up its free lists
 * (glibc consolidates them), which should not hold up the stripe. */
struct dpi_conn_trash {
    struct dpi_conn **blocks;   /* Blocks given back, or NULL. */
    size_t n_blocks;            /* Number of elements in 'blocks'. */
    uint32_t *buckets;          /* Old hash buckets, or NULL. */
};

/* Frees what 'trash' holds. */
static void
dpi_conn_trash_free(struct dpi_conn_trash *trash)
{
    for (size_t i = 0; i < trash->n_blocks; i++) {
        dpi_conn_block_free(trash->blocks[i]);
    }
    free(trash->blocks);
    free(trash->buckets);
}

/* Gives back the memory that stripe 's' of 't' (whose mutex the caller
 * holds) no longer needs for its connections: it moves the connections of
 * its last blocks into free slots of the first ones, takes out the blocks
 * left empty, down to as few as hold its connections, and, if they hold
 * few enough for an earlier round, rehashes them into fewer buckets.  It
 * touches the stripe's connections and the slots of the blocks it keeps,
 * not those of the blocks it gives back.  Stores in '*trash' the blocks
 * and the old buckets, for the caller to free after releasing the mutex
 * (if memory is short for the array of blocks, the blocks are freed at
 * once instead).
 *
 * It first frees the memory of the stripe's expired connections and puts
 * them on the free list.  A slot that is then neither free nor a
 * connection of the stripe belongs to an expired connection that
 * dpi_conn_table_expire() took out to free its memory and will put back
 * on the free list once the mutex is free again.  While there is one, the
 * stripe keeps its blocks.  So it does if memory is short for the map of
 * its slots. */
static void
dpi_conn_stripe_trim(struct dpi_conn_table *t, struct dpi_conn_stripe *s,
                     struct dpi_conn_trash *trash)
{
    uint32_t keep = (s->n + DPI_CONN_PER_BLOCK - 1) / DPI_CONN_PER_BLOCK;
    uint32_t limit = keep * DPI_CONN_PER_BLOCK;
    uint32_t n_slots = s->n_blocks * DPI_CONN_PER_BLOCK;
    uint32_t n_buckets = DPI_CONN_MIN_BUCKETS;
    uint64_t *used;

    memset(trash, 0, sizeof *trash);
    dpi_conn_stale_drain(t, s, UINT32_MAX);
    if (keep < s->n_blocks && s->n + s->n_free == n_slots
        && (used = calloc(n_slots / 64 + 1, sizeof *used))) {
        uint32_t idx, next, to = 0, room = 1;
        struct dpi_conn **blocks;

        /* With no slot taken out, a slot is free if and only if no
         * connection of the stripe is there. */
        for (idx = dpi_lru_first(s); idx;
             idx = dpi_lru_next(s, dpi_conn_at(s, idx))) {
            dpi_conn_bit_set(used, idx - 1);
        }

        /* Move the connections beyond the first 'keep' blocks into the
         * free slots of these, which have room for all of them. */
        for (idx = dpi_lru_first(s); idx; idx = next) {
            next = dpi_lru_next(s, dpi_conn_at(s, idx));
            if (idx > limit) {
                do {
                    to++;
                } while (dpi_conn_bit_get(used, to - 1));
                dpi_conn_bit_set(used, to - 1);
                dpi_conn_move(t, s, idx, to);
            }
        }

        /* The free list becomes the free slots of those blocks. */
        s->free = 0;
        s->n_free = 0;
        for (idx = limit; idx > 0; idx--) {
            if (!dpi_conn_bit_get(used, idx - 1)) {
                struct dpi_conn *conn = dpi_conn_at(s, idx);

                ASAN_UNPOISON_MEMORY_REGION(conn, sizeof *conn);
                dpi_conn_put(s, conn, idx);
            }
        }
        free(used);

        trash->blocks = malloc((s->n_blocks - keep) * sizeof *trash->blocks);
        if (trash->blocks) {
            trash->n_blocks = s->n_blocks - keep;
            memcpy(trash->blocks, &s->blocks[keep],
                   trash->n_blocks * sizeof *trash->blocks);
        } else {
            for (uint32_t i = keep; i < s->n_blocks; i++) {
                dpi_conn_block_free(s->blocks[i]);
            }
        }
        s->n_blocks = keep;

        /* dpi_conn_add_block() doubles 'blocks' when it holds a power of
         * 2 of them, so it needs room for the next power of 2. */
        while (room < keep) {
            room *= 2;
        }
        if (!keep) {
            free(s->blocks);
            s->blocks = NULL;
        } else if ((blocks = realloc(s->blocks, room * sizeof *blocks))) {
            s->blocks = blocks;
        }
    }

    /* The fewest buckets, a power of 2, that hold the connections within
     * the load at which the stripe splits buckets: rehashing into them is
     * worth it only if that starts an earlier round, not to undo part of
     * this one's splits. */
    while (s->n > dpi_conn_split_load(n_buckets)) {
        n_buckets *= 2;
    }
    if (n_buckets < s->mask + 1) {
        trash->buckets = dpi_conn_stripe_rehash(t, s, n_buckets);
    }
}

/* Initialises the new connection 'conn' for the first packet 'pkt' seen at
 * 'now_ms', choosing its client (see dpi-conn.h). */
static void
dpi_conn_init(struct dpi_conn *conn, const struct dpi_pkt *pkt,
              uint64_t now_ms)
{
    const struct dpi_key *k = &pkt->key;
    bool syn_only = (k->proto == 6
                     && (pkt->tcp_flags & 0x12) == 0x02);

    memset(conn, 0, sizeof *conn);
    if (!syn_only && (k->proto == 6 || k->proto == 17)
        && k->sport < 1024 && k->dport >= 1024) {
        dpi_key_reverse(&conn->key, k);
    } else {
        conn->key = *k;
    }
    if (syn_only) {
        conn->flags |= DPI_CONN_SYN_DIR;
    }
    conn->state = DPI_STATE_TRK | DPI_STATE_PEND;
    conn->first_ms = conn->last_ms = now_ms;
}

/* Returns the connection of stripe 's' (whose mutex the caller holds) with
 * key 'key' in either direction, whose hash is 'hash', or NULL if there is
 * none.  With 'touch', a connection found becomes the most recently used
 * of 's'. */
static struct dpi_conn *
dpi_conn_find__(struct dpi_conn_stripe *s, const struct dpi_key *key,
                uint32_t hash, bool touch)
{
    struct dpi_conn *conn;
    uint32_t idx;

    for (idx = s->buckets[dpi_conn_bucket(s, hash)]; idx;
         idx = conn->hnext) {
        conn = dpi_conn_at(s, idx);
        if (dpi_key_match(&conn->key, key) != DPI_KEY_NO_MATCH) {
            /* A connection already at the front stays there, sparing
             * the writes to its neighbours for back-to-back packets. */
            if (touch && s->lru[conn->lru_list].front != idx) {
                dpi_lru_remove(s, conn);
                dpi_lru_push_front(s, conn, idx);
            }
            return conn;
        }
    }
    return NULL;
}

/* Finds the connection of 'pkt' or, if there is none, creates it (setting
 * '*created' to true).  On success returns the connection with its stripe
 * locked and the stripe in '*stripep': the caller must release it with
 * dpi_conn_table_unlock().  The connection becomes the most recently used
 * of its stripe; its counters are not updated.  Returns NULL, with nothing
 * locked, if the connection is new and cannot be created (table full with
 * nothing evictable, or out of memory). */
struct dpi_conn *
dpi_conn_table_lookup(struct dpi_conn_table *t, const struct dpi_pkt *pkt,
                      uint64_t now_ms, bool *created,
                      struct dpi_conn_stripe **stripep)
{
    uint32_t hash = dpi_key_hash(&pkt->key, t->hash_keys);
    struct dpi_conn_stripe *s
        = &t->stripes[hash >> (32 - DPI_CONN_STRIPE_BITS)];
    struct dpi_conn *conn;
    uint32_t idx, bucket;

    pthread_mutex_lock(&s->mutex);
    if (s->n_stale[0] || s->n_stale[1]) {
        dpi_conn_stale_drain(t, s, DPI_CONN_DRAIN);
    }
    conn = dpi_conn_find__(s, &pkt->key, hash, true);
    if (conn) {
        *created = false;
        *stripep = s;
        return conn;
    }

    if (!dpi_conn_reserve_slot(t, s)) {
        pthread_mutex_unlock(&s->mutex);
        return NULL;
    }
    conn = dpi_conn_alloc(t, s, &idx);
    if (!conn) {
        __atomic_sub_fetch(&t->n_flows, 1, __ATOMIC_RELAXED);
        pthread_mutex_unlock(&s->mutex);
        return NULL;
    }
    dpi_conn_init(conn, pkt, now_ms);

    if (s->n >= dpi_conn_split_load(dpi_conn_n_buckets(s))) {
        dpi_conn_stripe_split(t, s);
    }
    bucket = dpi_conn_bucket(s, hash);
    conn->hnext = s->buckets[bucket];
    s->buckets[bucket] = idx;
    dpi_lru_push_front(s, conn, idx);
    __atomic_store_n(&s->n, s->n + 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&t->created, 1, __ATOMIC_RELAXED);

    *created = true;
    *stripep = s;
    return conn;
}

/* Finds the connection with key 'key' (in either direction) in 't',
 * without creating it.  If there is one, returns it with its stripe locked
 * and the stripe in '*stripep', as dpi_conn_table_lookup() does, and sets
 * '*to_server' to whether 'key' is the client to server direction; with
 * 'touch', the connection becomes the most recently used of its stripe
 * (the caller then must update its 'last_ms').  Returns NULL, with nothing
 * locked, if there is none. */
struct dpi_conn *
dpi_conn_table_find(struct dpi_conn_table *t, const struct dpi_key *key,
                    bool touch, bool *to_server,
                    struct dpi_conn_stripe **stripep)
{
    uint32_t hash = dpi_key_hash(key, t->hash_keys);
    struct dpi_conn_stripe *s
        = &t->stripes[hash >> (32 - DPI_CONN_STRIPE_BITS)];
    struct dpi_conn *conn;

    pthread_mutex_lock(&s->mutex);
    conn = dpi_conn_find__(s, key, hash, touch);
    if (!conn) {
        pthread_mutex_unlock(&s->mutex);
        return NULL;
    }
    *to_server = dpi_key_match(&conn->key, key) == DPI_KEY_SAME_DIR;
    *stripep = s;
    return conn;
}

/* Releases the stripe that dpi_conn_table_lookup() or
 * dpi_conn_table_find() locked. */
void
dpi_conn_table_unlock(struct dpi_conn_stripe *s)
{
    pthread_mutex_unlock(&s->mutex);
}

/* Moves 'conn', a connection of stripe 's' (whose mutex the caller holds)
 * that has closed (dpi_conn_is_closed()), to the front of the stripe's
 * list of closed connections, if it is not on that list yet, so that it
 * expires after DPI_CONN_CLOSED_TIMEOUT_MS (see "Closed connections" in
 * dpi-conn.h).  The engine calls it for a connection that a packet
 * closed, before releasing its stripe. */
void
dpi_conn_table_note_closed(struct dpi_conn_stripe *s, struct dpi_conn *conn)
{
    if (conn->lru_list != DPI_CONN_LRU_CLOSED) {
        uint32_t idx = dpi_lru_index(s, conn);

        dpi_lru_remove(s, conn);
        conn->lru_list = DPI_CONN_LRU_CLOSED;
        dpi_lru_push_front(s, conn, idx);
    }
}

/* Makes closed connection 'conn' of stripe 's' a new one for 'pkt', a TCP
 * SYN without ACK seen at 'now_ms' (see "Closed connections" in
 * dpi-conn.h), as if 'conn' had expired and 'pkt' created a connection:
 * the table counts one connection expired and one created.  The
 * connection keeps its place in its stripe's hash chain (its key is the
 * same, in one direction or the other) and becomes the most recently used
 * open connection.  The caller holds the stripe's mutex. */
void
dpi_conn_restart(struct dpi_conn_table *t, struct dpi_conn_stripe *s,
                 struct dpi_conn *conn, const struct dpi_pkt *pkt,
                 uint64_t now_ms)
{
    uint32_t idx = dpi_lru_index(s, conn);
    uint32_t hnext = conn->hnext;

    dpi_lru_remove(s, conn);
    dpi_conn_release(t, conn);
    dpi_conn_init(conn, pkt, now_ms);
    conn->hnext = hnext;
    dpi_lru_push_front(s, conn, idx);
    __atomic_add_fetch(&t->expired, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&t->created, 1, __ATOMIC_RELAXED);
}

/* Returns true if 'pkt', a packet of 'conn' in either direction (as
 * dpi_conn_table_lookup() found or created it), travels from client to
 * server (the caller holds the connection's stripe).  The lookup matched
 * the whole key already, so the source endpoint tells the direction; when
 * both endpoints are the same, both directions are client to server, as
 * for dpi_key_match(). */
bool
dpi_conn_to_server(const struct dpi_conn *conn, const struct dpi_pkt *pkt)
{
    return (pkt->key.sport == conn->key.sport
            && !memcmp(&pkt->key.src, &conn->key.src, sizeof pkt->key.src));
}

/* Makes sure 'conn' (whose stripe the caller holds) has inspection state,
 * creating it for the signature database of generation 'sig_gen' if it has
 * none.  Returns false if memory is short. */
bool
dpi_conn_inspect_begin(struct dpi_conn_table *t, struct dpi_conn *conn,
                       uint32_t sig_gen)
{
    if (!conn->inspect) {
        conn->inspect = dpi_inspect_create(sig_gen);
        if (!conn->inspect) {
            return false;
        }
        __atomic_add_fetch(&t->n_inspecting, 1, __ATOMIC_RELAXED);
    }
    return true;
}

/* Frees the inspection state of 'conn', if any (the caller holds the
 * connection's stripe, or owns 'conn' outright). */
void
dpi_conn_inspect_end(struct dpi_conn_table *t, struct dpi_conn *conn)
{
    if (conn->inspect) {
        dpi_inspect_destroy(conn->inspect);
        conn->inspect = NULL;
        __atomic_sub_fetch(&t->n_inspecting, 1, __ATOMIC_RELAXED);
    }
}

static void dpi_conn_stripe_age_stale(struct dpi_conn_table *,
                                      struct dpi_conn_stripe *);

/* Changes the capacity of 't' to 'max_flows'.  If the table holds more
 * connections than that, evicts least recently used ones, stripe by stripe
 * in turn, until it does not or until a whole round of the stripes finds
 * nothing to evict.  Without concurrent creations the new limit holds when
 * this returns.  Connections that other threads create meanwhile move
 * between stripes and may escape the round; each creation then sheds one
 * connection more until the table is back within its limit
 * (dpi_conn_reserve_slot()).  Then, if the capacity went down, each stripe
 * frees the memory of its expired connections (outside its mutex) and
 * gives back the blocks and buckets it no longer needs
 * (dpi_conn_stripe_trim()). */
void
dpi_conn_table_set_max(struct dpi_conn_table *t, uint32_t max_flows)
{
    /* Sequentially consistent: see dpi_conn_reserve_slot(). */
    uint32_t old_max = __atomic_exchange_n(&t->max_flows, max_flows,
                                           __ATOMIC_SEQ_CST);
    uint32_t idx = __atomic_load_n(&t->evict_cursor, __ATOMIC_RELAXED);
    size_t idle_rounds = 0;

    /* A cursor of its own, so that creators sampling stripes from the
     * shared one do not make this round skip stripes. */
    while (__atomic_load_n(&t->n_flows, __ATOMIC_SEQ_CST) > max_flows
           && idle_rounds < DPI_CONN_N_STRIPES) {
        struct dpi_conn_stripe *s = &t->stripes[idx++ % DPI_CONN_N_STRIPES];
        bool evicted = false;

        pthread_mutex_lock(&s->mutex);
        if (s->n && dpi_conn_take_excess(t)) {
            dpi_conn_evict_lru(t, s);
            evicted = true;
        }
        pthread_mutex_unlock(&s->mutex);
        idle_rounds = evicted ? 0 : idle_rounds + 1;
    }

    if (max_flows >= old_max) {
        return;
    }
    for (size_t i = 0; i < DPI_CONN_N_STRIPES; i++) {
        struct dpi_conn_stripe *s = &t->stripes[i];
        struct dpi_conn_trash trash;

        /* Frees the memory of both lists of expired connections outside
         * the mutex, so that the compaction finds little or none. */
        dpi_conn_stripe_age_stale(t, s);
        dpi_conn_stripe_age_stale(t, s);

        pthread_mutex_lock(&s->mutex);
        dpi_conn_stripe_trim(t, s, &trash);
        pthread_mutex_unlock(&s->mutex);
        dpi_conn_trash_free(&trash);
    }
}

/* Poisons expired connection 'conn' under AddressSanitizer, which then
 * reports any use of it until its memory is freed, except for its
 * pointers to that memory, which LeakSanitizer would otherwise not see (it
 * skips poisoned memory) and so report the memory as leaked. */
static void
dpi_conn_poison_stale(struct dpi_conn *conn)
{
    ASAN_POISON_MEMORY_REGION(conn, sizeof *conn);
    ASAN_UNPOISON_MEMORY_REGION(&conn->md_buf, sizeof conn->md_buf);
    ASAN_UNPOISON_MEMORY_REGION(&conn->inspect, sizeof conn->inspect);
}

/* Takes out of stripe 's' of 't' (whose mutex the caller holds) the
 * connections at the back of its LRU list 'list' that have been idle for
 * 'idle_ms' or more at 'now_ms', at most 'max' of them, and puts them on
 * the stripe's newer list of expired connections, with their memory (see
 * "Expired connections' memory" in dpi-conn.h).  The walk stops at the
 * first connection idle for less, or whose latest packet is later than
 * 'now_ms' (another thread's clock ran ahead): the list is in the order of
 * the connections' latest packets.  Returns the number of connections
 * taken out. */
static size_t
dpi_conn_stripe_expire(struct dpi_conn_table *t, struct dpi_conn_stripe *s,
                       enum dpi_conn_lru_list list, uint64_t now_ms,
                       uint64_t idle_ms, size_t max)
{
    size_t n = 0;

    for (uint32_t idx = s->lru[list].back; idx && n < max; n++) {
        struct dpi_conn *conn = dpi_conn_at(s, idx);
        uint32_t prev = conn->lru_prev;

        if (conn->last_ms > now_ms || now_ms - conn->last_ms < idle_ms) {
            break;
        }
        dpi_conn_unlink(t, s, conn, idx);
        conn->hnext = s->stale[0];
        s->stale[0] = idx;
        s->n_stale[0]++;
        dpi_conn_poison_stale(conn);
        idx = prev;
    }
    return n;
}

/* Frees, in the calling thread, the memory of the connections on the older
 * list of expired connections of stripe 's' of 't', which no thread
 * processing packets of the stripe has freed since the previous expiry
 * sweep, and puts them on its free list; then makes the newer list the
 * older one.  It holds the stripe's mutex for at most
 * DPI_CONN_EXPIRE_BATCH connections at a time and frees their memory
 * after releasing it. */
static void
dpi_conn_stripe_age_stale(struct dpi_conn_table *t, struct dpi_conn_stripe *s)
{
    bool more;

    do {
        struct dpi_conn *dead = NULL, *conn;

        pthread_mutex_lock(&s->mutex);
        for (size_t n = 0; s->stale[1] && n < DPI_CONN_EXPIRE_BATCH; n++) {
            uint32_t idx = s->stale[1];

            /* Out of the lists, 'conn' is linked to the others by pointer,
             * as the stripe's blocks array may move while its mutex is
             * released, and keeps its own index in 'hnext'. */
            conn = dpi_conn_at(s, idx);
            ASAN_UNPOISON_MEMORY_REGION(conn, sizeof *conn);
            s->stale[1] = conn->hnext;
            s->n_stale[1]--;
            conn->hnext = idx;
            conn->dead_next = dead;
            dead = conn;
        }
        more = s->stale[1] != 0;
        if (!more) {
            s->stale[1] = s->stale[0];
            s->n_stale[1] = s->n_stale[0];
            s->stale[0] = 0;
            s->n_stale[0] = 0;
        }
        pthread_mutex_unlock(&s->mutex);

        if (dead) {
            for (conn = dead; conn; conn = conn->dead_next) {
                dpi_conn_release(t, conn);
            }
            pthread_mutex_lock(&s->mutex);
            while (dead) {
                conn = dead;
                dead = dead->dead_next;
                dpi_conn_put(s, conn, conn->hnext);
            }
            pthread_mutex_unlock(&s->mutex);
        }
    } while (more);
}

/* Removes from 't' every connection that has been idle for 'idle_ms' or
 * more at 'now_ms', and closed TCP connections idle for
 * DPI_CONN_CLOSED_TIMEOUT_MS (or 'idle_ms' if less).  Returns the number
 * removed.
 *
 * Such connections are at the backs of the stripes' LRU lists (see
 * "Closed connections" in dpi-conn.h): the sweep takes them out in
 * batches of at most DPI_CONN_EXPIRE_BATCH per stripe, each under one
 * hold of the stripe's mutex, in which it also looks at one more
 * connection per list, the first it keeps.  It does not free their
 * memory, but leaves it to the threads that process packets (see
 * "Expired connections' memory" in dpi-conn.h), except for the
 * connections that expired at the previous sweep and that no such thread
 * has freed since: their memory it frees first, outside the stripe's
 * mutex. */
size_t
dpi_conn_table_expire(struct dpi_conn_table *t, uint64_t now_ms,
                      uint64_t idle_ms)
{
    uint64_t closed_ms = (idle_ms < DPI_CONN_CLOSED_TIMEOUT_MS
                          ? idle_ms : DPI_CONN_CLOSED_TIMEOUT_MS);
    size_t total = 0;

    for (size_t i = 0; i < DPI_CONN_N_STRIPES; i++) {
        struct dpi_conn_stripe *s = &t->stripes[i];
        size_t n;

        dpi_conn_stripe_age_stale(t, s);
        do {
            pthread_mutex_lock(&s->mutex);
            n = dpi_conn_stripe_expire(t, s, DPI_CONN_LRU_OPEN, now_ms,
                                       idle_ms, DPI_CONN_EXPIRE_BATCH);
            n += dpi_conn_stripe_expire(t, s, DPI_CONN_LRU_CLOSED, now_ms,
                                        closed_ms, DPI_CONN_EXPIRE_BATCH - n);
            pthread_mutex_unlock(&s->mutex);

            if (n) {
                __atomic_sub_fetch(&t->n_flows, n, __ATOMIC_RELAXED);
                __atomic_add_fetch(&t->expired, n, __ATOMIC_RELAXED);
                total += n;
            }
            /* A full batch may have left more behind. */
        } while (n >= DPI_CONN_EXPIRE_BATCH);
    }
    return total;
}

/* A copy of one connection taken by dpi_conn_table_dump(). */
struct dpi_conn_snap {
    struct dpi_flow_info info;  /* What the callback gets. */
    struct dpi_md md;           /* Copy of the metadata (own buffer). */
};

/* Copies connection 'conn' (whose stripe the caller holds) into 'snap'.
 * If memory is short for the metadata, the copy has none.  The caller
 * points 'snap->info.md' to 'snap->md' once 'snap' stays where it is. */
static void
dpi_conn_snap_take(struct dpi_conn_snap *snap, const struct dpi_conn *conn)
{
    struct dpi_flow_info *info = &snap->info;

    info->key = conn->key;
    info->verdict.app_id = conn->app_id;
    info->verdict.app_proto = conn->app_proto;
    info->verdict.state = conn->state;
    memcpy(info->packets, conn->packets, sizeof info->packets);
    memcpy(info->bytes, conn->bytes, sizeof info->bytes);
    info->first_ms = conn->first_ms;
    info->last_ms = conn->last_ms;
    info->encap = conn->encap;
    dpi_md_init(&snap->md, conn->md_len);
    if (conn->md_len) {
        snap->md.buf = malloc(conn->md_len);
        if (snap->md.buf) {
            memcpy(snap->md.buf, conn->md_buf, conn->md_len);
            snap->md.len = conn->md_len;
        }
    }
}

/* Frees the metadata of the 'n' snapshots in 'snaps'. */
static void
dpi_conn_snaps_clear(struct dpi_conn_snap *snaps, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(snaps[i].md.buf);
    }
}

/* Calls 'cb' with a snapshot of each connection in 't', and 'aux'.
 *
 * Each stripe is copied whole before its callbacks run, after its mutex is
 * released, so 'cb' may take as long as it likes (and may not use 't').
 * The copy goes by classes of connections whose hashes agree in the bits
 * of the stripe's 'mask' when the copy starts, class after class, and the
 * mutex is released after about 't->dump_batch' connections (whole
 * classes) and taken again, so that a big stripe does not hold up the
 * threads that need it for long.  A connection created in between in a
 * class already copied is left out, one removed in between after its copy
 * is kept, as in any dump of a table that changes.  While 'mask' does not
 * go below its value at the start, the connections of class j are those
 * of the buckets j, j + mask + 1, j + 2 * (mask + 1) and so on, whatever
 * buckets the stripe added in between (dpi_conn_stripe_split()), and
 * dpi_conn_stripe_trim() moving connections to other slots keeps them in
 * their buckets.  If 'mask' went below (dpi_conn_stripe_trim() shrinking
 * the buckets), the stripe is copied again from its first class, and
 * after 't->dump_restarts' such restarts the stripe is copied whole in
 * one hold. */
void
dpi_conn_table_dump(struct dpi_conn_table *t, dpi_dump_cb *cb, void *aux)
{
    struct dpi_conn_snap *snaps = NULL;
    size_t allocated = 0;

    for (size_t i = 0; i < DPI_CONN_N_STRIPES; i++) {
        struct dpi_conn_stripe *s = &t->stripes[i];
        size_t n = 0, batch = 0, restarts = 0;
        uint32_t bucket = 0, mask;

        pthread_mutex_lock(&s->mutex);
        mask = s->mask;
        while (bucket <= mask) {
            uint32_t len = 0, idx, b;
            bool yield = restarts < t->dump_restarts;

            for (b = bucket; b < dpi_conn_n_buckets(s); b += mask + 1) {
                for (idx = s->buckets[b]; idx;
                     idx = dpi_conn_at(s, idx)->hnext) {
                    len++;
                }
            }
            if (n + len > allocated) {
                size_t want = n + len + DPI_CONN_DUMP_BATCH;
                struct dpi_conn_snap *p;

                if (yield) {
                    pthread_mutex_unlock(&s->mutex);
                }
                p = realloc(snaps, want * sizeof *snaps);
                if (!p) {
                    if (!yield) {
                        pthread_mutex_unlock(&s->mutex);
                    }
                    dpi_conn_snaps_clear(snaps, n);
                    free(snaps);
                    return;
                }
                snaps = p;
                allocated = want;
                if (yield) {
                    batch = 0;
                    pthread_mutex_lock(&s->mutex);
                }
            } else if (batch && batch >= t->dump_batch && yield) {
                pthread_mutex_unlock(&s->mutex);
                batch = 0;
                pthread_mutex_lock(&s->mutex);
            } else {
                for (b = bucket; b < dpi_conn_n_buckets(s); b += mask + 1) {
                    for (idx = s->buckets[b]; idx;
                         idx = dpi_conn_at(s, idx)->hnext) {
                        dpi_conn_snap_take(&snaps[n++],
                                           dpi_conn_at(s, idx));
                    }
                }
                batch += len;
                bucket++;
                continue;
            }

            /* The mutex was released: start over if the buckets shrank
             * meanwhile. */
            if (s->mask < mask) {
                dpi_conn_snaps_clear(snaps, n);
                n = 0;
                bucket = 0;
                mask = s->mask;
                restarts++;
            }
        }
        pthread_mutex_unlock(&s->mutex);

        for (size_t j = 0; j < n; j++) {
            snaps[j].info.md = &snaps[j].md;
            cb(&snaps[j].info, aux);
        }
        dpi_conn_snaps_clear(snaps, n);
    }
    free(snaps);
}

/* Calls 'cb' with each connection of 't' and 'aux', holding the
 * connection's stripe during the call.  'cb' may update the connection but
 * must not add or remove connections, nor take another stripe. */
void
dpi_conn_table_for_each(struct dpi_conn_table *t,
                        void (*cb)(struct dpi_conn *, void *aux), void *aux)
{
    for (size_t i = 0; i < DPI_CONN_N_STRIPES; i++) {
        struct dpi_conn_stripe *s = &t->stripes[i];

        pthread_mutex_lock(&s->mutex);
        for (uint32_t idx = dpi_lru_first(s); idx;) {
            struct dpi_conn *conn = dpi_conn_at(s, idx);

            idx = dpi_lru_next(s, conn);
            cb(conn, aux);
        }
        pthread_mutex_unlock(&s->mutex);
    }
}

/* Returns the number of connections in 't'. */
uint32_t
dpi_conn_table_n_flows(const struct dpi_conn_table *t)
{
    return __atomic_load_n(&t->n_flows, __ATOMIC_RELAXED);
}

/* Returns the number of connections of 't' that hold inspection state.
 * The unit tests use it to check that the state is freed at the final
 * verdict. */
uint64_t
dpi_conn_table_n_inspecting(const struct dpi_conn_table *t)
{
    return __atomic_load_n(&t->n_inspecting, __ATOMIC_RELAXED);
}
