/* route-json.c - routing results as JSON: written straight into a string
 * (the router stores one for every lead it routes), pretty-printed through
 * json-glib for `leadroute route --dry-run --json`. */
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "rules/route-int.h"

/* json_put_string - value as a JSON string (null when NULL); text that is
 * not UTF-8 is made valid first. */
static void json_put_string(GString *out, const char *value)
{
	g_autofree char *valid = NULL;

	if (value == NULL) {
		g_string_append(out, "null");
		return;
	}
	if (!g_utf8_validate(value, -1, NULL))
		value = valid = g_utf8_make_valid(value, -1);
	g_string_append_c(out, '"');
	for (const char *p = value; *p; p++) {
		guchar c = (guchar)*p;

		if (c == '"' || c == '\\')
			g_string_append_c(out, '\\');
		if (c < 0x20 || c == 0x7f)
			g_string_append_printf(out, "\\u%04x", c);
		else
			g_string_append_c(out, (char)c);
	}
	g_string_append_c(out, '"');
}

/* json_put_member - "name": with a comma before it unless first. */
static void json_put_member(GString *out, const char *name, gboolean first)
{
	if (!first)
		g_string_append_c(out, ',');
	json_put_string(out, name);
	g_string_append_c(out, ':');
}

/* json_put_strings - member name as an array of the strings in list. */
static void json_put_strings(GString *out, const char *name, const GPtrArray *list,
                             gboolean first)
{
	json_put_member(out, name, first);
	g_string_append_c(out, '[');
	for (guint i = 0; i < list->len; i++) {
		if (i > 0)
			g_string_append_c(out, ',');
		json_put_string(out, g_ptr_array_index(list, i));
	}
	g_string_append_c(out, ']');
}

/* json_put_trace - the rules member. */
static void json_put_trace(GString *out, const LrRouteResult *r)
{
	g_autoptr(GPtrArray) trace = route_result_trace(r);

	json_put_member(out, "rules", FALSE);
	g_string_append_c(out, '[');
	for (guint i = 0; i < trace->len; i++) {
		const LrTraceStep *t = g_ptr_array_index(trace, i);

		g_string_append(out, i > 0 ? ",{" : "{");
		json_put_member(out, "file", TRUE);
		json_put_string(out, t->file);
		json_put_member(out, "line", FALSE);
		g_string_append_printf(out, "%d", t->line);
		json_put_member(out, "name", FALSE);
		json_put_string(out, t->name);
		json_put_member(out, "matched", FALSE);
		g_string_append(out, t->matched ? "true" : "false");
		json_put_member(out, "effect", FALSE);
		json_put_string(out, t->effect);
		g_string_append_c(out, '}');
	}
	g_string_append_c(out, ']');
}

/* json_put_attachment - one attachment as an object. */
static void json_put_attachment(GString *out, const LrAttachment *a)
{
	g_string_append_c(out, '{');
	json_put_member(out, "kind", TRUE);
	json_put_string(out, a->kind);
	json_put_member(out, "name", FALSE);
	json_put_string(out, a->name);
	if (a->file != NULL) {
		json_put_member(out, "file", FALSE);
		json_put_string(out, a->file);
	}
	if (a->table != NULL) {
		json_put_member(out, "table", FALSE);
		json_put_string(out, a->table);
		json_put_member(out, "row", FALSE);
		g_string_append_c(out, '{');
		for (int k = 0; a->columns[k] && a->values[k]; k++) {
			json_put_member(out, a->columns[k], k == 0);
			json_put_string(out, a->values[k]);
		}
		g_string_append_c(out, '}');
	}
	g_string_append_c(out, '}');
}

/* json_put_attachments - the attachments member. */
static void json_put_attachments(GString *out, const LrRouteResult *r)
{
	json_put_member(out, "attachments", FALSE);
	g_string_append_c(out, '[');
	for (guint i = 0; i < r->attachments->len; i++) {
		if (i > 0)
			g_string_append_c(out, ',');
		json_put_attachment(out, g_ptr_array_index(r->attachments, i));
	}
	g_string_append_c(out, ']');
}

/* route_result_to_json - the result as one line of JSON. */
char *route_result_to_json(const LrRouteResult *result)
{
	GString *out = g_string_sized_new(2048);

	g_string_append_c(out, '{');
	json_put_strings(out, "assignees", result->assignees, TRUE);
	json_put_strings(out, "holders", result->holders, FALSE);
	json_put_member(out, "priority", FALSE);
	g_string_append_printf(out, "%d", result->priority);
	json_put_member(out, "broadcast", FALSE);
	g_string_append(out, result->broadcast ? "true" : "false");
	json_put_member(out, "escalated", FALSE);
	g_string_append(out, result->escalated ? "true" : "false");
	json_put_member(out, "reason", FALSE);
	json_put_string(out, result->reason);
	json_put_trace(out, result);
	json_put_attachments(out, result);
	json_put_strings(out, "withheld", result->withheld, FALSE);
	json_put_member(out, "workflow", FALSE);
	g_string_append_printf(out,
	                       "{\"accept_within\":%" G_GINT64_FORMAT
	                       ",\"remind_after\":%" G_GINT64_FORMAT ",\"max_rejections\":%d}}",
	                       result->accept_within, result->remind_after,
	                       result->max_rejections);
	return g_string_free(out, FALSE);
}

/* route_result_to_json_pretty - the same JSON, indented. */
char *route_result_to_json_pretty(const LrRouteResult *result)
{
	g_autofree char *text = route_result_to_json(result);
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(JsonGenerator) gen = json_generator_new();

	if (!json_parser_load_from_data(parser, text, -1, NULL))
		return g_steal_pointer(&text); /* cannot happen: we wrote it */
	json_generator_set_root(gen, json_parser_get_root(parser));
	json_generator_set_pretty(gen, TRUE);
	return json_generator_to_data(gen, NULL);
}
