/* source.c - the mailbox sources' threads: schedule, back-off, start and stop. */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "intake/source-int.h"
#include "intake/store.h"
#include "lead/log.h"
#include "lead/lr-error.h"

#define BACKOFF_FIRST 2
#define BACKOFF_MAX 300

/* run_once - one round of the source's fetcher. */
static gboolean run_once(LrSourceCtx *ctx, GError **error)
{
	switch (ctx->src->kind) {
	case LR_SOURCE_IMAP:
		return imap_run(ctx, error);
	case LR_SOURCE_POP3:
		return pop3_run(ctx, error);
	case LR_SOURCE_MAILDIR:
		return maildir_run(ctx, error);
	}
	return FALSE;
}

/* source_main - lock the source, then fetch on schedule until stopped;
 * a failure waits BACKOFF_FIRST seconds, doubling up to BACKOFF_MAX, but
 * only BACKOFF_FIRST again after a round that stored or counted something
 * (a message that keeps failing reaches quarantine without long waits). */
static gpointer source_main(gpointer data)
{
	LrSourceCtx *ctx = data;
	gint64 backoff = BACKOFF_FIRST;
	int fd = -1;

	while (fd < 0 && !source_stopping(ctx)) {
		g_autoptr(GError) error = NULL;
		if ((fd = queue_source_lock(ctx->home, ctx->src->id, &error)) < 0) {
			lr_log_warn(0, "%s", error->message);
			source_sleep(ctx, 30);
		}
	}
	while (!source_stopping(ctx)) {
		g_autoptr(GError) error = NULL;
		ctx->progress = FALSE;
		if (run_once(ctx, &error)) {
			backoff = BACKOFF_FIRST;
			source_sleep(ctx, ctx->src->poll);
			continue;
		}
		if (ctx->progress)
			backoff = BACKOFF_FIRST;
		lr_log_warn(0, "%s; next try in %" G_GINT64_FORMAT "s", error->message, backoff);
		source_sleep(ctx, backoff);
		backoff = MIN(backoff * 2, BACKOFF_MAX);
	}
	if (fd >= 0)
		close(fd);
	g_mutex_lock(&ctx->lock);
	ctx->running = FALSE;
	g_cond_broadcast(&ctx->wake);
	g_mutex_unlock(&ctx->lock);
	return NULL;
}

/* source_ctx_new - a context for src. */
LrSourceCtx *source_ctx_new(LrQueue *q, const char *home, const LrSource *src, gsize max_size)
{
	LrSourceCtx *ctx = g_new0(LrSourceCtx, 1);

	ctx->q = q;
	ctx->home = g_strdup(home);
	ctx->src = lr_source_copy(src);
	ctx->max_size = src->max_message_size ? src->max_message_size : max_size;
	ctx->fd = -1;
	ctx->cancel = g_cancellable_new();
	g_mutex_init(&ctx->lock);
	g_cond_init(&ctx->wake);
	return ctx;
}

/* source_ctx_free - join the thread (if any), free. */
void source_ctx_free(LrSourceCtx *ctx)
{
	if (ctx->thread != NULL)
		g_thread_join(ctx->thread);
	g_clear_pointer(&ctx->suspects, g_hash_table_unref);
	g_clear_object(&ctx->cancel);
	lr_source_free(ctx->src);
	g_free(ctx->home);
	g_mutex_clear(&ctx->lock);
	g_cond_clear(&ctx->wake);
	g_free(ctx);
}

/* source_ctx_start - a context for src, its thread running. */
LrSourceCtx *source_ctx_start(LrSourceRunner *r, const LrSource *src)
{
	LrSourceCtx *ctx = source_ctx_new(r->q, r->home, src, r->max_size);
	g_autofree char *name = g_strdup_printf("source-%s", src->id);

	ctx->running = TRUE;
	ctx->thread = g_thread_new(name, source_main, ctx);
	lr_log_info(0, "source=%s url=%s started", src->id, src->url);
	return ctx;
}

/* source_ctx_stop - ask the thread to stop (source_ctx_free joins it);
 * cancelled outside the lock, as the cancellable's handlers run here. */
void source_ctx_stop(LrSourceCtx *ctx)
{
	g_mutex_lock(&ctx->lock);
	ctx->stopping = TRUE;
	g_cond_broadcast(&ctx->wake);
	g_mutex_unlock(&ctx->lock);
	g_cancellable_cancel(ctx->cancel);
}

/* source_runner_start - a thread per source. */
LrSourceRunner *source_runner_start(LrQueue *q, const char *home, const GPtrArray *sources,
                                    gsize max_size)
{
	LrSourceRunner *r = g_new0(LrSourceRunner, 1);

	r->q = q;
	r->home = g_strdup(home);
	r->max_size = max_size;
	r->ctxs = g_ptr_array_new_with_free_func((GDestroyNotify)source_ctx_free);
	for (guint i = 0; sources && i < sources->len; i++)
		g_ptr_array_add(r->ctxs, source_ctx_start(r, g_ptr_array_index(sources, i)));
	return r;
}

/* source_runner_stop - wake every thread, join, free. */
void source_runner_stop(LrSourceRunner *r)
{
	if (r == NULL)
		return;
	source_ctxs_stop(r->ctxs);
	g_ptr_array_free(r->ctxs, TRUE); /* joins each */
	g_free(r->home);
	g_free(r);
}

/* source_probe - one connection in probe mode. */
gboolean source_probe(const LrSource *src, LrSourceProbe *probe, GError **error)
{
	LrSourceCtx *ctx = source_ctx_new(NULL, NULL, src, 0);
	gboolean ok;

	memset(probe, 0, sizeof(*probe));
	probe->waiting = -1;
	ctx->probe = probe;
	ok = run_once(ctx, error);
	source_ctx_free(ctx);
	return ok;
}
