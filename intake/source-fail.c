/* source-fail.c - messages of a source that keep failing: their tries
 * counted durably in the store, taken alone, and after quarantine_after
 * tries put out of the way so that they never hold up the mailbox. */
#include "config.h"

#include "intake/source-int.h"
#include "lead/log.h"
#include "lead/lr-error.h"

/* failures_of - the counted failures of ukey (store errors: 0). */
static guint failures_of(LrSourceCtx *ctx, const char *ukey)
{
	g_autoptr(GError) error = NULL;
	guint n = 0;

	if (!queue_source_failures(ctx->q, ctx->src->id, ukey, &n, &error))
		lr_log_warn(0, "source=%s uid=%s cannot read its failures: %s", ctx->src->id, ukey,
		            error->message);
	return n;
}

/* source_plan - seen, skipped, due, retry, alone or fresh. */
LrTake source_plan(LrSourceCtx *ctx, const char *ukey)
{
	guint n;

	if (source_seen(ctx, ukey))
		return LR_TAKE_AGAIN;
	n = failures_of(ctx, ukey);
	if (n > ctx->src->quarantine_after)
		return LR_TAKE_SKIPPED;
	if (n == ctx->src->quarantine_after)
		return LR_TAKE_DUE;
	if (n > 0)
		return LR_TAKE_RETRY;
	if (ctx->suspects && g_hash_table_contains(ctx->suspects, ukey))
		return LR_TAKE_ALONE;
	return LR_TAKE_FRESH;
}

/* source_suspect - remember ukey for this thread. */
void source_suspect(LrSourceCtx *ctx, const char *ukey)
{
	if (ctx->suspects == NULL)
		ctx->suspects = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_hash_table_add(ctx->suspects, g_strdup(ukey));
}

/* source_try - one more counted try, before it is made. */
guint source_try(LrSourceCtx *ctx, const char *ukey)
{
	g_autoptr(GError) error = NULL;
	guint n = queue_source_failed(ctx->q, ctx->src->id, ukey, &error);

	if (n == 0)
		lr_log_warn(0, "source=%s uid=%s cannot count its try: %s", ctx->src->id, ukey,
		            error->message);
	else
		ctx->progress = TRUE;
	return n;
}

/* source_try_failed - the log line of a failed counted try. */
void source_try_failed(LrSourceCtx *ctx, const char *ukey, guint n, const char *why)
{
	guint max = ctx->src->quarantine_after;

	lr_log_warn(0, "source=%s uid=%s try=%u/%u failed: %s%s", ctx->src->id, ukey, n, max, why,
	            n >= max ? (ctx->src->kind == LR_SOURCE_POP3 ? "; it will be left on the server"
	                                                         : "; it goes to quarantine")
	                     : "; the others are taken meanwhile");
}

/* source_failed - count and log one failure. */
gboolean source_failed(LrSourceCtx *ctx, const char *ukey, const char *why)
{
	guint n = source_try(ctx, ukey);

	source_try_failed(ctx, ukey, n, why);
	return n >= ctx->src->quarantine_after;
}

/* source_quarantined - log, and rewrite the record. */
void source_quarantined(LrSourceCtx *ctx, const char *ukey, const char *where, const char *why,
                        guint count)
{
	g_autoptr(GError) error = NULL;

	lr_log_warn(0, "source=%s uid=%s status=quarantined %s: %s", ctx->src->id, ukey, where,
	            why);
	if (ctx->suspects != NULL)
		g_hash_table_remove(ctx->suspects, ukey);
	if (!queue_source_set_failures(ctx->q, ctx->src->id, ukey, count, &error))
		lr_log_warn(0, "source=%s uid=%s cannot record its quarantine: %s", ctx->src->id,
		            ukey, error->message);
}
