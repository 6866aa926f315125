/* cmd-replay.c - leadroute replay: what-if.  The stored leads decided
 * again under a configuration (the running one, or the one given with
 * -c), the store opened read-only; per lead and in total, where each went
 * then and where it would go now, with the rules that differ.  Nothing
 * is stored or sent. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "router/replay.h"
#include "rules/load.h"
#include "src/commands.h"

/* Options and the totals of one run. */
typedef struct {
	char *config, *since, *until;
	gboolean json;
	guint leads, moved, reprioritised, same, skipped;
	gboolean first; /* no lead printed yet (JSON) */
} ReplayRun;

/* change_name - the word for a change. */
static const char *change_name(const LrReplayItem *it)
{
	if (it->skipped != NULL)
		return "skipped";
	return it->change == ROUTE_MOVED           ? "moved"
	       : it->change == ROUTE_REPRIORITISED ? "reprioritised"
	                                           : "unchanged";
}

/* join - list's strings joined with sep (new string). */
static char *join(const GPtrArray *list, const char *sep)
{
	GString *out = g_string_new(NULL);

	for (guint i = 0; i < list->len; i++)
		g_string_append_printf(out, "%s%s", i ? sep : "", (char *)list->pdata[i]);
	return g_string_free(out, FALSE);
}

/* decision_text - "ASSIGNEES (via HOLDERS) priority N" (new string). */
static char *decision_text(const LrRouteRecord *r)
{
	g_autofree char *assignees = join(r->assignees, ",");
	g_autofree char *holders = join(r->holders, " -> ");

	return g_strdup_printf("%s (via %s) priority %d", assignees, holders, r->priority);
}

/* print_text - one lead for people. */
static void print_text(const LrReplayItem *it)
{
	g_autofree char *then = decision_text(it->then);
	g_autofree char *now = it->now ? decision_text(it->now) : NULL;
	g_autofree char *rules = it->rules && it->rules->len ? join(it->rules, " ") : NULL;

	printf("lead %" G_GUINT64_FORMAT ": %s\n  then: %s\n", it->lead->id, change_name(it), then);
	if (it->skipped != NULL)
		printf("  now:  not decided again: %s\n", it->skipped);
	else if (it->change != ROUTE_SAME)
		printf("  now:  %s\n", now);
	if (rules != NULL)
		printf("  rules: %s\n", rules);
}

/* json_decision - member name: holders, assignees, priority, rules. */
static void json_decision(JsonBuilder *b, const char *name, const LrRouteRecord *r)
{
	const GPtrArray *lists[] = {r->holders, r->assignees, r->rules};
	const char *names[] = {"holders", "assignees", "rules"};

	json_builder_set_member_name(b, name);
	json_builder_begin_object(b);
	for (guint k = 0; k < G_N_ELEMENTS(lists); k++) {
		json_builder_set_member_name(b, names[k]);
		json_builder_begin_array(b);
		for (guint i = 0; i < lists[k]->len; i++)
			json_builder_add_string_value(b, lists[k]->pdata[i]);
		json_builder_end_array(b);
	}
	json_builder_set_member_name(b, "priority");
	json_builder_add_int_value(b, r->priority);
	json_builder_end_object(b);
}

/* json_item - one lead as a JSON object (new string, one line). */
static char *json_item(const LrReplayItem *it)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *decided = lead_time_format(it->decided);

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "id");
	json_builder_add_int_value(b, (gint64)it->lead->id);
	json_builder_set_member_name(b, "decided");
	json_builder_add_string_value(b, decided);
	json_builder_set_member_name(b, "change");
	json_builder_add_string_value(b, change_name(it));
	json_decision(b, "then", it->then);
	if (it->now != NULL)
		json_decision(b, "now", it->now);
	json_builder_set_member_name(b, "rules_differ");
	json_builder_begin_array(b);
	for (guint i = 0; it->rules && i < it->rules->len; i++)
		json_builder_add_string_value(b, it->rules->pdata[i]);
	json_builder_end_array(b);
	json_builder_set_member_name(b, "skipped");
	if (it->skipped != NULL)
		json_builder_add_string_value(b, it->skipped);
	else
		json_builder_add_null_value(b);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	json_generator_set_root(gen, root);
	return json_generator_to_data(gen, NULL);
}

/* replay_print - LrReplayFunc: count the lead and print it; FALSE when
 * stdout fails (a closed pipe). */
static gboolean replay_print(const LrReplayItem *it, gpointer data)
{
	ReplayRun *run = data;

	run->leads++;
	if (it->skipped != NULL)
		run->skipped++;
	else if (it->change == ROUTE_MOVED)
		run->moved++;
	else if (it->change == ROUTE_REPRIORITISED)
		run->reprioritised++;
	else
		run->same++;
	if (run->json) {
		g_autofree char *obj = json_item(it);
		printf("%s\n  %s", run->first ? "" : ",", obj);
		run->first = FALSE;
	} else {
		print_text(it);
	}
	return !ferror(stdout);
}

/* print_total - the totals, as text or as the end of the JSON document. */
static void print_total(const ReplayRun *run)
{
	const char *fmt = run->json
	                      ? "%s],\n \"total\": {\"leads\": %u, \"moved\": %u, "
	                        "\"reprioritised\": %u, \"unchanged\": %u, \"skipped\": %u}}\n"
	                      : "%stotal: %u leads: %u moved, %u reprioritised, %u unchanged, "
	                        "%u skipped\n";

	printf(fmt, run->json ? (run->first ? "" : "\n ") : "", run->leads, run->moved,
	       run->reprioritised, run->same, run->skipped);
}

/* replay_run - load, open the store read-only, replay; the exit status. */
static int replay_run(ReplayRun *run, gint64 since, gint64 until)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(LrConfig) cfg = lr_config_load(run->config, &error);
	LrQueue *q = cfg ? queue_open_readonly(cfg->server->home, &error) : NULL;
	g_autofree char *file = cfg && cfg->file ? g_strescape(cfg->file, NULL) : g_strdup("");
	gboolean ok;

	if (q == NULL) {
		fprintf(stderr, "leadroute replay: %s\n", error->message);
		return 1;
	}
	run->first = TRUE;
	if (run->json)
		printf("{\"configuration\": \"%s\",\n \"leads\": [", file);
	ok = router_replay(q, cfg, since, until, replay_print, run, &error);
	queue_close(q);
	if (!ok) {
		fflush(stdout);
		fprintf(stderr, "leadroute replay: %s\n", error->message);
		return 1;
	}
	print_total(run);
	return fflush(stdout) == 0 ? 0 : 1;
}

int cmd_replay(int argc, char **argv)
{
	ReplayRun run = {0};
	GOptionEntry entries[] = {
	    {"config", 'c', 0, G_OPTION_ARG_FILENAME, &run.config,
	     "decide under this configuration (default: the running one); its server.home is "
	     "the store read",
	     "FILE"},
	    {"since", 0, 0, G_OPTION_ARG_STRING, &run.since, "leads received since", "DATE"},
	    {"until", 0, 0, G_OPTION_ARG_STRING, &run.until, "leads received before", "DATE"},
	    {"json", 0, 0, G_OPTION_ARG_NONE, &run.json, "print one JSON document", NULL},
	    {NULL}};
	g_autoptr(GOptionContext) ctx = g_option_context_new(NULL);
	gint64 now = g_get_real_time(), since = 0, until = 0;
	int rc;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if ((rc = cmd_options(ctx, "replay", &argc, &argv)) < 0) {
		if (argc > 1)
			rc = cmd_usage_error("replay", "no arguments");
		else if ((run.since && !cmd_parse_when(run.since, now, &since)) ||
		         (run.until && !cmd_parse_when(run.until, now, &until)))
			rc = cmd_usage_error("replay",
			                     "a date is YYYY-MM-DD, ISO 8601 or 30d / 12h");
		else
			rc = replay_run(&run, since, until);
	}
	g_free(run.config);
	g_free(run.since);
	g_free(run.until);
	return rc;
}
