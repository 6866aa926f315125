/* report.c - `leadroute report`: the stored summaries of the period (no
 * lead or event is decoded) streamed into the rows, then output. */
#include "config.h"

#include "report/html.h"
#include "report/output.h"
#include "report/report.h"
#include "lead/summary.h"

typedef struct {
	const LrConfig *cfg;
	GPtrArray *out; /* LrSummary * */
} Scan;

/* scan_summary - keep one lead's stored summary, with its assignee's
 * team. */
static gboolean scan_summary(LrSummary *summary, gpointer data)
{
	Scan *s = data;

	if (!summary->is_lead) {
		summary_free(summary);
		return TRUE;
	}
	summary->team = g_strdup(report_team_of(s->cfg, summary->assignee));
	g_ptr_array_add(s->out, summary);
	return TRUE;
}

/* report_summaries - the stored summaries of the window. */
GPtrArray *report_summaries(LrQueue *q, const LrConfig *cfg, gint64 from, gint64 until,
                            GError **error)
{
	Scan s = {cfg, g_ptr_array_new_with_free_func((GDestroyNotify)summary_free)};

	if (!queue_summaries_foreach(q, from, until, scan_summary, &s, error)) {
		g_ptr_array_unref(s.out);
		return NULL;
	}
	return s.out;
}

typedef struct {
	const LrConfig *cfg;
	LrReport *rep;
} Stream;

/* stream_summary - one stored summary (borrowed) into the report. */
static gboolean stream_summary(LrSummary *summary, gpointer data)
{
	Stream *s = data;

	if (summary->is_lead) {
		g_free(summary->team);
		summary->team = g_strdup(report_team_of(s->cfg, summary->assignee));
		report_add(s->rep, summary);
	}
	return TRUE;
}

/* report_read - the report of opt, streaming the period's summaries. */
LrReport *report_read(LrQueue *q, const LrReportOptions *opt, GError **error)
{
	gint64 from = opt->since ? opt->since - (opt->until - opt->since) : 0;
	Stream s = {opt->cfg, report_begin(opt)};

	if (!queue_summaries_scan(q, MAX(from, 0), opt->until, stream_summary, &s, error)) {
		report_free(s.rep);
		return NULL;
	}
	report_end(s.rep);
	return s.rep;
}

/* report_run - read, compute, write. */
gboolean report_run(LrQueue *q, const LrReportOptions *opt, LrReportFormat format, FILE *out,
                    GError **error)
{
	g_autoptr(LrReport) rep = report_read(q, opt, error);

	if (rep == NULL)
		return FALSE;
	if (format == REPORT_CSV)
		report_write_csv(rep, out);
	else if (format == REPORT_JSON)
		report_write_json(rep, out);
	else if (format == REPORT_HTML)
		report_write_html(rep, out);
	else
		report_write_text(rep, out);
	return TRUE;
}
