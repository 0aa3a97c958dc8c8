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

#ifndef DPI_NETDEV_H
#define DPI_NETDEV_H 1

#include <stdbool.h>
#include <stdint.h>

/* Datapath glue between dpif-netdev and libdpi.
 *
 * This is the one module that knows both Open vSwitch and libdpi.  It is
 * compiled into libopenvswitch by the ovs-dpi patch series and called from
 * dpif-netdev.c and, for what translation and flow setup need, from
 * ofproto-dpif:
 *
 *   - dpi_netdev_init() once, from dpif_netdev_init(): registers the
 *     "dpi/..." ovs-appctl commands.
 *
 *   - dpi_netdev_set_config() from dpif_netdev_set_config(), with the
 *     Open_vSwitch other_config column: the "dpi-*" knobs.
 *
 *   - dpi_netdev_start() from ofproto-dpif, in the main thread, when a
 *     flow or group whose actions include dpi is added: creates the engine
 *     (compiles the signatures) there, before a packet reaches the action,
 *     if it does not exist yet.  Otherwise the first dpi action creates it.
 *
 *   - dpi_netdev_pmd_create()/dpi_netdev_pmd_destroy() with each PMD thread
 *     (and the non-PMD thread), for the per-thread inspection context.
 *
 *   - dpi_netdev_execute() from dp_execute_cb() for the dpi() datapath
 *     action: classifies every packet of the batch and writes the verdict
 *     into its metadata (md.dpi_state, md.dpi_app_id, md.dpi_app_proto and
 *     md.dpi_app_category, the registry's category of the app_id), so that
 *     the recirculated lookup can match on it.  The action's zone (0 if
 *     none) separates connections as a conntrack zone does: it replaces the
 *     VLAN in the engine's key.
 *
 *   - dpi_netdev_run() and dpi_netdev_wait() from dpif_netdev_run() and
 *     dpif_netdev_wait(), in the main thread: expiry of idle connections,
 *     about once a second.
 *
 * Settled connections
 * ===================
 *
 * With other_config:dpi-skip-classified=true, translation lets the packets
 * of a settled connection (one with nothing more to learn from its packets:
 * see "Settled connections" in dpi.h) skip the engine and the
 * recirculation: ofproto-dpif-xlate translates "dpi(table=N)" for such a
 * packet into a datapath action that sets the verdict in the packet's
 * metadata, followed by table N's actions.  For that,
 *
 *   - dpi_netdev_xconn_create() un-wildcards in 'wc' the fields that the
 *     engine keys a connection on (IP addresses, IP protocol, ports, VLAN
 *     ids unless the dpi action's zone, given, replaces them, fragment
 *     bits), so that each direction of each connection gets
 *     a datapath flow of its own, and returns the connection of the flow
 *     being translated, or NULL if the knob is off or the flow is not an
 *     unfragmented TCP or UDP packet, or is a TCP segment with SYN, FIN or
 *     RST (those always go through the engine).  Even then it un-wildcards
 *     the fields that its answer depends on.
 *
 *   - dpi_netdev_xconn_settled() returns true, with the verdict in
 *     '*verdict', if the connection has settled.
 *
 *   - The translation cache keeps the connection for the datapath flow's
 *     life.  dpi_netdev_xconn_push() hands the engine the packets of a
 *     flow translated as settled, which keeps the connection alive and its
 *     counters right.  dpi_netdev_xconn_stale() returns true once a new
 *     translation would differ: the connection of a flow that still runs
 *     the dpi action has settled, or that of a settled flow has gone (it
 *     expired or was evicted) or has another verdict, or the knob is off.
 *     The revalidators then translate the flow again.
 *     dpi_netdev_xconn_set_skipped() says whether the datapath flow skips
 *     the engine, when the translation's actions were not the ones
 *     installed (a flow said to skip it is then stale: the verdict its
 *     actions set is not known, and may not be the one the translation
 *     saw).  dpi_netdev_xconn_ignore_push() gives the packets and bytes
 *     that the engine counted already, which the next pushes leave out
 *     (the push of a deleted flow adds newer packets to them).
 *     dpi_netdev_xconn_destroy() frees it.
 *
 * dpi_netdev_skip_changes() counts the changes of the knob, so that
 * ofproto-dpif can revalidate every datapath flow when it changes.
 *
 * Thread-safety
 * =============
 *
 * dpi_netdev_execute() may run concurrently on every PMD thread, each with
 * its own 'struct dpi_netdev_pmd'.  The dpi_netdev_xconn_*() functions may
 * run in any thread, concurrently with everything else, but not on the
 * same 'struct dpi_netdev_xconn' at once.  dpi_netdev_start() may run in
 * any thread (it waits for a creation under way elsewhere).
 * dpi_netdev_set_config(), dpi_netdev_run(), dpi_netdev_wait() and the
 * ovs-appctl commands run in the main thread.  dpi_netdev_pmd_create() and
 * dpi_netdev_pmd_destroy() may run in any thread, but not concurrently with
 * dpi_netdev_execute() on the same 'struct dpi_netdev_pmd'. */

struct dp_packet_batch;
struct flow;
struct flow_wildcards;
struct smap;
struct dpi_netdev_pmd;
struct dpi_netdev_xconn;

void dpi_netdev_init(void);
void dpi_netdev_set_config(const struct smap *other_config);
void dpi_netdev_start(void);
struct dpi_netdev_pmd *dpi_netdev_pmd_create(void);
void dpi_netdev_pmd_destroy(struct dpi_netdev_pmd *);
void dpi_netdev_execute(struct dpi_netdev_pmd *, struct dp_packet_batch *,
                        long long now_ms, uint16_t zone);
void dpi_netdev_run(void);

bool dpi_netdev_skip_enabled(void);
uint64_t dpi_netdev_skip_changes(void);
struct dpi_netdev_xconn *dpi_netdev_xconn_create(const struct flow *,
                                                 struct flow_wildcards *,
                                                 uint16_t zone);

/* A settled connection's verdict, as dpi_netdev_xconn_settled() gives it:
 * the values of the DPI fields of its packets. */
struct dpi_netdev_verdict {
    uint16_t app_id;            /* app_id. */
    uint16_t app_proto;         /* app_proto. */
    uint8_t state;              /* dpi_state. */
    uint8_t category;           /* app_category. */
};

bool dpi_netdev_xconn_settled(struct dpi_netdev_xconn *,
                              struct dpi_netdev_verdict *);
void dpi_netdev_xconn_push(struct dpi_netdev_xconn *,
                           uint64_t n_packets, uint64_t n_bytes,
                           long long int used_ms);
bool dpi_netdev_xconn_stale(const struct dpi_netdev_xconn *);
void dpi_netdev_xconn_set_skipped(struct dpi_netdev_xconn *, bool skipped);
void dpi_netdev_xconn_ignore_push(struct dpi_netdev_xconn *,
                                  uint64_t n_packets, uint64_t n_bytes);
void dpi_netdev_xconn_destroy(struct dpi_netdev_xconn *);
void dpi_netdev_wait(void);

#endif /* dpi-netdev.h */
