/* durations.c - compact duration samples and their median and p90. */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "report/durations.h"

/* report_durations_init - an empty set. */
void report_durations_init(LrDurations *d)
{
	d->small = g_array_new(FALSE, FALSE, sizeof(guint32));
	d->big = g_array_new(FALSE, FALSE, sizeof(gint64));
	d->sorted = TRUE;
}

/* report_durations_clear - free the samples. */
void report_durations_clear(LrDurations *d)
{
	g_clear_pointer(&d->small, g_array_unref);
	g_clear_pointer(&d->big, g_array_unref);
}

/* report_durations_add - one sample, rounded to the millisecond. */
void report_durations_add(LrDurations *d, double secs)
{
	double ms = floor(MAX(secs, 0) * 1000 + 0.5);

	if (ms < G_MAXUINT32) {
		guint32 v = (guint32)ms;
		g_array_append_val(d->small, v);
	} else {
		gint64 v = ms < 9e18 ? (gint64)ms : G_MAXINT64;
		g_array_append_val(d->big, v);
	}
	d->sorted = FALSE;
}

/* report_durations_count - the number of samples. */
guint report_durations_count(const LrDurations *d)
{
	return d->small->len + d->big->len;
}

/* cmp_u32 / cmp_i64 - qsort orders. */
static int cmp_u32(const void *a, const void *b)
{
	guint32 x = *(const guint32 *)a, y = *(const guint32 *)b;

	return x < y ? -1 : x > y;
}

static int cmp_i64(const void *a, const void *b)
{
	gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;

	return x < y ? -1 : x > y;
}

/* nth - the k-th smallest sample (from 0) in seconds; every small one is
 * below every big one. */
static double nth(LrDurations *d, guint k)
{
	if (!d->sorted) {
		/* An empty GArray's data may be NULL, which qsort may not get. */
		if (d->small->len > 1)
			qsort(d->small->data, d->small->len, sizeof(guint32), cmp_u32);
		if (d->big->len > 1)
			qsort(d->big->data, d->big->len, sizeof(gint64), cmp_i64);
		d->sorted = TRUE;
	}
	if (k < d->small->len)
		return g_array_index(d->small, guint32, k) / 1000.0;
	return (double)g_array_index(d->big, gint64, k - d->small->len) / 1000.0;
}

/* report_durations_median - the middle value (mean of the two middle). */
double report_durations_median(LrDurations *d)
{
	guint n = report_durations_count(d);

	if (n == 0)
		return -1;
	if (n % 2)
		return nth(d, n / 2);
	return (nth(d, n / 2 - 1) + nth(d, n / 2)) / 2;
}

/* report_durations_p90 - the nearest-rank 90th percentile. */
double report_durations_p90(LrDurations *d)
{
	guint n = report_durations_count(d), rank;

	if (n == 0)
		return -1;
	rank = (guint)ceil(0.9 * n);
	return nth(d, MAX(rank, 1) - 1);
}
