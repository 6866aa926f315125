/* digest.h - `workflow.digest`: the HTML report by mail to managers.
 *
 *   workflow: { digest = { to = ["managers"]; when = "Mon 08:00"; by = "user"; }; };
 *
 * to: user ids, or "managers" for every user whose role is manager; each
 * gets the report of their own team (their `team`; a manager without one
 * gets none).  when: "DAYS HH:MM [TIME_ZONE]" ("Mon 08:00", "Mon-Fri 07:30
 * Europe/Berlin"; local time without a zone) or "every DURATION" ("every
 * 1h"); period: what the report covers, a duration before the send time
 * (default "7d", compared with the period before); by: the report's view
 * (default "user").  The mail is multipart: a short text summary and the
 * page inline, and the page again as an attachment (lead-report.html).
 * It leaves through the outbox, in the same transaction that records the
 * send time (state "digest.last"), so a crash neither loses nor repeats
 * one. */
#ifndef LR_REPORT_DIGEST_H
#define LR_REPORT_DIGEST_H

#include <glib.h>

#include "queue/queue.h"
#include "report/compute.h"

typedef struct {
	char **to;
	guint8 days; /* bit 0 Monday .. bit 6 Sunday */
	int minute;  /* of the day, in tz */
	GTimeZone *tz;
	gint64 every;  /* seconds, instead of days/minute; 0 = not */
	gint64 period; /* seconds */
	LrReportBy by;
} LrDigest;

/* digest_load - the schedule of cfg's workflow.digest (read and checked
 * by the configuration reader, rules/digest-config.c).  Returns a new
 * digest, or NULL: without error when there is none (or cfg is NULL), with
 * LR_ERROR_CONFIG when its view is one the reports do not know. */
LrDigest *digest_load(const LrConfig *cfg, GError **error);
void digest_free(LrDigest *d);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LrDigest, digest_free)

/* digest_slot - the latest scheduled time at or before now (µs); for
 * "every", last + every (last 0: now). */
gint64 digest_slot(const LrDigest *d, gint64 last, gint64 now);

/* digest_compose - the mail for manager to (an LrUser) with the page html
 * and the text summary.  Returns the RFC 5322 bytes. */
GBytes *digest_compose(const LrConfig *cfg, const LrUser *to, const char *html, const char *summary,
                       gint64 now);

/* digest_run - send the digests that are due at now: one mail per
 * recipient with a team, all queued in one transaction with the new send
 * time.  The first run only records now (nothing is sent for the past).
 * *sent (may be NULL) gets the number of mails queued.  FALSE with
 * LR_ERROR_TEMP when the store fails. */
gboolean digest_run(LrQueue *q, const LrConfig *cfg, const LrDigest *d, gint64 now, guint *sent,
                    GError **error);

#endif
