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

/* Mail protocol parsers: SMTP (RFC 5321, STARTTLS RFC 3207), IMAP (RFC
 * 3501) and POP3 (RFC 1939, STLS RFC 2595).
 *
 * In all three the server speaks first, with a greeting line, and the
 * client then sends command lines.  The greeting alone does not tell the
 * protocol (SMTP and FTP servers both greet with "220 ..."), so the
 * server's parser only checks that the greeting is well formed and
 * answers MORE (or NO): the verdict comes from the client's commands,
 * which name the protocol.  The client's parser walks the complete
 * command lines of its stream and says YES once the session has gone past
 * the commands that may precede a STARTTLS (EHLO, CAPABILITY, CAPA): a
 * STARTTLS (STLS) refines the protocol to its TLS variant (smtps, imaps,
 * pops), as nDPI labels such connections; any other command confirms the
 * plain protocol.  As follow parsers they keep extracting the users and
 * addresses of later commands. */

#include "dpi-proto.h"

#include <ctype.h>
#include <string.h>

#include "proto/text.h"

/* Longest command or reply line, CR LF included (RFC 5321 4.5.3.1.4,
 * 4.5.3.1.5); IMAP and POP3 lines are held to the same bound for the
 * first commands (RFC 2683 3.2.1.5 advises 1000 bytes; 1000 is used). */
#define MAIL_MAX_LINE 1000

/* Checks that the stream 'data' starts like a greeting whose first line
 * satisfies 'ok', and records a complete one as of 'kind' in 'md'.
 * Returns MORE if it does (or may, with more bytes), NO otherwise. */
static enum dpi_proto_result
mail_greeting(const uint8_t *data, size_t len,
              bool (*ok)(const struct dpi_text_line *, bool partial),
              enum dpi_text_greeting kind, struct dpi_md *md)
{
    struct dpi_text_line line;
    size_t pos = 0;

    switch (dpi_text_next(data, len, &pos, MAIL_MAX_LINE, &line)) {
    case DPI_TEXT_LINE:
        if (!ok(&line, false)) {
            return DPI_PROTO_NO;
        }
        dpi_md_set_u64(md, DPI_F__mail_greeting, kind);
        return DPI_PROTO_MORE;
    case DPI_TEXT_PARTIAL:
        return ok(&line, true) ? DPI_PROTO_MORE : DPI_PROTO_NO;
    case DPI_TEXT_BAD:
    default:
        return DPI_PROTO_NO;
    }
}

/* Returns true if 'line' (or, if 'partial', its start) is 'word' (upper
 * case) without regard to case, or the start of it if 'partial'. */
static bool
mail_starts(const struct dpi_text_line *line, bool partial, const char *word)
{
    size_t n = strlen(word), i;

    if (line->len < n && !partial) {
        return false;
    }
    for (i = 0; i < n && i < line->len; i++) {
        if (toupper(line->s[i]) != word[i]) {
            return false;
        }
    }
    return true;
}

/* Adds the address of an SMTP "MAIL FROM:" or "RCPT TO:" argument 'arg'
 * (the path between angle brackets, or the first word) to 'field'. */
static void
smtp_add_path(struct dpi_md *md, enum dpi_field field,
              struct dpi_text_line arg)
{
    size_t i;

    if (arg.len && arg.s[0] == '<') {
        for (i = 1; i < arg.len && arg.s[i] != '>'; i++) {
            continue;
        }
        if (i > 1 && i < arg.len) {
            dpi_md_add(md, field, arg.s + 1, i - 1);
        }
        return;
    }
    arg = dpi_text_word(&arg);
    if (arg.len) {
        dpi_md_add(md, field, arg.s, arg.len);
    }
}

/* Returns true if 'line' starts with the SMTP command prefix 'prefix'
 * ("MAIL FROM:", "RCPT TO:"), and then sets '*arg' to what follows. */
static bool
smtp_path_cmd(const struct dpi_text_line *line, const char *prefix,
              struct dpi_text_line *arg)
{
    size_t n = strlen(prefix);

    if (line->len < n || !mail_starts(line, false, prefix)) {
        return false;
    }
    *arg = dpi_text_arg(line, n);
    return true;
}

/* Records the metadata of SMTP client command 'line'.  Returns true if
 * the line is a "DATA" or "BDAT" command, after which message bytes
 * follow. */
static bool
smtp_command_md(const struct dpi_text_line *line, struct dpi_md *md)
{
    struct dpi_text_line arg;

    if (smtp_path_cmd(line, "MAIL FROM:", &arg)) {
        smtp_add_path(md, DPI_F_smtp_mail_from, arg);
    } else if (smtp_path_cmd(line, "RCPT TO:", &arg)) {
        smtp_add_path(md, DPI_F_smtp_rcpt_to, arg);
    } else if (dpi_text_is_cmd(line, "EHLO")
               || dpi_text_is_cmd(line, "HELO")) {
        arg = dpi_text_arg(line, 4);
        arg = dpi_text_word(&arg);
        if (arg.len) {
            dpi_md_add(md, DPI_F_smtp_ehlo, arg.s, arg.len);
        }
    } else if (dpi_text_is_cmd(line, "DATA")
               || dpi_text_is_cmd(line, "BDAT")) {
        return true;
    } else if (dpi_text_is_cmd(line, "STARTTLS")) {
        dpi_md_set_u64(md, DPI_F__proto, DPI_APP_smtps);
    }
    return false;
}

/* Returns true if 'line' may start an SMTP server greeting: a 220 reply
 * (or 554, a refusal: RFC 5321 3.1). */
static bool
smtp_greeting_ok(const struct dpi_text_line *line, bool partial)
{
    if (partial && line->len < 4) {
        return (mail_starts(line, true, "220")
                || mail_starts(line, true, "554"));
    }
    return ((dpi_text_reply(line, '2') || dpi_text_reply(line, '5'))
            && (!memcmp(line->s, "220", 3) || !memcmp(line->s, "554", 3)));
}

/* Parses one direction of an SMTP session.  See dpi-proto.h and the
 * comment at the top of this file. */
enum dpi_proto_result
dpi_smtp_parse(const struct dpi_proto_ctx *ctx, const uint8_t *data,
               size_t len, struct dpi_md *md)
{
    struct dpi_text_line line;
    bool confirmed = false;
    size_t pos = 0;

    if (!ctx->is_tcp) {
        return DPI_PROTO_NO;
    }
    if (!ctx->to_server) {
        return ctx->follow ? DPI_PROTO_YES
                           : mail_greeting(data, len, smtp_greeting_ok,
                                           DPI_TEXT_GREETING_CODE, md);
    }
    if (!ctx->follow
        && !dpi_text_greeting_allows(md, DPI_TEXT_GREETING_CODE)) {
        return DPI_PROTO_NO;
    }
    if (ctx->follow) {
        while (dpi_text_next(data, len, &pos, MAIL_MAX_LINE, &line)
               == DPI_TEXT_LINE && !smtp_command_md(&line, md)) {
            continue;
        }
        return DPI_PROTO_YES;
    }

    /* The session must open with EHLO or HELO (RFC 5321 4.1.1.1). */
    switch (dpi_text_next(data, len, &pos, MAIL_MAX_LINE, &line)) {
    case DPI_TEXT_LINE:
        if (!dpi_text_is_cmd(&line, "EHLO")
            && !dpi_text_is_cmd(&line, "HELO")) {
            return DPI_PROTO_NO;
        }
        smtp_command_md(&line, md);
        break;
    case DPI_TEXT_PARTIAL:
        return (mail_starts(&line, true, "EHLO ")
                || mail_starts(&line, true, "HELO ")
                ? DPI_PROTO_MORE : DPI_PROTO_NO);
    case DPI_TEXT_BAD:
    default:
        return DPI_PROTO_NO;
    }

    for (;;) {
        if (dpi_text_next(data, len, &pos, MAIL_MAX_LINE, &line)
            != DPI_TEXT_LINE) {
            break;
        }
        if (dpi_text_is_cmd(&line, "STARTTLS")) {
            dpi_md_set_u64(md, DPI_F__proto, DPI_APP_smtps);
            return DPI_PROTO_YES;
        }
        /* A command other than a repeated EHLO/HELO: not STARTTLS. */
        if (!dpi_text_is_cmd(&line, "EHLO")
            && !dpi_text_is_cmd(&line, "HELO")) {
            confirmed = true;
        }
        if (smtp_command_md(&line, md)) {
            break;
        }
    }
    return confirmed ? DPI_PROTO_YES : DPI_PROTO_MORE;
}

/* Returns true if 'line' may start an IMAP server greeting: an untagged
 * OK, PREAUTH or BYE response (RFC 3501 7.1). */
static bool
imap_greeting_ok(const struct dpi_text_line *line, bool partial)
{
    return (mail_starts(line, partial, "* OK")
            || mail_starts(line, partial, "* PREAUTH")
            || mail_starts(line, partial, "* BYE"));
}

/* IMAP commands a client may send (RFC 3501 6, with the common
 * extensions: ID RFC 2971, IDLE RFC 2177, NAMESPACE RFC 2342, ENABLE RFC
 * 5161, MOVE RFC 6851, UNSELECT RFC 3691, QUOTA RFC 2087). */
static const char *const imap_commands[] = {
    "CAPABILITY", "NOOP", "LOGOUT", "STARTTLS", "AUTHENTICATE", "LOGIN",
    "SELECT", "EXAMINE", "CREATE", "DELETE", "RENAME", "SUBSCRIBE",
    "UNSUBSCRIBE", "LIST", "LSUB", "STATUS", "APPEND", "CHECK", "CLOSE",
    "EXPUNGE", "SEARCH", "FETCH", "STORE", "COPY", "UID", "ID", "IDLE",
    "NAMESPACE", "ENABLE", "MOVE", "UNSELECT", "GETQUOTA", "GETQUOTAROOT",
};

/* Returns true if byte 'c' may be part of an IMAP tag (an ASTRING-CHAR
 * other than "+", RFC 3501 9). */
static bool
imap_tag_char(uint8_t c)
{
    return c > 0x20 && c < 0x7f && !strchr("(){%*\"\\+", c);
}

/* Splits IMAP command line 'line' into its command and arguments.
 * Returns the index of the command in imap_commands[] and sets '*args',
 * or returns -1 if the line is not a tagged command. */
static int
imap_command(const struct dpi_text_line *line, struct dpi_text_line *args)
{
    struct dpi_text_line rest;
    size_t i;

    for (i = 0; i < line->len && imap_tag_char(line->s[i]); i++) {
        continue;
    }
    if (!i || i >= line->len || line->s[i] != ' ') {
        return -1;
    }
    rest.s = line->s + i + 1;
    rest.len = line->len - i - 1;
    for (i = 0; i < sizeof imap_commands / sizeof imap_commands[0]; i++) {
        if (dpi_text_is_cmd(&rest, imap_commands[i])) {
            *args = dpi_text_arg(&rest, strlen(imap_commands[i]));
            return (int) i;
        }
    }
    return -1;
}

/* Adds the user of the IMAP LOGIN arguments 'args' (an atom or a quoted
 * string; a literal is not followed) to 'md'. */
static void
imap_add_user(struct dpi_md *md, struct dpi_text_line args)
{
    size_t i;

    if (args.len && args.s[0] == '"') {
        for (i = 1; i < args.len && args.s[i] != '"'; i++) {
            if (args.s[i] == '\\') {
                return;         /* Escapes: not worth decoding. */
            }
        }
        if (i > 1 && i < args.len) {
            dpi_md_add(md, DPI_F_imap_user, args.s + 1, i - 1);
        }
    } else if (args.len && args.s[0] != '{') {
        args = dpi_text_word(&args);
        dpi_md_add(md, DPI_F_imap_user, args.s, args.len);
    }
}

/* Parses one direction of an IMAP session.  See dpi-proto.h and the
 * comment at the top of this file. */
enum dpi_proto_result
dpi_imap_parse(const struct dpi_proto_ctx *ctx, const uint8_t *data,
               size_t len, struct dpi_md *md)
{
    struct dpi_text_line line, args;
    size_t pos = 0;
    bool any = false;

    if (!ctx->is_tcp) {
        return DPI_PROTO_NO;
    }
    if (!ctx->to_server) {
        return ctx->follow ? DPI_PROTO_YES
                           : mail_greeting(data, len, imap_greeting_ok,
                                           DPI_TEXT_GREETING_IMAP, md);
    }
    if (!ctx->follow
        && !dpi_text_greeting_allows(md, DPI_TEXT_GREETING_IMAP)) {
        return DPI_PROTO_NO;
    }

    for (;;) {
        enum dpi_text_status st = dpi_text_next(data, len, &pos,
                                                MAIL_MAX_LINE, &line);
        const char *cmd;
        int i;

        if (st != DPI_TEXT_LINE) {
            if (ctx->follow) {
                return DPI_PROTO_YES;
            }
            return st == DPI_TEXT_PARTIAL || any ? DPI_PROTO_MORE
                                                 : DPI_PROTO_NO;
        }
        i = imap_command(&line, &args);
        if (i < 0) {
            return ctx->follow || any ? DPI_PROTO_YES : DPI_PROTO_NO;
        }
        any = true;
        cmd = imap_commands[i];
        if (!strcmp(cmd, "LOGIN")) {
            imap_add_user(md, args);
        } else if (!strcmp(cmd, "STARTTLS")) {
            dpi_md_set_u64(md, DPI_F__proto, DPI_APP_imaps);
            return DPI_PROTO_YES;
        }
        if (!ctx->follow && strcmp(cmd, "CAPABILITY") && strcmp(cmd, "NOOP")
            && strcmp(cmd, "ID")) {
            return DPI_PROTO_YES;
        }
    }
}

/* Returns true if 'line' may start a POP3 server greeting: a positive
 * "+OK" (RFC 1939 4) or a "-ERR" refusal. */
static bool
pop3_greeting_ok(const struct dpi_text_line *line, bool partial)
{
    struct dpi_text_line w = dpi_text_word(line);

    if (partial && w.len == line->len) {
        return (mail_starts(line, true, "+OK")
                || mail_starts(line, true, "-ERR"));
    }
    return ((w.len == 3 && mail_starts(&w, false, "+OK"))
            || (w.len == 4 && mail_starts(&w, false, "-ERR")));
}

/* POP3 commands (RFC 1939 5-7, CAPA and STLS RFC 2449/2595, AUTH RFC
 * 5034). */
static const char *const pop3_commands[] = {
    "USER", "PASS", "APOP", "AUTH", "CAPA", "STLS", "QUIT", "STAT",
    "LIST", "RETR", "DELE", "NOOP", "RSET", "TOP", "UIDL",
};

/* Parses one direction of a POP3 session.  See dpi-proto.h and the
 * comment at the top of this file. */
enum dpi_proto_result
dpi_pop3_parse(const struct dpi_proto_ctx *ctx, const uint8_t *data,
               size_t len, struct dpi_md *md)
{
    struct dpi_text_line line;
    size_t pos = 0;
    bool any = false;

    if (!ctx->is_tcp) {
        return DPI_PROTO_NO;
    }
    if (!ctx->to_server) {
        return ctx->follow ? DPI_PROTO_YES
                           : mail_greeting(data, len, pop3_greeting_ok,
                                           DPI_TEXT_GREETING_POP3, md);
    }
    if (!ctx->follow
        && !dpi_text_greeting_allows(md, DPI_TEXT_GREETING_POP3)) {
        return DPI_PROTO_NO;
    }

    for (;;) {
        enum dpi_text_status st = dpi_text_next(data, len, &pos,
                                                MAIL_MAX_LINE, &line);
        const char *cmd = NULL;
        size_t i;

        if (st != DPI_TEXT_LINE) {
            if (ctx->follow) {
                return DPI_PROTO_YES;
            }
            return st == DPI_TEXT_PARTIAL || any ? DPI_PROTO_MORE
                                                 : DPI_PROTO_NO;
        }
        for (i = 0; i < sizeof pop3_commands / sizeof pop3_commands[0];
             i++) {
            if (dpi_text_is_cmd(&line, pop3_commands[i])) {
                cmd = pop3_commands[i];
                break;
            }
        }
        if (!cmd) {
            /* An AUTH exchange goes on with base64 lines: not commands. */
            return ctx->follow || any ? DPI_PROTO_YES : DPI_PROTO_NO;
        }
        any = true;
        if (!strcmp(cmd, "USER") || !strcmp(cmd, "APOP")) {
            struct dpi_text_line arg = dpi_text_arg(&line, 4);

            arg = dpi_text_word(&arg);
            if (arg.len) {
                dpi_md_add(md, DPI_F_pop3_user, arg.s, arg.len);
            }
        } else if (!strcmp(cmd, "STLS")) {
            dpi_md_set_u64(md, DPI_F__proto, DPI_APP_pops);
            return DPI_PROTO_YES;
        }
        if (!ctx->follow && strcmp(cmd, "CAPA")) {
            return DPI_PROTO_YES;
        }
    }
}

/* See dpi-proto.h.  The ports are the IANA assignments for the implicit
 * TLS variants: imaps 993 and pop3s 995 (RFC 8314 7.3), submissions 465
 * (RFC 8314 7.3), ftps 990 (RFC 4217 mentions it; IANA "ftps"). */
uint16_t
dpi_tls_port_proto(uint16_t port)
{
    switch (port) {
    case 993:
        return DPI_APP_imaps;
    case 995:
        return DPI_APP_pops;
    case 465:
        return DPI_APP_smtps;
    case 990:
        return DPI_APP_ftps;
    default:
        return 0;
    }
}
