/* report-bench.c - `leadroute report` timings over a generated store.
 *
 * Usage: bench/report-bench LEADS [DIR]: stores LEADS leads (ten sources,
 * campaigns and users, half of the users with Berlin working hours, a
 * tenth federated) with their events, over 30 days, then times the scan
 * into summaries, and each format of the report from them, beside the bare
 * queue_leads_foreach of the same store. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "report/html.h"
#include "report/output.h"
#include "report/report.h"
#include "lead/summary.h"
#include "rules/load.h"

static const char conf_head[] = "users = ( { id = \"boss\"; email = \"b@x\"; role = \"admin\"; }";

typedef struct {
	guint64 first, n;
	gint64 t0;
} Batch;

/* add_event - one event at offset seconds. */
static gboolean add_event(LrTxn *txn, guint64 id, gint64 at, const char *type, const char *actor,
                          const char *detail, GError **error)
{
	g_autoptr(LrEvent) e = lead_event_new(type, actor, detail);

	e->at = at;
	return queue_event_add(txn, id, e, error);
}

/* batch_txn - a thousand leads in one transaction. */
static gboolean batch_txn(LrTxn *txn, gpointer data, GError **error)
{
	Batch *b = data;

	for (guint64 id = b->first; id < b->first + b->n; id++) {
		g_autoptr(LrLead) lead = lead_new();
		g_autofree char *src = g_strdup_printf("src%u", (guint)(id % 10));
		g_autofree char *camp = g_strdup_printf("camp%u", (guint)(id % 7));
		g_autofree char *user = g_strdup_printf("u%u", (guint)(id % 10));
		g_autofree char *offer = g_strdup_printf("new-lead to %s <%s@x>", user, user);
		gint64 t = b->t0 + (gint64)(id * 2591) % (30LL * 86400) * G_USEC_PER_SEC;
		lead->id = id;
		lead->received = t;
		lead_field_set(lead, "utm_source", src);
		lead_field_set(lead, "utm_campaign", camp);
		if (!queue_lead_put(txn, lead, error) ||
		    !add_event(txn, id, t, "received", "intake", "", error) ||
		    (id % 10 == 0 &&
		     !add_event(txn, id, t + 60000000, "federated", "router", "north", error)) ||
		    !add_event(txn, id, t + 60000000, "notified", "mailer", offer, error) ||
		    (id % 3 != 0 && !add_event(txn, id, t + (gint64)(id % 7200) * G_USEC_PER_SEC,
		                               "accepted", user, "", error)) ||
		    (id % 4 == 1 && !add_event(txn, id, t + 7200LL * G_USEC_PER_SEC, "contacted",
		                               user, "", error)) ||
		    (id % 8 == 1 &&
		     !add_event(txn, id, t + 86400LL * G_USEC_PER_SEC, "won", user, "100", error)))
			return FALSE;
	}
	return TRUE;
}

/* count_lead - the bare iteration. */
static gboolean count_lead(const LrLead *lead, gpointer data)
{
	(void)lead;
	(*(guint64 *)data)++;
	return TRUE;
}

/* write_config - ten users, half with hours. */
static LrConfig *write_config(const char *dir)
{
	GString *text = g_string_new(conf_head);
	g_autofree char *path = g_build_filename(dir, "bench.conf", NULL);
	g_autoptr(GError) error = NULL;
	LrConfig *cfg;

	for (int i = 0; i < 10; i++)
		g_string_append_printf(
		    text, ",\n { id = \"u%d\"; email = \"u%d@x\"; team = \"t%d\";%s }", i, i, i % 3,
		    i % 2 ? " hours = \"Mon-Fri 08:00-17:00 Europe/Berlin\";" : "");
	g_string_append(text, ");\nservers = ( { id = \"north\"; deliver = \"mailto:n@x\"; } );\n"
	                      "rules = ( { route = \"boss\"; } );\n"
	                      "workflow: { accept_within = \"30m\"; contact_within = \"4h\"; };\n");
	g_assert_true(g_file_set_contents(path, text->str, -1, NULL));
	g_string_free(text, TRUE);
	cfg = lr_config_load(path, &error);
	g_assert_no_error(error);
	return cfg;
}

/* cpu_secs - the CPU time this process used so far. */
static double cpu_secs(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* time_format - one report read from the store (the summaries streamed,
 * as `leadroute report` does) and written to /dev/null; *cpu gets its CPU
 * seconds (the wall time of a loaded machine says little). */
static double time_format(LrQueue *q, LrReportOptions *opt, LrReportFormat f, FILE *null,
                          double *cpu)
{
	gint64 start = g_get_monotonic_time();
	double cpu0 = cpu_secs();
	g_autoptr(LrReport) rep = report_read(q, opt, NULL);

	if (f == REPORT_CSV)
		report_write_csv(rep, null);
	else if (f == REPORT_JSON)
		report_write_json(rep, null);
	else if (f == REPORT_HTML)
		report_write_html(rep, null);
	else
		report_write_text(rep, null);
	*cpu = cpu_secs() - cpu0;
	return (g_get_monotonic_time() - start) / 1e6;
}

int main(int argc, char **argv)
{
	guint64 n = argc > 1 ? g_ascii_strtoull(argv[1], NULL, 10) : 100000, seen = 0;
	g_autofree char *dir =
	    argc > 2 ? g_strdup(argv[2]) : g_dir_make_tmp("lr-bench-report-XXXXXX", NULL);
	LrConfig *cfg = write_config(dir);
	LrQueue *q = queue_open(dir, FALSE, NULL);
	gint64 now = 1795000000LL * G_USEC_PER_SEC, t;
	LrReportOptions opt = {
	    REPORT_BY_SOURCE, now - 15LL * 86400 * G_USEC_PER_SEC, now, now, cfg, NULL};
	static const char *const names[] = {"text", "csv", "json", "html"};
	FILE *null = fopen("/dev/null", "w");
	struct rusage ru;

	for (guint64 i = queue_lead_count(q, NULL) + 1; i <= n; i += 1000) {
		Batch b = {i, MIN(1000, n - i + 1), now - 30LL * 86400 * G_USEC_PER_SEC};
		g_assert_true(queue_run_lazy(q, batch_txn, &b, NULL));
	}
	t = g_get_monotonic_time();
	if (g_getenv("BENCH_REPORT_SKIP_LEADS") == NULL)
		g_assert_true(queue_leads_foreach(q, count_lead, &seen, NULL));
	printf("leads: %" G_GUINT64_FORMAT "\nbare queue_leads_foreach: %.2f s\n", seen,
	       (g_get_monotonic_time() - t) / 1e6);
	for (int by = REPORT_BY_SOURCE; by <= REPORT_BY_WEEK; by += 2) {
		opt.by = by;
		for (int f = REPORT_TEXT; f <= REPORT_HTML; f++) {
			double cpu, wall = time_format(q, &opt, f, null, &cpu);
			printf("--by %-6s --format %-4s: %.2f s (CPU %.2f s), summaries streamed\n",
			       report_by_name(by), names[f], wall, cpu);
		}
	}
	getrusage(RUSAGE_SELF, &ru);
	printf("peak RSS %.1f MB\n", ru.ru_maxrss / 1024.0);
	fclose(null);
	queue_close(q);
	lr_config_free(cfg);
	return 0;
}
