/* cmd-user.c - leadroute user list|show|away|back: an admin lists the
 * users, sees one with their history, marks one away (no new leads until
 * a date) or back. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "router/router.h"
#include "rules/load.h"
#include "rules/lr-config.h"
#include "src/commands.h"

/* user_list - one line per user (src/cmd-user-list.c); the exit status. */
int user_list(const LrConfig *cfg, LrQueue *q);
/* user_detail - one user's state lines (src/cmd-user-list.c); the exit status. */
int user_detail(const LrConfig *cfg, LrQueue *q, const LrUser *u);

static int user_list_verb(int argc, char **argv);
static int user_show_verb(int argc, char **argv);
static int user_away_verb(int argc, char **argv);

const CmdVerb cmd_user_verbs[] = {
    {"list", user_list_verb},
    {"show", user_show_verb},
    {"away", user_away_verb},
    {"back", user_away_verb},
};
const gsize cmd_user_nverbs = G_N_ELEMENTS(cmd_user_verbs);

/* One `leadroute user VERB` line after its options. */
typedef struct {
	char *name; /* "user show" */
	char *config;
	char *until;
	LrConfig *cfg;
	LrQueue *q;
	const LrUser *user;
} UserCmd;

int cmd_user(int argc, char **argv)
{
	return cmd_verbs("user", cmd_user_verbs, cmd_user_nverbs, argc, argv);
}

/* user_open - the options (with --until when until is TRUE), the user id
 * (ids ids expected), the configuration and its store.  -1 to go on,
 * else the exit status (with the message printed). */
static int user_open(UserCmd *c, int *argc, char ***argv, gboolean until, int ids)
{
	GOptionEntry entries[] = {
	    {"config", 'c', 0, G_OPTION_ARG_FILENAME, &c->config, "configuration file", "FILE"},
	    {"until", 0, 0, G_OPTION_ARG_STRING, &c->until, "away until (YYYY-MM-DD[THH:MM])",
	     "DATE"},
	    {NULL}};
	g_autoptr(GOptionContext) ctx = g_option_context_new(NULL);
	g_autoptr(GError) error = NULL;
	int rc;

	c->name = g_strconcat("user ", (*argv)[0], NULL);
	if (!until)
		entries[1] = entries[2];
	g_option_context_add_main_entries(ctx, entries, NULL);
	if ((rc = cmd_options(ctx, c->name, argc, argv)) >= 0)
		return rc;
	if (*argc != 1 + ids)
		return cmd_usage_error(c->name, ids ? "give one user's id" : "no arguments");
	if ((c->cfg = lr_config_load(c->config, &error)) == NULL)
		goto fail;
	if (ids && (c->user = lr_config_user(c->cfg, (*argv)[1])) == NULL) {
		fprintf(stderr, "leadroute %s: '%s' is no user of %s\n", c->name, (*argv)[1],
		        c->cfg->file ? c->cfg->file : "the configuration");
		return 1;
	}
	if ((c->q = queue_open(c->cfg->server->home, FALSE, &error)) != NULL)
		return -1;
fail:
	fprintf(stderr, "leadroute %s: %s\n", c->name, error->message);
	return 1;
}

/* user_close - free what user_open made; returns status. */
static int user_close(UserCmd *c, int status)
{
	queue_close(c->q);
	lr_config_free(c->cfg);
	g_free(c->name);
	g_free(c->config);
	g_free(c->until);
	return status;
}

/* parse_until - DATE as "YYYY-MM-DD" (midnight, local time) or ISO 8601
 * ("2026-12-08T09:00", local unless it names a zone); µs, or -1. */
static gint64 parse_until(const char *text)
{
	g_autoptr(GTimeZone) local = g_time_zone_new_local();
	g_autofree char *iso = strchr(text, 'T') || strchr(text, ' ')
	                           ? g_strdelimit(g_strdup(text), " ", 'T')
	                           : g_strconcat(text, "T00:00:00", NULL);
	g_autoptr(GDateTime) dt = g_date_time_new_from_iso8601(iso, local);

	return dt ? g_date_time_to_unix(dt) * G_USEC_PER_SEC : -1;
}

/* user_history - the changes to the user's availability, oldest first. */
static int user_history(LrQueue *q, const char *id)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) events = router_user_events(q, id, &error);

	if (events == NULL) {
		fprintf(stderr, "leadroute user show: %s\n", error->message);
		return 1;
	}
	for (guint i = 0; i < events->len; i++) {
		const LrEvent *ev = events->pdata[i];
		g_autofree char *at = lead_time_format(ev->at);
		printf("  %s %s by %s: %s\n", at, ev->type, ev->actor, ev->detail);
	}
	return 0;
}

/* user_show - availability, open leads, capacity, away until, last
 * activity, then the history. */
static int user_show(const UserCmd *c)
{
	gint64 until = router_user_away(c->q, c->user->id);
	g_autofree char *when = until > g_get_real_time() ? lead_time_format(until) : NULL;
	int status;

	printf("%s: %s%s\n", c->user->id, when ? "away until " : "available", when ? when : "");
	status = user_detail(c->cfg, c->q, c->user);
	return status ? status : user_history(c->q, c->user->id);
}

/* user_change - away (until, or now + workflow.max_away) or back. */
static int user_change(const UserCmd *c, gboolean away)
{
	gint64 now = g_get_real_time(), until = 0;
	g_autofree char *actor = g_strdup_printf("admin:%s", g_get_user_name());
	g_autoptr(GError) error = NULL;
	g_autofree char *when = NULL;

	if (away) {
		until = c->until ? parse_until(c->until)
		                 : now + c->cfg->workflow.max_away * G_USEC_PER_SEC;
		if (until <= now) {
			fprintf(stderr,
			        "leadroute user away: --until '%s' is not a date in the future\n",
			        c->until);
			return 64;
		}
	}
	if (!router_user_set_away(c->q, c->user->id, until, actor, &error)) {
		fprintf(stderr, "%s: %s\n", c->name, error->message);
		return 1;
	}
	when = until ? lead_time_format(until) : NULL;
	printf("%s: %s%s\n", c->user->id, when ? "away until " : "back", when ? when : "");
	return 0;
}

/* user_list_verb - user list. */
static int user_list_verb(int argc, char **argv)
{
	UserCmd c = {0};
	int status = user_open(&c, &argc, &argv, FALSE, 0);

	return user_close(&c, status >= 0 ? status : user_list(c.cfg, c.q));
}

/* user_show_verb - user show ID. */
static int user_show_verb(int argc, char **argv)
{
	UserCmd c = {0};
	int status = user_open(&c, &argc, &argv, FALSE, 1);

	return user_close(&c, status >= 0 ? status : user_show(&c));
}

/* user_away_verb - user away [--until DATE] ID, user back ID. */
static int user_away_verb(int argc, char **argv)
{
	UserCmd c = {0};
	gboolean away = strcmp(argv[0], "away") == 0;
	int status = user_open(&c, &argc, &argv, away, 1);

	return user_close(&c, status >= 0 ? status : user_change(&c, away));
}
