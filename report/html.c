/* html.c - the report as a self-contained HTML page with SVG charts. */
#include "config.h"

#include <string.h>

#include "report/html.h"
#include "report/output.h"

/* Cell indexes of report_cells() used by the page. */
enum {
	C_LEADS = 0,
	C_ACCEPTED = 1,
	C_CONTACTED = 6,
	C_WON = 7,
	C_CONV = 9,
	C_AMOUNT = 10,
	C_TTA = 11,
	C_BREACHES = 19,
	C_SLA_TOTAL = 20
};

/* Bar charts show at most this many rows, and SVG labels this many
 * characters. */
#define HTML_MAX_BARS 15
#define HTML_LABEL_CHARS 16

static const char css[] =
    "*{box-sizing:border-box}"
    "body{margin:0;padding:12px;font:14px/1.4 system-ui,sans-serif;color:#1f2933;"
    "background:#fff;max-width:960px;overflow-wrap:anywhere}"
    "h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:20px 0 6px}"
    ".p{color:#52606d;margin:0 0 12px}"
    ".tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:8px}"
    ".tile{border:1px solid #d9dee3;border-radius:6px;padding:8px;min-width:0}"
    ".k{font-size:12px;color:#52606d}.v{font-size:22px;font-weight:600}"
    ".d{font-size:12px;color:#52606d}"
    "svg{display:block;width:100%;height:auto;max-width:640px}"
    ".wrap{max-width:100%;overflow-x:auto}"
    "table{border-collapse:collapse;width:100%;font-size:12px}"
    "th,td{padding:3px 4px;border-bottom:1px solid #e4e7eb;text-align:right}"
    "th,td{white-space:nowrap;overflow-wrap:normal}"
    "th:first-child,td:first-child{text-align:left;white-space:normal;word-break:break-all}";

/* report_html_escape - safe text, cut to max characters. */
char *report_html_escape(const char *s, glong max)
{
	g_autofree char *valid = g_utf8_make_valid(s ? s : "", -1);
	GString *out = g_string_new(NULL);
	glong n = 0;

	for (const char *p = valid; *p; p = g_utf8_next_char(p), n++) {
		gunichar ch = g_utf8_get_char(p);
		if (max > 0 && n == max - 1 && p[1] && g_utf8_strlen(p, -1) > 1) {
			g_string_append(out, "\u2026");
			break;
		}
		if (ch < 0x20 || ch == 0x7f || (ch >= 0x80 && ch < 0xa0) ||
		    (ch >= 0x202a && ch <= 0x202e) || (ch >= 0x2066 && ch <= 0x2069))
			g_string_append(out, "\ufffd");
		else if (ch == '&')
			g_string_append(out, "&amp;");
		else if (ch == '<')
			g_string_append(out, "&lt;");
		else if (ch == '>')
			g_string_append(out, "&gt;");
		else if (ch == '"')
			g_string_append(out, "&quot;");
		else if (ch == '\'')
			g_string_append(out, "&#39;");
		else
			g_string_append_unichar(out, ch);
	}
	return g_string_free(out, FALSE);
}

/* change_text - "+3 (+25.0%) vs previous" of now against then (points for
 * a percentage); "no previous period" without one. */
static char *change_text(const LrCell *now, const LrCell *then, gboolean has_prev)
{
	double d = now->value - then->value;
	int digits = now->kind == CELL_MONEY ? 2 : now->kind == CELL_PERCENT ? 1 : 0;

	if (!has_prev)
		return g_strdup("no previous period");
	if (now->missing || then->missing)
		return g_strdup("previous: -");
	if (now->kind == CELL_PERCENT)
		return g_strdup_printf("%+.1f points vs previous", d);
	if (then->value == 0)
		return g_strdup_printf("%+.*f vs previous", digits, d);
	return g_strdup_printf("%+.*f (%+.1f%%) vs previous", digits, d, 100.0 * d / then->value);
}

/* tile - one KPI tile. */
static void tile(FILE *out, const char *id, const char *label, const LrCell *now,
                 const LrCell *then, gboolean has_prev, const char *unit)
{
	g_autofree char *v = report_cell_text(now);
	g_autofree char *d = change_text(now, then, has_prev);

	fprintf(out,
	        "<div class=\"tile\" id=\"tile-%s\"><div class=\"k\">%s</div>"
	        "<div class=\"v\">%s%s</div><div class=\"d\">%s</div></div>\n",
	        id, label, *v ? v : "-", *v ? unit : "", d);
}

/* tiles - the KPI tiles of the total. */
static void tiles(LrReport *r, FILE *out)
{
	LrCell c[REPORT_N_CELLS], p[REPORT_N_CELLS];
	gboolean has_prev = r->opt.since != 0;
	g_autofree char *sla = NULL;

	report_cells(&r->total->cur, c);
	report_cells(&r->total->prev, p);
	fputs("<div class=\"tiles\">\n", out);
	tile(out, "leads", "Leads", &c[C_LEADS], &p[C_LEADS], has_prev, "");
	tile(out, "accepted", "Accepted", &c[C_ACCEPTED], &p[C_ACCEPTED], has_prev, "");
	tile(out, "contacted", "Contacted", &c[C_CONTACTED], &p[C_CONTACTED], has_prev, "");
	tile(out, "won", "Won", &c[C_WON], &p[C_WON], has_prev, "");
	tile(out, "conversion", "Conversion", &c[C_CONV], &p[C_CONV], has_prev, " %");
	tile(out, "won_amount", "Won amount", &c[C_AMOUNT], &p[C_AMOUNT], has_prev, "");
	tile(out, "tta_median", "Median time to accept", &c[C_TTA], &p[C_TTA], has_prev, " s");
	sla = g_strdup_printf("SLA breaches (of %.0f)", c[C_SLA_TOTAL].value);
	tile(out, "sla_breaches", sla, &c[C_BREACHES], &p[C_BREACHES], has_prev, "");
	fputs("</div>\n", out);
}

/* One bar of a chart. */
typedef struct {
	const char *label;
	double value;
	const char *note; /* shown after the bar, or NULL for the value */
} Bar;

/* hbars - horizontal bars, labels on the left. */
static void hbars(FILE *out, const char *title, const Bar *bars, guint n, const char *fill)
{
	double max = 1;

	for (guint i = 0; i < n; i++)
		max = MAX(max, bars[i].value);
	fprintf(out, "<svg viewBox=\"0 0 360 %u\" role=\"img\" aria-label=\"%s\">\n", 8 + n * 24,
	        title);
	for (guint i = 0; i < n; i++) {
		g_autofree char *label = report_html_escape(bars[i].label, HTML_LABEL_CHARS);
		g_autofree char *note = bars[i].note ? report_html_escape(bars[i].note, 0)
		                                     : g_strdup_printf("%.0f", bars[i].value);
		double w = 130.0 * bars[i].value / max;
		fprintf(out,
		        "<text x=\"0\" y=\"%u\" font-size=\"12\">%s</text>"
		        "<rect x=\"112\" y=\"%u\" width=\"%.1f\" height=\"16\" fill=\"%s\"/>"
		        "<text x=\"%.1f\" y=\"%u\" font-size=\"12\">%s</text>\n",
		        20 + i * 24, label, 8 + i * 24, w, fill, 116 + w, 20 + i * 24, note);
	}
	fputs("</svg>\n", out);
}

/* funnel - leads, accepted, contacted, won with the share of leads. */
static void funnel(LrReport *r, FILE *out)
{
	const LrFigures *f = &r->total->cur;
	const guint v[] = {f->leads, f->accepted, f->contacted, f->won};
	static const char *const names[] = {"Leads", "Accepted", "Contacted", "Won"};
	char notes[4][48];
	Bar bars[4];

	for (guint i = 0; i < 4; i++) {
		g_snprintf(notes[i], sizeof(notes[i]), "%u (%.1f%%)", v[i],
		           f->leads ? 100.0 * v[i] / f->leads : 0.0);
		bars[i] = (Bar){names[i], v[i], notes[i]};
	}
	fputs("<h2>Funnel</h2>\n", out);
	hbars(out, "Funnel", bars, 4, "#3e7bfa");
}

/* histogram - time to accept in SLA bands. */
static void histogram(LrReport *r, FILE *out)
{
	static const char *const bands[REPORT_N_BANDS] = {"0\u20135 min", "5\u201315 min",
	                                                  "15\u201360 min", "60+ min"};
	static const char *const fills[REPORT_N_BANDS] = {"#1a7f37", "#7cb305", "#d48806",
	                                                  "#b42318"};
	const guint *n = r->total->cur.bands;
	guint max = 1;

	for (guint i = 0; i < REPORT_N_BANDS; i++)
		max = MAX(max, n[i]);
	fputs("<h2>Time to accept</h2>\n<svg viewBox=\"0 0 360 150\" role=\"img\" "
	      "aria-label=\"Time to accept\">\n",
	      out);
	for (guint i = 0; i < REPORT_N_BANDS; i++) {
		double h = 100.0 * n[i] / max;
		fprintf(out,
		        "<rect x=\"%u\" y=\"%.1f\" width=\"70\" height=\"%.1f\" fill=\"%s\"/>"
		        "<text x=\"%u\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\">%u"
		        "</text><text x=\"%u\" y=\"144\" font-size=\"12\" "
		        "text-anchor=\"middle\">%s</text>\n",
		        10 + i * 88, 120 - h, h, fills[i], 45 + i * 88, 116 - h, n[i], 45 + i * 88,
		        bands[i]);
	}
	fputs("</svg>\n", out);
}

/* row_bars - one bar per row (leads, with won in the note). */
static void row_bars(FILE *out, const char *title, GPtrArray *rows, const char *fill)
{
	guint n = MIN(rows->len, HTML_MAX_BARS);
	g_autofree Bar *bars = g_new0(Bar, MAX(n, 1));
	g_autoptr(GPtrArray) notes = g_ptr_array_new_with_free_func(g_free);

	fprintf(out, "<h2>%s</h2>\n", title);
	if (rows->len == 0) {
		fputs("<p class=\"p\">None in this period.</p>\n", out);
		return;
	}
	for (guint i = 0; i < n; i++) {
		const LrReportRow *row = rows->pdata[i];
		char *note = g_strdup_printf("%u leads, %u won", row->cur.leads, row->cur.won);
		g_ptr_array_add(notes, note);
		bars[i] = (Bar){row->key, row->cur.leads, note};
	}
	hbars(out, title, bars, n, fill);
	if (rows->len > n)
		fprintf(out, "<p class=\"p\">and %u more (see the table).</p>\n", rows->len - n);
}

/* per_day - a column per day. */
static void per_day(LrReport *r, FILE *out)
{
	GPtrArray *days = r->days;
	guint max = 1;
	double w;

	fputs("<h2>Leads per day</h2>\n", out);
	if (days->len == 0) {
		fputs("<p class=\"p\">None in this period.</p>\n", out);
		return;
	}
	for (guint i = 0; i < days->len; i++)
		max = MAX(max, ((LrReportRow *)days->pdata[i])->cur.leads);
	w = 340.0 / days->len;
	fprintf(out,
	        "<svg viewBox=\"0 0 360 140\" role=\"img\" aria-label=\"Leads per day\">\n"
	        "<text x=\"0\" y=\"12\" font-size=\"11\">max %u</text>\n",
	        max);
	for (guint i = 0; i < days->len; i++) {
		const LrReportRow *d = days->pdata[i];
		double h = 96.0 * d->cur.leads / max;
		fprintf(out,
		        "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" "
		        "fill=\"#3e7bfa\"><title>%s: %u</title></rect>\n",
		        10 + i * w, 116 - h, MAX(w - 1, 0.5), h, d->key, d->cur.leads);
	}
	fprintf(out,
	        "<text x=\"10\" y=\"134\" font-size=\"11\">%s</text>"
	        "<text x=\"350\" y=\"134\" font-size=\"11\" text-anchor=\"end\">%s</text>\n"
	        "</svg>\n",
	        ((LrReportRow *)days->pdata[0])->key,
	        ((LrReportRow *)days->pdata[days->len - 1])->key);
}

/* html_table_row - one row of the view's table. */
static void html_table_row(FILE *out, LrReportRow *row, const char *tag)
{
	static const guint cols[] = {C_LEADS, C_ACCEPTED, C_WON, C_CONV, C_TTA, C_BREACHES};
	LrCell c[REPORT_N_CELLS];
	g_autofree char *key = report_html_escape(row->key, 60);

	report_cells(&row->cur, c);
	fprintf(out, "<tr><%s>%s</%s>", tag, key, tag);
	for (guint i = 0; i < G_N_ELEMENTS(cols); i++) {
		g_autofree char *v = report_cell_text(&c[cols[i]]);
		fprintf(out, "<%s>%s</%s>", tag, *v ? v : "-", tag);
	}
	fputs("</tr>\n", out);
}

/* table - the rows of the chosen view. */
static void html_table(LrReport *r, FILE *out)
{
	fprintf(out,
	        "<h2>By %s</h2>\n<div class=\"wrap\"><table>\n<thead><tr><th>%s</th>"
	        "<th>Leads</th><th>Acc.</th><th>Won</th><th>Conv.&nbsp;%%</th>"
	        "<th>TTA&nbsp;s</th><th>SLA</th></tr></thead>\n<tbody>\n",
	        report_by_name(r->opt.by), report_by_name(r->opt.by));
	for (guint i = 0; i < r->rows->len; i++)
		html_table_row(out, r->rows->pdata[i], "td");
	fputs("</tbody>\n<tfoot>\n", out);
	html_table_row(out, r->total, "th");
	fputs("</tfoot></table></div>\n", out);
}

/* period_text - "2026-11-01T00:00:00Z to ...". */
static char *period_text(const LrReport *r)
{
	g_autofree char *since =
	    r->opt.since ? lead_time_format(r->opt.since) : g_strdup("the start");
	g_autofree char *until = lead_time_format(r->opt.until);

	return g_strdup_printf("Leads received from %s to %s%s", since, until,
	                       r->opt.since ? ", against the period of the same length before"
	                                    : "");
}

/* report_write_html - the whole page. */
void report_write_html(LrReport *r, FILE *out)
{
	g_autofree char *period = period_text(r);
	g_autofree char *team = r->opt.team ? report_html_escape(r->opt.team, 60) : NULL;

	fprintf(out,
	        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	        "<title>Lead report</title>\n<style>%s</style>\n</head>\n<body>\n"
	        "<h1>Lead report%s%s</h1>\n<p class=\"p\">%s</p>\n",
	        css, team ? ": team " : "", team ? team : "", period);
	tiles(r, out);
	funnel(r, out);
	histogram(r, out);
	row_bars(out, "Per rep", r->reps, "#6554c0");
	row_bars(out, "Per partner", r->servers, "#00875a");
	per_day(r, out);
	html_table(r, out);
	fputs("</body>\n</html>\n", out);
}
