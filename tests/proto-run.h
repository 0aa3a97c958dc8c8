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


#ifndef TESTS_PROTO_RUN_H
#define TESTS_PROTO_RUN_H 1

/* Test helper shared by the protocol parser tests: runs a parser on an
 * exact-size heap copy of its input, so that a read past the end is caught
 * by ASan or valgrind. */

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dpi-proto.h"

/* Runs 'parse' on a heap copy of 'len' bytes at 'data' with the given
 * transport, direction and ports, and a fresh metadata store. */
static inline enum dpi_proto_result
run_ports(dpi_proto_func *parse, const void *data, size_t len, bool is_tcp,
          bool to_server, uint16_t client_port, uint16_t server_port)
{
    struct dpi_proto_ctx ctx = {
        .to_server = to_server, .is_tcp = is_tcp,
        .client_port = client_port, .server_port = server_port,
    };
    uint8_t *copy = malloc(len ? len : 1);
    enum dpi_proto_result r;
    struct dpi_md md;

    assert_non_null(copy);
    memcpy(copy, data, len);
    dpi_md_init(&md, 65536);
    r = parse(&ctx, copy, len, &md);
    dpi_md_destroy(&md);
    free(copy);
    return r;
}

#endif /* tests/proto-run.h */
