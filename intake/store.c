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

/* Requests wait here until the writer has stored their batch. */
typedef struct {
	LrStoreItem item;
	gboolean done;
	GError *error;
} Request;

#define BATCH_MAX 256

struct LrIntakeBatcher {
	LrQueue *q;
	gsize max_size;
	GMutex lock;
	GCond more;         /* the writer waits for requests */
	GCond done;         /* requests wait for the writer */
	GPtrArray *waiting; /* Request * */
	gboolean stopping;
	GThread *writer;
	LrIntakeBatchFunc batch; /* queue_store_batch but in tests */
};

/* batch_take - the requests waiting now (at most BATCH_MAX); NULL when
 * stopping with none left.  Called with the lock held. */
static GPtrArray *batch_take(LrIntakeBatcher *b)
{
	GPtrArray *batch;
	guint n;

	while (b->waiting->len == 0 && !b->stopping)
		g_cond_wait(&b->more, &b->lock);
	if (b->waiting->len == 0)
		return NULL;
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

/* batch_store - one transaction for the batch; every request gets the
 * outcome.  A batch that fails for good (not TEMP) is retried item by
 * item instead of handing one item's error to all. */
static void batch_store(LrIntakeBatcher *b, GPtrArray *batch)
{
	g_autofree LrStoreItem *items = g_new(LrStoreItem, batch->len);
	g_autofree GError **errors = g_new0(GError *, batch->len);
	g_autoptr(GError) error = NULL;
	gboolean ok;

	for (guint i = 0; i < batch->len; i++)
		items[i] = ((Request *)batch->pdata[i])->item;
	ok = b->batch(b->q, items, batch->len, &error);
	if (!ok && batch->len > 1 && !lr_error_is_temp(error))
		batch_alone(b, items, batch->len, errors);
	else
		for (guint i = 0; !ok && i < batch->len; i++)
			errors[i] = g_error_copy(error);
	g_mutex_lock(&b->lock);
	for (guint i = 0; i < batch->len; i++) {
		Request *r = batch->pdata[i];
		r->item = items[i];
		r->error = errors[i];
		r->done = TRUE;
	}
	g_cond_broadcast(&b->done);
	g_mutex_unlock(&b->lock);
}

/* writer_main - store batches until stopped and drained. */
static gpointer writer_main(gpointer data)
{
	LrIntakeBatcher *b = data;

	for (;;) {
		g_autoptr(GPtrArray) batch = NULL;
		g_mutex_lock(&b->lock);
		batch = batch_take(b);
		g_mutex_unlock(&b->lock);
		if (batch == NULL)
			return NULL;
		batch_store(b, batch);
	}
}

/* intake_batcher_new - start the writer. */
LrIntakeBatcher *intake_batcher_new(LrQueue *q, gsize max_size)
{
	return intake_batcher_new_full(q, max_size, NULL);
}

/* intake_batcher_new_full - start the writer over the batch step given. */
LrIntakeBatcher *intake_batcher_new_full(LrQueue *q, gsize max_size, LrIntakeBatchFunc batch)
{
	LrIntakeBatcher *b = g_new0(LrIntakeBatcher, 1);

	b->q = q;
	b->batch = batch ? batch : queue_store_batch;
	b->max_size = max_size;
	g_mutex_init(&b->lock);
	g_cond_init(&b->more);
	g_cond_init(&b->done);
	b->waiting = g_ptr_array_new();
	b->writer = g_thread_new("intake", writer_main, b);
	return b;
}

/* intake_batcher_free - drain and stop. */
void intake_batcher_free(LrIntakeBatcher *b)
{
	if (b == NULL)
		return;
	g_mutex_lock(&b->lock);
	b->stopping = TRUE;
	g_cond_broadcast(&b->more);
	g_mutex_unlock(&b->lock);
	g_thread_join(b->writer);
	g_ptr_array_unref(b->waiting);
	g_mutex_clear(&b->lock);
	g_cond_clear(&b->more);
	g_cond_clear(&b->done);
	g_free(b);
}

/* intake_batcher_store - check here, store in the writer's next batch. */
gboolean intake_batcher_store(LrIntakeBatcher *b, GBytes *raw, const char *sender,
                              const char *const *recipients, guint64 *lead_id, gboolean *duplicate,
                              GError **error)
{
	const char *rcpt = first_rcpt(recipients);
	g_autoptr(LrLead) seed = NULL;
	g_autofree char *key = NULL;
	Request r = {{raw, NULL, NULL, 0, FALSE}, FALSE, NULL};

	if (!intake_prepare(raw, sender, rcpt, b->max_size, &seed, &key, error))
		return FALSE;
	r.item.key = key;
	r.item.seed = seed;
	g_mutex_lock(&b->lock);
	g_ptr_array_add(b->waiting, &r);
	g_cond_signal(&b->more);
	while (!r.done)
		g_cond_wait(&b->done, &b->lock);
	g_mutex_unlock(&b->lock);
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
