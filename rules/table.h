/* table.h - look-up tables: CSV files loaded by name and keyed by a column.
 *
 * A table file is CSV as spreadsheets write it (RFC 4180): a header row,
 * fields separated by commas, fields in double quotes may hold commas,
 * newlines and doubled quotes ("").  UTF-8 (a byte-order mark is skipped),
 * LF or CRLF line ends, blank lines ignored.  Keys are matched without
 * regard to case or surrounding spaces ("ACME.example " finds
 * "acme.example"). */
#ifndef LR_TABLE_H
#define LR_TABLE_H

#include <glib.h>

typedef struct LrTable LrTable;

/* table_load - read the CSV file at path as table name, keyed by column key.
 * Problems in the file are appended to problems (when not NULL) as
 * "path:line: message" strings; a table with bad rows still loads the good
 * ones.  Returns a new table, or NULL with one message in problems (no
 * location: "cannot read PATH: why") when the file cannot be read, is not
 * UTF-8, or has no header or no such key column. */
LrTable *table_load(const char *name, const char *path, const char *key, GPtrArray *problems);

/* table_name / table_path - as loaded (borrowed). */
const char *table_name(const LrTable *table);
const char *table_path(const LrTable *table);

/* table_column - the index of the column called name (case-insensitive),
 * or -1. */
int table_column(const LrTable *table, const char *name);

/* table_columns - the header, NULL-terminated (borrowed). */
const char *const *table_columns(const LrTable *table);

/* table_n_rows - how many data rows. */
guint table_n_rows(const LrTable *table);

/* table_row - data row i (0-based), NULL-terminated, one cell per column
 * (borrowed). */
const char *const *table_row(const LrTable *table, guint i);

/* table_lookup - the row whose key cell equals key (see above), or NULL
 * when there is none (borrowed).  The first row wins for duplicate keys. */
const char *const *table_lookup(const LrTable *table, const char *key);

/* table_key_fold - the form keys are compared in: trimmed and case-folded.
 * Returns a new string. */
char *table_key_fold(const char *key);

void table_free(LrTable *table);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LrTable, table_free)

#endif
