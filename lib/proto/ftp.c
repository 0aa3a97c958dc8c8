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

/* FTP control connection parser (RFC 959; AUTH RFC 2228 and RFC 4217;
 * FEAT and OPTS RFC 2389; EPRT and EPSV RFC 2428; MLSx, SIZE and MDTM
 * RFC 3659; HOST RFC 7151).
 *
 * The server speaks first ("220 ..." or "120 ...", RFC 959 5.4), but an
 * SMTP server greets with "220" too, so the server's parser only checks
 * the greeting (MORE or NO) and the client's commands decide, as in
 * lib/proto/mail.c.  The client's parser walks its complete command lines:
 * each must be an FTP command; FEAT, SYST, OPTS, HOST and CLNT may come
 * before the login and leave the verdict open; "AUTH TLS" (or SSL)
 * refines the protocol to ftps, as nDPI labels such connections; any other
 * command confirms ftp_control.  The user (USER) and the files of RETR,
 * STOR, STOU and APPE are recorded, later ones as a follow parser.
 *
 * Data connections: as a follow parser, it also announces each data
 * connection to the engine (_expect, see dpi-proto.h) as ftp_data: the
 * server's passive mode replies 227 (RFC 959 4.1.2 and 4.2; RFC 1123
 * 4.1.2.6: the client scans the text for the first digit of
 * "h1,h2,h3,h4,p1,p2") and 229 (RFC 2428 3: "(<d><d><d>port<d>)", the
 * address being the control connection's server), whose data connection
 * goes from the client to the server; the client's PORT
 * ("h1,h2,h3,h4,p1,p2", RFC 959 4.1.2) and EPRT ("<d>1<d>addr<d>port<d>"
 * or with "2" for IPv6, RFC 2428 2) commands, whose data connection the
 * server opens to the client. */

#include "dpi-proto.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "proto/text.h"

/* Longest command line the parser accepts, CR LF included.  RFC 959 sets
 * no limit; path names make lines long, so be generous. */
#define FTP_MAX_LINE 1024

/* FTP commands. */
static const char *const ftp_commands[] = {
    "USER", "PASS", "ACCT", "CWD", "CDUP", "SMNT", "QUIT", "REIN", "PORT",
    "PASV", "TYPE", "STRU", "MODE", "RETR", "STOR", "STOU", "APPE", "ALLO",
    "REST", "RNFR", "RNTO", "ABOR", "DELE", "RMD", "MKD", "PWD", "LIST",
    "NLST", "SITE", "SYST", "STAT", "HELP", "NOOP", "AUTH", "ADAT", "PROT",
    "PBSZ", "CCC", "MIC", "CONF", "ENC", "FEAT", "OPTS", "EPRT", "EPSV",
    "LANG", "MDTM", "SIZE", "MLST", "MLSD", "HOST", "CLNT", "XPWD", "XCWD",
    "XMKD", "XRMD", "XCUP",
};

/* Commands that may precede the login without settling the verdict. */
static const char *const ftp_pre_login[] = {
    "FEAT", "SYST", "OPTS", "HOST", "CLNT", "NOOP", "HELP",
};

/* Returns the FTP command of 'line' (one of ftp_commands[]), or NULL. */
static const char *
ftp_command(const struct dpi_text_line *line)
{
    size_t i;

    for (i = 0; i < sizeof ftp_commands / sizeof ftp_commands[0]; i++) {
        if (dpi_text_is_cmd(line, ftp_commands[i])) {
            return ftp_commands[i];
        }
    }
    return NULL;
}

/* Returns true if 'cmd' is one of ftp_pre_login[]. */
static bool
ftp_is_pre_login(const char *cmd)
{
    size_t i;

    for (i = 0; i < sizeof ftp_pre_login / sizeof ftp_pre_login[0]; i++) {
        if (!strcmp(cmd, ftp_pre_login[i])) {
            return true;
        }
    }
    return false;
}

/* Parses at 's' (with 'n' bytes) a decimal number of 1 to 'max_digits'
 * digits, at most 'max', into '*value'; moves 's' and 'n' past it.
 * Returns false if there is none. */
static bool
ftp_number(const uint8_t **s, size_t *n, int max_digits, unsigned int max,
           unsigned int *value)
{
    unsigned int v = 0;
    int digits = 0;

    while (*n && (*s)[0] >= '0' && (*s)[0] <= '9' && digits < max_digits) {
        v = v * 10 + ((*s)[0] - '0');
        (*s)++;
        (*n)--;
        digits++;
    }
    if (!digits || v > max || (*n && (*s)[0] >= '0' && (*s)[0] <= '9')) {
        return false;
    }
    *value = v;
    return true;
}

/* Parses "h1,h2,h3,h4,p1,p2" (RFC 959 4.1.2: decimal bytes of the host
 * address and port) at the start of the 'n' bytes at 's' into 'addr' (a
 * dotted quad, at least 16 bytes) and '*port', and sets '*rest' to the
 * number of bytes after it.  Returns false if it is malformed or the port
 * is 0. */
static bool
ftp_host_port(const uint8_t *s, size_t n, char *addr, unsigned int *port,
              size_t *rest)
{
    unsigned int v[6];
    int i;

    for (i = 0; i < 6; i++) {
        if (i && (!n || s[0] != ',')) {
            return false;
        } else if (i) {
            s++;
            n--;
        }
        if (!ftp_number(&s, &n, 3, 255, &v[i])) {
            return false;
        }
    }
    *port = v[4] * 256 + v[5];
    *rest = n;
    snprintf(addr, 16, "%u.%u.%u.%u", v[0], v[1], v[2], v[3]);
    return *port != 0;
}

/* Announces in 'md' an ftp_data connection to 'addr' ("-": the address of
 * the side) and 'port' on the server's side of the control connection if
 * 'to_server', else on the client's. */
static void
ftp_expect(struct dpi_md *md, bool to_server, const char *addr,
           unsigned int port)
{
    char value[96];

    snprintf(value, sizeof value, DPI_PROTO_EXPECT_FMT,
             (unsigned int) DPI_APP_ftp_data, "t", to_server ? "s" : "c",
             addr, port);
    dpi_md_add_cstr(md, DPI_F__expect, value);
}

/* Parses the argument 'arg' of EPRT ("<d><net-prt><d><net-addr><d>
 * <tcp-port><d>", RFC 2428 2) and announces its data connection in
 * 'md'.  Ignores a malformed one. */
static void
ftp_eprt(const struct dpi_text_line *arg, struct dpi_md *md)
{
    const uint8_t *s = arg->s;
    size_t n = arg->len, i;
    char addr[INET6_ADDRSTRLEN];
    uint8_t bin[16];
    unsigned int port;
    uint8_t d;

    if (n < 4 || s[0] < 33 || s[0] > 126 || (s[1] != '1' && s[1] != '2')
        || s[2] != s[0]) {
        return;
    }
    d = s[0];
    for (i = 3; i < n && s[i] != d; i++) {
        continue;
    }
    if (i == n || i - 3 >= sizeof addr) {
        return;
    }
    memcpy(addr, s + 3, i - 3);
    addr[i - 3] = '\0';
    if (inet_pton(s[1] == '1' ? AF_INET : AF_INET6, addr, bin) != 1) {
        return;
    }
    s += i + 1;
    n -= i + 1;
    if (ftp_number(&s, &n, 5, 65535, &port) && port && n == 1
        && s[0] == d) {
        ftp_expect(md, false, addr, port);
    }
}

/* Announces in 'md' the data connection of the server reply 'line' if it
 * is a 227 or 229 reply that gives one (see the top of this file). */
static void
ftp_reply_md(const struct dpi_text_line *line, struct dpi_md *md)
{
    const uint8_t *s;
    unsigned int port;
    size_t n, i;

    if (line->len < 4 || line->s[3] != ' ') {
        return;
    }
    s = line->s + 4;
    n = line->len - 4;
    if (!memcmp(line->s, "227", 3)) {
        char addr[16];
        size_t rest;

        for (i = 0; i < n && (s[i] < '0' || s[i] > '9'); i++) {
            continue;
        }
        if (ftp_host_port(s + i, n - i, addr, &port, &rest)) {
            ftp_expect(md, true, addr, port);
        }
    } else if (!memcmp(line->s, "229", 3)) {
        uint8_t d;

        for (i = 0; i < n && s[i] != '('; i++) {
            continue;
        }
        if (n - i < 7) {
            return;
        }
        s += i + 1;
        n -= i + 1;
        d = s[0];
        if (d < 33 || d > 126 || (d >= '0' && d <= '9') || s[1] != d
            || s[2] != d) {
            return;
        }
        s += 3;
        n -= 3;
        if (ftp_number(&s, &n, 5, 65535, &port) && port && n >= 2
            && s[0] == d && s[1] == ')') {
            ftp_expect(md, true, "-", port);
        }
    }
}

/* Records the metadata of command 'cmd' whose line is 'line'.  Returns
 * true if it is an AUTH TLS (or SSL, TLS-C, TLS-P) command, which starts
 * TLS on the control connection. */
static bool
ftp_command_md(const char *cmd, const struct dpi_text_line *line,
               struct dpi_md *md)
{
    struct dpi_text_line arg = dpi_text_arg(line, strlen(cmd));

    if (!strcmp(cmd, "USER")) {
        if (arg.len) {
            dpi_md_add(md, DPI_F_ftp_user, arg.s, arg.len);
        }
    } else if (!strcmp(cmd, "RETR") || !strcmp(cmd, "STOR")
               || !strcmp(cmd, "STOU") || !strcmp(cmd, "APPE")) {
        if (arg.len) {
            dpi_md_add(md, DPI_F_ftp_file, arg.s, arg.len);
        }
    } else if (!strcmp(cmd, "PORT")) {
        char addr[16];
        unsigned int port;
        size_t rest;

        if (ftp_host_port(arg.s, arg.len, addr, &port, &rest) && !rest) {
            ftp_expect(md, false, addr, port);
        }
    } else if (!strcmp(cmd, "EPRT")) {
        ftp_eprt(&arg, md);
    } else if (!strcmp(cmd, "AUTH")) {
        struct dpi_text_line mech = dpi_text_word(&arg);

        if (mech.len >= 3
            && (!strncasecmp((const char *) mech.s, "TLS", 3)
                || !strncasecmp((const char *) mech.s, "SSL", 3))) {
            dpi_md_set_u64(md, DPI_F__proto, DPI_APP_ftps);
            return true;
        }
    }
    return false;
}

/* Returns MORE if 'data' may start an FTP server greeting (a 120 or 220
 * reply, or 421 for a refusal: RFC 959 5.4), NO otherwise; records a
 * complete greeting in 'md'. */
static enum dpi_proto_result
ftp_greeting(const uint8_t *data, size_t len, struct dpi_md *md)
{
    struct dpi_text_line line;
    size_t pos = 0, i;

    switch (dpi_text_next(data, len, &pos, FTP_MAX_LINE, &line)) {
    case DPI_TEXT_LINE:
        if (!dpi_text_reply(&line, 0)
            || (memcmp(line.s, "220", 3) && memcmp(line.s, "120", 3)
                && memcmp(line.s, "421", 3))) {
            return DPI_PROTO_NO;
        }
        dpi_md_set_u64(md, DPI_F__mail_greeting, DPI_TEXT_GREETING_CODE);
        return DPI_PROTO_MORE;
    case DPI_TEXT_PARTIAL:
        for (i = 0; i < line.len && i < 3; i++) {
            if (line.s[i] < '0' || line.s[i] > '9') {
                return DPI_PROTO_NO;
            }
        }
        return DPI_PROTO_MORE;
    case DPI_TEXT_BAD:
    default:
        return DPI_PROTO_NO;
    }
}

/* Parses one direction of an FTP control connection.  See dpi-proto.h
 * and the comment at the top of this file. */
enum dpi_proto_result
dpi_ftp_parse(const struct dpi_proto_ctx *ctx, const uint8_t *data,
              size_t len, struct dpi_md *md)
{
    struct dpi_text_line line;
    size_t pos = 0;
    bool any = false;

    if (!ctx->is_tcp) {
        return DPI_PROTO_NO;
    }
    if (!ctx->to_server && !ctx->follow) {
        return ftp_greeting(data, len, md);
    } else if (!ctx->to_server) {
        /* Replies of a packet, complete lines only. */
        while (dpi_text_next(data, len, &pos, FTP_MAX_LINE, &line)
               == DPI_TEXT_LINE) {
            if (dpi_text_reply(&line, '2')) {
                ftp_reply_md(&line, md);
            }
        }
        return DPI_PROTO_YES;
    }
    if (!ctx->follow
        && !dpi_text_greeting_allows(md, DPI_TEXT_GREETING_CODE)) {
        return DPI_PROTO_NO;
    }

    for (;;) {
        enum dpi_text_status st = dpi_text_next(data, len, &pos,
                                                FTP_MAX_LINE, &line);
        const char *cmd;

        if (st != DPI_TEXT_LINE) {
            if (ctx->follow) {
                return DPI_PROTO_YES;
            }
            if (st == DPI_TEXT_PARTIAL && !any) {
                /* Commands are letters (RFC 959 5.3.1). */
                size_t i;

                for (i = 0; i < line.len && i < 4 && line.s[i] != ' ';
                     i++) {
                    if (!((line.s[i] | 0x20) >= 'a'
                          && (line.s[i] | 0x20) <= 'z')) {
                        return DPI_PROTO_NO;
                    }
                }
                return DPI_PROTO_MORE;
            }
            return any ? DPI_PROTO_MORE : DPI_PROTO_NO;
        }
        cmd = ftp_command(&line);
        if (!cmd) {
            return ctx->follow ? DPI_PROTO_YES : DPI_PROTO_NO;
        }
        any = true;
        if (ftp_command_md(cmd, &line, md)) {
            return DPI_PROTO_YES;
        }
        if (!ctx->follow && !ftp_is_pre_login(cmd)) {
            return DPI_PROTO_YES;
        }
    }
}
