/* cmd-report.c - leadroute report: performance per source, campaign, user,
 * team, partner server, day or week. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lead/lr-error.h"
#include "report/report.h"
#include "rules/load.h"
#include "rules/lr-config.h"
#include "src/commands.h"

#define REPORT_USAGE                                                                               \
	"usage: leadroute report [-c FILE] --by source|campaign|user|team|server|day|week\n"       \
	"       [--since DATE|30d] [--until DATE|30d] [--now TIME] [--team T]\n"                   \
	"       [--format text|csv|json|html] [-o FILE]\n"

/* cmd_parse_when - a date (2026-11-01, UTC midnight), an ISO 8601 time,
 * or a duration before now ("30d", "12h") as µs. */
gboolean cmd_parse_when(const char *text, gint64 now, gint64 *out)
{
	g_autofree char *full = NULL;
	g_autoptr(GTimeZone) utc = g_time_zone_new_utc();
	g_autoptr(GDateTime) t = NULL;
	gint64 ago = g_ascii_isdigit(text[0]) && !strchr(text, '-') ? lr_config_duration(text) : -1;

	if (ago >= 0) {
		*out = now - ago * G_USEC_PER_SEC;
		return TRUE;
	}
	full = strchr(text, 'T') ? g_strdup(text) : g_strconcat(text, "T00:00:00Z", NULL);
	if ((t = g_date_time_new_from_iso8601(full, utc)) == NULL)
		return FALSE;
	*out = g_date_time_to_unix(t) * G_USEC_PER_SEC;
	return TRUE;
}

/* parse_format - text, csv, json or html. */
static gboolean parse_format(const char *format, LrReportFormat *f)
{
	static const char *const names[] = {"text", "csv", "json", "html"};

	for (guint i = 0; i < G_N_ELEMENTS(names); i++)
		if (g_strcmp0(format ? format : "text", names[i]) == 0) {
			*f = (LrReportFormat)i;
			return TRUE;
		}
	return FALSE;
}

/* Options as given. */
typedef struct {
	char *config, *by, *since, *until, *now, *format, *output, *team;
} Args;

/* report_options - check the arguments into opt and f. */
static gboolean report_options(const Args *a, LrReportOptions *opt, LrReportFormat *f)
{
	int by = report_by_parse(a->by);

	opt->now = g_get_real_time();
	if (by < 0 || !parse_format(a->format, f) ||
	    (a->now && !cmd_parse_when(a->now, opt->now, &opt->now)))
		return FALSE;
	opt->by = (LrReportBy)by;
	opt->until = opt->now;
	if ((a->since && !cmd_parse_when(a->since, opt->now, &opt->since)) ||
	    (a->until && !cmd_parse_when(a->until, opt->now, &opt->until)))
		return FALSE;
	opt->team = a->team;
	return opt->since < opt->until;
}

/* write_report - run the report into a.output (atomically) or stdout. */
static gboolean write_report(LrQueue *q, const LrReportOptions *opt, LrReportFormat f,
                             const char *output, GError **error)
{
	g_autofree char *tmp = output ? g_strconcat(output, ".tmp", NULL) : NULL;
	FILE *out = output ? fopen(tmp, "w") : stdout;
	gboolean ok;

	if (out == NULL) {
		g_set_error(error, LR_ERROR, LR_ERROR_PERM, "%s: %s", tmp, g_strerror(errno));
		return FALSE;
	}
	ok = report_run(q, opt, f, out, error);
	if (output == NULL)
		return ok && fflush(out) == 0;
	if ((fclose(out) != 0 || !ok || rename(tmp, output) != 0) && ok) {
		g_set_error(error, LR_ERROR, LR_ERROR_TEMP, "%s: %s", output, g_strerror(errno));
		ok = FALSE;
	}
	if (!ok)
		remove(tmp);
	return ok;
}

int cmd_report(int argc, char **argv)
{
	Args a = {0};
	GOptionEntry entries[] = {
	    {"config", 'c', 0, G_OPTION_ARG_FILENAME, &a.config, "configuration file", "FILE"},
	    {"by", 0, 0, G_OPTION_ARG_STRING, &a.by,
	     "source, campaign, user, team, server, day "
	     "or week",
	     "WHAT"},
	    {"since", 0, 0, G_OPTION_ARG_STRING, &a.since, "leads received since", "DATE"},
	    {"until", 0, 0, G_OPTION_ARG_STRING, &a.until, "leads received before", "DATE"},
	    {"now", 0, 0, G_OPTION_ARG_STRING, &a.now, "the clock (for repeatable output)", "TIME"},
	    {"team", 0, 0, G_OPTION_ARG_STRING, &a.team, "only this team's leads", "TEAM"},
	    {"format", 0, 0, G_OPTION_ARG_STRING, &a.format, "text, csv, json or html", "FORMAT"},
	    {"output", 'o', 0, G_OPTION_ARG_FILENAME, &a.output, "write to FILE", "FILE"},
	    {NULL}};
	g_autoptr(GOptionContext) ctx = g_option_context_new("- lead performance");
	g_autoptr(GError) error = NULL;
	g_autoptr(LrConfig) cfg = NULL;
	LrReportOptions opt = {0};
	LrReportFormat f;
	LrQueue *q;
	gboolean ok;
	int rc = 1;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if ((rc = cmd_options(ctx, "report", &argc, &argv)) >= 0)
		goto out;
	rc = 1;
	if (argc > 1 || !report_options(&a, &opt, &f)) {
		fputs(REPORT_USAGE, stderr);
		rc = 64;
		goto out;
	}
	if ((cfg = lr_config_load(a.config, &error)) == NULL ||
	    (q = queue_open(cfg->server->home, FALSE, &error)) == NULL)
		goto out;
	opt.cfg = cfg;
	ok = write_report(q, &opt, f, a.output, &error);
	queue_close(q);
	rc = ok ? 0 : 1;
out:
	if (error)
		fprintf(stderr, "leadroute report: %s\n", error->message);
	g_free(a.config), g_free(a.by), g_free(a.since), g_free(a.until);
	g_free(a.now), g_free(a.format), g_free(a.output), g_free(a.team);
	return rc;
}
