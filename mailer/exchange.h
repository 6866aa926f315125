/* exchange.h - the mail that carries one federation exchange (GMime): a
 * text/plain summary for a person who opens it, and the document itself as
 * an application/vnd.leadroute+xml part (base64, so its bytes arrive
 * exactly as signed), with the signature in a header.  The document and
 * the signature are federation/'s; this module only wraps them. */
#ifndef LR_MAILER_EXCHANGE_H
#define LR_MAILER_EXCHANGE_H

#include <glib.h>

#include "mailer/compose.h"

/* The headers an exchange mail carries besides the signature. */
#define MAILER_EXCHANGE_HEADER "X-Leadroute-Exchange" /* "KIND ID" */

typedef struct {
	const char *to; /* the partner's address */
	const char *subject;
	const char *summary;    /* the text part */
	const char *kind;       /* "lead", "status", "recall" */
	const char *id;         /* the exchange id: also names the Message-ID */
	const char *mime_type;  /* of the document part */
	const char *sig_header; /* the signature header's name (or NULL) ... */
	const char *signature;  /* ... and value */
	GBytes *xml;            /* the document, exactly as signed */
} MailerExchange;

/* mailer_exchange_compose - the message (CRLF line ends) from config's
 * From, with a stable Message-ID <fed.ID@domain>.  Returns new bytes, or
 * NULL with LR_ERROR_PERM when From has no usable address. */
GBytes *mailer_exchange_compose(const LrMailerConfig *config, const MailerExchange *x,
                                GError **error);

/* mailer_exchange_compose_single - as mailer_exchange_compose, but the
 * document is the whole body (one part of type x->mime_type with charset
 * utf-8, 8bit when its lines allow, no text part; x->summary is unused):
 * the form of a one-way ADF lead for a dealer CRM.  x->sig_header and
 * x->signature may be NULL (no signature header). */
GBytes *mailer_exchange_compose_single(const LrMailerConfig *config, const MailerExchange *x,
                                       GError **error);

/* mailer_exchange_request - the same document and signature header as
 * mailer_exchange_compose, as an https outbox item (mailer/https.h) to
 * POST: body x->xml of type x->mime_type, headers x->sig_header and
 * MAILER_EXCHANGE_HEADER; verified against ca_file (NULL: the system's
 * CAs).  x->to, x->subject and x->summary are unused.  Returns new bytes,
 * or NULL with LR_ERROR_PERM. */
GBytes *mailer_exchange_request(const MailerExchange *x, const char *ca_file, GError **error);

/* mailer_exchange_part - the first part of raw of content type mime_type,
 * decoded (new bytes), or NULL when there is none or raw is not MIME
 * (not an error: the caller refuses the exchange). */
GBytes *mailer_exchange_part(GBytes *raw, const char *mime_type);

#endif
