/* output.c - text, CSV and JSON from the computed rows. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "report/output.h"

/* set_cell - fill one cell. */
static void set_cell(LrCell *c, const char *name, const char *title, LrCellKind kind, double value,
                     gboolean missing)
{
	c->name = name;
	c->title = title;
	c->kind = kind;
	c->value = value;
	c->missing = missing;
}

/* set_secs - a duration cell from a statistic (-1 = none). */
static void set_secs(LrCell *c, const char *name, const char *title, double v)
{
	set_cell(c, name, title, CELL_SECONDS, v, v < 0);
}

/* report_cells - the row's figures in their fixed order. */
void report_cells(LrFigures *f, LrCell *c)
{
	const guint counts[] = {f->leads,    f->accepted,  f->rejected, f->forwarded, f->timeouts,
	                        f->recalled, f->contacted, f->won,      f->lost};
	static const char *const names[] = {"leads",     "accepted", "rejected",
	                                    "forwarded", "timeouts", "recalled",
	                                    "contacted", "won",      "lost"};
	static const char *const titles[] = {"LEADS", "ACC", "REJ", "FWD", "TMO",
	                                     "RCL",   "CON", "WON", "LOST"};
	guint i;

	for (i = 0; i < G_N_ELEMENTS(counts); i++)
		set_cell(&c[i], names[i], titles[i], CELL_COUNT, counts[i], FALSE);
	set_cell(&c[i++], "conversion", "CONV%", CELL_PERCENT,
	         f->leads ? 100.0 * f->won / f->leads : 0, f->leads == 0);
	set_cell(&c[i++], "won_amount", "AMOUNT", CELL_MONEY, f->won_amount, FALSE);
	set_secs(&c[i++], "tta_median", "TTA-MED", report_durations_median(&f->tta));
	set_secs(&c[i++], "tta_p90", "TTA-P90", report_durations_p90(&f->tta));
	set_secs(&c[i++], "tta_work_median", "TTA-WH", report_durations_median(&f->tta_work));
	set_secs(&c[i++], "tta_work_p90", "TTA-WH90", report_durations_p90(&f->tta_work));
	set_secs(&c[i++], "ttc_median", "TTC-MED", report_durations_median(&f->ttc));
	set_secs(&c[i++], "ttc_p90", "TTC-P90", report_durations_p90(&f->ttc));
	set_secs(&c[i++], "ttc_work_median", "TTC-WH", report_durations_median(&f->ttc_work));
	set_secs(&c[i++], "ttc_work_p90", "TTC-WH90", report_durations_p90(&f->ttc_work));
	set_cell(&c[i++], "sla_breaches", "BREACH", CELL_COUNT, f->breaches, FALSE);
	set_cell(&c[i++], "sla_total", "SLA-N", CELL_COUNT, f->sla_total, FALSE);
	set_cell(&c[i++], "contact_breaches", "CBREACH", CELL_COUNT, f->contact_breaches, FALSE);
	set_cell(&c[i++], "contact_total", "CSLA-N", CELL_COUNT, f->contact_total, FALSE);
	g_assert(i == REPORT_N_CELLS);
}

/* report_cell_text - the one spelling of a value. */
char *report_cell_text(const LrCell *c)
{
	if (c->missing)
		return g_strdup("");
	switch (c->kind) {
	case CELL_PERCENT:
		return g_strdup_printf("%.1f", c->value);
	case CELL_MONEY:
		return g_strdup_printf("%.2f", c->value);
	case CELL_SECONDS:
		return g_strdup_printf("%.0f", floor(c->value + 0.5));
	default:
		return g_strdup_printf("%.0f", c->value);
	}
}

/* report_clean_text - printable text for a terminal. */
char *report_clean_text(const char *s)
{
	g_autofree char *valid = g_utf8_make_valid(s ? s : "", -1);
	GString *out = g_string_new(NULL);

	for (const char *p = valid; *p; p = g_utf8_next_char(p)) {
		gunichar ch = g_utf8_get_char(p);
		if (ch < 0x20 || ch == 0x7f || (ch >= 0x80 && ch < 0xa0) || ch == '\\')
			g_string_append_printf(out, ch == '\\' ? "\\\\" : "\\x%02x", ch);
		else if ((ch >= 0x202a && ch <= 0x202e) || (ch >= 0x2066 && ch <= 0x2069))
			g_string_append_printf(out, "\\u%04x", ch);
		else
			g_string_append_unichar(out, ch);
	}
	return g_string_free(out, FALSE);
}

/* change_leads - leads now minus leads in the previous period. */
static char *change_leads(const LrReportRow *r, const LrReport *rep)
{
	if (rep->opt.since == 0)
		return g_strdup("");
	return g_strdup_printf("%+d", (int)r->cur.leads - (int)r->prev.leads);
}

/* text_row - one line of the table. */
static void text_row(LrReportRow *r, const LrReport *rep, int width, FILE *out)
{
	LrCell cells[REPORT_N_CELLS], prev[REPORT_N_CELLS];
	g_autofree char *key = report_clean_text(r->key);
	g_autofree char *delta = change_leads(r, rep);
	glong pad = width - g_utf8_strlen(key, -1);

	report_cells(&r->cur, cells);
	report_cells(&r->prev, prev);
	fprintf(out, "%s%*s", key, (int)MAX(pad, 0), "");
	for (guint i = 0; i < REPORT_N_CELLS; i++) {
		g_autofree char *v = report_cell_text(&cells[i]);
		fprintf(out, " %*s", (int)MAX(strlen(cells[i].title), 5), *v ? v : "-");
	}
	fprintf(out, " %6u %6s\n", prev[0].value > 0 ? (guint)prev[0].value : 0,
	        *delta ? delta : "-");
}

/* report_write_text - an aligned table, the total last. */
void report_write_text(LrReport *r, FILE *out)
{
	LrCell cells[REPORT_N_CELLS];
	int width = 16;

	for (guint i = 0; i < r->rows->len; i++) {
		g_autofree char *key = report_clean_text(((LrReportRow *)r->rows->pdata[i])->key);
		width = MAX(width, (int)g_utf8_strlen(key, -1));
	}
	report_cells(&r->total->cur, cells);
	fprintf(out, "%-*s", width, report_by_name(r->opt.by));
	for (guint i = 0; i < REPORT_N_CELLS; i++)
		fprintf(out, " %*s", (int)MAX(strlen(cells[i].title), 5), cells[i].title);
	fprintf(out, " %6s %6s\n", "PREV", "CHANGE");
	for (guint i = 0; i < r->rows->len; i++)
		text_row(r->rows->pdata[i], r, width, out);
	text_row(r->total, r, width, out);
	fprintf(out, "(times in seconds; TTA/TTC = time to accept/contact, WH = working hours; "
	             "BREACH of SLA-N decided)\n");
}

/* csv_cell - one quoted cell, made inert for spreadsheets. */
static void csv_cell(const char *s, FILE *out)
{
	fputc('"', out);
	if (s[0] && strchr("=+-@\t\r", s[0]))
		fputc('\'', out);
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			fputc('"', out);
		fputc(*p, out);
	}
	fputc('"', out);
}

/* csv_figures - the cells of one period. */
static void csv_figures(LrFigures *f, FILE *out)
{
	LrCell cells[REPORT_N_CELLS];

	report_cells(f, cells);
	for (guint i = 0; i < REPORT_N_CELLS; i++) {
		g_autofree char *v = report_cell_text(&cells[i]);
		fprintf(out, ",%s", v);
	}
}

/* csv_row - one record. */
static void csv_row(LrReportRow *r, const LrReport *rep, FILE *out)
{
	g_autofree char *valid = g_utf8_make_valid(r->key, -1);
	g_autofree char *delta = change_leads(r, rep);

	csv_cell(valid, out);
	csv_figures(&r->cur, out);
	csv_figures(&r->prev, out);
	fprintf(out, ",%s\r\n", delta);
}

/* report_write_csv - RFC 4180 with a header; the total row last. */
void report_write_csv(LrReport *r, FILE *out)
{
	LrCell cells[REPORT_N_CELLS];

	report_cells(&r->total->cur, cells);
	fputs(report_by_name(r->opt.by), out);
	for (guint i = 0; i < REPORT_N_CELLS; i++)
		fprintf(out, ",%s", cells[i].name);
	for (guint i = 0; i < REPORT_N_CELLS; i++)
		fprintf(out, ",prev_%s", cells[i].name);
	fputs(",change_leads\r\n", out);
	for (guint i = 0; i < r->rows->len; i++)
		csv_row(r->rows->pdata[i], r, out);
	csv_row(r->total, r, out);
}

/* json_string - s as a JSON string (RFC 8259 escapes). */
static void json_string(const char *s, FILE *out)
{
	g_autofree char *valid = g_utf8_make_valid(s ? s : "", -1);

	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)valid; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(out, "\\u%04x", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

/* json_figures - the members of one period. */
static void json_figures(LrFigures *f, FILE *out)
{
	LrCell cells[REPORT_N_CELLS];

	report_cells(f, cells);
	for (guint i = 0; i < REPORT_N_CELLS; i++) {
		g_autofree char *v = report_cell_text(&cells[i]);
		fprintf(out, "%s\"%s\": %s", i ? ", " : "", cells[i].name, *v ? v : "null");
	}
}

/* json_row - one row object. */
static void json_row(LrReportRow *r, const LrReport *rep, FILE *out)
{
	g_autofree char *delta = change_leads(r, rep);

	fprintf(out, "{\"%s\": ", report_by_name(rep->opt.by));
	json_string(r->key, out);
	fputs(", ", out);
	json_figures(&r->cur, out);
	fputs(", \"previous\": {", out);
	json_figures(&r->prev, out);
	fprintf(out, "}, \"change_leads\": %s}", *delta ? delta + (*delta == '+') : "null");
}

/* report_write_json - {"by", "since", "until", "rows": [...], "total"}. */
void report_write_json(LrReport *r, FILE *out)
{
	g_autofree char *since = r->opt.since ? lead_time_format(r->opt.since) : NULL;
	g_autofree char *until = lead_time_format(r->opt.until);

	fprintf(out, "{\"by\": \"%s\", \"since\": ", report_by_name(r->opt.by));
	if (since)
		json_string(since, out);
	else
		fputs("null", out);
	fputs(", \"until\": ", out);
	json_string(until, out);
	fputs(",\n \"rows\": [", out);
	for (guint i = 0; i < r->rows->len; i++) {
		fputs(i ? ",\n  " : "\n  ", out);
		json_row(r->rows->pdata[i], r, out);
	}
	fputs("],\n \"total\": ", out);
	json_row(r->total, r, out);
	fputs("}\n", out);
}
