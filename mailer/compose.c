/* compose.c - notifications from templates: rendering, MIME with GMime (the
 * placeholder values are in compose-values.c). */
#include "config.h"

#include <string.h>

#include <sys/stat.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gmime/gmime.h>

#include "lead/log.h"
#include "lead/lr-error.h"
#include "mailer/compose.h"
#include "mailer/compose-int.h"
#include "mailer/mimetype.h"
#include "mailer/redact.h"
#include "mailer/template.h"

#define COMPOSE_SUBJECT_MAX 200 /* characters of a rendered subject */

const char *const mailer_kinds[] = {
    "new-lead", "reminder", "accepted", "rejected", "forwarded", "escalation", "taken",
    "revoked",  "help",     "confirm",  "refused",  "away",      "command",    NULL,
};

/* compose_gmime_init - initialise GMime once per process. */
void compose_gmime_init(void)
{
	static gsize done;

	if (g_once_init_enter(&done)) {
		g_mime_init();
		g_once_init_leave(&done, 1);
	}
}

/* ---- Rendering ---- */

/* compose_perm - set an LR_ERROR_PERM error; FALSE. */
static gboolean compose_perm(GError **error, const char *what, const char *value)
{
	g_set_error(error, LR_ERROR, LR_ERROR_PERM, "%s: \"%s\"", what, value ? value : "(none)");
	return FALSE;
}

/* compose_word_ok - TRUE when s is 1..max characters, each alphanumeric
 * or in extra. */
static gboolean compose_word_ok(const char *s, const char *extra, gsize max)
{
	if (s == NULL || *s == '\0' || strlen(s) > max)
		return FALSE;
	for (; *s; s++)
		if (!g_ascii_isalnum(*s) && !strchr(extra, *s))
			return FALSE;
	return TRUE;
}

/* compose_addr_ok - TRUE for a bare local@domain address without spaces,
 * controls or address syntax that could smuggle in another header. */
static gboolean compose_addr_ok(const char *addr)
{
	const char *at = addr ? strrchr(addr, '@') : NULL;

	if (at == NULL || at == addr || at[1] == '\0' || strlen(addr) > 254)
		return FALSE;
	for (const char *p = addr; *p; p++)
		if ((guchar)*p <= 0x20 || *p == 0x7f || strchr("<>()[]\\,;:\"", *p))
			return FALSE;
	return g_utf8_validate(addr, -1, NULL);
}

/* compose_check_input - refuse what can never make a good message. */
static gboolean compose_check_input(const LrMailerConfig *config, const LrNotice *notice,
                                    GError **error)
{
	if (!compose_word_ok(notice->kind, "-", 64))
		return compose_perm(error, "bad notification kind", notice->kind);
	if (config->template_dir == NULL)
		return compose_perm(error, "no template folder for", notice->kind);
	if (!compose_word_ok(config->domain, ".-", 253))
		return compose_perm(error, "bad reply domain", config->domain);
	if (!compose_addr_ok(notice->to_address))
		return compose_perm(error, "bad recipient address", notice->to_address);
	if (notice->token && !compose_word_ok(notice->token, "", 64))
		return compose_perm(error, "bad reply token", notice->token);
	return TRUE;
}

/* compose_render_txt - render KIND.txt: its "Subject:" first line into a
 * clean one-line *subject, the rest (less one blank line) into *text. */
static gboolean compose_render_txt(ComposeCtx *ctx, char **subject, char **text, GError **error)
{
	g_autofree char *path =
	    g_strdup_printf("%s/%s.txt", ctx->config->template_dir, ctx->notice->kind);
	g_autoptr(LrTemplate) tpl = template_load(path, error);
	g_autoptr(GString) line = g_string_new(NULL);
	GString *body = g_string_new(NULL);
	gsize eol, from;

	if (tpl == NULL || g_ascii_strncasecmp(tpl->text, "Subject:", 8) != 0) {
		g_string_free(body, TRUE);
		if (tpl == NULL)
			return FALSE;
		return compose_perm(error, "first line is not \"Subject: ...\" in", path);
	}
	eol = strcspn(tpl->text, "\n");
	from = eol < tpl->len ? eol + 1 : eol;
	if (tpl->text[from] == '\n' || (tpl->text[from] == '\r' && tpl->text[from + 1] == '\n'))
		from += tpl->text[from] == '\n' ? 1 : 2;
	ctx->html = FALSE;
	if (!template_render(tpl, 8, eol, compose_lookup, ctx, line, error) ||
	    !template_render(tpl, from, tpl->len, compose_lookup, ctx, body, error)) {
		g_string_free(body, TRUE);
		return FALSE;
	}
	*subject = compose_clean_header(line->str, COMPOSE_SUBJECT_MAX);
	*text = g_string_free(body, FALSE);
	return TRUE;
}

/* compose_render_html - render KIND.html into *html; NULL without error
 * when there is no such file. */
static gboolean compose_render_html(ComposeCtx *ctx, char **html, GError **error)
{
	g_autofree char *path =
	    g_strdup_printf("%s/%s.html", ctx->config->template_dir, ctx->notice->kind);
	g_autoptr(LrTemplate) tpl = NULL;
	GString *out;

	*html = NULL;
	if (!g_file_test(path, G_FILE_TEST_EXISTS))
		return TRUE;
	tpl = template_load(path, error);
	if (tpl == NULL)
		return FALSE;
	out = g_string_new(NULL);
	ctx->html = TRUE;
	if (!template_render(tpl, 0, tpl->len, compose_lookup, ctx, out, error)) {
		g_string_free(out, TRUE);
		return FALSE;
	}
	*html = g_string_free(out, FALSE);
	return TRUE;
}

/* ---- The MIME message ---- */

/* compose_from_parse - the first mailbox of a From text (a new ref), or NULL
 * when it has no usable one. */
static InternetAddress *compose_from_parse(const char *text)
{
	g_autofree char *clean = compose_clean_header(text, 998);
	InternetAddressList *list = internet_address_list_parse(NULL, clean);
	InternetAddress *first = NULL;

	if (list && internet_address_list_length(list) > 0)
		first = internet_address_list_get_address(list, 0);
	if (first &&
	    (!INTERNET_ADDRESS_IS_MAILBOX(first) ||
	     !compose_addr_ok(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(first)))))
		first = NULL;
	if (first)
		g_object_ref(first);
	g_clear_object(&list);
	return first;
}

/* mailer_envelope_from - the From address without its name. */
char *mailer_envelope_from(const LrMailerConfig *config)
{
	InternetAddress *first;
	char *addr;

	compose_gmime_init();
	first = compose_from_parse(config->from);
	if (first == NULL)
		return NULL;
	addr = g_strdup(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(first)));
	g_object_unref(first);
	return addr;
}

/* compose_addresses - From (from the configuration), To and Reply-To. */
static gboolean compose_addresses(GMimeMessage *msg, const ComposeCtx *ctx, GError **error)
{
	g_autofree char *to_name = compose_clean_header(ctx->notice->to_name, 200);
	InternetAddress *from = compose_from_parse(ctx->config->from);
	g_autofree char *reply = NULL;

	if (from == NULL)
		return compose_perm(error, "bad From address", ctx->config->from);
	internet_address_list_add(g_mime_message_get_from(msg), from);
	g_mime_message_add_mailbox(msg, GMIME_ADDRESS_TYPE_TO, to_name, ctx->notice->to_address);
	if (ctx->notice->token) {
		reply = g_strdup_printf("lead+%s@%s", ctx->notice->token, ctx->config->domain);
		g_mime_message_add_mailbox(msg, GMIME_ADDRESS_TYPE_REPLY_TO,
		                           internet_address_get_name(from), reply);
	}
	g_object_unref(from);
	return TRUE;
}

/* compose_msgid_clean - a Message-ID given by a caller as "<id>", or NULL
 * when it is not a plausible one. */
static char *compose_msgid_clean(const char *value)
{
	g_autofree char *id = g_strstrip(g_strdup(value ? value : ""));
	char *bare = id;

	if (*bare == '<' && g_str_has_suffix(bare, ">")) {
		bare++;
		bare[strlen(bare) - 1] = '\0';
	}
	if (!compose_addr_ok(bare))
		return NULL;
	return g_strdup_printf("<%s>", bare);
}

/* compose_ids - Message-ID and the threading headers. */
static void compose_ids(GMimeMessage *msg, const ComposeCtx *ctx, guint seq)
{
	const char *domain = ctx->config->domain;
	guint64 id = ctx->lead ? ctx->lead->id : 0;
	g_autofree char *root =
	    id ? g_strdup_printf("<lead-%" G_GUINT64_FORMAT "@%s>", id, domain) : NULL;
	g_autofree char *answered = compose_msgid_clean(ctx->notice->in_reply_to);
	g_autofree char *msgid = NULL, *refs = NULL;

	if (id == 0)
		msgid = g_mime_utils_generate_message_id(domain);
	else if (seq == 0)
		msgid = g_strdup_printf("lead-%" G_GUINT64_FORMAT "@%s", id, domain);
	else
		msgid = g_strdup_printf("lead-%" G_GUINT64_FORMAT ".%s.%u@%s", id,
		                        ctx->notice->kind, seq, domain);
	g_mime_message_set_message_id(msg, msgid);
	if (id != 0 && seq == 0)
		g_clear_pointer(&root, g_free);
	if (root == NULL && answered == NULL)
		return;
	refs = g_strjoin(" ", root ? root : answered, root && answered ? answered : NULL, NULL);
	g_mime_object_set_header(GMIME_OBJECT(msg), "In-Reply-To", answered ? answered : root,
	                         NULL);
	g_mime_object_set_header(GMIME_OBJECT(msg), "References", refs, NULL);
}

/* compose_headers - every header of the message. */
static gboolean compose_headers(GMimeMessage *msg, const ComposeCtx *ctx, const char *subject,
                                guint seq, GError **error)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_local();
	g_autofree char *lead_id = NULL;

	if (!compose_addresses(msg, ctx, error))
		return FALSE;
	g_mime_message_set_subject(msg, subject, "utf-8");
	g_mime_message_set_date(msg, now);
	compose_ids(msg, ctx, seq);
	g_mime_object_set_header(GMIME_OBJECT(msg), "Auto-Submitted",
	                         ctx->notice->in_reply_to ? "auto-replied" : "auto-generated",
	                         NULL);
	if (ctx->lead && ctx->lead->id) {
		lead_id = g_strdup_printf("%" G_GUINT64_FORMAT, ctx->lead->id);
		g_mime_object_set_header(GMIME_OBJECT(msg), "X-Leadroute-Lead", lead_id, NULL);
	}
	g_mime_object_set_header(GMIME_OBJECT(msg), "X-Leadroute-Kind", ctx->notice->kind, NULL);
	return TRUE;
}

/* compose_charset - the charset g_mime_text_part_set_text() would give
 * text (UTF-8): "us-ascii" when it is all ASCII, "utf-8" when it has a
 * character above U+00FF (a lead byte from 0xc4 on), or NULL when it
 * is not valid UTF-8 or fits ISO 8859-1 (GMime converts that itself). */
static const char *compose_charset(const char *text, gsize len)
{
	const guchar *p = (const guchar *)text, *end = p + len;
	gboolean ascii = TRUE;

	for (; p < end; p++) {
		if (*p >= 0xc4)
			return g_utf8_validate(text, len, NULL) ? "utf-8" : NULL;
		ascii = ascii && *p < 0x80;
	}
	return ascii ? "us-ascii" : NULL;
}

/* compose_text_set - text (UTF-8) as the part's content.  It does what
 * g_mime_text_part_set_text() does, without its walk through every
 * character (to find the smallest charset that holds the text) when a
 * glance at the bytes tells; TRUE then (the content is text as it is),
 * FALSE when GMime did it (and may have converted the text). */
static gboolean compose_text_set(GMimeTextPart *part, const char *text)
{
	gsize len = strlen(text);
	const char *charset = compose_charset(text, len);
	GMimeStream *stream;
	GMimeDataWrapper *content;

	if (charset == NULL) {
		g_mime_text_part_set_text(part, text);
		return FALSE;
	}
	g_mime_text_part_set_charset(part, charset);
	stream = g_mime_stream_mem_new_with_buffer(text, len);
	content = g_mime_data_wrapper_new_with_stream(stream, GMIME_CONTENT_ENCODING_DEFAULT);
	g_object_unref(stream);
	g_mime_part_set_content(GMIME_PART(part), content);
	g_object_unref(content);
	return TRUE;
}

/* compose_best_encoding - the 7-bit transfer encoding
 * g_mime_part_get_best_content_encoding() finds for content that is text
 * as it is: base64 when 17 % or more of the bytes are 8-bit, else
 * quoted-printable for any 8-bit byte, a line over 998 bytes or a line
 * that starts "From "; else none (7bit). */
static GMimeContentEncoding compose_best_encoding(const char *text)
{
	gsize total = 0, count8 = 0, line = 0, maxline = 0;
	gboolean from = FALSE;

	for (const char *p = text; *p; p++, total++) {
		if (line == 0 && !from && strncmp(p, "From ", 5) == 0)
			from = TRUE;
		if (*p == '\n') {
			maxline = MAX(maxline, line);
			line = 0;
			continue;
		}
		count8 += (guchar)*p >= 0x80;
		line++;
	}
	maxline = MAX(maxline, line);
	if (count8 > 0)
		return count8 >= (gsize)(total * (17.0 / 100.0)) ? GMIME_CONTENT_ENCODING_BASE64
		                                                  : GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE;
	if (maxline > 998 || from)
		return GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE;
	return GMIME_CONTENT_ENCODING_DEFAULT;
}

/* compose_text_part - a text/SUBTYPE part holding text (UTF-8), with the
 * best 7-bit transfer encoding. */
static GMimeObject *compose_text_part(const char *subtype, const char *text)
{
	GMimeTextPart *part = g_mime_text_part_new_with_subtype(subtype);
	GMimeContentEncoding encoding;

	if (compose_text_set(part, text))
		encoding = compose_best_encoding(text);
	else
		encoding = g_mime_part_get_best_content_encoding(GMIME_PART(part),
		                                                 GMIME_ENCODING_CONSTRAINT_7BIT);
	g_mime_part_set_content_encoding(GMIME_PART(part), encoding);
	return GMIME_OBJECT(part);
}

/* compose_attachment - the file at path as a base64 attachment part, typed
 * by its name and content (mailer/mimetype.h); a file typed
 * application/octet-stream for want of anything better is logged. */
static GMimeObject *compose_attachment(guint64 lead_id, const char *path, GError **error)
{
	g_autofree char *data = NULL, *mime = NULL, *name = NULL;
	gboolean fallback;
	g_auto(GStrv) type = NULL;
	g_autoptr(GError) local = NULL;
	GMimeStream *stream;
	GMimeDataWrapper *content;
	GMimePart *part;
	GStatBuf st;
	gsize len = 0;

	if (g_stat(path, &st) == 0 &&
	    (!S_ISREG(st.st_mode) || st.st_size > MAILER_MAX_ATTACHMENT)) {
		compose_perm(error, "attachment not a file or too big", path);
		return NULL;
	}
	if (!g_file_get_contents(path, &data, &len, &local) || len > MAILER_MAX_ATTACHMENT) {
		g_set_error(error, LR_ERROR, LR_ERROR_PERM, "attachment %s: %s", path,
		            local ? local->message : "too big");
		return NULL;
	}
	mime = mimetype_guess(path, (const guchar *)data, len, &fallback);
	if (fallback)
		lr_log_warn(lead_id,
		            "attachment=%s type=application/octet-stream: not a known "
		            "document type (mailer/mimetype.c, shared-mime-info)",
		            path);
	type = g_strsplit(mime, "/", 2);
	part = g_mime_part_new_with_type(type[0], type[1]);
	stream = g_mime_stream_mem_new_with_buffer(data, len);
	content = g_mime_data_wrapper_new_with_stream(stream, GMIME_CONTENT_ENCODING_DEFAULT);
	g_mime_part_set_content(part, content);
	g_object_unref(content);
	g_object_unref(stream);
	name = g_path_get_basename(path);
	g_mime_object_set_disposition(GMIME_OBJECT(part), GMIME_DISPOSITION_ATTACHMENT);
	g_mime_part_set_filename(part, name);
	g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_BASE64);
	return GMIME_OBJECT(part);
}

/* compose_add - add part to multipart and drop our reference. */
static void compose_add(GMimeMultipart *multipart, GMimeObject *part)
{
	g_mime_multipart_add(multipart, part);
	g_object_unref(part);
}

/* compose_body - text (+ HTML alternative), then, when the notice has
 * any, the attached text (attach_text: the notice's, masked) and files in
 * multipart/mixed. */
static GMimeObject *compose_body(guint64 lead_id, const LrNotice *notice, const char *text,
                                 const char *html, const char *attach_text, GError **error)
{
	GMimeObject *body = compose_text_part("plain", text);
	GMimeMultipart *mixed, *alternative;

	if (html) {
		alternative = g_mime_multipart_new_with_subtype("alternative");
		compose_add(alternative, body);
		compose_add(alternative, compose_text_part("html", html));
		body = GMIME_OBJECT(alternative);
	}
	if (attach_text == NULL && (notice->attachments == NULL || !notice->attachments[0]))
		return body;
	mixed = g_mime_multipart_new_with_subtype("mixed");
	compose_add(mixed, body);
	if (attach_text) {
		g_autofree char *clean = compose_clean_text(attach_text);
		GMimeObject *part = compose_text_part("plain", clean);

		g_mime_object_set_disposition(part, GMIME_DISPOSITION_INLINE);
		g_mime_part_set_filename(GMIME_PART(part), "details.txt");
		compose_add(mixed, part);
	}
	for (guint i = 0; notice->attachments && notice->attachments[i]; i++) {
		GMimeObject *part = compose_attachment(lead_id, notice->attachments[i], error);

		if (part == NULL) {
			g_object_unref(mixed);
			return NULL;
		}
		compose_add(mixed, part);
	}
	return GMIME_OBJECT(mixed);
}

/* compose_bytes - the message as text with CRLF line ends. */
static GBytes *compose_bytes(GMimeMessage *msg)
{
	GMimeFormatOptions *options = g_mime_format_options_new();
	char *text;

	g_mime_format_options_set_newline_format(options, GMIME_NEWLINE_FORMAT_DOS);
	text = g_mime_object_to_string(GMIME_OBJECT(msg), options);
	g_mime_format_options_free(options);
	return g_bytes_new_take(text, strlen(text));
}

/* compose_redact - mask every withheld value wherever the rendered
 * subject, text, HTML and attached text show it (mailer/redact.h), unless
 * the notice reveals them.  Replaces the strings. */
static void compose_redact(const LrLead *lead, const LrNotice *notice, char **subject, char **text,
                           char **html, char **attach_text)
{
	g_autoptr(LrRedact) r = redact_new(lead, notice->reveal ? NULL : notice->withheld);
	char **plain[] = {subject, text, attach_text};

	for (guint i = 0; i < G_N_ELEMENTS(plain); i++) {
		char *masked = redact_text(r, *plain[i], FALSE);
		g_free(*plain[i]);
		*plain[i] = masked;
	}
	if (*html != NULL) {
		char *masked = redact_text(r, *html, TRUE);
		g_free(*html);
		*html = masked;
	}
}

/* mailer_compose - render, assemble and serialise one notification. */
GBytes *mailer_compose(const LrMailerConfig *config, const LrLead *lead, const LrNotice *notice,
                       guint seq, GError **error)
{
	ComposeCtx ctx = {config, lead, notice, FALSE};
	g_autofree char *subject = NULL, *text = NULL, *html = NULL, *attach = NULL;
	GMimeMessage *msg;
	GMimeObject *body = NULL;
	GBytes *bytes = NULL;

	compose_gmime_init();
	if (!compose_check_input(config, notice, error) ||
	    !compose_render_txt(&ctx, &subject, &text, error) ||
	    !compose_render_html(&ctx, &html, error))
		return NULL;
	attach = g_strdup(notice->attach_text);
	compose_redact(lead, notice, &subject, &text, &html, &attach);
	msg = g_mime_message_new(TRUE);
	if (compose_headers(msg, &ctx, subject, seq, error))
		body = compose_body(lead ? lead->id : 0, notice, text, html, attach, error);
	if (body != NULL) {
		g_mime_message_set_mime_part(msg, body);
		g_object_unref(body);
		bytes = compose_bytes(msg);
	}
	g_object_unref(msg);
	return bytes;
}

/* mailer_templates_check - compose every kind with a sample lead. */
gboolean mailer_templates_check(const char *template_dir, GPtrArray *problems)
{
	static const char *const withheld[] = {"phone", NULL};
	LrMailerConfig config = {template_dir, "Lead Desk <leads@example.com>", "example.com",
	                         "check"};
	g_autoptr(LrLead) lead = lead_new();
	guint before = problems->len;

	lead->id = 1;
	lead_set_str(&lead->subject, "Sample inquiry");
	lead_field_set(lead, "company", "Example Ltd");
	lead_field_set(lead, "phone", "+49 30 1234582");
	for (guint i = 0; mailer_kinds[i]; i++) {
		LrNotice notice = {.kind = mailer_kinds[i],
		                   .to_name = "Sample User",
		                   .to_address = "user@example.com",
		                   .token = "sample",
		                   .reason = "a rule",
		                   .deadline = "tomorrow",
		                   .note = "a note",
		                   .withheld = withheld};
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) bytes = mailer_compose(&config, lead, &notice, i, &error);

		if (bytes == NULL)
			g_ptr_array_add(problems, g_strdup(error->message));
	}
	return problems->len == before;
}
