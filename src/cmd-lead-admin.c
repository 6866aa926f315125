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

/* Exit statuses (sysexits.h): refused input, try again. */
#define ADMIN_EX_DATAERR 65
#define ADMIN_EX_TEMPFAIL 75

/* admin_router - the configuration and a router over its store; NULL
 * with the message printed. */
static LrRouter *admin_router(const CmdLead *c, LrQueue **q, int *status)
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
static int admin_done(const CmdLead *c, LrRouter *r, LrQueue *q, gboolean ok, GError *error)
{
	router_free(r);
	queue_close(q);
	if (ok)
		return 0;
	fprintf(stderr, "leadroute lead %s: %s\n", c->verb, error->message);
	return lr_error_is_temp(error) ? ADMIN_EX_TEMPFAIL : ADMIN_EX_DATAERR;
}

int cmd_lead_reassign(int argc, char **argv)
{
	CmdLead c = {.verb = "reassign"};
	g_autoptr(GError) error = NULL;
	LrQueue *q = NULL;
	LrRouter *r;
	int status;
	gboolean ok;

	if ((status = cmd_lead_parse(&c, &argc, &argv, 1)) >= 0)
		goto out;
	if (argc != 3) {
		status = cmd_usage_error("lead reassign", "give the lead's id and one user");
		goto out;
	}
	if ((r = admin_router(&c, &q, &status)) == NULL)
		goto out;
	ok = router_admin_reassign(r, c.id, argv[2], c.actor, &error);
	if (ok)
		printf("lead %" G_GUINT64_FORMAT ": reassigned to %s (by %s)\n", c.id, argv[2],
		       c.actor);
	status = admin_done(&c, r, q, ok, error);
out:
	cmd_lead_clear(&c);
	return status;
}

int cmd_lead_close(int argc, char **argv)
{
	CmdLead c = {.verb = "close"};
	g_autofree char *arg = NULL;
	g_autoptr(GError) error = NULL;
	const char *why = NULL;
	LrQueue *q = NULL;
	LrRouter *r;
	int status;
	gboolean ok;

	if ((status = cmd_lead_parse(&c, &argc, &argv, 1)) >= 0)
		goto out;
	if (!cmd_outcome_args(argc, argv, 2, &arg, &why)) {
		status = cmd_usage_error("lead close", why);
		goto out;
	}
	if ((r = admin_router(&c, &q, &status)) == NULL)
		goto out;
	ok = router_admin_close(r, c.id, argv[2], arg, c.actor, &error);
	if (ok)
		printf("lead %" G_GUINT64_FORMAT ": %s%s%s (by %s)\n", c.id, argv[2],
		       arg ? " " : "", arg ? arg : "", c.actor);
	status = admin_done(&c, r, q, ok, error);
out:
	cmd_lead_clear(&c);
	return status;
}

int cmd_lead_note(int argc, char **argv)
{
	CmdLead c = {.verb = "note"};
	g_autofree char *text = NULL;
	g_autoptr(GError) error = NULL;
	LrQueue *q = NULL;
	LrRouter *r;
	int status;
	gboolean ok;

	if ((status = cmd_lead_parse(&c, &argc, &argv, 1)) >= 0)
		goto out;
	text = g_strstrip(g_strjoinv(" ", argv + 2));
	if (*text == '\0') {
		status = cmd_usage_error("lead note", "the note is empty");
		goto out;
	}
	if ((r = admin_router(&c, &q, &status)) == NULL)
		goto out;
	ok = router_admin_note(r, c.id, text, c.actor, &error);
	if (ok)
		printf("lead %" G_GUINT64_FORMAT ": noted (by %s)\n", c.id, c.actor);
	status = admin_done(&c, r, q, ok, error);
out:
	cmd_lead_clear(&c);
	return status;
}
