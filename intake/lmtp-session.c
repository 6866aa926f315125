/* lmtp-session.c - the LMTP protocol of one session: replies, the input
 * buffer, DATA unstuffing, envelope syntax and the command dialogue. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>

#include "intake/lmtp-int.h"
#include "lead/log.h"
#include "lead/lr-error.h"
#include "lead/rawmsg.h"

typedef enum {
	LMTP_READ_OK,
	LMTP_READ_TOO_LONG,
	LMTP_READ_BARE, /* a CR or LF that is not part of a CRLF pair */
	LMTP_READ_EOF,
	LMTP_READ_ERROR
} LmtpRead;

typedef struct {
	GByteArray *message; /* NULL once over the limit */
	gsize size;          /* bytes after unstuffing, counted past the limit too */
	gsize max;
	gboolean bol;  /* at the start of a line: just after CRLF, or the first byte */
	gboolean cr;   /* the last byte taken was a CR */
	gboolean bare; /* a CR or LF was not part of a CRLF pair */
} LmtpData;

typedef gboolean (*LmtpCommandFunc)(LmtpSession *s, const char *args);

/* ------------------------------------------------------------------ */
/* Replies and the input buffer. */

/* session_log_protocol - leadrouted -v: one line of the dialogue (in: a
 * command from the client, out: our reply), escaped.  Message bodies are
 * never logged. */
static void session_log_protocol(LmtpSession *s, const char *dir, const char *line)
{
	g_autofree char *text = g_strescape(line, NULL);

	lr_log_debug(0, "lmtp session=%u %s=\"%s\"", s->id, dir, text);
}

/* session_reply - queue one reply line (CRLF added); sent at the next flush. */
G_GNUC_PRINTF(2, 3)
static void session_reply(LmtpSession *s, const char *fmt, ...)
{
	va_list ap;
	gsize start = s->out->len;

	va_start(ap, fmt);
	g_string_append_vprintf(s->out, fmt, ap);
	va_end(ap);
	if (lr_log_verbose())
		session_log_protocol(s, "out", s->out->str + start);
	g_string_append(s->out, "\r\n");
}

/* lmtp_session_flush - send the queued replies; FALSE when the peer is gone. */
gboolean lmtp_session_flush(LmtpSession *s)
{
	gsize done = 0;

	if (s->socket == NULL) {
		g_string_append_len(s->transcript, s->out->str, s->out->len);
		done = s->out->len;
	}
	while (!s->broken && done < s->out->len) {
		g_autoptr(GError) error = NULL;
		gssize n =
		    g_socket_send(s->socket, s->out->str + done, s->out->len - done, NULL, &error);
		if (n < 0) {
			s->broken = TRUE;
			s->end = g_error_matches(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)
			             ? "write-timeout"
			             : "write-error";
			break;
		}
		done += n;
	}
	g_string_truncate(s->out, 0);
	return !s->broken;
}

/* replay_receive - the next bytes of a replayed session's input. */
static gssize replay_receive(LmtpSession *s, guint8 *buf, gsize len)
{
	gsize size;
	const guint8 *all = g_bytes_get_data(s->replay, &size);
	gsize n = MIN(len, size - s->replay_at);

	if (n == 0) /* the end (all is NULL for empty input) */
		return 0;
	memcpy(buf, all + s->replay_at, n);
	s->replay_at += n;
	return (gssize)n;
}

/* session_receive - read what the client sent, waiting at most the session
 * timeout and never past s->deadline (G_IO_ERROR_TIMED_OUT then). */
static gssize session_receive(LmtpSession *s, guint8 *buf, gsize len, GError **error)
{
	GCancellable *cancel = s->sender ? NULL : s->server->idle_cancel;
	gint64 left = s->deadline - g_get_monotonic_time();
	gint64 wait = MIN(left, (gint64)s->server->timeout * G_TIME_SPAN_SECOND);

	if (s->socket == NULL)
		return replay_receive(s, buf, len);
	if (wait <= 0) {
		g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "deadline passed");
		return -1;
	}
	if (!g_socket_condition_timed_wait(s->socket, G_IO_IN, wait, cancel, error))
		return -1;
	return g_socket_receive(s->socket, (char *)buf, len, cancel, error);
}

/* session_fill - flush replies, then wait for more input.  Returns the bytes
 * read, 0 at end of input, -1 on error (timed out, cancelled, reset). */
static gssize session_fill(LmtpSession *s, GError **error)
{
	gssize n;

	if (!lmtp_session_flush(s))
		return 0;
	if (s->in_start == s->in_end) {
		s->in_start = s->in_end = 0;
	} else if (s->in_start > 0) {
		memmove(s->in, s->in + s->in_start, s->in_end - s->in_start);
		s->in_end -= s->in_start;
		s->in_start = 0;
	}
	n = session_receive(s, s->in + s->in_end, LMTP_INBUF - s->in_end, error);
	if (n > 0)
		s->in_end += n;
	return n;
}

/* read_result - map a session_fill result that is not data. */
static LmtpRead read_result(gssize n)
{
	return n == 0 ? LMTP_READ_EOF : LMTP_READ_ERROR;
}

/* session_read_line - the next command line into line, without its CRLF.
 * Only CRLF ends a line: a bare LF or CR is part of it, and such a line is
 * reported as LMTP_READ_BARE (never run as a command).  A line over
 * LMTP_MAX_LINE is read to its end, dropped, and reported as
 * LMTP_READ_TOO_LONG.  The whole line must be in within the session
 * timeout, however slowly it trickles in. */
static LmtpRead session_read_line(LmtpSession *s, GString *line, GError **error)
{
	gboolean too_long = FALSE;
	gboolean cr = FALSE; /* the byte before was a CR */

	s->deadline = g_get_monotonic_time() + (gint64)s->server->timeout * G_TIME_SPAN_SECOND;
	g_string_truncate(line, 0);
	for (;;) {
		guint8 *p = s->in + s->in_start;
		gsize n = s->in_end - s->in_start;
		guint8 *nl = memchr(p, '\n', n);
		gsize take = nl ? (gsize)(nl - p) + 1 : n;
		gboolean end = nl && (nl > p ? nl[-1] == '\r' : cr);
		gssize got;

		if (!too_long && line->len + take <= LMTP_MAX_LINE)
			g_string_append_len(line, (const char *)p, take);
		else
			too_long = TRUE;
		if (take > 0)
			cr = p[take - 1] == '\r';
		s->in_start += take;
		if (end)
			break;
		if (!nl && (got = session_fill(s, error)) <= 0)
			return read_result(got);
	}
	if (too_long)
		return LMTP_READ_TOO_LONG;
	g_string_truncate(line, line->len - 2);
	if (memchr(line->str, '\r', line->len) || memchr(line->str, '\n', line->len))
		return LMTP_READ_BARE;
	return LMTP_READ_OK;
}

/* ------------------------------------------------------------------ */
/* DATA: dot-unstuffing into the message, up to the size limit. */

/* data_ends - note a CR not followed by LF or an LF not after a CR in
 * the next len bytes of the message; TRUE when they end with CRLF. */
static gboolean data_ends(LmtpData *d, const guint8 *p, gsize len)
{
	gboolean crlf = FALSE;

	for (gsize i = 0; i < len; i++) {
		if (d->cr != (p[i] == '\n')) /* CR then not LF, or LF without CR */
			d->bare = TRUE;
		crlf = d->cr && p[i] == '\n';
		d->cr = p[i] == '\r';
	}
	return crlf;
}

/* data_append - add bytes to the message unless it went over the limit. */
static void data_append(LmtpData *d, const guint8 *p, gsize len)
{
	d->size += len;
	if (d->message && d->size > d->max)
		g_clear_pointer(&d->message, g_byte_array_unref);
	if (d->message)
		g_byte_array_append(d->message, p, len);
}

/* data_scan - move buffered input into the message.  Returns TRUE when the
 * final "." line was consumed, FALSE when more input is needed.  Only
 * CRLF "." CRLF ends the message (RFC 5321 4.1.1.4): a "." line after a
 * bare LF is message text, so that no command can be smuggled in after a
 * line end that another server would read differently (d->bare tells). */
static gboolean data_scan(LmtpSession *s, LmtpData *d)
{
	while (s->in_start < s->in_end) {
		guint8 *p = s->in + s->in_start;
		gsize n = s->in_end - s->in_start;
		guint8 *nl;
		gsize take;

		if (d->bol && p[0] == '.') {
			if (n < 2 || (p[1] == '\r' && n < 3))
				return FALSE;
			if (p[1] == '\r' && p[2] == '\n') {
				s->in_start += 3;
				return TRUE;
			}
			s->in_start++; /* a stuffed dot */
			p++;
			n--;
			d->bol = FALSE;
			continue;
		}
		nl = memchr(p, '\n', n);
		take = nl ? (gsize)(nl - p) + 1 : n;
		data_append(d, p, take);
		s->in_start += take;
		d->bol = data_ends(d, p, take);
	}
	return FALSE;
}

/* session_read_data - read the message up to the final dot.  Returns OK with
 * *message set, TOO_LONG with *message NULL when it went over the limit (it
 * is read to the end all the same), BARE (*message NULL) when it held a
 * bare CR or LF, or EOF / ERROR (nothing kept).  The message must come in
 * within the session timeout plus a second per min_rate bytes received
 * (Postfix's smtpd_min_data_rate), and no silence may last longer than the
 * session timeout. */
static LmtpRead session_read_data(LmtpSession *s, GBytes **message, GError **error)
{
	LmtpData d = {.max = s->server->max_size, .bol = TRUE};
	gssize got;

	s->deadline = g_get_monotonic_time() + (gint64)s->server->timeout * G_TIME_SPAN_SECOND;
	d.message = g_byte_array_sized_new(CLAMP(s->size_hint, 4096, LMTP_PREALLOC) + 1);
	*message = NULL;
	while (!data_scan(s, &d)) {
		if ((got = session_fill(s, error)) <= 0) {
			g_clear_pointer(&d.message, g_byte_array_unref);
			return read_result(got);
		}
		s->deadline += got * G_TIME_SPAN_SECOND / s->server->min_rate;
	}
	if (!d.message)
		return LMTP_READ_TOO_LONG;
	if (d.bare) {
		g_byte_array_unref(d.message);
		return LMTP_READ_BARE;
	}
	*message = g_byte_array_free_to_bytes(d.message);
	return LMTP_READ_OK;
}

/* ------------------------------------------------------------------ */
/* Envelope syntax. */

/* address_valid - a path's content: no controls, no unquoted space or
 * brackets, valid UTF-8, local@domain (or postmaster when allow_bare). */
static gboolean address_valid(const char *addr, gboolean allow_bare)
{
	gboolean quoted = FALSE;
	const char *at = NULL;
	const char *p;

	if (!g_utf8_validate(addr, -1, NULL) || strlen(addr) > LMTP_MAX_ADDRESS)
		return FALSE;
	for (p = addr; *p; p++) {
		guchar c = *p;
		if (c < 0x20 || c == 0x7f)
			return FALSE;
		if (c == '"' && (p == addr || p[-1] != '\\'))
			quoted = !quoted;
		else if (!quoted && (c == ' ' || c == '<' || c == '>'))
			return FALSE;
		else if (!quoted && c == '@')
			at = p;
	}
	if (quoted)
		return FALSE;
	if (at == NULL)
		return allow_bare && g_ascii_strcasecmp(addr, "postmaster") == 0;
	return at != addr && at[1] != '\0';
}

/* parse_path - "<addr> params" after "FROM:" / "TO:": the address (source
 * route dropped) into *addr, *params at what follows.  FALSE on bad syntax. */
static gboolean parse_path(const char *arg, char **addr, const char **params)
{
	const char *start;
	const char *end;

	while (*arg == ' ')
		arg++;
	if (*arg != '<')
		return FALSE;
	start = arg + 1;
	if (*start == '@') { /* <@a,@b:user@d>: the route is obsolete */
		start = strchr(start, ':');
		if (start == NULL)
			return FALSE;
		start++;
	}
	end = strchr(start, '>');
	if (end == NULL || (end[1] != '\0' && end[1] != ' '))
		return FALSE;
	*addr = g_strndup(start, end - start);
	*params = end + 1;
	while (**params == ' ')
		(*params)++;
	return TRUE;
}

/* prefix_arg - args after a case-insensitive keyword ("FROM:"), or NULL. */
static const char *prefix_arg(const char *args, const char *keyword)
{
	gsize len = strlen(keyword);

	if (args == NULL || g_ascii_strncasecmp(args, keyword, len) != 0)
		return NULL;
	return args + len;
}

/* ------------------------------------------------------------------ */
/* Commands.  Each returns FALSE when the session must end. */

/* transaction_reset - forget the sender and the recipients. */
static void transaction_reset(LmtpSession *s)
{
	g_clear_pointer(&s->sender, g_free);
	g_ptr_array_set_size(s->rcpts, 0);
	s->size_hint = 0;
}

/* session_error - answer a bad command; FALSE after too many of them. */
G_GNUC_PRINTF(2, 3)
static gboolean session_error(LmtpSession *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	g_string_append_vprintf(s->out, fmt, ap);
	va_end(ap);
	g_string_append(s->out, "\r\n");
	if (++s->errors < LMTP_MAX_ERRORS)
		return TRUE;
	session_reply(s, "421 4.7.0 %s Error: too many errors", s->server->hostname);
	s->end = "too-many-errors";
	return FALSE;
}

/* cmd_lhlo - greet the client and list the extensions. */
static gboolean cmd_lhlo(LmtpSession *s, const char *args)
{
	if (args == NULL || *args == '\0')
		return session_error(s, "501 5.5.4 Syntax: LHLO hostname");
	transaction_reset(s);
	s->lhlo = TRUE;
	session_reply(s, "250-%s", s->server->hostname);
	session_reply(s, "250-PIPELINING");
	session_reply(s, "250-8BITMIME");
	session_reply(s, "250-ENHANCEDSTATUSCODES");
	session_reply(s, "250-SIZE %" G_GSIZE_FORMAT, s->server->max_size);
	session_reply(s, "250 SMTPUTF8");
	return TRUE;
}

/* mail_param - check one MAIL FROM parameter; NULL if fine, else a reply. */
static const char *mail_param(LmtpSession *s, const char *param)
{
	const char *value;
	guint64 size;

	if ((value = prefix_arg(param, "SIZE=")) != NULL) {
		if (!g_ascii_string_to_unsigned(value, 10, 0, G_MAXUINT64, &size, NULL))
			return "501 5.5.4 Bad SIZE= parameter";
		if (size > s->server->max_size)
			return "552 5.3.4 Message size exceeds fixed limit";
		s->size_hint = size;
		return NULL;
	}
	if ((value = prefix_arg(param, "BODY=")) != NULL)
		return g_ascii_strcasecmp(value, "8BITMIME") == 0 ||
		               g_ascii_strcasecmp(value, "7BIT") == 0
		           ? NULL
		           : "501 5.5.4 Bad BODY= parameter";
	if (g_ascii_strcasecmp(param, "SMTPUTF8") == 0)
		return NULL;
	return "555 5.5.4 Unsupported MAIL FROM parameter";
}

/* cmd_mail - start a transaction. */
static gboolean cmd_mail(LmtpSession *s, const char *args)
{
	const char *from = prefix_arg(args, "FROM:");
	g_autofree char *addr = NULL;
	g_auto(GStrv) params = NULL;
	const char *rest;

	if (!s->lhlo)
		return session_error(s, "503 5.5.1 Error: send LHLO first");
	if (s->sender)
		return session_error(s, "503 5.5.1 Error: nested MAIL command");
	if (from == NULL || !parse_path(from, &addr, &rest) ||
	    (*addr && !address_valid(addr, FALSE)))
		return session_error(s, "501 5.5.4 Syntax: MAIL FROM:<address>");
	params = g_strsplit(rest, " ", 0);
	for (char **p = params; *p; p++) {
		const char *bad = **p ? mail_param(s, *p) : NULL;
		if (bad) {
			s->size_hint = 0;
			return session_error(s, "%s", bad);
		}
	}
	s->sender = g_steal_pointer(&addr);
	session_reply(s, "250 2.1.0 Ok");
	return TRUE;
}

/* cmd_rcpt - add a recipient. */
static gboolean cmd_rcpt(LmtpSession *s, const char *args)
{
	const char *to = prefix_arg(args, "TO:");
	g_autofree char *addr = NULL;
	const char *rest;

	if (!s->sender)
		return session_error(s, "503 5.5.1 Error: need MAIL command");
	if (to == NULL || !parse_path(to, &addr, &rest) || !address_valid(addr, TRUE))
		return session_error(s, "501 5.5.4 Syntax: RCPT TO:<address>");
	if (*rest)
		return session_error(s, "555 5.5.4 Unsupported RCPT TO parameter");
	if (s->rcpts->len >= LMTP_MAX_RCPTS) {
		session_reply(s, "452 4.5.3 Error: too many recipients");
		return TRUE;
	}
	g_ptr_array_add(s->rcpts, g_steal_pointer(&addr));
	session_reply(s, "250 2.1.5 Ok");
	return TRUE;
}

/* reply_text - an error message fit for a reply line: printable, short. */
static char *reply_text(const GError *error)
{
	char *text = g_strndup(error && error->message ? error->message : "try again later", 200);

	for (char *p = text; *p; p++)
		if ((guchar)*p < 0x20 || (guchar)*p == 0x7f)
			*p = ' ';
	return text;
}

/* data_store - hand the message to the store callback; queue one reply
 * per recipient.  Returns the status for the log; *lead_id gets the lead
 * stored (0: none named). */
static const char *data_store(LmtpSession *s, GBytes *message, guint64 *lead_id)
{
	LrLmtpServer *server = s->server;
	g_autoptr(GError) error = NULL;
	g_autofree char *text = NULL;
	const char *code;
	const char *status;
	gboolean dup = FALSE;

	*lead_id = 0;
	if (server->store(message, s->sender, (const char *const *)s->rcpts->pdata,
	                  server->store_data, lead_id, &dup, &error)) {
		code = "250 2.0.0";
		status = "stored";
		text = *lead_id == 0 ? g_strdup("Ok: stored")
		                     : g_strdup_printf("%sstored as lead %" G_GUINT64_FORMAT,
		                                       dup ? "already " : "", *lead_id);
	} else if (g_error_matches(error, LR_ERROR, LR_ERROR_PERM)) {
		code = "554 5.6.0";
		status = "refused";
	} else if (g_error_matches(error, LR_ERROR, LR_ERROR_TOO_BIG)) {
		code = "552 5.3.4";
		status = "too-big";
	} else {
		code = "451 4.3.0";
		status = "deferred";
	}
	if (text == NULL)
		text = reply_text(error);
	for (guint i = 0; i < s->rcpts->len; i++)
		session_reply(s, "%s <%s> %s", code, (char *)s->rcpts->pdata[i], text);
	return status;
}

/* data_log - one line about one message. */
static void data_log(LmtpSession *s, GBytes *message, gsize size, const char *status,
                     guint64 lead_id)
{
	gsize len = 0;
	const char *raw = message ? g_bytes_get_data(message, &len) : NULL;
	g_autofree char *id = raw ? rawmsg_header(raw, len, "Message-ID") : NULL;
	g_autofree char *safe = g_strescape(id ? id : "", NULL);

	lr_log_info(lead_id,
	            "lmtp session=%u from=<%s> nrcpt=%u size=%" G_GSIZE_FORMAT
	            " message-id=%.100s status=%s",
	            s->id, s->sender, s->rcpts->len, size, safe, status);
}

/* cmd_data - read the message and answer once per recipient. */
static gboolean cmd_data(LmtpSession *s, const char *args)
{
	g_autoptr(GBytes) message = NULL;
	g_autoptr(GError) error = NULL;
	LmtpRead r;

	if (args && *args)
		return session_error(s, "501 5.5.4 Syntax: DATA");
	if (!s->sender)
		return session_error(s, "503 5.5.1 Error: need MAIL command");
	if (s->rcpts->len == 0)
		return session_error(s, "503 5.5.1 Error: need RCPT command");
	session_reply(s, "354 End data with <CR><LF>.<CR><LF>");
	r = session_read_data(s, &message, &error);
	if (r == LMTP_READ_EOF || r == LMTP_READ_ERROR) {
		if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
			session_reply(s, "421 4.4.2 %s Error: timeout exceeded",
			              s->server->hostname);
		data_log(s, NULL, 0, "aborted", 0);
		s->end = s->end ? s->end : r == LMTP_READ_EOF ? "eof-in-data" : "error-in-data";
		return FALSE;
	}
	if (r == LMTP_READ_TOO_LONG) {
		for (guint i = 0; i < s->rcpts->len; i++)
			session_reply(s, "552 5.3.4 <%s> Message size exceeds fixed limit",
			              (char *)s->rcpts->pdata[i]);
		data_log(s, NULL, s->server->max_size + 1, "too-big", 0);
	} else if (r == LMTP_READ_BARE) {
		for (guint i = 0; i < s->rcpts->len; i++)
			session_reply(s,
			              "554 5.6.0 <%s> Message refused: bare <CR> or <LF> "
			              "(lines must end with <CR><LF>)",
			              (char *)s->rcpts->pdata[i]);
		data_log(s, NULL, 0, "bare-line-end", 0);
	} else {
		guint64 lead_id;
		const char *status = data_store(s, message, &lead_id);

		data_log(s, message, g_bytes_get_size(message), status, lead_id);
		s->messages++;
	}
	transaction_reset(s);
	return TRUE;
}

/* cmd_rset - abandon the transaction. */
static gboolean cmd_rset(LmtpSession *s, const char *args)
{
	if (args && *args)
		return session_error(s, "501 5.5.4 Syntax: RSET");
	transaction_reset(s);
	session_reply(s, "250 2.0.0 Ok");
	return TRUE;
}

/* cmd_noop - do nothing, successfully. */
static gboolean cmd_noop(LmtpSession *s, const char *args)
{
	session_reply(s, "250 2.0.0 Ok");
	return TRUE;
}

/* cmd_vrfy - we do not verify addresses. */
static gboolean cmd_vrfy(LmtpSession *s, const char *args)
{
	if (args == NULL || *args == '\0')
		return session_error(s, "501 5.5.4 Syntax: VRFY address");
	session_reply(s, "252 2.5.2 Cannot VRFY user, but will accept message");
	return TRUE;
}

/* cmd_quit - say goodbye. */
static gboolean cmd_quit(LmtpSession *s, const char *args)
{
	session_reply(s, "221 2.0.0 Bye");
	s->end = "quit";
	return FALSE;
}

/* cmd_helo - HELO and EHLO are SMTP, not LMTP. */
static gboolean cmd_helo(LmtpSession *s, const char *args)
{
	return session_error(s, "500 5.5.1 Error: this is LMTP, send LHLO");
}

static const struct {
	const char *name;
	LmtpCommandFunc func;
} lmtp_commands[] = {
    {"LHLO", cmd_lhlo}, {"MAIL", cmd_mail}, {"RCPT", cmd_rcpt}, {"DATA", cmd_data},
    {"RSET", cmd_rset}, {"NOOP", cmd_noop}, {"VRFY", cmd_vrfy}, {"QUIT", cmd_quit},
    {"HELO", cmd_helo}, {"EHLO", cmd_helo},
};

/* session_command - decode one command line and run it. */
static gboolean session_command(LmtpSession *s, GString *line)
{
	const char *args = NULL;
	char *space;

	if (lr_log_verbose())
		session_log_protocol(s, "in", line->str);
	if (strlen(line->str) != line->len)
		return session_error(s, "500 5.5.2 Error: NUL byte in command");
	if ((space = strchr(line->str, ' ')) != NULL) {
		*space = '\0';
		args = space + 1;
	}
	for (gsize i = 0; i < G_N_ELEMENTS(lmtp_commands); i++)
		if (g_ascii_strcasecmp(line->str, lmtp_commands[i].name) == 0)
			return lmtp_commands[i].func(s, args);
	return session_error(s, "500 5.5.2 Error: command not recognized");
}

/* session_read_failed - say why reading stopped, for the client and the log. */
static void session_read_failed(LmtpSession *s, LmtpRead r, const GError *error)
{
	if (r == LMTP_READ_EOF) {
		s->end = s->end ? s->end : "eof";
	} else if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)) {
		session_reply(s, "421 4.4.2 %s Error: timeout exceeded", s->server->hostname);
		s->end = "timeout";
	} else if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
		session_reply(s, "421 4.3.2 %s Service shutting down", s->server->hostname);
		s->end = "shutdown";
	} else {
		s->end = "read-error";
	}
}

/* lmtp_session_dialogue - greet, then read and run commands until the end. */
void lmtp_session_dialogue(LmtpSession *s)
{
	g_autoptr(GString) line = g_string_sized_new(LMTP_MAX_LINE);

	if (g_cancellable_is_cancelled(s->server->idle_cancel)) {
		session_reply(s, "421 4.3.2 %s Service shutting down", s->server->hostname);
		s->end = "shutdown";
		return;
	}
	session_reply(s, "220 %s LMTP leadroute ready", s->server->hostname);
	for (;;) {
		g_autoptr(GError) error = NULL;
		LmtpRead r = session_read_line(s, line, &error);

		if (r == LMTP_READ_EOF || r == LMTP_READ_ERROR) {
			session_read_failed(s, r, error);
			return;
		}
		if (r == LMTP_READ_TOO_LONG) {
			if (!session_error(s, "500 5.5.2 Error: line too long"))
				return;
		} else if (r == LMTP_READ_BARE) {
			if (!session_error(s, "500 5.5.2 Error: bare <CR> or <LF> in command"))
				return;
		} else if (!session_command(s, line)) {
			return;
		}
	}
}
