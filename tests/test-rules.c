/* test-rules.c - the condition language, CSV tables, configuration
 * loading, and routing: strategies, fairness across restarts and absences,
 * availability and escalation, the chain and its workflow. */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

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

/* ---- fixtures ---- */

/* write_file - write text to dir/name (folders made as needed). */
static void write_file(const char *dir, const char *name, const char *text)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);
	g_autofree char *parent = g_path_get_dirname(path);

	g_assert_cmpint(g_mkdir_with_parents(parent, 0700), ==, 0);
	g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

/* remove_tree - delete a temporary folder. */
static void remove_tree(const char *dir)
{
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);

	g_assert_cmpint(system(cmd), ==, 0);
}

static const char companies_csv[] = "\xEF\xBB\xBF"
                                    "domain,tier,points,note\r\n"
                                    "fjordfisk.example,gold,30,\"Tromsø, Norway\"\r\n"
                                    "northwind.example,silver,10,\"say \"\"hi\"\"\"\r\n"
                                    "\r\n"
                                    "multi.example,bronze,5,\"two\nlines\"\r\n";

/* table_of - CondTableFunc for one table. */
static const LrTable *table_of(gpointer data, const char *name)
{
	return strcmp(name, "companies") == 0 ? data : NULL;
}

/* sample_lead - the lead conditions are tested on. */
static LrLead *sample_lead(void)
{
	LrLead *lead = lead_new();

	lead_field_set(lead, "country", "DE");
	lead_field_set(lead, "quantity", "12");
	lead_field_set(lead, "budget", "€85,000");
	lead_field_set(lead, "product", "Industrial Pumps");
	lead_field_set(lead, "email", "henrik@Fjordfisk.example");
	lead_field_set(lead, "city", "Zürich");
	lead_set_str(&lead->source, "webinar");
	lead_set_str(&lead->subject, "Need a quote");
	return lead;
}

/* ---- conditions ---- */

static const struct {
	const char *text;
	gboolean want;
} cond_cases[] = {
    {"country == 'DE'", TRUE},
    {"country == \"de\"", TRUE},
    {"country != 'DE'", FALSE},
    {"quantity >= 10", TRUE},
    {"quantity > 100", FALSE},
    {"quantity < 5", FALSE},
    {"quantity == 12.0", TRUE},
    {"quantity > '1.2k'", FALSE},
    {"budget > 80000", TRUE},
    {"budget < 90000 && budget >= 85000", TRUE},
    {"missing < 5", FALSE},
    {"missing > 5", FALSE},
    {"missing == ''", TRUE},
    {"missing", FALSE},
    {"country", TRUE},
    {"country in ['AT', 'DE', 'CH']", TRUE},
    {"country in ['AT', 'CH']", FALSE},
    {"country not in ['AT']", TRUE},
    {"quantity in [10, 12]", TRUE},
    {"product ~ /pump/i", TRUE},
    {"product ~ /pump/", FALSE},
    {"product !~ /valve/", TRUE},
    {"product ~ /^industrial\\s+pumps$/i", TRUE},
    {"product contains 'PUMP'", TRUE},
    {"product not contains 'valve'", TRUE},
    {"source == 'webinar' && (country == 'FR' || quantity >= 12)", TRUE},
    {"source == 'webinar' && country == 'FR' || quantity >= 12", TRUE},
    {"source == 'webinar' && (country == 'FR' || quantity > 12)", FALSE},
    {"!(country == 'DE')", FALSE},
    {"not country == 'DE'", FALSE},
    {"country == 'DE' and quantity > 10 or false", TRUE},
    {"email_domain == 'fjordfisk.example'", TRUE},
    {"companies[email_domain].tier == 'gold'", TRUE},
    {"companies[email_domain].points + 0 == 30", FALSE},
    {"companies[email_domain]", TRUE},
    {"companies['nope.example']", FALSE},
    {"companies['NORTHWIND.example'].tier == 'silver'", TRUE},
    {"companies[email_domain].points >= 30", TRUE},
    {"user.team == 'north'", TRUE},
    {"user.missing == ''", TRUE},
    {"priority >= 40", TRUE},
    {"priority > 42", FALSE},
    {"subject contains 'quote'", TRUE},
    {"city == 'zürich'", TRUE},
    {"true", TRUE},
    {"false", FALSE},
    {"1 == 1", TRUE},
};

/* test_cond_eval - table-driven: expressions against one lead. */
static void test_cond_eval(void)
{
	g_autoptr(LrTable) t = NULL;
	g_autoptr(LrLead) lead = sample_lead();
	g_autoptr(GHashTable) user = g_hash_table_new(g_str_hash, g_str_equal);
	g_autofree char *dir = g_dir_make_tmp("test-rules-XXXXXX", NULL);
	g_autofree char *csv = g_build_filename(dir, "companies.csv", NULL);
	LrCondCtx ctx = {lead, 42, user};

	write_file(dir, "companies.csv", companies_csv);
	t = table_load("companies", csv, "domain", NULL);
	g_assert_nonnull(t);
	g_hash_table_insert(user, "team", "north");
	for (guint i = 0; i < G_N_ELEMENTS(cond_cases); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(LrCond) c = cond_compile(cond_cases[i].text, table_of, t, &error);

		if (strstr(cond_cases[i].text, "+ 0") != NULL) {
			g_assert_null(c); /* no arithmetic in the language */
			continue;
		}
		g_assert_no_error(error);
		if (cond_eval(c, &ctx) != cond_cases[i].want)
			g_error("'%s' should be %s", cond_cases[i].text,
			        cond_cases[i].want ? "true" : "false");
	}
	remove_tree(dir);
}

static const struct {
	const char *text;
	const char *message;
} cond_errors[] = {
    {"country = 'DE'", "condition column 9: use '==' to compare"},
    {"country == ", "condition column 12: expected a field name, 'text' or a number, found "
                    "the end"},
    {"country in 'DE'", "condition column 12: expected '[' after 'in', found 'DE'"},
    {"(country == 'DE'", "condition column 1: '(' is never closed"},
    {"product ~ pump", "condition column 11: expected /regular expression/ after '~'"},
    {"product ~ /x/q", "condition column 14: unknown regular expression flag 'q' (use i or x)"},
    {"nosuch[email_domain].x == 1", "condition column 1: no table called 'nosuch'"},
    {"country == 'DE", "condition column 12: text in quotes never ends (missing ')"},
    {"country == 'DE' 'AT'", "condition column 17: expected '&&', '||' or the end, found 'AT'"},
    {"a && && b", "condition column 6: expected a field name, 'text' or a number, found '&&'"},
    {"country == 'DE' & x", "condition column 17: use '&&'"},
    {"", "condition column 1: the condition is empty"},
    {"'Zürich' == city =", "condition column 18: use '==' to compare"},
    {"country in ['DE' 'AT']", "condition column 18: expected ',' or ']' in the list, found 'AT'"},
    {"x == /re/", "condition column 6: a /regular expression/ goes after '~'"},
    {"user. == 1", "condition column 7: expected an attribute name after 'user.'"},
};

/* test_cond_errors - syntax errors name their column. */
static void test_cond_errors(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GString) deep = g_string_new(NULL);
	LrCond *c;

	for (guint i = 0; i < G_N_ELEMENTS(cond_errors); i++) {
		c = cond_compile(cond_errors[i].text, NULL, NULL, &error);
		g_assert_null(c);
		g_assert_error(error, LR_ERROR, LR_ERROR_CONFIG);
		if (strcmp(error->message, cond_errors[i].message) != 0)
			g_error("'%s': got \"%s\", want \"%s\"", cond_errors[i].text,
			        error->message, cond_errors[i].message);
		g_clear_error(&error);
	}
	c = cond_compile("product ~ /pump(/", NULL, NULL, &error);
	g_assert_null(c);
	g_assert_true(
	    g_str_has_prefix(error->message, "condition column 11: bad regular expression: "));
	g_clear_error(&error);
	for (int i = 0; i < 200; i++)
		g_string_append_c(deep, '(');
	c = cond_compile(deep->str, NULL, NULL, &error);
	g_assert_null(c);
	g_assert_nonnull(strstr(error->message, "nested too deeply"));
}

/* test_cond_table_columns - column errors need the real table. */
static void test_cond_table_columns(void)
{
	g_autofree char *dir = g_dir_make_tmp("test-rules-XXXXXX", NULL);
	g_autofree char *csv = g_build_filename(dir, "companies.csv", NULL);
	g_autoptr(LrTable) t = NULL;
	g_autoptr(GError) error = NULL;
	LrCond *c;

	write_file(dir, "companies.csv", companies_csv);
	t = table_load("companies", csv, "domain", NULL);
	c = cond_compile("companies[email_domain].colour == 'x'", table_of, t, &error);
	g_assert_null(c);
	g_assert_cmpstr(error->message, ==,
	                "condition column 25: table 'companies' has no column 'colour'");
	remove_tree(dir);
}

/* test_cond_helpers - constants, index keys and reasons. */
static void test_cond_helpers(void)
{
	g_autoptr(LrLead) lead = sample_lead();
	g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GString) reason = g_string_new(NULL);
	LrCondCtx ctx = {lead, 0, NULL};
	g_autoptr(LrCond) k = cond_compile("1 == 1", NULL, NULL, NULL);
	g_autoptr(LrCond) f = cond_compile("'a' == 'b'", NULL, NULL, NULL);
	g_autoptr(LrCond) idx =
	    cond_compile("country in ['DE', 'at'] && quantity > 1", NULL, NULL, NULL);
	g_autoptr(LrCond) num = cond_compile("quantity == 12.0 || x", NULL, NULL, NULL);
	g_autoptr(LrCond) pc = cond_compile("postal_code in ['010115', 'x']", NULL, NULL, NULL);
	gboolean value = FALSE;
	const char *name = NULL;

	g_assert_true(cond_constant(k, &value) && value);
	g_assert_true(cond_constant(f, &value) && !value);
	g_assert_false(cond_constant(idx, &value));
	g_assert_true(cond_index_key(idx, &name, keys));
	g_assert_cmpstr(name, ==, "country");
	g_assert_cmpuint(keys->len, ==, 2);
	g_assert_cmpstr(g_ptr_array_index(keys, 1), ==, "at");
	g_assert_false(cond_index_key(num, &name, keys));
	g_ptr_array_set_size(keys, 0);
	g_assert_true(cond_index_key(pc, &name, keys));
	g_assert_cmpstr(g_ptr_array_index(keys, 0), ==, "#10115");
	g_assert_cmpstr(g_ptr_array_index(keys, 1), ==, "x");
	{
		g_autofree char *form = cond_index_form(" 10115 ");
		g_assert_cmpstr(form, ==, "#10115");
	}
	cond_describe(idx, &ctx, reason);
	g_assert_cmpstr(reason->str, ==, "country DE, quantity 12");
}

static const struct {
	const char *text;
	gboolean ok;
	double value;
} numbers[] = {
    {"12", TRUE, 12},
    {"-3.5", TRUE, -3.5},
    {"240,000", TRUE, 240000},
    {"€85,000", TRUE, 85000},
    {"$1.2k", TRUE, 1200},
    {"3M", TRUE, 3e6},
    {"1.234,5", TRUE, 1234.5},
    {"1,234.5", TRUE, 1234.5},
    {"2,5", TRUE, 2.5},
    {"85 000 EUR", TRUE, 85000},
    {"1.234.567", TRUE, 1234567},
    {"DE", FALSE, 0},
    {"", FALSE, 0},
    {"F-150", FALSE, 0},
    {"12 pumps", FALSE, 0},
    {" 7 ", TRUE, 7},
    /* One reader for the parser and the rules (lead/number.c). */
    {"40 m²", FALSE, 0},
    {"1.000", TRUE, 1000},
    {"1,000", TRUE, 1000},
    {"1 000", TRUE, 1000},
    {"12k", TRUE, 12000},
    {"-5", TRUE, -5},
    {"3.5", TRUE, 3.5},
    {"€ 12.000,50", TRUE, 12000.5},
    {"0.125", TRUE, 0.125},
    {"2 Mio", TRUE, 2e6},
    {"40 m", TRUE, 40e6},
    {"abc", FALSE, 0},
    {"10-20", FALSE, 0},
    {"1.2.3,4,5", FALSE, 0},
    {"€", FALSE, 0},
    {"12 000 000 000 000 000 000 000 000 000 000 000 000 000 000 000 1", FALSE, 0},
};

/* number_in_rule - the text as a lead field "area" in "area == VALUE". */
static gboolean number_in_rule(const char *text, double value)
{
	g_autoptr(LrLead) lead = lead_new();
	g_autoptr(GHashTable) user = g_hash_table_new(g_str_hash, g_str_equal);
	g_autofree char *cond = g_strdup_printf("area == %.17g", value);
	g_autoptr(GError) error = NULL;
	g_autoptr(LrCond) c = cond_compile(cond, NULL, NULL, &error);
	LrCondCtx ctx = {lead, 42, user};

	g_assert_no_error(error);
	lead_field_set(lead, "area", text);
	return cond_eval(c, &ctx);
}

/* test_numbers - how texts read as numbers: the same for the condition
 * language (cond_number, and a rule comparing a field) and the parser
 * (parser_value_number), since both use lead_number_read. */
static void test_numbers(void)
{
	for (guint i = 0; i < G_N_ELEMENTS(numbers); i++) {
		double x = 0, y = 0;
		gboolean ok = cond_number(numbers[i].text, &x);
		gboolean pok = parser_value_number(numbers[i].text, &y);

		if (ok != numbers[i].ok || (ok && x != numbers[i].value))
			g_error("cond '%s': got %d %g", numbers[i].text, ok, x);
		if (pok != ok || (pok && y != x))
			g_error("parser '%s': got %d %g, rules %d %g", numbers[i].text, pok, y, ok,
			        x);
		if (ok && !number_in_rule(numbers[i].text, x))
			g_error("rule: field '%s' is not %g", numbers[i].text, x);
	}
}

/* ---- tables ---- */

/* test_table - quoting, BOM, CRLF, blank lines, bad rows, look-ups. */
static void test_table(void)
{
	g_autofree char *dir = g_dir_make_tmp("test-rules-XXXXXX", NULL);
	g_autofree char *good = g_build_filename(dir, "good.csv", NULL);
	g_autofree char *bad = g_build_filename(dir, "bad.csv", NULL);
	g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(LrTable) t = NULL;
	g_autoptr(LrTable) b = NULL;
	g_autofree char *want = NULL;
	const char *const *row;

	write_file(dir, "good.csv", companies_csv);
	write_file(dir, "bad.csv",
	           "domain,tier\na.example,gold\nb.example\na.example,x\n"
	           "c.example,\"open");
	t = table_load("companies", good, "domain", problems);
	g_assert_cmpuint(problems->len, ==, 0);
	g_assert_cmpuint(table_n_rows(t), ==, 3);
	row = table_lookup(t, " FjordFisk.EXAMPLE ");
	g_assert_nonnull(row);
	g_assert_cmpstr(row[3], ==, "Tromsø, Norway");
	g_assert_cmpstr(table_lookup(t, "northwind.example")[3], ==, "say \"hi\"");
	g_assert_cmpstr(table_lookup(t, "multi.example")[3], ==, "two\nlines");
	g_assert_cmpint(table_column(t, "TIER"), ==, 1);
	b = table_load("bad", bad, "domain", problems);
	g_assert_nonnull(b);
	g_assert_cmpuint(problems->len, ==, 3);
	want = g_strdup_printf("%s:3: 1 fields, the header has 2", bad);
	g_assert_cmpstr(g_ptr_array_index(problems, 0), ==, want);
	g_assert_nonnull(strstr(g_ptr_array_index(problems, 1), ":4: key 'a.example' appears"));
	g_assert_nonnull(strstr(g_ptr_array_index(problems, 2), ":5: quoted field never ends"));
	g_assert_cmpstr(table_lookup(b, "a.example")[1], ==, "gold");
	g_assert_null(table_load("x", bad, "nokey", problems));
	remove_tree(dir);
}

/* ---- routing ---- */

/* A caller's state store, as the daemon keeps one in the queue. */
typedef struct {
	GHashTable *rr;   /* key -> guint64 * */
	GHashTable *away; /* user -> gint64 * */
	GHashTable *open; /* user -> count */
} Store;

/* store_rr_get - rr_get over the store. */
static guint64 store_rr_get(gpointer data, const char *key)
{
	guint64 *v = g_hash_table_lookup(((Store *)data)->rr, key);

	return v ? *v : 0;
}

/* store_rr_set - rr_set over the store. */
static void store_rr_set(gpointer data, const char *key, guint64 value)
{
	g_hash_table_replace(((Store *)data)->rr, g_strdup(key), g_memdup2(&value, sizeof(value)));
}

/* store_open - open_leads over the store. */
static guint store_open(gpointer data, const char *user)
{
	return GPOINTER_TO_UINT(g_hash_table_lookup(((Store *)data)->open, user));
}

/* store_away - away_until over the store. */
static gint64 store_away(gpointer data, const char *user)
{
	gint64 *v = g_hash_table_lookup(((Store *)data)->away, user);

	return v ? *v : 0;
}

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
	g_autofree char *json = route_result_to_json(r);
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
	g_test_add_func("/rules/cond/eval", test_cond_eval);
	g_test_add_func("/rules/server/defaults", test_server_defaults);
	g_test_add_func("/rules/server/include", test_server_include);
	g_test_add_func("/rules/server/invalid", test_server_invalid);
	g_test_add_func("/rules/cond/errors", test_cond_errors);
	g_test_add_func("/rules/cond/table-columns", test_cond_table_columns);
	g_test_add_func("/rules/cond/helpers", test_cond_helpers);
	g_test_add_func("/rules/cond/numbers", test_numbers);
	g_test_add_func("/rules/table", test_table);
	g_test_add_func("/rules/route/round-robin-restart", test_round_robin_restart);
	g_test_add_func("/rules/route/round-robin-away", test_round_robin_away);
	g_test_add_func("/rules/route/strategies", test_strategies);
	g_test_add_func("/rules/route/availability", test_availability);
	g_test_add_func("/rules/route/off-hours", test_off_hours);
	g_test_add_func("/rules/route/chain", test_chain_result);
	g_test_add_func("/rules/config/lookups", test_lookups);
	g_test_add_func("/rules/config/reload", test_reload_keeps);
	return g_test_run();
}
