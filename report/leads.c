/* leads.c - `leadroute list` and `leadroute show`. */
#include "config.h"

#include <errno.h>

#include <json-glib/json-glib.h>

#include "lead/lr-error.h"
#include "report/leads.h"
#include "report/safe.h"
#include "lead/summary.h"

/* add_strings - a JSON array member from a char * array. */
static void add_strings(JsonBuilder *b, const char *name, const GPtrArray *list)
{
	json_builder_set_member_name(b, name);
	json_builder_begin_array(b);
	for (guint i = 0; i < list->len; i++)
		json_builder_add_string_value(b, g_ptr_array_index(list, i));
	json_builder_end_array(b);
}

/* add_str - a string member, null when unset. */
static void add_str(JsonBuilder *b, const char *name, const char *value)
{
	json_builder_set_member_name(b, name);
	if (value)
		json_builder_add_string_value(b, value);
	else
		json_builder_add_null_value(b);
}

/* add_time - an ISO 8601 time member. */
static void add_time(JsonBuilder *b, const char *name, gint64 at)
{
	g_autofree char *text = lead_time_format(at);

	add_str(b, name, text);
}

/* add_deadline - when the current offer must be accepted, or null. */
static void add_deadline(JsonBuilder *b, const LrLead *lead)
{
	const char *v = lead_meta_get(lead, META_DEADLINE);

	if (v == NULL || g_strcmp0(lead->status, LEAD_STATUS_OFFERED) != 0) {
		add_str(b, "deadline", NULL);
		return;
	}
	add_time(b, "deadline", g_ascii_strtoll(v, NULL, 10));
}

/* add_fields - the fields object, in the order found. */
static void add_fields(JsonBuilder *b, const LrLead *lead)
{
	json_builder_set_member_name(b, "fields");
	json_builder_begin_object(b);
	for (guint i = 0; i < lead->fields->len; i++) {
		const LrField *f = g_ptr_array_index(lead->fields, i);
		add_str(b, f->name, f->value);
	}
	json_builder_end_object(b);
}

/* add_events - the events array. */
static void add_events(JsonBuilder *b, const GPtrArray *events)
{
	json_builder_set_member_name(b, "events");
	json_builder_begin_array(b);
	for (guint i = 0; i < events->len; i++) {
		const LrEvent *e = g_ptr_array_index(events, i);
		json_builder_begin_object(b);
		add_time(b, "at", e->at);
		add_str(b, "type", e->type);
		add_str(b, "actor", e->actor);
		add_str(b, "detail", e->detail);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

/* add_route - the routing decision that was used (show only), as the
 * router recorded it: the same object as `route --dry-run --json`. */
static void add_route(JsonBuilder *b, const LrLead *lead)
{
	const char *text = lead_meta_get(lead, META_ROUTE);
	g_autoptr(JsonParser) parser = json_parser_new();

	json_builder_set_member_name(b, "route");
	if (text == NULL || !json_parser_load_from_data(parser, text, -1, NULL)) {
		json_builder_add_null_value(b);
		return;
	}
	json_builder_add_value(b, json_node_copy(json_parser_get_root(parser)));
}

/* add_tracking - the lead's origin and stage transitions (show). */
static void add_tracking(JsonBuilder *b, const LrLead *lead, const GPtrArray *events)
{
	g_autoptr(LrSummary) s = summary_new(lead, events);

	json_builder_set_member_name(b, "tracking");
	json_builder_begin_object(b);
	add_str(b, "stage", summary_stage_name(summary_stage(s)));
	add_str(b, "source", s->source);
	add_str(b, "medium", s->medium);
	add_str(b, "campaign", s->campaign);
	json_builder_set_member_name(b, "stages");
	json_builder_begin_array(b);
	for (guint i = 0; i < s->stages->len; i++) {
		const LrTransition *t = &g_array_index(s->stages, LrTransition, i);
		json_builder_begin_object(b);
		add_str(b, "stage", summary_stage_name(t->stage));
		add_time(b, "at", t->at);
		add_str(b, "actor", t->actor);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
}

/* add_federation - where the lead travelled (issue 10): the partner that
 * holds it and who accepted it there, or the server it came from. */
static void add_federation(JsonBuilder *b, const LrLead *lead)
{
	static const char *const keys[] = {META_FED_SERVER, META_FED_BY, META_FED_ORIGIN,
	                                   META_FED_ORIGIN_LEAD, META_FED_CHAIN};
	static const char *const names[] = {"server", "accepted_by", "origin", "origin_lead",
	                                    "chain"};

	json_builder_set_member_name(b, "federation");
	json_builder_begin_object(b);
	for (guint i = 0; i < G_N_ELEMENTS(keys); i++)
		if (lead_meta_get(lead, keys[i]))
			add_str(b, names[i], lead_meta_get(lead, keys[i]));
	json_builder_end_object(b);
}

/* report_lead_json - one lead as JSON. */
JsonNode *report_lead_json(const LrLead *lead, const GPtrArray *events)
{
	g_autoptr(JsonBuilder) b = json_builder_new();

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "id");
	json_builder_add_int_value(b, (gint64)lead->id);
	add_time(b, "received", lead->received);
	add_str(b, "source", lead->source);
	add_str(b, "status", lead->status);
	add_str(b, "stage", lead->stage);
	json_builder_set_member_name(b, "priority");
	json_builder_add_int_value(b, lead->priority);
	json_builder_set_member_name(b, "is_lead");
	json_builder_add_boolean_value(b, lead->is_lead);
	add_str(b, "reason", lead->reason);
	add_str(b, "format", lead->format);
	add_str(b, "sender", lead->sender);
	add_str(b, "recipient", lead->recipient);
	add_str(b, "subject", lead->subject);
	add_str(b, "message_key", lead->message_key);
	add_deadline(b, lead);
	add_strings(b, "holders", lead->holders);
	add_strings(b, "assignees", lead->assignees);
	add_fields(b, lead);
	add_federation(b, lead);
	if (events) {
		add_route(b, lead);
		add_events(b, events);
		add_tracking(b, lead, events);
	}
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

/* print_json - print a node. */
static void print_json(JsonNode *node, FILE *out)
{
	g_autofree char *text = json_to_string(node, TRUE);
	g_autofree char *safe = report_safe_json(text);

	fprintf(out, "%s\n", safe);
}

/* join_list - a char * array as "a,b", or "-" when empty.  New string. */
static char *join_list(const GPtrArray *list)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < list->len; i++)
		g_string_append_printf(s, "%s%s", i ? "," : "", (const char *)list->pdata[i]);
	if (s->len == 0)
		g_string_append_c(s, '-');
	return g_string_free(s, FALSE);
}

/* lead_line - one line of `list` text (controls escaped, report/safe.h). */
static void lead_line(const LrLead *lead, FILE *out)
{
	g_autofree char *when = lead_time_format(lead->received);
	g_autofree char *list = join_list(lead->assignees);
	g_autofree char *who = report_safe(list, FALSE);
	const char *email = lead_field_get(lead, "email");
	const char *name = lead_field_get(lead, "name");
	g_autofree char *source = report_safe(lead->source ? lead->source : "-", FALSE);
	g_autofree char *sname = report_safe(name, FALSE);
	g_autofree char *contact =
	    report_safe(email ? email : (lead->subject ? lead->subject : ""), FALSE);

	fprintf(out, "%-6" G_GUINT64_FORMAT " %s %-9s %4d %-12s %-14s %s%s%s\n", lead->id, when,
	        lead->status, lead->priority, source, who, sname, name && email ? " " : "",
	        contact);
}

typedef struct {
	const LrListOptions *opt;
	FILE *out;
	guint n;
	guint64 last;  /* the last lead printed */
	gboolean more; /* the limit cut the list */
} ListState;

/* list_one - print one lead as it comes; FALSE once the limit is reached. */
static gboolean list_one(const LrLead *lead, gpointer data)
{
	ListState *s = data;

	if (s->opt->limit && s->n == s->opt->limit) {
		s->more = TRUE;
		return FALSE;
	}
	if (s->opt->json) {
		g_autoptr(JsonNode) node = report_lead_json(lead, NULL);
		g_autofree char *text = json_to_string(node, FALSE);
		g_autofree char *safe = report_safe_json(text);
		fprintf(s->out, "%s%s", s->n ? ",\n" : "\n", safe);
	} else {
		lead_line(lead, s->out);
	}
	s->n++;
	s->last = lead->id;
	return !ferror(s->out);
}

/* report_list - print matching leads as they are read. */
gboolean report_list(LrQueue *q, const LrListOptions *opt, FILE *out, GError **error)
{
	ListState s = {opt, out, 0, 0, FALSE};
	QueueQuery query = opt->query;

	if (opt->json)
		fputs("[", out);
	else
		fprintf(out, "%-6s %-20s %-9s %4s %-12s %-14s %s\n", "ID", "RECEIVED", "STATUS",
		        "PRIO", "SOURCE", "ASSIGNEES", "CONTACT");
	/* One past the limit: to say whether there is more. */
	query.limit = opt->limit ? opt->limit + 1 : 0;
	if (!queue_leads_query(q, &query, list_one, &s, error))
		return FALSE;
	if (opt->json)
		fputs(s.n ? "\n]\n" : "]\n", out);
	else if (s.more)
		fprintf(stderr, "more: --before %" G_GUINT64_FORMAT "\n", s.last);
	if (fflush(out) != 0 || ferror(out)) {
		g_set_error(error, LR_ERROR, LR_ERROR_TEMP, "write: %s", g_strerror(errno));
		return FALSE;
	}
	return TRUE;
}

/* safe - a lead string for text output (controls escaped, one line; NULL
 * as fallback).  Returns a new string. */
static char *safe(const char *text, const char *fallback)
{
	return report_safe(text ? text : fallback, FALSE);
}

/* show_stages - origin and stage transitions, for people. */
static void show_stages(const LrLead *lead, const GPtrArray *events, FILE *out)
{
	g_autoptr(LrSummary) s = summary_new(lead, events);
	g_autofree char *source = safe(s->source, ""), *medium = safe(s->medium, "");
	g_autofree char *campaign = safe(s->campaign, "");

	fprintf(out, "Tracking: source %s, medium %s, campaign %s\nStages:\n", source, medium,
	        campaign);
	for (guint i = 0; i < s->stages->len; i++) {
		const LrTransition *t = &g_array_index(s->stages, LrTransition, i);
		g_autofree char *at = lead_time_format(t->at);
		g_autofree char *actor = safe(t->actor, "");
		fprintf(out, "  %s %-10s %s\n", at, summary_stage_name(t->stage), actor);
	}
}

/* show_federation - the partner that holds the lead, or its origin. */
static void show_federation(const LrLead *lead, FILE *out)
{
	const char *server = lead_meta_get(lead, META_FED_SERVER);
	const char *by = lead_meta_get(lead, META_FED_BY);
	const char *origin = lead_meta_get(lead, META_FED_ORIGIN);
	g_autofree char *s = safe(server, ""), *b = safe(by, ""), *o = safe(origin, "");
	g_autofree char *n = safe(lead_meta_get(lead, META_FED_ORIGIN_LEAD), "");
	g_autofree char *c = safe(lead_meta_get(lead, META_FED_CHAIN), "");

	if (server)
		fprintf(out, "  at server:%s%s%s\n", s, by ? ", accepted by " : "", by ? b : "");
	if (origin)
		fprintf(out, "  from server:%s (its lead %s; chain %s)\n", o, n, c);
}

/* show_head - the lead's envelope and state, for people. */
static void show_head(const LrLead *lead, FILE *out)
{
	g_autofree char *when = lead_time_format(lead->received);
	g_autofree char *status = safe(lead->status, ""), *stage = safe(lead->stage, "");
	g_autofree char *source = safe(lead->source, "-"), *sender = safe(lead->sender, "");
	g_autofree char *rcpt = safe(lead->recipient, ""), *why = safe(lead->reason, "");

	fprintf(out, "Lead %" G_GUINT64_FORMAT "\n  received: %s\n  status: %s (stage %s)\n",
	        lead->id, when, status, stage);
	fprintf(out, "  source: %s\n  priority: %d\n  from: <%s> to: <%s>\n", source,
	        lead->priority, sender, rcpt);
	if (!lead->is_lead)
		fprintf(out, "  not a lead: %s\n", why);
	show_federation(lead, out);
	if (lead_meta_get(lead, "erased") != NULL) {
		g_autofree char *at =
		    lead_time_format(g_ascii_strtoll(lead_meta_get(lead, "erased"), NULL, 10));
		fprintf(out, "  erased: %s (personal data removed)\n", at);
	}
}

/* show_fields - every field, multi-line values indented. */
static void show_fields(const LrLead *lead, FILE *out)
{
	fprintf(out, "Fields:\n");
	for (guint i = 0; i < lead->fields->len; i++) {
		const LrField *f = g_ptr_array_index(lead->fields, i);
		g_autofree char *name = safe(f->name, ""), *clean = report_safe(f->value, TRUE);
		g_auto(GStrv) lines = g_strsplit(clean, "\n", -1);
		g_autofree char *value = g_strjoinv("\n      ", lines);
		fprintf(out, "  %s: %s\n", name, value);
	}
}

/* show_text - one lead with its history, for people; every string from
 * the lead with its control characters escaped (report/safe.h). */
static void show_text(const LrLead *lead, const GPtrArray *events, FILE *out)
{
	const char *reason = lead_meta_get(lead, META_REASON);

	show_head(lead, out);
	show_fields(lead, out);
	if (reason && *reason) {
		g_autofree char *why = safe(reason, "");
		fprintf(out, "Why: %s\n", why);
	}
	if (lead->holders->len > 0) {
		g_autofree char *list = join_list(lead->holders);
		g_autofree char *chain = safe(list, "");
		fprintf(out, "Routing chain: %s\n", chain);
	}
	show_stages(lead, events, out);
	fprintf(out, "History:\n");
	for (guint i = 0; i < events->len; i++) {
		const LrEvent *e = g_ptr_array_index(events, i);
		g_autofree char *at = lead_time_format(e->at);
		g_autofree char *type = safe(e->type, ""), *actor = safe(e->actor, "");
		g_autofree char *detail = safe(e->detail, "");
		fprintf(out, "  %s %-10s %-10s %s\n", at, type, actor, detail);
	}
}

/* report_show - print one lead. */
gboolean report_show(LrQueue *q, guint64 id, gboolean json, gboolean raw, FILE *out, GError **error)
{
	g_autoptr(LrLead) lead = queue_lead_get(q, NULL, id, error);
	g_autoptr(GPtrArray) events = NULL;
	g_autoptr(JsonNode) node = NULL;

	if (lead == NULL) {
		if (error && *error == NULL)
			g_set_error(error, LR_ERROR, LR_ERROR_PERM, "no lead %" G_GUINT64_FORMAT,
			            id);
		return FALSE;
	}
	if (raw) {
		g_autoptr(GBytes) bytes = queue_raw_get(q, NULL, id, error);
		if (bytes == NULL) {
			if (error && *error == NULL)
				g_set_error(
				    error, LR_ERROR, LR_ERROR_PERM,
				    "lead %" G_GUINT64_FORMAT " has no raw message (erased)", id);
			return FALSE;
		}
		fwrite(g_bytes_get_data(bytes, NULL), 1, g_bytes_get_size(bytes), out);
		return TRUE;
	}
	if ((events = queue_events(q, id, error)) == NULL)
		return FALSE;
	if (!json) {
		show_text(lead, events, out);
		return TRUE;
	}
	node = report_lead_json(lead, events);
	print_json(node, out);
	return TRUE;
}
