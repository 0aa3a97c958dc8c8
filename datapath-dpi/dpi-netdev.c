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

#include <config.h>

#include "dpi-netdev.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#if HAVE_DECL_MALLOC_TRIM
#include <malloc.h>
#endif

#include "dp-packet.h"
#include "dpi.h"
#include "flow.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/json.h"
#include "openvswitch/vlog.h"
#include "ovs-atomic.h"
#include "ovs-rcu.h"
#include "ovs-thread.h"
#include "packets.h"
#include "openvswitch/poll-loop.h"
#include "smap.h"
#include "timeval.h"
#include "unixctl.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(dpi_netdev);

/* Engine life cycle
 * =================
 *
 * There is one libdpi engine per process, wrapped in a 'struct
 * dpi_netdev_engine' and published through the RCU pointer 'cur_engine'.
 * It is created when it is first needed, so that a switch that does not
 * use DPI does not pay for the signature database and the connection
 * table: by the main thread when ofproto adds the first flow or group
 * whose actions include dpi (dpi_netdev_start()), so that no PMD thread
 * stops polling its queues while the signatures compile, and otherwise
 * by the first thread that executes a dpi action.  Setting
 * "dpi-signatures" or running "ovs-appctl dpi/reload" creates it at once,
 * in the main thread, so that a bad signature file is reported (and
 * refused) right away.
 *
 * The engine is never replaced: a new signature database (from a changed
 * "dpi-signatures" or from "dpi/reload") is compiled in the main thread and
 * swapped into the running engine with dpi_engine_set_signatures(), which
 * keeps the connection table and the verdicts; libdpi moves each thread's
 * worker to the new database at the worker's next packet and frees the old
 * database once no worker uses it (see "Signature reload" in dpi.h).  If
 * the file does not load, the engine keeps the database it has.
 *
 * libdpi requires every worker to be destroyed before its engine, and a
 * PMD thread keeps its worker between batches, so the wrapper is reference
 * counted: 'cur_engine' holds one reference and every per-thread context
 * whose worker belongs to the engine holds one.  If the engine were ever
 * replaced, each thread would notice at its next dpi action, destroy its
 * old worker and drop its reference; the last reference destroys the
 * engine.
 * The reference of 'cur_engine' itself is dropped through
 * ovsrcu_postpone(), so that no thread can still be about to take a new
 * reference on an engine that has already been freed.
 *
 * Lock order: 'dpi_netdev_mutex' is a leaf lock.
 *
 * The C library's fast bins
 * =========================
 *
 * PMD threads allocate the engine's per-connection memory and free it
 * too: libdpi leaves the memory of the connections that the main thread's
 * expiry sweep removes to the threads that process packets of their
 * stripes ("Expired connections' memory" in lib/dpi-conn.h).  With
 * glibc, small blocks that a thread frees wait unsorted in its arena's
 * "fast bins" until the arena's next request for 1 kB or more (a
 * connection's first stream buffer is 2 kB), which sorts them all first
 * (malloc_consolidate()), in a PMD thread holding a stripe of the
 * connection table.  After the expiry of a full table of 262,144
 * connections, whose memory the PMD thread then freed a little at each
 * packet, that request took 25 ms (bench-memory --stall,
 * docs/BENCHMARKS.md section 0l): a PMD that stops polling that long
 * loses packets.  So when the glue first creates an engine, it turns
 * fast bins off for the whole process (mallopt(M_MXFAST, 0)): freed small
 * blocks then join their free neighbours at once.  Neither the engine's
 * nor the OVS-DPDK pipelines' throughput changes measurably.  An operator
 * who sets "glibc.malloc.mxfast" in GLIBC_TUNABLES keeps that setting.
 * mallopt() runs in the thread that creates the engine (the main thread,
 * or a PMD thread whose dpi action came first: see above) and changes a
 * limit that the other threads' malloc() and free() read as they go. */

/* A libdpi engine, shared by every thread. */
struct dpi_netdev_engine {
    struct dpi_engine *engine;  /* The libdpi engine. */
    struct ovs_refcount ref_cnt;  /* 'cur_engine' + one per worker. */
};

/* A thread's inspection context. */
struct dpi_netdev_pmd {
    struct dpi_netdev_engine *eng;  /* Engine of 'worker', or NULL. */
    struct dpi_worker *worker;      /* Per-thread scratch, or NULL. */
};

/* Bounds of the "dpi-max-flows" and "dpi-inspect-packets" knobs. */
#define DPI_NETDEV_MAX_FLOWS_LIMIT (16u * 1024 * 1024)
#define DPI_NETDEV_INSPECT_PACKETS_LIMIT 1024u

/* Interval between two expiry sweeps, in milliseconds. */
#define DPI_NETDEV_EXPIRE_INTERVAL 1000

/* Serializes configuration changes and engine creation. */
static struct ovs_mutex dpi_netdev_mutex = OVS_MUTEX_INITIALIZER;

/* The current engine, NULL until the first one is created. */
static OVSRCU_TYPE(struct dpi_netdev_engine *) cur_engine;

/* The configuration that the current engine was created with or that the
 * next one will be created with.  'dpi_netdev_signatures' is the signature
 * file configured with "dpi-signatures", NULL for libdpi's built-in
 * signatures. */
static struct dpi_config dpi_netdev_cfg OVS_GUARDED_BY(dpi_netdev_mutex);
static char *dpi_netdev_signatures OVS_GUARDED_BY(dpi_netdev_mutex);

/* The raw values of the knobs seen last, so that a bad value is reported
 * once when it appears, not at every reconfiguration. */
static char *last_max_flows OVS_GUARDED_BY(dpi_netdev_mutex);
static char *last_inspect_packets OVS_GUARDED_BY(dpi_netdev_mutex);
static char *last_signatures OVS_GUARDED_BY(dpi_netdev_mutex);
static char *last_skip OVS_GUARDED_BY(dpi_netdev_mutex);

/* Why the file that "dpi-signatures" names now was refused ("FILE:LINE:
 * reason") when it was last compiled (knob change or "dpi/reload" without
 * a file), NULL if it loaded then.  "dpi/show" prints it, so that an
 * operator sees that the switch does not run the configured file as it is
 * now. */
static char *sig_refused OVS_GUARDED_BY(dpi_netdev_mutex);

/* Packets that went through a dpi action without being inspected because
 * they are not IPv4 or IPv6.  libdpi never sees them, so the glue counts
 * them.  (Packets with truncated or malformed IP or L4 headers are counted
 * by libdpi, through dpi_worker_count_bad_packet().) */
static atomic_uint64_t n_not_ip = ATOMIC_VAR_INIT(0);

/* Whether "dpi-skip-classified" is on, and how many times it changed. */
static atomic_bool skip_classified = ATOMIC_VAR_INIT(false);
static atomic_uint64_t skip_changes = ATOMIC_VAR_INIT(0);

/* Time of the next expiry sweep (main thread only). */
static long long int next_expire;

static void dpi_netdev_unixctl_show(struct unixctl_conn *, int argc,
                                    const char *argv[], void *aux);
static void dpi_netdev_unixctl_dump_flows(struct unixctl_conn *, int argc,
                                          const char *argv[], void *aux);
static void dpi_netdev_unixctl_reload(struct unixctl_conn *, int argc,
                                      const char *argv[], void *aux);

/* Drops a reference to 'eng', destroying it when it was the last one. */
static void
dpi_netdev_engine_unref(struct dpi_netdev_engine *eng)
{
    if (eng && ovs_refcount_unref(&eng->ref_cnt) == 1) {
        dpi_engine_destroy(eng->engine);
        free(eng);
    }
}

/* Returns 'signatures' for a log message: the built-in database if it is
 * NULL. */
static const char *
dpi_netdev_sig_name(const char *signatures)
{
    return signatures ? signatures : "builtin";
}

/* Turns the C library's fast bins off for the whole process, unless the
 * environment tunes them: see "The C library's fast bins" above.  Called
 * before the first engine is created. */
static void
dpi_netdev_tune_malloc(void)
    OVS_REQUIRES(dpi_netdev_mutex)
{
    static bool done OVS_GUARDED_BY(dpi_netdev_mutex);

    if (done) {
        return;
    }
    done = true;
#ifdef M_MXFAST
    const char *tunables = getenv("GLIBC_TUNABLES");

    if (tunables && strstr(tunables, "glibc.malloc.mxfast")) {
        VLOG_INFO("malloc fast bins left as GLIBC_TUNABLES sets them");
    } else if (mallopt(M_MXFAST, 0)) {
        VLOG_INFO("malloc fast bins turned off (M_MXFAST 0)");
    } else {
        /* AddressSanitizer's allocator, for one, has no fast bins. */
        VLOG_INFO("malloc fast bins: M_MXFAST not supported");
    }
#else
    VLOG_INFO("malloc fast bins: M_MXFAST not supported");
#endif
}

/* Creates an engine from the current configuration, with the signature
 * file 'signatures' (NULL for the built-in signatures).  On failure, returns
 * NULL and stores the reason, a one-line message, in '*errorp' (the caller
 * frees it). */
static struct dpi_netdev_engine *
dpi_netdev_engine_create(const char *signatures, char **errorp)
    OVS_REQUIRES(dpi_netdev_mutex)
{
    struct dpi_engine *engine;
    char *error = NULL;
    int retval;

    dpi_netdev_tune_malloc();

    struct dpi_config cfg = dpi_netdev_cfg;
    cfg.signatures = signatures;
    retval = dpi_engine_create(&cfg, &engine, &error);
    if (retval) {
        *errorp = error ? error : xstrdup(ovs_strerror(retval));
        return NULL;
    }
    free(error);
    *errorp = NULL;

    struct dpi_netdev_engine *eng = xmalloc(sizeof *eng);
    eng->engine = engine;
    ovs_refcount_init(&eng->ref_cnt);
    VLOG_INFO("DPI engine created: signatures %s, max %"PRIu32" flows, "
              "%"PRIu32" packets inspected per flow",
              dpi_engine_signatures(engine), dpi_netdev_cfg.max_flows,
              dpi_netdev_cfg.inspect_packets);
    return eng;
}

/* Makes 'eng' the current engine, replacing and releasing the previous one
 * once no thread can be using 'cur_engine''s old value any more. */
static void
dpi_netdev_engine_publish(struct dpi_netdev_engine *eng)
    OVS_REQUIRES(dpi_netdev_mutex)
{
    struct dpi_netdev_engine *old = ovsrcu_get_protected(
        struct dpi_netdev_engine *, &cur_engine);

    ovsrcu_set(&cur_engine, eng);
    if (old) {
        ovsrcu_postpone(dpi_netdev_engine_unref, old);
    }
}

/* Returns the current engine, creating it if there is none yet.  Returns
 * NULL if it cannot be created.  The result stays valid until the caller
 * quiesces. */
static struct dpi_netdev_engine *
dpi_netdev_engine_get(void)
    OVS_EXCLUDED(dpi_netdev_mutex)
{
    struct dpi_netdev_engine *eng = ovsrcu_get(struct dpi_netdev_engine *,
                                               &cur_engine);
    if (OVS_UNLIKELY(!eng)) {
        static long long int next_try = LLONG_MIN;

        ovs_mutex_lock(&dpi_netdev_mutex);
        eng = ovsrcu_get_protected(struct dpi_netdev_engine *, &cur_engine);
        if (!eng && time_msec() >= next_try) {
            /* Retrying at every packet after a failure would flood the log
             * and stall the thread: retry at most every 10 seconds. */
            char *error;

            eng = dpi_netdev_engine_create(dpi_netdev_signatures, &error);
            if (eng) {
                dpi_netdev_engine_publish(eng);
            } else {
                VLOG_ERR("cannot create the DPI engine: %s", error);
                free(error);
                next_try = time_msec() + 10 * 1000;
            }
        }
        ovs_mutex_unlock(&dpi_netdev_mutex);
    }
    return eng;
}

/* Creates the engine now, in the calling thread, if there is none yet.
 * ofproto-dpif calls this in the main thread when it adds a flow or group
 * whose actions include dpi, so that the signatures are compiled before a
 * packet reaches the action rather than in the PMD thread that handles
 * it, which would stop polling its queues meanwhile.  A failure is logged,
 * and the first dpi action tries again (at most every 10 seconds). */
void
dpi_netdev_start(void)
    OVS_EXCLUDED(dpi_netdev_mutex)
{
    dpi_netdev_engine_get();
}

/* Registers the ovs-appctl commands and sets the default configuration.
 * Called once, from dpif_netdev_init(). */
void
dpi_netdev_init(void)
{
    static struct ovsthread_once once = OVSTHREAD_ONCE_INITIALIZER;

    if (ovsthread_once_start(&once)) {
        ovs_mutex_lock(&dpi_netdev_mutex);
        dpi_config_init(&dpi_netdev_cfg);
        ovs_mutex_unlock(&dpi_netdev_mutex);

        unixctl_command_register("dpi/show", "", 0, 0,
                                 dpi_netdev_unixctl_show, NULL);
        unixctl_command_register("dpi/dump-flows", "[zone=N]", 0, 1,
                                 dpi_netdev_unixctl_dump_flows, NULL);
        unixctl_command_register("dpi/reload", "[FILE]", 0, 1,
                                 dpi_netdev_unixctl_reload, NULL);
        ovsthread_once_done(&once);
    }
}

/* Parses the value of knob 'key' in 'other_config' into '*valuep', which
 * is left alone, with a warning that gives the value and the valid range,
 * if the value is not an integer in [1, 'max'].  An absent key means
 * 'def'.  '*lastp' remembers the raw value seen last, so that the same bad
 * value is reported only once.  Returns true if '*valuep' changed. */
static bool
dpi_netdev_parse_uint_knob(const struct smap *other_config, const char *key,
                           uint32_t def, uint32_t max, char **lastp,
                           uint32_t *valuep)
    OVS_REQUIRES(dpi_netdev_mutex)
{
    const char *s = smap_get(other_config, key);
    bool same = (s && *lastp) ? !strcmp(s, *lastp) : s == *lastp;

    if (same) {
        return false;
    }
    free(*lastp);
    *lastp = nullable_xstrdup(s);

    unsigned long long int value;
    if (!s) {
        value = def;
    } else if ((!isdigit((unsigned char) s[0]) && s[0] != '-')
               || !str_to_ullong(s, 10, &value)) {
        /* strtoull() would take "+5" and " 5" for 5. */
        VLOG_WARN("other_config:%s: \"%s\" is not a number, keeping "
                  "%"PRIu32" (valid range [1, %"PRIu32"])",
                  key, s, *valuep, max);
        return false;
    } else if (s[0] == '-' || value < 1 || value > max) {
        /* strtoull() would take "-18446744073709551611" for 5. */
        VLOG_WARN("other_config:%s: %s is out of range [1, %"PRIu32"], "
                  "keeping %"PRIu32, key, s, max, *valuep);
        return false;
    }

    if (value == *valuep) {
        return false;
    }
    VLOG_INFO("other_config:%s set to %llu", key, value);
    *valuep = value;
    return true;
}

/* Loads the signature file 'signatures' (NULL for the built-in signatures)
 * into the current engine, or creates the engine with it if there is none
 * yet.  Returns NULL on success, otherwise a one-line message saying why
 * the file was not loaded (the caller frees it); the engine is left as it
 * was.  A relative file name is refused: it would name a file of the
 * daemon's working directory ("/" once detached), not of the directory
 * of whoever gave it. */
static char *
dpi_netdev_load_signatures(const char *signatures)
    OVS_REQUIRES(dpi_netdev_mutex)
{
    struct dpi_netdev_engine *eng = ovsrcu_get_protected(
        struct dpi_netdev_engine *, &cur_engine);
    char *error = NULL;

    if (signatures && signatures[0] != '/') {
        return xasprintf("%s: not an absolute file name", signatures);
    }
    if (eng) {
        int retval = dpi_engine_set_signatures(eng->engine, signatures,
                                               &error);
        if (retval && !error) {
            error = xstrdup(ovs_strerror(retval));
        }
    } else {
        eng = dpi_netdev_engine_create(signatures, &error);
        if (eng) {
            dpi_netdev_engine_publish(eng);
        }
    }
    return error;
}

/* Applies the "dpi-*" knobs of the Open_vSwitch table's 'other_config'.
 * Called from dpif_netdev_set_config() in the main thread, for every
 * userspace datapath, at every reconfiguration.  A bad value is refused
 * with a warning that says why, and the previous value stays in force.
 *
 *   - dpi-max-flows, dpi-inspect-packets: applied to the running engine
 *     with dpi_engine_set_limits(), keeping its connections.  A lower
 *     dpi-max-flows evicts connections down to it, and the memory that
 *     the engine frees is then offered back to the system with
 *     malloc_trim(), after the glue's mutex is released (as ovsdb-server
 *     does after a compaction with memory-trim-on-compaction on).
 *
 *   - dpi-skip-classified: read by translation (see "Settled connections"
 *     in dpi-netdev.h); every change counts in
 *     dpi_netdev_skip_changes(), so that ofproto-dpif revalidates the
 *     datapath flows.
 *
 *   - dpi-signatures: the file is compiled at once, in this thread, and
 *     swapped into the engine (which is created now if there is none yet)
 *     like "dpi/reload" does: connections keep their verdicts.  If that
 *     fails, the engine keeps its signatures, and the knob its previous
 *     value; the reason is logged as an error and shown by "dpi/show"
 *     until the configured file loads. */
void
dpi_netdev_set_config(const struct smap *other_config)
    OVS_EXCLUDED(dpi_netdev_mutex)
{
    ovs_mutex_lock(&dpi_netdev_mutex);

    uint32_t old_max_flows = dpi_netdev_cfg.max_flows;
    bool trim = false;
    bool limits_changed = dpi_netdev_parse_uint_knob(
        other_config, "dpi-max-flows", DPI_DEFAULT_MAX_FLOWS,
        DPI_NETDEV_MAX_FLOWS_LIMIT, &last_max_flows,
        &dpi_netdev_cfg.max_flows);
    limits_changed |= dpi_netdev_parse_uint_knob(
        other_config, "dpi-inspect-packets", DPI_DEFAULT_INSPECT_PACKETS,
        DPI_NETDEV_INSPECT_PACKETS_LIMIT, &last_inspect_packets,
        &dpi_netdev_cfg.inspect_packets);

    const char *skip_s = smap_get(other_config, "dpi-skip-classified");
    bool old_skip, skip;

    atomic_read_relaxed(&skip_classified, &old_skip);
    skip = skip_s && !strcasecmp(skip_s, "true");
    if (skip_s && !skip && strcasecmp(skip_s, "false")
        && !nullable_string_is_equal(skip_s, last_skip)) {
        /* Any other value means false, as for OVS's own boolean knobs
         * (smap_get_bool()), but a typo should not go unnoticed.  Reported
         * once per value, as the numeric knobs are. */
        VLOG_WARN("other_config:dpi-skip-classified: \"%s\" is neither "
                  "\"true\" nor \"false\", taken as false", skip_s);
    }
    free(last_skip);
    last_skip = nullable_xstrdup(skip_s);
    if (skip != old_skip) {
        uint64_t orig;

        atomic_store_relaxed(&skip_classified, skip);
        atomic_add_relaxed(&skip_changes, 1, &orig);
        VLOG_INFO("other_config:dpi-skip-classified set to %s",
                  skip ? "true" : "false");
        poll_immediate_wake();
    }

    const char *sig = smap_get(other_config, "dpi-signatures");
    if (sig && !sig[0]) {
        sig = NULL;
    }
    bool sig_changed = !nullable_string_is_equal(sig, last_signatures);

    struct dpi_netdev_engine *eng = ovsrcu_get_protected(
        struct dpi_netdev_engine *, &cur_engine);
    if (eng && limits_changed) {
        dpi_engine_set_limits(eng->engine, dpi_netdev_cfg.max_flows,
                              dpi_netdev_cfg.inspect_packets);
        trim = dpi_netdev_cfg.max_flows < old_max_flows;
    }
    if (sig_changed) {
        free(last_signatures);
        last_signatures = nullable_xstrdup(sig);

        /* Compile the new signatures now, in the main thread, and keep the
         * current ones if that fails.  The built-in ones need no check:
         * without an engine yet, they wait for it to start, as before the
         * knob was set (so that removing a refused file starts nothing). */
        char *error = (sig || eng
                       ? dpi_netdev_load_signatures(sig) : NULL);
        free(sig_refused);
        sig_refused = error;
        if (!error) {
            VLOG_INFO("other_config:dpi-signatures set to %s",
                      dpi_netdev_sig_name(sig));
            free(dpi_netdev_signatures);
            dpi_netdev_signatures = nullable_xstrdup(sig);
        } else {
            VLOG_ERR("other_config:dpi-signatures: %s; keeping the DPI "
                     "engine's signatures %s", error,
                     dpi_netdev_sig_name(dpi_netdev_signatures));
        }
    }

    ovs_mutex_unlock(&dpi_netdev_mutex);

#if HAVE_DECL_MALLOC_TRIM
    if (trim) {
        malloc_trim(0);
    }
#else
    (void) trim;
#endif
}

/* Creates a thread's inspection context.  Its worker is created at the
 * first dpi action, so that threads that never run one cost nothing. */
struct dpi_netdev_pmd *
dpi_netdev_pmd_create(void)
{
    return xzalloc(sizeof(struct dpi_netdev_pmd));
}

/* Releases the worker of 'pmd', and the reference to its engine. */
static void
dpi_netdev_pmd_release(struct dpi_netdev_pmd *pmd)
{
    if (pmd->worker) {
        dpi_worker_destroy(pmd->worker);
        pmd->worker = NULL;
    }
    dpi_netdev_engine_unref(pmd->eng);
    pmd->eng = NULL;
}

/* Destroys 'pmd'.  The caller guarantees that no dpi_netdev_execute() is
 * running with it. */
void
dpi_netdev_pmd_destroy(struct dpi_netdev_pmd *pmd)
{
    if (pmd) {
        dpi_netdev_pmd_release(pmd);
        free(pmd);
    }
}

/* Makes sure that 'pmd' has a worker for the current engine.  Returns false
 * if there is no engine. */
static bool
dpi_netdev_pmd_refresh(struct dpi_netdev_pmd *pmd)
{
    struct dpi_netdev_engine *eng = dpi_netdev_engine_get();

    if (OVS_LIKELY(eng == pmd->eng && pmd->worker)) {
        return true;
    }

    /* The engine was replaced (or this is the first packet): the old worker
     * must go before its engine can. */
    dpi_netdev_pmd_release(pmd);
    if (!eng) {
        return false;
    }

    /* 'eng' is protected by RCU until this thread quiesces, and 'cur_engine'
     * holds a reference at least until then, so the reference count cannot
     * have dropped to zero. */
    ovs_refcount_ref(&eng->ref_cnt);
    pmd->eng = eng;
    pmd->worker = dpi_worker_create(eng->engine);
    if (!pmd->worker) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);

        VLOG_ERR_RL(&rl, "cannot create a DPI worker");
        dpi_netdev_pmd_release(pmd);
        return false;
    }
    return true;
}

/* Finds the network protocol of 'pkt'.  Returns true and sets '*is_ipv6' if
 * it is IPv4 or IPv6 with a parsed L3 header, false otherwise (including
 * IP inside MPLS, which the datapath did not parse). */
static bool
dpi_netdev_packet_is_ip(const struct dp_packet *pkt, bool *is_ipv6)
{
    if (pkt->l3_ofs == UINT16_MAX || pkt->l3_ofs > dp_packet_size(pkt)) {
        return false;
    }

    switch (ntohl(pkt->packet_type)) {
    case PT_ETH: {
        /* The 2 bytes in front of the L3 header are the innermost Ethernet
         * type (after VLAN headers, or of an LLC/SNAP header). */
        const uint8_t *l3 = dp_packet_l3(pkt);
        ovs_be16 dl_type;

        if (pkt->l2_5_ofs != UINT16_MAX
            || pkt->l3_ofs < ETH_HEADER_LEN) {
            return false;
        }
        memcpy(&dl_type, l3 - 2, sizeof dl_type);
        if (dl_type == htons(ETH_TYPE_IP)) {
            *is_ipv6 = false;
            return true;
        } else if (dl_type == htons(ETH_TYPE_IPV6)) {
            *is_ipv6 = true;
            return true;
        }
        return false;
    }

    case PT_IPV4:
        *is_ipv6 = false;
        return true;

    case PT_IPV6:
        *is_ipv6 = true;
        return true;

    default:
        return false;
    }
}

/* Returns the VLAN id of the innermost 802.1Q/802.1ad header of Ethernet
 * packet 'pkt', or 0 if it has none. */
static uint16_t
dpi_netdev_packet_vlan(const struct dp_packet *pkt)
{
    const uint8_t *frame = dp_packet_data(pkt);
    size_t ofs = 2 * ETH_ADDR_LEN;
    uint16_t vid = 0;

    if (pkt->packet_type != htonl(PT_ETH)) {
        return 0;
    }

    /* Walk the VLAN headers, which all lie before the L3 header. */
    while (ofs + VLAN_HEADER_LEN + 2 <= pkt->l3_ofs) {
        ovs_be16 tpid, tci;

        memcpy(&tpid, frame + ofs, sizeof tpid);
        if (!eth_type_vlan(tpid)) {
            break;
        }
        memcpy(&tci, frame + ofs + 2, sizeof tci);
        vid = vlan_tci_to_vid(tci);
        ofs += VLAN_HEADER_LEN;
    }
    return vid;
}

/* Runs every packet of 'batch' through the DPI engine and writes the
 * verdict into its metadata.  Connections are looked up in zone 'zone'
 * (0 for none: see dpi_key_set_zone()).
 *
 * Packets that the engine cannot inspect, because they are not IPv4/IPv6
 * or their IP or L4 headers are truncated or malformed, are never dropped:
 * they get dpi_state "trk|unk" (went through dpi, application unknown) and
 * no application, so that a pipeline can still tell them from packets that
 * did not go through dpi at all.  The same holds, without counting them,
 * when no engine could be created. */
void
dpi_netdev_execute(struct dpi_netdev_pmd *pmd, struct dp_packet_batch *batch,
                   long long now_ms, uint16_t zone)
{
    bool have_engine = dpi_netdev_pmd_refresh(pmd);
    uint64_t not_ip = 0;
    struct dp_packet *pkt;

    DP_PACKET_BATCH_FOR_EACH (i, pkt, batch) {
        struct pkt_metadata *md = &pkt->md;
        struct dpi_verdict verdict;
        struct dpi_pkt p;
        bool is_ipv6;

        if (OVS_UNLIKELY(!have_engine)) {
            goto unknown;
        }
        if (!dpi_netdev_packet_is_ip(pkt, &is_ipv6)) {
            not_ip++;
            goto unknown;
        }

        /* The engine keys the packet on the innermost VLAN: the frame's,
         * unless a tunnel that dpi_parse_l3() looks into holds a tagged
         * frame. */
        enum dpi_parse_result r = dpi_parse_l3(
            dp_packet_l3(pkt), dp_packet_size(pkt) - pkt->l3_ofs, is_ipv6,
            dpi_netdev_packet_vlan(pkt), &p);
        if (r != DPI_PARSE_OK) {
            dpi_worker_count_bad_packet(pmd->worker);
            goto unknown;
        }
        p.frame_len = dp_packet_size(pkt);
        dpi_key_set_zone(&p.key, zone);

        dpi_process(pmd->worker, &p, now_ms, &verdict);
        md->dpi_state = verdict.state;
        md->dpi_app_id = verdict.app_id;
        md->dpi_app_proto = verdict.app_proto;
        md->dpi_app_category = (verdict.app_id
                                ? dpi_app_category(verdict.app_id)
                                : DPI_CAT_unspecified);
        continue;

    unknown:
        md->dpi_state = DPI_STATE_TRK | DPI_STATE_UNK;
        md->dpi_app_id = 0;
        md->dpi_app_proto = 0;
        md->dpi_app_category = DPI_CAT_unspecified;
    }

    if (OVS_UNLIKELY(not_ip)) {
        uint64_t orig;

        atomic_add_relaxed(&n_not_ip, not_ip, &orig);
    }
}

/* A connection that translation looked up: see "Settled connections" in
 * dpi-netdev.h. */
struct dpi_netdev_xconn {
    struct dpi_key key;         /* The packets' key, in their direction. */
    bool skipped;               /* Translated as settled. */
    uint64_t counted_packets;   /* Packets and bytes that the engine has */
    uint64_t counted_bytes;     /* counted already: left out of pushes. */
    struct dpi_verdict verdict; /* If 'skipped', the verdict set. */
};

/* Returns true if "dpi-skip-classified" is on. */
bool
dpi_netdev_skip_enabled(void)
{
    bool skip;

    atomic_read_relaxed(&skip_classified, &skip);
    return skip;
}

/* Returns how many times "dpi-skip-classified" has changed. */
uint64_t
dpi_netdev_skip_changes(void)
{
    uint64_t n;

    atomic_read_relaxed(&skip_changes, &n);
    return n;
}

/* See "Settled connections" in dpi-netdev.h. */
struct dpi_netdev_xconn *
dpi_netdev_xconn_create(const struct flow *flow, struct flow_wildcards *wc,
                        uint16_t zone)
{
    struct dpi_netdev_xconn *xc;
    bool is_ipv6 = flow->dl_type == htons(ETH_TYPE_IPV6);
    uint16_t vid = 0;

    if (!dpi_netdev_skip_enabled()) {
        return NULL;
    }
    WC_MASK_FIELD(wc, packet_type);
    WC_MASK_FIELD(wc, dl_type);
    if (flow->dl_type != htons(ETH_TYPE_IP) && !is_ipv6) {
        return NULL;
    }
    WC_MASK_FIELD(wc, nw_proto);
    WC_MASK_FIELD_MASK(wc, nw_frag, FLOW_NW_FRAG_MASK);
    if ((flow->nw_proto != IPPROTO_TCP && flow->nw_proto != IPPROTO_UDP)
        || flow->nw_frag) {
        return NULL;
    }
    if (flow->nw_proto == IPPROTO_TCP) {
        /* Segments that open or close a connection always go through the
         * engine, which follows the connection's life from them. */
        ovs_be16 flags = htons(TCP_SYN | TCP_FIN | TCP_RST);

        WC_MASK_FIELD_MASK(wc, tcp_flags, flags);
        if (flow->tcp_flags & flags) {
            return NULL;
        }
    }

    xc = xzalloc(sizeof *xc);
    if (is_ipv6) {
        WC_MASK_FIELD(wc, ipv6_src);
        WC_MASK_FIELD(wc, ipv6_dst);
        memcpy(xc->key.src.b, &flow->ipv6_src, sizeof xc->key.src.b);
        memcpy(xc->key.dst.b, &flow->ipv6_dst, sizeof xc->key.dst.b);
        xc->key.ipv6 = 1;
    } else {
        /* libdpi keeps IPv4 addresses IPv4-mapped, as OVS does. */
        struct in6_addr src = in6_addr_mapped_ipv4(flow->nw_src);
        struct in6_addr dst = in6_addr_mapped_ipv4(flow->nw_dst);

        WC_MASK_FIELD(wc, nw_src);
        WC_MASK_FIELD(wc, nw_dst);
        memcpy(xc->key.src.b, &src, sizeof xc->key.src.b);
        memcpy(xc->key.dst.b, &dst, sizeof xc->key.dst.b);
    }
    WC_MASK_FIELD(wc, tp_src);
    WC_MASK_FIELD(wc, tp_dst);
    xc->key.sport = ntohs(flow->tp_src);
    xc->key.dport = ntohs(flow->tp_dst);
    xc->key.proto = flow->nw_proto;

    if (zone) {
        /* The zone replaces the VLAN in the key. */
        dpi_key_set_zone(&xc->key, zone);
        return xc;
    }

    /* Outside zones, the engine keys a packet on its innermost VLAN id.
     * The flow has an IP type only if the datapath parsed every VLAN
     * header. */
    for (size_t i = 0; i < FLOW_MAX_VLAN_HEADERS; i++) {
        wc->masks.vlans[i].tci |= htons(VLAN_CFI);
        if (!(flow->vlans[i].tci & htons(VLAN_CFI))) {
            break;
        }
        wc->masks.vlans[i].tci |= htons(VLAN_VID_MASK);
        vid = vlan_tci_to_vid(flow->vlans[i].tci);
    }
    xc->key.vlan = vid;
    return xc;
}

/* See "Settled connections" in dpi-netdev.h. */
bool
dpi_netdev_xconn_settled(struct dpi_netdev_xconn *xc,
                         struct dpi_netdev_verdict *verdict)
{
    struct dpi_netdev_engine *eng = ovsrcu_get(struct dpi_netdev_engine *,
                                               &cur_engine);
    struct dpi_verdict v;

    xc->skipped = (eng && dpi_netdev_skip_enabled()
                   && dpi_engine_lookup(eng->engine, &xc->key, 0, 0, 0, &v));
    if (xc->skipped) {
        xc->verdict = v;
        verdict->app_id = v.app_id;
        verdict->app_proto = v.app_proto;
        verdict->state = v.state;
        verdict->category = (v.app_id ? dpi_app_category(v.app_id)
                             : DPI_CAT_unspecified);
    }
    return xc->skipped;
}

/* See "Settled connections" in dpi-netdev.h. */
void
dpi_netdev_xconn_push(struct dpi_netdev_xconn *xc, uint64_t n_packets,
                      uint64_t n_bytes, long long int used_ms)
{
    uint64_t counted_packets = MIN(n_packets, xc->counted_packets);
    uint64_t counted_bytes = MIN(n_bytes, xc->counted_bytes);
    struct dpi_netdev_engine *eng;

    n_packets -= counted_packets;
    n_bytes -= counted_bytes;
    xc->counted_packets -= counted_packets;
    xc->counted_bytes -= counted_bytes;
    if (xc->skipped && n_packets) {
        /* Those packets skipped the engine: count them even if the
         * connection has not settled, or no longer has. */
        eng = ovsrcu_get(struct dpi_netdev_engine *, &cur_engine);
        if (eng) {
            dpi_engine_count(eng->engine, &xc->key, n_packets, n_bytes,
                             used_ms > 0 ? used_ms : 0);
        }
    }
}

/* See "Settled connections" in dpi-netdev.h. */
bool
dpi_netdev_xconn_stale(const struct dpi_netdev_xconn *xc)
{
    struct dpi_netdev_engine *eng;
    struct dpi_verdict v;

    if (!dpi_netdev_skip_enabled()) {
        return true;
    }
    eng = ovsrcu_get(struct dpi_netdev_engine *, &cur_engine);
    if (!eng || !dpi_engine_lookup(eng->engine, &xc->key, 0, 0, 0, &v)) {
        return xc->skipped;
    }
    /* Settled: stale unless translated with the same verdict (the
     * connection may have been evicted and settled anew since). */
    return (!xc->skipped || v.app_id != xc->verdict.app_id
            || v.app_proto != xc->verdict.app_proto
            || v.state != xc->verdict.state);
}

/* See "Settled connections" in dpi-netdev.h. */
void
dpi_netdev_xconn_set_skipped(struct dpi_netdev_xconn *xc, bool skipped)
{
    if (skipped || xc->skipped) {
        /* If the flow skips the engine, the verdict its actions set is
         * unknown, even if this translation skipped it too: the upcall
         * that installed them may have seen another one (the connection
         * may have been evicted and settled anew since).
         * dpi_netdev_xconn_stale() then reports the flow stale, and one
         * more translation makes sure. */
        xc->skipped = skipped;
        memset(&xc->verdict, 0, sizeof xc->verdict);
    }
}

/* See "Settled connections" in dpi-netdev.h. */
void
dpi_netdev_xconn_ignore_push(struct dpi_netdev_xconn *xc, uint64_t n_packets,
                             uint64_t n_bytes)
{
    xc->counted_packets = n_packets;
    xc->counted_bytes = n_bytes;
}

/* See "Settled connections" in dpi-netdev.h. */
void
dpi_netdev_xconn_destroy(struct dpi_netdev_xconn *xc)
{
    free(xc);
}

/* Expires idle connections, at most once per DPI_NETDEV_EXPIRE_INTERVAL.
 * Called from dpif_netdev_run() in the main thread, not in a PMD thread:
 * the sweep takes the mutex of every stripe of the connection table in
 * turn, each for a bounded batch of the connections that expire. */
void
dpi_netdev_run(void)
{
    long long int now = time_msec();

    if (now < next_expire) {
        return;
    }
    next_expire = now + DPI_NETDEV_EXPIRE_INTERVAL;

    struct dpi_netdev_engine *eng = ovsrcu_get(struct dpi_netdev_engine *,
                                               &cur_engine);
    if (eng) {
        size_t n = dpi_engine_expire(eng->engine, now);

        if (n) {
            VLOG_DBG("expired %"PRIuSIZE" idle DPI connections", n);
        }
    }
}

/* Wakes up the main loop in time for dpi_netdev_run()'s next sweep. */
void
dpi_netdev_wait(void)
{
    if (ovsrcu_get(struct dpi_netdev_engine *, &cur_engine)) {
        poll_timer_wait_until(next_expire);
    }
}

/* Appends the name of application 'id' to 's', or its number if it is not
 * registered. */
static void
dpi_netdev_format_app(struct ds *s, uint16_t id)
{
    const char *name = dpi_app_name(id);

    if (name) {
        ds_put_cstr(s, name);
    } else {
        ds_put_format(s, "%"PRIu16, id);
    }
}

/* Appends the DPI_STATE_* bits in 'state' to 's', as "trk|done". */
static void
dpi_netdev_format_state(struct ds *s, uint8_t state)
{
    bool first = true;

    for (uint32_t bit = 1; bit <= UINT8_MAX; bit <<= 1) {
        if (state & bit) {
            const char *name = dpi_state_bit_name(bit);

            if (!first) {
                ds_put_char(s, '|');
            }
            if (name) {
                ds_put_cstr(s, name);
            } else {
                ds_put_format(s, "0x%"PRIx32, bit);
            }
            first = false;
        }
    }
    if (first) {
        ds_put_cstr(s, "none");
    }
}

/* Appends address 'addr' and 'port' to 's': "10.0.0.1:80" for an IPv4 flow
 * ('ipv6' false), "[2001:db8::1]:80" for IPv6.  'port' is omitted if
 * 'has_ports' is false. */
static void
dpi_netdev_format_endpoint(struct ds *s, const struct dpi_addr *addr,
                           bool ipv6, bool has_ports, uint16_t port)
{
    char buf[INET6_ADDRSTRLEN];

    if (ipv6) {
        inet_ntop(AF_INET6, addr->b, buf, sizeof buf);
        ds_put_format(s, has_ports ? "[%s]" : "%s", buf);
    } else {
        inet_ntop(AF_INET, addr->b + 12, buf, sizeof buf);
        ds_put_cstr(s, buf);
    }
    if (has_ports) {
        ds_put_format(s, ":%"PRIu16, port);
    }
}

/* Appends the metadata value of 'len' bytes at 'value' to 's' as a
 * quoted JSON string. */
static void
dpi_netdev_format_md(struct ds *s, const char *value, size_t len)
{
    char *copy = xmemdup0(value, len);

    json_string_escape(copy, s);
    free(copy);
}

/* What "dpi/dump-flows" prints. */
struct dpi_netdev_dump {
    struct ds s;                /* The lines so far. */
    int zone;                   /* Only connections of this zone (0: those
                                 * outside zones), or -1 for all. */
};

/* Appends the one-line description of connection 'fi' to the struct
 * dpi_netdev_dump 'aux', for "dpi/dump-flows", if it is in the zone that
 * 'aux' asks for. */
static void
dpi_netdev_dump_cb(const struct dpi_flow_info *fi, void *aux)
{
    const struct dpi_key *k = &fi->key;
    /* libdpi keys SCTP, like every protocol but TCP and UDP, on the
     * addresses only. */
    bool has_ports = k->proto == IPPROTO_TCP || k->proto == IPPROTO_UDP;
    struct dpi_netdev_dump *dump = aux;
    struct ds *s = &dump->s;

    if (dump->zone >= 0 && dump->zone != (k->zoned ? k->vlan : 0)) {
        return;
    }

    switch (k->proto) {
    case IPPROTO_TCP:
        ds_put_cstr(s, "tcp");
        break;
    case IPPROTO_UDP:
        ds_put_cstr(s, "udp");
        break;
    case IPPROTO_SCTP:
        ds_put_cstr(s, "sctp");
        break;
    default:
        ds_put_format(s, "proto=%"PRIu8, k->proto);
        break;
    }
    if (k->ipv6) {
        ds_put_char(s, '6');
    }
    if (k->zoned) {
        ds_put_format(s, ",zone=%"PRIu16, k->vlan);
    } else if (k->vlan) {
        ds_put_format(s, ",vlan=%"PRIu16, k->vlan);
    }
    ds_put_cstr(s, ",client=");
    dpi_netdev_format_endpoint(s, &k->src, k->ipv6, has_ports, k->sport);
    ds_put_cstr(s, ",server=");
    dpi_netdev_format_endpoint(s, &k->dst, k->ipv6, has_ports, k->dport);

    ds_put_cstr(s, ",app_id=");
    dpi_netdev_format_app(s, fi->verdict.app_id);
    ds_put_cstr(s, ",app_proto=");
    dpi_netdev_format_app(s, fi->verdict.app_proto);
    ds_put_cstr(s, ",state=");
    dpi_netdev_format_state(s, fi->verdict.state);
    ds_put_format(s, ",packets=%"PRIu64"/%"PRIu64",bytes=%"PRIu64"/%"PRIu64,
                  fi->packets[0], fi->packets[1], fi->bytes[0], fi->bytes[1]);
    enum dpi_category cat = dpi_app_category(fi->verdict.app_id);
    const char *cat_name = dpi_category_name(cat);

    if (cat_name) {
        ds_put_format(s, ",category=%s", cat_name);
    } else {
        ds_put_format(s, ",category=%d", (int) cat);
    }
    if (fi->encap) {
        char encaps[64];

        ds_put_format(s, ",encap=%s",
                      dpi_encap_names(fi->encap, encaps, sizeof encaps));
    }

    uint32_t pos = 0;
    struct dpi_md_value v;

    while (dpi_md_next(fi->md, &pos, &v)) {
        if (dpi_field_is_hidden(v.field)) {
            continue;
        }
        ds_put_format(s, ",%s=", dpi_field_name(v.field));
        if (dpi_field_type(v.field) == DPI_FT_STR) {
            dpi_netdev_format_md(s, v.str, v.len);
        } else {
            ds_put_format(s, "%"PRIu64, v.num);
        }
    }
    ds_put_char(s, '\n');
}

/* "dpi/dump-flows [zone=N]": one line per connection in the DPI table, or
 * per connection of zone N only (zone=0: those outside zones), as
 * "dpctl/dump-conntrack zone=N" does. */
static void
dpi_netdev_unixctl_dump_flows(struct unixctl_conn *conn, int argc,
                              const char *argv[], void *aux OVS_UNUSED)
{
    struct dpi_netdev_engine *eng = ovsrcu_get(struct dpi_netdev_engine *,
                                               &cur_engine);
    struct dpi_netdev_dump dump = { .s = DS_EMPTY_INITIALIZER, .zone = -1 };

    if (argc > 1) {
        unsigned int zone;

        if (strncmp(argv[1], "zone=", 5)
            || !str_to_uint(argv[1] + 5, 10, &zone) || zone > UINT16_MAX) {
            unixctl_command_reply_error(conn, "bad argument (expected "
                                        "zone=N, N from 0 to 65535)");
            return;
        }
        dump.zone = zone;
    }

    /* Before the engine starts, there is no connection to show. */
    if (eng) {
        dpi_engine_dump(eng->engine, dpi_netdev_dump_cb, &dump);
    }
    unixctl_command_reply(conn, ds_cstr(&dump.s));
    ds_destroy(&dump.s);
}

/* Orders struct dpi_app_stats by decreasing number of flows, then by
 * application id, for "dpi/show". */
static int
dpi_netdev_app_stats_cmp(const void *a_, const void *b_)
{
    const struct dpi_app_stats *a = a_;
    const struct dpi_app_stats *b = b_;

    if (a->flows != b->flows) {
        return a->flows > b->flows ? -1 : 1;
    }
    return a->app_id < b->app_id ? -1 : a->app_id > b->app_id;
}

/* "dpi/show": engine configuration and counters, and per-application
 * counters.  Before the engine starts, the configuration that it will
 * start with and zero counters. */
static void
dpi_netdev_unixctl_show(struct unixctl_conn *conn, int argc OVS_UNUSED,
                        const char *argv[] OVS_UNUSED, void *aux OVS_UNUSED)
{
    struct dpi_netdev_engine *eng = ovsrcu_get(struct dpi_netdev_engine *,
                                               &cur_engine);
    struct ds s = DS_EMPTY_INITIALIZER;
    struct dpi_stats st;
    uint64_t not_ip;
    uint32_t inspect;

    ovs_mutex_lock(&dpi_netdev_mutex);
    inspect = dpi_netdev_cfg.inspect_packets;
    if (eng) {
        /* Read under the mutex: a reload frees the previous name. */
        ds_put_format(&s, "engine: running, signatures generation "
                      "%"PRIu32"\n",
                      dpi_engine_signatures_gen(eng->engine));
        ds_put_format(&s, "signatures: %s\n",
                      dpi_engine_signatures(eng->engine));
    } else {
        ds_put_cstr(&s, "engine: not started\n");
        ds_put_format(&s, "signatures: %s\n",
                      dpi_netdev_sig_name(dpi_netdev_signatures));
        memset(&st, 0, sizeof st);
        st.max_flows = dpi_netdev_cfg.max_flows;
    }
    if (sig_refused) {
        ds_put_format(&s, "signatures refused: other_config:dpi-signatures: "
                      "%s\n", sig_refused);
    }
    ovs_mutex_unlock(&dpi_netdev_mutex);
    atomic_read_relaxed(&n_not_ip, &not_ip);

    if (eng) {
        dpi_engine_get_stats(eng->engine, &st);
    }
    ds_put_format(&s, "inspect-packets: %"PRIu32"\n", inspect);
    ds_put_format(&s, "flows: %"PRIu64" (max %"PRIu64")\n",
                  st.n_flows, st.max_flows);
    ds_put_format(&s, "flows created: %"PRIu64", evicted: %"PRIu64
                  ", expired: %"PRIu64"\n", st.created, st.evicted,
                  st.expired);
    ds_put_format(&s, "packets inspected: %"PRIu64", bad IP/L4 header: "
                  "%"PRIu64", not IP: %"PRIu64"\n",
                  st.packets, st.bad_packets, not_ip);

    if (st.n_apps) {
        qsort(st.apps, st.n_apps, sizeof *st.apps, dpi_netdev_app_stats_cmp);
        ds_put_format(&s, "%-20s %10s %12s %16s\n",
                      "application", "flows", "packets", "bytes");
        for (size_t i = 0; i < st.n_apps; i++) {
            const struct dpi_app_stats *a = &st.apps[i];
            const char *name = dpi_app_name(a->app_id);

            if (name) {
                ds_put_format(&s, "%-20s", name);
            } else {
                ds_put_format(&s, "%-20"PRIu16, a->app_id);
            }
            ds_put_format(&s, " %10"PRIu64" %12"PRIu64" %16"PRIu64"\n",
                          a->flows, a->packets, a->bytes);
        }
    }
    dpi_stats_destroy(&st);

    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

/* "dpi/reload [FILE]": compiles the signature file FILE (by default the one
 * that "dpi-signatures" names now, even if it was refused before, or the
 * built-in signatures) in the main thread and swaps it into the running
 * engine: packets keep flowing, and connections keep their verdicts.  If the
 * file does not load, the reply is an error, the single line "FILE:LINE:
 * reason", and the engine keeps the signatures it has.  FILE stays in force
 * until the next reload or the next change of "dpi-signatures". */
static void
dpi_netdev_unixctl_reload(struct unixctl_conn *conn, int argc,
                          const char *argv[], void *aux OVS_UNUSED)
{
    if (argc > 1 && !argv[1][0]) {
        unixctl_command_reply_error(conn, "empty FILE (give none to reload "
                                    "the configured signatures)");
        return;
    }

    ovs_mutex_lock(&dpi_netdev_mutex);

    const char *path = argc > 1 ? argv[1] : last_signatures;
    char *error = dpi_netdev_load_signatures(path);
    if (error) {
        VLOG_WARN("dpi/reload: %s; keeping the current signatures", error);
        unixctl_command_reply_error(conn, error);
        if (argc <= 1) {
            /* The configured file does not load (any more). */
            free(sig_refused);
            sig_refused = error;
        } else {
            free(error);
        }
    } else {
        struct dpi_netdev_engine *eng = ovsrcu_get_protected(
            struct dpi_netdev_engine *, &cur_engine);
        char *msg = xasprintf("reloaded signatures %s (generation %"PRIu32
                              ")", dpi_netdev_sig_name(path),
                              dpi_engine_signatures_gen(eng->engine));

        VLOG_INFO("dpi/reload: %s", msg);
        unixctl_command_reply(conn, msg);
        free(msg);

        if (argc <= 1) {
            /* The configured file, perhaps refused before, is in force
             * now. */
            free(dpi_netdev_signatures);
            dpi_netdev_signatures = nullable_xstrdup(last_signatures);
            free(sig_refused);
            sig_refused = NULL;
        }
    }

    ovs_mutex_unlock(&dpi_netdev_mutex);
}
