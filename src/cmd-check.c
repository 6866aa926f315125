/* cmd-check.c - leadroute check: validate the whole configuration. */
#include "config.h"

#include <stdio.h>

#include <glib.h>

#include "mailer/compose.h"
#include "mailer/token.h"
#include "report/digest.h"
#include "rules/load.h"
#include "rules/lr-config.h"
#include "rules/server-config.h"
#include "src/commands.h"

/* check_secret - the reply-token secret, when it exists, must be private
 * and long enough (a missing one is made at start). */
static void check_secret(const LrServerConfig *srv, GPtrArray *problems)
{
	g_autofree char *fallback = g_build_filename(srv->home, "secret", NULL);
	g_autoptr(GError) error = NULL;

	if (!token_secret_check(srv->secret_file ? srv->secret_file : fallback, &error))
		g_ptr_array_add(problems, g_strdup_printf("%s: %s", srv->file, error->message));
}

/* warn_sources - what check accepts but says aloud: sources whose server
 * certificate is not verified, or that talk in plain text. */
static void warn_sources(const LrConfig *cfg)
{
	for (guint i = 0; cfg && i < cfg->sources->len; i++) {
		const LrSource *src = g_ptr_array_index(cfg->sources, i);
		if (src->kind == LR_SOURCE_MAILDIR)
			continue;
		if (src->tls == LR_TLS_NONE)
			fprintf(stderr,
			        "%s:%d: warning: source %s: tls = \"none\": the password "
			        "and the mail travel in plain text\n",
			        src->file, src->line, src->id);
		else if (!src->tls_verify)
			fprintf(stderr,
			        "%s:%d: warning: source %s: tls_verify = false: the server's "
			        "certificate is not checked\n",
			        src->file, src->line, src->id);
	}
}

/* cmd_check - print every problem as file:line: message (exit 1), or
 * "configuration OK" (exit 0). */
int cmd_check(int argc, char **argv)
{
	g_autofree char *file = NULL;
	GOptionEntry entries[] = {
	    {"config", 'c', 0, G_OPTION_ARG_FILENAME, &file, "configuration file", "FILE"},
	    {NULL},
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("- check the configuration");
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) problems = NULL;
	g_autoptr(LrConfig) cfg = NULL;
	g_autoptr(LrServerConfig) srv = NULL;

	int rc;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if ((rc = cmd_options(ctx, "check", &argc, &argv)) >= 0)
		return rc;
	if (argc > 1)
		return cmd_usage_error("check", "unexpected argument");
	problems = lr_config_check_server(file, &cfg, &srv);
	/* The notification templates are part of the configuration too. */
	const LrServerConfig *server = cfg ? cfg->server : srv;
	if (server != NULL)
		mailer_templates_check(server->templates, problems);
	if (server != NULL)
		check_secret(server, problems);
	/* workflow.digest is checked by the reader; its view must be one the
	 * reports know. */
	g_autoptr(GError) digest_error = NULL;
	g_autoptr(LrDigest) digest = digest_load(cfg, &digest_error);
	if (digest_error != NULL)
		g_ptr_array_add(problems, g_strdup(digest_error->message));
	for (guint i = 0; i < problems->len; i++)
		printf("%s\n", (char *)g_ptr_array_index(problems, i));
	if (problems->len > 0)
		return 1;
	warn_sources(cfg);
	printf("configuration OK\n");
	return 0;
}
