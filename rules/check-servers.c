/* check-servers.c - the servers entries: secret files present and
 * private, deliver well-formed, withheld fields that exist. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lead/adf-fields.h"
#include "parser/labels.h"
#include "rules/check-servers.h"
#include "rules/suggest.h"

/* Field names a lead can have besides the built-in form labels' (parser/
 * labels.c), fields.aliases and the ADF fields (lead/adf-fields.h): what
 * parser/vcard.c and parser/fields.h fill in. */
static const char *const check_parser_fields[] = {
    "title",      "email_domain", "email_invalid", "country_name", "source",      "campaign",
    "utm_source", "utm_medium",   "utm_campaign",  "utm_term",     "utm_content", NULL,
};

/* check_field_names - the ADF fields, then check_parser_fields: every
 * field name a lead can have besides labels and aliases.  Static. */
static const char *const *check_field_names(void)
{
	static const char **names;
	static gsize once = 0;

	if (g_once_init_enter(&once)) {
		GPtrArray *a = g_ptr_array_new();

		for (guint i = 0; lead_adf_fields[i]; i++)
			g_ptr_array_add(a, (gpointer)lead_adf_fields[i]);
		for (guint i = 0; check_parser_fields[i]; i++)
			g_ptr_array_add(a, (gpointer)check_parser_fields[i]);
		g_ptr_array_add(a, NULL);
		names = (const char **)g_ptr_array_free(a, FALSE);
		g_once_init_leave(&once, 1);
	}
	return names;
}

/* ---- secret files ---- */

/* check_secret_file - why the peer secret at path is unusable, or NULL.
 * Returns a new string. */
static char *check_secret_file(const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);

	if (fd < 0)
		return g_strdup_printf("%s (make one with leadroute peer-secret -o FILE)",
		                       g_strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return g_strdup("not a regular file");
	}
	close(fd);
	if ((st.st_mode & 077) != 0)
		return g_strdup_printf("mode %04o lets group or others at it (chmod 600)",
		                       (unsigned)(st.st_mode & 07777));
	if (st.st_size < CHECK_PEER_SECRET_MIN)
		return g_strdup_printf("%lld bytes, at least %d needed", (long long)st.st_size,
		                       CHECK_PEER_SECRET_MIN);
	return NULL;
}

/* check_secret - report the secret file of key (when set) that is unusable. */
static void check_secret(const LrServer *s, const char *key, const char *path,
                         LrConfigReportFunc report, gpointer data)
{
	g_autofree char *why = path ? check_secret_file(path) : NULL;
	g_autofree char *msg = NULL;

	if (why == NULL)
		return;
	msg = g_strdup_printf("server '%s': %s %s: %s", s->id, key, path, why);
	report(data, s->file, s->line, msg);
}

/* ---- deliver ---- */

/* check_address - TRUE for an addr-spec: dot-atoms on both sides of one
 * "@", a domain of letters, digits and hyphens. */
static gboolean check_address(const char *addr)
{
	static const char atext[] = "!#$%&'*+-/=?^_`{|}~.";
	const char *at = strchr(addr, '@');

	if (at == NULL || at == addr || strchr(at + 1, '@') != NULL || at[1] == '\0')
		return FALSE;
	if (addr[0] == '.' || at[-1] == '.' || strstr(addr, "..") != NULL)
		return FALSE;
	for (const char *p = addr; p < at; p++)
		if (!g_ascii_isalnum(*p) && strchr(atext, *p) == NULL)
			return FALSE;
	if (at[1] == '.' || at[1] == '-' || addr[strlen(addr) - 1] == '.')
		return FALSE;
	for (const char *p = at + 1; *p; p++)
		if (!g_ascii_isalnum(*p) && *p != '-' && *p != '.')
			return FALSE;
	return TRUE;
}

/* check_https - TRUE for an https URL with a host and no user or password. */
static gboolean check_https(const char *url)
{
	g_autoptr(GUri) uri = g_uri_parse(url, G_URI_FLAGS_NONE, NULL);

	return uri != NULL && g_strcmp0(g_uri_get_scheme(uri), "https") == 0 &&
	       g_uri_get_host(uri) != NULL && *g_uri_get_host(uri) != '\0' &&
	       g_uri_get_userinfo(uri) == NULL && strpbrk(url, " \t\r\n") == NULL;
}

/* check_server_deliver - why deliver is not well-formed, or NULL. */
const char *check_server_deliver(const char *deliver)
{
	if (g_str_has_prefix(deliver, "mailto:"))
		return check_address(deliver + 7) ? NULL
		                                  : "deliver \"mailto:\" needs one valid address "
		                                    "(mailto:leads@partner.example)";
	if (g_str_has_prefix(deliver, "https://"))
		return check_https(deliver) ? NULL
		                            : "deliver needs a valid https URL with a host and no "
		                              "user or password (https://partner.example/leads)";
	return "deliver must be \"mailto:ADDRESS\" or \"https://URL\"";
}

/* ---- withheld fields ---- */

/* check_field_known - TRUE when a lead can have field name: the parser's
 * names (with their numbered forms, phone_2...), the form labels' and
 * fields.aliases targets. */
static gboolean check_field_known(const LrConfig *cfg, GHashTable *labels, const char *name)
{
	g_autofree char *base = g_strdup(name);
	char *tail = strrchr(base, '_');
	GHashTableIter it;
	gpointer field;

	if (tail != NULL && tail[1] != '\0' && strspn(tail + 1, "0123456789") == strlen(tail + 1))
		*tail = '\0';
	if (g_strv_contains(check_field_names(), name) ||
	    g_strv_contains(check_field_names(), base))
		return TRUE;
	g_hash_table_iter_init(&it, labels);
	while (g_hash_table_iter_next(&it, NULL, &field))
		if (strcmp(field, name) == 0)
			return TRUE;
	g_hash_table_iter_init(&it, cfg->aliases);
	while (g_hash_table_iter_next(&it, NULL, &field))
		if (strcmp(field, name) == 0)
			return TRUE;
	return FALSE;
}

/* check_withhold - every withheld field of s is one a lead can have. */
static void check_withhold(const LrConfig *cfg, GHashTable *labels, const LrServer *s,
                           LrConfigReportFunc report, gpointer data)
{
	for (int i = 0; s->withhold && s->withhold[i]; i++) {
		g_autofree char *msg = NULL;
		const char *guess;

		if (check_field_known(cfg, labels, s->withhold[i]))
			continue;
		guess = suggest_word(s->withhold[i], check_field_names());
		if (guess != NULL)
			msg = g_strdup_printf("server '%s': withhold names '%s', which is no field "
			                      "a lead has (did you mean '%s'?)",
			                      s->id, s->withhold[i], guess);
		else
			msg =
			    g_strdup_printf("server '%s': withhold names '%s', which is no field "
			                    "a lead has (a form's own field needs fields.aliases)",
			                    s->id, s->withhold[i]);
		report(data, s->file, s->line, msg);
	}
}

/* check_servers - every servers entry. */
void check_servers(const LrConfig *cfg, LrConfigReportFunc report, gpointer data)
{
	g_autoptr(GHashTable) labels = labels_table_new();

	for (guint i = 0; i < cfg->servers->len; i++) {
		const LrServer *s = cfg->servers->pdata[i];
		const char *why = s->deliver ? check_server_deliver(s->deliver) : NULL;

		if (why != NULL) {
			g_autofree char *msg = g_strdup_printf("server '%s': %s", s->id, why);

			report(data, s->file, s->line, msg);
		}
		check_secret(s, "secret_file", s->secret_file, report, data);
		check_secret(s, "previous_secret_file", s->previous_secret_file, report, data);
		check_withhold(cfg, labels, s, report, data);
	}
}
