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

#ifndef DPI_PROTO_TEXT_H
#define DPI_PROTO_TEXT_H 1

/* Helpers for the line-oriented text protocols of lib/proto/mail.c and
 * lib/proto/ftp.c (SMTP, IMAP, POP3, FTP): commands and replies are lines
 * of printable US-ASCII ended by CR LF (a bare LF is accepted). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dpi-md.h"

/* One line of a stream. */
struct dpi_text_line {
    const uint8_t *s;           /* First byte. */
    size_t len;                 /* Bytes before CR LF (or LF). */
};

/* What dpi_text_next() found. */
enum dpi_text_status {
    DPI_TEXT_LINE,              /* A complete, printable line. */
    DPI_TEXT_PARTIAL,           /* Printable so far, no end of line yet. */
    DPI_TEXT_BAD,               /* Not text, or longer than allowed. */
};

/* Kinds of server greeting, stored in the hidden field _mail_greeting by
 * the server-side parsers so that the client-side parsers can refuse a
 * command that another protocol shares (POP3's "USER" is FTP's too). */
enum dpi_text_greeting {
    DPI_TEXT_GREETING_CODE = 1, /* "220 ...": SMTP or FTP. */
    DPI_TEXT_GREETING_POP3,     /* "+OK ...": POP3. */
    DPI_TEXT_GREETING_IMAP,     /* "* OK ...": IMAP. */
};

bool dpi_text_greeting_allows(const struct dpi_md *,
                              enum dpi_text_greeting);

enum dpi_text_status dpi_text_next(const uint8_t *data, size_t len,
                                   size_t *pos, size_t max_line,
                                   struct dpi_text_line *);
bool dpi_text_is_cmd(const struct dpi_text_line *, const char *cmd);
struct dpi_text_line dpi_text_arg(const struct dpi_text_line *,
                                  size_t skip);
struct dpi_text_line dpi_text_word(const struct dpi_text_line *);
bool dpi_text_reply(const struct dpi_text_line *, char first);

#endif /* proto/text.h */
