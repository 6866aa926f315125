/* cmd-route.c - leadroute route --dry-run: parse one message with the real
 * parser, route it through the whole chain with an in-memory state, and
 * print the trace.  Nothing is stored. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "lead/lead.h"
#include "lead/rawmsg.h"
#include "parser/parser.h"
#include "rules/load.h"
#include "rules/lr-config.h"
#include "rules/route.h"
#include "src/commands.h"

/* Options of one run. */
typedef struct {
	gboolean dry_run;
	gboolean json;
	char *config;
	char *recipient;
	char *at;
	char **rejected;
	char **away;
} RouteOpts;

/* bare_address - the address inside "Name <addr>", or the text. */
static char *bare_address(const char *text)
{
	const char *lt = strrchr(text, '<');
	char *out = g_strdup(lt ? lt + 1 : text);
	char *gt = strchr(out, '>');

	if (gt != NULL)
		*gt = '\0';
	return g_strstrip(out);
}

/* read_lead - the message at path as a parsed lead. */
static LrLead *read_lead(const LrConfig *cfg, const char *path, const char *recipient,
                         GError **error)
{
	g_autoptr(LrParser) parser = parser_new(lr_config_field_aliases(cfg), error);
	g_autoptr(LrLead) lead = lead_new();
	g_autoptr(GBytes) raw = NULL;
	g_autofree char *to = NULL;
	char *text = NULL;
	gsize len = 0;

	if (parser == NULL || !g_file_get_contents(path, &text, &len, error))
		return NULL;
	raw = g_bytes_new_take(text, len);
	to = recipient ? g_strdup(recipient) : rawmsg_header(text, len, "To");
	if (to != NULL) {
		g_autofree char *addr = bare_address(to);
		lead_set_str(&lead->recipient, addr);
	}
	if (!parser_parse_lead(parser, raw, lead, error))
		return NULL;
	return g_steal_pointer(&lead);
}

/* print_trace - the rules read, one per line. */
static void print_trace(const LrRouteResult *res)
{
	g_autoptr(GPtrArray) trace = route_result_trace(res);

	printf("rules:\n");
	for (guint i = 0; i < trace->len; i++) {
		const LrTraceStep *t = g_ptr_array_index(trace, i);
		g_autofree char *where = g_strdup_printf("%s:%d", t->file, t->line);
		printf("  %-28s %-16s %s %s\n", where, t->name ? t->name : "-",
		       t->matched ? "matched" : "no     ", t->effect);
	}
}

/* join - a string array joined with sep. */
static char *join(const GPtrArray *list, const char *sep)
{
	GString *out = g_string_new(NULL);

	for (guint i = 0; i < list->len; i++)
		g_string_append_printf(out, "%s%s", i ? sep : "",
		                       (char *)g_ptr_array_index(list, i));
	return g_string_free(out, FALSE);
}

/* print_attachments - what goes with the notification. */
static void print_attachments(const LrRouteResult *res)
{
	for (guint i = 0; i < res->attachments->len; i++) {
		const LrAttachment *a = g_ptr_array_index(res->attachments, i);

		printf("  %s %s:", a->kind, a->name);
		if (a->file != NULL)
			printf(" %s", a->file);
		for (int k = 0; a->columns && a->columns[k] && a->values[k]; k++)
			printf("%s %s=%s", k ? "," : "", a->columns[k], a->values[k]);
		printf("\n");
	}
}

/* print_text - the result for people. */
static void print_text(const LrRouteResult *res)
{
	g_autofree char *holders = join(res->holders, " -> ");
	g_autofree char *assignees = join(res->assignees, ", ");
	g_autofree char *withheld = join(res->withheld, ", ");

	print_trace(res);
	printf("holders:     %s\n", holders);
	printf("assignees:   %s%s%s\n", assignees,
	       res->broadcast ? " (broadcast: first ACCEPT wins)" : "",
	       res->escalated ? " (escalated)" : "");
	printf("priority:    %d\n", res->priority);
	printf("reason:      %s\n", res->reason);
	printf("attachments:%s\n", res->attachments->len ? "" : " none");
	print_attachments(res);
	printf("withheld:    %s\n", *withheld ? withheld : "none");
	printf("workflow:    accept within %" G_GINT64_FORMAT "s, remind after %" G_GINT64_FORMAT
	       "s, max rejections %d\n",
	       res->accept_within, res->remind_after, res->max_rejections);
}

/* decision_time - --at as µs since the epoch, or now. */
static gboolean decision_time(const char *at, gint64 *now)
{
	g_autoptr(GDateTime) t = NULL;

	*now = g_get_real_time();
	if (at == NULL)
		return TRUE;
	if ((t = g_date_time_new_from_iso8601(at, NULL)) == NULL)
		return FALSE;
	*now = g_date_time_to_unix(t) * G_USEC_PER_SEC;
	return TRUE;
}

/* dry_run - route path and print the result. */
static int dry_run(const RouteOpts *o, const char *path, gint64 now)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(LrConfig) cfg = lr_config_load(o->config, &error);
	g_autoptr(LrLead) lead = cfg ? read_lead(cfg, path, o->recipient, &error) : NULL;
	g_autoptr(LrRouteResult) res = NULL;
	LrRouteState *state;

	if (lead == NULL) {
		fprintf(stderr, "leadroute route: %s%s%s\n", cfg ? path : "", cfg ? ": " : "",
		        error->message);
		return 1;
	}
	if (!lead->is_lead) {
		fprintf(stderr, "leadroute route: %s: not a lead (%s)\n", path,
		        lead->reason ? lead->reason : "unknown");
		return 1;
	}
	state = route_memory_state_new(now);
	for (int i = 0; o->away && o->away[i]; i++)
		route_memory_state_set_away(state, o->away[i], G_MAXINT64);
	res = route_lead(cfg, lead, (const char *const *)o->rejected, state, &error);
	route_memory_state_free(state);
	if (res == NULL) {
		fprintf(stderr, "leadroute route: %s\n", error->message);
		return 1;
	}
	if (o->json) {
		g_autofree char *json = route_result_to_json_pretty(res);
		printf("%s\n", json);
	} else {
		print_text(res);
	}
	return 0;
}

/* opts_clear - free the options. */
static void opts_clear(RouteOpts *o)
{
	g_free(o->config);
	g_free(o->recipient);
	g_free(o->at);
	g_strfreev(o->rejected);
	g_strfreev(o->away);
}

/* cmd_route - leadroute route --dry-run [-c FILE] [--json] MSG. */
int cmd_route(int argc, char **argv)
{
	RouteOpts o = {0};
	GOptionEntry entries[] = {
	    {"dry-run", 0, 0, G_OPTION_ARG_NONE, &o.dry_run, "show the decision, store nothing",
	     NULL},
	    {"config", 'c', 0, G_OPTION_ARG_FILENAME, &o.config, "configuration file", "FILE"},
	    {"json", 0, 0, G_OPTION_ARG_NONE, &o.json, "print JSON", NULL},
	    {"recipient", 'r', 0, G_OPTION_ARG_STRING, &o.recipient, "envelope recipient", "ADDR"},
	    {"at", 0, 0, G_OPTION_ARG_STRING, &o.at, "decide at this time (ISO 8601)", "TIME"},
	    {"rejected-by", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o.rejected, "treat as rejected by",
	     "ID"},
	    {"away", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o.away, "treat as away", "USER"},
	    {NULL},
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new(NULL);
	gint64 now;
	int rc;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if ((rc = cmd_options(ctx, "route", &argc, &argv)) >= 0) {
		opts_clear(&o);
		return rc;
	}
	if (argc != 2 || !o.dry_run || !decision_time(o.at, &now)) {
		rc = cmd_usage_error("route", !o.dry_run  ? "only --dry-run is offered (the daemon "
		                                            "routes stored leads)"
		                              : argc != 2 ? "one message file expected"
		                                          : "--at wants an ISO 8601 time such as "
		                                            "2026-11-16T14:00:00Z");
		opts_clear(&o);
		return rc;
	}
	rc = dry_run(&o, argv[1], now);
	opts_clear(&o);
	return rc;
}
