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

/* Datapath glue between dpif-netdev and libdpi.
 *
 * This is the one module that knows both Open vSwitch and libdpi.  It is
 * compiled into libopenvswitch by the ovs-dpi patch series and called from
 * dpif-netdev.c only:
 *
 *   - dpi_netdev_init() once, from dpif_netdev_init(): registers the
 *     "dpi/..." ovs-appctl commands.
 *
 *   - dpi_netdev_set_config() from dpif_netdev_set_config(), with the
 *     Open_vSwitch other_config column: the "dpi-*" knobs.
 *
 *   - dpi_netdev_pmd_create()/dpi_netdev_pmd_destroy() with each PMD thread
 *     (and the non-PMD thread), for the per-thread inspection context.
 *
 *   - dpi_netdev_execute() from dp_execute_cb() for the dpi() datapath
 *     action: classifies every packet of the batch and writes the verdict
 *     into its metadata (md.dpi_state, md.dpi_app_id, md.dpi_app_proto and
 *     md.dpi_app_category, the registry's category of the app_id), so that
 *     the recirculated lookup can match on it.
 *
 *   - dpi_netdev_run() and dpi_netdev_wait() from dpif_netdev_run() and
 *     dpif_netdev_wait(), in the main thread: expiry of idle connections,
 *     about once a second.
 *
 * Thread-safety
 * =============
 *
 * dpi_netdev_execute() may run concurrently on every PMD thread, each with
 * its own 'struct dpi_netdev_pmd'.  dpi_netdev_set_config(),
 * dpi_netdev_run(), dpi_netdev_wait() and the ovs-appctl commands run in the
 * main thread.  dpi_netdev_pmd_create() and dpi_netdev_pmd_destroy() may run
 * in any thread, but not concurrently with dpi_netdev_execute() on the same
 * 'struct dpi_netdev_pmd'. */

struct dp_packet_batch;
struct smap;
struct dpi_netdev_pmd;

void dpi_netdev_init(void);
void dpi_netdev_set_config(const struct smap *other_config);
struct dpi_netdev_pmd *dpi_netdev_pmd_create(void);
void dpi_netdev_pmd_destroy(struct dpi_netdev_pmd *);
void dpi_netdev_execute(struct dpi_netdev_pmd *, struct dp_packet_batch *,
                        long long now_ms);
void dpi_netdev_run(void);
void dpi_netdev_wait(void);

#endif /* dpi-netdev.h */
