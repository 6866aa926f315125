/* compute.h - report rows computed from lead summaries only.
 *
 * One row per key of the chosen view (source, campaign, user, team,
 * partner server, day, ISO week), each with the figures of the period
 * [since, until) and of the previous period of the same length, plus a
 * total row, the leads per day and the per-rep and per-partner rows the
 * HTML page draws.  Leads without a key fall in "(none)" so the rows add
 * up to the total (per user, a lead counts for every user it was offered
 * to).
 *
 * Durations: time to accept is arrival to the first ACCEPT, time to
 * contact arrival to the first CONTACTED, each in wall-clock seconds and in
 * the assignee's working hours (their `hours`; always when they have none).
 * The median of an even count is the mean of the two middle values; p90 is
 * the nearest-rank value (the ceil(0.9 n)-th smallest).
 *
 * SLA: a lead offered to someone breaches accept_within (the assignee's
 * workflow, else the global one; counted in working hours like the router's
 * deadline) when it was accepted later or is still not accepted after it;
 * the denominator is the offered leads whose outcome is known (accepted, or
 * the window has passed).  contact_within (when set) likewise for accepted
 * leads and CONTACTED.  Leads no user was offered (a partner server took
 * them) have no SLA here. */
#ifndef LR_REPORT_COMPUTE_H
#define LR_REPORT_COMPUTE_H

#include <glib.h>

#include "lead/summary.h"
#include "report/durations.h"
#include "rules/lr-config.h"

typedef enum {
	REPORT_BY_SOURCE,
	REPORT_BY_CAMPAIGN,
	REPORT_BY_USER,
	REPORT_BY_TEAM,
	REPORT_BY_SERVER,
	REPORT_BY_DAY,
	REPORT_BY_WEEK
} LrReportBy;

/* The time-to-accept bands of the histogram, in minutes: 0-5, 5-15,
 * 15-60, 60+. */
#define REPORT_N_BANDS 4

typedef struct {
	guint leads, accepted, rejected, forwarded, timeouts, recalled, contacted, won, lost;
	double won_amount;
	LrDurations tta, tta_work; /* time to accept, wall-clock and working */
	LrDurations ttc, ttc_work; /* time to contact */
	guint breaches, sla_total; /* accept_within */
	guint contact_breaches, contact_total; /* contact_within */
	guint bands[REPORT_N_BANDS];           /* time to accept (wall-clock) */
} LrFigures;

typedef struct {
	char *key;
	LrFigures cur, prev;
} LrReportRow;

typedef struct {
	LrReportBy by;
	gint64 since, until; /* µs; since 0 = from the start (no previous period) */
	gint64 now;          /* µs: the clock for open SLA windows */
	const LrConfig *cfg; /* users, teams, hours, deadlines; NULL = none */
	const char *team;    /* only leads of this team, or NULL */
} LrReportOptions;

typedef struct {
	LrReportOptions opt;
	GPtrArray *rows;    /* LrReportRow *, in key order (day/week: time order) */
	LrReportRow *total; /* every lead of the period */
	GPtrArray *days;    /* LrReportRow * per day of the period, in order */
	GPtrArray *reps;    /* LrReportRow * per user */
	GPtrArray *servers; /* LrReportRow * per partner server (federated leads only) */
	struct LrReportBuild *build; /* while summaries stream in; NULL after report_end */
} LrReport;

/* report_by_name - "source" ... for a view, and back (-1 when unknown). */
const char *report_by_name(LrReportBy by);
int report_by_parse(const char *name);

/* report_compute - the rows of summaries (LrSummary *, any order) for opt.
 * Returns a new report; free with report_free(). */
LrReport *report_compute(const GPtrArray *summaries, const LrReportOptions *opt);

/* report_begin / report_add / report_end - report_compute over a stream:
 * begin an empty report, add summaries one by one as they are read (only
 * the figures are kept, never the summary), end to sort the rows.  The
 * rows, total, days, reps and servers are set by report_end. */
LrReport *report_begin(const LrReportOptions *opt);
void report_add(LrReport *r, const LrSummary *s);
void report_end(LrReport *r);
void report_free(LrReport *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LrReport, report_free)

/* report_median / report_p90 - of seconds (as durations.h keeps them:
 * whole milliseconds), or -1 when a is empty. */
double report_median(GArray *a);
double report_p90(GArray *a);

/* report_working_secs - the seconds of user's working hours between from
 * and to (µs; at most 90 days are looked at); to - from when user is NULL
 * or has no hours. */
double report_working_secs(const LrUser *user, gint64 from, gint64 to);

/* report_team_of - the team of user id in cfg, or NULL. */
const char *report_team_of(const LrConfig *cfg, const char *user);

#endif
