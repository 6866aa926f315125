/* test-route-digest.c - a guard on routing results: thousands of generated
 * leads go through a generated configuration shaped like bench/rules' (a
 * score with a table, thousands of indexed postal-code rules, managers
 * with their own rule files and every strategy, reps with working hours in
 * several zones, capacities, absences, rejections, escalations), and a
 * SHA-256 over every decision's serialised result (assignees, chain,
 * priority, reason, trace with its effects, attachments, withheld fields,
 * workflow) must equal the one recorded from the code as it was before
 * routing was made faster.  Any change to any result changes the digest.
 *
 * The decisions are made twice: with the rotations kept in the fixture's
 * flat table of "KEY" and "KEY\tID" and with route_memory_state's (kept
 * by rotation, rules/route-memory.c); a random sequence of reads and
 * writes checks that state against the flat table key by key.
 *
 * LR_DIGEST_DUMP=FILE writes the serialised results to FILE, so that two
 * versions of the code can be compared decision by decision. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib/gstdio.h>

#include "lead/lead.h"
#include "rules/load.h"
#include "rules/lr-config.h"
#include "rules/route.h"
#include "tests/rules-fixture.h"

/* The digest of the decisions as the code made them before issue 15's
 * speed-ups (recorded from main at 55ca4d0). */
#define EXPECTED_DIGEST "9528a4f546c5c6ccc7214fe3cc9abbb7eed3c955861be7682739f524ad6bec9b"

#define MANAGERS 24
#define REPS 6
#define POSTAL_RULES 300
#define DECISIONS 3000

/* Tuesday 2026-10-20 06:00 UTC: the run crosses both DST ends (Europe
 * 2026-10-25, the USA 2026-11-01). */
#define START ((gint64)1792476000 * G_USEC_PER_SEC)

/* store_capacity - reps "_1" set a capacity of 1 by mail, "_3" lifted
 * theirs (0), the others keep the configured one. */
static int store_capacity(gpointer data, const char *user)
{
	(void)data;
	if (g_str_has_suffix(user, "_1"))
		return 1;
	return g_str_has_suffix(user, "_3") ? 0 : -1;
}

/* rep_hours - the working hours of rep k (several zones, one span past
 * midnight, one list of two spans, some none). */
static const char *rep_hours(int k)
{
	static const char *const hours[] = {
	    " hours = \"Mon-Fri 07:00-19:00 Europe/Berlin\";",
	    " hours = \"Mon-Fri 09:00-17:00 America/Los_Angeles\";",
	    " hours = \"Fri-Sun 22:00-06:00 Asia/Tokyo\";",
	    "",
	    " hours = [\"Mon,Wed,Fri 10:00-16:00 UTC\", \"Sat 09:00-12:00 Europe/London\"];",
	    " hours = \"Mon-Fri 08:00-12:00 Australia/Sydney\";",
	};
	return hours[k % G_N_ELEMENTS(hours)];
}

/* manager_file - the rule file of manager m, whose reps are reps. */
static char *manager_file(int m)
{
	GString *f = g_string_new("rules = (\n");

	g_string_append_printf(f,
	                       "  { name = \"hot\"; when = \"priority >= 70\"; route = \"r%02d_0\"; },\n"
	                       "  { name = \"pumps\"; when = \"product ~ /pump/i\";\n"
	                       "    route = { to = [\"r%02d_0\", \"r%02d_1\", \"r%02d_2\"];"
	                       " strategy = \"least-loaded\"; }; },\n",
	                       m, m, m, m);
	g_string_append_printf(f,
	                       "  { name = \"jp\"; when = \"country == 'JP' && product contains 'valve'\";\n"
	                       "    route = { to = [\"r%02d_1\", \"r%02d_2\"]; strategy = \"weighted\";"
	                       " weights = [2, 1]; }; },\n"
	                       "  { name = \"show\"; when = \"source == 'tradeshow'\";\n"
	                       "    route = { to = \"team:t%02d\"; strategy = \"broadcast\"; };"
	                       " withhold = [\"postal_code\"]; },\n"
	                       "  { name = \"many\"; when = \"quantity > 150 && not (country in ['US', 'CA'])\";\n"
	                       "    route = { to = [\"r%02d_3\", \"r%02d_4\", \"r%02d_5\"];"
	                       " strategy = \"first\"; }; },\n",
	                       m, m, m, m, m, m);
	if (m % 5 == 0)
		g_string_append(f, "  { name = \"dealer\"; when = \"product ~ /f-150/i\";"
		                   " route = \"server:north\"; },\n");
	if (m % 4 == 1)
		g_string_append_printf(f, "  { name = \"boss\"; when = \"company contains 'ag'\";"
		                          " route = \"manager\"; },\n");
	g_string_append_printf(f,
	                       "  { name = \"all\"; route = { to = [\"r%02d_0\", \"r%02d_1\", "
	                       "\"r%02d_2\", \"r%02d_3\", \"r%02d_4\", \"r%02d_5\"]; "
	                       "strategy = \"round-robin\"; }; }\n);\n",
	                       m, m, m, m, m, m);
	if (m % 3 == 0)
		g_string_append(f, "workflow: { accept_within = \"2h\"; max_rejections = 1; };\n");
	return g_string_free(f, FALSE);
}

/* users_text - the users group: the admin and inside sales, then each
 * manager and their reps. */
static char *users_text(const char *dir)
{
	GString *u = g_string_new("users = (\n"
	                          "  { id = \"admin\"; email = \"admin@x.example\"; role = \"admin\";"
	                          " team = \"inside\"; manages = [\"m00\", \"m01\", \"m05\", \"m09\", \"m13\","
	                          " \"m17\", \"m21\"]; },\n"
	                          "  { id = \"in1\"; email = \"in1@x.example\"; team = \"inside\"; },\n"
	                          "  { id = \"in2\"; email = \"in2@x.example\"; team = \"inside\";"
	                          " hours = \"Mon-Fri 09:00-17:00 Europe/Paris\"; },\n");

	for (int m = 0; m < MANAGERS; m++) {
		g_autofree char *name = g_strdup_printf("users/m%02d.conf", m);
		g_autofree char *rules = manager_file(m);

		write_file(dir, name, rules);
		g_string_append_printf(u,
		                       "  { id = \"m%02d\"; email = \"m%02d@x.example\"; role = \"manager\";"
		                       " team = \"t%02d\"; rules = \"%s\";%s%s manages = [",
		                       m, m, m, name, m % 4 == 1 ? " hours = \"Mon-Fri 08:00-18:00"
		                                                   " America/New_York\";"
		                                                 : "",
		                       m % 5 == 0 ? " may_route = [\"server:north\"];" : "");
		for (int k = 0; k < REPS; k++)
			g_string_append_printf(u, "%s\"r%02d_%d\"", k ? ", " : "", m, k);
		g_string_append(u, "]; },\n");
		for (int k = 0; k < REPS; k++)
			g_string_append_printf(u,
			                       "  { id = \"r%02d_%d\"; email = \"r%02d_%d@x.example\";"
			                       " team = \"t%02d\"; region = \"r%d\";%s%s },\n",
			                       m, k, m, k, m, k, rep_hours(k + m),
			                       k % 2 == 0 ? " capacity = 3;" : "");
	}
	g_string_truncate(u, u->len - 2);
	g_string_append(u, "\n);\n");
	return g_string_free(u, FALSE);
}

/* rules_text - the global rules. */
static char *rules_text(void)
{
	GString *r = g_string_new(
	    "rules = (\n"
	    "  { name = \"score\"; priority = { base = 10; weights = { quantity = 0.2; seats = 1.5; };"
	    " table = \"companies\"; column = \"points\"; }; },\n"
	    "  { name = \"big\"; when = \"quantity >= 150 || seats > 40\"; priority = 20; },\n"
	    "  { name = \"gmbh\"; when = \"company contains 'gmbh'\"; priority = -7.5; },\n"
	    "  { name = \"enrich\"; attach = { table = \"companies\"; key = \"email_domain\";"
	    " name = \"Company\"; }; },\n"
	    "  { name = \"sheet\"; attach = { table = \"products\"; key = \"product\";"
	    " column = \"sheet\"; kind = \"product-sheet\"; name = \"Sheet\"; }; },\n"
	    "  { name = \"school\"; when = \"email_domain ~ /school/ || subject contains 'edu'\";"
	    " attach = { file = \"docs/edu.txt\"; kind = \"sales-program\"; name = \"Edu\"; }; },\n"
	    "  { name = \"fr\"; when = \"country == 'FR'\"; withhold = [\"phone\"]; },\n"
	    "  { name = \"gold\"; when = \"companies[email_domain].tier == 'gold' && quantity > 140\";"
	    " route = \"m07\"; },\n"
	    "  { name = \"partner\"; when = \"source == 'partner'\"; route = \"server:north\"; },\n");

	for (int i = 0; i < POSTAL_RULES; i++) {
		int pc = 10000 + i;
		if (i % 100 == 50)
			g_string_append_printf(r,
			                       "  { name = \"jp%d\"; when = \"country == 'JP' && product ~ "
			                       "/valve/i && quantity > %d\"; route = \"m%02d\"; },\n",
			                       i, i / 10, (i / 100) % MANAGERS);
		g_string_append_printf(r, "  { name = \"pc%d\"; when = \"postal_code == '%d'\";"
		                          " route = \"m%02d\"; },\n",
		                       pc, pc, (pc * 7) % MANAGERS);
	}
	g_string_append(r, "  { name = \"list\"; when = \"postal_code in ['20001', '20002', 20003]\";"
	                   " route = { to = [\"in1\", \"in2\"]; strategy = \"round-robin\"; }; },\n"
	                   "  { name = \"late\"; when = \"postal_code != '' && !(priority < 30)\";"
	                   " route = \"team:inside\"; },\n"
	                   "  { name = \"rest\"; route = { to = \"team:t00\"; strategy = \"round-robin\"; }; }\n"
	                   ");\n");
	return g_string_free(r, FALSE);
}

/* write_config - the whole configuration into dir; returns the main file. */
static char *write_config(const char *dir)
{
	g_autofree char *users = users_text(dir);
	g_autofree char *rules = rules_text();
	GString *t = g_string_new("domain,tier,points\n");
	g_autofree char *main = NULL, *products = NULL;

	for (int i = 0; i < 400; i++)
		g_string_append_printf(t, "company%d.example,%s,%d\n", i,
		                       (const char *[]){"gold", "silver", "bronze"}[i % 3], (i % 3) * 10);
	write_file(dir, "tables/companies.csv", t->str);
	g_string_free(t, TRUE);
	products = g_strdup_printf("product,sheet\nValves,docs/valves.txt\nIndustrial Pumps,\n"
	                           "Fleet Tracker,%s/docs/fleet.txt\n", dir);
	write_file(dir, "tables/products.csv", products);
	write_file(dir, "docs/fleet.txt", "fleet\n");
	write_file(dir, "docs/edu.txt", "education\n");
	write_file(dir, "docs/valves.txt", "valves\n");
	main = g_strconcat("tables = ( { name = \"companies\"; file = \"tables/companies.csv\";"
	                   " key = \"domain\"; },\n"
	                   "  { name = \"products\"; file = \"tables/products.csv\"; key = \"product\"; } );\n"
	                   "servers = ( { id = \"north\"; deliver = \"mailto:n@north.example\";"
	                   " withhold = [\"email\"]; } );\n",
	                   users, rules,
	                   "workflow: { accept_within = \"4h\"; remind_after = \"2h\";"
	                   " withhold = [\"phone\"]; };\n",
	                   NULL);
	write_file(dir, "leadroute.conf", main);
	return g_build_filename(dir, "leadroute.conf", NULL);
}

/* make_lead - lead number i, drawn from rand. */
static LrLead *make_lead(GRand *rand, int i)
{
	static const char *const countries[] = {"DE", "FR", "US", "GB", "JP", "CA", "CH", ""};
	static const char *const products[] = {"Industrial Pumps", "Valves", "Fleet Tracker",
	                                       "F-150 Fleet", "Route Planner", "pump parts"};
	static const char *const quantities[] = {"12", "1,200", "€85", "12 pumps", "", "1.5k",
	                                         "151", "0", "-3", "99.5", "2 Mio", "abc"};
	static const char *const sources[] = {"website", "website", "website", "website", "webinar",
	                                      "webinar", "webinar", "tradeshow", "tradeshow", "partner"};
	static const char *const companies[] = {"Acme GmbH", "Kanton AG", "Northwind",
	                                        "Schule Nord", "Ägir GMBH"};
	LrLead *lead = lead_new();
	g_autofree char *pc = g_strdup_printf("%d", 10000 + g_rand_int_range(rand, 0, 330));
	g_autofree char *mail =
	    g_strdup_printf(i % 17 == 0 ? "x%d@school%d.example" : "b%d@company%d.example", i,
	                    g_rand_int_range(rand, 0, 420));
	int q = g_rand_int_range(rand, 0, 40);

	lead_field_set(lead, "email", mail);
	lead_field_set(lead, "country", countries[g_rand_int_range(rand, 0, 8)]);
	if (i % 13 == 0)
		lead_field_set(lead, "postal_code", (const char *[]){"20001", "20003", " 20002 "}[i % 3]);
	else if (i % 9 != 0)
		lead_field_set(lead, "postal_code", pc);
	lead_field_set(lead, "product", products[g_rand_int_range(rand, 0, 6)]);
	if (q < 12) {
		lead_field_set(lead, "quantity", quantities[q]);
	} else if (q < 38) {
		g_autofree char *n = g_strdup_printf("%d", g_rand_int_range(rand, 1, 200));
		lead_field_set(lead, "quantity", n);
	}
	if (i % 5 == 0)
		lead_field_set(lead, "seats", i % 10 ? "45" : "12");
	if (i % 4 == 0)
		lead_field_set(lead, "company", companies[g_rand_int_range(rand, 0, 5)]);
	if (i % 7 == 0)
		lead_field_set(lead, "subject", "Edu pricing");
	lead_set_str(&lead->source, sources[g_rand_int_range(rand, 0, 10)]);
	return lead;
}

/* serialize - one decision as text, the configuration's folder left out
 * of file names. */
static void serialize(const LrRouteResult *r, const char *dir, GString *out)
{
	g_autoptr(GPtrArray) trace = route_result_trace(r);
	gsize skip = strlen(dir) + 1;

	g_string_append(out, "to");
	for (guint i = 0; i < r->assignees->len; i++)
		g_string_append_printf(out, " %s", (char *)g_ptr_array_index(r->assignees, i));
	g_string_append(out, "\nchain");
	for (guint i = 0; i < r->holders->len; i++)
		g_string_append_printf(out, " %s", (char *)g_ptr_array_index(r->holders, i));
	g_string_append_printf(out, "\npriority %d broadcast %d escalated %d\nreason %s\n",
	                       r->priority, r->broadcast, r->escalated, r->reason);
	for (guint i = 0; i < trace->len; i++) {
		const LrTraceStep *t = g_ptr_array_index(trace, i);
		const char *file = g_str_has_prefix(t->file, dir) ? t->file + skip : t->file;
		guint j = i;

		/* a run of rules not matched is its first and last line */
		while (!t->matched && j + 1 < trace->len &&
		       !((LrTraceStep *)g_ptr_array_index(trace, j + 1))->matched &&
		       ((LrTraceStep *)g_ptr_array_index(trace, j + 1))->file == t->file)
			j++;
		if (t->matched)
			g_string_append_printf(out, "%s:%d %s %s\n", file, t->line,
			                       t->name ? t->name : "-", t->effect);
		else
			g_string_append_printf(out, "%s:%d-%d -\n", file, t->line,
			                       ((LrTraceStep *)g_ptr_array_index(trace, j))->line);
		i = j;
	}
	for (guint i = 0; i < r->attachments->len; i++) {
		const LrAttachment *a = g_ptr_array_index(r->attachments, i);
		g_string_append_printf(out, "attach %s %s %s %s", a->kind, a->name,
		                       a->file ? (g_str_has_prefix(a->file, dir) ? a->file + skip
		                                                                 : a->file)
		                               : "-",
		                       a->table ? a->table : "-");
		for (int k = 0; a->columns && a->columns[k]; k++)
			g_string_append_printf(out, " %s=%s", a->columns[k], a->values[k]);
		g_string_append_c(out, '\n');
	}
	g_string_append(out, "withheld");
	for (guint i = 0; i < r->withheld->len; i++)
		g_string_append_printf(out, " %s", (char *)g_ptr_array_index(r->withheld, i));
	g_string_append_printf(out, "\nworkflow %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %d\n\n",
	                       r->accept_within, r->remind_after, r->max_rejections);
}

/* track - after decision i: the assignees hold one more open lead, every
 * 40th decision the open leads are worked off, and some reps go away for
 * six to thirty hours. */
static void track(Store *s, const LrRouteResult *r, int i, gint64 now)
{
	for (guint k = 0; k < r->assignees->len; k++) {
		const char *a = g_ptr_array_index(r->assignees, k);
		guint n = GPOINTER_TO_UINT(g_hash_table_lookup(s->open, a));
		g_hash_table_replace(s->open, g_strdup(a), GUINT_TO_POINTER(n + 1));
	}
	if (i % 40 == 39)
		g_hash_table_remove_all(s->open);
	if (i % 23 == 0) {
		/* The recorded digest was made with this product in a 32-bit int
		 * (wrapped): kept bit for bit, without the overflow UBSan stops. */
		gint64 until =
		    now + (gint32)((guint32)(1 + i % 5) * 6u * 3600u * (guint32)G_USEC_PER_SEC);
		g_hash_table_replace(s->away,
		                     g_strdup_printf("r%02d_%d", (int[]){0, 7, 12, i % MANAGERS}[i % 4],
		                                     (i / 23) % REPS),
		                     g_memdup2(&until, sizeof(until)));
	}
}

/* A Store whose rotations are kept in a route_memory_state instead (the
 * Store first: the fixture's callbacks read it). */
typedef struct {
	Store s;
	LrRouteState *mem;
} MemStore;

/* memstore_rr_get / memstore_rr_set - rotations in the memory state. */
static guint64 memstore_rr_get(gpointer data, const char *key)
{
	LrRouteState *m = ((MemStore *)data)->mem;

	return m->rr_get(m->data, key);
}

static void memstore_rr_set(gpointer data, const char *key, guint64 value)
{
	LrRouteState *m = ((MemStore *)data)->mem;

	m->rr_set(m->data, key, value);
}

/* route_all - every decision, serialised into a digest; rotations in a
 * route_memory_state when in_memory. */
static char *route_all(const LrConfig *cfg, const char *dir, gboolean in_memory)
{
	g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
	g_autoptr(GString) text = g_string_new(NULL);
	const char *dump = g_getenv("LR_DIGEST_DUMP");
	FILE *df = dump ? fopen(dump, "w") : NULL;
	GRand *rand = g_rand_new_with_seed(15);
	MemStore ms = {{g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free),
	                g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free),
	                g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL)},
	               in_memory ? route_memory_state_new(START) : NULL};
	Store *s = &ms.s;
	LrRouteState st = {in_memory ? memstore_rr_get : store_rr_get,
	                   in_memory ? memstore_rr_set : store_rr_set,
	                   store_open,
	                   store_away,
	                   store_capacity,
	                   START,
	                   &ms};
	static const char *const rejected[] = {"m03", "r03_1", "r05_0", "server:north", NULL};

	for (int i = 0; i < DECISIONS; i++) {
		g_autoptr(LrLead) lead = make_lead(rand, i);
		g_autoptr(GError) error = NULL;
		g_autoptr(LrRouteResult) r = NULL;

		/* four decisions a second apart, then 37 minutes on */
		st.now = START + (gint64)(i / 4) * 37 * 60 * G_USEC_PER_SEC + (i % 4) * G_USEC_PER_SEC;
		r = route_lead(cfg, lead, i % 11 == 0 ? rejected : NULL, &st, &error);
		g_assert_no_error(error);
		g_assert_nonnull(r);
		g_assert_cmpuint(r->assignees->len, >, 0);
		g_string_truncate(text, 0);
		g_string_append_printf(text, "#%d\n", i);
		serialize(r, dir, text);
		g_checksum_update(sum, (const guchar *)text->str, text->len);
		if (df != NULL)
			fputs(text->str, df);
		track(s, r, i, st.now);
	}
	if (df != NULL)
		fclose(df);
	g_rand_free(rand);
	g_hash_table_destroy(s->rr);
	g_hash_table_destroy(s->away);
	g_hash_table_destroy(s->open);
	route_memory_state_free(ms.mem);
	return g_strdup(g_checksum_get_string(sum));
}

/* test_digest - the decisions are those recorded. */
static void test_digest(void)
{
	g_autofree char *dir = g_dir_make_tmp("test-route-digest-XXXXXX", NULL);
	g_autofree char *path = write_config(dir);
	g_autoptr(GError) error = NULL;
	g_autoptr(LrConfig) cfg = lr_config_load(path, &error);
	g_autofree char *digest = NULL, *in_memory = NULL;

	g_assert_no_error(error);
	digest = route_all(cfg, dir, FALSE);
	in_memory = route_all(cfg, dir, TRUE);
	remove_tree(dir);
	g_assert_cmpstr(digest, ==, EXPECTED_DIGEST);
	g_assert_cmpstr(in_memory, ==, EXPECTED_DIGEST);
}

/* test_memory_state - route_memory_state's rotations against a flat table:
 * 200,000 random reads and writes of rotation keys ("KEY") and candidate
 * keys ("KEY\tID") over rotations that share prefixes, candidates asked
 * for in and out of order, and a rotation of 100 candidates (past the
 * length where the state indexes them). */
static void test_memory_state(void)
{
	static const char *const rot[] = {"rr:a", "rr:ab", "rr:a:b", "rr:m01:all", "x", ""};
	GHashTable *flat = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	LrRouteState *mem = route_memory_state_new(START);
	GRand *rand = g_rand_new_with_seed(1115);
	g_autoptr(GString) key = g_string_new(NULL);

	for (int i = 0; i < 200000; i++) {
		guint r = g_rand_int_range(rand, 0, G_N_ELEMENTS(rot));
		guint ncand = r == 3 ? 100 : 7;
		guint64 *want, got;

		g_string_assign(key, rot[r]);
		if (g_rand_int_range(rand, 0, 4) > 0) /* a candidate: in order, or any */
			g_string_append_printf(key, "\t%s%u", r == 1 ? "r\t" : "r",
			                       g_rand_boolean(rand) ? (guint)(i % ncand)
			                                            : (guint)g_rand_int_range(rand, 0, (gint32)ncand));
		want = g_hash_table_lookup(flat, key->str);
		got = mem->rr_get(mem->data, key->str);
		g_assert_cmpuint(got, ==, want ? *want : 0);
		if (g_rand_boolean(rand)) {
			guint64 v = g_rand_int(rand);

			mem->rr_set(mem->data, key->str, v);
			g_hash_table_replace(flat, g_strdup(key->str), g_memdup2(&v, sizeof(v)));
		}
	}
	g_rand_free(rand);
	route_memory_state_free(mem);
	g_hash_table_destroy(flat);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/rules/route/digest", test_digest);
	g_test_add_func("/rules/route/memory-state", test_memory_state);
	return g_test_run();
}
