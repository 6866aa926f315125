/* compose.c - notifications from templates: values, masks, MIME with GMime. */
#include "config.h"

#include <string.h>

#include <sys/stat.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gmime/gmime.h>

#include "lead/log.h"
#include "lead/lr-error.h"
#include "mailer/compose.h"
#include "mailer/mimetype.h"
#include "mailer/redact.h"
#include "mailer/template.h"

#define MASK_DOTS "\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2" /* "•••" */
#define COMPOSE_SUBJECT_MAX 200                          /* characters of a rendered subject */

const char *const mailer_kinds[] = {
    "new-lead", "reminder", "accepted", "rejected", "forwarded", "escalation",
    "taken",    "revoked",  "help",     "confirm",  "refused",   "away",       NULL,
};

/* What the placeholders of one rendering see. */
typedef struct {
	const LrMailerConfig *config;
	const LrLead *lead; /* NULL for mail about no lead */
	const LrNotice *notice;
	gboolean html; /* escape values for HTML */
} ComposeCtx;

/* compose_gmime_init - initialise GMime once per process. */
static void compose_gmime_init(void)
{
	static gsize done;

	if (g_once_init_enter(&done)) {
		g_mime_init();
		g_once_init_leave(&done, 1);
	}
}

/* ---- Masks ---- */

/* compose_mask_email - "anna@example.com" -> "a•••@example.com". */
static char *compose_mask_email(const char *value)
{
	const char *at = strrchr(value, '@');
	const char *second = g_utf8_next_char(value);

	if (at == value)
		return g_strconcat(MASK_DOTS, at, NULL);
	return g_strdup_printf("%.*s" MASK_DOTS "%s", (int)(second - value), value, at);
}

/* compose_mask_phone - keep a "+CC" prefix and the last two digits of a
 * long enough number: "+49 30 1234582" -> "+49 •••• ••82". */
static char *compose_mask_phone(const char *value)
{
	GString *out = g_string_new(NULL);
	const char *p = value, *digits;
	char last[3] = "";
	guint n = 0, cc = 0;

	while (g_ascii_isspace(*p))
		p++;
	if (*p == '+') {
		for (digits = p + 1; g_ascii_isdigit(digits[cc]); cc++)
			;
		if (cc >= 1 && cc <= 3 && !g_ascii_isalnum(digits[cc]))
			g_string_append_printf(out, "+%.*s ", cc, digits);
		p = digits + (cc <= 3 ? cc : 0);
	}
	for (; *p; p++) {
		if (!g_ascii_isdigit(*p))
			continue;
		last[0] = last[1];
		last[1] = *p;
		n++;
	}
	if (n >= 6)
		g_string_append_printf(out, "\xe2\x80\xa2" MASK_DOTS " \xe2\x80\xa2\xe2\x80\xa2%s",
		                       last);
	else
		g_string_append(out, "\xe2\x80\xa2" MASK_DOTS " \xe2\x80\xa2" MASK_DOTS);
	return g_string_free(out, FALSE);
}

/* compose_mask_words - each word's first character and "•••". */
static char *compose_mask_words(const char *value)
{
	g_auto(GStrv) words = g_strsplit_set(value, " \t\r\n", -1);
	GString *out = g_string_new(NULL);

	for (guint i = 0; words[i]; i++) {
		if (words[i][0] == '\0')
			continue;
		if (out->len)
			g_string_append_c(out, ' ');
		g_string_append_len(out, words[i], g_utf8_next_char(words[i]) - words[i]);
		g_string_append(out, MASK_DOTS);
	}
	return g_string_free(out, FALSE);
}

/* compose_looks_phone - TRUE for a phone-like field name or value. */
static gboolean compose_looks_phone(const char *field, const char *value)
{
	static const char *const names[] = {"phone", "tel", "mobile", "fax", "cell", NULL};
	guint digits = 0;

	for (guint i = 0; field && names[i]; i++)
		if (strstr(field, names[i]))
			return TRUE;
	for (const char *p = value; *p; p++) {
		if (g_ascii_isdigit(*p))
			digits++;
		else if (!strchr(" +-()./", *p))
			return FALSE;
	}
	return digits >= 5;
}

/* mailer_mask - mask value by its kind (e-mail, phone, words). */
char *mailer_mask(const char *field, const char *value)
{
	if (value == NULL || !g_utf8_validate(value, -1, NULL))
		return g_strdup("");
	while (g_ascii_isspace(*value))
		value++;
	if (*value == '\0')
		return g_strdup("");
	if (strchr(value, '@') && !strpbrk(value, " \t\r\n"))
		return compose_mask_email(value);
	if (compose_looks_phone(field, value))
		return compose_mask_phone(value);
	return compose_mask_words(value);
}

/* ---- Values ---- */

/* compose_clean_text - value without control characters other than
 * newline and tab; CR LF and lone CR become newlines.  New string. */
static char *compose_clean_text(const char *value)
{
	GString *out = g_string_new(NULL);

	if (value == NULL || !g_utf8_validate(value, -1, NULL))
		return g_string_free(out, FALSE);
	for (const char *p = value; *p; p++) {
		if (*p == '\r' && p[1] == '\n')
			continue;
		if (*p == '\r')
			g_string_append_c(out, '\n');
		else if ((guchar)*p >= 0x20 || *p == '\n' || *p == '\t')
			g_string_append_c(out, *p);
	}
	return g_string_free(out, FALSE);
}

/* compose_clean_header - one line for a header: every control character
 * (CR, LF, tab...) becomes a space, runs of spaces one, at most max
 * characters.  New string. */
static char *compose_clean_header(const char *value, glong max)
{
	GString *out = g_string_new(NULL);

	if (value == NULL || !g_utf8_validate(value, -1, NULL))
		return g_string_free(out, FALSE);
	for (const char *p = value; *p; p++) {
		char c = (guchar)*p < 0x20 || *p == 0x7f ? ' ' : *p;

		if (c == ' ' && (out->len == 0 || out->str[out->len - 1] == ' '))
			continue;
		g_string_append_c(out, c);
	}
	while (out->len && out->str[out->len - 1] == ' ')
		g_string_truncate(out, out->len - 1);
	if (g_utf8_strlen(out->str, -1) > max)
		g_string_truncate(out, g_utf8_offset_to_pointer(out->str, max) - out->str);
	return g_string_free(out, FALSE);
}

/* compose_html_escape - text with & < > " ' as entities, line breaks as
 * <br> (&#39; rather than &apos;, which older mail clients do not know). */
static char *compose_html_escape(const char *text)
{
	g_autofree char *escaped = redact_html_escape(text);
	GString *out = g_string_new(escaped);

	g_string_replace(out, "\n", "<br>\n", 0);
	return g_string_free(out, FALSE);
}

/* compose_escape - a clean value ready for the output: HTML-escaped with
 * line breaks for HTML.  Takes value. */
static char *compose_escape(const ComposeCtx *ctx, char *value)
{
	g_autofree char *clean = compose_clean_text(value);

	g_free(value);
	if (!ctx->html)
		return g_steal_pointer(&clean);
	return compose_html_escape(clean);
}

/* compose_is_withheld - TRUE when field is masked in this notice. */
static gboolean compose_is_withheld(const LrNotice *notice, const char *field)
{
	if (notice->reveal || notice->withheld == NULL)
		return FALSE;
	return g_strv_contains(notice->withheld, field);
}

/* compose_field - the shown value of field name: masked when withheld. */
static char *compose_field(const ComposeCtx *ctx, const char *name)
{
	const char *value = ctx->lead ? lead_field_get(ctx->lead, name) : NULL;

	if (value == NULL)
		return g_strdup("");
	if (compose_is_withheld(ctx->notice, name))
		return mailer_mask(name, value);
	return g_strdup(value);
}

/* compose_label - "first_name" -> "First name". */
static char *compose_label(const char *name)
{
	char *label = g_strdelimit(g_strdup(name), "_", ' ');

	label[0] = g_ascii_toupper(label[0]);
	return label;
}

/* compose_fields - every non-empty field as "Label: value" lines, or an
 * HTML table; withheld ones masked; "" when there is none. */
static char *compose_fields(const ComposeCtx *ctx)
{
	GString *out = g_string_new(NULL);

	for (guint i = 0; ctx->lead && i < ctx->lead->fields->len; i++) {
		const LrField *field = g_ptr_array_index(ctx->lead->fields, i);
		g_autofree char *label = NULL, *value = NULL;

		if (field->value == NULL || field->value[0] == '\0')
			continue;
		label = compose_escape(ctx, compose_label(field->name));
		value = compose_escape(ctx, compose_field(ctx, field->name));
		if (ctx->html) {
			g_string_append_printf(out,
			                       "<tr><th align=\"left\" valign=\"top\">%s</th>"
			                       "<td>%s</td></tr>\n",
			                       label, value);
		} else {
			g_auto(GStrv) lines = g_strsplit(value, "\n", -1);
			g_autofree char *indented = g_strjoinv("\n    ", lines);

			g_string_append_printf(out, "%s: %s\n", label, indented);
		}
	}
	if (ctx->html && out->len) {
		g_string_prepend(out, "<table class=\"fields\">\n");
		g_string_append(out, "</table>\n");
	}
	return g_string_free(out, FALSE);
}

typedef struct {
	const char *word, *arg, *what;
} ComposeCommand;

static const ComposeCommand compose_offer[] = {
    {"ACCEPT", NULL, "take the lead"},
    {"REJECT", "reason", "pass it on"},
    {"FORWARD", "user", "hand it to a colleague"},
    {NULL, NULL, NULL},
};

static const ComposeCommand compose_stage[] = {
    {"CONTACTED", NULL, "you reached them"},
    {"WON", NULL, "it became a sale"},
    {"LOST", "reason", "it will not"},
    {"NOTE", "text", "add a note"},
    {"FORWARD", "user", "hand it to a colleague"},
    {NULL, NULL, NULL},
};

/* An away notice: how to come back. */
static const ComposeCommand compose_away[] = {
    {"BACK", NULL, "offer me leads again"},
    {NULL, NULL, NULL},
};

/* Help lists the offer commands, then these. */
static const ComposeCommand compose_help[] = {
    {"CONTACTED", NULL, "you reached them"},
    {"WON", NULL, "it became a sale"},
    {"LOST", "reason", "it will not"},
    {"NOTE", "text", "add a note"},
    {"BACK", NULL, "you are back after an away notice"},
    {"HELP", NULL, "this list"},
    {NULL, NULL, NULL},
};

/* compose_command - one command line in text or HTML (a mailto link that
 * opens a reply with the word in its body). */
static void compose_command(const ComposeCtx *ctx, const ComposeCommand *cmd, GString *out)
{
	g_autofree char *body = NULL, *url = NULL, *href = NULL;

	if (!ctx->html) {
		g_string_append_printf(out, "  %s%s%s%s - %s\n", cmd->word, cmd->arg ? " <" : "",
		                       cmd->arg ? cmd->arg : "", cmd->arg ? ">" : "", cmd->what);
		return;
	}
	if (ctx->notice->token == NULL) {
		g_string_append_printf(out, "<li><b>%s</b>%s%s%s &mdash; %s</li>\n", cmd->word,
		                       cmd->arg ? " &lt;" : "", cmd->arg ? cmd->arg : "",
		                       cmd->arg ? "&gt;" : "", cmd->what);
		return;
	}
	body = g_uri_escape_string(cmd->word, NULL, FALSE);
	url = g_strdup_printf("mailto:lead+%s@%s?body=%s%s", ctx->notice->token,
	                      ctx->config->domain, body, cmd->arg ? "%20" : "");
	href = compose_html_escape(url);
	g_string_append_printf(out, "<li><a href=\"%s\"><b>%s</b></a>%s%s%s &mdash; %s</li>\n",
	                       href, cmd->word, cmd->arg ? " &lt;" : "", cmd->arg ? cmd->arg : "",
	                       cmd->arg ? "&gt;" : "", cmd->what);
}

/* compose_commands - how to answer this notice: all commands for help;
 * otherwise nothing without a token, the offer commands until the lead is
 * accepted, then the stage ones. */
static char *compose_commands(const ComposeCtx *ctx)
{
	const ComposeCommand *lists[2] = {NULL, NULL};
	const char *status = ctx->lead ? ctx->lead->status : NULL;
	GString *out;

	if (strcmp(ctx->notice->kind, "help") == 0) {
		lists[0] = compose_offer;
		lists[1] = compose_help;
	} else if (ctx->notice->token == NULL) {
		return g_strdup("");
	} else if (strcmp(ctx->notice->kind, "away") == 0) {
		lists[0] = compose_away;
	} else if (g_strcmp0(status, LEAD_STATUS_ACCEPTED) == 0 ||
	           g_strcmp0(status, LEAD_STATUS_CLOSED) == 0) {
		lists[0] = compose_stage;
	} else {
		lists[0] = compose_offer;
	}
	out = g_string_new(ctx->html ? "<p>Reply with one word:</p>\n<ul>\n"
	                             : "Reply with one word:\n");
	for (guint i = 0; i < G_N_ELEMENTS(lists) && lists[i]; i++)
		for (const ComposeCommand *cmd = lists[i]; cmd->word; cmd++)
			compose_command(ctx, cmd, out);
	if (ctx->html)
		g_string_append(out, "</ul>\n");
	return g_string_free(out, FALSE);
}

/* Placeholders that are a string member of the lead or of the notice. */
static const struct {
	const char *name;
	gboolean of_lead;
	glong offset;
} compose_members[] = {
    {"lead.source", TRUE, G_STRUCT_OFFSET(LrLead, source)},
    {"lead.subject", TRUE, G_STRUCT_OFFSET(LrLead, subject)},
    {"lead.status", TRUE, G_STRUCT_OFFSET(LrLead, status)},
    {"lead.stage", TRUE, G_STRUCT_OFFSET(LrLead, stage)},
    {"lead.format", TRUE, G_STRUCT_OFFSET(LrLead, format)},
    {"lead.sender", TRUE, G_STRUCT_OFFSET(LrLead, sender)},
    {"kind", FALSE, G_STRUCT_OFFSET(LrNotice, kind)},
    {"to.name", FALSE, G_STRUCT_OFFSET(LrNotice, to_name)},
    {"to.address", FALSE, G_STRUCT_OFFSET(LrNotice, to_address)},
    {"token", FALSE, G_STRUCT_OFFSET(LrNotice, token)},
    {"reason", FALSE, G_STRUCT_OFFSET(LrNotice, reason)},
    {"deadline", FALSE, G_STRUCT_OFFSET(LrNotice, deadline)},
    {"note", FALSE, G_STRUCT_OFFSET(LrNotice, note)},
};

/* compose_member - the value of a member placeholder; FALSE when name is
 * not one. */
static gboolean compose_member(const ComposeCtx *ctx, const char *name, char **value)
{
	for (guint i = 0; i < G_N_ELEMENTS(compose_members); i++) {
		gconstpointer base = compose_members[i].of_lead ? (gconstpointer)ctx->lead
		                                                : (gconstpointer)ctx->notice;

		if (strcmp(name, compose_members[i].name) != 0)
			continue;
		*value = g_strdup(
		    base ? G_STRUCT_MEMBER(const char *, base, compose_members[i].offset) : NULL);
		if (*value == NULL)
			*value = g_strdup("");
		return TRUE;
	}
	return FALSE;
}

/* compose_list - the strings of list joined with ", ". */
static char *compose_list(const GPtrArray *list)
{
	GString *out = g_string_new(NULL);

	for (guint i = 0; list && i < list->len; i++)
		g_string_append_printf(out, "%s%s", i ? ", " : "",
		                       (const char *)g_ptr_array_index(list, i));
	return g_string_free(out, FALSE);
}

/* compose_withheld - the names of the fields this notice masks, for
 * "{{#withheld}}Shown after you accept: {{withheld}}{{/withheld}}". */
static char *compose_withheld(const ComposeCtx *ctx)
{
	GString *out = g_string_new(NULL);

	for (guint i = 0; ctx->lead && i < ctx->lead->fields->len; i++) {
		const LrField *field = g_ptr_array_index(ctx->lead->fields, i);
		g_autofree char *label = NULL;

		if (!compose_is_withheld(ctx->notice, field->name) || !*field->value)
			continue;
		label = compose_label(field->name);
		g_string_append_printf(out, "%s%s", out->len ? ", " : "", label);
	}
	return g_string_free(out, FALSE);
}

/* compose_title - a short name for the lead: its subject, else its product. */
static char *compose_title(const ComposeCtx *ctx)
{
	const char *product = ctx->lead ? lead_field_get(ctx->lead, "product") : NULL;

	if (ctx->lead && ctx->lead->subject && ctx->lead->subject[0])
		return g_strdup(ctx->lead->subject);
	if (product && !compose_is_withheld(ctx->notice, "product"))
		return g_strdup(product);
	return g_strdup("New inquiry");
}

/* compose_computed - the value of a computed placeholder, or NULL. */
static char *compose_computed(const ComposeCtx *ctx, const char *name)
{
	const LrLead *lead = ctx->lead;

	if (strcmp(name, "lead.id") == 0)
		return lead ? g_strdup_printf("%" G_GUINT64_FORMAT, lead->id) : g_strdup("");
	if (strcmp(name, "lead.received") == 0)
		return lead ? lead_time_format(lead->received) : g_strdup("");
	if (strcmp(name, "priority") == 0 || strcmp(name, "lead.priority") == 0)
		return lead ? g_strdup_printf("%d", lead->priority) : g_strdup("");
	if (strcmp(name, "lead.assignees") == 0)
		return compose_list(lead ? lead->assignees : NULL);
	if (strcmp(name, "lead.holders") == 0)
		return compose_list(lead ? lead->holders : NULL);
	if (strcmp(name, "title") == 0)
		return compose_title(ctx);
	if (strcmp(name, "withheld") == 0)
		return compose_withheld(ctx);
	if (strcmp(name, "server") == 0)
		return g_strdup(ctx->config->server_name ? ctx->config->server_name : "");
	if (strcmp(name, "domain") == 0)
		return g_strdup(ctx->config->domain);
	if (strcmp(name, "reply.address") == 0)
		return ctx->notice->token
		           ? g_strdup_printf("lead+%s@%s", ctx->notice->token, ctx->config->domain)
		           : g_strdup("");
	if (g_str_has_prefix(name, "field."))
		return compose_field(ctx, name + strlen("field."));
	return NULL;
}

/* compose_lookup - TemplateLookup: a placeholder's value, escaped. */
static char *compose_lookup(const char *name, gpointer data)
{
	const ComposeCtx *ctx = data;
	char *value = NULL;

	if (strcmp(name, "fields") == 0)
		return compose_fields(ctx);
	if (strcmp(name, "commands") == 0)
		return compose_commands(ctx);
	if (!compose_member(ctx, name, &value))
		value = compose_computed(ctx, name);
	return value ? compose_escape(ctx, value) : NULL;
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

/* compose_text_part - a text/SUBTYPE part holding text (UTF-8), with the
 * best 7-bit transfer encoding. */
static GMimeObject *compose_text_part(const char *subtype, const char *text)
{
	GMimeTextPart *part = g_mime_text_part_new_with_subtype(subtype);

	g_mime_text_part_set_text(part, text);
	g_mime_part_set_content_encoding(GMIME_PART(part),
	                                 g_mime_part_get_best_content_encoding(
	                                     GMIME_PART(part), GMIME_ENCODING_CONSTRAINT_7BIT));
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
		lr_log_warn(lead_id, "attachment=%s type=application/octet-stream: not a known "
		            "document type (mailer/mimetype.c, shared-mime-info)", path);
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
static void compose_redact(const LrLead *lead, const LrNotice *notice, char **subject,
                           char **text, char **html, char **attach_text)
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
