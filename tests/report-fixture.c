/* report-fixture.c - a store built from known events for the report tests. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "report/leads.h"
#include "rules/load.h"
#include "tests/report-fixture.h"
#include "tests/summary-check.h"

/* fixture_time - µs of an ISO 8601 time. */
gint64 fixture_time(const char *iso)
{
	g_autoptr(GDateTime) t = g_date_time_new_from_iso8601(iso, NULL);

	g_assert_nonnull(t);
	return g_date_time_to_unix(t) * G_USEC_PER_SEC;
}

typedef struct {
	const ReportSeed *seed;
	guint64 id;
	int event; /* the event to add, or -1: the lead */
} SeedJob;

/* event_txn - add one event of the seed, as the daemon would: in a
 * transaction of its own, folded into the stored summary. */
static gboolean event_txn(LrTxn *txn, gpointer data, GError **error)
{
	SeedJob *j = data;
	const ReportEvent *s = &j->seed->events[j->event];
	g_autoptr(LrEvent) e = lead_event_new(s->type, s->actor, s->detail);

	e->at = fixture_time(j->seed->received) + (gint64)s->at * G_USEC_PER_SEC;
	return queue_event_add(txn, j->id, e, error);
}

/* seed_txn - store one lead with its first event. */
static gboolean seed_txn(LrTxn *txn, gpointer data, GError **error)
{
	SeedJob *j = data;
	g_autoptr(LrLead) lead = lead_new();

	lead->id = j->id;
	lead->received = fixture_time(j->seed->received);
	lead->priority = (int)j->id * 10;
	lead->is_lead = !j->seed->not_lead;
	lead_set_str(&lead->recipient, j->seed->recipient);
	for (guint i = 0; j->seed->fields[i]; i++) {
		g_auto(GStrv) kv = g_strsplit(j->seed->fields[i], "=", 2);
		lead_field_set(lead, kv[0], kv[1]);
	}
	if (!queue_lead_put(txn, lead, error))
		return FALSE;
	j->event = 0;
	return j->seed->events[0].type == NULL || event_txn(txn, j, error);
}

/* fixture_add - store seeds: each lead with its first event, then each
 * further event in a transaction of its own; then every stored summary
 * must equal the one rebuilt from all the events. */
void fixture_add(ReportFixture *fx, const ReportSeed *seeds, guint n)
{
	for (guint i = 0; i < n; i++) {
		SeedJob j = {&seeds[i], 0, -1};
		g_autoptr(GError) error = NULL;
		j.id = queue_lead_count(fx->q, NULL) + 1;
		g_assert_true(queue_run(fx->q, seed_txn, &j, &error));
		g_assert_no_error(error);
		for (j.event = 1; j.event < (int)G_N_ELEMENTS(seeds[i].events) &&
		                  seeds[i].events[j.event].type;
		     j.event++) {
			g_assert_true(queue_run(fx->q, event_txn, &j, &error));
			g_assert_no_error(error);
		}
	}
	g_assert_cmpuint(check_summaries_folded(fx->q), ==, queue_lead_count(fx->q, NULL));
}

/* fixture_new - config and store in a temporary folder. */
ReportFixture *fixture_new(const ReportSeed *seeds, guint n)
{
	ReportFixture *fx = g_new0(ReportFixture, 1);
	g_autofree char *conf = NULL;
	g_autoptr(GError) error = NULL;

	fx->dir = g_dir_make_tmp("lr-report-XXXXXX", NULL);
	conf = g_build_filename(fx->dir, "leadroute.conf", NULL);
	g_assert_true(g_file_set_contents(conf, report_conf_text, -1, NULL));
	fx->cfg = lr_config_load(conf, &error);
	g_assert_no_error(error);
	fx->q = queue_open(fx->dir, FALSE, &error);
	g_assert_no_error(error);
	fixture_add(fx, seeds, n);
	return fx;
}

/* fixture_free - close and remove everything. */
void fixture_free(ReportFixture *fx)
{
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", fx->dir);

	queue_close(fx->q);
	lr_config_free(fx->cfg);
	g_assert_cmpint(system(cmd), ==, 0);
	g_free(fx->dir);
	g_free(fx);
}

/* fixture_run_team - one report into a string. */
char *fixture_run_team(ReportFixture *fx, LrReportBy by, LrReportFormat f, const char *team)
{
	LrReportOptions opt = {by,
	                       fixture_time("2026-11-09T00:00:00Z"),
	                       fixture_time("2026-11-24T00:00:00Z"),
	                       fixture_time("2026-11-24T00:00:00Z"),
	                       fx->cfg,
	                       team};
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	g_autoptr(GError) error = NULL;

	g_assert_true(report_run(fx->q, &opt, f, out, &error));
	g_assert_no_error(error);
	fclose(out);
	return buf;
}

/* fixture_show - one lead shown. */
char *fixture_show(ReportFixture *fx, guint64 id, gboolean json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	g_assert_true(report_show(fx->q, id, json, FALSE, out, NULL));
	fclose(out);
	return buf;
}
