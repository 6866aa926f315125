/* sources.c - the `sources` list: mailboxes to fetch leads from. */
#include "config.h"

#include <sys/stat.h>

#include "rules/lr-config-int.h"
#include "rules/sources.h"

static const char *const source_keys[] = {"id",
                                          "url",
                                          "password_file",
                                          "after",
                                          "idle",
                                          "poll",
                                          "recipient",
                                          "ca_file",
                                          "fingerprint",
                                          "tls",
                                          "tls_verify",
                                          "max_message_size",
                                          "quarantine",
                                          "quarantine_after",
                                          NULL};

#define LR_SOURCE_DEFAULT_POLL 120
#define LR_SOURCE_DEFAULT_QUARANTINE_AFTER 5

/* url_scheme - kind, TLS and default port of a scheme; FALSE if unknown. */
static gboolean url_scheme(LrSource *src, const char *scheme)
{
	static const struct {
		const char *name;
		LrSourceKind kind;
		LrSourceTls tls;
		guint port;
	} schemes[] = {
	    {"imap", LR_SOURCE_IMAP, LR_TLS_STARTTLS, 143},
	    {"imaps", LR_SOURCE_IMAP, LR_TLS_IMPLICIT, 993},
	    {"pop3", LR_SOURCE_POP3, LR_TLS_STARTTLS, 110},
	    {"pop3s", LR_SOURCE_POP3, LR_TLS_IMPLICIT, 995},
	};

	for (guint i = 0; i < G_N_ELEMENTS(schemes); i++)
		if (g_ascii_strcasecmp(scheme, schemes[i].name) == 0) {
			src->kind = schemes[i].kind;
			src->tls = schemes[i].tls;
			src->port = schemes[i].port;
			return TRUE;
		}
	return FALSE;
}

/* url_authority - user@host[:port] into src. */
static gboolean url_authority(LrSource *src, const char *auth, char **why)
{
	const char *at = strrchr(auth, '@');
	const char *hostport = at ? at + 1 : auth;
	const char *colon = strrchr(hostport, ':');
	g_autofree char *user = at ? g_strndup(auth, at - auth) : NULL;

	if (user == NULL || *user == '\0') {
		*why = g_strdup("no user name (user@host)");
		return FALSE;
	}
	src->user = g_uri_unescape_string(user, NULL);
	if (src->user == NULL) {
		*why = g_strdup("bad %-escape in the user name");
		return FALSE;
	}
	if (colon != NULL) {
		guint64 port;
		if (!g_ascii_string_to_unsigned(colon + 1, 10, 1, 65535, &port, NULL)) {
			*why = g_strdup_printf("bad port '%s'", colon + 1);
			return FALSE;
		}
		src->port = (guint)port;
	}
	src->host = colon ? g_strndup(hostport, colon - hostport) : g_strdup(hostport);
	if (*src->host == '\0') {
		*why = g_strdup("no host name");
		return FALSE;
	}
	return TRUE;
}

/* lr_source_parse_url - scheme://user@host[:port][/folder] or maildir:/path. */
gboolean lr_source_parse_url(LrSource *src, const char *url, char **why)
{
	const char *sep = strstr(url, "://");
	g_autofree char *scheme = NULL, *auth = NULL;
	const char *rest, *slash;

	if (g_str_has_prefix(url, "maildir:")) {
		src->kind = LR_SOURCE_MAILDIR;
		src->folder = g_strdup(url + strlen("maildir:"));
		if (!g_path_is_absolute(src->folder)) {
			*why = g_strdup("a Maildir path must be absolute (maildir:/path)");
			return FALSE;
		}
		return TRUE;
	}
	if (sep == NULL || !url_scheme(src, (scheme = g_strndup(url, sep - url)))) {
		*why = g_strdup("not imap://, imaps://, pop3://, pop3s:// or maildir:/path");
		return FALSE;
	}
	rest = sep + 3;
	slash = strchr(rest, '/');
	auth = slash ? g_strndup(rest, slash - rest) : g_strdup(rest);
	if (!url_authority(src, auth, why))
		return FALSE;
	src->folder = g_uri_unescape_string(slash && slash[1] ? slash + 1 : "INBOX", NULL);
	if (src->folder == NULL || !lr_source_folder_ok(src->folder)) {
		*why = g_strdup("bad folder name");
		return FALSE;
	}
	if (src->kind == LR_SOURCE_POP3 && slash && slash[1]) {
		*why = g_strdup("POP3 has no folders");
		return FALSE;
	}
	return TRUE;
}

/* lr_source_folder_ok - a folder name we may select or move to. */
gboolean lr_source_folder_ok(const char *name)
{
	if (name == NULL || *name == '\0' || strlen(name) > 200)
		return FALSE;
	for (const char *p = name; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '*' || *p == '%' || *p == '"' ||
		    *p == '\\')
			return FALSE;
	return TRUE;
}

/* lr_source_password - read the secret's first line. */
char *lr_source_password(const LrSource *src, GError **error)
{
	g_autofree char *text = NULL;
	g_autoptr(GError) local = NULL;

	if (src->password_file == NULL) {
		g_set_error(error, LR_ERROR, LR_ERROR_CONFIG, "source %s has no password_file",
		            src->id);
		return NULL;
	}
	if (!g_file_get_contents(src->password_file, &text, NULL, &local)) {
		g_set_error(error, LR_ERROR, LR_ERROR_CONFIG, "source %s: %s", src->id,
		            local->message);
		return NULL;
	}
	text[strcspn(text, "\r\n")] = '\0';
	return g_steal_pointer(&text);
}

/* check_password_file - present, a regular file, readable by its owner only. */
static void check_password_file(Loader *ld, const config_setting_t *s, const char *id,
                                const char *path)
{
	struct stat st;

	if (g_stat(path, &st) != 0)
		at(ld, s, "source %s: password_file %s: %s", id, path, g_strerror(errno));
	else if (!S_ISREG(st.st_mode))
		at(ld, s, "source %s: password_file %s is not a file", id, path);
	else if ((st.st_mode & 077) != 0)
		at(ld, s, "source %s: password_file %s must be private (mode 0600, it is %04o)", id,
		   path, (unsigned)(st.st_mode & 07777));
}

/* load_after - after = "move:FOLDER" | "flag" | "delete". */
static void load_after(Loader *ld, const config_setting_t *s, LrSource *src)
{
	const char *after = get_str(ld, s, "after");

	src->after = LR_AFTER_FLAG;
	if (after == NULL || strcmp(after, "flag") == 0)
		return;
	if (strcmp(after, "delete") == 0) {
		src->after = LR_AFTER_DELETE;
	} else if (g_str_has_prefix(after, "move:") && src->kind == LR_SOURCE_IMAP) {
		src->after = LR_AFTER_MOVE;
		src->after_folder = g_strdup(after + 5);
		if (!lr_source_folder_ok(src->after_folder))
			at(ld, s, "source %s: bad folder name in after = \"%s\"", src->id, after);
	} else {
		at(ld, s, "source %s: after must be \"flag\", \"delete\"%s, not \"%s\"", src->id,
		   src->kind == LR_SOURCE_IMAP ? " or \"move:FOLDER\"" : "", after);
	}
}

/* load_tls - tls, tls_verify, ca_file and fingerprint. */
static void load_tls(Loader *ld, const config_setting_t *s, LrSource *src)
{
	const char *tls = get_str(ld, s, "tls");
	const char *ca = get_str(ld, s, "ca_file");
	const char *fp = get_str(ld, s, "fingerprint");
	int verify = 1;

	if (tls != NULL && strcmp(tls, "none") == 0)
		src->tls = LR_TLS_NONE;
	else if (tls != NULL && strcmp(tls, "starttls") != 0 && strcmp(tls, "tls") != 0)
		at(ld, s, "source %s: tls must be \"starttls\", \"tls\" or \"none\"", src->id);
	if (config_setting_lookup_bool(s, "tls_verify", &verify) == CONFIG_TRUE)
		src->tls_verify = verify != 0;
	src->ca_file = ca ? path_of(ld, ca) : NULL;
	if (src->ca_file && !g_file_test(src->ca_file, G_FILE_TEST_IS_REGULAR))
		at(ld, s, "source %s: ca_file %s does not exist", src->id, src->ca_file);
	if (fp != NULL) {
		GString *hex = g_string_new(NULL);
		for (const char *p = fp; *p; p++)
			if (g_ascii_isxdigit(*p))
				g_string_append_c(hex, g_ascii_tolower(*p));
			else if (*p != ':')
				break;
		if (hex->len != 64)
			at(ld, s, "source %s: fingerprint must be a SHA-256 in hex", src->id);
		src->fingerprint = g_string_free(hex, FALSE);
	}
}

/* load_numbers - poll, max_message_size, quarantine_after. */
static void load_numbers(Loader *ld, const config_setting_t *s, LrSource *src)
{
	const char *poll = get_str(ld, s, "poll");
	double n;
	int idle = 1;

	src->poll = LR_SOURCE_DEFAULT_POLL;
	if (poll != NULL && (src->poll = lr_config_duration(poll)) <= 0) {
		at(ld, s, "source %s: poll \"%s\" is not a duration", src->id, poll);
		src->poll = LR_SOURCE_DEFAULT_POLL;
	}
	if (config_setting_lookup_bool(s, "idle", &idle) == CONFIG_TRUE)
		src->idle = idle != 0;
	if (get_num(ld, s, "max_message_size", &n))
		src->max_message_size = n > 0 ? (gsize)n : 0;
	src->quarantine_after = LR_SOURCE_DEFAULT_QUARANTINE_AFTER;
	if (get_num(ld, s, "quarantine_after", &n)) {
		if (n < 1 || n > 1000 || n != (guint)n)
			at(ld, s,
			   "source %s: quarantine_after must be a whole number from 1 to 1000",
			   src->id);
		else
			src->quarantine_after = (guint)n;
	}
}

/* load_remote - what an IMAP or POP3 source needs besides its URL. */
static void load_remote(Loader *ld, const config_setting_t *s, LrSource *src)
{
	const char *pw = get_str(ld, s, "password_file");
	const char *q = get_str(ld, s, "quarantine");

	if (pw == NULL)
		at(ld, s, "source %s needs a password_file", src->id);
	else
		check_password_file(ld, s, src->id, (src->password_file = path_of(ld, pw)));
	load_tls(ld, s, src);
	src->quarantine = g_strdup(q ? q : "Quarantine");
	if (!lr_source_folder_ok(src->quarantine))
		at(ld, s, "source %s: bad quarantine folder name", src->id);
}

/* load_source - one member of the list, or NULL when it is unusable. */
static LrSource *load_source(Loader *ld, const config_setting_t *s, GHashTable *ids)
{
	g_autoptr(LrSource) src = g_new0(LrSource, 1);
	const char *id = get_str(ld, s, "id"), *url = get_str(ld, s, "url");
	const char *rcpt = get_str(ld, s, "recipient");
	g_autofree char *why = NULL;

	check_keys(ld, s, source_keys, "a source");
	src->file = file_of(ld, s, "(embedded default)");
	src->line = line_of(s);
	src->idle = TRUE;
	src->tls_verify = TRUE;
	if (id == NULL || url == NULL) {
		at(ld, s, "a source needs an id and a url");
		return NULL;
	}
	src->id = g_strdup(id);
	if (!g_hash_table_add(ids, g_strdup(id)))
		at(ld, s, "source id '%s' is used twice", id);
	src->url = g_strdup(url);
	if (!lr_source_parse_url(src, url, &why)) {
		at(ld, s, "source %s: url %s: %s", id, url, why);
		return NULL;
	}
	src->recipient = g_strdup(rcpt ? rcpt : "");
	load_after(ld, s, src);
	load_numbers(ld, s, src);
	if (src->kind != LR_SOURCE_MAILDIR)
		load_remote(ld, s, src);
	return g_steal_pointer(&src);
}

/* load_sources - the sources list into cfg->sources. */
void load_sources(Loader *ld, const config_setting_t *root)
{
	config_setting_t *list = get_list(ld, root, "sources");
	g_autoptr(GHashTable) ids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

	for (int i = 0; list && i < config_setting_length(list); i++) {
		config_setting_t *s = config_setting_get_elem(list, i);
		LrSource *src;
		if (!config_setting_is_group(s)) {
			at(ld, s, "each source is a group { id = ...; url = ...; }");
			continue;
		}
		if ((src = load_source(ld, s, ids)) != NULL)
			g_ptr_array_add(ld->cfg->sources, src);
	}
}

/* lr_source_copy - duplicate every string. */
LrSource *lr_source_copy(const LrSource *src)
{
	LrSource *c = g_memdup2(src, sizeof(*src));

	c->id = g_strdup(src->id);
	c->url = g_strdup(src->url);
	c->host = g_strdup(src->host);
	c->user = g_strdup(src->user);
	c->folder = g_strdup(src->folder);
	c->password_file = g_strdup(src->password_file);
	c->after_folder = g_strdup(src->after_folder);
	c->recipient = g_strdup(src->recipient);
	c->ca_file = g_strdup(src->ca_file);
	c->fingerprint = g_strdup(src->fingerprint);
	c->quarantine = g_strdup(src->quarantine);
	return c;
}

/* lr_source_equal - compare every setting (not where it was written). */
gboolean lr_source_equal(const LrSource *a, const LrSource *b)
{
	const char *const sa[] = {a->id,      a->url,           a->host,         a->user,
	                          a->folder,  a->password_file, a->after_folder, a->recipient,
	                          a->ca_file, a->fingerprint,   a->quarantine};
	const char *const sb[] = {b->id,      b->url,           b->host,         b->user,
	                          b->folder,  b->password_file, b->after_folder, b->recipient,
	                          b->ca_file, b->fingerprint,   b->quarantine};

	for (guint i = 0; i < G_N_ELEMENTS(sa); i++)
		if (g_strcmp0(sa[i], sb[i]) != 0)
			return FALSE;
	return a->kind == b->kind && a->port == b->port && a->after == b->after &&
	       a->idle == b->idle && a->poll == b->poll && a->tls == b->tls &&
	       a->tls_verify == b->tls_verify && a->max_message_size == b->max_message_size &&
	       a->quarantine_after == b->quarantine_after;
}

/* lr_source_free - destroy a source. */
void lr_source_free(LrSource *src)
{
	if (src == NULL)
		return;
	g_free(src->id);
	g_free(src->url);
	g_free(src->host);
	g_free(src->user);
	g_free(src->folder);
	g_free(src->password_file);
	g_free(src->after_folder);
	g_free(src->recipient);
	g_free(src->ca_file);
	g_free(src->fingerprint);
	g_free(src->quarantine);
	g_free(src);
}
