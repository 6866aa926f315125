/* test-route-replay.c - the decision side of `leadroute replay` and of
 * CAPACITY by mail (rules/route-replay.c, rules/route.c): a stored
 * decision read back is the decision; a replay picks the rotation's
 * earlier pick and keeps who was away away; comparing finds moves and the
 * rules that differ; a capacity from the state overrides the configured
 * one. */
#include "config.h"

#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "lead/lead.h"
#include "rules/load.h"
#include "rules/route.h"

/* A Tuesday 10:00 UTC, µs. */
#define NOW ((gint64)1794823200 * G_USEC_PER_SEC)

#define CONF_TEXT                                                                                  \
	"server: { name = \"t\"; domain = \"leads.test\"; home = \"%s/home\"; };\n"                \
	"users = (\n"                                                                              \
	"  { id = \"dana\"; email = \"dana@t.example\"; role = \"admin\"; },\n"                    \
	"  { id = \"boss\"; email = \"boss@t.example\"; role = \"manager\";\n"                     \
	"    manages = [\"paul\", \"quinn\", \"rita\"]; },\n"                                      \
	"  { id = \"paul\"; email = \"paul@t.example\"; team = \"inside\"; },\n"                   \
	"  { id = \"quinn\"; email = \"quinn@t.example\"; team = \"inside\"; },\n"                 \
	"  { id = \"rita\"; email = \"rita@t.example\"; capacity = 2; }\n"                         \
	");\n"                                                                                     \
	"rules = (\n"                                                                              \
	"  { name = \"score\"; priority = 10; },\n"                                                \
	"  { name = \"vip\"; when = \"country == 'DE'\"; route = \"%s\"; },\n"                     \
	"  { name = \"rest\"; route = { to = \"team:inside\"; strategy = \"round-robin\"; }; }\n"  \
	");\n"

/* A configuration whose "vip" rule routes to vip_to (in a new folder). */
static LrConfig *load(const char *vip_to)
{
	g_autofree char *dir = g_dir_make_tmp("route-replay-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "leadroute.conf", NULL);
	g_autofree char *text = g_strdup_printf(CONF_TEXT, dir, vip_to);
	g_autoptr(GError) error = NULL;
	LrConfig *cfg;

	g_assert_true(g_file_set_contents(path, text, -1, NULL));
	cfg = lr_config_load(path, &error);
	g_assert_no_error(error);
	g_unlink(path);
	g_rmdir(dir);
	return cfg;
}

/* lead_from - a parsed-looking lead from country. */
static LrLead *lead_from(const char *country)
{
	LrLead *lead = lead_new();

	lead_field_set(lead, "country", country);
	lead_field_set(lead, "email", "x@customer.example");
	return lead;
}

/* decide - route lead in state; the record of the result (new). */
static LrRouteRecord *decide(const LrConfig *cfg, const LrLead *lead, LrRouteState *st)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(LrRouteResult) res = route_lead(cfg, lead, NULL, st, &error);

	g_assert_no_error(error);
	return route_record_from_result(res);
}

/* stored - the record of the JSON a decision was stored as. */
static LrRouteRecord *stored(const LrConfig *cfg, const LrLead *lead, LrRouteState *st)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(LrRouteResult) res = route_lead(cfg, lead, NULL, st, &error);
	g_autofree char *json = route_result_to_json(res);
	LrRouteRecord *rec = route_record_from_json(json, &error);

	g_assert_no_error(error);
	return rec;
}

/* test_same - replayed under the same configuration, a round-robin pick
 * that went to the second candidate stays with them. */
static void test_same(void)
{
	g_autoptr(LrConfig) cfg = load("boss");
	g_autoptr(LrLead) lead = lead_from("FR");
	LrRouteState *mem = route_memory_state_new(NOW);
	g_autoptr(LrRouteRecord) first = stored(cfg, lead, mem);
	g_autoptr(LrRouteRecord) then = stored(cfg, lead, mem); /* the rotation moved on */
	LrRouteState *st = route_replay_state_new(then, NOW);
	g_autoptr(LrRouteRecord) now = decide(cfg, lead, st);
	g_autoptr(GPtrArray) rules = NULL;

	g_assert_cmpstr(first->assignees->pdata[0], ==, "paul");
	g_assert_cmpstr(then->assignees->pdata[0], ==, "quinn");
	g_assert_cmpint(then->priority, ==, 10);
	g_assert_cmpuint(then->rules->len, ==, 2); /* score, rest */
	g_assert_cmpint(route_record_compare(then, now, &rules), ==, ROUTE_SAME);
	g_assert_cmpuint(rules->len, ==, 0);
	route_replay_state_free(st);
	route_memory_state_free(mem);
}

/* test_moved - the changed rule's lead moves, with the same rule; an
 * unavailable user in the stored trace stays unavailable. */
static void test_moved(void)
{
	g_autoptr(LrConfig) old = load("paul"), new = load("quinn");
	g_autoptr(LrLead) lead = lead_from("DE");
	LrRouteState *mem = route_memory_state_new(NOW);
	g_autoptr(LrRouteRecord) then = stored(old, lead, mem), away_then = NULL;
	LrRouteState *st = route_replay_state_new(then, NOW);
	g_autoptr(LrRouteRecord) now = decide(new, lead, st);
	g_autoptr(GPtrArray) rules = NULL, rules2 = NULL;

	g_assert_cmpint(route_record_compare(then, now, &rules), ==, ROUTE_MOVED);
	g_assert_cmpstr(now->assignees->pdata[0], ==, "quinn");
	g_assert_cmpuint(rules->len, ==, 0);
	route_replay_state_free(st);
	/* paul away then: escalated to boss; replayed under the old rules, still. */
	route_memory_state_set_away(mem, "paul", G_MAXINT64);
	away_then = stored(old, lead, mem);
	g_assert_cmpstr(away_then->assignees->pdata[0], ==, "boss");
	g_assert_cmpuint(away_then->unavailable->len, ==, 1);
	g_assert_cmpstr(away_then->unavailable->pdata[0], ==, "paul");
	st = route_replay_state_new(away_then, NOW);
	g_clear_pointer(&now, route_record_free);
	now = decide(old, lead, st);
	g_assert_cmpint(route_record_compare(away_then, now, &rules2), ==, ROUTE_SAME);
	route_replay_state_free(st);
	route_memory_state_free(mem);
}

/* test_rules_differ - a lead that another rule takes now: -vip +rest. */
static void test_rules_differ(void)
{
	g_autoptr(LrConfig) old = load("paul");
	g_autoptr(LrLead) de = lead_from("DE"), fr = lead_from("FR");
	LrRouteState *mem = route_memory_state_new(NOW);
	g_autoptr(LrRouteRecord) then = stored(old, de, mem);
	g_autoptr(LrRouteRecord) now = decide(old, fr, mem);
	g_autoptr(GPtrArray) rules = NULL;

	route_record_compare(then, now, &rules);
	g_assert_cmpuint(rules->len, ==, 2);
	g_assert_cmpstr(rules->pdata[0], ==, "-vip");
	g_assert_cmpstr(rules->pdata[1], ==, "+rest");
	g_assert_null(route_record_from_json("{\"holders\": 3}", NULL));
	g_assert_null(route_record_from_json("not json", NULL));
	route_memory_state_free(mem);
}

/* cap_of - LrRouteState.capacity: rita set 1 by mail. */
static int cap_of(gpointer data, const char *user)
{
	(void)data;
	return strcmp(user, "rita") == 0 ? 1 : -1;
}

/* test_capacity - a capacity from the state overrides the configured one
 * (rita: 2 configured, 1 set; with 1 open lead she is at capacity). */
static void test_capacity(void)
{
	g_autoptr(LrConfig) cfg = load("rita");
	g_autoptr(LrLead) lead = lead_from("DE");
	LrRouteState *mem = route_memory_state_new(NOW);
	g_autoptr(LrRouteRecord) free_rita = NULL, full_rita = NULL;

	route_memory_state_set_open(mem, "rita", 1);
	free_rita = decide(cfg, lead, mem);
	g_assert_cmpstr(free_rita->assignees->pdata[0], ==, "rita");
	mem->capacity = cap_of;
	full_rita = decide(cfg, lead, mem);
	g_assert_cmpstr(full_rita->assignees->pdata[0], ==, "boss");
	route_memory_state_free(mem);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/route-replay/same", test_same);
	g_test_add_func("/route-replay/moved", test_moved);
	g_test_add_func("/route-replay/rules-differ", test_rules_differ);
	g_test_add_func("/route-replay/capacity", test_capacity);
	return g_test_run();
}
