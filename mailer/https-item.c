/* https-item.c - an https POST as an outbox item, and telling one from
 * a mail recipient.  No libcurl here (mailer/https.c sends): the router
 * writes items, and commands that never send link without curl. */
#include "config.h"

#include <string.h>

#include "lead/lr-error.h"
#include "mailer/https.h"

/* mailer_https_is_url - the destination kind of an outbox item. */
gboolean mailer_https_is_url(const char *rcpt)
{
	return rcpt != NULL && g_ascii_strncasecmp(rcpt, "https://", 8) == 0;
}

/* https_line_ok - a header line without line ends. */
static gboolean https_line_ok(const char *text)
{
	return text == NULL || strpbrk(text, "\r\n") == NULL;
}

/* mailer_https_request - the request as one outbox item. */
GBytes *mailer_https_request(const LrHttpsPost *post, GBytes *body, GError **error)
{
	g_autoptr(GString) out = g_string_new(MAILER_HTTPS_MAGIC "\n");
	gsize len = 0;
	const char *data = g_bytes_get_data(body, &len);
	gboolean ok = https_line_ok(post->ca_file) && https_line_ok(post->content_type);

	for (int i = 0; post->headers && post->headers[i]; i++)
		ok = ok && https_line_ok(post->headers[i]) && strchr(post->headers[i], ':');
	if (!ok) {
		g_set_error(error, LR_ERROR, LR_ERROR_PERM, "an https header has a line end in it");
		return NULL;
	}
	if (post->ca_file != NULL)
		g_string_append_printf(out, "CA-File: %s\n", post->ca_file);
	g_string_append_printf(out, "Content-Type: %s\n",
	                       post->content_type ? post->content_type : "application/octet-stream");
	for (int i = 0; post->headers && post->headers[i]; i++)
		g_string_append_printf(out, "%s\n", post->headers[i]);
	g_string_append_c(out, '\n');
	g_string_append_len(out, data ? data : "", (gssize)len);
	return g_string_free_to_bytes(g_steal_pointer(&out));
}
