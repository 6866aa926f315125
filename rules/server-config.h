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
	char *file;		/* the file read, or "(embedded default)" */
	char *name;		/* this server's name */
	char *domain;		/* reply domain: lead+TOKEN@domain */
	char **listen;		/* "unix:PATH" / "inet:HOST:PORT", NULL-terminated */
	char *home;		/* Berkeley DB environment, absolute */
	char *smtp;		/* outbound relay URL */
	char *smtp_user;	/* AUTH user, or NULL */
	char *smtp_password;	/* AUTH password, or NULL */
	char *from;		/* From: of notifications */
	char *secret_file;	/* HMAC secret for reply tokens, or NULL */
	char *templates;	/* template folder, absolute */
	char **documents;	/* folders users' rule files may attach from, absolute
				 * (NULL-terminated, possibly empty) */
	char *user;		/* the account the daemon drops to when started as root */
	gsize max_message_size;	/* bytes: larger messages get 552 / EX_DATAERR */
	guint session_timeout;	/* seconds a whole LMTP command may take */
	guint min_data_rate;	/* bytes per second an LMTP message must keep up */
	guint max_sessions;	/* concurrent LMTP sessions */
	guint retry_first;	/* seconds before the first retry of a notification */
	guint retry_max;	/* longest wait between retries, seconds */
} LrServerConfig;

/* server_config_load - read the server group of path, or of the embedded
 * default when path is NULL and LR_DEFAULT_CONFIG does not exist.  Relative
 * paths are taken from the configuration file's folder (from the current
 * folder for the embedded default).  Returns a new config, or NULL with
 * LR_ERROR_CONFIG and "file:line: message". */
LrServerConfig *server_config_load(const char *path, GError **error);

/* server_config_resolve - the file to read: path, else LR_DEFAULT_CONFIG
 * when it exists, else NULL for the embedded default. */
const char *server_config_resolve(const char *path);

/* server_config_default_text - the embedded default configuration. */
const char *server_config_default_text(void);

void server_config_free(LrServerConfig *cfg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LrServerConfig, server_config_free)

#endif
