/* test-parser-full.c - everything parser_parse_lead writes, for every
 * corpus inquiry and every golden case in tests/parser, against
 * tests/parser-full.golden: the .expect files check a few keys each, this
 * checks all of them, so that work on the parser's speed cannot change a
 * result unseen.  The messages are read in order, then in reverse order
 * by the same parser, so state carried from one message to the next shows.
 * LR_REGEN_GOLDEN=1 writes the golden file instead (after a change to
 * what the parser finds, reviewed with git diff).  Also: what one parse
 * remembers (the labels' look-ups) does not reach the next parse. */
#include "config.h"

#include <string.h>

#include "parser/parser.h"

#define GOLDEN "tests/parser-full.golden"

static LrParser *parser;

/* full_escape - one value on one line: backslash, newline, CR escaped. */
static void full_escape(GString *out, const char *key, const char *value)
{
	g_string_append_printf(out, "%s=", key);
	if (value == NULL) {
		g_string_append(out, "(null)\n");
		return;
	}
	for (const char *p = value; *p != '\0'; p++) {
		if (*p == '\\')
			g_string_append(out, "\\\\");
		else if (*p == '\n')
			g_string_append(out, "\\n");
		else if (*p == '\r')
			g_string_append(out, "\\r");
		else
			g_string_append_c(out, *p);
	}
	g_string_append_c(out, '\n');
}

/* full_dump - the parse of the file at path (name: its line), into out. */
static void full_dump(GString *out, const char *path, const char *name)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(LrLead) lead = lead_new();
	g_autoptr(GBytes) raw = NULL;
	char *data = NULL;
	gsize len = 0;

	g_assert_true(g_file_get_contents(path, &data, &len, &error));
	raw = g_bytes_new_take(data, len);
	g_string_append_printf(out, "== %s\n", name);
	if (!parser_parse_lead(parser, raw, lead, &error)) {
		full_escape(out, "error", error->message);
		return;
	}
	g_string_append_printf(out, "is_lead=%d\n", lead->is_lead ? 1 : 0);
	full_escape(out, "format", lead->format);
	full_escape(out, "reason", lead->reason);
	full_escape(out, "subject", lead->subject);
	full_escape(out, "source", lead->source);
	full_escape(out, "note", lead_meta_get(lead, "parse_note"));
	for (guint i = 0; i < lead->fields->len; i++) {
		const LrField *field = g_ptr_array_index(lead->fields, i);
		g_autofree char *key = g_strconcat("field ", field->name, NULL);

		full_escape(out, key, field->value);
	}
}

/* full_name_cmp - g_ptr_array_sort order of two names. */
static gint full_name_cmp(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* full_names - the .eml files of sub (under the source tree), sorted. */
static void full_names(GPtrArray *names, const char *sub)
{
	g_autofree char *dir = g_build_filename(LR_SRCDIR, sub, NULL);
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	g_autoptr(GPtrArray) found = g_ptr_array_new();
	const char *name;

	g_assert_nonnull(d);
	while ((name = g_dir_read_name(d)) != NULL)
		if (g_str_has_suffix(name, ".eml"))
			g_ptr_array_add(found, g_build_filename(sub, name, NULL));
	g_ptr_array_sort(found, full_name_cmp);
	for (guint i = 0; i < found->len; i++)
		g_ptr_array_add(names, g_ptr_array_index(found, i));
}

/* full_all - the dump of names in order (reverse: last first); a block
 * per file, always laid out in the files' order. */
static char *full_all(GPtrArray *names, gboolean reverse)
{
	g_autoptr(GPtrArray) blocks = g_ptr_array_new_with_free_func(g_free);
	GString *out = g_string_new(NULL);

	g_ptr_array_set_size(blocks, names->len);
	for (guint k = 0; k < names->len; k++) {
		guint i = reverse ? names->len - 1 - k : k;
		const char *name = g_ptr_array_index(names, i);
		g_autofree char *path = g_build_filename(LR_SRCDIR, name, NULL);
		GString *block = g_string_new(NULL);

		full_dump(block, path, name);
		blocks->pdata[i] = g_string_free(block, FALSE);
	}
	for (guint i = 0; i < names->len; i++)
		g_string_append(out, g_ptr_array_index(blocks, i));
	return g_string_free(out, FALSE);
}

/* full_first_difference - the line number where a and b first differ. */
static guint full_first_difference(const char *a, const char *b)
{
	guint line = 1;

	for (; *a != '\0' && *a == *b; a++, b++)
		if (*a == '\n')
			line++;
	return line;
}

/* full_compare - got against the golden file; fails at the first line
 * that differs. */
static void full_compare(const char *got, const char *what)
{
	g_autofree char *path = g_build_filename(LR_SRCDIR, GOLDEN, NULL);
	g_autofree char *want = NULL;
	g_autoptr(GError) error = NULL;

	g_assert_true(g_file_get_contents(path, &want, NULL, &error));
	if (strcmp(got, want) != 0)
		g_error("%s: the parse differs from %s at line %u (LR_REGEN_GOLDEN=1 rewrites it)",
		        what, GOLDEN, full_first_difference(got, want));
}

/* test_full - every message's whole parse, in both orders. */
static void test_full(void)
{
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *forward = NULL;
	g_autofree char *backward = NULL;

	full_names(names, "tests/corpus/inquiries");
	full_names(names, "tests/parser");
	g_assert_cmpuint(names->len, >=, 26);
	forward = full_all(names, FALSE);
	if (g_strcmp0(g_getenv("LR_REGEN_GOLDEN"), "1") == 0) {
		g_autofree char *path = g_build_filename(LR_SRCDIR, GOLDEN, NULL);
		g_autoptr(GError) error = NULL;

		g_assert_true(g_file_set_contents(path, forward, -1, &error));
		return;
	}
	full_compare(forward, "in order");
	backward = full_all(names, TRUE);
	full_compare(backward, "in reverse order");
}

/* memo_company - the company field of mail parsed by p, or NULL. */
static char *memo_company(LrParser *p, GBytes *raw)
{
	g_autoptr(LrLead) lead = lead_new();

	g_assert_true(parser_parse_lead(p, raw, lead, NULL));
	return g_strdup(lead_field_get(lead, "company"));
}

/* test_memo - the same labels mean different fields to parsers with
 * different aliases, one parse after the other, either way round. */
static void test_memo(void)
{
	static const char mail[] = "From: form@x.example\nTo: leads@x.example\nSubject: s\n\n"
	                           "Firmenbezeichnung: Acme AG\nE-Mail-Adresse: a@b.example\n";
	g_autoptr(GHashTable) aliases = g_hash_table_new(g_str_hash, g_str_equal);
	g_autoptr(GBytes) raw = g_bytes_new_static(mail, sizeof(mail) - 1);
	LrParser *custom;

	g_hash_table_insert(aliases, "Firmenbezeichnung", "company");
	custom = parser_new(aliases, NULL);
	for (int round = 0; round < 2; round++) {
		g_autofree char *plain = memo_company(parser, raw);
		g_autofree char *taught = memo_company(custom, raw);

		g_assert_cmpstr(plain, ==, NULL);
		g_assert_cmpstr(taught, ==, "Acme AG");
	}
	parser_free(custom);
}

int main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	int status;

	g_test_init(&argc, &argv, NULL);
	parser = parser_new(NULL, &error);
	g_assert_no_error(error);
	g_test_add_func("/parser-full/all", test_full);
	g_test_add_func("/parser-full/memo", test_memo);
	status = g_test_run();
	parser_free(parser);
	return status;
}
