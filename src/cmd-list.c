/* cmd-list.c - leadroute list: leads by status, user, source or server,
 * newest first or by priority, a page at a time. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lead/lr-error.h"
#include "report/leads.h"
#include "rules/server-config.h"
#include "src/commands.h"

/* Leads a text list shows on a terminal unless --limit says otherwise. */
#define LIST_TERMINAL_LIMIT 50

#define LIST_USAGE                                                                                 \
	"usage: leadroute list [-c FILE] [--json] [--status S] [--user U] [--source S]\n"          \
	"       [--server server:ID] [--since DATE|30d] [--until DATE|30d] [--by time|priority]\n"        \
	"       [--limit N] [--before ID]\n"

/* Options as given. */
typedef struct {
	char *config, *status, *user, *source, *server, *since, *until, *by, *limit, *before;
	gboolean json;
} ListArgs;

/* list_args_clear - free the option strings. */
static void list_args_clear(ListArgs *a)
{
	g_free(a->config), g_free(a->status), g_free(a->user), g_free(a->source);
	g_free(a->server), g_free(a->since), g_free(a->until), g_free(a->by);
	g_free(a->limit), g_free(a->before);
}

/* list_number - a decimal option into *out (unset: keep *out). */
static gboolean list_number(const char *text, guint64 min, guint64 *out)
{
	return text == NULL || g_ascii_string_to_unsigned(text, 10, min, G_MAXUINT32, out, NULL);
}

/* list_options - check the arguments into opt. */
static gboolean list_options(const ListArgs *a, LrListOptions *opt)
{
	gint64 now = g_get_real_time();
	guint64 limit = a->json || !isatty(STDOUT_FILENO) ? 0 : LIST_TERMINAL_LIMIT;
	guint64 before = 0;

	memset(opt, 0, sizeof(*opt));
	opt->json = a->json;
	opt->query = (QueueQuery){
	    .status = a->status, .user = a->user, .source = a->source, .server = a->server};
	/* "server:north", as show, the events and report name it, or "north". */
	if (a->server && g_str_has_prefix(a->server, "server:"))
		opt->query.server = a->server + strlen("server:");
	if ((a->since && !cmd_parse_when(a->since, now, &opt->query.since)) ||
	    (a->until && !cmd_parse_when(a->until, now, &opt->query.until)))
		return FALSE;
	if (a->by && strcmp(a->by, "priority") != 0 && strcmp(a->by, "time") != 0)
		return FALSE;
	opt->query.by_priority = a->by && strcmp(a->by, "priority") == 0;
	if (!list_number(a->limit, 0, &limit) || !list_number(a->before, 1, &before))
		return FALSE;
	opt->limit = (guint)limit;
	opt->query.before = before;
	return TRUE;
}

int cmd_list(int argc, char **argv)
{
	ListArgs a = {0};
	GOptionEntry entries[] = {
	    {"config", 'c', 0, G_OPTION_ARG_FILENAME, &a.config, "configuration file", "FILE"},
	    {"json", 0, 0, G_OPTION_ARG_NONE, &a.json, "print a JSON array", NULL},
	    {"status", 0, 0, G_OPTION_ARG_STRING, &a.status, "only this status", "S"},
	    {"user", 0, 0, G_OPTION_ARG_STRING, &a.user, "only leads this user holds", "U"},
	    {"source", 0, 0, G_OPTION_ARG_STRING, &a.source, "only this source", "S"},
	    {"server", 0, 0, G_OPTION_ARG_STRING, &a.server, "only leads sent to server", "server:ID"},
	    {"since", 0, 0, G_OPTION_ARG_STRING, &a.since, "received since", "DATE"},
	    {"until", 0, 0, G_OPTION_ARG_STRING, &a.until, "received before", "DATE"},
	    {"by", 0, 0, G_OPTION_ARG_STRING, &a.by, "time (newest first) or priority", "ORDER"},
	    {"limit", 0, 0, G_OPTION_ARG_STRING, &a.limit, "at most N leads (0: all)", "N"},
	    {"before", 0, 0, G_OPTION_ARG_STRING, &a.before, "the page after lead ID", "ID"},
	    {NULL}};
	g_autoptr(GOptionContext) ctx = g_option_context_new("- list leads");
	g_autoptr(GError) error = NULL;
	g_autoptr(LrServerConfig) cfg = NULL;
	LrListOptions opt;
	LrQueue *q = NULL;
	int rc = 1;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if ((rc = cmd_options(ctx, "list", &argc, &argv)) >= 0)
		goto out;
	rc = 1;
	if (argc > 1 || !list_options(&a, &opt)) {
		fputs(LIST_USAGE, stderr);
		rc = 64;
		goto out;
	}
	if ((cfg = server_config_load(a.config, &error)) == NULL ||
	    (q = queue_open(cfg->home, FALSE, &error)) == NULL)
		goto out;
	rc = report_list(q, &opt, stdout, &error) ? 0 : 1;
	queue_close(q);
out:
	if (error)
		fprintf(stderr, "leadroute list: %s\n", error->message);
	list_args_clear(&a);
	return rc;
}
