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

/* parse_args - options, then exactly one operand. */
static gboolean parse_args(GOptionEntry *entries, const char *what, int *argc, char ***argv)
{
	g_autoptr(GOptionContext) ctx = g_option_context_new(what);
	g_autoptr(GError) error = NULL;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, argc, argv, &error)) {
		fprintf(stderr, "leadroute: %s\n", error->message);
		return FALSE;
	}
	return *argc == 2;
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

	if (!parse_args(entries, "DIR - hot backup of the store", &argc, &argv)) {
		fprintf(stderr, "usage: leadroute backup [-c FILE] DIR\n");
		return 64;
	}
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

	if (!parse_args(entries, "BACKUP - restore a backup into an empty home", &argc, &argv)) {
		fprintf(stderr, "usage: leadroute restore [-c FILE] [--home DIR] BACKUP\n");
		return 64;
	}
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

	if (!parse_args(entries, "ID - erase a person's data from a lead", &argc, &argv) ||
	    !g_ascii_string_to_unsigned(argv[1], 10, 1, G_MAXUINT64, &e.id, NULL)) {
		fprintf(stderr, "usage: leadroute erase [-c FILE] [--reason TEXT] ID\n");
		return 64;
	}
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
