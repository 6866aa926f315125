/* rawmsg.c - header look-ups and duplicate keys on raw messages. */
#include "config.h"

#include <string.h>

#include "lead/lr-error.h"
#include "lead/rawmsg.h"

/* line_end - the end of the line starting at p (before CRLF/LF). */
static const char *line_end(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', end - p);

	return nl ? nl : end;
}

/* next_line - the start of the line after p. */
static const char *next_line(const char *p, const char *end)
{
	const char *e = line_end(p, end);

	return e < end ? e + 1 : end;
}

/* is_blank_line - the header/body separator. */
static gboolean is_blank_line(const char *p, const char *end)
{
	const char *e = line_end(p, end);

	return e == p || (e == p + 1 && *p == '\r');
}

/* name_matches - does the line at p name header name? */
static gboolean name_matches(const char *p, const char *end, const char *name)
{
	size_t n = strlen(name);

	return (size_t)(end - p) > n && g_ascii_strncasecmp(p, name, n) == 0 && p[n] == ':';
}

/* append_unfolded - add the part of a header line after skip to value. */
static void append_unfolded(GString *value, const char *p, const char *e)
{
	if (e > p && e[-1] == '\r')
		e--;
	g_string_append_len(value, p, e - p);
}

/* rawmsg_header - the first header called name, unfolded. */
char *rawmsg_header(const char *raw, gsize len, const char *name)
{
	const char *p = raw, *end = raw + len;

	while (p < end && !is_blank_line(p, end)) {
		if (!name_matches(p, end, name)) {
			p = next_line(p, end);
			continue;
		}
		GString *value = g_string_new(NULL);
		append_unfolded(value, p + strlen(name) + 1, line_end(p, end));
		for (p = next_line(p, end); p < end && (*p == ' ' || *p == '\t');
		     p = next_line(p, end))
			append_unfolded(value, p, line_end(p, end));
		return g_strstrip(g_string_free(value, FALSE));
	}
	return NULL;
}

/* header_line_ok - a "Name: value" line or a continuation. */
static gboolean header_line_ok(const char *p, const char *e, gboolean first)
{
	const char *q;

	if (!first && (*p == ' ' || *p == '\t'))
		return TRUE;
	for (q = p; q < e && *q != ':'; q++)
		if ((unsigned char)*q <= 32 || (unsigned char)*q >= 127)
			return FALSE;
	return q < e && q > p;
}

/* rawmsg_check - refuse what is not mail at all. */
gboolean rawmsg_check(const char *raw, gsize len, GError **error)
{
	const char *end = raw + len;

	if (len == 0 || is_blank_line(raw, end)) {
		g_set_error(error, LR_ERROR, LR_ERROR_PERM, "message has no header");
		return FALSE;
	}
	if (!header_line_ok(raw, line_end(raw, end), TRUE)) {
		g_set_error(error, LR_ERROR, LR_ERROR_PERM, "message does not start with a header");
		return FALSE;
	}
	if (memchr(raw, '\0', MIN(len, 65536)) != NULL) {
		g_set_error(error, LR_ERROR, LR_ERROR_PERM, "message contains NUL bytes");
		return FALSE;
	}
	return TRUE;
}

/* is_trace_header - headers added in transit, left out of the digest. */
static gboolean is_trace_header(const char *p, const char *end)
{
	static const char *const trace[] = {"Received", "Return-Path", "Delivered-To",
	                                    "X-Original-To", NULL};

	for (int i = 0; trace[i]; i++)
		if (name_matches(p, end, trace[i]))
			return TRUE;
	return FALSE;
}

/* digest_line - add one line to the digest with its end as LF, so that
 * the same mail over LMTP (CRLF) and through pipe(8) (LF) keys the same. */
static void digest_line(GChecksum *sum, const char *p, const char *next)
{
	const char *e = next;

	if (e > p && e[-1] == '\n')
		e--;
	if (e > p && e[-1] == '\r')
		e--;
	g_checksum_update(sum, (const guchar *)p, e - p);
	if (next > p && next[-1] == '\n')
		g_checksum_update(sum, (const guchar *)"\n", 1);
}

/* digest_key - sha256 over the message less its trace headers. */
static char *digest_key(const char *raw, gsize len)
{
	g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
	const char *p = raw, *end = raw + len;
	gboolean skipping = FALSE, in_header = TRUE;

	while (p < end) {
		const char *n = next_line(p, end);
		if (in_header && is_blank_line(p, end))
			in_header = FALSE;
		else if (in_header && *p != ' ' && *p != '\t')
			skipping = is_trace_header(p, end);
		if (!in_header || !skipping)
			digest_line(sum, p, n);
		p = n;
	}
	return g_strconcat("sha256:", g_checksum_get_string(sum), NULL);
}

/* rawmsg_key - Message-ID or content digest. */
char *rawmsg_key(const char *raw, gsize len)
{
	g_autofree char *mid = rawmsg_header(raw, len, "Message-ID");
	GString *key;

	if (mid == NULL || *mid == '\0')
		return digest_key(raw, len);
	key = g_string_new(NULL);
	for (const char *p = mid; *p; p++)
		if (*p != '<' && *p != '>' && !g_ascii_isspace(*p))
			g_string_append_c(key, *p);
	if (key->len == 0) {
		g_string_free(key, TRUE);
		return digest_key(raw, len);
	}
	return g_string_free(key, FALSE);
}

/* rawmsg_addr_extension - "leads+webinar@x" -> "webinar". */
char *rawmsg_addr_extension(const char *address)
{
	const char *plus, *at;

	if (address == NULL)
		return NULL;
	at = strrchr(address, '@');
	plus = strchr(address, '+');
	if (plus == NULL || (at != NULL && plus > at) || plus + 1 == (at ? at : plus + 1))
		return NULL;
	return at ? g_strndup(plus + 1, at - plus - 1) : g_strdup(plus + 1);
}
