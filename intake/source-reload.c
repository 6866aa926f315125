/* source-reload.c - SIGHUP for the mailbox sources: stop the removed and
 * changed ones, start the new and changed ones, leave the rest alone. */
#include "config.h"

#include <string.h>

#include "intake/source-int.h"
#include "lead/log.h"

/* find_source - the member of sources with id, or NULL. */
static const LrSource *find_source(const GPtrArray *sources, const char *id)
{
	for (guint i = 0; sources && i < sources->len; i++) {
		const LrSource *src = g_ptr_array_index(sources, i);
		if (strcmp(src->id, id) == 0)
			return src;
	}
	return NULL;
}

/* find_ctx - the running context of id among ctxs, or NULL. */
static LrSourceCtx *find_ctx(GPtrArray *ctxs, const char *id)
{
	for (guint i = 0; i < ctxs->len; i++) {
		LrSourceCtx *ctx = g_ptr_array_index(ctxs, i);
		if (strcmp(ctx->src->id, id) == 0)
			return ctx;
	}
	return NULL;
}

/* stop_gone - stop and join every context of old whose source is gone
 * from sources or changed; what stays is moved to kept. */
static guint stop_gone(GPtrArray *old, const GPtrArray *sources, GPtrArray *kept)
{
	g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func((GDestroyNotify)source_ctx_free);

	for (guint i = 0; i < old->len; i++) {
		LrSourceCtx *ctx = g_ptr_array_index(old, i);
		const LrSource *now = find_source(sources, ctx->src->id);
		if (now != NULL && lr_source_equal(ctx->src, now)) {
			g_ptr_array_add(kept, ctx);
			continue;
		}
		lr_log_info(0, "source=%s stopping: %s by the reload", ctx->src->id,
		            now ? "changed" : "removed");
		g_ptr_array_add(gone, ctx);
	}
	/* Stopped (a hung connection shut down) and joined before anything
	 * starts: a changed source's lock is free. */
	source_ctxs_stop(gone);
	return gone->len;
}

/* source_runner_reload - stop what went or changed, start what is new. */
void source_runner_reload(LrSourceRunner *r, const GPtrArray *sources)
{
	g_autoptr(GPtrArray) kept = g_ptr_array_new();
	GPtrArray *now = g_ptr_array_new_with_free_func((GDestroyNotify)source_ctx_free);
	guint started = 0, stopped;

	g_ptr_array_set_free_func(r->ctxs, NULL);
	stopped = stop_gone(r->ctxs, sources, kept);
	g_ptr_array_free(r->ctxs, TRUE);
	for (guint i = 0; sources && i < sources->len; i++) {
		const LrSource *src = g_ptr_array_index(sources, i);
		LrSourceCtx *ctx = find_ctx(kept, src->id);
		if (ctx == NULL) {
			ctx = source_ctx_start(r, src);
			started++;
		}
		g_ptr_array_add(now, ctx);
	}
	r->ctxs = now;
	lr_log_info(0, "reload: sources: %u started, %u stopped, %u unchanged", started, stopped,
	            kept->len);
}
