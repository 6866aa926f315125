/* hours.c - working hours and durations: "Mon-Fri 09:00-17:00 Europe/Berlin", "1h30m". */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <libconfig.h>

#include "lead/lr-error.h"
#include "rules/lr-config.h"
#include "rules/suggest.h"
#include "rules/lr-config-int.h"

/* lr_config_duration - "4h", "1h30m", or seconds. */
gint64 lr_config_duration(const char *text)
{
	gint64 total = 0;
	const char *p = text;

	if (text == NULL || *text == '\0')
		return -1;
	while (*p) {
		char *end;
		guint64 n = g_ascii_strtoull(p, &end, 10);
		int unit;

		if (end == p || n > 1000000000)
			return -1;
		unit = *end == 's' || *end == '\0' ? 1
		       : *end == 'm'               ? 60
		       : *end == 'h'               ? 3600
		       : *end == 'd'               ? 86400
		       : *end == 'w'               ? 604800
		                                   : 0;
		if (unit == 0 || (*end == '\0' && p != text))
			return -1;
		total += (gint64)n * unit;
		p = *end ? end + 1 : end;
	}
	return total;
}

/* day_of - 0 (Mon) .. 6 (Sun) for a day name, or -1. */
static int day_of(const char *s, gsize n)
{
	static const char *const days[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

	for (int i = 0; i < 7; i++)
		if (n == 3 && g_ascii_strncasecmp(s, days[i], 3) == 0)
			return i;
	return -1;
}

/* parse_days - "Mon-Fri", "Mon,Wed,Fri", "Sat-Sun" as a day mask; 0 on error. */
static guint8 parse_days(const char *text)
{
	g_auto(GStrv) parts = g_strsplit(text, ",", -1);
	guint8 mask = 0;

	for (int i = 0; parts[i] != NULL; i++) {
		const char *dash = strchr(parts[i], '-');
		int a = day_of(parts[i], dash ? (gsize)(dash - parts[i]) : strlen(parts[i]));
		int b = dash ? day_of(dash + 1, strlen(dash + 1)) : a;

		if (a < 0 || b < 0)
			return 0;
		for (int d = a;; d = (d + 1) % 7) {
			mask |= 1u << d;
			if (d == b)
				break;
		}
	}
	return mask;
}

/* parse_span - "Mon-Fri 08:00-17:00 Europe/Berlin" into h.  Returns NULL,
 * or what is wrong. */
const char *parse_span(const char *text, LrHours *h)
{
	g_autofree char *copy = g_strstrip(g_strdup(text));
	g_auto(GStrv) w = g_strsplit_set(copy, " \t", -1);
	int a, b, c, d, n = 0;
	char tail;

	for (char **p = w; *p; p++)
		if (**p)
			w[n++] = *p;
		else
			g_free(*p);
	w[n] = NULL;
	if (n < 2 || n > 3)
		return "expected DAYS HH:MM-HH:MM [TIME_ZONE]";
	if ((h->days = parse_days(w[0])) == 0)
		return "days must be like Mon-Fri or Mon,Wed,Fri";
	if (sscanf(w[1], "%d:%d-%d:%d%c", &a, &b, &c, &d, &tail) != 4 || a > 24 || c > 24 ||
	    b > 59 || d > 59 || a < 0 || b < 0 || c < 0 || d < 0)
		return "times must be like 08:00-17:00";
	h->from = a * 60 + b;
	h->to = c * 60 + d;
	h->tz = n == 3 ? g_time_zone_new_identifier(w[2]) : g_time_zone_new_local();
	return h->tz ? NULL : "unknown time zone";
}

/* Zone offsets known over a span of time, per thread: a decision at
 * another second than the last (or with a new memo) finds its zones'
 * offsets here instead of by GLib's walk of each zone's transitions. */
#define ZONE_SPANS 16
#define ZONE_REACH ((gint64)400 * 86400) /* how far a span is sought either way */

typedef struct {
	GTimeZone *tz; /* a reference, so that the pointer stays this zone; NULL: empty */
	gint64 lo, hi; /* seconds in one interval of tz, inclusive */
	gint32 offset;
} ZoneSpan;

typedef struct {
	ZoneSpan span[ZONE_SPANS];
	guint next; /* the one to replace */
} ZoneSpans;

/* zone_spans_free - a thread's spans, at its end. */
static void zone_spans_free(gpointer p)
{
	ZoneSpans *z = p;

	for (guint i = 0; i < ZONE_SPANS; i++)
		g_clear_pointer(&z->span[i].tz, g_time_zone_unref);
	g_free(z);
}

static GPrivate zone_spans = G_PRIVATE_INIT(zone_spans_free);

/* span_edge - the farthest second from secs towards dir (1 or -1), within
 * ZONE_REACH, that is in interval iv of tz (intervals follow each other
 * in time, so every second between is in it too). */
static gint64 span_edge(GTimeZone *tz, int iv, gint64 secs, int dir)
{
	gint64 in = 0, out = -1;

	for (gint64 step = 3600; step <= ZONE_REACH; step *= 2) {
		if (g_time_zone_find_interval(tz, G_TIME_TYPE_UNIVERSAL, secs + dir * step) != iv) {
			out = step;
			break;
		}
		in = step;
	}
	while (out > 0 && out - in > 1) {
		gint64 mid = in + (out - in) / 2;
		if (g_time_zone_find_interval(tz, G_TIME_TYPE_UNIVERSAL, secs + dir * mid) == iv)
			in = mid;
		else
			out = mid;
	}
	return secs + dir * in;
}

/* zone_offset - tz's UTC offset at secs, from this thread's spans, or
 * found and remembered with the span of its interval. */
static gint32 zone_offset(GTimeZone *tz, gint64 secs)
{
	ZoneSpans *z = g_private_get(&zone_spans);
	ZoneSpan *s;
	int iv;

	if (z == NULL)
		g_private_set(&zone_spans, z = g_new0(ZoneSpans, 1));
	for (guint i = 0; i < ZONE_SPANS; i++)
		if (z->span[i].tz == tz && secs >= z->span[i].lo && secs <= z->span[i].hi)
			return z->span[i].offset;
	iv = g_time_zone_find_interval(tz, G_TIME_TYPE_UNIVERSAL, secs);
	if (iv < 0)
		return 0;
	s = &z->span[z->next];
	z->next = (z->next + 1) % ZONE_SPANS;
	g_clear_pointer(&s->tz, g_time_zone_unref);
	*s = (ZoneSpan){.tz = g_time_zone_ref(tz),
	                .lo = span_edge(tz, iv, secs, -1),
	                .hi = span_edge(tz, iv, secs, 1),
	                .offset = g_time_zone_get_offset(tz, iv)};
	return s->offset;
}

/* tz_offset - tz's UTC offset at secs, from memo when it has it, else from
 * zone_offset (a time zone's look-up walks its whole list of transitions). */
static gint32 tz_offset(GTimeZone *tz, gint64 secs, LrTzMemo *memo)
{
	gint32 offset;

	if (memo->secs != secs)
		memo->secs = secs, memo->n = 0;
	for (guint i = 0; i < memo->n; i++)
		if (memo->tz[i] == tz)
			return memo->offset[i];
	offset = zone_offset(tz, secs);
	if (memo->n < LR_TZ_MEMO_SIZE) {
		memo->tz[memo->n] = tz;
		memo->offset[memo->n++] = offset;
	}
	return offset;
}

/* local_minutes - day (0 Monday) and minute of day of now in tz. */
static void local_minutes(GTimeZone *tz, gint64 now, LrTzMemo *memo, int *day, int *min)
{
	gint64 secs = now / G_USEC_PER_SEC;
	gint64 local = secs + tz_offset(tz, secs, memo);
	gint64 days = local >= 0 ? local / 86400 : (local - 86399) / 86400;

	*day = (int)(((days + 3) % 7 + 7) % 7); /* 1970-01-01 was a Thursday */
	*min = (int)((local - days * 86400) / 60);
}

/* lr_config_user_in_hours - whether user works at now. */
gboolean lr_config_user_in_hours(const LrUser *user, gint64 now)
{
	LrTzMemo memo = LR_TZ_MEMO_INIT;

	return lr_config_user_in_hours_memo(user, now, &memo);
}

/* lr_config_user_in_hours_memo - whether user works at now, zones through memo. */
gboolean lr_config_user_in_hours_memo(const LrUser *user, gint64 now, LrTzMemo *memo)
{
	for (guint i = 0; user->hours && i < user->hours->len; i++) {
		const LrHours *h = &g_array_index(user->hours, LrHours, i);
		int day, min, yesterday;

		local_minutes(h->tz, now, memo, &day, &min);
		yesterday = (day + 6) % 7;
		if (h->from < h->to && (h->days & (1u << day)) && min >= h->from && min < h->to)
			return TRUE;
		if (h->from >= h->to && (((h->days & (1u << day)) && min >= h->from) ||
		                         ((h->days & (1u << yesterday)) && min < h->to)))
			return TRUE;
	}
	return user->hours == NULL || user->hours->len == 0;
}

/* lr_config_user_hours_start - see lr-config.h. */
gint64 lr_config_user_hours_start(const LrUser *user, gint64 now, LrTzMemo *memo)
{
	gint64 best = G_MAXINT64, minute = 60 * G_USEC_PER_SEC;

	if (lr_config_user_in_hours_memo(user, now, memo))
		return now;
	for (guint i = 0; i < user->hours->len; i++) {
		const LrHours *h = &g_array_index(user->hours, LrHours, i);
		int day, min;

		local_minutes(h->tz, now, memo, &day, &min);
		for (int d = 0; d <= 7; d++) {
			gint64 ahead = (gint64)d * 1440 + h->from - min;
			if ((h->days & (1u << ((day + d) % 7))) && ahead > 0) {
				best = MIN(best, now - now % minute + ahead * minute);
				break;
			}
		}
	}
	return best;
}
