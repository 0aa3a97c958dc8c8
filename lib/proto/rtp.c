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

/* RTP and RTCP parsers (RFC 3550, RFC 3551, RFC 5761).
 *
 * RTP header (RFC 3550 5.1): V=2 (2 bits), P, X, CC (4 bits), M, PT (7
 * bits), sequence number (16), timestamp (32), SSRC (32), then CC CSRCs
 * of 32 bits, then, with X, an extension of a 16-bit profile word, a
 * 16-bit length in 32-bit words and that many words; with P, the last
 * payload byte counts the padding bytes, itself included.  A packet is
 * accepted as RTP if these lengths fit in the datagram and PT is a payload
 * type RFC 3551 assigns (0, 3-18, 25, 26, 28, 31-34) or a dynamic one
 * (96-127).  PT 72-76 with the marker bit are RTCP packet types 200-204
 * (RFC 5761 4), so they are not RTP.  Both ports must be unprivileged
 * (RTP uses dynamically assigned ports, RFC 3550 11).
 *
 * RTCP (RFC 3550 6.4, A.2): a compound packet is RTCP packets back to
 * back, each V=2 and a 16-bit length in 32-bit words minus one; the first
 * is a Sender Report (200) or Receiver Report (201), only the last may be
 * padded, and the lengths add up to the datagram exactly.
 *
 * Jitter
 * ======
 *
 * The RTP parser follows the connection and computes the interarrival
 * jitter of RFC 3550 6.4.1 (A.8) for the first synchronisation source
 * seen (one SSRC: the jitter is defined per source):
 *
 *     D(i-1,i) = (R_i - R_{i-1}) - (S_i - S_{i-1})
 *     J = J + (|D(i-1,i)| - J) / 16
 *
 * where R is the arrival time (the packet time, ctx->now_us) and S the RTP
 * timestamp, both in units of the payload type's clock rate.  The clock
 * rates are those of RFC 3551 tables 4 and 5 for the static payload
 * types.  Dynamic payload types (96-127) get their rate from signalling
 * (SDP a=rtpmap) that the parser does not see: it assumes 8000 Hz, the
 * rate of nearly all narrowband voice codecs; for wideband or video
 * streams on dynamic types the jitter is then scaled wrongly.  The state
 * is kept in the hidden field _rtp, a struct rtp_state: the source's SSRC,
 * its last relative transit time R - S and sequence number, and the
 * estimate in timestamp units times 16 (the integer form of A.8).  The
 * result, converted to microseconds, is jitter_us, stored from the
 * source's second packet on whenever its value may have changed.
 *
 * A single datagram with a plausible RTP header proves little (any byte
 * 0x80-0xbf followed by an assigned payload type passes), so the parser
 * says YES only when a second packet of the same source continues the
 * first one's sequence (up to RTP_MAX_SEQ_STEP ahead); until then MORE. */

#include "dpi-proto.h"

#include <stdbool.h>
#include <string.h>

/* Fixed RTP header length (RFC 3550 5.1). */
#define RTP_HEADER_LEN 12

/* RTCP packet types that may start a compound packet (RFC 3550 6.1). */
#define RTCP_SR 200
#define RTCP_RR 201

/* Reads a big-endian 16-bit number at 'p'. */
static uint16_t
rtp_get16(const uint8_t *p)
{
    return (uint16_t) (p[0] << 8 | p[1]);
}

/* Reads a big-endian 32-bit number at 'p'. */
static uint32_t
rtp_get32(const uint8_t *p)
{
    return ((uint32_t) p[0] << 24 | (uint32_t) p[1] << 16
            | (uint32_t) p[2] << 8 | p[3]);
}

/* Returns the RTP clock rate of payload type 'pt' in Hz, or 0 if 'pt' is
 * neither assigned by RFC 3551 (tables 4 and 5) nor dynamic. */
static uint32_t
rtp_clock_rate(uint8_t pt)
{
    if (pt >= 96 && pt <= 127) {
        return 8000;            /* Dynamic: assumed, see above. */
    }
    switch (pt) {
    case 0: case 3: case 4: case 5: case 7: case 8: case 9: case 12:
    case 13: case 15: case 18:
        return 8000;
    case 6:
        return 16000;
    case 10: case 11:
        return 44100;
    case 16:
        return 11025;
    case 17:
        return 22050;
    case 14: case 25: case 26: case 28: case 31: case 32: case 33: case 34:
        return 90000;
    default:
        return 0;
    }
}

/* Checks the RTP packet 'data' ('len' bytes).  Returns its payload type's
 * clock rate, or 0 if it is not a valid RTP packet. */
static uint32_t
rtp_check(const uint8_t *data, size_t len)
{
    size_t hlen, cc;
    uint8_t pt;

    if (len < RTP_HEADER_LEN || data[0] >> 6 != 2) {
        return 0;
    }
    pt = data[1] & 0x7f;
    cc = data[0] & 0x0f;
    hlen = RTP_HEADER_LEN + 4 * cc;
    if (hlen > len) {
        return 0;
    }
    if (data[0] & 0x10) {
        if (len - hlen < 4) {
            return 0;
        }
        hlen += 4 + 4 * (size_t) rtp_get16(data + hlen + 2);
        if (hlen > len) {
            return 0;
        }
    }
    if (data[0] & 0x20) {
        uint8_t pad = data[len - 1];

        if (!pad || pad > len - hlen) {
            return 0;
        }
    }
    return rtp_clock_rate(pt);
}

/* Most a sequence number may advance between two packets of one source
 * for the second to confirm the first (a few losses or reorderings). */
#define RTP_MAX_SEQ_STEP 16

/* The jitter state of the source tracked, the value of hidden field _rtp
 * (see "Jitter" above).  Stored as its bytes, padding zeroed. */
struct rtp_state {
    uint64_t jitter;            /* Estimate, timestamp units times 16. */
    uint32_t ssrc;              /* Source tracked. */
    uint32_t transit;           /* Its last relative transit time. */
    uint32_t rate;              /* Clock rate of jitter_us's value, or 0
                                 * while jitter_us has none. */
    uint16_t seq;               /* Its last sequence number. */
    uint16_t pad;               /* Zero. */
};
_Static_assert(sizeof(struct rtp_state) == 24,
               "struct rtp_state has no padding");

/* Updates the jitter with RTP packet 'data' (valid, clock rate 'rate')
 * arrived at 'now_us'.  Returns true if the packet continues the sequence
 * of the source tracked (same SSRC, sequence number a little ahead). */
static bool
rtp_update(const uint8_t *data, uint32_t rate, uint64_t now_us,
           struct dpi_md *md)
{
    uint32_t ssrc = rtp_get32(data + 8);
    uint32_t ts = rtp_get32(data + 4);
    uint16_t seq = rtp_get16(data + 2);
    const char *cur;
    struct rtp_state st;
    uint32_t arrival, transit;
    bool continues = false;
    size_t len;

    /* Arrival time in timestamp units, modulo 2^32 like the timestamp. */
    arrival = (uint32_t) ((now_us / 1000000) * rate
                          + (now_us % 1000000) * rate / 1000000);
    transit = arrival - ts;

    cur = dpi_md_get(md, DPI_F__rtp, &len);
    if (cur && len == sizeof st) {
        uint64_t old_jitter;
        uint32_t abs_d;
        uint16_t step;
        int32_t d;

        memcpy(&st, cur, sizeof st);
        if (st.ssrc != ssrc) {
            return false;       /* Another source. */
        }
        step = (uint16_t) (seq - st.seq);
        continues = step >= 1 && step <= RTP_MAX_SEQ_STEP;

        d = (int32_t) (transit - st.transit);
        abs_d = d < 0 ? (uint32_t) -(int64_t) d : (uint32_t) d;
        old_jitter = st.jitter;
        st.jitter = st.jitter + abs_d - ((st.jitter + 8) >> 4);
        if (st.rate != rate || st.jitter >> 4 != old_jitter >> 4) {
            st.rate = (dpi_md_set_u64(md, DPI_F_jitter_us,
                                      (st.jitter >> 4) * 1000000 / rate)
                       ? rate : 0);
        }
    } else {
        memset(&st, 0, sizeof st);
        st.ssrc = ssrc;
    }
    st.transit = transit;
    st.seq = seq;
    dpi_md_set(md, DPI_F__rtp, &st, sizeof st);
    return continues;
}

/* Parses RTP.  See dpi-proto.h and the comment at the top of this file. */
enum dpi_proto_result
dpi_rtp_parse(const struct dpi_proto_ctx *ctx, const uint8_t *data,
              size_t len, struct dpi_md *md)
{
    uint32_t rate;
    bool continues;

    if (ctx->is_tcp || ctx->client_port < 1024 || ctx->server_port < 1024) {
        return DPI_PROTO_NO;
    }
    rate = rtp_check(data, len);
    if (!rate) {
        return ctx->follow ? DPI_PROTO_YES : DPI_PROTO_NO;
    }
    continues = rtp_update(data, rate, ctx->now_us, md);
    return continues || ctx->follow ? DPI_PROTO_YES : DPI_PROTO_MORE;
}

/* Parses RTCP.  See dpi-proto.h and the comment at the top of this
 * file. */
enum dpi_proto_result
dpi_rtcp_parse(const struct dpi_proto_ctx *ctx, const uint8_t *data,
               size_t len, struct dpi_md *md)
{
    size_t pos = 0;

    (void) md;
    if (ctx->is_tcp || len < 8 || (data[1] != RTCP_SR && data[1] != RTCP_RR)
        || data[0] & 0x20 || ctx->client_port < 1024 || ctx->server_port < 1024) {
        return DPI_PROTO_NO;
    }
    while (pos < len) {
        size_t plen;

        if (len - pos < 4 || data[pos] >> 6 != 2
            || data[pos + 1] < 192 || data[pos + 1] > 223) {
            return DPI_PROTO_NO;
        }
        plen = 4 * ((size_t) rtp_get16(data + pos + 2) + 1);
        if (plen > len - pos) {
            return DPI_PROTO_NO;
        }
        if (data[pos] & 0x20 && pos + plen != len) {
            return DPI_PROTO_NO; /* Only the last packet is padded. */
        }
        pos += plen;
    }
    return DPI_PROTO_YES;
}
