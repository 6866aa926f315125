/* test-rules.c - the condition language and CSV tables; routing and the
 * configuration are tested in test-route.c. */
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
#include "tests/rules-fixture.h"

/* ---- fixtures ---- */

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

/* test_regex_literal - a regex that is plain text matches as GRegex
 * would, whatever the case, spaces and signs, on ASCII text and on text
 * that is not (then GRegex decides). */
static void test_regex_literal(void)
{
	static const char *const patterns[] = {"pump", "PUMP", "f-150", "a b", "x_y", "o'neil",
	                                       "k",    "s",    "Pumps", "1,5", "mail@x", "a:b",
	                                       "p.mp", "pu+mp", "^pump"};
	static const char *const texts[] = {
	    "Industrial Pumps", "pump", "PUMP", "", "Pumpe \xc3\xa4", "Kelvin \xe2\x84\xaa",
	    "\xe2\x84\xaa", "\xc5\xbf", "F-150 Fleet", "A B", "x_y", "O'Neil", "1,5 t",
	    "mail@X", "A:B", "pu", "ppump", "pumpump"};
	g_autoptr(LrLead) lead = lead_new();
	LrCondCtx ctx = {lead, 0, NULL};

	for (gsize p = 0; p < G_N_ELEMENTS(patterns); p++)
		for (int i = 0; i < 2; i++) {
			g_autofree char *text = g_strdup_printf("product ~ /%s/%s", patterns[p], i ? "i" : "");
			g_autoptr(LrCond) c = cond_compile(text, NULL, NULL, NULL);
			g_autoptr(GRegex) re = g_regex_new(
			    patterns[p], G_REGEX_OPTIMIZE | (i ? G_REGEX_CASELESS : 0), 0, NULL);

			g_assert_nonnull(c);
			for (gsize t = 0; t < G_N_ELEMENTS(texts); t++) {
				lead_field_set(lead, "product", texts[t]);
				if (cond_eval(c, &ctx) != g_regex_match(re, texts[t], 0, NULL))
					g_error("%s on '%s': not as GRegex", text, texts[t]);
			}
		}
}

/* test_format_number - cond_format_number writes what "%g" and "%+g"
 * write: whole numbers, fractions, ties, carries, and 200,000 drawn. */
static void test_format_number(void)
{
	static const double xs[] = {0,        -0.0,     1,      -1,      10,       999999,
	                            -999999,  1e6,      0.5,    -7.5,    51.6,     1e15,
	                            123456.5, 123457.5, 99999.95, 9.999995, 999999.5, 1.0000005,
	                            2.5,      12345.65, 1e-7,   -0.25,   10.2,     59.800000000000004};
	GRand *rand = g_rand_new_with_seed(7);
	char want[32], got[32];

	for (gsize i = 0; i < G_N_ELEMENTS(xs) + 200000; i++) {
		double x = i < G_N_ELEMENTS(xs)    ? xs[i]
		           : i % 3 == 0            ? g_rand_double_range(rand, -1e6, 1e6)
		           : i % 3 == 1            ? g_rand_int_range(rand, -10000000, 10000000) / 1000.0
		                                   : 10 + 0.2 * g_rand_int_range(rand, 0, 10000);
		for (int sign = 0; sign < 2; sign++) {
			g_snprintf(want, sizeof(want), sign ? "%+g" : "%g", x);
			g_assert_cmpstr(cond_format_number(x, sign, got), ==, want);
		}
	}
	g_rand_free(rand);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/rules/cond/eval", test_cond_eval);
	g_test_add_func("/rules/cond/errors", test_cond_errors);
	g_test_add_func("/rules/cond/table-columns", test_cond_table_columns);
	g_test_add_func("/rules/cond/helpers", test_cond_helpers);
	g_test_add_func("/rules/cond/numbers", test_numbers);
	g_test_add_func("/rules/cond/format-number", test_format_number);
	g_test_add_func("/rules/cond/regex-literal", test_regex_literal);
	g_test_add_func("/rules/table", test_table);
	return g_test_run();
}
