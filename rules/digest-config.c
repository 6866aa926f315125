/* digest-config.c - workflow.digest of the main file, read and checked
 * with the rest of the configuration (the one reader): who gets the
 * report, when, over what period, in which view. */
#include "config.h"

#include <stdio.h>

#include "rules/lr-config-int.h"

static const char *const digest_keys[] = {"to", "when", "period", "by", NULL};

const char *const lr_config_report_views[] = {"source", "campaign", "user", "team",
                                              "server", "day",      "week", NULL};

/* digest_config_free - destroy a digest configuration. */
void digest_config_free(LrDigestConfig *d)
{
	if (d == NULL)
		return;
	g_strfreev(d->to);
	if (d->tz)
		g_time_zone_unref(d->tz);
	g_free(d->by);
	g_free(d);
}

/* digest_days - "Mon", "Mon-Fri", "Mon,Thu" as a mask; 0 when wrong. */
static guint8 digest_days(const char *text)
{
	static const char *const names[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
	g_auto(GStrv) parts = g_strsplit(text, ",", -1);
	guint8 mask = 0;

	for (guint i = 0; parts[i]; i++) {
		g_auto(GStrv) ends = g_strsplit(parts[i], "-", 2);
		int a = -1, b = -1;
		for (int k = 0; k < 7; k++) {
			if (g_ascii_strcasecmp(ends[0], names[k]) == 0)
				a = k;
			if (g_ascii_strcasecmp(ends[1] ? ends[1] : ends[0], names[k]) == 0)
				b = k;
		}
		if (a < 0 || b < 0)
			return 0;
		for (int k = a;; k = (k + 1) % 7) {
			mask |= 1u << k;
			if (k == b)
				break;
		}
	}
	return mask;
}

/* digest_when - "Mon 08:00 [TZ]" or "every 1h" into d; NULL or what is
 * wrong. */
static const char *digest_when(const char *text, LrDigestConfig *d)
{
	g_auto(GStrv) w = g_strsplit_set(text, " \t", -1);
	guint n = g_strv_length(w);
	int h, m;
	char tail;

	if (n == 2 && strcmp(w[0], "every") == 0)
		return (d->every = lr_config_duration(w[1])) > 0 ? NULL
		                                                 : "bad duration after every";
	if (n < 2 || n > 3 || (d->days = digest_days(w[0])) == 0)
		return "expected \"DAYS HH:MM [TIME_ZONE]\" or \"every DURATION\"";
	if (sscanf(w[1], "%d:%d%c", &h, &m, &tail) != 2 || h < 0 || h > 23 || m < 0 || m > 59)
		return "the time must be like 08:00";
	d->minute = h * 60 + m;
	d->tz = n == 3 ? g_time_zone_new_identifier(w[2]) : g_time_zone_new_local();
	return d->tz ? NULL : "unknown time zone";
}

/* digest_to - the to member: a text ("a,b") or a list of ids. */
static char **digest_to(const config_setting_t *s)
{
	config_setting_t *to = config_setting_get_member(s, "to");
	int n = to ? config_setting_length(to) : 0;
	char **ids = NULL;

	if (to && config_setting_type(to) == CONFIG_TYPE_STRING)
		return g_strsplit(config_setting_get_string(to), ",", -1);
	if (to && config_setting_is_array(to) && n > 0) {
		ids = g_new0(char *, n + 1);
		for (int i = 0; i < n; i++)
			ids[i] = g_strdup(config_setting_get_string_elem(to, i));
	}
	return ids;
}

/* digest_members - to, when, period, by of the digest group s into d;
 * NULL or what is wrong. */
static const char *digest_members(const config_setting_t *s, LrDigestConfig *d)
{
	const char *when = NULL, *period = NULL, *by = "user";

	d->to = digest_to(s);
	if (d->to == NULL || d->to[0] == NULL)
		return "'to' must list users or \"managers\"";
	for (guint i = 0; d->to[i]; i++)
		if (d->to[i][0] == '\0')
			return "'to' must list users or \"managers\"";
	if (!config_setting_lookup_string(s, "when", &when))
		return "'when' is missing (\"Mon 08:00\" or \"every 1h\")";
	config_setting_lookup_string(s, "period", &period);
	config_setting_lookup_string(s, "by", &by);
	d->period = period ? lr_config_duration(period) : 7 * 86400;
	if (d->period <= 0)
		return "'period' must be a duration such as \"7d\"";
	if (!g_strv_contains(lr_config_report_views, by))
		return "'by' must be source, campaign, user, team, server, day or week";
	d->by = g_strdup(by);
	return digest_when(when, d);
}

/* load_digest - workflow.digest of the main file into ld->cfg->digest (a
 * wrong one is a problem "file:line: workflow.digest: why" and left out). */
void load_digest(Loader *ld, const config_setting_t *root)
{
	config_setting_t *wf = config_setting_get_member(root, "workflow");
	config_setting_t *s = wf ? config_setting_get_member(wf, "digest") : NULL;
	LrDigestConfig *d;
	const char *why;

	if (s == NULL || !config_setting_is_group(wf))
		return;
	if (!config_setting_is_group(s)) {
		at(ld, s, "workflow.digest: must be a group { to = [...]; when = \"...\"; }");
		return;
	}
	check_keys(ld, s, digest_keys, "workflow.digest");
	d = g_new0(LrDigestConfig, 1);
	if ((why = digest_members(s, d)) != NULL) {
		at(ld, s, "workflow.digest: %s", why);
		digest_config_free(d);
		return;
	}
	ld->cfg->digest = d;
}
