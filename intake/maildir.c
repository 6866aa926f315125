/* maildir.c - a Maildir source: new/ (and unseen cur/) messages stored as
 * leads once, then flagged S in cur/ or deleted.
 *
 * A message is claimed by renaming it from new/ to cur/NAME:2, (atomic: a
 * second reader's rename fails and it leaves the file alone); it is
 * stored with its unique name as the record; only then is it renamed to
 * cur/NAME:2,S or unlinked.  After a crash the record says it is stored
 * and only the action is done again. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>

#include "intake/source-int.h"
#include "lead/log.h"
#include "lead/lr-error.h"

#define MAILDIR_BATCH 64

/* One candidate: its unique name and where it is now. */
typedef struct {
	char *ukey;
	char *path;
} Candidate;

/* candidate_free - free a candidate. */
static void candidate_free(Candidate *c)
{
	g_free(c->ukey);
	g_free(c->path);
	g_free(c);
}

/* flags_of - the flags of a cur/ name (after ":2,"), or NULL. */
static const char *flags_of(const char *name)
{
	const char *info = strstr(name, ":2,");

	return info ? info + 3 : NULL;
}

/* claim - new/NAME to cur/NAME:2,; the new path, or NULL when another
 * reader took it first. */
static char *claim(const char *dir, const char *name)
{
	g_autofree char *from = g_build_filename(dir, "new", name, NULL);
	g_autofree char *base = g_strdup_printf("%s:2,", name);
	char *to = g_build_filename(dir, "cur", base, NULL);

	if (g_rename(from, to) == 0)
		return to;
	g_free(to);
	return NULL;
}

/* scan_new - claim every file of new/. */
static void scan_new(const char *dir, GPtrArray *out)
{
	g_autofree char *path = g_build_filename(dir, "new", NULL);
	g_autoptr(GDir) d = g_dir_open(path, 0, NULL);
	const char *name;

	while (d && (name = g_dir_read_name(d)) != NULL) {
		Candidate *c;
		char *to;
		if (name[0] == '.' || (to = claim(dir, name)) == NULL)
			continue;
		c = g_new0(Candidate, 1);
		c->ukey = g_strndup(name, strcspn(name, ":"));
		c->path = to;
		g_ptr_array_add(out, c);
	}
}

/* scan_cur - files of cur/ without the S flag (claimed, or read but not
 * flagged by a mail reader). */
static void scan_cur(const char *dir, GPtrArray *out)
{
	g_autofree char *path = g_build_filename(dir, "cur", NULL);
	g_autoptr(GDir) d = g_dir_open(path, 0, NULL);
	const char *name;

	while (d && (name = g_dir_read_name(d)) != NULL) {
		const char *flags = flags_of(name);
		Candidate *c;
		if (name[0] == '.' || (flags && strchr(flags, 'S')))
			continue;
		c = g_new0(Candidate, 1);
		c->ukey = g_strndup(name, strcspn(name, ":"));
		c->path = g_build_filename(path, name, NULL);
		g_ptr_array_add(out, c);
	}
}

/* act - the action after the store: unlink, or add the S flag. */
static gboolean act(const LrSource *src, const Candidate *c, const char *into)
{
	g_autofree char *dirname = g_path_get_dirname(c->path);
	g_autofree char *base = g_path_get_basename(c->path);
	g_autofree char *to = NULL;
	const char *flags = flags_of(base);

	if (src->after == LR_AFTER_DELETE && into == NULL)
		return g_unlink(c->path) == 0 || errno == ENOENT;
	if (into != NULL) {
		g_autofree char *cur = g_build_filename(into, "cur", NULL);
		g_mkdir_with_parents(cur, 0700);
		to = g_build_filename(cur, base, NULL);
	} else {
		g_autofree char *flagged = g_strdup_printf("%.*s:2,%sS", (int)strcspn(base, ":"),
		                                           base, flags ? flags : "");
		to = g_build_filename(dirname, flagged, NULL);
	}
	return g_rename(c->path, to) == 0 || errno == ENOENT;
}

/* quarantine - move a message that cannot be stored out of the way. */
static void quarantine(LrSourceCtx *ctx, const Candidate *c, const char *why)
{
	g_autofree char *sub = g_strdup_printf(".%s", ctx->src->quarantine);
	g_autofree char *into = g_build_filename(ctx->src->folder, sub, NULL);

	lr_log_warn(0, "source=%s uid=%s quarantined into %s: %s", ctx->src->id, c->ukey, into,
	            why);
	act(ctx->src, c, into);
}

/* load - read a candidate; NULL (and a counted failure) when unreadable. */
static LrFetched *load(LrSourceCtx *ctx, const Candidate *c)
{
	g_autoptr(GError) error = NULL;
	char *data;
	gsize len;
	LrFetched *f;

	if (!g_file_get_contents(c->path, &data, &len, &error)) {
		if (source_failed(ctx, c->ukey, error->message))
			quarantine(ctx, c, error->message);
		return NULL;
	}
	f = g_new0(LrFetched, 1);
	f->ukey = g_strdup(c->ukey);
	f->raw = g_bytes_new_take(data, len);
	return f;
}

/* finish - after a durable store: act on each, quarantine the refused. */
static void finish(LrSourceCtx *ctx, GPtrArray *batch, GPtrArray *fetched)
{
	g_autoptr(GPtrArray) done = g_ptr_array_new();

	for (guint i = 0; i < batch->len; i++) {
		Candidate *c = g_ptr_array_index(batch, i);
		LrFetched *f = NULL;
		for (guint k = 0; k < fetched->len && f == NULL; k++)
			if (strcmp(((LrFetched *)fetched->pdata[k])->ukey, c->ukey) == 0)
				f = fetched->pdata[k];
		if (f != NULL && f->refused)
			quarantine(ctx, c, f->why);
		else if (act(ctx->src, c, NULL))
			g_ptr_array_add(done, c->ukey);
	}
	g_ptr_array_add(done, NULL);
	source_done(ctx, (const char *const *)done->pdata);
}

/* process - store a batch of candidates, then act on them. */
static gboolean process(LrSourceCtx *ctx, GPtrArray *batch, GError **error)
{
	g_autoptr(GPtrArray) fetched =
	    g_ptr_array_new_with_free_func((GDestroyNotify)source_fetched_free);

	for (guint i = 0; i < batch->len; i++) {
		Candidate *c = g_ptr_array_index(batch, i);
		LrFetched *f;
		if (source_seen(ctx, c->ukey))
			continue; /* stored before a crash: only the action is left */
		if ((f = load(ctx, c)) != NULL)
			g_ptr_array_add(fetched, f);
	}
	if (!source_store(ctx, fetched, error))
		return FALSE;
	finish(ctx, batch, fetched);
	return TRUE;
}

/* maildir_run - one pass over the Maildir. */
gboolean maildir_run(LrSourceCtx *ctx, GError **error)
{
	const char *dir = ctx->src->folder;
	g_autofree char *cur = g_build_filename(dir, "cur", NULL);
	g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func((GDestroyNotify)candidate_free);

	if (!g_file_test(cur, G_FILE_TEST_IS_DIR)) {
		g_set_error(error, LR_ERROR, LR_ERROR_TEMP,
		            "source=%s %s is not a Maildir "
		            "(no cur/)",
		            ctx->src->id, dir);
		return FALSE;
	}
	if (ctx->probe != NULL) {
		scan_cur(dir, all);
		ctx->probe->reachable = ctx->probe->cert_ok = TRUE;
		ctx->probe->cert_info = g_strdup("no TLS (local Maildir)");
		g_autofree char *newdir = g_build_filename(dir, "new", NULL);
		g_autoptr(GDir) d = g_dir_open(newdir, 0, NULL);
		ctx->probe->waiting = all->len;
		while (d && g_dir_read_name(d))
			ctx->probe->waiting++;
		return TRUE;
	}
	scan_cur(dir, all);
	scan_new(dir, all);
	for (guint i = 0; i < all->len && !source_stopping(ctx); i += MAILDIR_BATCH) {
		g_autoptr(GPtrArray) batch = g_ptr_array_new();
		for (guint k = i; k < all->len && k < i + MAILDIR_BATCH; k++)
			g_ptr_array_add(batch, all->pdata[k]);
		if (!process(ctx, batch, error))
			return FALSE;
	}
	return TRUE;
}
