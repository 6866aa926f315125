/* store.c - check and store one delivered message. */
#include "config.h"

#include <string.h>

#include "intake/store.h"
#include "lead/log.h"
#include "lead/lr-error.h"
#include "lead/rawmsg.h"

/* seed_lead - what intake knows of a lead before it is parsed. */
static LrLead *seed_lead(const char *raw, gsize len, const char *sender, const char *rcpt)
{
	LrLead *lead = lead_new();
	g_autofree char *subject = rawmsg_header(raw, len, "Subject");
	g_autofree char *from = rawmsg_header(raw, len, "From");
	g_autofree char *source = rawmsg_addr_extension(rcpt);

	lead_set_str(&lead->sender, sender ? sender : "");
	lead_set_str(&lead->recipient, rcpt);
	lead_set_str(&lead->subject, subject);
	lead_set_str(&lead->source, source);
	if (from != NULL)
		lead_field_set(lead, "from", from);
	return lead;
}

/* intake_prepare - the checks, the seed lead and the duplicate key. */
static gboolean intake_prepare(GBytes *raw, const char *sender, const char *rcpt, gsize max_size,
                               LrLead **seed, char **key, GError **error)
{
	gsize len;
	const char *data = g_bytes_get_data(raw, &len);

	if (max_size > 0 && len > max_size) {
		g_set_error(error, LR_ERROR, LR_ERROR_TOO_BIG,
		            "message of %zu bytes exceeds the limit of %zu", len, max_size);
		return FALSE;
	}
	if (!rawmsg_check(data, len, error))
		return FALSE;
	*seed = seed_lead(data, len, sender, rcpt);
	*key = rawmsg_key(data, len);
	return TRUE;
}

/* intake_logged - the log line of a stored message. */
static void intake_logged(const LrStoreItem *item, const char *sender, const char *rcpt)
{
	lr_log_info(item->lead_id, "from=<%s> to=<%s> size=%zu key=%s status=%s",
	            sender ? sender : "", rcpt ? rcpt : "", g_bytes_get_size(item->raw), item->key,
	            item->duplicate ? "duplicate" : "stored");
}

/* first_rcpt - the recipient that names the source. */
static const char *first_rcpt(const char *const *recipients)
{
	return recipients && recipients[0] ? recipients[0] : NULL;
}

/* intake_store - check, then store durably once. */
gboolean intake_store(LrQueue *q, GBytes *raw, const char *sender, const char *const *recipients,
                      gsize max_size, guint64 *lead_id, gboolean *duplicate, GError **error)
{
	const char *rcpt = first_rcpt(recipients);
	g_autoptr(LrLead) seed = NULL;
	g_autofree char *key = NULL;
	LrStoreItem item = {.raw = raw};

	if (!intake_prepare(raw, sender, rcpt, max_size, &seed, &key, error))
		return FALSE;
	item.key = key;
	item.seed = seed;
	if (!queue_store_batch(q, &item, 1, error))
		return FALSE;
	intake_logged(&item, sender, rcpt);
	*lead_id = item.lead_id;
	*duplicate = item.duplicate;
	return TRUE;
}

/* Requests wait here until the flusher has answered their batch. */
typedef struct {
	LrStoreItem item;
	gboolean done;
	GError *error;
} Request;

#define BATCH_MAX 256

/* A batch on its way: stored (committed) by the writer, then made durable
 * and answered by the flusher, while the writer stores the next one. */
typedef struct {
	GPtrArray *requests; /* Request * */
	LrStoreItem *items;
	GError **errors; /* per item: NULL when stored */
} Batch;

struct LrIntakeBatcher {
	LrQueue *q;
	gsize max_size;
	GMutex lock;
	GCond more;         /* the writer waits for requests */
	GCond done;         /* requests wait for the flusher */
	GPtrArray *waiting; /* Request * */
	gboolean storing;   /* a batch is being stored (by the writer or a lone request) */
	gboolean stopping;
	GThread *writer;
	GThread *flusher;
	GAsyncQueue *stored;     /* Batch *, for the flusher; batch_end last */
	LrIntakeBatchFunc batch; /* intake_store_lazy but in tests */
};

/* The writer's last word to the flusher. */
static Batch batch_end;

/* The items of one lazy store. */
typedef struct {
	LrStoreItem *items;
	guint n;
} StoreItems;

/* store_items_txn - queue_store_item for each item. */
static gboolean store_items_txn(LrTxn *txn, gpointer data, GError **error)
{
	const StoreItems *s = data;

	for (guint i = 0; i < s->n; i++)
		if (!queue_store_item(txn, &s->items[i], error))
			return FALSE;
	return TRUE;
}

/* intake_store_lazy - queue_store_batch's work committed without waiting
 * for the disk: the flusher's queue_flush makes it durable before anyone
 * is answered, and the writer stores the next batch meanwhile. */
static gboolean intake_store_lazy(LrQueue *q, LrStoreItem *items, guint n, GError **error)
{
	StoreItems s = {items, n};
	guint64 bytes = 0;

	for (guint i = 0; i < n; i++)
		bytes += g_bytes_get_size(items[i].raw) * 2; /* raw + its log record */
	return queue_has_room(q, bytes, error) && queue_run_lazy(q, store_items_txn, &s, error);
}

/* batch_take - the requests waiting now (at most BATCH_MAX), once no
 * other batch is being stored; NULL when stopping with none left.  Called
 * with the lock held; the caller stores the batch, then clears storing. */
static GPtrArray *batch_take(LrIntakeBatcher *b)
{
	GPtrArray *batch;
	guint n;

	while (b->waiting->len == 0 ? !b->stopping : b->storing)
		g_cond_wait(&b->more, &b->lock);
	if (b->waiting->len == 0)
		return NULL;
	b->storing = TRUE;
	n = MIN(b->waiting->len, BATCH_MAX);
	batch = g_ptr_array_sized_new(n);
	for (guint i = 0; i < n; i++)
		g_ptr_array_add(batch, b->waiting->pdata[i]);
	g_ptr_array_remove_range(b->waiting, 0, n);
	return batch;
}

/* batch_alone - store each item in its own transaction, so that the one
 * that cannot be stored gets its error and the others are stored:
 * errors[i] gets item i's error or NULL. */
static void batch_alone(LrIntakeBatcher *b, LrStoreItem *items, guint n, GError **errors)
{
	for (guint i = 0; i < n; i++)
		b->batch(b->q, &items[i], 1, &errors[i]);
}

/* batch_store - one transaction for the batch, its outcome per item in
 * the batch returned (durable only after the flusher's flush).  A batch
 * that fails for good (not TEMP) is retried item by item instead of
 * handing one item's error to all. */
static Batch *batch_store(LrIntakeBatcher *b, GPtrArray *requests)
{
	Batch *bt = g_new0(Batch, 1);
	g_autoptr(GError) error = NULL;
	guint n = requests->len;
	gboolean ok;

	bt->requests = requests;
	bt->items = g_new(LrStoreItem, n);
	bt->errors = g_new0(GError *, n);
	for (guint i = 0; i < n; i++)
		bt->items[i] = ((Request *)requests->pdata[i])->item;
	ok = b->batch(b->q, bt->items, n, &error);
	if (!ok && n > 1 && !lr_error_is_temp(error))
		batch_alone(b, bt->items, n, bt->errors);
	else
		for (guint i = 0; !ok && i < n; i++)
			bt->errors[i] = g_error_copy(error);
	return bt;
}

/* batch_answer - make the batch durable (one log flush, which also covers
 * whatever was committed before it), then answer every request: a failed
 * flush is a temporary failure for each item that was stored. */
static void batch_answer(LrIntakeBatcher *b, Batch *bt)
{
	g_autoptr(GError) error = NULL;
	guint n = bt->requests->len, stored = 0;

	for (guint i = 0; i < n; i++)
		stored += bt->errors[i] == NULL;
	if (stored > 0 && !queue_flush(b->q, &error)) {
		error->code = LR_ERROR_TEMP;
		for (guint i = 0; i < n; i++)
			if (bt->errors[i] == NULL)
				bt->errors[i] = g_error_copy(error);
	}
	g_mutex_lock(&b->lock);
	for (guint i = 0; i < n; i++) {
		Request *r = bt->requests->pdata[i];
		r->item = bt->items[i];
		r->error = bt->errors[i];
		r->done = TRUE;
	}
	g_cond_broadcast(&b->done);
	g_mutex_unlock(&b->lock);
	g_ptr_array_unref(bt->requests);
	g_free(bt->items);
	g_free(bt->errors);
	g_free(bt);
}

/* batch_stored - the batch taken is stored: the next may be taken. */
static void batch_stored(LrIntakeBatcher *b)
{
	g_mutex_lock(&b->lock);
	b->storing = FALSE;
	if (b->waiting->len > 0)
		g_cond_signal(&b->more);
	g_mutex_unlock(&b->lock);
}

/* writer_main - store batches until stopped and drained, each handed to
 * the flusher. */
static gpointer writer_main(gpointer data)
{
	LrIntakeBatcher *b = data;

	for (;;) {
		GPtrArray *requests;
		Batch *bt;

		g_mutex_lock(&b->lock);
		requests = batch_take(b);
		g_mutex_unlock(&b->lock);
		if (requests == NULL)
			break;
		bt = batch_store(b, requests);
		batch_stored(b);
		g_async_queue_push(b->stored, bt);
	}
	g_async_queue_push(b->stored, &batch_end);
	return NULL;
}

/* flusher_main - make the writer's batches durable and answer them, in
 * order, until the writer's last word. */
static gpointer flusher_main(gpointer data)
{
	LrIntakeBatcher *b = data;
	Batch *bt;

	while ((bt = g_async_queue_pop(b->stored)) != &batch_end)
		batch_answer(b, bt);
	return NULL;
}

/* intake_batcher_new - start the writer. */
LrIntakeBatcher *intake_batcher_new(LrQueue *q, gsize max_size)
{
	return intake_batcher_new_full(q, max_size, NULL);
}

/* intake_batcher_new_full - start the writer and the flusher over the
 * batch step given. */
LrIntakeBatcher *intake_batcher_new_full(LrQueue *q, gsize max_size, LrIntakeBatchFunc batch)
{
	LrIntakeBatcher *b = g_new0(LrIntakeBatcher, 1);

	b->q = q;
	b->batch = batch ? batch : intake_store_lazy;
	b->max_size = max_size;
	g_mutex_init(&b->lock);
	g_cond_init(&b->more);
	g_cond_init(&b->done);
	b->waiting = g_ptr_array_new();
	b->stored = g_async_queue_new();
	b->writer = g_thread_new("intake", writer_main, b);
	b->flusher = g_thread_new("intake-flush", flusher_main, b);
	return b;
}

/* intake_batcher_free - drain and stop.  Every intake_batcher_store must
 * have returned: a lone request stores in its caller's thread, which this
 * does not wait for (the daemon stops its LMTP and hand-off servers, whose
 * pools it joins, before it frees the batcher). */
void intake_batcher_free(LrIntakeBatcher *b)
{
	if (b == NULL)
		return;
	g_mutex_lock(&b->lock);
	b->stopping = TRUE;
	g_cond_broadcast(&b->more);
	g_mutex_unlock(&b->lock);
	g_thread_join(b->writer);
	g_thread_join(b->flusher);
	g_async_queue_unref(b->stored);
	g_ptr_array_unref(b->waiting);
	g_mutex_clear(&b->lock);
	g_cond_clear(&b->more);
	g_cond_clear(&b->done);
	g_free(b);
}

/* intake_batcher_store - check here, store in the writer's next batch;
 * or, when nothing else is waiting or being stored, store, flush and
 * answer in this thread (a batch of one, as the writer and the flusher
 * would, without handing it to them and back: most of a lone delivery's
 * wait was those three hand-offs).  Requests arriving meanwhile queue for
 * the writer, which takes them once this one is stored. */
gboolean intake_batcher_store(LrIntakeBatcher *b, GBytes *raw, const char *sender,
                              const char *const *recipients, guint64 *lead_id, gboolean *duplicate,
                              GError **error)
{
	const char *rcpt = first_rcpt(recipients);
	g_autoptr(LrLead) seed = NULL;
	g_autofree char *key = NULL;
	Request r = {{.raw = raw}, FALSE, NULL};

	if (!intake_prepare(raw, sender, rcpt, b->max_size, &seed, &key, error))
		return FALSE;
	r.item.key = key;
	r.item.seed = seed;
	g_mutex_lock(&b->lock);
	if (b->waiting->len == 0 && !b->storing && !b->stopping) {
		GPtrArray *alone = g_ptr_array_new();
		Batch *bt;

		b->storing = TRUE;
		g_mutex_unlock(&b->lock);
		g_ptr_array_add(alone, &r);
		bt = batch_store(b, alone);
		batch_stored(b);
		batch_answer(b, bt);
	} else {
		g_ptr_array_add(b->waiting, &r);
		g_cond_signal(&b->more);
		while (!r.done)
			g_cond_wait(&b->done, &b->lock);
		g_mutex_unlock(&b->lock);
	}
	if (r.error) {
		g_propagate_error(error, r.error);
		return FALSE;
	}
	intake_logged(&r.item, sender, rcpt);
	*lead_id = r.item.lead_id;
	*duplicate = r.item.duplicate;
	return TRUE;
}

/* intake_item_prepare - intake_store's checks, for a caller that stores. */
gboolean intake_item_prepare(LrStoreItem *item, GBytes *raw, const char *sender, const char *rcpt,
                             gsize max_size, GError **error)
{
	char *key = NULL;

	memset(item, 0, sizeof(*item));
	if (!intake_prepare(raw, sender, rcpt, max_size, &item->seed, &key, error))
		return FALSE;
	item->raw = g_bytes_ref(raw);
	item->key = key;
	return TRUE;
}

/* intake_item_clear - free what intake_item_prepare made. */
void intake_item_clear(LrStoreItem *item)
{
	g_clear_pointer(&item->raw, g_bytes_unref);
	g_clear_pointer(&item->seed, lead_free);
	g_free((char *)item->key);
	item->key = NULL;
}

/* intake_item_logged - the log line of a stored item. */
void intake_item_logged(const LrStoreItem *item, const char *sender, const char *rcpt)
{
	intake_logged(item, sender, rcpt);
}
