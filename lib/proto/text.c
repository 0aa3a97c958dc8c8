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

/* Line helpers of the text protocols (see proto/text.h). */

#include "proto/text.h"

#include <ctype.h>
#include <string.h>

/* Reads the line that starts at offset '*pos' of the 'len' bytes at
 * 'data' into '*line' and, for a complete line, moves '*pos' past its end.
 * A line is at most 'max_line' bytes with its CR LF; its bytes must be
 * printable US-ASCII or tabs.  Returns DPI_TEXT_LINE for a complete line,
 * DPI_TEXT_PARTIAL if the data ends inside a line that may still be valid
 * ('*line' then holds what there is), DPI_TEXT_BAD otherwise. */
enum dpi_text_status
dpi_text_next(const uint8_t *data, size_t len, size_t *pos,
              size_t max_line, struct dpi_text_line *line)
{
    size_t i, start = *pos;

    for (i = start; i < len && i - start < max_line; i++) {
        uint8_t c = data[i];

        if (c == '\n') {
            line->s = data + start;
            line->len = (i > start && data[i - 1] == '\r'
                         ? i - 1 - start : i - start);
            *pos = i + 1;
            return DPI_TEXT_LINE;
        }
        if (c == '\r' && i + 1 < len && data[i + 1] != '\n') {
            return DPI_TEXT_BAD;
        }
        if ((c < 0x20 && c != '\t' && c != '\r') || c > 0x7e) {
            return DPI_TEXT_BAD;
        }
    }
    line->s = data + start;
    line->len = i - start;
    return i == len && i - start < max_line ? DPI_TEXT_PARTIAL : DPI_TEXT_BAD;
}

/* Returns true if 'line' is the command 'cmd' (upper case), matched
 * without regard to case and followed by a space or the end of the
 * line. */
bool
dpi_text_is_cmd(const struct dpi_text_line *line, const char *cmd)
{
    size_t n = strlen(cmd), i;

    if (line->len < n || (line->len > n && line->s[n] != ' ')) {
        return false;
    }
    for (i = 0; i < n; i++) {
        if (toupper(line->s[i]) != cmd[i]) {
            return false;
        }
    }
    return true;
}

/* Returns what follows the first 'skip' bytes of 'line', without leading
 * and trailing blanks (an empty line if nothing does). */
struct dpi_text_line
dpi_text_arg(const struct dpi_text_line *line, size_t skip)
{
    struct dpi_text_line arg;

    if (skip > line->len) {
        skip = line->len;
    }
    arg.s = line->s + skip;
    arg.len = line->len - skip;
    while (arg.len && (arg.s[0] == ' ' || arg.s[0] == '\t')) {
        arg.s++;
        arg.len--;
    }
    while (arg.len && (arg.s[arg.len - 1] == ' '
                       || arg.s[arg.len - 1] == '\t')) {
        arg.len--;
    }
    return arg;
}

/* Returns the first blank-separated word of 'line' (which must not start
 * with a blank). */
struct dpi_text_line
dpi_text_word(const struct dpi_text_line *line)
{
    struct dpi_text_line w = *line;
    size_t i;

    for (i = 0; i < w.len && w.s[i] != ' ' && w.s[i] != '\t'; i++) {
        continue;
    }
    w.len = i;
    return w;
}

/* Returns true if 'line' is a reply line "DDD" or "DDD text" or
 * "DDD-text" (RFC 5321 4.2, RFC 959 4.2) whose first digit is 'first'
 * (or any of 1 to 5 if 'first' is 0). */
bool
dpi_text_reply(const struct dpi_text_line *line, char first)
{
    const uint8_t *s = line->s;

    return (line->len >= 3
            && (first ? s[0] == first : s[0] >= '1' && s[0] <= '5')
            && s[1] >= '0' && s[1] <= '5' && isdigit(s[2])
            && (line->len == 3 || s[3] == ' ' || s[3] == '-'));
}

/* Returns true if the server greeting recorded in 'md' (if any) is of kind
 * 'kind': a client command is then plausible for the protocol. */
bool
dpi_text_greeting_allows(const struct dpi_md *md,
                         enum dpi_text_greeting kind)
{
    uint64_t seen;

    return !dpi_md_get_u64(md, DPI_F__mail_greeting, &seen) || seen == kind;
}
