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
 * STOR, STOU and APPE are recorded, later ones as a follow parser. */

#include "dpi-proto.h"

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
    if (!ctx->to_server) {
        return ctx->follow ? DPI_PROTO_YES : ftp_greeting(data, len, md);
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
