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

/* libFuzzer target: dpi_parse_eth() on the input as one Ethernet frame,
 * VLAN tags, tunnels (VXLAN, GRE, GTP-U, IP-in-IP), IPv6 extension headers
 * and fragments included.
 *
 * Besides what the sanitizers catch, a frame that parses must give a
 * packet whose payload lies inside the frame and whose tunnel count is
 * within DPI_MAX_ENCAP. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dpi.h"
#include "fuzz-util.h"

/* libFuzzer entry point. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    enum dpi_parse_result r;
    struct dpi_pkt pkt;
    uint8_t *frame;
    char names[128];

    if (size > 65535) {
        return -1;
    }
    /* An exact-size heap copy, so that ASan sees reads past the frame. */
    frame = malloc(size ? size : 1);
    if (!frame) {
        abort();
    }
    memcpy(frame, data, size);

    memset(&pkt, 0xa5, sizeof pkt);
    r = dpi_parse_eth(frame, size, &pkt);
    FUZZ_ASSERT(dpi_parse_result_str(r) != NULL, "no name for the result");
    if (r == DPI_PARSE_OK) {
        if (pkt.payload) {
            FUZZ_ASSERT(pkt.payload >= frame
                        && pkt.payload_len <= size
                        && (size_t) (pkt.payload - frame)
                           <= size - pkt.payload_len,
                        "payload outside the frame");
        } else {
            FUZZ_ASSERT(pkt.payload_len == 0, "no payload but a length");
        }
        FUZZ_ASSERT(pkt.n_encap <= DPI_MAX_ENCAP, "too many tunnels");
        FUZZ_ASSERT(pkt.key.ipv6 <= 1, "bad ipv6 flag");
        FUZZ_ASSERT(pkt.frame_len == size, "frame length is not the frame's");
        dpi_encap_names(pkt.encap, names, sizeof names);
        FUZZ_ASSERT(memchr(names, '\0', sizeof names), "names unterminated");
    }
    free(frame);
    return 0;
}
