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

/* libFuzzer target: every protocol parser of lib/proto/parsers.def.
 *
 * The parser table is built here from parsers.def itself, so a parser
 * registered later is fuzzed without a change to this file.
 *
 * Input layout (see tests/fuzz/README.md):
 *
 *   byte 0      flags: bit 0 to_server, bit 1 is_tcp, bit 7 "all parsers"
 *               (every parser in turn, on one shared metadata store, as
 *               the classifier tries its candidates on one connection)
 *   byte 1      parser index, modulo the number of parsers (bit 7 clear)
 *   bytes 2-3   server port, big-endian
 *   bytes 4-5   client port, big-endian
 *   byte 6      where the first call's stream prefix ends, in 256ths of
 *               the payload
 *   rest        the payload (TCP: at most DPI_PROTO_MAX_STREAM bytes;
 *               UDP: at most 65535)
 *
 * Each chosen parser is called as the engine calls it: on the stream
 * prefix, then (if it said MORE) on the whole payload as the longer
 * prefix, then, if it is registered with 'follow', on the rest of the
 * payload as a packet after the verdict.  One struct dpi_md persists
 * across the calls, so paths that depend on what earlier calls stored are
 * reached.  After every call the metadata must be within its budget and
 * well formed. */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dpi-proto.h"
#include "fuzz-util.h"

/* The parsers, in parsers.def order. */
static const struct dpi_parser fuzz_parsers[] = {
#define DPI_PARSER(APP, FUNC, FINAL, HOST_FIELD, FOLLOW) \
    { APP, FUNC, FINAL, HOST_FIELD, FOLLOW },
#include "proto/parsers.def"
#undef DPI_PARSER
};
#define FUZZ_N_PARSERS (sizeof fuzz_parsers / sizeof fuzz_parsers[0])

/* Size of the input header before the payload. */
#define FUZZ_HDR 7

/* Runs parser 'p' on 'payload' as the engine would (see the file comment),
 * with 'md' persisting across the calls. */
static void
fuzz_one_parser(const struct dpi_parser *p, struct dpi_proto_ctx *ctx,
                const uint8_t *payload, size_t len, size_t split,
                struct dpi_md *md)
{
    enum dpi_proto_result r;

    ctx->follow = false;
    r = p->parse(ctx, payload, split, md);
    fuzz_check_result(r);
    fuzz_check_md(md);
    if (r == DPI_PROTO_MORE && split < len) {
        r = p->parse(ctx, payload, len, md);
        fuzz_check_result(r);
        fuzz_check_md(md);
    }
    if (p->follow) {
        ctx->follow = true;
        r = p->parse(ctx, payload + split, len - split, md);
        fuzz_check_result(r);
        fuzz_check_md(md);
    }
}

/* libFuzzer entry point. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dpi_proto_ctx ctx;
    const uint8_t *payload;
    uint8_t *copy;
    struct dpi_md md;
    size_t len, split;

    /* A TCP stream prefix is at most DPI_PROTO_MAX_STREAM bytes; a UDP
     * datagram's payload may be as long as an IP packet allows. */
    if (size < FUZZ_HDR
        || size - FUZZ_HDR > ((data[0] >> 1) & 1 ? DPI_PROTO_MAX_STREAM
                              : 65535)) {
        return -1;              /* Not kept in the corpus. */
    }
    memset(&ctx, 0, sizeof ctx);
    ctx.to_server = data[0] & 1;
    ctx.is_tcp = (data[0] >> 1) & 1;
    ctx.server_port = data[2] << 8 | data[3];
    ctx.client_port = data[4] << 8 | data[5];
    ctx.now_us = 1700000000000000ULL;

    /* An exact-size heap copy, so that ASan sees any read past the end of
     * the payload. */
    len = size - FUZZ_HDR;
    copy = malloc(len ? len : 1);
    if (!copy) {
        abort();
    }
    memcpy(copy, data + FUZZ_HDR, len);
    payload = copy;
    split = len * data[6] / 255;

    dpi_md_init(&md, DPI_DEFAULT_METADATA_MAX);
    if (data[0] & 0x80) {
        size_t i;

        for (i = 0; i < FUZZ_N_PARSERS; i++) {
            fuzz_one_parser(&fuzz_parsers[i], &ctx, payload, len, split, &md);
        }
    } else {
        fuzz_one_parser(&fuzz_parsers[data[1] % FUZZ_N_PARSERS], &ctx,
                        payload, len, split, &md);
    }
    dpi_md_destroy(&md);
    free(copy);
    return 0;
}
