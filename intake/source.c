/* source.c - the mailbox sources' threads: schedule and back-off. */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "intake/source-int.h"
#include "intake/store.h"
#include "lead/log.h"
#include "lead/lr-error.h"

#define BACKOFF_FIRST 2
#define BACKOFF_MAX 300

struct LrSourceRunner {
	GPtrArray *ctxs;    /* LrSourceCtx * */
	GPtrArray *threads; /* GThread * */
};

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
 * a failure waits BACKOFF_FIRST seconds, doubling up to BACKOFF_MAX. */
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
		if (run_once(ctx, &error)) {
			backoff = BACKOFF_FIRST;
			source_sleep(ctx, ctx->src->poll);
			continue;
		}
		lr_log_warn(0, "%s; next try in %" G_GINT64_FORMAT "s", error->message, backoff);
		source_sleep(ctx, backoff);
		backoff = MIN(backoff * 2, BACKOFF_MAX);
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

/* ctx_new - a context for src. */
static LrSourceCtx *ctx_new(LrQueue *q, const char *home, const LrSource *src, gsize max_size)
{
	LrSourceCtx *ctx = g_new0(LrSourceCtx, 1);

	ctx->q = q;
	ctx->home = g_strdup(home);
	ctx->src = lr_source_copy(src);
	ctx->max_size = src->max_message_size ? src->max_message_size : max_size;
	g_mutex_init(&ctx->lock);
	g_cond_init(&ctx->wake);
	return ctx;
}

/* ctx_free - free a context. */
static void ctx_free(LrSourceCtx *ctx)
{
	lr_source_free(ctx->src);
	g_free(ctx->home);
	g_mutex_clear(&ctx->lock);
	g_cond_clear(&ctx->wake);
	g_free(ctx);
}

/* source_runner_start - a thread per source. */
LrSourceRunner *source_runner_start(LrQueue *q, const char *home, const GPtrArray *sources,
                                    gsize max_size)
{
	LrSourceRunner *r = g_new0(LrSourceRunner, 1);

	r->ctxs = g_ptr_array_new_with_free_func((GDestroyNotify)ctx_free);
	r->threads = g_ptr_array_new();
	for (guint i = 0; sources && i < sources->len; i++) {
		const LrSource *src = g_ptr_array_index(sources, i);
		LrSourceCtx *ctx = ctx_new(q, home, src, max_size);
		g_autofree char *name = g_strdup_printf("source-%s", src->id);
		g_ptr_array_add(r->ctxs, ctx);
		g_ptr_array_add(r->threads, g_thread_new(name, source_main, ctx));
		lr_log_info(0, "source=%s url=%s started", src->id, src->url);
	}
	return r;
}

/* source_runner_stop - wake every thread, join, free. */
void source_runner_stop(LrSourceRunner *r)
{
	if (r == NULL)
		return;
	for (guint i = 0; i < r->ctxs->len; i++) {
		LrSourceCtx *ctx = g_ptr_array_index(r->ctxs, i);
		g_mutex_lock(&ctx->lock);
		ctx->stopping = TRUE;
		g_cond_broadcast(&ctx->wake);
		g_mutex_unlock(&ctx->lock);
	}
	for (guint i = 0; i < r->threads->len; i++)
		g_thread_join(g_ptr_array_index(r->threads, i));
	g_ptr_array_free(r->threads, TRUE);
	g_ptr_array_free(r->ctxs, TRUE);
	g_free(r);
}

/* source_probe - one connection in probe mode. */
gboolean source_probe(const LrSource *src, LrSourceProbe *probe, GError **error)
{
	LrSourceCtx *ctx = ctx_new(NULL, NULL, src, 0);
	gboolean ok;

	memset(probe, 0, sizeof(*probe));
	probe->waiting = -1;
	ctx->probe = probe;
	ok = run_once(ctx, error);
	ctx_free(ctx);
	return ok;
}
