/* cmd-user.c - leadroute user away|back|show: an admin marks a user away
 * (no new leads until a date) or back, and sees it, with its history. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "router/router.h"
#include "rules/load.h"
#include "rules/lr-config.h"
#include "src/commands.h"

#define USER_USAGE "usage: leadroute user list|away|back|show [-c FILE] [--until DATE] [ID]\n"

/* user_list - one line per user (src/cmd-user-list.c); the exit status. */
int user_list(const LrConfig *cfg, LrQueue *q);

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

/* user_show - the user's availability and the admin's changes. */
static int user_show(LrQueue *q, const char *id)
{
	gint64 until = router_user_away(q, id);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) events = router_user_events(q, id, &error);
	g_autofree char *when = until > g_get_real_time() ? lead_time_format(until) : NULL;

	printf("%s: %s%s\n", id, when ? "away until " : "available", when ? when : "");
	if (events == NULL) {
		fprintf(stderr, "leadroute user: %s\n", error->message);
		return 1;
	}
	for (guint i = 0; i < events->len; i++) {
		const LrEvent *ev = events->pdata[i];
		g_autofree char *at = lead_time_format(ev->at);
		printf("  %s %s by %s: %s\n", at, ev->type, ev->actor, ev->detail);
	}
	return 0;
}

/* user_change - away (until, or now + workflow.max_away) or back. */
static int user_change(const LrConfig *cfg, LrQueue *q, const char *verb, const char *id,
                       const char *until_text)
{
	gint64 now = g_get_real_time(), until = 0;
	g_autofree char *actor = g_strdup_printf("admin:%s", g_get_user_name());
	g_autoptr(GError) error = NULL;
	g_autofree char *when = NULL;

	if (strcmp(verb, "away") == 0) {
		until = until_text ? parse_until(until_text)
		                   : now + cfg->workflow.max_away * G_USEC_PER_SEC;
		if (until <= now) {
			fprintf(stderr,
			        "leadroute user: --until '%s' is not a date in the future\n",
			        until_text);
			return 64;
		}
	}
	if (!router_user_set_away(q, id, until, actor, &error)) {
		fprintf(stderr, "leadroute user: %s\n", error->message);
		return 1;
	}
	when = until ? lead_time_format(until) : NULL;
	printf("%s: %s%s\n", id, when ? "away until " : "back", when ? when : "");
	return 0;
}

/* user_list_run - load the configuration and its store, list the users. */
static int user_list_run(const char *config)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(LrConfig) cfg = lr_config_load(config, &error);
	LrQueue *q = cfg ? queue_open(cfg->server->home, FALSE, &error) : NULL;
	int status;

	if (q == NULL) {
		fprintf(stderr, "leadroute user: %s\n", error->message);
		return 1;
	}
	status = user_list(cfg, q);
	queue_close(q);
	return status;
}

int cmd_user(int argc, char **argv)
{
	g_autofree char *config = NULL, *until = NULL;
	GOptionEntry entries[] = {
	    {"config", 'c', 0, G_OPTION_ARG_FILENAME, &config, "configuration file", "FILE"},
	    {"until", 0, 0, G_OPTION_ARG_STRING, &until, "away until (YYYY-MM-DD[THH:MM])", "DATE"},
	    {NULL}};
	g_autoptr(GOptionContext) ctx = g_option_context_new("list | away|back|show ID");
	g_autoptr(GError) error = NULL;
	g_autoptr(LrConfig) cfg = NULL;
	LrQueue *q;
	int status;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error))
		goto fail;
	if (argc == 2 && strcmp(argv[1], "list") == 0)
		return user_list_run(config);
	if (argc != 3 || (strcmp(argv[1], "away") != 0 && strcmp(argv[1], "back") != 0 &&
	                  strcmp(argv[1], "show") != 0)) {
		fprintf(stderr, USER_USAGE);
		return 64;
	}
	if ((cfg = lr_config_load(config, &error)) == NULL)
		goto fail;
	if (lr_config_user(cfg, argv[2]) == NULL) {
		fprintf(stderr, "leadroute user: '%s' is no user of %s\n", argv[2],
		        cfg->file ? cfg->file : "the configuration");
		return 1;
	}
	if ((q = queue_open(cfg->server->home, FALSE, &error)) == NULL)
		goto fail;
	status = strcmp(argv[1], "show") == 0 ? user_show(q, argv[2])
	                                      : user_change(cfg, q, argv[1], argv[2], until);
	queue_close(q);
	return status;
fail:
	fprintf(stderr, "leadroute user: %s\n", error->message);
	return 1;
}
