/* source-state.c - what the mailbox sources have stored, and what is left
 * to do on the server, kept in the state key space beside the leads. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "lead/lr-error.h"
#include "queue/queue.h"

/* seen_key - the state key recording that ukey of source is stored. */
static char *seen_key(const char *source, const char *ukey)
{
	return g_strdup_printf("src/%s/u/%s", source, ukey);
}

/* fail_key - the state key counting the failed tries of ukey. */
static char *fail_key(const char *source, const char *ukey)
{
	return g_strdup_printf("src/%s/fail/%s", source, ukey);
}

/* pending_key - the state key listing the ukeys whose action is due. */
static char *pending_key(const char *source)
{
	return g_strdup_printf("src/%s/pending", source);
}

/* queue_source_seen - is ukey recorded? */
gboolean queue_source_seen(LrQueue *q, const char *source, const char *ukey, gboolean *seen,
                           GError **error)
{
	g_autofree char *key = seen_key(source, ukey);
	g_autofree char *value = NULL;
	g_autoptr(GError) local = NULL;

	*seen = queue_state_get(q, NULL, key, &value, &local);
	if (local != NULL) {
		g_propagate_error(error, g_steal_pointer(&local));
		return FALSE;
	}
	return TRUE;
}

typedef struct {
	const char *source;
	LrSourceItem *items;
	guint n;
	const char *const *done;
} SourceTxn;

/* store_one - one item: recorded already, or stored and recorded. */
static gboolean store_one(LrTxn *txn, const char *source, LrSourceItem *it, GString *pending,
                          GError **error)
{
	LrQueue *q = queue_txn_queue(txn);
	g_autofree char *key = seen_key(source, it->ukey);
	g_autofree char *value = NULL;
	g_autofree char *id = NULL;
	g_autofree char *fkey = fail_key(source, it->ukey);
	g_autoptr(GError) local = NULL;

	if (queue_state_get(q, txn, key, &value, &local)) {
		it->item.duplicate = TRUE;
		it->item.lead_id = g_ascii_strtoull(value, NULL, 10);
		return TRUE;
	}
	if (local != NULL) {
		g_propagate_error(error, g_steal_pointer(&local));
		return FALSE;
	}
	if (!queue_store_item(txn, &it->item, error))
		return FALSE;
	id = g_strdup_printf("%" G_GUINT64_FORMAT, it->item.lead_id);
	g_string_append_printf(pending, "%s\n", it->ukey);
	/* Stored at last: its failed tries are forgotten. */
	return queue_state_put(txn, key, id, error) && queue_state_put(txn, fkey, NULL, error);
}

/* store_txn - every item, then the pending list. */
static gboolean store_txn(LrTxn *txn, gpointer data, GError **error)
{
	SourceTxn *st = data;
	g_autofree char *pkey = pending_key(st->source);
	g_autofree char *old = NULL;
	g_autoptr(GString) pending = g_string_new(NULL);
	g_autoptr(GError) local = NULL;

	if (queue_state_get(queue_txn_queue(txn), txn, pkey, &old, &local))
		g_string_append(pending, old);
	else if (local != NULL) {
		g_propagate_error(error, g_steal_pointer(&local));
		return FALSE;
	}
	for (guint i = 0; i < st->n; i++)
		if (!store_one(txn, st->source, &st->items[i], pending, error))
			return FALSE;
	return queue_state_put(txn, pkey, pending->len ? pending->str : NULL, error);
}

/* queue_source_store - store a batch with its records, durably. */
gboolean queue_source_store(LrQueue *q, const char *source, LrSourceItem *items, guint n,
                            GError **error)
{
	SourceTxn st = {source, items, n, NULL};
	guint64 bytes = 0;

	for (guint i = 0; i < n; i++)
		bytes += g_bytes_get_size(items[i].item.raw) * 2;
	if (!queue_has_room(q, bytes, error))
		return FALSE;
	return queue_run(q, store_txn, &st, error);
}

/* queue_source_pending - the list kept under pending_key. */
char **queue_source_pending(LrQueue *q, const char *source, GError **error)
{
	g_autofree char *pkey = pending_key(source);
	g_autofree char *value = NULL;
	g_autoptr(GError) local = NULL;

	if (!queue_state_get(q, NULL, pkey, &value, &local)) {
		if (local != NULL) {
			g_propagate_error(error, g_steal_pointer(&local));
			return NULL;
		}
		return g_new0(char *, 1);
	}
	g_strchomp(value);
	return *value ? g_strsplit(value, "\n", -1) : g_new0(char *, 1);
}

/* done_txn - drop the done ukeys from the pending list. */
static gboolean done_txn(LrTxn *txn, gpointer data, GError **error)
{
	SourceTxn *st = data;
	g_autofree char *pkey = pending_key(st->source);
	g_autofree char *old = NULL;
	g_autoptr(GString) left = g_string_new(NULL);
	g_auto(GStrv) lines = NULL;
	g_autoptr(GError) local = NULL;

	if (!queue_state_get(queue_txn_queue(txn), txn, pkey, &old, &local)) {
		if (local == NULL)
			return TRUE;
		g_propagate_error(error, g_steal_pointer(&local));
		return FALSE;
	}
	lines = g_strsplit(old, "\n", -1);
	for (guint i = 0; lines[i]; i++)
		if (*lines[i] && !g_strv_contains(st->done, lines[i]))
			g_string_append_printf(left, "%s\n", lines[i]);
	return queue_state_put(txn, pkey, left->len ? left->str : NULL, error);
}

/* queue_source_done - the actions are done. */
gboolean queue_source_done(LrQueue *q, const char *source, const char *const *ukeys, GError **error)
{
	SourceTxn st = {source, NULL, 0, ukeys};

	return queue_run(q, done_txn, &st, error);
}

typedef struct {
	const char *key;
	guint count;
	gboolean set; /* set count, rather than add one */
} FailTxn;

/* fail_txn - increment (or set) one failure counter. */
static gboolean fail_txn(LrTxn *txn, gpointer data, GError **error)
{
	FailTxn *f = data;
	g_autofree char *value = NULL;
	g_autofree char *next = NULL;
	g_autoptr(GError) local = NULL;

	if (f->set)
		return queue_state_put(
		    txn, f->key, f->count ? (next = g_strdup_printf("%u", f->count)) : NULL, error);
	f->count = 1;
	if (queue_state_get(queue_txn_queue(txn), txn, f->key, &value, &local))
		f->count = (guint)g_ascii_strtoull(value, NULL, 10) + 1;
	else if (local != NULL) {
		g_propagate_error(error, g_steal_pointer(&local));
		return FALSE;
	}
	next = g_strdup_printf("%u", f->count);
	return queue_state_put(txn, f->key, next, error);
}

/* queue_source_failed - one more failure of ukey. */
guint queue_source_failed(LrQueue *q, const char *source, const char *ukey, GError **error)
{
	g_autofree char *key = fail_key(source, ukey);
	FailTxn f = {key, 0, FALSE};

	return queue_run(q, fail_txn, &f, error) ? f.count : 0;
}

/* queue_source_set_failures - overwrite (or, with 0, drop) the counter. */
gboolean queue_source_set_failures(LrQueue *q, const char *source, const char *ukey, guint count,
                                   GError **error)
{
	g_autofree char *key = fail_key(source, ukey);
	FailTxn f = {key, count, TRUE};

	return queue_run(q, fail_txn, &f, error);
}

/* queue_source_failures - read the counter. */
gboolean queue_source_failures(LrQueue *q, const char *source, const char *ukey, guint *count,
                               GError **error)
{
	g_autofree char *key = fail_key(source, ukey);
	g_autofree char *value = NULL;
	g_autoptr(GError) local = NULL;

	*count = 0;
	if (queue_state_get(q, NULL, key, &value, &local))
		*count = (guint)g_ascii_strtoull(value, NULL, 10);
	else if (local != NULL) {
		g_propagate_error(error, g_steal_pointer(&local));
		return FALSE;
	}
	return TRUE;
}

/* queue_source_lock - flock a file named after the source in home. */
int queue_source_lock(const char *home, const char *source, GError **error)
{
	g_autofree char *name = g_strdup_printf("source-%s.lock", source);
	g_autofree char *path = g_build_filename(home, name, NULL);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0) {
		g_set_error(error, LR_ERROR, LR_ERROR_TEMP, "cannot open %s: %s", path,
		            g_strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;
		close(fd);
		g_set_error(error, LR_ERROR, LR_ERROR_TEMP,
		            "source %s is locked by another "
		            "process (%s): two daemons must not fetch one mailbox",
		            source, e == EWOULDBLOCK ? "busy" : g_strerror(e));
		return -1;
	}
	return fd;
}
