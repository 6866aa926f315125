/* report.h - performance per lead source (campaign) or per user, from the
 * stored leads and their events. */
#ifndef LR_REPORT_REPORT_H
#define LR_REPORT_REPORT_H

#include <stdio.h>

#include <glib.h>

#include "queue/queue.h"

typedef enum { REPORT_BY_SOURCE, REPORT_BY_USER } LrReportBy;
typedef enum { REPORT_TEXT, REPORT_CSV, REPORT_JSON } LrReportFormat;

/* report_run - one row per source (or per user who was offered a lead):
 * leads, accepted, rejected, timed out, contacted, won, lost, the median
 * time from arrival to ACCEPT, and the amount won; leads received before
 * since (µs; 0 = all) are left out, and so are messages that are not
 * leads.  FALSE with LR_ERROR_TEMP when the store cannot be read. */
gboolean report_run(LrQueue *q, LrReportBy by, gint64 since, LrReportFormat format, FILE *out,
		    GError **error);

#endif
