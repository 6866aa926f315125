/* mailer/digest-mail.h - the manager's report mail (workflow.digest).
 * GLib types only, so that report/ builds without GMime. */
#ifndef LR_MAILER_DIGEST_MAIL_H
#define LR_MAILER_DIGEST_MAIL_H

#include <glib.h>

/* What the digest mail says and to whom. */
typedef struct {
	const char *from;    /* server.from, an RFC 5322 address list */
	const char *domain;  /* for the Message-ID (NULL: leadroute.invalid) */
	const char *to_name; /* the manager's display name (NULL: none) */
	const char *to_email;
	const char *subject;
	const char *summary; /* the text/plain alternative */
	const char *html;    /* the page, inline and again as lead-report.html */
	gint64 now;          /* the Date header (µs) */
} MailerDigest;

/* mailer_digest_compose - the whole message: the text and the page as
 * alternatives, the page again as an attachment. */
GBytes *mailer_digest_compose(const MailerDigest *d);

/* mailer_address_bare - the bare address of the first mailbox in from
 * (an RFC 5322 address list), or "" (new string). */
char *mailer_address_bare(const char *from);

#endif
