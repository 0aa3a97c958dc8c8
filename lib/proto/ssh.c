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

/* SSH parser: the identification string (RFC 4253 4.2).
 *
 * Each side starts with "SSH-protoversion-softwareversion [comments]"
 * ended by CR LF (a bare LF is accepted, as OpenSSH does), at most 255
 * bytes in all, printable US-ASCII.  The parser requires the stream to
 * start with it; the banner lines a server may send before it are not
 * accepted.  The line, without CR LF, is the metadata (as tshark's
 * ssh.protocol field shows it). */

#include "dpi-proto.h"

#include <stdbool.h>
#include <string.h>

/* Longest identification line, CR LF included (RFC 4253 4.2). */
#define SSH_MAX_LINE 255

/* Parses the identification string at the start of one direction of an SSH
 * connection.  See dpi-proto.h. */
enum dpi_proto_result
dpi_ssh_parse(const struct dpi_proto_ctx *ctx, const uint8_t *data,
              size_t len, struct dpi_md *md)
{
    static const char prefix[] = "SSH-";
    size_t i, end;

    if (!ctx->is_tcp) {
        return DPI_PROTO_NO;
    }
    for (i = 0; i < 4; i++) {
        if (i == len) {
            return DPI_PROTO_MORE;
        }
        if (data[i] != (uint8_t) prefix[i]) {
            return DPI_PROTO_NO;
        }
    }
    for (i = 4; i < len && i < SSH_MAX_LINE; i++) {
        if (data[i] == '\n') {
            break;
        }
        if ((data[i] < 0x20 || data[i] > 0x7e)
            && !(data[i] == '\r'
                 && (i + 1 == len || data[i + 1] == '\n'))) {
            return DPI_PROTO_NO;
        }
    }
    if (i == len) {
        return len < SSH_MAX_LINE ? DPI_PROTO_MORE : DPI_PROTO_NO;
    }
    if (i == SSH_MAX_LINE || data[4] < '0' || data[4] > '9') {
        return DPI_PROTO_NO;
    }
    end = i > 0 && data[i - 1] == '\r' ? i - 1 : i;
    dpi_md_set(md, ctx->to_server ? DPI_F_ssh_client : DPI_F_ssh_server,
               data, end);
    return DPI_PROTO_YES;
}
