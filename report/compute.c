/* compute.c - report rows from lead summaries. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/compute.h"
#include "report/zones.h"

static const char *const by_names[] = {"source", "campaign", "user", "team",
                                       "server", "day",      "week"};

/* report_by_name - the name of a view. */
const char *report_by_name(LrReportBy by)
{
	return (guint)by < G_N_ELEMENTS(by_names) ? by_names[by] : "?";
}

/* report_by_parse - the view called name, or -1. */
int report_by_parse(const char *name)
{
	for (guint i = 0; name != NULL && i < G_N_ELEMENTS(by_names); i++)
		if (strcmp(name, by_names[i]) == 0)
			return (int)i;
	return -1;
}

/* from_doubles - a GArray of seconds as durations. */
static void from_doubles(LrDurations *d, const GArray *a)
{
	report_durations_init(d);
	for (guint i = 0; i < a->len; i++)
		report_durations_add(d, g_array_index(a, double, i));
}

/* report_median - the middle value (mean of the two middle ones). */
double report_median(GArray *a)
{
	LrDurations d;
	double v;

	from_doubles(&d, a);
	v = report_durations_median(&d);
	report_durations_clear(&d);
	return v;
}

/* report_p90 - the nearest-rank 90th percentile. */
double report_p90(GArray *a)
{
	LrDurations d;
	double v;

	from_doubles(&d, a);
	v = report_durations_p90(&d);
	report_durations_clear(&d);
	return v;
}

/* next_change - the earliest time after t (µs) at which user's in-hours
 * state can change: a span's edge or local midnight in its zone; when a
 * zone's offset differs there from t's (a transition lies between), the
 * next whole UTC hour instead (zone offsets change on hours). */
static gint64 next_change(const LrUser *user, gint64 t, LrZones *z)
{
	gint64 secs = t / G_USEC_PER_SEC, best = G_MAXINT64, hour = (secs / 3600 + 1) * 3600;

	for (guint i = 0; i < user->hours->len; i++) {
		const LrHours *h = &g_array_index(user->hours, LrHours, i);
		gint64 local = secs + report_zones_offset(z, h->tz, secs);
		gint64 sod = ((local % 86400) + 86400) % 86400;
		const gint64 edges[] = {h->from * 60LL, h->to * 60LL, 86400};
		for (guint k = 0; k < G_N_ELEMENTS(edges); k++)
			if (edges[k] > sod)
				best = MIN(best, secs + edges[k] - sod);
	}
	for (guint i = 0; best > hour && i < user->hours->len; i++) {
		GTimeZone *tz = g_array_index(user->hours, LrHours, i).tz;
		if (report_zones_offset(z, tz, best) != report_zones_offset(z, tz, secs))
			best = hour;
	}
	return best * G_USEC_PER_SEC;
}

/* working_secs - working seconds of user between from and to, stopping
 * once they pass cap (µs).  The state is constant between changes, so the
 * walk goes from change to change (a few steps a day, one an hour
 * around a zone's transition). */
static gint64 working_secs(const LrUser *user, gint64 from, gint64 to, gint64 cap, LrZones *z)
{
	gint64 t = from, limit = MIN(to, from + 90LL * 86400 * G_USEC_PER_SEC), sum = 0;
	LrTzMemo memo = LR_TZ_MEMO_INIT;

	if (to <= from)
		return 0;
	if (user == NULL || user->hours == NULL || user->hours->len == 0)
		return to - from;
	while (t < limit && sum <= cap) {
		gint64 next = MIN(next_change(user, t, z), limit);
		report_zones_memo(z, user, t, &memo);
		if (lr_config_user_in_hours_memo(user, t, &memo))
			sum += next - t;
		t = next;
	}
	return sum;
}

/* report_working_secs - working seconds of user between from and to. */
double report_working_secs(const LrUser *user, gint64 from, gint64 to)
{
	g_autoptr(LrZones) z = report_zones_new();

	return (double)working_secs(user, from, to, G_MAXINT64, z) / G_USEC_PER_SEC;
}

/* report_team_of - the team of a user. */
const char *report_team_of(const LrConfig *cfg, const char *user)
{
	const LrUser *u = cfg && user ? lr_config_user(cfg, user) : NULL;

	return u ? u->team : NULL;
}

/* What a summary contributes besides its counts, computed once. */
typedef struct {
	double tta, tta_w, ttc, ttc_w; /* -1 when never */
	int sla, contact_sla;          /* -1 open or none, 0 kept, 1 breached */
} Derived;

/* sla_state - kept, breached or open for a window of seconds (counting
 * stops once the window has passed). */
static int sla_state(const LrUser *u, gint64 from, gint64 done, gint64 now, gint64 window,
                     LrZones *z)
{
	gint64 took;

	if (window <= 0)
		return -1;
	took = working_secs(u, from, done ? done : now, window * G_USEC_PER_SEC, z);
	if (took > window * G_USEC_PER_SEC)
		return 1;
	return done ? 0 : -1;
}

/* derive - durations and SLA states of one summary. */
static Derived derive(const LrSummary *s, const LrReportOptions *o, LrZones *z)
{
	const LrUser *u = o->cfg && s->assignee ? lr_config_user(o->cfg, s->assignee) : NULL;
	LrWorkflow wf = {.accept_within = LR_DEFAULT_ACCEPT_WITHIN, .contact_within = -1};
	Derived d = {.tta = -1, .tta_w = -1, .ttc = -1, .ttc_w = -1, .sla = -1, .contact_sla = -1};

	if (o->cfg)
		wf = lr_config_workflow(o->cfg, u);
	if (s->accepted_at) {
		d.tta = (double)(s->accepted_at - s->received) / G_USEC_PER_SEC;
		d.tta_w = working_secs(u, s->received, s->accepted_at, G_MAXINT64, z) /
		          (double)G_USEC_PER_SEC;
	}
	if (s->contacted_at) {
		d.ttc = (double)(s->contacted_at - s->received) / G_USEC_PER_SEC;
		d.ttc_w = working_secs(u, s->received, s->contacted_at, G_MAXINT64, z) /
		          (double)G_USEC_PER_SEC;
	}
	if (s->offered_at)
		d.sla = sla_state(u, s->received, s->accepted_at, o->now, wf.accept_within, z);
	if (s->offered_at && s->accepted_at)
		d.contact_sla =
		    sla_state(u, s->received, s->contacted_at, o->now, wf.contact_within, z);
	return d;
}

/* figures_init - empty figures. */
static void figures_init(LrFigures *f)
{
	memset(f, 0, sizeof(*f));
	report_durations_init(&f->tta);
	report_durations_init(&f->tta_work);
	report_durations_init(&f->ttc);
	report_durations_init(&f->ttc_work);
}

/* figures_clear - free the samples. */
static void figures_clear(LrFigures *f)
{
	report_durations_clear(&f->tta);
	report_durations_clear(&f->tta_work);
	report_durations_clear(&f->ttc);
	report_durations_clear(&f->ttc_work);
}

/* row_new - an empty row for key. */
static LrReportRow *row_new(const char *key)
{
	LrReportRow *r = g_new0(LrReportRow, 1);

	r->key = g_strdup(key);
	figures_init(&r->cur);
	figures_init(&r->prev);
	return r;
}

/* row_free - destroy a row. */
static void row_free(gpointer p)
{
	LrReportRow *r = p;

	g_free(r->key);
	figures_clear(&r->cur);
	figures_clear(&r->prev);
	g_free(r);
}

/* add_timing - the durations and SLA outcome of the lead's assignee. */
static void add_timing(LrFigures *f, const Derived *d)
{
	static const double band_top[REPORT_N_BANDS - 1] = {5 * 60, 15 * 60, 60 * 60};
	guint band = 0;

	if (d->tta >= 0) {
		report_durations_add(&f->tta, d->tta);
		report_durations_add(&f->tta_work, d->tta_w);
		while (band < REPORT_N_BANDS - 1 && d->tta >= band_top[band])
			band++;
		f->bands[band]++;
	}
	if (d->ttc >= 0) {
		report_durations_add(&f->ttc, d->ttc);
		report_durations_add(&f->ttc_work, d->ttc_w);
	}
	f->sla_total += d->sla >= 0;
	f->breaches += d->sla == 1;
	f->contact_total += d->contact_sla >= 0;
	f->contact_breaches += d->contact_sla == 1;
}

/* add_lead - one whole lead. */
static void add_lead(LrFigures *f, const LrSummary *s, const Derived *d)
{
	f->leads++;
	f->accepted += s->accepted_at != 0;
	f->rejected += s->rejected;
	f->forwarded += s->forwarded;
	f->timeouts += s->timeouts;
	f->recalled += s->recalled;
	f->contacted += s->contacted_at != 0;
	f->won += s->won_at != 0;
	f->lost += s->lost_at != 0;
	f->won_amount += s->won_amount;
	add_timing(f, d);
}

/* add_user - what one user did with a lead; the timings go to the
 * assignee. */
static void add_user(LrFigures *f, const LrSummary *s, const LrInvolvement *v, const Derived *d)
{
	f->leads++;
	f->accepted += v->accepted != 0;
	f->rejected += v->rejected;
	f->forwarded += v->forwarded;
	f->timeouts += v->timeouts;
	f->contacted += v->contacted != 0;
	f->won += v->won != 0;
	f->lost += v->lost != 0;
	if (v->won)
		f->won_amount += s->won_amount;
	if (g_strcmp0(s->assignee, v->user) == 0) {
		f->recalled += s->recalled;
		add_timing(f, d);
	}
}

/* Computing state, while summaries stream in (report_begin .. _end). */
struct LrReportBuild {
	const LrReportOptions *opt;
	GHashTable *rows, *reps, *servers, *days; /* key -> LrReportRow * */
	LrReportRow *total;
	gint64 first;     /* the earliest arrival of the period */
	gint64 day;       /* the UTC day (number) of day_row */
	LrReportRow *day_row;
	LrZones *zones; /* offsets remembered for working hours */
};
typedef struct LrReportBuild Ctx;

/* row_in - the row for key in h, created on first use. */
static LrReportRow *row_in(GHashTable *h, const char *key)
{
	LrReportRow *r = g_hash_table_lookup(h, key);

	if (r == NULL) {
		r = row_new(key);
		g_hash_table_insert(h, r->key, r);
	}
	return r;
}

/* day_key - "2026-11-17" (UTC) or the ISO week "2026-W47" of t. */
static char *day_key(gint64 t, gboolean week)
{
	g_autoptr(GDateTime) d = g_date_time_new_from_unix_utc(t / G_USEC_PER_SEC);

	return g_date_time_format(d, week ? "%G-W%V" : "%Y-%m-%d");
}

/* view_key - the key of a summary in a whole-lead view (new string). */
static char *view_key(const LrSummary *s, LrReportBy by)
{
	switch (by) {
	case REPORT_BY_CAMPAIGN:
		return g_strdup(s->campaign);
	case REPORT_BY_TEAM:
		return g_strdup(s->team ? s->team : "(none)");
	case REPORT_BY_SERVER: /* named as show and the events name it */
		return s->server ? g_strconcat("server:", s->server, NULL) : g_strdup("(none)");
	case REPORT_BY_DAY:
	case REPORT_BY_WEEK:
		return day_key(s->received, by == REPORT_BY_WEEK);
	default:
		return g_strdup(s->source);
	}
}

/* add_users - a lead into per-user rows (cur or prev by offset). */
static void add_users(GHashTable *h, const LrSummary *s, const Derived *d, gboolean cur)
{
	for (guint i = 0; i < s->users->len; i++) {
		LrInvolvement *v = s->users->pdata[i];
		LrReportRow *r = row_in(h, v->user);
		add_user(cur ? &r->cur : &r->prev, s, v, d);
	}
	if (s->users->len == 0) {
		LrReportRow *r = row_in(h, "(none)");
		add_lead(cur ? &r->cur : &r->prev, s, d);
	}
}

/* add_day - a lead into the leads-per-day chart (counts only: the chart
 * draws no durations); the last day's row is kept at hand. */
static void add_day(Ctx *c, const LrSummary *s)
{
	const gint64 length = 86400LL * G_USEC_PER_SEC;
	gint64 day = s->received >= 0 ? s->received / length : (s->received + 1) / length - 1;
	Derived none = {.tta = -1, .tta_w = -1, .ttc = -1, .ttc_w = -1, .sla = -1, .contact_sla = -1};

	if (c->day_row == NULL || day != c->day) {
		g_autofree char *key = day_key(s->received, FALSE);
		c->day_row = row_in(c->days, key);
		c->day = day;
	}
	add_lead(&c->day_row->cur, s, &none);
}

/* add_summary - one summary into every table it belongs to. */
static void add_summary(Ctx *c, const LrSummary *s, gboolean cur)
{
	Derived d = derive(s, c->opt, c->zones);

	add_lead(cur ? &c->total->cur : &c->total->prev, s, &d);
	add_users(c->reps, s, &d, cur);
	if (c->opt->by != REPORT_BY_USER) {
		g_autofree char *key = view_key(s, c->opt->by);
		LrReportRow *r = row_in(c->rows, key);
		add_lead(cur ? &r->cur : &r->prev, s, &d);
	}
	if (s->server) {
		g_autofree char *key = g_strconcat("server:", s->server, NULL);
		LrReportRow *r = row_in(c->servers, key);
		add_lead(cur ? &r->cur : &r->prev, s, &d);
	}
	if (cur)
		add_day(c, s);
}

/* by_key - rows in key order. */
static gint by_key(gconstpointer a, gconstpointer b)
{
	return strcmp((*(LrReportRow *const *)a)->key, (*(LrReportRow *const *)b)->key);
}

/* sorted - the rows of h in key order; the array owns them. */
static GPtrArray *sorted(GHashTable *h)
{
	GPtrArray *list = g_ptr_array_new_with_free_func(row_free);
	GHashTableIter it;
	gpointer v;

	g_hash_table_iter_init(&it, h);
	while (g_hash_table_iter_next(&it, NULL, &v))
		g_ptr_array_add(list, v);
	g_hash_table_steal_all(h);
	g_hash_table_unref(h);
	g_ptr_array_sort(list, by_key);
	return list;
}

/* fill_days - every day of the period, so the chart has no gaps (the last
 * 92 days at most). */
static void fill_days(Ctx *c, gint64 first)
{
	const gint64 day = 86400LL * G_USEC_PER_SEC;
	gint64 from = c->opt->since ? c->opt->since : first, to = c->opt->until;

	if (from == G_MAXINT64 || to <= from)
		return;
	from = MAX(from, to - 92 * day);
	for (gint64 t = from - from % day; t < to; t += day) {
		g_autofree char *key = day_key(t, FALSE);
		row_in(c->days, key);
	}
}

/* report_begin - an empty report for opt. */
LrReport *report_begin(const LrReportOptions *opt)
{
	LrReport *r = g_new0(LrReport, 1);
	Ctx *c = g_new0(Ctx, 1);

	r->opt = *opt;
	r->build = c;
	c->opt = &r->opt;
	c->total = row_new("total");
	c->first = G_MAXINT64;
	c->zones = report_zones_new();
	c->rows = g_hash_table_new(g_str_hash, g_str_equal);
	c->reps = g_hash_table_new(g_str_hash, g_str_equal);
	c->servers = g_hash_table_new(g_str_hash, g_str_equal);
	c->days = g_hash_table_new(g_str_hash, g_str_equal);
	return r;
}

/* report_add - one summary, when it is a lead of the period, the
 * previous one, and the team. */
void report_add(LrReport *r, const LrSummary *s)
{
	const LrReportOptions *opt = &r->opt;
	gint64 len = opt->since ? opt->until - opt->since : 0;
	gboolean cur = s->received >= opt->since && s->received < opt->until;
	gboolean prev = len && s->received >= opt->since - len && s->received < opt->since;

	g_return_if_fail(r->build != NULL);
	if (!s->is_lead || (opt->team && g_strcmp0(s->team, opt->team) != 0))
		return;
	if (cur)
		r->build->first = MIN(r->build->first, s->received);
	if (cur || prev)
		add_summary(r->build, s, cur);
}

/* report_end - the rows in order. */
void report_end(LrReport *r)
{
	Ctx *c = r->build;

	g_return_if_fail(c != NULL);
	fill_days(c, c->first);
	r->total = c->total;
	r->reps = sorted(c->reps);
	r->servers = sorted(c->servers);
	r->days = sorted(c->days);
	if (r->opt.by == REPORT_BY_USER) {
		g_hash_table_unref(c->rows); /* the per-user rows are the reps */
		r->rows = g_ptr_array_ref(r->reps);
	} else {
		r->rows = sorted(c->rows);
	}
	report_zones_free(c->zones);
	g_free(c);
	r->build = NULL;
}

/* report_compute - one pass over the summaries. */
LrReport *report_compute(const GPtrArray *summaries, const LrReportOptions *opt)
{
	LrReport *r = report_begin(opt);

	for (guint i = 0; i < summaries->len; i++)
		report_add(r, summaries->pdata[i]);
	report_end(r);
	return r;
}

/* report_free - destroy a report. */
void report_free(LrReport *r)
{
	if (r == NULL)
		return;
	if (r->build != NULL)
		report_end(r);
	g_ptr_array_unref(r->rows);
	g_ptr_array_unref(r->reps);
	g_ptr_array_unref(r->servers);
	g_ptr_array_unref(r->days);
	row_free(r->total);
	g_free(r);
}
