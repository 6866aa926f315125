/* cmd-lead-admin.c - leadroute lead reassign|close|note: an admin moves a
 * lead to another rep, closes it as won or lost, or notes something on
 * it; each an event with the admin as actor, the reps concerned told by
 * mail (queued in the same transaction, sent by the daemon). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "lead/lr-error.h"
#include "router/admin.h"
#include "rules/load.h"
#include "src/commands.h"

/* Exit statuses (sysexits.h): misuse, refused input, try again. */
#define ADMIN_EX_USAGE 64
#define ADMIN_EX_DATAERR 65
#define ADMIN_EX_TEMPFAIL 75

/* One admin command line after its options. */
typedef struct {
	const char *verb;
	char *config;
	char *actor;
	guint64 id;
} AdminCmd;

/* admin_usage - the verb's usage line and why on stderr; 64. */
static int admin_usage(const char *verb, const char *usage, const char *why)
{
	fprintf(stderr, "leadroute lead %s: %s\nusage: leadroute lead %s\n", verb, why, usage);
	return ADMIN_EX_USAGE;
}

/* admin_parse - the options (-c, --actor, --help) and the lead id; FALSE
 * with the usage printed and *status set when the line is wrong. */
static gboolean admin_parse(AdminCmd *c, int *argc, char ***argv, const char *usage, int *status)
{
	GOptionEntry entries[] = {
	    {"config", 'c', 0, G_OPTION_ARG_FILENAME, &c->config, "configuration file", "FILE"},
	    {"actor", 0, 0, G_OPTION_ARG_STRING, &c->actor, "who did it (default: admin:LOGIN)",
	     "NAME"},
	    {NULL}};
	g_autoptr(GOptionContext) ctx = g_option_context_new(strchr(usage, ' ') + 1);
	g_autoptr(GError) error = NULL;

	g_option_context_add_main_entries(ctx, entries, NULL);
	*status = ADMIN_EX_USAGE;
	if (!g_option_context_parse(ctx, argc, argv, &error)) {
		admin_usage(c->verb, usage, error->message);
		return FALSE;
	}
	if (*argc < 3 ||
	    !g_ascii_string_to_unsigned((*argv)[1], 10, 1, G_MAXUINT64, &c->id, NULL)) {
		admin_usage(c->verb, usage, "give the lead's id (a number) and what to do");
		return FALSE;
	}
	if (c->actor == NULL)
		c->actor = g_strdup_printf("admin:%s", g_get_user_name());
	return TRUE;
}

/* admin_router - the configuration and a router over its store; NULL
 * with the message printed. */
static LrRouter *admin_router(const AdminCmd *c, LrQueue **q, int *status)
{
	g_autoptr(GError) error = NULL;
	LrConfig *cfg = lr_config_load(c->config, &error);
	LrRouter *r = NULL;

	*q = cfg ? queue_open(cfg->server->home, FALSE, &error) : NULL;
	if (*q != NULL && (r = router_new(*q, cfg, &error)) == NULL) {
		queue_close(*q);
		*q = NULL;
	} else if (*q == NULL && cfg != NULL) {
		lr_config_free(cfg);
	}
	if (r == NULL) {
		fprintf(stderr, "leadroute lead %s: %s\n", c->verb, error->message);
		*status = lr_error_is_temp(error) ? ADMIN_EX_TEMPFAIL : 1;
	}
	return r;
}

/* admin_done - close up and turn the outcome into the exit status. */
static int admin_done(const AdminCmd *c, LrRouter *r, LrQueue *q, gboolean ok, GError *error)
{
	router_free(r);
	queue_close(q);
	if (ok)
		return 0;
	fprintf(stderr, "leadroute lead %s: %s\n", c->verb, error->message);
	return lr_error_is_temp(error) ? ADMIN_EX_TEMPFAIL : ADMIN_EX_DATAERR;
}

/* admin_amount - TRUE when text is an amount: digits with at most one
 * decimal point ("5000", "5000.50"). */
static gboolean admin_amount(const char *text)
{
	gboolean digit = FALSE, point = FALSE;

	for (const char *p = text; *p; p++) {
		if (g_ascii_isdigit(*p))
			digit = TRUE;
		else if (*p == '.' && !point)
			point = TRUE;
		else
			return FALSE;
	}
	return digit;
}

int cmd_lead_reassign(int argc, char **argv)
{
	AdminCmd c = {.verb = "reassign"};
	g_autofree char *config = NULL, *actor = NULL;
	g_autoptr(GError) error = NULL;
	LrQueue *q = NULL;
	LrRouter *r;
	int status;
	gboolean ok;

	ok = admin_parse(&c, &argc, &argv, LEAD_REASSIGN_USAGE, &status);
	config = c.config, actor = c.actor;
	if (!ok)
		return status;
	if (argc != 3)
		return admin_usage(c.verb, LEAD_REASSIGN_USAGE, "give the lead's id and one user");
	if ((r = admin_router(&c, &q, &status)) == NULL)
		return status;
	ok = router_admin_reassign(r, c.id, argv[2], c.actor, &error);
	if (ok)
		printf("lead %" G_GUINT64_FORMAT ": reassigned to %s (by %s)\n", c.id, argv[2],
		       c.actor);
	return admin_done(&c, r, q, ok, error);
}

int cmd_lead_close(int argc, char **argv)
{
	AdminCmd c = {.verb = "close"};
	g_autofree char *config = NULL, *actor = NULL, *arg = NULL;
	g_autoptr(GError) error = NULL;
	LrQueue *q = NULL;
	LrRouter *r;
	int status;
	gboolean ok;

	ok = admin_parse(&c, &argc, &argv, LEAD_CLOSE_USAGE, &status);
	config = c.config, actor = c.actor;
	if (!ok)
		return status;
	if (strcmp(argv[2], "won") == 0) {
		if (argc > 4 || (argc == 4 && !admin_amount(argv[3])))
			return admin_usage(c.verb, LEAD_CLOSE_USAGE,
			                   "won takes one amount, such as 5000 or 5000.50");
		arg = argc == 4 ? g_strdup(argv[3]) : NULL;
	} else if (strcmp(argv[2], "lost") == 0) {
		arg = argc > 3 ? g_strjoinv(" ", argv + 3) : NULL;
	} else {
		return admin_usage(c.verb, LEAD_CLOSE_USAGE, "close as won or lost");
	}
	if ((r = admin_router(&c, &q, &status)) == NULL)
		return status;
	ok = router_admin_close(r, c.id, argv[2], arg, c.actor, &error);
	if (ok)
		printf("lead %" G_GUINT64_FORMAT ": %s%s%s (by %s)\n", c.id, argv[2],
		       arg ? " " : "", arg ? arg : "", c.actor);
	return admin_done(&c, r, q, ok, error);
}

int cmd_lead_note(int argc, char **argv)
{
	AdminCmd c = {.verb = "note"};
	g_autofree char *config = NULL, *actor = NULL, *text = NULL;
	g_autoptr(GError) error = NULL;
	LrQueue *q = NULL;
	LrRouter *r;
	int status;
	gboolean ok;

	ok = admin_parse(&c, &argc, &argv, LEAD_NOTE_USAGE, &status);
	config = c.config, actor = c.actor;
	if (!ok)
		return status;
	text = g_strstrip(g_strjoinv(" ", argv + 2));
	if (*text == '\0')
		return admin_usage(c.verb, LEAD_NOTE_USAGE, "the note is empty");
	if ((r = admin_router(&c, &q, &status)) == NULL)
		return status;
	ok = router_admin_note(r, c.id, text, c.actor, &error);
	if (ok)
		printf("lead %" G_GUINT64_FORMAT ": noted (by %s)\n", c.id, c.actor);
	return admin_done(&c, r, q, ok, error);
}
