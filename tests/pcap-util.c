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

#include "pcap-util.h"

#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Aborts the test program: memory is short. */
static void
pu_oom(void)
{
    fprintf(stderr, "pcap-util: out of memory\n");
    abort();
}

/* malloc() that cannot fail. */
static void *
pu_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);

    if (!p) {
        pu_oom();
    }
    return p;
}

/* realloc() that cannot fail. */
static void *
pu_xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) {
        pu_oom();
    }
    return p;
}

/* strdup() that cannot fail. */
static char *
pu_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;

    return memcpy(pu_xmalloc(n), s, n);
}

/* Returns the corpus directory from $DPI_CORPUS_DIR, or NULL if it is unset
 * or not a directory. */
const char *
pu_corpus_dir(void)
{
    const char *dir = getenv("DPI_CORPUS_DIR");
    struct stat st;

    if (!dir || !dir[0] || stat(dir, &st) || !S_ISDIR(st.st_mode)) {
        return NULL;
    }
    return dir;
}

/* Returns "$DPI_CORPUS_DIR/SUB/NAME", malloc()ed, or NULL without a
 * corpus. */
char *
pu_corpus_path(const char *sub, const char *name)
{
    const char *dir = pu_corpus_dir();
    size_t n;
    char *s;

    if (!dir) {
        return NULL;
    }
    n = strlen(dir) + strlen(sub) + strlen(name) + 3;
    s = pu_xmalloc(n);
    snprintf(s, n, "%s/%s/%s", dir, sub, name);
    return s;
}

/* Reads the capture at 'path' (pcap or pcapng).  Returns false if it cannot
 * be opened. */
bool
pu_capture_load(const char *path, struct pu_capture *cap)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    struct pcap_pkthdr *hdr;
    const u_char *data;
    size_t allocated = 0;
    pcap_t *pcap;

    memset(cap, 0, sizeof *cap);
    pcap = pcap_open_offline(path, errbuf);
    if (!pcap) {
        fprintf(stderr, "%s: %s\n", path, errbuf);
        return false;
    }
    while (pcap_next_ex(pcap, &hdr, &data) == 1) {
        struct pu_packet *p;

        if (cap->n == allocated) {
            allocated = allocated ? 2 * allocated : 256;
            cap->pkts = pu_xrealloc(cap->pkts, allocated * sizeof *cap->pkts);
        }
        p = &cap->pkts[cap->n++];
        p->len = hdr->caplen;
        p->frame = memcpy(pu_xmalloc(p->len), data, p->len);
        p->ok = dpi_parse_eth(p->frame, p->len, &p->pkt) == DPI_PARSE_OK;
    }
    pcap_close(pcap);
    return true;
}

/* Frees the packets of 'cap'. */
void
pu_capture_destroy(struct pu_capture *cap)
{
    size_t i;

    for (i = 0; i < cap->n; i++) {
        free(cap->pkts[i].frame);
    }
    free(cap->pkts);
    memset(cap, 0, sizeof *cap);
}

/* Splits 'line' (modified) at TABs into a new array of strings. */
static char **
pu_split(char *line, size_t *n)
{
    char **cells = NULL;
    size_t allocated = 0;
    char *s = line;

    *n = 0;
    for (;;) {
        char *tab = strchr(s, '\t');

        if (tab) {
            *tab = '\0';
        }
        if (*n == allocated) {
            allocated = allocated ? 2 * allocated : 32;
            cells = pu_xrealloc(cells, allocated * sizeof *cells);
        }
        cells[(*n)++] = pu_xstrdup(s);
        if (!tab) {
            return cells;
        }
        s = tab + 1;
    }
}

/* Reads the oracle file at 'path'.  Returns false if it cannot be read. */
bool
pu_oracle_load(const char *path, struct pu_oracle *o)
{
    FILE *f = fopen(path, "r");
    size_t allocated = 0, size = 0;
    char *line = NULL;
    ssize_t n;

    memset(o, 0, sizeof *o);
    if (!f) {
        return false;
    }
    while ((n = getline(&line, &size, f)) > 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) {
            line[--n] = '\0';
        }
        if (!o->columns) {
            o->columns = pu_split(line + (line[0] == '#'), &o->n_columns);
            continue;
        }
        if (o->n_rows == allocated) {
            allocated = allocated ? 2 * allocated : 64;
            o->rows = pu_xrealloc(o->rows, allocated * sizeof *o->rows);
        }
        o->rows[o->n_rows].cells = pu_split(line,
                                            &o->rows[o->n_rows].n_cells);
        o->n_rows++;
    }
    free(line);
    fclose(f);
    return o->columns != NULL;
}

/* Frees an array of 'n' strings. */
static void
pu_free_strings(char **s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        free(s[i]);
    }
    free(s);
}

/* Frees the contents of 'o'. */
void
pu_oracle_destroy(struct pu_oracle *o)
{
    size_t i;

    for (i = 0; i < o->n_rows; i++) {
        pu_free_strings(o->rows[i].cells, o->rows[i].n_cells);
    }
    free(o->rows);
    pu_free_strings(o->columns, o->n_columns);
    memset(o, 0, sizeof *o);
}

/* Returns the raw cell of 'row' in 'column' ("" if absent). */
const char *
pu_cell(const struct pu_oracle *o, const struct pu_row *row,
        const char *column)
{
    size_t i;

    for (i = 0; i < o->n_columns && i < row->n_cells; i++) {
        if (!strcmp(o->columns[i], column)) {
            return row->cells[i];
        }
    }
    return "";
}

/* Decodes the %-encoded value [s, e) into 'buf' of 'size' bytes,
 * truncating to 'size' - 1 bytes. */
static void
pu_decode(const char *s, const char *e, char *buf, size_t size)
{
    size_t n = 0;

    while (s < e) {
        char c = *s++;

        if (c == '%' && e - s >= 2) {
            char hex[3] = { s[0], s[1], '\0' };

            c = (char) strtol(hex, NULL, 16);
            s += 2;
        }
        if (n + 1 < size) {
            buf[n++] = c;
        }
    }
    buf[n] = '\0';
}

/* Stores the first value of 'row' in 'column', decoded and truncated to
 * 'size' - 1 bytes, in 'buf'.  Returns false (with an empty 'buf') if the
 * cell is empty. */
bool
pu_cell_first(const struct pu_oracle *o, const struct pu_row *row,
              const char *column, char *buf, size_t size)
{
    const char *cell = pu_cell(o, row, column);
    const char *bar = strchr(cell, '|');

    pu_decode(cell, bar ? bar : cell + strlen(cell), buf, size);
    return buf[0] != '\0';
}

/* Returns true if one of the values of 'row' in 'column', decoded and
 * truncated to 'max_len' bytes, equals 'value'. */
bool
pu_cell_has(const struct pu_oracle *o, const struct pu_row *row,
            const char *column, const char *value, size_t max_len)
{
    const char *s = pu_cell(o, row, column);
    char *buf = pu_xmalloc(max_len + 1);
    bool found = false;

    while (*s && !found) {
        const char *bar = strchr(s, '|');
        const char *e = bar ? bar : s + strlen(s);

        pu_decode(s, e, buf, max_len + 1);
        found = !strcmp(buf, value);
        s = bar ? bar + 1 : e;
    }
    free(buf);
    return found;
}

/* Formats 'a' as the oracle does: dotted quad or RFC 5952. */
static void
pu_format_addr(const struct dpi_addr *a, bool ipv6, char *buf, size_t size)
{
    if (ipv6) {
        inet_ntop(AF_INET6, a->b, buf, (socklen_t) size);
    } else {
        inet_ntop(AF_INET, a->b + 12, buf, (socklen_t) size);
    }
}

/* Returns 1 if 'pkt' goes from the client to the server of 'row', 0 if it
 * goes the other way, -1 if it is not of that flow. */
int
pu_match(const struct pu_oracle *o, const struct pu_row *row,
         const struct dpi_pkt *pkt)
{
    const struct dpi_key *k = &pkt->key;
    const char *proto = pu_cell(o, row, "proto");
    char src[64], dst[64];
    int sport, dport;

    if ((k->proto == 6 && strcmp(proto, "tcp"))
        || (k->proto == 17 && strcmp(proto, "udp"))
        || (k->proto != 6 && k->proto != 17)
        || atoi(pu_cell(o, row, "vlan")) != k->vlan
        || pu_cell(o, row, "encap")[0]) {
        return -1;
    }
    pu_format_addr(&k->src, k->ipv6, src, sizeof src);
    pu_format_addr(&k->dst, k->ipv6, dst, sizeof dst);
    sport = atoi(pu_cell(o, row, "client_port"));
    dport = atoi(pu_cell(o, row, "server_port"));
    if (!strcmp(src, pu_cell(o, row, "client_ip")) && k->sport == sport
        && !strcmp(dst, pu_cell(o, row, "server_ip")) && k->dport == dport) {
        return 1;
    }
    if (!strcmp(dst, pu_cell(o, row, "client_ip")) && k->dport == sport
        && !strcmp(src, pu_cell(o, row, "server_ip")) && k->sport == dport) {
        return 0;
    }
    return -1;
}

/* Returns the first parsed packet of 'row''s flow in 'cap' that carries a
 * payload, in either direction, or NULL if there is none. */
const struct dpi_pkt *
pu_first_payload(const struct pu_capture *cap, const struct pu_oracle *o,
                 const struct pu_row *row)
{
    for (size_t i = 0; i < cap->n; i++) {
        const struct dpi_pkt *pkt = &cap->pkts[i].pkt;

        if (cap->pkts[i].ok && pkt->payload_len
            && pu_match(o, row, pkt) >= 0) {
            return pkt;
        }
    }
    return NULL;
}

/* A TCP segment of one direction. */
struct pu_segment {
    int64_t off;                /* Sequence number relative to the first
                                 * segment's. */
    const struct dpi_pkt *pkt;  /* The packet. */
};

/* qsort() comparison of segments by offset. */
static int
pu_segment_cmp(const void *a_, const void *b_)
{
    const struct pu_segment *a = a_, *b = b_;

    return a->off < b->off ? -1 : a->off > b->off;
}

/* Reassembles the first bytes, at most 'size', of direction 'to_server' of
 * the TCP flow of 'row' into 'buf' (independently of libdpi's classifier):
 * segments are ordered by sequence number, starting from the lowest, and
 * the contiguous bytes are kept.  Returns the number of bytes. */
size_t
pu_stream(const struct pu_capture *cap, const struct pu_oracle *o,
          const struct pu_row *row, bool to_server, uint8_t *buf,
          size_t size)
{
    struct pu_segment *segs = pu_xmalloc(cap->n * sizeof *segs);
    size_t n = 0, i, len = 0;
    uint32_t first = 0;
    int64_t base;

    for (i = 0; i < cap->n; i++) {
        const struct dpi_pkt *pkt = &cap->pkts[i].pkt;

        if (!cap->pkts[i].ok || pkt->key.proto != 6 || !pkt->payload_len
            || pu_match(o, row, pkt) != to_server) {
            continue;
        }
        if (!n) {
            first = pkt->tcp_seq;
        }
        segs[n].off = (int32_t) (pkt->tcp_seq - first);
        segs[n].pkt = pkt;
        n++;
    }
    qsort(segs, n, sizeof *segs, pu_segment_cmp);
    base = n ? segs[0].off : 0;
    for (i = 0; i < n; i++) {
        int64_t off = segs[i].off - base;
        size_t plen = segs[i].pkt->payload_len;

        if (off > (int64_t) len) {
            break;
        }
        if (off + (int64_t) plen > (int64_t) len) {
            size_t skip = len - (size_t) off;
            size_t take = plen - skip;

            if (take > size - len) {
                take = size - len;
            }
            memcpy(buf + len, segs[i].pkt->payload + skip, take);
            len += take;
        }
    }
    free(segs);
    return len;
}
