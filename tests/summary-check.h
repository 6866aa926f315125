/* summary-check.h - for the tests that store leads: every stored summary
 * (folded event by event as the leads changed) equals the one rebuilt
 * from the lead and all its events. */
#ifndef LR_TESTS_SUMMARY_CHECK_H
#define LR_TESTS_SUMMARY_CHECK_H

#include <glib.h>

#include "lead/summary.h"
#include "queue/queue.h"

/* check_summaries_folded - assert it for leads 1..last id; returns how
 * many leads were compared. */
static inline guint check_summaries_folded(LrQueue *q)
{
	guint64 n = queue_lead_count(q, NULL), seen = 0;

	for (guint64 id = 1; seen < n && id < n + 100000; id++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(LrSummary) stored = queue_summary_get(q, id, &error);
		g_autoptr(LrSummary) rebuilt = NULL;
		g_autoptr(GBytes) a = NULL, b = NULL;

		g_assert_no_error(error);
		rebuilt = queue_summary_rebuilt(q, id, &error);
		g_assert_no_error(error);
		if (rebuilt == NULL) {
			g_assert_null(stored);
			continue;
		}
		seen++;
		g_assert_nonnull(stored);
		a = summary_serialize(stored);
		b = summary_serialize(rebuilt);
		if (!g_bytes_equal(a, b))
			g_error("lead %" G_GUINT64_FORMAT ": folded summary differs from rebuilt", id);
	}
	return (guint)seen;
}

#endif
