/* table.c - CSV look-up tables (RFC 4180), keyed by one column. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "rules/table.h"

/* Tables are read whole; anything larger is a mistake, not a table. */
#define TABLE_MAX_BYTES (256 * 1024 * 1024)

struct LrTable {
	char *name;
	char *path;
	char **columns; /* header, NULL-terminated */
	guint ncols;
	GPtrArray *rows;   /* char ** (NULL-terminated), g_strfreev */
	GHashTable *index; /* folded key -> char ** (borrowed from rows) */
};

/* A CSV reader over one buffer. */
typedef struct {
	const char *p;
	const char *end;
	int line; /* line of p, from 1 */
	const char *path;
	GPtrArray *problems;
} CsvReader;

/* csv_problem - note a problem at line. */
static void csv_problem(CsvReader *rd, int line, const char *message)
{
	if (rd->problems != NULL)
		g_ptr_array_add(rd->problems,
		                g_strdup_printf("%s:%d: %s", rd->path, line, message));
}

/* csv_quoted - read a quoted field after its opening quote into out.
 * Returns FALSE when the file ends inside the quotes. */
static gboolean csv_quoted(CsvReader *rd, GString *out)
{
	while (rd->p < rd->end) {
		char c = *rd->p++;

		if (c == '"' && rd->p < rd->end && *rd->p == '"') {
			g_string_append_c(out, '"');
			rd->p++;
		} else if (c == '"') {
			return TRUE;
		} else {
			if (c == '\n')
				rd->line++;
			g_string_append_c(out, c);
		}
	}
	return FALSE;
}

/* csv_field - read one field; *last is set when it ended its record.
 * Returns FALSE (with a problem noted) on an unterminated quote. */
static gboolean csv_field(CsvReader *rd, GString *out, gboolean *last)
{
	int start = rd->line;

	g_string_truncate(out, 0);
	if (rd->p < rd->end && *rd->p == '"') {
		rd->p++;
		if (!csv_quoted(rd, out)) {
			csv_problem(rd, start, "quoted field never ends");
			return FALSE;
		}
	}
	while (rd->p < rd->end && *rd->p != ',' && *rd->p != '\n') {
		if (*rd->p != '\r')
			g_string_append_c(out, *rd->p);
		rd->p++;
	}
	*last = rd->p >= rd->end || *rd->p == '\n';
	if (rd->p < rd->end) {
		if (*rd->p == '\n')
			rd->line++;
		rd->p++;
	}
	return TRUE;
}

/* csv_record - read the next non-blank record.  Returns its cells
 * (NULL-terminated, new) and its first line in *line, or NULL at the end
 * or on an unterminated quote. */
static char **csv_record(CsvReader *rd, int *line)
{
	g_autoptr(GString) cell = g_string_new(NULL);
	GPtrArray *cells;
	gboolean last = FALSE;

	while (rd->p < rd->end && (*rd->p == '\n' || *rd->p == '\r')) {
		if (*rd->p == '\n')
			rd->line++;
		rd->p++;
	}
	if (rd->p >= rd->end)
		return NULL;
	*line = rd->line;
	cells = g_ptr_array_new_with_free_func(g_free);
	while (!last) {
		if (!csv_field(rd, cell, &last)) {
			g_ptr_array_free(cells, TRUE);
			rd->p = rd->end;
			return NULL;
		}
		g_ptr_array_add(cells, g_strdup(g_strstrip(cell->str)));
	}
	g_ptr_array_set_free_func(cells, NULL);
	g_ptr_array_add(cells, NULL);
	return (char **)g_ptr_array_free(cells, FALSE);
}

/* table_key_fold - trimmed, case-folded key. */
char *table_key_fold(const char *key)
{
	g_autofree char *copy = g_strstrip(g_strdup(key ? key : ""));

	for (const char *s = copy; *s; s++)
		if ((guchar)*s >= 0x80)
			return g_utf8_casefold(copy, -1);
	return g_ascii_strdown(copy, -1);
}

/* table_read_text - the file's text, checked for size and UTF-8, BOM
 * skipped.  Returns a new string, or NULL with a problem noted. */
static char *table_read_text(const char *path, GPtrArray *problems, gsize *len)
{
	g_autoptr(GError) error = NULL;
	char *text = NULL;

	if (g_access(path, R_OK) != 0) {
		g_ptr_array_add(problems,
		                g_strdup_printf("cannot read %s: %s", path, g_strerror(errno)));
		return NULL;
	}
	if (!g_file_get_contents(path, &text, len, &error)) {
		g_ptr_array_add(problems, g_strdup_printf("cannot read %s", error->message));
		return NULL;
	}
	if (*len > TABLE_MAX_BYTES || !g_utf8_validate(text, *len, NULL)) {
		g_ptr_array_add(problems,
		                g_strdup_printf("%s is %s", path,
		                                *len > TABLE_MAX_BYTES ? "too large for a table"
		                                                       : "not UTF-8 text"));
		g_free(text);
		return NULL;
	}
	return text;
}

/* table_add_row - keep one data row and index it by its key cell. */
static void table_add_row(LrTable *t, CsvReader *rd, char **cells, int line, int key)
{
	guint n = g_strv_length(cells);
	char *folded;

	if (n != t->ncols) {
		g_autofree char *msg = g_strdup_printf("%u fields, the header has %u", n, t->ncols);
		csv_problem(rd, line, msg);
		g_strfreev(cells);
		return;
	}
	g_ptr_array_add(t->rows, cells);
	folded = table_key_fold(cells[key]);
	if (g_hash_table_contains(t->index, folded)) {
		g_autofree char *msg =
		    g_strdup_printf("key '%s' appears again (the first row wins)", cells[key]);
		csv_problem(rd, line, msg);
		g_free(folded);
		return;
	}
	g_hash_table_insert(t->index, folded, cells);
}

/* table_new_empty - a table with no header yet. */
static LrTable *table_new_empty(const char *name, const char *path)
{
	LrTable *t = g_new0(LrTable, 1);

	t->name = g_strdup(name);
	t->path = g_strdup(path);
	t->rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
	t->index = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	return t;
}

/* table_load - read a CSV table. */
LrTable *table_load(const char *name, const char *path, const char *key, GPtrArray *problems)
{
	g_autoptr(GPtrArray) sink = g_ptr_array_new_with_free_func(g_free);
	GPtrArray *out = problems ? problems : sink;
	g_autofree char *text = NULL;
	g_autoptr(LrTable) t = NULL;
	CsvReader rd = {0};
	gsize len = 0;
	char **cells;
	int line, kcol;

	if ((text = table_read_text(path, out, &len)) == NULL)
		return NULL;
	rd = (CsvReader){.p = text, .end = text + len, .line = 1, .path = path, .problems = out};
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		rd.p += 3;
	t = table_new_empty(name, path);
	if ((t->columns = csv_record(&rd, &line)) == NULL) {
		g_ptr_array_add(out, g_strdup_printf("%s has no header row", path));
		return NULL;
	}
	t->ncols = g_strv_length(t->columns);
	if ((kcol = table_column(t, key)) < 0) {
		g_autofree char *cols = g_strjoinv(", ", t->columns);
		g_ptr_array_add(out, g_strdup_printf("no key column '%s' in %s (its columns: %s)",
		                                     key, path, cols));
		return NULL;
	}
	while ((cells = csv_record(&rd, &line)) != NULL)
		table_add_row(t, &rd, cells, line, kcol);
	return g_steal_pointer(&t);
}

/* table_name - the table's name. */
const char *table_name(const LrTable *table)
{
	return table->name;
}

/* table_path - the file read. */
const char *table_path(const LrTable *table)
{
	return table->path;
}

/* table_column - a column's index. */
int table_column(const LrTable *table, const char *name)
{
	for (guint i = 0; i < table->ncols; i++)
		if (g_ascii_strcasecmp(table->columns[i], name) == 0)
			return (int)i;
	return -1;
}

/* table_columns - the header. */
const char *const *table_columns(const LrTable *table)
{
	return (const char *const *)table->columns;
}

/* table_n_rows - the number of rows. */
guint table_n_rows(const LrTable *table)
{
	return table->rows->len;
}

/* table_row - one row. */
const char *const *table_row(const LrTable *table, guint i)
{
	return i < table->rows->len ? g_ptr_array_index(table->rows, i) : NULL;
}

/* table_lookup - the row for key. */
const char *const *table_lookup(const LrTable *table, const char *key)
{
	char buf[128];
	gsize n = key ? strlen(key) : 0;
	g_autofree char *folded = NULL;
	gboolean simple = n < sizeof(buf) && n > 0 && key[0] != ' ' && key[n - 1] != ' ';

	/* Fast path: short ASCII keys fold on the stack. */
	for (gsize i = 0; simple && i < n; i++) {
		if ((guchar)key[i] >= 0x80)
			simple = FALSE;
		buf[i] = key[i] >= 'A' && key[i] <= 'Z' ? (char)(key[i] + 'a' - 'A') : key[i];
	}
	if (simple) {
		buf[n] = '\0';
		return g_hash_table_lookup(table->index, buf);
	}
	folded = table_key_fold(key);
	return g_hash_table_lookup(table->index, folded);
}

/* table_free - destroy a table. */
void table_free(LrTable *table)
{
	if (table == NULL)
		return;
	g_free(table->name);
	g_free(table->path);
	g_strfreev(table->columns);
	g_hash_table_destroy(table->index);
	g_ptr_array_free(table->rows, TRUE);
	g_free(table);
}
