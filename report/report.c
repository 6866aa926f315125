/* report.c - `leadroute report`: one scan of the store into summaries,
 * then rows and output. */
#include "config.h"

#include "report/html.h"
#include "report/output.h"
#include "report/report.h"
#include "lead/summary.h"

typedef struct {
	LrQueue *q;
	const LrConfig *cfg;
	gint64 from, until;
	GPtrArray *out; /* LrSummary * */
	GError *error;
} Scan;

/* scan_lead - summarise one lead of the window. */
static gboolean scan_lead(const LrLead *lead, gpointer data)
{
	Scan *s = data;
	g_autoptr(GPtrArray) events = NULL;
	LrSummary *sum;

	if (!lead->is_lead || lead->received < s->from || lead->received >= s->until)
		return TRUE;
	if ((events = queue_events(s->q, lead->id, &s->error)) == NULL)
		return FALSE;
	sum = summary_new(lead, events);
	sum->team = g_strdup(report_team_of(s->cfg, sum->assignee));
	g_ptr_array_add(s->out, sum);
	return TRUE;
}

/* report_summaries - one pass over the leads. */
GPtrArray *report_summaries(LrQueue *q, const LrConfig *cfg, gint64 from, gint64 until,
                            GError **error)
{
	Scan s = {
	    q,   cfg, from, until, g_ptr_array_new_with_free_func((GDestroyNotify)summary_free),
	    NULL};

	if (!queue_leads_foreach(q, scan_lead, &s, error) || s.error != NULL) {
		if (s.error)
			g_propagate_error(error, s.error);
		g_ptr_array_unref(s.out);
		return NULL;
	}
	return s.out;
}

/* report_run - scan, compute, write. */
gboolean report_run(LrQueue *q, const LrReportOptions *opt, LrReportFormat format, FILE *out,
                    GError **error)
{
	gint64 from = opt->since ? opt->since - (opt->until - opt->since) : 0;
	g_autoptr(GPtrArray) sums = report_summaries(q, opt->cfg, MAX(from, 0), opt->until, error);
	g_autoptr(LrReport) rep = NULL;

	if (sums == NULL)
		return FALSE;
	rep = report_compute(sums, opt);
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
