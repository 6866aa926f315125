/* cmd-backup.c - leadroute backup DIR, restore BACKUP, erase ID: the
 * store's hot backup and its restore, and a person's erasure request. */
#include "config.h"

#include <stdio.h>

#include "lead/lr-error.h"
#include "queue/queue.h"
#include "rules/server-config.h"
#include "src/commands.h"

/* open_store - the configuration's store, or NULL after printing why. */
static LrQueue *open_store(const char *cmd, const char *config, LrServerConfig **cfg)
{
	g_autoptr(GError) error = NULL;
	LrQueue *q = NULL;

	if ((*cfg = server_config_load(config, &error)) != NULL)
		q = queue_open((*cfg)->home, FALSE, &error);
	if (q == NULL)
		fprintf(stderr, "leadroute %s: %s\n", cmd, error->message);
	return q;
}

/* parse_args - options, then exactly one operand: -1 to go on, else the
 * exit status (0 after --help, 64 with the usage after misuse). */
static int parse_args(GOptionEntry *entries, const char *name, int *argc, char ***argv)
{
	g_autoptr(GOptionContext) ctx = g_option_context_new(NULL);
	int rc;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if ((rc = cmd_options(ctx, name, argc, argv)) >= 0)
		return rc;
	return *argc == 2 ? -1 : cmd_usage_error(name, "give one argument");
}

int cmd_backup(int argc, char **argv)
{
	g_autofree char *config = NULL;
	GOptionEntry entries[] = {
	    {"config", 'c', 0, G_OPTION_ARG_FILENAME, &config, "configuration file", "FILE"},
	    {NULL}};
	g_autoptr(LrServerConfig) cfg = NULL;
	g_autoptr(GError) error = NULL;
	LrQueue *q;
	gboolean ok;
	int rc;

	if ((rc = parse_args(entries, "backup", &argc, &argv)) >= 0)
		return rc;
	if ((q = open_store("backup", config, &cfg)) == NULL)
		return 1;
	ok = queue_backup(q, argv[1], &error);
	queue_close(q);
	if (!ok) {
		fprintf(stderr, "leadroute backup: %s\n", error->message);
		return 1;
	}
	return 0;
}

int cmd_restore(int argc, char **argv)
{
	g_autofree char *config = NULL, *home = NULL;
	GOptionEntry entries[] = {
	    {"config", 'c', 0, G_OPTION_ARG_FILENAME, &config, "configuration file", "FILE"},
	    {"home", 0, 0, G_OPTION_ARG_FILENAME, &home, "restore here, not in server.home", "DIR"},
	    {NULL}};
	g_autoptr(LrServerConfig) cfg = NULL;
	g_autoptr(GError) error = NULL;
	int rc;

	if ((rc = parse_args(entries, "restore", &argc, &argv)) >= 0)
		return rc;
	if (home == NULL && (cfg = server_config_load(config, &error)) == NULL) {
		fprintf(stderr, "leadroute restore: %s\n", error->message);
		return 1;
	}
	if (!queue_restore(argv[1], home ? home : cfg->home, &error)) {
		fprintf(stderr, "leadroute restore: %s\n", error->message);
		return 1;
	}
	return 0;
}

typedef struct {
	guint64 id;
	const char *actor, *why;
	gboolean found;
} Erase;

/* erase_txn - the erasure transaction. */
static gboolean erase_txn(LrTxn *txn, gpointer data, GError **error)
{
	Erase *e = data;

	return queue_lead_erase(txn, e->id, e->actor, e->why, &e->found, error);
}

int cmd_erase(int argc, char **argv)
{
	g_autofree char *config = NULL, *why = NULL;
	GOptionEntry entries[] = {
	    {"config", 'c', 0, G_OPTION_ARG_FILENAME, &config, "configuration file", "FILE"},
	    {"reason", 0, 0, G_OPTION_ARG_STRING, &why, "recorded with the erasure", "TEXT"},
	    {NULL}};
	g_autoptr(LrServerConfig) cfg = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *actor = g_strdup_printf("admin:%s", g_get_user_name());
	Erase e = {0, actor, NULL, FALSE};
	LrQueue *q;
	gboolean ok;
	int rc;

	if ((rc = parse_args(entries, "erase", &argc, &argv)) >= 0)
		return rc;
	if (!cmd_lead_id(argv[1], &e.id))
		return cmd_usage_error("erase", "give one lead's id");
	if ((q = open_store("erase", config, &cfg)) == NULL)
		return 1;
	e.why = why ? why : "erasure request";
	ok = queue_run(q, erase_txn, &e, &error);
	queue_close(q);
	if (ok && !e.found)
		fprintf(stderr, "leadroute erase: no lead %" G_GUINT64_FORMAT "\n", e.id);
	else if (!ok)
		fprintf(stderr, "leadroute erase: %s\n", error->message);
	return ok && e.found ? 0 : 1;
}
