/* source-ctx.c - what a source's fetch loop (imap.c, pop3.c, maildir.c)
 * does through its context: stop and sleep, errors, the seen list, and
 * storing what it fetched.  source.c runs the loops and calls none of these
 * back into them. */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "intake/source-int.h"
#include "intake/store.h"
#include "lead/log.h"
#include "lead/lr-error.h"

/* source_fetched_free - free one fetched message. */
void source_fetched_free(LrFetched *f)
{
	if (f == NULL)
		return;
	g_free(f->ukey);
	g_clear_pointer(&f->raw, g_bytes_unref);
	g_free(f->why);
	g_free(f);
}

/* source_stopping - read the stop flag. */
gboolean source_stopping(LrSourceCtx *ctx)
{
	gboolean s;

	g_mutex_lock(&ctx->lock);
	s = ctx->stopping;
	g_mutex_unlock(&ctx->lock);
	return s;
}

/* source_sleep - wait on the context's condition. */
gboolean source_sleep(LrSourceCtx *ctx, gint64 seconds)
{
	gint64 end = g_get_monotonic_time() + seconds * G_USEC_PER_SEC;
	gboolean s;

	g_mutex_lock(&ctx->lock);
	while (!ctx->stopping && g_cond_wait_until(&ctx->wake, &ctx->lock, end))
		;
	s = ctx->stopping;
	g_mutex_unlock(&ctx->lock);
	return !s;
}

/* source_error - a libetpan failure as LR_ERROR_TEMP. */
gboolean source_error(GError **error, const LrSource *src, const char *what, int r)
{
	g_set_error(error, LR_ERROR, LR_ERROR_TEMP, "source=%s %s failed (libetpan error %d)",
	            src->id, what, r);
	return FALSE;
}

/* source_plain_warn - the plain text warning, once per thread. */
void source_plain_warn(LrSourceCtx *ctx)
{
	if (!ctx->plain_warned)
		lr_log_warn(0, "source=%s plain text connection (tls = \"none\")", ctx->src->id);
	ctx->plain_warned = TRUE;
}

/* source_seen - ukey recorded? */
gboolean source_seen(LrSourceCtx *ctx, const char *ukey)
{
	gboolean seen = FALSE;

	return queue_source_seen(ctx->q, ctx->src->id, ukey, &seen, NULL) && seen;
}

/* prepare_all - the items of the messages that can be stored. */
static GArray *prepare_all(LrSourceCtx *ctx, GPtrArray *fetched)
{
	GArray *items = g_array_new(FALSE, TRUE, sizeof(LrSourceItem));
	const char *rcpt = ctx->src->recipient;

	for (guint i = 0; i < fetched->len; i++) {
		LrFetched *f = g_ptr_array_index(fetched, i);
		LrSourceItem it = {{0}, f->ukey};
		g_autoptr(GError) error = NULL;
		if (!intake_item_prepare(&it.item, f->raw, "", rcpt, ctx->max_size, &error)) {
			f->refused = TRUE;
			f->why = g_strdup(error->message);
			continue;
		}
		g_array_append_val(items, it);
	}
	return items;
}

/* source_store - store a batch with its UID records. */
gboolean source_store(LrSourceCtx *ctx, GPtrArray *fetched, GError **error)
{
	g_autoptr(GArray) items = prepare_all(ctx, fetched);
	LrSourceItem *v = (LrSourceItem *)(void *)items->data;
	gboolean ok =
	    items->len == 0 || queue_source_store(ctx->q, ctx->src->id, v, items->len, error);

	ctx->progress = ctx->progress || (ok && items->len > 0);
	for (guint i = 0; i < items->len; i++) {
		if (ok)
			lr_log_info(v[i].item.lead_id,
			            "source=%s uid=%s to=<%s> size=%zu "
			            "status=%s",
			            ctx->src->id, v[i].ukey, ctx->src->recipient,
			            g_bytes_get_size(v[i].item.raw),
			            v[i].item.duplicate ? "duplicate" : "stored");
		intake_item_clear(&v[i].item);
	}
	return ok;
}

/* source_done - drop ukeys from the pending list. */
void source_done(LrSourceCtx *ctx, const char *const *ukeys)
{
	g_autoptr(GError) error = NULL;

	if (ukeys[0] != NULL && !queue_source_done(ctx->q, ctx->src->id, ukeys, &error))
		lr_log_warn(0, "source=%s cannot record actions done: %s", ctx->src->id,
		            error->message);
}
