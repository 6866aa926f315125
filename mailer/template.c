/* template.c - load and render notification templates. */
#include "config.h"

#include <string.h>

#include "lead/lr-error.h"
#include "mailer/template.h"

/* Sections nested deeper than this are refused (bounded recursion). */
#define TEMPLATE_MAX_DEPTH 16

typedef struct {
	const LrTemplate *tpl;
	TemplateLookup lookup;
	gpointer data;
	GString *out;
} TemplateRun;

/* A tag found in the text: {{ kind name }} at [start, end). */
typedef struct {
	const char *start, *end;
	char kind; /* '#', '^', '/' or 0 for a plain value */
	char *name;
} TemplateTag;

/* template_free - release a template. */
void template_free(LrTemplate *tpl)
{
	if (tpl == NULL)
		return;
	g_free(tpl->path);
	g_free(tpl->text);
	g_free(tpl);
}

/* template_load - read and check one template file. */
LrTemplate *template_load(const char *path, GError **error)
{
	g_autoptr(GError) local = NULL;
	g_autofree char *text = NULL;
	LrTemplate *tpl;
	gsize len = 0;

	if (!g_file_get_contents(path, &text, &len, &local)) {
		g_set_error(error, LR_ERROR, LR_ERROR_PERM, "%s", local->message);
		return NULL;
	}
	if (len > TEMPLATE_MAX_SIZE || strlen(text) != len || !g_utf8_validate(text, len, NULL)) {
		g_set_error(error, LR_ERROR, LR_ERROR_PERM,
		            "%s: not a template (over %d bytes, NUL bytes or not UTF-8)", path,
		            TEMPLATE_MAX_SIZE);
		return NULL;
	}
	tpl = g_new0(LrTemplate, 1);
	tpl->path = g_strdup(path);
	tpl->text = g_steal_pointer(&text);
	tpl->len = len;
	return tpl;
}

/* template_fail - set a "path:line: text" error for the position at. */
static gboolean template_fail(const TemplateRun *run, const char *at, const char *what,
                              const char *name, GError **error)
{
	guint line = 1;

	for (const char *p = run->tpl->text; p < at; p++)
		line += *p == '\n';
	g_set_error(error, LR_ERROR, LR_ERROR_PERM, "%s:%u: %s%s%s%s", run->tpl->path, line, what,
	            name ? " {{" : "", name ? name : "", name ? "}}" : "");
	return FALSE;
}

/* template_name_ok - TRUE when name is a well-formed placeholder name. */
static gboolean template_name_ok(const char *name)
{
	if (*name == '\0')
		return FALSE;
	for (const char *p = name; *p; p++)
		if (!g_ascii_isalnum(*p) && !strchr("_.-", *p))
			return FALSE;
	return TRUE;
}

/* template_next_tag - find the next tag in [p, end); FALSE at the end of
 * the text (tag->start = end) or, with an error, at a broken tag.  Inside
 * this file error is never NULL. */
static gboolean template_next_tag(const TemplateRun *run, const char *p, const char *end,
                                  TemplateTag *tag, GError **error)
{
	const char *open = g_strstr_len(p, end - p, "{{"), *close;
	g_autofree char *inner = NULL;
	char *name;

	tag->start = tag->end = end;
	tag->name = NULL;
	if (open == NULL)
		return FALSE;
	close = g_strstr_len(open + 2, end - open - 2, "}}");
	if (close == NULL)
		return template_fail(run, open, "unclosed {{", NULL, error);
	inner = g_strstrip(g_strndup(open + 2, close - open - 2));
	tag->kind = inner[0] && strchr("#^/", inner[0]) ? inner[0] : 0;
	name = g_strstrip(inner + (tag->kind ? 1 : 0));
	if (!template_name_ok(name))
		return template_fail(run, open, "bad placeholder", inner, error);
	tag->start = open;
	tag->end = close + 2;
	tag->name = g_strdup(name);
	return TRUE;
}

/* template_section_end - the {{/name}} that closes a section opened just
 * before p; *close is that tag. */
static gboolean template_section_end(const TemplateRun *run, const TemplateTag *open,
                                     const char *end, TemplateTag *close, GError **error)
{
	const char *p = open->end;
	guint depth = 1;

	while (template_next_tag(run, p, end, close, error)) {
		gboolean same = strcmp(close->name, open->name) == 0;

		p = close->end;
		if (same && (close->kind == '#' || close->kind == '^'))
			depth++;
		else if (same && close->kind == '/' && --depth == 0)
			return TRUE;
		g_clear_pointer(&close->name, g_free);
	}
	if (*error != NULL)
		return FALSE;
	return template_fail(run, open->start, "section not closed:", open->name, error);
}

static gboolean template_run(const TemplateRun *run, const char *p, const char *end, guint depth,
                             GError **error);

/* template_section - render a {{#name}} / {{^name}} section; *after is the
 * text following its closing tag. */
static gboolean template_section(const TemplateRun *run, const TemplateTag *tag, const char *end,
                                 guint depth, const char **after, GError **error)
{
	TemplateTag close = {0};
	g_autofree char *value = NULL;
	gboolean show;

	if (depth >= TEMPLATE_MAX_DEPTH)
		return template_fail(run, tag->start, "sections nested too deep at", tag->name,
		                     error);
	if (!template_section_end(run, tag, end, &close, error))
		return FALSE;
	g_free(close.name);
	value = run->lookup(tag->name, run->data);
	if (value == NULL)
		return template_fail(run, tag->start, "unknown placeholder", tag->name, error);
	show = (*value != '\0') == (tag->kind == '#');
	*after = close.end;
	return !show || template_run(run, tag->end, close.start, depth + 1, error);
}

/* template_run - render [p, end) at section depth. */
static gboolean template_run(const TemplateRun *run, const char *p, const char *end, guint depth,
                             GError **error)
{
	while (p < end) {
		TemplateTag tag = {0};
		gboolean found = template_next_tag(run, p, end, &tag, error);
		g_autofree char *name = tag.name;
		g_autofree char *value = NULL;

		g_string_append_len(run->out, p, tag.start - p);
		if (!found)
			return *error == NULL;
		p = tag.end;
		if (tag.kind == '/')
			return template_fail(run, tag.start, "no section to close:", name, error);
		if (tag.kind != 0) {
			if (!template_section(run, &tag, end, depth, &p, error))
				return FALSE;
			continue;
		}
		value = run->lookup(name, run->data);
		if (value == NULL)
			return template_fail(run, tag.start, "unknown placeholder", name, error);
		g_string_append(run->out, value);
	}
	return TRUE;
}

/* template_render - render part of a template. */
gboolean template_render(const LrTemplate *tpl, gsize from, gsize to, TemplateLookup lookup,
                         gpointer data, GString *out, GError **error)
{
	TemplateRun run = {tpl, lookup, data, out};
	g_autoptr(GError) local = NULL;

	g_return_val_if_fail(from <= to && to <= tpl->len, FALSE);
	if (template_run(&run, tpl->text + from, tpl->text + to, 0, &local))
		return TRUE;
	g_propagate_error(error, g_steal_pointer(&local));
	return FALSE;
}
