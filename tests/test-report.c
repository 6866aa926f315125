/* test-report.c - list, show and report over a store with known leads. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "lead/lr-error.h"
#include "queue/queue.h"
#include "report/leads.h"
#include "report/report.h"
#include "report/safe.h"

typedef struct {
	const char *source;
	const char *status;
	int priority;
	const char *events[8][3];	/* type, actor, detail; offsets below */
} Seed;

/* The seeds: two sources, three users. */
static const Seed seeds[] = {
	{"webinar", "accepted", 40, {{"notified", "mailer", "new-lead to anna <a@x>"},
				     {"accepted", "anna", ""}, {"contacted", "anna", ""},
				     {"won", "anna", "1200"}}},
	{"webinar", "offered", 10, {{"notified", "mailer", "new-lead to ben <b@x>"},
				    {"rejected", "ben", "wrong region"},
				    {"routed", "router", ""},
				    {"notified", "mailer", "new-lead to anna <a@x>"},
				    {"timeout", "workflow", ""}}},
	{"expo", "accepted", 70, {{"notified", "mailer", "new-lead to ben <b@x>"},
				  {"accepted", "ben", ""}, {"lost", "ben", "price"}}},
};

typedef struct {
	const Seed *seed;
	gint64 received;
} SeedJob;

/* seed_txn - store one lead with its events. */
static gboolean seed_txn(LrTxn *txn, gpointer data, GError **error)
{
	SeedJob *j = data;
	g_autoptr(LrLead) lead = lead_new();
	static guint64 next = 1;

	lead->id = next++;
	lead->received = j->received;
	lead_set_str(&lead->source, j->seed->source);
	lead_set_str(&lead->status, j->seed->status);
	lead->priority = j->seed->priority;
	lead_field_set(lead, "email", "c@example.org");
	if (!queue_lead_put(txn, lead, error))
		return FALSE;
	for (int i = 0; j->seed->events[i][0]; i++) {
		g_autoptr(LrEvent) e = lead_event_new(j->seed->events[i][0], j->seed->events[i][1],
						      j->seed->events[i][2]);
		e->at = j->received + (i + 1) * 60 * G_USEC_PER_SEC;
		if (!queue_event_add(txn, lead->id, e, error))
			return FALSE;
	}
	return TRUE;
}

/* capture - run a printer into a string. */
static char *capture_report(LrQueue *q, LrReportBy by, LrReportFormat f)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	g_assert_true(report_run(q, by, 0, f, out, NULL));
	fclose(out);
	return buf;
}

/* test_report - counts per source and per user, in each format. */
static void test_report(void)
{
	g_autofree char *home = g_dir_make_tmp("lr-report-XXXXXX", NULL);
	LrQueue *q = queue_open(home, FALSE, NULL);
	gint64 t0 = 1763370000LL * G_USEC_PER_SEC;
	g_autofree char *csv = NULL, *users = NULL, *json = NULL, *list = NULL;
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", home);
	char *buf = NULL;
	size_t len = 0;
	FILE *out;
	LrListOptions opt = {NULL, NULL, NULL, TRUE};

	for (guint i = 0; i < G_N_ELEMENTS(seeds); i++) {
		SeedJob j = {&seeds[i], t0 + i * G_USEC_PER_SEC};
		g_assert_true(queue_run(q, seed_txn, &j, NULL));
	}
	csv = capture_report(q, REPORT_BY_SOURCE, REPORT_CSV);
	g_test_message("%s", csv);
	g_assert_nonnull(strstr(csv, "\"expo\",1,1,0,0,0,0,1,120,0.00\r\n"));
	g_assert_nonnull(strstr(csv, "\"webinar\",2,1,1,0,1,1,0,120,1200.00\r\n"));
	users = capture_report(q, REPORT_BY_USER, REPORT_CSV);
	g_assert_nonnull(strstr(users, "\"anna\",2,1,0,1,1,1,0,120,1200.00\r\n"));
	g_assert_nonnull(strstr(users, "\"ben\",2,1,1,0,0,0,1,120,0.00\r\n"));
	json = capture_report(q, REPORT_BY_SOURCE, REPORT_JSON);
	g_assert_nonnull(strstr(json, "\"source\" : \"webinar\""));
	out = open_memstream(&buf, &len);
	g_assert_true(report_list(q, &opt, out, NULL));
	fclose(out);
	list = buf;
	/* Highest priority first: expo (70), then 40, then 10. */
	g_assert_true(strstr(list, "\"expo\"") < strstr(list, "\"priority\" : 40"));
	g_assert_true(strstr(list, "\"priority\" : 40") < strstr(list, "\"priority\" : 10"));
	queue_close(q);
	g_assert_cmpint(system(cmd), ==, 0);
}

/* test_safe - control characters from leads are escaped for terminals. */
static void test_safe(void)
{
	static const struct {
		const char *in, *out, *out_nl;
	} cases[] = {
		{"Eve \033[31mRed\033[0m", "Eve \\x1b[31mRed\\x1b[0m", NULL},
		{"t\033]0;pwned\007", "t\\x1b]0;pwned\\x07", NULL},
		{"a\rb\nc\td\177", "a\\x0db\\x0ac\td\\x7f", "a\\x0db\nc\td\\x7f"},
		{"c1 \302\233 csi", "c1 \\u009b csi", NULL},
		{"bidi \342\200\256x", "bidi \\u202ex", NULL},
		{"bad \377 byte", "bad \\xff byte", NULL},
		{"back\\slash", "back\\\\slash", NULL},
		{"Jürgen Weiß", "Jürgen Weiß", NULL},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *one = report_safe(cases[i].in, FALSE);
		g_autofree char *multi = report_safe(cases[i].in, TRUE);
		g_assert_cmpstr(one, ==, cases[i].out);
		g_assert_cmpstr(multi, ==, cases[i].out_nl ? cases[i].out_nl : cases[i].out);
	}
	g_autofree char *json = report_safe_json("{\"a\" : \"x\302\233y\177\"}");
	g_assert_cmpstr(json, ==, "{\"a\" : \"x\\u009by\\u007f\"}");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/report/counts", test_report);
	g_test_add_func("/report/safe", test_safe);
	return g_test_run();
}
