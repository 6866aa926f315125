/* cmd-sources.c - leadroute sources: connect to each mailbox source once
 * and say what was found (reachable, certificate, messages waiting). */
#include "config.h"

#include <stdio.h>

#include <glib.h>

#include "intake/source.h"
#include "lead/log.h"
#include "lead/lr-error.h"
#include "rules/load.h"
#include "rules/lr-config.h"
#include "src/commands.h"

/* probe_one - one source's line; TRUE when everything worked. */
static gboolean probe_one(const LrSource *src)
{
	LrSourceProbe p;
	g_autoptr(GError) error = NULL;
	gboolean ok = source_probe(src, &p, &error);

	printf("%s: %s reachable=%s certificate=%s", src->id, src->url, p.reachable ? "yes" : "no",
	       p.cert_ok ? "ok" : "no");
	if (p.cert_info)
		printf(" (%s)", p.cert_info);
	if (p.waiting >= 0)
		printf(" waiting=%" G_GINT64_FORMAT, p.waiting);
	printf("%s%s\n", ok ? "" : " error: ", ok ? "" : error->message);
	g_free(p.cert_info);
	return ok;
}

/* cmd_sources - probe every source (or those named); exit 1 when one failed. */
int cmd_sources(int argc, char **argv)
{
	g_autofree char *file = NULL;
	GOptionEntry entries[] = {
	    {"config", 'c', 0, G_OPTION_ARG_FILENAME, &file, "configuration file", "FILE"},
	    {NULL},
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("[ID...] - test the mailbox sources");
	g_autoptr(GError) error = NULL;
	g_autoptr(LrConfig) cfg = NULL;
	int rc = 0;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if ((rc = cmd_options(ctx, "sources", &argc, &argv)) >= 0)
		return rc;
	rc = 0;
	if ((cfg = lr_config_load(file, &error)) == NULL) {
		fprintf(stderr, "%s\n", error->message);
		return 1;
	}
	lr_log_open("leadroute", TRUE);
	for (guint i = 0; i < cfg->sources->len; i++) {
		const LrSource *src = g_ptr_array_index(cfg->sources, i);
		if (argc > 1 && !g_strv_contains((const char *const *)argv + 1, src->id))
			continue;
		if (!probe_one(src))
			rc = 1;
	}
	if (cfg->sources->len == 0)
		printf("no sources configured\n");
	return rc;
}
