/* queue-index.c - the secondary indexes of leads, kept in the same
 * transaction as the lead (queue_lead_put), and the queries over them.
 *
 * One database, index.db, holds every entry as a key with an empty value;
 * the first byte names the index, the last eight bytes are the lead id
 * (be64), so that each index value lists its leads in id order (which is
 * arrival order):
 *   'S' status '\0' id          'U' user '\0' id (holders and assignees)
 *   'O' source '\0' id          'V' server '\0' id (assignee "server:ID")
 *   'T' received(be64) id       'P' priority(be32, offset) id
 *   'Q' status '\0' priority id (open leads by priority)
 *   'C' received id             (closed, not yet erased: retention)
 * Strings in keys are cut at QUEUE_INDEX_MAX_VALUE bytes; a query checks
 * every lead it reads against the whole filter, so a cut never shows a
 * wrong lead. */
#include "config.h"

#include <string.h>

#include "lead/lr-error.h"
#include "queue/queue-int.h"

#define QUEUE_INDEX_MAX_VALUE 200
#define QUEUE_INDEX_MAX_KEY 256

/* key_str - an index key kind, value, '\0', then tail bytes. */
static GBytes *key_str(char kind, const char *value, const void *tail, gsize tlen)
{
	gsize vlen = MIN(strlen(value), QUEUE_INDEX_MAX_VALUE);
	GByteArray *k = g_byte_array_sized_new(2 + vlen + tlen);

	g_byte_array_append(k, (const guint8 *)&kind, 1);
	g_byte_array_append(k, (const guint8 *)value, vlen);
	g_byte_array_append(k, (const guint8 *)"", 1);
	g_byte_array_append(k, tail, tlen);
	return g_byte_array_free_to_bytes(k);
}

/* key_num - an index key kind, then a number of n bytes, then tail. */
static GBytes *key_num(char kind, guint64 v, gsize n, const void *tail, gsize tlen)
{
	guint8 buf[1 + 8 + 8 + 4];
	guint64 be = GUINT64_TO_BE(v);

	buf[0] = (guint8)kind;
	memcpy(buf + 1, (const guint8 *)&be + 8 - n, n);
	memcpy(buf + 1 + n, tail, tlen);
	return g_bytes_new(buf, 1 + n + tlen);
}

/* prio_bits - a priority as an unsigned number in the same order. */
static guint64 prio_bits(int priority)
{
	return (guint32)priority ^ 0x80000000u;
}

/* add_key - add k to the set (which owns it). */
static void add_key(GHashTable *set, GBytes *k)
{
	g_hash_table_add(set, k);
}

/* user_keys - 'U' for every holder and assignee, 'V' for servers. */
static void user_keys(GHashTable *set, const LrLead *lead, const guint64 *id)
{
	for (guint i = 0; i < lead->holders->len; i++)
		add_key(set, key_str('U', lead->holders->pdata[i], id, 8));
	for (guint i = 0; i < lead->assignees->len; i++) {
		const char *a = lead->assignees->pdata[i];
		add_key(set, key_str('U', a, id, 8));
		if (g_str_has_prefix(a, "server:"))
			add_key(set, key_str('V', a + strlen("server:"), id, 8));
	}
}

/* lead_keys - every index key of lead. */
static GHashTable *lead_keys(const LrLead *lead)
{
	GHashTable *set =
	    g_hash_table_new_full(g_bytes_hash, g_bytes_equal, (GDestroyNotify)g_bytes_unref, NULL);
	guint64 id = be64(lead->id);
	const char *status = lead->status ? lead->status : "";
	guint8 qtail[12];
	guint32 pbe = GUINT32_TO_BE((guint32)prio_bits(lead->priority));

	memcpy(qtail, &pbe, 4);
	memcpy(qtail + 4, &id, 8);
	add_key(set, key_str('S', status, &id, 8));
	add_key(set, key_str('Q', status, qtail, 12));
	add_key(set, key_str('O', lead->source ? lead->source : "", &id, 8));
	add_key(set, key_num('T', (guint64)MAX(lead->received, 0), 8, &id, 8));
	add_key(set, key_num('P', prio_bits(lead->priority), 4, &id, 8));
	if (g_strcmp0(status, LEAD_STATUS_CLOSED) == 0 && lead_meta_get(lead, "erased") == NULL)
		add_key(set, key_num('C', (guint64)MAX(lead->received, 0), 8, &id, 8));
	user_keys(set, lead, &id);
	return set;
}

/* index_del - delete one entry. */
static gboolean index_del(LrTxn *txn, GBytes *k, GError **error)
{
	gsize len;
	const void *data = g_bytes_get_data(k, &len);
	DBT key = dbt_in(data, len);
	int ret = txn->q->index->del(txn->q->index, txn->txn, &key, 0);

	return ret == 0 || ret == DB_NOTFOUND ? TRUE : queue_db_fail(error, ret, "index delete");
}

/* index_put - write one entry. */
static gboolean index_put(LrTxn *txn, GBytes *k, GError **error)
{
	gsize len;
	const void *data = g_bytes_get_data(k, &len);

	return queue_put_bytes(txn->q->index, txn, data, len, "", 0, error);
}

/* queue_index_update - the entries that changed between old and lead. */
gboolean queue_index_update(LrTxn *txn, const LrLead *old, const LrLead *lead, GError **error)
{
	g_autoptr(GHashTable) now = lead_keys(lead);
	g_autoptr(GHashTable) was = old ? lead_keys(old) : NULL;
	GHashTableIter it;
	gpointer k;

	if (was != NULL) {
		g_hash_table_iter_init(&it, was);
		while (g_hash_table_iter_next(&it, &k, NULL))
			if (!g_hash_table_contains(now, k) && !index_del(txn, k, error))
				return FALSE;
	}
	g_hash_table_iter_init(&it, now);
	while (g_hash_table_iter_next(&it, &k, NULL))
		if ((was == NULL || !g_hash_table_contains(was, k)) && !index_put(txn, k, error))
			return FALSE;
	return TRUE;
}

/* A walk down one index, newest (or highest) first. */
typedef struct {
	GBytes *prefix; /* the entries walked all start with it */
	GBytes *bound;  /* start below this key */
} Range;

/* Called per entry with the key's tail after the prefix; FALSE stops. */
typedef gboolean (*EntryFunc)(const guint8 *tail, gsize len, gpointer data);

/* Entries read per cursor visit: the cursor is closed before the leads
 * of a batch are read or handed on, so that a reader never holds a page
 * lock while it waits for another (a writer queued between the two would
 * wait for it, and it for the writer: a deadlock the detector cannot see,
 * the two lockers being one thread) or for its output. */
#define QUEUE_WALK_BATCH 256

/* walk_step - position below key (first) or step back; 0, DB_NOTFOUND or
 * an error. */
static int walk_step(DBC *c, DBT *key, DBT *val, GBytes *bound, gboolean first)
{
	gsize blen;
	const void *b = g_bytes_get_data(bound, &blen);
	int ret;

	if (!first)
		return c->get(c, key, val, DB_PREV);
	memcpy(key->data, b, blen);
	key->size = (u_int32_t)blen;
	ret = c->get(c, key, val, DB_SET_RANGE);
	if (ret == DB_NOTFOUND)
		return c->get(c, key, val, DB_LAST);
	return ret == 0 ? c->get(c, key, val, DB_PREV) : ret;
}

/* One batch of walk_back. */
typedef struct {
	LrQueue *q;
	const Range *r;
	GBytes *bound; /* start below this key */
	GPtrArray *keys;
} WalkBatch;

/* walk_batch_once - one try of walk_batch (QueueReadOnce). */
static int walk_batch_once(gpointer data, GError **error)
{
	WalkBatch *b = data;
	guint8 kbuf[QUEUE_INDEX_MAX_KEY + 32];
	DBT key = {.data = kbuf, .ulen = sizeof(kbuf), .flags = DB_DBT_USERMEM};
	DBT val = {.flags = DB_DBT_USERMEM | DB_DBT_PARTIAL};
	gsize plen;
	const guint8 *p = g_bytes_get_data(b->r->prefix, &plen);
	DBC *c = queue_cursor_open(b->q->index, NULL, error);
	int ret;

	if (c == NULL)
		return -1;
	g_ptr_array_set_size(b->keys, 0);
	for (ret = walk_step(c, &key, &val, b->bound, TRUE);
	     ret == 0 && b->keys->len < QUEUE_WALK_BATCH;
	     ret = walk_step(c, &key, &val, b->bound, FALSE)) {
		if (key.size < plen || memcmp(kbuf, p, plen) != 0)
			break;
		g_ptr_array_add(b->keys, g_bytes_new(kbuf, key.size));
	}
	c->close(c);
	return ret;
}

/* walk_batch - up to QUEUE_WALK_BATCH whole keys of r below *bound,
 * descending, into keys (empty before); *bound becomes the last one.
 * FALSE on failure. */
static gboolean walk_batch(LrQueue *q, const Range *r, GBytes **bound, GPtrArray *keys,
                           GError **error)
{
	WalkBatch b = {q, r, *bound, keys};

	if (!queue_read_retrying(walk_batch_once, &b, "index", error))
		return FALSE;
	if (keys->len > 0) {
		g_bytes_unref(*bound);
		*bound = g_bytes_ref(keys->pdata[keys->len - 1]);
	}
	return TRUE;
}

/* walk_back - every entry of r below its bound, descending, batch by
 * batch. */
static gboolean walk_back(LrQueue *q, const Range *r, EntryFunc fn, gpointer data, GError **error)
{
	g_autoptr(GBytes) bound = g_bytes_ref(r->bound);
	gsize plen = g_bytes_get_size(r->prefix);
	gboolean go = TRUE;

	while (go) {
		g_autoptr(GPtrArray) keys =
		    g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
		if (!walk_batch(q, r, &bound, keys, error))
			return FALSE;
		for (guint i = 0; go && i < keys->len; i++) {
			gsize len;
			const guint8 *k = g_bytes_get_data(keys->pdata[i], &len);
			go = fn(k + plen, len - plen, data);
		}
		go = go && keys->len == QUEUE_WALK_BATCH;
	}
	return TRUE;
}

/* range_count - about how many entries start with prefix (a B-tree
 * estimate, no walk). */
static double range_count(LrQueue *q, GBytes *prefix)
{
	gsize len;
	const guint8 *p = g_bytes_get_data(prefix, &len);
	g_autofree guint8 *hi = g_malloc(len + 1);
	DBT lo_k = dbt_in(p, len), hi_k;
	DB_KEY_RANGE a, b;
	DB_BTREE_STAT *st = NULL;
	double n = 1e12;

	memcpy(hi, p, len);
	hi[len] = 0xff;
	hi_k = dbt_in(hi, len + 1);
	if (q->index->key_range(q->index, NULL, &lo_k, &a, 0) != 0 ||
	    q->index->key_range(q->index, NULL, &hi_k, &b, 0) != 0)
		return n;
	if (q->index->stat(q->index, NULL, &st, DB_FAST_STAT) == 0) {
		n = (b.less + b.equal - a.less) * st->bt_nkeys;
		free(st);
	}
	return n;
}

/* Query state. */
typedef struct {
	LrQueue *q;
	const QueueQuery *query;
	QueueLeadFunc fn;
	gpointer data;
	gboolean by_time; /* the walk is in id (arrival) order */
	gboolean stopped;
	GError *error;
} Query;

/* holds - does user hold, or is user assigned, lead? */
static gboolean holds(const LrLead *lead, const char *user)
{
	for (guint i = 0; i < lead->assignees->len; i++)
		if (g_strcmp0(lead->assignees->pdata[i], user) == 0)
			return TRUE;
	for (guint i = 0; i < lead->holders->len; i++)
		if (g_strcmp0(lead->holders->pdata[i], user) == 0)
			return TRUE;
	return FALSE;
}

/* matches - does lead pass every filter of query? */
static gboolean matches(const LrLead *lead, const QueueQuery *w)
{
	g_autofree char *server = w->server ? g_strconcat("server:", w->server, NULL) : NULL;

	if ((w->status && g_strcmp0(lead->status, w->status) != 0) ||
	    (w->source && g_strcmp0(lead->source, w->source) != 0) ||
	    (w->user && !holds(lead, w->user)) || (server && !holds(lead, server)))
		return FALSE;
	if ((w->since && lead->received < w->since) || (w->until && lead->received >= w->until))
		return FALSE;
	return TRUE;
}

/* Arrival time and id order may disagree by as much as one intake
 * transaction takes: a walk in id order stops this far past since. */
#define QUEUE_ORDER_SLACK (60 * G_USEC_PER_SEC)

/* query_lead_any - hand a matching lead on, in any order; FALSE stops. */
static gboolean query_lead_any(Query *s, const LrLead *lead)
{
	if (!s->fn(lead, s->data)) {
		s->stopped = TRUE;
		return FALSE;
	}
	return TRUE;
}

static gboolean query_lead(Query *s, const LrLead *lead);

/* query_id - read lead id and hand it on when it matches. */
static gboolean query_id(Query *s, guint64 id)
{
	g_autoptr(LrLead) lead = queue_lead_get(s->q, NULL, id, &s->error);

	if (lead == NULL)
		return s->error == NULL;
	if (!s->by_time && !matches(lead, s->query))
		return TRUE;
	return s->by_time ? query_lead(s, lead) : query_lead_any(s, lead);
}

/* on_entry - an index entry: its last eight bytes are the lead id. */
static gboolean on_entry(const guint8 *tail, gsize len, gpointer data)
{
	guint64 id;

	if (len < 8)
		return TRUE;
	memcpy(&id, tail + len - 8, 8);
	return query_id(data, GUINT64_FROM_BE(id));
}

/* on_time_entry - a 'T' entry: stops below since. */
static gboolean on_time_entry(const guint8 *tail, gsize len, gpointer data)
{
	Query *s = data;
	guint64 at;

	if (len < 16)
		return TRUE;
	memcpy(&at, tail, 8);
	if (s->query->since && (gint64)GUINT64_FROM_BE(at) < s->query->since)
		return FALSE;
	return on_entry(tail, len, data);
}

/* id_bound - the exclusive upper id of a walk: before, or past all. */
static guint64 id_bound(const QueueQuery *w)
{
	return GUINT64_TO_BE(w->before ? w->before : G_MAXUINT64);
}

/* pick_value - the most selective equality filter as a 'X' value prefix. */
static GBytes *pick_value(LrQueue *q, const QueueQuery *w)
{
	const char kinds[] = {'S', 'U', 'O', 'V'};
	const char *values[] = {w->status, w->user, w->source, w->server};
	GBytes *best = NULL;
	double best_n = 0;

	for (guint i = 0; i < G_N_ELEMENTS(kinds); i++) {
		GBytes *p;
		double n;
		if (values[i] == NULL)
			continue;
		p = key_str(kinds[i], values[i], NULL, 0);
		n = range_count(q, p);
		if (best == NULL || n < best_n) {
			g_clear_pointer(&best, g_bytes_unref);
			best = p, best_n = n;
		} else {
			g_bytes_unref(p);
		}
	}
	return best;
}

/* priority_range - the 'Q' (by status) or 'P' walk, from before's place. */
static gboolean priority_range(LrQueue *q, const QueueQuery *w, Range *r, GError **error)
{
	guint8 tail[12];
	guint32 p = 0xffffffffu;
	guint64 id = id_bound(w);

	if (w->before) {
		g_autoptr(LrLead) at = queue_lead_get(q, NULL, w->before, error);
		if (at == NULL) {
			if (error && *error == NULL)
				g_set_error(error, LR_ERROR, LR_ERROR_PERM,
				            "no lead %" G_GUINT64_FORMAT, w->before);
			return FALSE;
		}
		p = (guint32)prio_bits(at->priority);
	}
	p = GUINT32_TO_BE(p);
	memcpy(tail, &p, 4);
	memcpy(tail + 4, &id, 8);
	if (w->status) {
		r->prefix = key_str('Q', w->status, NULL, 0);
		r->bound = key_str('Q', w->status, tail, 12);
	} else {
		r->prefix = g_bytes_new("P", 1);
		r->bound = key_num('P', 0, 0, tail, 12);
	}
	return TRUE;
}

/* time_range - the 'T' walk from until down. */
static void time_range(const QueueQuery *w, Range *r)
{
	guint64 zero = 0;

	r->prefix = g_bytes_new("T", 1);
	r->bound = key_num('T', w->until ? (guint64)w->until : G_MAXUINT64, 8, &zero, 8);
}

/* One batch of query_by_ids. */
typedef struct {
	LrQueue *q;
	guint64 start;  /* below this id (be64) */
	guint64 *bound; /* the last id read */
	GPtrArray *recs;
	guint max;
} IdsBatch;

/* ids_batch_once - one try of ids_batch (QueueReadOnce). */
static int ids_batch_once(gpointer data, GError **error)
{
	IdsBatch *b = data;
	DBC *c = queue_cursor_open(b->q->leads, NULL, error);
	guint64 kbuf = b->start;
	DBT key = {
	    .data = &kbuf, .ulen = sizeof(kbuf), .size = sizeof(kbuf), .flags = DB_DBT_USERMEM};
	DBT val = dbt_out();
	int ret;

	if (c == NULL)
		return -1;
	*b->bound = b->start;
	g_ptr_array_set_size(b->recs, 0);
	ret = c->get(c, &key, &val, DB_SET_RANGE);
	if (ret == 0)
		free(val.data), val = dbt_out();
	ret = ret == DB_NOTFOUND ? c->get(c, &key, &val, DB_LAST)
	                         : (ret == 0 ? c->get(c, &key, &val, DB_PREV) : ret);
	for (; ret == 0 && b->recs->len < b->max; ret = c->get(c, &key, &val, DB_PREV)) {
		g_ptr_array_add(b->recs, queue_dbt_bytes(&val));
		val = dbt_out();
		*b->bound = kbuf;
		if (b->recs->len == b->max)
			break;
	}
	c->close(c);
	return ret;
}

/* ids_batch - up to max lead records below *bound (be64), descending,
 * into recs (GBytes, empty before); *bound becomes the last id.  A
 * deadlock victim tries again (queue_read_retrying): `list` under load in
 * store-backup.sh failed with "leads: deadlock". */
static gboolean ids_batch(LrQueue *q, guint64 *bound, GPtrArray *recs, guint max, GError **error)
{
	IdsBatch b = {q, *bound, bound, recs, max};

	return queue_read_retrying(ids_batch_once, &b, "leads", error);
}

/* query_lead - a lead read with its record: hand it on when it matches;
 * FALSE to stop. */
static gboolean query_lead(Query *s, const LrLead *lead)
{
	if (s->query->since && lead->received < s->query->since - QUEUE_ORDER_SLACK)
		return FALSE;
	if (!matches(lead, s->query))
		return TRUE;
	if (!s->fn(lead, s->data)) {
		s->stopped = TRUE;
		return FALSE;
	}
	return TRUE;
}

/* query_by_ids - no index filter: the leads themselves, newest first,
 * each decoded from the record the walk read; the first batch reads no
 * more than the caller will take (query->limit). */
static gboolean query_by_ids(Query *s, GError **error)
{
	guint64 bound = id_bound(s->query);
	guint max = s->query->limit ? MIN(s->query->limit, QUEUE_WALK_BATCH) : QUEUE_WALK_BATCH;
	gboolean go = TRUE;

	while (go) {
		g_autoptr(GPtrArray) recs =
		    g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
		if (!ids_batch(s->q, &bound, recs, max, error))
			return FALSE;
		for (guint i = 0; go && i < recs->len; i++) {
			g_autoptr(LrLead) lead = lead_deserialize(recs->pdata[i], NULL);
			go = lead == NULL || query_lead(s, lead);
		}
		go = go && recs->len == max;
		max = QUEUE_WALK_BATCH;
	}
	return TRUE;
}

/* query_range - walk r (freeing it) with fn. */
static gboolean query_range(Query *s, Range *r, EntryFunc fn, GError **error)
{
	gboolean ok = walk_back(s->q, r, fn, s, error);

	g_bytes_unref(r->prefix);
	g_bytes_unref(r->bound);
	return ok;
}

/* queue_leads_query - the leads of query in its order. */
gboolean queue_leads_query(LrQueue *q, const QueueQuery *query, QueueLeadFunc fn, gpointer data,
                           GError **error)
{
	Query s = {q, query, fn, data, TRUE, FALSE, NULL};
	Range r = {NULL, NULL};
	GBytes *value;
	gboolean ok;

	if (query->by_priority) {
		s.by_time = FALSE;
		ok = priority_range(q, query, &r, error) && query_range(&s, &r, on_entry, error);
	} else if ((value = pick_value(q, query)) != NULL) {
		guint64 id = id_bound(query);
		gsize len;
		const void *p = g_bytes_get_data(value, &len);
		GByteArray *b = g_byte_array_append(g_byte_array_new(), p, len);
		r.prefix = value;
		r.bound = g_byte_array_free_to_bytes(g_byte_array_append(b, (guint8 *)&id, 8));
		ok = query_range(&s, &r, on_entry, error);
	} else if (query->since || query->until) {
		time_range(query, &r);
		ok = query_range(&s, &r, on_time_entry, error);
	} else {
		ok = query_by_ids(&s, error);
	}
	if (s.error != NULL) {
		g_propagate_error(error, s.error);
		return FALSE;
	}
	return ok;
}

/* queue_retention_candidates - closed, unerased leads received before
 * cutoff, oldest first, at most max of them (ids, caller frees). */
GArray *queue_retention_candidates(LrQueue *q, gint64 cutoff, guint max, GError **error)
{
	GArray *ids = g_array_new(FALSE, FALSE, sizeof(guint64));
	DBC *c = queue_cursor_open(q->index, NULL, error);
	guint8 kbuf[QUEUE_INDEX_MAX_KEY + 32];
	DBT key = {.data = kbuf, .ulen = sizeof(kbuf), .size = 1, .flags = DB_DBT_USERMEM};
	DBT val = {.flags = DB_DBT_USERMEM | DB_DBT_PARTIAL};
	int ret;

	if (c == NULL)
		return g_array_unref(ids), NULL;
	kbuf[0] = 'C';
	for (ret = c->get(c, &key, &val, DB_SET_RANGE); ret == 0 && ids->len < max;
	     ret = c->get(c, &key, &val, DB_NEXT)) {
		guint64 at, id;
		if (key.size != 17 || kbuf[0] != 'C')
			break;
		memcpy(&at, kbuf + 1, 8);
		memcpy(&id, kbuf + 9, 8);
		if ((gint64)GUINT64_FROM_BE(at) >= cutoff)
			break;
		id = GUINT64_FROM_BE(id);
		g_array_append_val(ids, id);
	}
	c->close(c);
	if (ret != 0 && ret != DB_NOTFOUND) {
		queue_db_fail(error, ret, "index");
		return g_array_unref(ids), NULL;
	}
	return ids;
}
