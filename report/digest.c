/* digest.c - scheduled HTML reports by mail to managers. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "lead/lr-error.h"
#include "mailer/digest-mail.h"
#include "report/digest.h"
#include "report/html.h"
#include "report/output.h"
#include "report/report.h"

#define DIGEST_STATE "digest.last"

/* digest_free - destroy a digest. */
void digest_free(LrDigest *d)
{
	if (d == NULL)
		return;
	g_strfreev(d->to);
	if (d->tz)
		g_time_zone_unref(d->tz);
	g_free(d);
}

/* digest_load - the digest of cfg (workflow.digest, read and checked by
 * the configuration reader in rules/). */
LrDigest *digest_load(const LrConfig *cfg, GError **error)
{
	const LrDigestConfig *c = cfg ? cfg->digest : NULL;
	LrDigest *d;
	int by;

	if (c == NULL)
		return NULL;
	if ((by = report_by_parse(c->by)) < 0) {
		g_set_error(error, LR_ERROR, LR_ERROR_CONFIG,
		            "%s: workflow.digest: no report "
		            "view '%s'",
		            cfg->file ? cfg->file : "(embedded default)", c->by);
		return NULL;
	}
	d = g_new0(LrDigest, 1);
	d->to = g_strdupv(c->to);
	d->days = c->days;
	d->minute = c->minute;
	d->tz = c->tz ? g_time_zone_ref(c->tz) : NULL;
	d->every = c->every;
	d->period = c->period;
	d->by = (LrReportBy)by;
	return d;
}

/* digest_slot - the latest scheduled time at or before now. */
gint64 digest_slot(const LrDigest *d, gint64 last, gint64 now)
{
	g_autoptr(GDateTime) utc = NULL, local = NULL;

	if (d->every)
		return last ? last + d->every * G_USEC_PER_SEC : now;
	utc = g_date_time_new_from_unix_utc(now / G_USEC_PER_SEC);
	local = g_date_time_to_timezone(utc, d->tz);
	for (int back = 0; back <= 7; back++) {
		g_autoptr(GDateTime) day = g_date_time_add_days(local, -back);
		g_autoptr(GDateTime) at = g_date_time_new(
		    d->tz, g_date_time_get_year(day), g_date_time_get_month(day),
		    g_date_time_get_day_of_month(day), d->minute / 60, d->minute % 60, 0);
		gint64 t = at ? g_date_time_to_unix(at) * G_USEC_PER_SEC : G_MAXINT64;
		if ((d->days & (1u << (g_date_time_get_day_of_week(day) - 1))) && t <= now)
			return t;
	}
	return 0;
}

/* digest_compose - the digest mail for manager to (mailer/ composes it). */
GBytes *digest_compose(const LrConfig *cfg, const LrUser *to, const char *html, const char *summary,
                       gint64 now)
{
	g_autofree char *subject = g_strdup_printf("Lead report: team %s", to->team);
	MailerDigest d = {.from = cfg->server->from,
	                  .domain = cfg->server->domain,
	                  .to_name = to->name,
	                  .to_email = to->email,
	                  .subject = subject,
	                  .summary = summary,
	                  .html = html,
	                  .now = now};

	return mailer_digest_compose(&d);
}

/* envelope_from - the bare address of server.from, or "". */
static char *envelope_from(const LrConfig *cfg)
{
	return mailer_address_bare(cfg->server->from);
}

/* recipients - the users the digest goes to (borrowed LrUser *). */
static GPtrArray *recipients(const LrDigest *d, const LrConfig *cfg)
{
	GPtrArray *out = g_ptr_array_new();

	for (guint i = 0; i < cfg->users->len; i++) {
		const LrUser *u = cfg->users->pdata[i];
		gboolean named = g_strv_contains((const char *const *)d->to, u->id);
		gboolean manager = g_strcmp0(u->role, "manager") == 0 &&
		                   g_strv_contains((const char *const *)d->to, "managers");
		if ((named || manager) && u->email && *u->email)
			g_ptr_array_add(out, (gpointer)u);
	}
	return out;
}

/* Mails to queue, and the send time to record. */
typedef struct {
	GPtrArray *mails; /* GBytes * */
	GPtrArray *rcpts; /* const char * (borrowed) */
	char *from;
	gint64 stamp;
} Batch;

/* batch_txn - queue every mail and record the send time together. */
static gboolean batch_txn(LrTxn *txn, gpointer data, GError **error)
{
	Batch *b = data;
	g_autofree char *stamp = g_strdup_printf("%" G_GINT64_FORMAT, b->stamp);

	for (guint i = 0; i < b->mails->len; i++) {
		const char *rcpts[] = {b->rcpts->pdata[i], NULL};
		if (!queue_outbox_add(txn, 0, b->from, rcpts, b->mails->pdata[i], error))
			return FALSE;
	}
	return queue_state_put(txn, DIGEST_STATE, stamp, error);
}

/* team_mail - one manager's report as a mail, or NULL without a team. */
static GBytes *team_mail(LrQueue *q, const LrConfig *cfg, const LrDigest *d, const LrUser *u,
                         gint64 now, GError **error)
{
	LrReportOptions opt = {.by = d->by,
	                       .since = now - d->period * G_USEC_PER_SEC,
	                       .until = now,
	                       .now = now,
	                       .cfg = cfg,
	                       .team = u->team};
	g_autoptr(LrReport) rep = NULL;
	g_autofree char *html = NULL, *text = NULL;
	size_t len = 0;
	FILE *out;

	if (u->team == NULL)
		return NULL;
	if ((rep = report_read(q, &opt, error)) == NULL)
		return NULL;
	out = open_memstream(&html, &len);
	report_write_html(rep, out);
	fclose(out);
	out = open_memstream(&text, &len);
	report_write_text(rep, out);
	fclose(out);
	return digest_compose(cfg, u, html, text, now);
}

/* digest_run - send what is due. */
gboolean digest_run(LrQueue *q, const LrConfig *cfg, const LrDigest *d, gint64 now, guint *sent,
                    GError **error)
{
	g_autofree char *last_text = NULL;
	g_autoptr(GPtrArray) users = NULL;
	Batch b = {g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref), g_ptr_array_new(),
	           envelope_from(cfg), now};
	gint64 last, slot;
	gboolean ok = TRUE, have;

	if (sent)
		*sent = 0;
	have = queue_state_get(q, NULL, DIGEST_STATE, &last_text, error);
	if (!have && error && *error)
		ok = FALSE;
	last = have ? g_ascii_strtoll(last_text, NULL, 10) : 0;
	slot = digest_slot(d, last, now);
	if (ok && have && slot > last && slot <= now) {
		b.stamp = d->every ? now : slot;
		users = recipients(d, cfg);
		for (guint i = 0; ok && i < users->len; i++) {
			const LrUser *u = users->pdata[i];
			GBytes *mail = team_mail(q, cfg, d, u, now, error);
			ok = mail != NULL || error == NULL || *error == NULL;
			if (mail != NULL) {
				g_ptr_array_add(b.mails, mail);
				g_ptr_array_add(b.rcpts, u->email);
			}
		}
	}
	if (ok && (!have || (slot > last && slot <= now)))
		ok = queue_run(q, batch_txn, &b, error);
	if (ok && sent)
		*sent = b.mails->len;
	g_ptr_array_unref(b.mails);
	g_ptr_array_unref(b.rcpts);
	g_free(b.from);
	return ok;
}
