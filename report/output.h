/* output.h - a computed report written as text, CSV or JSON.
 *
 * Every format prints the same figures from the same cells (so the
 * numbers agree to the digit): counts, conversion in percent with one
 * decimal, amounts with two, durations in whole seconds (empty, "-" or
 * null when there is none).  Each row has its key, the figures of the
 * period and of the previous one (prev_* in CSV, "previous" in JSON) and
 * change_leads (leads now minus leads then).
 *
 * Field values are never trusted: text escapes control characters as
 * \xNN (and bidi overrides as \uNNNN), CSV quotes every cell and prefixes
 * cells that start with = + - @ TAB or CR with an apostrophe (OWASP CSV
 * injection), JSON escapes per RFC 8259.  CSV and JSON are streamed row by row. */
#ifndef LR_REPORT_OUTPUT_H
#define LR_REPORT_OUTPUT_H

#include <stdio.h>

#include "report/compute.h"

typedef enum { CELL_COUNT, CELL_PERCENT, CELL_MONEY, CELL_SECONDS } LrCellKind;

/* One figure of a row. */
typedef struct {
	const char *name;  /* "leads", "tta_median" ... */
	const char *title; /* the text table's column title */
	LrCellKind kind;
	double value;
	gboolean missing; /* no value (no samples, or no leads) */
} LrCell;

#define REPORT_N_CELLS 23

/* report_cells - the figures of f into cells (REPORT_N_CELLS). */
void report_cells(LrFigures *f, LrCell *cells);

/* report_cell_text - a cell's value as every format prints it ("" when
 * missing).  Returns a new string. */
char *report_cell_text(const LrCell *c);

/* report_clean_text - s with control characters as \xNN and invalid UTF-8
 * replaced, for terminals.  Returns a new string. */
char *report_clean_text(const char *s);

/* report_write_text / _csv / _json - the report to out. */
void report_write_text(LrReport *r, FILE *out);
void report_write_csv(LrReport *r, FILE *out);
void report_write_json(LrReport *r, FILE *out);

#endif
