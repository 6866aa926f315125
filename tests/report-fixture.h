/* report-fixture.h - the report tests' store fixture (tests/report-fixture.c)
 * and the HTML tests (tests/test-report-html.c). */
#ifndef LR_TESTS_REPORT_FIXTURE_H
#define LR_TESTS_REPORT_FIXTURE_H

#include <glib.h>

#include "queue/queue.h"
#include "report/report.h"
#include "rules/lr-config.h"

/* One event: seconds after the lead arrived, type, actor, detail. */
typedef struct {
	int at;
	const char *type, *actor, *detail;
} ReportEvent;

/* One lead as the test stores it. */
typedef struct {
	const char *received; /* ISO 8601 */
	const char *recipient;
	gboolean not_lead;
	const char *fields[6]; /* "name=value", NULL-terminated */
	ReportEvent events[8]; /* up to a NULL type */
} ReportSeed;

/* A store in a temporary folder with the seeds (lead i + 1 has priority
 * 10 (i + 1)) and the test configuration loaded. */
typedef struct {
	char *dir;
	LrConfig *cfg;
	LrQueue *q;
} ReportFixture;

ReportFixture *fixture_new(const ReportSeed *seeds, guint n);
void fixture_free(ReportFixture *fx);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ReportFixture, fixture_free)

/* fixture_add - store more seeds (ids go on). */
void fixture_add(ReportFixture *fx, const ReportSeed *seeds, guint n);

/* fixture_time - µs of an ISO 8601 time. */
gint64 fixture_time(const char *iso);

/* fixture_run - the report of the test period (2026-11-09 to 2026-11-24,
 * now 2026-11-24) as a string; team may be NULL. */
char *fixture_run_team(ReportFixture *fx, LrReportBy by, LrReportFormat f, const char *team);
#define fixture_run(fx, by, f) fixture_run_team(fx, by, f, NULL)

/* fixture_show - `show ID` (JSON or text) as a string. */
char *fixture_show(ReportFixture *fx, guint64 id, gboolean json);

/* report_html_tests - add the HTML and hostile-value tests. */
void report_html_tests(const ReportSeed *seeds, guint n);

/* The configuration the fixture loads (tests/test-report.c). */
extern const char report_conf_text[];

#endif
