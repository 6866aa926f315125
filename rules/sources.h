/* sources.h - the `sources` list of leadroute.conf: mailboxes leadrouted
 * fetches leads from (IMAP, POP3, Maildir), read and checked with the rest
 * of the configuration (rules/lr-config.c). */
#ifndef LR_SOURCES_H
#define LR_SOURCES_H

#include <glib.h>

typedef enum {
	LR_SOURCE_IMAP,
	LR_SOURCE_POP3,
	LR_SOURCE_MAILDIR,
} LrSourceKind;

typedef enum {
	LR_TLS_STARTTLS, /* imap:// and pop3://: STARTTLS / STLS, required */
	LR_TLS_IMPLICIT, /* imaps:// and pop3s:// */
	LR_TLS_NONE,     /* tls = "none", written out: no encryption at all */
} LrSourceTls;

typedef enum {
	LR_AFTER_MOVE, /* move to after_folder */
	LR_AFTER_FLAG, /* \Seen + $Leadroute (Maildir: S flag in cur/) */
	LR_AFTER_DELETE,
} LrSourceAfter;

typedef struct {
	char *id;
	char *url; /* as written */
	LrSourceKind kind;
	char *host; /* IMAP/POP3 */
	guint port;
	char *user;          /* decoded (%40 -> @) */
	char *folder;        /* IMAP folder (default INBOX); Maildir: its path */
	char *password_file; /* absolute, or NULL (Maildir) */
	LrSourceAfter after;
	char *after_folder; /* LR_AFTER_MOVE */
	gboolean idle;      /* use IMAP IDLE when offered (default TRUE) */
	gint64 poll;        /* seconds between polls */
	char *recipient;    /* the envelope recipient the lead gets */
	char *ca_file;      /* trust these CAs instead of the system's */
	char *fingerprint;  /* pinned SHA-256 of the server certificate, hex, lower case */
	LrSourceTls tls;
	gboolean tls_verify;    /* FALSE only when written out */
	gsize max_message_size; /* 0: the server group's */
	char *quarantine;       /* folder for messages that keep failing */
	guint quarantine_after; /* failed tries of one message before quarantine */
	const char *file;       /* where the source is defined */
	int line;
} LrSource;

/* lr_source_parse_url - fill kind, host, port, user, folder and tls (the
 * scheme's default) of src from url.  FALSE with a message in *why (new
 * string) when url is not a source URL. */
gboolean lr_source_parse_url(LrSource *src, const char *url, char **why);

/* lr_source_folder_ok - TRUE when name can be an IMAP folder we write to:
 * not empty, no wildcard or control character. */
gboolean lr_source_folder_ok(const char *name);

/* lr_source_password - the first line of the password file (new string),
 * or NULL with LR_ERROR_CONFIG. */
char *lr_source_password(const LrSource *src, GError **error);

/* lr_source_copy - a deep copy (file is borrowed from the same chunk). */
LrSource *lr_source_copy(const LrSource *src);

/* lr_source_equal - TRUE when a and b have the same settings (where they
 * were written is not compared): a reload leaves such a source running. */
gboolean lr_source_equal(const LrSource *a, const LrSource *b);

void lr_source_free(LrSource *src);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LrSource, lr_source_free)

#endif
