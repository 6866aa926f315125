/* https.h - one document POSTed to a partner's https endpoint (libcurl):
 * the `deliver = "https://..."` transport of a servers entry, the same
 * document and signature header a mail would carry.
 *
 * Only https is spoken (no redirects followed, no proxy from the
 * environment); the peer's certificate and host name are always
 * verified, against ca_file when given, else the system's CAs. */
#ifndef LR_MAILER_HTTPS_H
#define LR_MAILER_HTTPS_H

#include <glib.h>

typedef struct {
	const char *url;            /* "https://HOST[:PORT]/PATH" */
	const char *ca_file;        /* PEM CAs to verify with, or NULL: the system's */
	const char *content_type;   /* "application/vnd.leadroute+xml", "application/xml" */
	const char *const *headers; /* more "Name: value" lines (the signature), or NULL */
	long connect_timeout;       /* seconds; 0: 30 */
	long total_timeout;         /* seconds; 0: 120 */
	const gint *cancel;         /* a POST under way ends when *cancel turns
	                             * non-zero (LR_ERROR_TEMP), or NULL */
} LrHttpsPost;

/* mailer_https_post - POST body to post->url.  *status (may be NULL) gets
 * the HTTP status (0 when there was no answer).  Returns TRUE on a 2xx;
 * FALSE with LR_ERROR_PERM on a 3xx or 4xx (the partner refused it, or the
 * URL is not https: retrying will not help), LR_ERROR_TEMP on a 5xx, a
 * refused or timed-out connection or a TLS failure (retry from the outbox
 * with back-off).  The message says which, never the body. */
gboolean mailer_https_post(const LrHttpsPost *post, GBytes *body, long *status, GError **error);

/* An https outbox item (queue_outbox_add with the URL as its one
 * recipient) carries its request whole, so that a retry sends the same
 * bytes: a first line MAILER_HTTPS_MAGIC, then "Name: value" lines (the
 * content type and the headers of post, and "CA-File: PATH" when
 * post->ca_file is set, which is not sent), an empty line, the body. */
#define MAILER_HTTPS_MAGIC "leadroute-https/1"

/* mailer_https_is_url - is this outbox recipient an https URL? */
gboolean mailer_https_is_url(const char *rcpt);

/* mailer_https_request - the outbox item of a POST of body with post's
 * content type, headers and ca_file (post->url is the item's recipient).
 * Returns new bytes, or NULL with LR_ERROR_PERM when a header or the
 * ca_file has a line end in it. */
GBytes *mailer_https_request(const LrHttpsPost *post, GBytes *body, GError **error);

/* mailer_curl_set_cancel - make the libcurl easy handle curl (a CURL *)
 * end its transfer, CURLE_ABORTED_BY_CALLBACK, once *cancel turns
 * non-zero (NULL: never).  The sender's SMTP handles use it too. */
void mailer_curl_set_cancel(void *curl, const gint *cancel);

/* mailer_https_send - POST the item request (from mailer_https_request)
 * to url within the timeouts (seconds), ended early when cancel (may be
 * NULL) turns non-zero: as mailer_https_post, and LR_ERROR_PERM when
 * request is not such an item. */
gboolean mailer_https_send(const char *url, GBytes *request, long connect_timeout,
                           long total_timeout, const gint *cancel, long *status, GError **error);

#endif
