/* server-config.h - the `server` group of leadroute.conf, readable on its
 * own so that the slim pipe deliverer needs nothing but libconfig.
 *
 * The full configuration (rules/lr-config.h) embeds this. */
#ifndef LR_SERVER_CONFIG_H
#define LR_SERVER_CONFIG_H

#include <glib.h>

/* Where the configuration is looked for when -c is not given. */
#define LR_DEFAULT_CONFIG LR_SYSCONFDIR "/leadroute/leadroute.conf"

typedef struct {
	char *file;             /* the file read, or "(embedded default)" */
	char *name;             /* this server's name */
	char *domain;           /* reply domain: lead+TOKEN@domain */
	char **listen;          /* "unix:PATH" / "inet:HOST:PORT", NULL-terminated */
	char *home;             /* Berkeley DB environment, absolute */
	char *smtp;             /* outbound relay URL */
	char *smtp_user;        /* AUTH user, or NULL */
	char *smtp_password;    /* AUTH password, or NULL */
	char *from;             /* From: of notifications */
	char *secret_file;      /* HMAC secret for reply tokens, or NULL */
	char *templates;        /* template folder, absolute */
	char **documents;       /* folders users' rule files may attach from, absolute
	                         * (NULL-terminated, possibly empty) */
	char *user;             /* the account the daemon drops to when started as root */
	gsize max_message_size; /* bytes: larger messages get 552 / EX_DATAERR */
	guint session_timeout;  /* seconds a whole LMTP command may take */
	guint min_data_rate;    /* bytes per second an LMTP message must keep up */
	guint max_sessions;     /* concurrent LMTP sessions */
	guint retry_first;      /* seconds before the first retry of a notification */
	guint retry_max;        /* longest wait between retries, seconds */
	/* store: server.retention = { closed_after = "730d"; } */
	gint64 retention_closed_after; /* seconds; 0 = keep closed leads whole */
} LrServerConfig;

/* A problem found while reading: file, line (0: the file as a whole) and
 * text. */
typedef void (*LrServerReportFunc)(gpointer data, const char *file, int line, const char *message);

/* The types of the server group's keys. */
typedef enum {
	LR_KEY_TEXT,    /* "text" */
	LR_KEY_PATH,    /* "text", relative to the configuration file's folder */
	LR_KEY_LIST,    /* "text" or ["text", ...] */
	LR_KEY_FOLDERS, /* "path" or ["path", ...], each relative to the file's folder */
	LR_KEY_NUMBER,  /* a whole number from min to max (guint) */
	LR_KEY_BYTES,   /* a whole number of bytes from min to max (gsize) */
} LrKeyType;

/* One key of the server group: its name, type, range (numbers) and
 * default (text, or number; NULL text: no value or computed, see
 * server-config.c).  The one table both readers use. */
typedef struct {
	const char *name;
	LrKeyType type;
	gint64 min, max;
	const char *text_default;
	gint64 number_default;
	gsize offset;     /* of the member in LrServerConfig */
	gboolean restart; /* a SIGHUP cannot apply it: the daemon needs a restart */
} LrServerKey;

/* server_config_keys - the key table, ended by a NULL name. */
const LrServerKey *server_config_keys(void);

/* server_config_key_names - the names of the key table, NULL-terminated. */
const char *const *server_config_key_names(void);

/* server_config_defaults - the server group of an empty file: every
 * default of the key table (relative paths under base). */
LrServerConfig *server_config_defaults(const char *base);

/* server_config_load - read the server group of path, or of the embedded
 * default when path is NULL and LR_DEFAULT_CONFIG does not exist.  The
 * same reader and key table as the full configuration's (lr_config_read):
 * @include and relative paths are taken from the configuration file's
 * folder (from the current folder for the embedded default).  Returns a
 * new config, or NULL with LR_ERROR_CONFIG and every problem as
 * "file:line: message", one per line. */
LrServerConfig *server_config_load(const char *path, GError **error);

/* server_config_resolve - the file to read: path, else LR_DEFAULT_CONFIG
 * when it exists, else NULL for the embedded default. */
const char *server_config_resolve(const char *path);

/* server_config_default_text - the embedded default configuration. */
const char *server_config_default_text(void);

/* server_config_copy - a deep copy of cfg. */
LrServerConfig *server_config_copy(const LrServerConfig *cfg);

/* server_config_changed - the names of the table's keys whose values
 * differ between a and b, restart keys only (restart TRUE) or the others
 * (FALSE).  Returns a new NULL-terminated array, possibly empty. */
char **server_config_changed(const LrServerConfig *a, const LrServerConfig *b, gboolean restart);

void server_config_free(LrServerConfig *cfg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LrServerConfig, server_config_free)

#endif
