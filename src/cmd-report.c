/* cmd-report.c - leadroute report: performance per source or per user. */
#include "config.h"

#include <stdio.h>

#include "lead/lr-error.h"
#include "report/report.h"
#include "rules/server-config.h"
#include "src/commands.h"

/* parse_since - a date or time (2026-11-01, or ISO 8601) as µs. */
static gboolean parse_since(const char *text, gint64 *out)
{
	g_autofree char *full = strchr(text, 'T') ? g_strdup(text)
						  : g_strconcat(text, "T00:00:00Z", NULL);
	g_autoptr(GTimeZone) utc = g_time_zone_new_utc();
	g_autoptr(GDateTime) t = g_date_time_new_from_iso8601(full, utc);

	if (t == NULL)
		return FALSE;
	*out = g_date_time_to_unix(t) * G_USEC_PER_SEC;
	return TRUE;
}

/* report_options - check --by and --format. */
static gboolean report_options(const char *by, const char *format, LrReportBy *b,
			       LrReportFormat *f)
{
	if (g_strcmp0(by, "source") == 0)
		*b = REPORT_BY_SOURCE;
	else if (g_strcmp0(by, "user") == 0)
		*b = REPORT_BY_USER;
	else
		return FALSE;
	if (format == NULL || g_strcmp0(format, "text") == 0)
		*f = REPORT_TEXT;
	else if (g_strcmp0(format, "csv") == 0)
		*f = REPORT_CSV;
	else if (g_strcmp0(format, "json") == 0)
		*f = REPORT_JSON;
	else
		return FALSE;
	return TRUE;
}

int cmd_report(int argc, char **argv)
{
	g_autofree char *config = NULL, *by = NULL, *since = NULL, *format = NULL;
	GOptionEntry entries[] = {
		{"config", 'c', 0, G_OPTION_ARG_FILENAME, &config, "configuration file", "FILE"},
		{"by", 0, 0, G_OPTION_ARG_STRING, &by, "source or user", "WHAT"},
		{"since", 0, 0, G_OPTION_ARG_STRING, &since, "leads received since", "DATE"},
		{"format", 0, 0, G_OPTION_ARG_STRING, &format, "text, csv or json", "FORMAT"},
		{NULL}};
	g_autoptr(GOptionContext) ctx = g_option_context_new("- leads per source or per user");
	g_autoptr(GError) error = NULL;
	g_autoptr(LrServerConfig) cfg = NULL;
	LrReportBy b;
	LrReportFormat f;
	gint64 from = 0;
	LrQueue *q;
	gboolean ok;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error))
		goto fail;
	if (argc > 1 || !report_options(by, format, &b, &f) ||
	    (since && !parse_since(since, &from))) {
		fprintf(stderr, "usage: leadroute report [-c FILE] --by source|user [--since DATE] "
				"[--format text|csv|json]\n");
		return 64;
	}
	if ((cfg = server_config_load(config, &error)) == NULL ||
	    (q = queue_open(cfg->home, FALSE, &error)) == NULL)
		goto fail;
	ok = report_run(q, b, from, f, stdout, &error);
	queue_close(q);
	if (ok)
		return 0;
fail:
	fprintf(stderr, "leadroute report: %s\n", error->message);
	return 1;
}
