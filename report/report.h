/* report.h - `leadroute report`: performance per source, campaign, user,
 * team, partner server, day or week, from lead summaries.
 *
 * The store keeps a summary of each lead (lead/summary.h), written with
 * the lead: a report reads the summaries of its period only, the rows are
 * computed from them (compute.h),
 * and every format is written from the same rows (output.h, html.h). */
#ifndef LR_REPORT_REPORT_H
#define LR_REPORT_REPORT_H

#include <stdio.h>

#include <glib.h>

#include "queue/queue.h"
#include "report/compute.h"

typedef enum { REPORT_TEXT, REPORT_CSV, REPORT_JSON, REPORT_HTML } LrReportFormat;

/* report_summaries - the summaries (LrSummary *) of the leads received in
 * [from, until) (from 0: since the start), each with its assignee's team
 * from cfg (may be NULL).  Reads the stored summaries of the period.  NULL with
 * LR_ERROR_TEMP when the store cannot be read. */
GPtrArray *report_summaries(LrQueue *q, const LrConfig *cfg, gint64 from, gint64 until,
                            GError **error);

/* report_run - read the summaries opt needs (the period and the one
 * before), compute the rows and write them to out in format.  FALSE with
 * LR_ERROR_TEMP when the store cannot be read. */
gboolean report_run(LrQueue *q, const LrReportOptions *opt, LrReportFormat format, FILE *out,
                    GError **error);

#endif
