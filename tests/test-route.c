/* test-route.c - configuration loading and routing: strategies, fairness
 * across restarts and absences, availability and escalation, the chain and
 * its workflow, the server group. */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "intake/lmtp.h"
#include "lead/limits.h"
#include "lead/lr-error.h"
#include "lead/number.h"
#include "parser/parser.h"
#include "rules/aliases.h"
#include "rules/cond.h"
#include "rules/load.h"
#include "rules/lr-config.h"
#include "rules/route.h"
#include "rules/table.h"
#include "tests/rules-fixture.h"

/* ---- routing ---- */

/* store_new - an empty store. */
static Store *store_new(void)
{
	Store *s = g_new0(Store, 1);

	s->rr = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	s->away = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	s->open = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	return s;
}

/* store_free - destroy a store. */
static void store_free(Store *s)
{
	g_hash_table_destroy(s->rr);
	g_hash_table_destroy(s->away);
	g_hash_table_destroy(s->open);
	g_free(s);
}

/* Monday 2026-11-16 10:00 UTC. */
#define MONDAY_10 ((gint64)1794823200 * G_USEC_PER_SEC)

static const char pool_conf[] =
    "users = (\n"
    "  { id = \"boss\"; email = \"boss@x.example\"; role = \"admin\"; },\n"
    "  { id = \"lead\"; email = \"lead@x.example\"; manages = [\"r0\", \"r1\", \"r2\", \"r3\","
    " \"r4\", \"r5\", \"r6\", \"r7\", \"r8\", \"r9\"]; rules = \"lead.conf\"; },\n"
    "  { id = \"r0\"; email = \"r0@x.example\"; team = \"pool\"; },\n"
    "  { id = \"r1\"; email = \"r1@x.example\"; team = \"pool\"; },\n"
    "  { id = \"r2\"; email = \"r2@x.example\"; team = \"pool\"; },\n"
    "  { id = \"r3\"; email = \"r3@x.example\"; team = \"pool\"; },\n"
    "  { id = \"r4\"; email = \"r4@x.example\"; team = \"pool\"; },\n"
    "  { id = \"r5\"; email = \"r5@x.example\"; team = \"pool\"; },\n"
    "  { id = \"r6\"; email = \"r6@x.example\"; team = \"pool\"; },\n"
    "  { id = \"r7\"; email = \"r7@x.example\"; team = \"pool\"; },\n"
    "  { id = \"r8\"; email = \"r8@x.example\"; team = \"pool\"; capacity = 2; },\n"
    "  { id = \"r9\"; email = \"r9@x.example\"; team = \"pool\";"
    " hours = \"Mon-Fri 08:00-17:00 Europe/Berlin\"; }\n"
    ");\n"
    "rules = ( { name = \"all\"; route = \"lead\"; } );\n"
    "workflow: { accept_within = \"4h\"; withhold = [\"phone\"]; };\n";

static const char lead_conf[] =
    "rules = (\n"
    "  { name = \"weighted\"; when = \"source == 'w'\";\n"
    "    route = { to = [\"r0\", \"r1\"]; strategy = \"weighted\"; weights = [2, 1]; }; },\n"
    "  { name = \"least\"; when = \"source == 'l'\";\n"
    "    route = { to = [\"r0\", \"r1\", \"r2\"]; strategy = \"least-loaded\"; }; },\n"
    "  { name = \"bc\"; when = \"source == 'b'\";\n"
    "    route = { to = [\"r0\", \"r1\", \"r2\"]; strategy = \"broadcast\"; }; },\n"
    "  { name = \"one\"; when = \"source == 'one'\"; route = \"r5\"; priority = 7; },\n"
    "  { name = \"rr\"; route = { to = \"team:pool\"; strategy = \"round-robin\"; }; }\n"
    ");\n"
    "workflow: { accept_within = \"2h\"; };\n";

/* Routing fixture: the pool configuration loaded from a temporary folder. */
typedef struct {
	char *dir;
	LrConfig *cfg;
	Store *store;
	LrRouteState state;
} Pool;

/* pool_load - (re)load the configuration, as a restart would. */
static void pool_load(Pool *p)
{
	g_autofree char *path = g_build_filename(p->dir, "leadroute.conf", NULL);
	g_autoptr(GError) error = NULL;

	g_clear_pointer(&p->cfg, lr_config_free);
	p->cfg = lr_config_load(path, &error);
	g_assert_no_error(error);
}

/* pool_new - set up the fixture. */
static Pool *pool_new(void)
{
	Pool *p = g_new0(Pool, 1);

	p->dir = g_dir_make_tmp("test-rules-XXXXXX", NULL);
	write_file(p->dir, "leadroute.conf", pool_conf);
	write_file(p->dir, "lead.conf", lead_conf);
	pool_load(p);
	p->store = store_new();
	p->state = (LrRouteState){.rr_get = store_rr_get,
	                          .rr_set = store_rr_set,
	                          .open_leads = store_open,
	                          .away_until = store_away,
	                          .now = MONDAY_10,
	                          .data = p->store};
	return p;
}

/* pool_free - tear down the fixture. */
static void pool_free(Pool *p)
{
	remove_tree(p->dir);
	lr_config_free(p->cfg);
	store_free(p->store);
	g_free(p->dir);
	g_free(p);
}

/* route_one - route a lead with source; returns the new result. */
static LrRouteResult *route_one(Pool *p, const char *source, const char *const *rejected)
{
	g_autoptr(LrLead) lead = lead_new();
	g_autoptr(GError) error = NULL;
	LrRouteResult *r;

	lead_set_str(&lead->source, source);
	r = route_lead(p->cfg, lead, rejected, &p->state, &error);
	g_assert_no_error(error);
	g_assert_nonnull(r);
	g_assert_cmpuint(r->assignees->len, >=, 1);
	return r;
}

/* assign_counts - route n leads, counting per assignee into counts;
 * order (when not NULL) gets the assignees in order. */
static void assign_counts(Pool *p, int n, GHashTable *counts, GPtrArray *order)
{
	for (int i = 0; i < n; i++) {
		g_autoptr(LrRouteResult) r = route_one(p, "rr", NULL);
		const char *who = g_ptr_array_index(r->assignees, 0);

		g_hash_table_replace(
		    counts, g_strdup(who),
		    GINT_TO_POINTER(GPOINTER_TO_INT(g_hash_table_lookup(counts, who)) + 1));
		if (order != NULL)
			g_ptr_array_add(order, g_strdup(who));
		p->state.now += 10 * G_USEC_PER_SEC;
	}
}

/* spread - max minus min of the counts of the listed users. */
static int spread(GHashTable *counts, const char *const *users)
{
	int lo = G_MAXINT, hi = 0;

	for (int i = 0; users[i] != NULL; i++) {
		int c = GPOINTER_TO_INT(g_hash_table_lookup(counts, users[i]));
		lo = MIN(lo, c), hi = MAX(hi, c);
	}
	return hi - lo;
}

static const char *const ten[] = {"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", NULL};

/* test_round_robin_restart - 1,000 leads over ten users, with a restart
 * (configuration reloaded, state kept only in the caller's store) halfway:
 * every user gets 100 within one. */
static void test_round_robin_restart(void)
{
	Pool *p = pool_new();
	g_autoptr(GHashTable) counts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(GPtrArray) order = g_ptr_array_new_with_free_func(g_free);

	assign_counts(p, 437, counts, order);
	pool_load(p);
	p->state = (LrRouteState){.rr_get = store_rr_get,
	                          .rr_set = store_rr_set,
	                          .open_leads = store_open,
	                          .away_until = store_away,
	                          .now = p->state.now,
	                          .data = p->store};
	assign_counts(p, 563, counts, order);
	g_assert_cmpint(spread(counts, ten), <=, 1);
	g_assert_cmpint(GPOINTER_TO_INT(g_hash_table_lookup(counts, "r4")), >=, 99);
	/* Across the restart the rotation goes on where it was. */
	g_assert_cmpstr(g_ptr_array_index(order, 437), !=, g_ptr_array_index(order, 436));
	g_assert_cmpstr(g_ptr_array_index(order, 437), ==, g_ptr_array_index(order, 427));
	pool_free(p);
}

/* test_round_robin_away - r3 is away for 400 of 1,000 leads: the others
 * stay even, and on return r3 gets no burst (at most one lead in any ten
 * in a row) but its fair share from then on. */
static void test_round_robin_away(void)
{
	Pool *p = pool_new();
	g_autoptr(GHashTable) counts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(GPtrArray) order = g_ptr_array_new_with_free_func(g_free);
	const char *const others[] = {"r0", "r1", "r2", "r4", "r5", "r6", "r7", "r8", "r9", NULL};
	gint64 back = p->state.now + (gint64)600 * 10 * G_USEC_PER_SEC;

	assign_counts(p, 200, counts, order);
	g_hash_table_replace(p->store->away, g_strdup("r3"), g_memdup2(&back, sizeof(back)));
	assign_counts(p, 800, counts, order);
	g_assert_cmpint(spread(counts, others), <=, 1);
	for (guint i = 200; i < 600; i++)
		g_assert_cmpstr(g_ptr_array_index(order, i), !=, "r3");
	for (guint start = 600; start + 10 <= order->len; start++) {
		int in_window = 0;
		for (guint i = start; i < start + 10; i++)
			in_window += strcmp(g_ptr_array_index(order, i), "r3") == 0;
		g_assert_cmpint(in_window, <=, 1);
	}
	g_hash_table_remove_all(counts);
	for (guint i = 600; i < order->len; i++) {
		const char *who = g_ptr_array_index(order, i);
		g_hash_table_replace(
		    counts, g_strdup(who),
		    GINT_TO_POINTER(GPOINTER_TO_INT(g_hash_table_lookup(counts, who)) + 1));
	}
	g_assert_cmpint(spread(counts, ten), <=, 1);
	pool_free(p);
}

/* test_strategies - weighted shares, least-loaded, broadcast, capacity
 * and working hours. */
static void test_strategies(void)
{
	Pool *p = pool_new();
	int n0 = 0, n1 = 0;

	for (int i = 0; i < 300; i++) {
		g_autoptr(LrRouteResult) r = route_one(p, "w", NULL);
		n0 += strcmp(g_ptr_array_index(r->assignees, 0), "r0") == 0;
		n1 += strcmp(g_ptr_array_index(r->assignees, 0), "r1") == 0;
	}
	g_assert_cmpint(n0, ==, 200);
	g_assert_cmpint(n1, ==, 100);
	g_hash_table_replace(p->store->open, g_strdup("r0"), GUINT_TO_POINTER(1));
	g_hash_table_replace(p->store->open, g_strdup("r1"), GUINT_TO_POINTER(3));
	g_hash_table_replace(p->store->open, g_strdup("r2"), GUINT_TO_POINTER(2));
	{
		g_autoptr(LrRouteResult) r = route_one(p, "l", NULL);
		g_assert_cmpstr(g_ptr_array_index(r->assignees, 0), ==, "r0");
	}
	{
		const char *const rej[] = {"r1", NULL};
		g_autoptr(LrRouteResult) r = route_one(p, "b", rej);
		g_assert_true(r->broadcast);
		g_assert_cmpuint(r->assignees->len, ==, 2);
		g_assert_cmpstr(g_ptr_array_index(r->assignees, 1), ==, "r2");
	}
	pool_free(p);
}

/* test_availability - capacity, hours, rejection, escalation. */
static void test_availability(void)
{
	Pool *p = pool_new();
	const char *const all[] = {"r0", "r1", "r2", "r3", "r4", "r5",
	                           "r6", "r7", "r8", "r9", NULL};
	const char *const all_and_lead[] = {"r0", "r1", "r2", "r3", "r4",   "r5",
	                                    "r6", "r7", "r8", "r9", "lead", NULL};
	const char *const r5[] = {"r5", NULL};
	g_autoptr(GHashTable) counts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

	/* Sunday: r9 is outside hours; r8 is at capacity. */
	p->state.now = MONDAY_10 - (gint64)86400 * G_USEC_PER_SEC;
	g_hash_table_replace(p->store->open, g_strdup("r8"), GUINT_TO_POINTER(2));
	assign_counts(p, 80, counts, NULL);
	g_assert_false(g_hash_table_contains(counts, "r9"));
	g_assert_false(g_hash_table_contains(counts, "r8"));
	g_assert_cmpint(GPOINTER_TO_INT(g_hash_table_lookup(counts, "r0")), ==, 10);
	{
		g_autoptr(LrRouteResult) r = route_one(p, "rr", all);
		g_assert_cmpstr(g_ptr_array_index(r->assignees, 0), ==, "lead");
		g_assert_true(r->escalated);
	}
	{
		g_autoptr(LrRouteResult) r = route_one(p, "rr", all_and_lead);
		g_assert_cmpstr(g_ptr_array_index(r->assignees, 0), ==, "boss");
		g_assert_nonnull(strstr(r->reason, "escalated to boss"));
	}
	{
		g_autoptr(LrRouteResult) r = route_one(p, "one", r5);
		g_assert_cmpstr(g_ptr_array_index(r->assignees, 0), ==, "lead");
		g_assert_cmpint(r->priority, ==, 7);
	}
	pool_free(p);
}

/* Reps whose hours begin at different times: bob at 07:00 UTC (London),
 * amy at 08:00 UTC, cy at 09:00 UTC (Berlin) on working days. */
static const char night_conf[] =
    "users = (\n"
    "  { id = \"boss\"; email = \"boss@x.example\"; role = \"admin\"; },\n"
    "  { id = \"amy\"; email = \"amy@x.example\"; hours = \"Mon-Fri 09:00-17:00 Europe/Berlin\"; "
    "},\n"
    "  { id = \"bob\"; email = \"bob@x.example\"; hours = \"Mon-Fri 07:00-15:00 Europe/London\"; "
    "},\n"
    "  { id = \"cy\"; email = \"cy@x.example\"; hours = \"Mon-Fri 10:00-18:00 Europe/Berlin\"; }\n"
    ");\n"
    "rules = (\n"
    "  { name = \"amy\"; when = \"source == 'amy'\"; route = \"amy\"; },\n"
    "  { name = \"bc\"; when = \"source == 'b'\";\n"
    "    route = { to = [\"amy\", \"bob\", \"cy\"]; strategy = \"broadcast\"; }; },\n"
    "  { name = \"rr\"; route = { to = [\"amy\", \"bob\", \"cy\"]; strategy = \"round-robin\"; }; "
    "}\n"
    ");\n";

/* night_route - the single assignee of a lead from source at now. */
static char *night_route(Pool *p, gint64 now, const char *source, const char *const *rejected,
                         gboolean *escalated)
{
	g_autoptr(LrRouteResult) r = NULL;
	GString *out = g_string_new(NULL);

	p->state.now = now;
	r = route_one(p, source, rejected);
	*escalated = r->escalated;
	for (guint i = 0; i < r->assignees->len; i++)
		g_string_append_printf(out, "%s%s", i ? "," : "",
		                       (char *)g_ptr_array_index(r->assignees, i));
	return g_string_free(out, FALSE);
}

/* test_off_hours - outside hours is soft: at night the lead goes to whose
 * hours begin first, not to the admin; away and rejected stay hard. */
static void test_off_hours(void)
{
	Pool *p = g_new0(Pool, 1);
	const gint64 monday_2 = MONDAY_10 - (gint64)8 * 3600 * G_USEC_PER_SEC;
	const gint64 monday_16_30 = MONDAY_10 + (gint64)(6 * 3600 + 1800) * G_USEC_PER_SEC;
	const char *const bob[] = {"bob", NULL}, *const all[] = {"amy", "bob", "cy", NULL};
	gboolean esc;
	char *who;

	p->dir = g_dir_make_tmp("test-rules-XXXXXX", NULL);
	write_file(p->dir, "leadroute.conf", night_conf);
	pool_load(p);
	p->store = store_new();
	p->state = (LrRouteState){.rr_get = store_rr_get,
	                          .rr_set = store_rr_set,
	                          .open_leads = store_open,
	                          .away_until = store_away,
	                          .now = MONDAY_10,
	                          .data = p->store};
#define NIGHT(now, source, rejected, want, want_esc)                                               \
	do {                                                                                       \
		who = night_route(p, now, source, rejected, &esc);                                 \
		if (g_strcmp0(who, want) != 0 || esc != (want_esc))                                \
			g_error("%s at %" G_GINT64_FORMAT ": %s%s, want %s", source, now, who,     \
			        esc ? " (escalated)" : "", want);                                  \
		g_free(who);                                                                       \
	} while (0)
	/* Monday 02:00 UTC: nobody works; bob begins first. */
	NIGHT(monday_2, "rr", NULL, "bob", FALSE);
	NIGHT(monday_2, "rr", NULL, "bob", FALSE);
	NIGHT(monday_2, "b", NULL, "bob", FALSE);
	/* A single target outside hours keeps it. */
	NIGHT(monday_2, "amy", NULL, "amy", FALSE);
	/* Rejected and away stay hard: then amy, who begins next. */
	NIGHT(monday_2, "rr", bob, "amy", FALSE);
	g_hash_table_replace(p->store->away, g_strdup("bob"),
	                     g_memdup2(&(gint64){monday_16_30}, sizeof(gint64)));
	NIGHT(monday_2, "rr", NULL, "amy", FALSE);
	g_hash_table_remove(p->store->away, "bob");
	/* Everyone rejected: the admin. */
	NIGHT(monday_2, "rr", all, "boss", TRUE);
	/* Someone inside hours wins over who begins soonest: at 16:30 UTC
	 * only cy works (until 17:00 UTC). */
	NIGHT(monday_16_30, "rr", NULL, "cy", FALSE);
	NIGHT(monday_16_30, "b", NULL, "cy", FALSE);
	/* Friday evening: nobody until Monday; bob first. */
	NIGHT(MONDAY_10 + (gint64)4 * 86400 * G_USEC_PER_SEC + (gint64)10 * 3600 * G_USEC_PER_SEC,
	      "rr", NULL, "bob", FALSE);
#undef NIGHT
	pool_free(p);
}

/* test_chain_result - holders, trace, workflow and withheld fields. */
static void test_chain_result(void)
{
	Pool *p = pool_new();
	g_autoptr(LrRouteResult) r = route_one(p, "one", NULL);
	g_autoptr(GPtrArray) trace = route_result_trace(r);
	g_autofree char *json = route_result_to_json_pretty(r);
	g_autofree char *line = route_result_to_json(r);
	const LrTraceStep *last;

	g_assert_cmpuint(r->holders->len, ==, 2);
	g_assert_cmpstr(g_ptr_array_index(r->holders, 0), ==, "lead");
	g_assert_cmpstr(g_ptr_array_index(r->holders, 1), ==, "r5");
	g_assert_cmpint(r->accept_within, ==, 4 * 3600); /* r5 has no file of its own */
	g_assert_cmpuint(r->withheld->len, ==, 1);
	g_assert_cmpuint(trace->len, ==, 5);
	last = g_ptr_array_index(trace, 4);
	g_assert_cmpstr(last->name, ==, "one");
	g_assert_true(last->matched);
	g_assert_cmpstr(last->effect, ==, "priority +7; route r5 -> r5");
	g_assert_false(((LrTraceStep *)g_ptr_array_index(trace, 1))->matched);
	g_assert_nonnull(strstr(json, "\"holders\" : [\n    \"lead\",\n    \"r5\"\n  ]"));
	g_assert_nonnull(strstr(line, "\"holders\":[\"lead\",\"r5\"]"));
	g_assert_null(strchr(line, '\n'));
	pool_free(p);
}

/* test_json_strings - what the router stores is JSON whatever the strings
 * hold: quotes, backslashes, control characters, bytes that are no UTF-8. */
static void test_json_strings(void)
{
	Pool *p = pool_new();
	g_autoptr(LrRouteResult) r = route_one(p, "one", NULL);
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;
	g_autofree char *json = NULL;
	JsonObject *root;

	g_free(r->reason);
	r->reason = g_strdup("say \"hi\"\\ \x01\ttab\nline \xff end");
	g_ptr_array_add(r->withheld, g_strdup("ph\"one"));
	json = route_result_to_json(r);
	for (const char *c = json; *c; c++) /* strict JSON: controls escaped */
		g_assert_cmpint((guchar)*c, >=, 0x20);
	g_assert_true(json_parser_load_from_data(parser, json, -1, &error));
	g_assert_no_error(error);
	root = json_node_get_object(json_parser_get_root(parser));
	g_assert_cmpstr(json_object_get_string_member(root, "reason"), ==,
	                "say \"hi\"\\ \x01\ttab\nline \xef\xbf\xbd end");
	g_assert_cmpstr(json_array_get_string_element(
	                    json_object_get_array_member(root, "withheld"), 1),
	                ==, "ph\"one");
	g_assert_cmpint(json_object_get_int_member(root, "priority"), ==, r->priority);
	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(root, "rules")), ==, 5);
	pool_free(p);
}

/* test_lookups - users by id and address, managers, permission scope. */
static void test_lookups(void)
{
	Pool *p = pool_new();

	g_assert_cmpstr(lr_config_user_by_address(p->cfg, "R3 <R3@X.example>")->id, ==, "r3");
	g_assert_null(lr_config_user_by_address(p->cfg, "nobody@x.example"));
	g_assert_cmpstr(lr_config_user_manager(p->cfg, "r3")->id, ==, "lead");
	g_assert_cmpstr(lr_config_admin(p->cfg)->id, ==, "boss");
	g_assert_true(lr_config_may_route(p->cfg, "lead", "r3"));
	g_assert_true(lr_config_may_route(p->cfg, "lead", "team:pool"));
	g_assert_true(lr_config_may_route(p->cfg, "r3", "lead"));
	g_assert_false(lr_config_may_route(p->cfg, "r3", "r4"));
	g_assert_false(lr_config_may_route(p->cfg, "lead", "server:x"));
	g_assert_true(lr_config_may_route(p->cfg, "boss", "r4"));
	g_assert_cmpint(lr_config_duration("1h30m"), ==, 5400);
	g_assert_cmpint(lr_config_duration("90"), ==, 90);
	g_assert_cmpint(lr_config_duration("4 hours"), ==, -1);
	pool_free(p);
}

/* test_reload_keeps - lr_config_load fails whole on a bad file. */
static void test_reload_keeps(void)
{
	g_autofree char *dir = g_dir_make_tmp("test-rules-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "leadroute.conf", NULL);
	g_autoptr(GError) error = NULL;
	LrConfig *cfg;

	write_file(dir, "leadroute.conf",
	           "users = ( { id = \"a\"; email = \"a@x.example\"; role = \"admin\"; } );\n"
	           "rules = ( { route = \"zed\"; }, { when = \"x = 1\"; route = \"a\"; } );\n");
	cfg = lr_config_load(path, &error);
	g_assert_null(cfg);
	g_assert_error(error, LR_ERROR, LR_ERROR_CONFIG);
	g_assert_nonnull(strstr(error->message, ":2: route to unknown user 'zed'"));
	g_assert_nonnull(strstr(error->message, ":2: condition column 3: use '==' to compare"));
	remove_tree(dir);
}

/* same_server - two server groups hold the same values. */
static void same_server(const LrServerConfig *a, const LrServerConfig *b)
{
	g_assert_cmpstr(a->name, ==, b->name);
	g_assert_cmpstr(a->domain, ==, b->domain);
	g_assert_true(g_strv_equal((const char *const *)a->listen, (const char *const *)b->listen));
	g_assert_cmpstr(a->home, ==, b->home);
	g_assert_cmpstr(a->smtp, ==, b->smtp);
	g_assert_cmpstr(a->smtp_user, ==, b->smtp_user);
	g_assert_cmpstr(a->from, ==, b->from);
	g_assert_cmpstr(a->secret_file, ==, b->secret_file);
	g_assert_cmpstr(a->templates, ==, b->templates);
	g_assert_cmpuint(a->max_message_size, ==, b->max_message_size);
	g_assert_cmpuint(a->session_timeout, ==, b->session_timeout);
	g_assert_cmpuint(a->max_sessions, ==, b->max_sessions);
	g_assert_cmpuint(a->retry_first, ==, b->retry_first);
	g_assert_cmpuint(a->retry_max, ==, b->retry_max);
}

/* test_server_defaults - one set of defaults: the full reader, the slim
 * one, the key table and the LMTP server agree on a file without keys. */
static void test_server_defaults(void)
{
	g_autofree char *dir = g_dir_make_tmp("test-rules-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "leadroute.conf", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(LrConfig) cfg = NULL;
	g_autoptr(LrServerConfig) slim = NULL;
	g_autoptr(LrServerConfig) table = server_config_defaults(dir);

	write_file(dir, "leadroute.conf",
	           "server: { };\n"
	           "users = ( { id = \"a\"; email = \"a@x.example\"; role = \"admin\"; } );\n"
	           "rules = ( { route = \"a\"; } );\n");
	cfg = lr_config_load(path, &error);
	g_assert_no_error(error);
	slim = server_config_load(path, &error);
	g_assert_no_error(error);
	same_server(cfg->server, slim);
	same_server(cfg->server, table);
	g_assert_cmpuint(slim->max_message_size, ==, LMTP_DEFAULT_MAX_SIZE);
	g_assert_cmpuint(slim->max_sessions, ==, LMTP_DEFAULT_SESSIONS);
	g_assert_cmpuint(slim->session_timeout, ==, LMTP_DEFAULT_TIMEOUT);
	g_assert_cmpuint(slim->max_message_size, ==, LR_DEFAULT_MAX_MESSAGE_SIZE);
	g_assert_cmpuint(slim->max_sessions, ==, LR_DEFAULT_MAX_SESSIONS);
	remove_tree(dir);
}

/* test_server_include - a relative @include is read from the main file's
 * folder by every reader, whatever the working folder. */
static void test_server_include(void)
{
	g_autofree char *dir = g_dir_make_tmp("test-rules-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "leadroute.conf", NULL);
	g_autofree char *home = g_build_filename(dir, "data", NULL);
	g_autofree char *cwd = g_get_current_dir();
	g_autoptr(GError) error = NULL;
	g_autoptr(LrConfig) cfg = NULL;
	g_autoptr(LrServerConfig) slim = NULL;
	g_autoptr(GHashTable) aliases = NULL;

	write_file(dir, "parts/server.conf",
	           "server: { home = \"data\"; max_sessions = 7; };\n"
	           "fields: { aliases = { company = [\"Betrieb\"]; }; };\n");
	write_file(dir, "leadroute.conf",
	           "@include \"parts/server.conf\"\n"
	           "users = ( { id = \"a\"; email = \"a@x.example\"; role = \"admin\"; } );\n"
	           "rules = ( { route = \"a\"; } );\n");
	g_assert_cmpint(g_chdir("/"), ==, 0);
	cfg = lr_config_load(path, &error);
	g_assert_no_error(error);
	slim = server_config_load(path, &error);
	g_assert_no_error(error);
	aliases = lr_config_read_aliases(path, &error);
	g_assert_no_error(error);
	g_assert_cmpint(g_chdir(cwd), ==, 0);
	g_assert_cmpstr(cfg->server->home, ==, home);
	g_assert_cmpstr(slim->home, ==, home);
	g_assert_cmpuint(slim->max_sessions, ==, 7);
	g_assert_cmpstr(g_hash_table_lookup(aliases, "betrieb"), ==, "company");
	remove_tree(dir);
}

/* test_server_invalid - bad server values fail both readers, at file:line. */
static void test_server_invalid(void)
{
	g_autofree char *dir = g_dir_make_tmp("test-rules-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "leadroute.conf", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(LrServerConfig) slim = NULL;
	LrConfig *cfg;

	write_file(dir, "leadroute.conf",
	           "server: {\n home = 7;\n max_sessions = \"many\";\n session_timeout = -5;\n};\n"
	           "users = ( { id = \"a\"; email = \"a@x.example\"; role = \"admin\"; } );\n"
	           "rules = ( { route = \"a\"; } );\n");
	slim = server_config_load(path, &error);
	g_assert_null(slim);
	g_assert_error(error, LR_ERROR, LR_ERROR_CONFIG);
	g_assert_nonnull(strstr(error->message, ":2: 'home' must be non-empty text"));
	g_assert_nonnull(strstr(error->message, ":3: 'max_sessions' must be a whole number"));
	g_assert_nonnull(strstr(error->message, ":4: 'session_timeout' is -5"));
	g_clear_error(&error);
	cfg = lr_config_load(path, &error);
	g_assert_null(cfg);
	g_assert_nonnull(strstr(error->message, ":4: 'session_timeout' is -5"));
	remove_tree(dir);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/rules/server/defaults", test_server_defaults);
	g_test_add_func("/rules/server/include", test_server_include);
	g_test_add_func("/rules/server/invalid", test_server_invalid);
	g_test_add_func("/rules/route/round-robin-restart", test_round_robin_restart);
	g_test_add_func("/rules/route/round-robin-away", test_round_robin_away);
	g_test_add_func("/rules/route/strategies", test_strategies);
	g_test_add_func("/rules/route/availability", test_availability);
	g_test_add_func("/rules/route/off-hours", test_off_hours);
	g_test_add_func("/rules/route/chain", test_chain_result);
	g_test_add_func("/rules/route/json-strings", test_json_strings);
	g_test_add_func("/rules/config/lookups", test_lookups);
	g_test_add_func("/rules/config/reload", test_reload_keeps);
	return g_test_run();
}
