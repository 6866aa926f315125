/* sender.h - delivers the outbox to the relay with libcurl.
 *
 * Messages leave only from the outbox (queue/queue.h: queue_outbox_due,
 * queue_outbox_done, queue_outbox_defer), which the workflow fills in the
 * same transaction as the decision that caused them; a message is removed
 * right after the relay accepted it, so a crash between the two can at worst
 * send it once more, and it is never lost.  CURL stays inside mailer/.
 * One sender is used by one thread at a time. */
#ifndef LR_SENDER_H
#define LR_SENDER_H

#include <glib.h>

#include "queue/queue.h"

typedef struct LrSender LrSender;

/* How many due messages one sender_run_once takes at most. */
#define SENDER_BATCH 100

/* How many connections to the relay one sender_run_once uses at most
 * (one per SENDER_LANE_MIN due messages): each keeps its connection open
 * from one message to the next and from one pass to the next. */
#define SENDER_LANES 4
#define SENDER_LANE_MIN 8

/* sender_new - a sender for url: any libcurl smtp:// or smtps:// URL
 * (smtp:// uses STARTTLS when the relay offers it; a path names the EHLO
 * domain, as libcurl does).  user/password for AUTH (NULL = none).  Other
 * URL schemes are refused when sending (LR_ERROR_TEMP: a configuration
 * problem is no reason to drop mail).  Returns a new sender. */
LrSender *sender_new(const char *url, const char *user, const char *password);
void sender_free(LrSender *sender);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LrSender, sender_free)

/* sender_set_backoff - the wait after a message's first failed try
 * (default 1 min), doubled with every further one up to max_us (1 h). */
void sender_set_backoff(LrSender *sender, gint64 first_us, gint64 max_us);

/* sender_set_timeouts - seconds to connect and for a whole transaction
 * (defaults 30 and 300). */
void sender_set_timeouts(LrSender *sender, glong connect_s, glong total_s);

/* sender_send - send one message now: envelope from ("" for the null
 * sender) and the NULL-terminated recipients.  Recipients the relay refuses
 * are skipped while one is accepted.  Returns TRUE when the relay accepted
 * the message; FALSE with LR_ERROR_PERM when it refused it for good (5xx to
 * every recipient or to the data, 552 to MAIL, or an address that cannot
 * be sent), or LR_ERROR_TEMP (connection refused, timeout, 4xx, TLS or AUTH
 * failure, any other 5xx to the session).  The message says what the relay
 * answered to which command. */
gboolean sender_send(LrSender *sender, const char *from, const char *const *rcpts, GBytes *message,
                     GError **error);

/* sender_set_cancel - a try under way (an SMTP transaction, a POST) ends
 * when *cancel turns non-zero, as a temporary failure: the item stays in
 * the outbox.  The daemon's stop sets it, so that a relay or an endpoint
 * that holds a connection open cannot hold the stop for its timeouts. */
void sender_set_cancel(LrSender *sender, const gint *cancel);

/* sender_run_once - send every outbox message due now, over up to
 * SENDER_LANES connections at once: on success
 * queue_outbox_done; on a temporary failure queue_outbox_defer with
 * back-off; on a permanent one queue_outbox_done and an lr_log_error line
 * (bounce-like).  When the relay itself is unusable (connection, TLS, AUTH,
 * refused greeting or sender) the messages still due are deferred without
 * trying.  An item whose recipient is an https URL (mailer/https.h:
 * mailer_https_request) is POSTed there instead, with the same back-off
 * and outcomes (a 4xx is permanent), and is tried even while the relay is
 * down.  Returns the number sent; sets error (LR_ERROR_TEMP) only when
 * the queue failed, and then stops. */
guint sender_run_once(LrSender *sender, LrQueue *queue, GError **error);

/* What a pass sends: mail through the relay, POSTs to https endpoints.
 * The daemon sends each on a thread of its own, so that a partner's
 * endpoint that holds a POST open (up to the total timeout) does not hold
 * up the reps' notifications, nor a relay that is down the POSTs. */
typedef enum {
	SENDER_MAIL = 1 << 0,
	SENDER_POSTS = 1 << 1,
	SENDER_ALL = SENDER_MAIL | SENDER_POSTS,
} SenderKinds;

/* sender_run_kinds - sender_run_once for the due messages of kinds. */
guint sender_run_kinds(LrSender *sender, LrQueue *queue, SenderKinds kinds, GError **error);

#endif
