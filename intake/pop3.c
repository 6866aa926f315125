/* pop3.c - a POP3 source with libetpan: each message (record: its UIDL)
 * stored as a lead before it is deleted (after = "delete"; otherwise it
 * stays and its record keeps it from being taken again). */
#include "config.h"

#include <string.h>

#include "intake/source-int.h"
#include "lead/log.h"
#include "lead/lr-error.h"

#define POP3_TIMEOUT 60

/* pop3_connect - TCP (and TLS), verified before the password is sent. */
static gboolean pop3_connect(LrSourceCtx *ctx, mailpop3 *p, GError **error)
{
	const LrSource *src = ctx->src;
	mailstream *s;
	int r;

	mailpop3_set_timeout(p, POP3_TIMEOUT);
	if ((s = source_net_open(ctx, POP3_TIMEOUT, error)) == NULL)
		return FALSE;
	if ((r = mailpop3_connect(p, s)) != MAILPOP3_NO_ERROR) /* s is the session's now */
		return source_error(error, src, "connect", r);
	if (ctx->probe)
		ctx->probe->reachable = TRUE;
	if (src->tls == LR_TLS_STARTTLS && (r = mailpop3_socket_starttls(p)) != MAILPOP3_NO_ERROR)
		return source_error(error, src, "STLS", r);
	source_stream_guard(p->pop3_stream);
	if (src->tls != LR_TLS_NONE)
		return tls_verify_stream(ctx, p->pop3_stream, error);
	source_plain_warn(ctx);
	if (ctx->probe) {
		ctx->probe->cert_ok = TRUE;
		ctx->probe->cert_info = g_strdup("no TLS (tls = \"none\")");
	}
	return TRUE;
}

/* pop3_login - USER/PASS. */
static gboolean pop3_login(LrSourceCtx *ctx, mailpop3 *p, GError **error)
{
	g_autofree char *pw = lr_source_password(ctx->src, error);
	int r;

	if (pw == NULL)
		return FALSE;
	r = mailpop3_user(p, ctx->src->user);
	if (r == MAILPOP3_NO_ERROR)
		r = mailpop3_pass(p, pw);
	memset(pw, 0, strlen(pw));
	if (r == MAILPOP3_NO_ERROR)
		return TRUE;
	g_set_error(error, LR_ERROR, LR_ERROR_TEMP,
	            "source=%s login as %s refused (libetpan "
	            "error %d)",
	            ctx->src->id, ctx->src->user, r);
	return FALSE;
}

#define LEFT "left on the server, skipped from now on"

/* retr_store - RETR and store one message; one that cannot be stored
 * (refused) is left on the server.  FALSE with error when RETR (then
 * *retr_failed) or the store failed. */
static gboolean retr_store(LrSourceCtx *ctx, mailpop3 *p, struct mailpop3_msg_info *info,
                           gboolean *retr_failed, GError **error)
{
	g_autoptr(GPtrArray) fetched =
	    g_ptr_array_new_with_free_func((GDestroyNotify)source_fetched_free);
	char *data = NULL;
	size_t len = 0;
	LrFetched *f;
	int r;

	if ((r = mailpop3_retr(p, info->msg_index, &data, &len)) != MAILPOP3_NO_ERROR) {
		*retr_failed = TRUE;
		return source_error(error, ctx->src, "RETR", r);
	}
	f = g_new0(LrFetched, 1);
	f->ukey = g_strdup(info->msg_uidl);
	f->raw = g_bytes_new(data, len);
	mailpop3_retr_free(data);
	g_ptr_array_add(fetched, f);
	if (!source_store(ctx, fetched, error))
		return FALSE;
	if (f->refused)
		source_quarantined(ctx, f->ukey, LEFT, f->why, ctx->src->quarantine_after + 1);
	return TRUE;
}

/* take_new - a message not stored yet (taken alone: its try counted
 * first); a larger one than the limit is left on the server unread. */
static gboolean take_new(LrSourceCtx *ctx, mailpop3 *p, struct mailpop3_msg_info *info,
                         gboolean alone, GError **error)
{
	const char *ukey = info->msg_uidl;
	gboolean retr_failed = FALSE;
	guint n = 0;

	if (ctx->max_size > 0 && info->msg_size > ctx->max_size) {
		g_autofree char *why = g_strdup_printf(
		    "%u bytes exceeds the limit of %zu (by LIST)", info->msg_size, ctx->max_size);
		source_quarantined(ctx, ukey, LEFT, why, ctx->src->quarantine_after + 1);
		return TRUE;
	}
	if (alone && (n = source_try(ctx, ukey)) == 0) {
		g_set_error(error, LR_ERROR, LR_ERROR_TEMP,
		            "source=%s uid=%s its try cannot be counted", ctx->src->id, ukey);
		return FALSE;
	}
	if (retr_store(ctx, p, info, &retr_failed, error))
		return TRUE;
	if (retr_failed && alone)
		source_try_failed(ctx, ukey, n, (*error)->message);
	else if (retr_failed)
		source_failed(ctx, ukey, (*error)->message);
	return FALSE;
}

/* take_one - by plan: store new messages, then DELE (or keep) the
 * stored; the alone ones wait in *later for the second pass. */
static gboolean take_one(LrSourceCtx *ctx, mailpop3 *p, struct mailpop3_msg_info *info,
                         GPtrArray *later, GPtrArray *done, GError **error)
{
	g_autofree char *why = NULL;
	int r;

	switch (later ? source_plan(ctx, info->msg_uidl) : LR_TAKE_ALONE) {
	case LR_TAKE_SKIPPED:
		return TRUE;
	case LR_TAKE_DUE:
		why = g_strdup_printf("%u tries failed", ctx->src->quarantine_after);
		source_quarantined(ctx, info->msg_uidl, LEFT, why, ctx->src->quarantine_after + 1);
		return TRUE;
	case LR_TAKE_ALONE:
	case LR_TAKE_RETRY:
		if (later != NULL) {
			g_ptr_array_add(later, info);
			return TRUE;
		}
		if (!take_new(ctx, p, info, TRUE, error))
			return FALSE;
		break;
	case LR_TAKE_FRESH:
		if (!take_new(ctx, p, info, FALSE, error))
			return FALSE;
		break;
	case LR_TAKE_AGAIN:
		break;
	}
	if (!source_seen(ctx, info->msg_uidl))
		return TRUE; /* left on the server */
	if (ctx->src->after == LR_AFTER_DELETE &&
	    (r = mailpop3_dele(p, info->msg_index)) != MAILPOP3_NO_ERROR)
		return source_error(error, ctx->src, "DELE", r);
	g_ptr_array_add(done, g_strdup(info->msg_uidl));
	return TRUE;
}

/* take_all - every message listed: the new ones, then those that failed
 * before, one by one. */
static gboolean take_all(LrSourceCtx *ctx, mailpop3 *p, GPtrArray *done, GError **error)
{
	g_autoptr(GPtrArray) later = g_ptr_array_new();
	carray *list = NULL;
	int r = mailpop3_list(p, &list);

	if (r != MAILPOP3_NO_ERROR)
		return source_error(error, ctx->src, "LIST", r);
	if (ctx->probe) {
		ctx->probe->waiting = carray_count(list);
		return TRUE;
	}
	for (unsigned i = 0; i < carray_count(list) && !source_stopping(ctx); i++) {
		struct mailpop3_msg_info *info = carray_get(list, i);
		if (info->msg_uidl == NULL) {
			g_set_error(error, LR_ERROR, LR_ERROR_TEMP,
			            "source=%s the server has no "
			            "UIDL: it cannot be fetched exactly once",
			            ctx->src->id);
			return FALSE;
		}
		if (!take_one(ctx, p, info, later, done, error))
			return FALSE;
	}
	for (guint i = 0; i < later->len && !source_stopping(ctx); i++)
		if (!take_one(ctx, p, g_ptr_array_index(later, i), NULL, done, error))
			return FALSE;
	return TRUE;
}

/* pop3_run - one session: deletions take effect at QUIT, and only then
 * are they recorded done (a crash before it deletes them again). */
gboolean pop3_run(LrSourceCtx *ctx, GError **error)
{
	mailpop3 *p = mailpop3_new(0, NULL);
	g_autoptr(GPtrArray) done = g_ptr_array_new_with_free_func(g_free);
	gboolean r = pop3_connect(ctx, p, error) && pop3_login(ctx, p, error) &&
	             take_all(ctx, p, done, error);

	if (r && mailpop3_quit(p) == MAILPOP3_NO_ERROR && done->len > 0) {
		g_ptr_array_add(done, NULL);
		source_done(ctx, (const char *const *)done->pdata);
	}
	source_net_release(ctx);
	mailpop3_free(p);
	return r;
}
