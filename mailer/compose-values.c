/* compose-values.c - what the placeholders of a notification show: clean
 * values, fields, commands, computed values. */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "mailer/compose.h"
#include "mailer/compose-int.h"
#include "mailer/redact.h"

/* ---- Values ---- */

/* compose_clean_text - value without control characters other than
 * newline and tab; CR LF and lone CR become newlines.  New string. */
char *compose_clean_text(const char *value)
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
char *compose_clean_header(const char *value, glong max)
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

/* What a user's command address takes (the footer and help list them). */
static const ComposeCommand compose_self[] = {
    {"STATUS", NULL, "your open leads"},
    {"AWAY", "until DATE", "no new leads until then; your open offers move on"},
    {"BACK", NULL, "offer me leads again"},
    {"RULES", NULL, "your routing rules"},
    {"HELP", NULL, "this list"},
    {NULL, NULL, NULL},
};

/* compose_self_commands - append the footer naming the user's command
 * address and its commands; nothing without a command token. */
static void compose_self_commands(const ComposeCtx *ctx, GString *out)
{
	g_autofree char *addr = NULL, *shown = NULL;

	if (ctx->notice->command_token == NULL)
		return;
	addr = g_strdup_printf("lead+%s@%s", ctx->notice->command_token, ctx->config->domain);
	shown = ctx->html ? compose_html_escape(addr) : g_strdup(addr);
	g_string_append_printf(out,
	                       ctx->html ? "<p>Your command address: %s &mdash; mail it one "
	                                   "word:</p>\n<ul>\n"
	                                 : "\nYour command address: %s - mail it one word:\n",
	                       shown);
	for (const ComposeCommand *cmd = compose_self; cmd->word; cmd++) {
		if (ctx->html)
			g_string_append_printf(out, "<li><b>%s</b>%s%s%s &mdash; %s</li>\n",
			                       cmd->word, cmd->arg ? " &lt;" : "",
			                       cmd->arg ? cmd->arg : "", cmd->arg ? "&gt;" : "",
			                       cmd->what);
		else
			g_string_append_printf(out, "  %s%s%s%s - %s\n", cmd->word,
			                       cmd->arg ? " <" : "", cmd->arg ? cmd->arg : "",
			                       cmd->arg ? ">" : "", cmd->what);
	}
	if (ctx->html)
		g_string_append(out, "</ul>\n");
}

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
		out = g_string_new(NULL);
		compose_self_commands(ctx, out);
		return g_string_free(out, FALSE);
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
	compose_self_commands(ctx, out);
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
	if (strcmp(name, "command.address") == 0)
		return ctx->notice->command_token
		           ? g_strdup_printf("lead+%s@%s", ctx->notice->command_token,
		                             ctx->config->domain)
		           : g_strdup("");
	if (g_str_has_prefix(name, "field."))
		return compose_field(ctx, name + strlen("field."));
	return NULL;
}

/* compose_lookup - TemplateLookup: a placeholder's value, escaped. */
char *compose_lookup(const char *name, gpointer data)
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
