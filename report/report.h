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
 * from cfg (may be NULL), all in memory (for bench/report-bench; reports
 * use report_read).  NULL with LR_ERROR_TEMP when the store cannot be
 * read. */
GPtrArray *report_summaries(LrQueue *q, const LrConfig *cfg, gint64 from, gint64 until,
                            GError **error);

/* report_read - the report of opt: the summaries of the period and the
 * one before, each added to the rows as it is read and then dropped, so
 * that memory goes with the rows and durations, not the leads.  NULL with
 * LR_ERROR_TEMP when the store cannot be read. */
LrReport *report_read(LrQueue *q, const LrReportOptions *opt, GError **error);

/* report_run - read the summaries opt needs (the period and the one
 * before), compute the rows and write them to out in format.  FALSE with
 * LR_ERROR_TEMP when the store cannot be read. */
gboolean report_run(LrQueue *q, const LrReportOptions *opt, LrReportFormat format, FILE *out,
                    GError **error);

#endif
