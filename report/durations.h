/* durations.h - the durations of one report figure (time to accept, to
 * contact), kept compactly for the median and p90 of a million leads.
 *
 * A duration is kept in whole milliseconds (rounded): four bytes each up
 * to about 49 days, eight beyond.  The median of an even count is the
 * mean of the two middle values; p90 is the nearest-rank value (the
 * ceil(0.9 n)-th smallest). */
#ifndef LR_REPORT_DURATIONS_H
#define LR_REPORT_DURATIONS_H

#include <glib.h>

typedef struct {
	GArray *small;   /* guint32 ms, below G_MAXUINT32 */
	GArray *big;     /* gint64 ms, the rest */
	gboolean sorted; /* both sorted since the last add */
} LrDurations;

/* report_durations_init / _clear - an empty set; free its memory. */
void report_durations_init(LrDurations *d);
void report_durations_clear(LrDurations *d);

/* report_durations_add - one duration of secs seconds (>= 0). */
void report_durations_add(LrDurations *d, double secs);

/* report_durations_count - how many were added. */
guint report_durations_count(const LrDurations *d);

/* report_durations_median / _p90 - in seconds (sorting d), or -1 when d
 * is empty. */
double report_durations_median(LrDurations *d);
double report_durations_p90(LrDurations *d);

#endif
