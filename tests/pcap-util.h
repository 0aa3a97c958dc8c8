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

#ifndef PCAP_UTIL_H
#define PCAP_UTIL_H 1

/* Test helpers: captures read with libpcap and parsed with dpi_parse_eth(),
 * the corpus oracle files (oracle/<pcap>.tsv, see the corpus README) and
 * the flows that join the two.
 *
 * Everything here is for single-threaded tests; allocation failures
 * abort. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dpi.h"

/* One packet of a capture. */
struct pu_packet {
    uint8_t *frame;             /* Frame bytes, malloc()ed. */
    size_t len;                 /* Captured length. */
    struct dpi_pkt pkt;         /* Parsed; payload points into 'frame'. */
    bool ok;                    /* dpi_parse_eth() returned DPI_PARSE_OK. */
};

/* A capture, all in memory. */
struct pu_capture {
    struct pu_packet *pkts;     /* Packets in capture order. */
    size_t n;                   /* Number of packets. */
};

/* One row of an oracle file. */
struct pu_row {
    char **cells;               /* Raw (still %-encoded) cells. */
    size_t n_cells;             /* Number of cells. */
};

/* An oracle file. */
struct pu_oracle {
    char **columns;             /* Column names, without the '#'. */
    size_t n_columns;           /* Number of columns. */
    struct pu_row *rows;        /* Data rows. */
    size_t n_rows;              /* Number of rows. */
};

const char *pu_corpus_dir(void);
char *pu_corpus_path(const char *sub, const char *name);

bool pu_capture_load(const char *path, struct pu_capture *);
void pu_capture_destroy(struct pu_capture *);

bool pu_oracle_load(const char *path, struct pu_oracle *);
void pu_oracle_destroy(struct pu_oracle *);
const char *pu_cell(const struct pu_oracle *, const struct pu_row *,
                    const char *column);
bool pu_cell_first(const struct pu_oracle *, const struct pu_row *,
                   const char *column, char *buf, size_t size);
bool pu_cell_has(const struct pu_oracle *, const struct pu_row *,
                 const char *column, const char *value, size_t max_len);

int pu_match(const struct pu_oracle *, const struct pu_row *,
             const struct dpi_pkt *);
const struct dpi_pkt *pu_first_payload(const struct pu_capture *,
                                      const struct pu_oracle *,
                                      const struct pu_row *);
size_t pu_stream(const struct pu_capture *, const struct pu_oracle *,
                 const struct pu_row *, bool to_server, uint8_t *buf,
                 size_t size);

#endif /* pcap-util.h */
