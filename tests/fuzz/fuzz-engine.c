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

/* libFuzzer target: the whole packet path of libdpi.
 *
 * The input is a sequence of records, each a frame and what to do around
 * it:
 *
 *   byte 0      control: bits 0-2 how far the clock advances before the
 *               frame (0, 1 ms, 10 ms, 100 ms, 1 s, 10 s, 60 s, 200 s:
 *               the last is past the idle timeout), bit 3 expire after
 *               the frame, bit 4 dump the table after it, bit 5 set the
 *               table capacity to 16 * (1 + bits 6-7) before it
 *   bytes 1-2   frame length, big-endian (cut to what is left)
 *   ...         the Ethernet frame
 *
 * Each frame is parsed with dpi_parse_eth() and, if it parses, fed to
 * dpi_process() on one engine with a 64-connection table, so that the
 * connection table (creation, eviction, expiry), TCP reassembly, the
 * classifier with its parsers and the metadata store all run.
 *
 * The engine (whose signature database takes a while to compile) lives
 * across inputs; each input starts at a clock one hour past the previous
 * input's and ends by expiring every connection, so inputs do not see one
 * another's connections. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dpi.h"
#include "fuzz-util.h"

/* Connection table capacity between inputs. */
#define FUZZ_MAX_FLOWS 64

/* Clock steps, in milliseconds, selected by bits 0-2 of a control byte. */
static const uint64_t fuzz_steps[8] = {
    0, 1, 10, 100, 1000, 10000, 60000, 200000
};

static struct dpi_engine *fuzz_engine;   /* The engine. */
static struct dpi_worker *fuzz_worker;   /* Its only worker. */
static uint64_t fuzz_now_ms = 1000000;   /* Clock, never goes back. */

/* Checks one connection of a dump: 'aux' is the dump's connection
 * counter. */
static void
fuzz_dump_cb(const struct dpi_flow_info *info, void *aux)
{
    size_t *n = aux;

    (*n)++;
    FUZZ_ASSERT(info->md != NULL, "dump without metadata");
    fuzz_check_md(info->md);
    FUZZ_ASSERT(info->first_ms <= info->last_ms, "last before first");
    FUZZ_ASSERT(info->last_ms <= fuzz_now_ms, "packet from the future");
    FUZZ_ASSERT(info->key.ipv6 <= 1, "bad ipv6 flag");
}

/* Checks that the table holds at most its capacity. */
static void
fuzz_check_stats(void)
{
    struct dpi_stats stats;

    dpi_engine_get_stats(fuzz_engine, &stats);
    FUZZ_ASSERT(stats.n_flows <= stats.max_flows, "table over capacity");
    dpi_stats_destroy(&stats);
}

/* libFuzzer entry point. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t n;

    if (!fuzz_engine) {
        struct dpi_config cfg;
        char *error = NULL;

        dpi_config_init(&cfg);
        cfg.max_flows = FUZZ_MAX_FLOWS;
        if (dpi_engine_create(&cfg, &fuzz_engine, &error)) {
            fprintf(stderr, "fuzz-engine: %s\n", error ? error : "?");
            abort();
        }
        fuzz_worker = dpi_worker_create(fuzz_engine);
        FUZZ_ASSERT(fuzz_worker != NULL, "no worker");
    }
    if (size > 1 << 20) {
        return -1;
    }

    fuzz_now_ms += 3600 * 1000;
    while (size >= 3) {
        uint8_t ctl = data[0];
        size_t len = data[1] << 8 | data[2];
        struct dpi_verdict v;
        struct dpi_pkt pkt;
        uint8_t *frame;

        data += 3;
        size -= 3;
        if (len > size) {
            len = size;
        }
        fuzz_now_ms += fuzz_steps[ctl & 7];
        if (ctl & 0x20) {
            dpi_engine_set_limits(fuzz_engine, 16 * (1 + (ctl >> 6)),
                                  DPI_DEFAULT_INSPECT_PACKETS);
            fuzz_check_stats();
        }

        /* An exact-size heap copy, so that ASan sees reads past it. */
        frame = malloc(len ? len : 1);
        FUZZ_ASSERT(frame != NULL, "out of memory");
        memcpy(frame, data, len);
        if (dpi_parse_eth(frame, len, &pkt) == DPI_PARSE_OK) {
            memset(&v, 0xa5, sizeof v);
            dpi_process(fuzz_worker, &pkt, fuzz_now_ms, &v);
            FUZZ_ASSERT(v.state & DPI_STATE_TRK, "verdict not tracked");
        } else {
            dpi_worker_count_bad_packet(fuzz_worker);
        }
        free(frame);
        data += len;
        size -= len;

        if (ctl & 0x08) {
            dpi_engine_expire(fuzz_engine, fuzz_now_ms);
        }
        if (ctl & 0x10) {
            n = 0;
            dpi_engine_dump(fuzz_engine, fuzz_dump_cb, &n);
            FUZZ_ASSERT(n <= FUZZ_MAX_FLOWS * 4, "dump over capacity");
            fuzz_check_stats();
        }
    }

    /* Back to the initial state: every connection expired. */
    fuzz_check_stats();
    dpi_engine_set_limits(fuzz_engine, FUZZ_MAX_FLOWS,
                          DPI_DEFAULT_INSPECT_PACKETS);
    fuzz_now_ms += 3600 * 1000;
    dpi_engine_expire(fuzz_engine, fuzz_now_ms);
    n = 0;
    dpi_engine_dump(fuzz_engine, fuzz_dump_cb, &n);
    FUZZ_ASSERT(n == 0, "connections left after expiry");
    return 0;
}
