/* queue-summary-walk.c - the summaries of a period, for reports: a walk
 * of the received-time index for a short period, a bulk scan of
 * summary.db (many records per cursor visit, decoded into one reused
 * summary) when the period holds a good part of the store. */
#include "config.h"

#include <string.h>

#include "lead/lr-error.h"
#include "lead/summary.h"
#include "queue/queue-int.h"

/* Walk state: the summaries of [from, until), each to fn. */
typedef struct {
	LrQueue *q;
	gint64 from, until;
	QueueSummaryFunc fn;
	gpointer data;
	gboolean borrowed; /* fn borrows (queue_summaries_scan), else it owns */
	GError *error;
} Walk;

/* hand_on - s (new) to fn, which owns it or borrows it; FALSE stops. */
static gboolean hand_on(Walk *w, LrSummary *s)
{
	gboolean go = w->fn(s, w->data);

	if (w->borrowed)
		summary_free(s);
	return go;
}

/* walk_entry - one 'T' entry (key without its 'T'): FALSE past until or
 * when fn says stop. */
static gboolean walk_entry(Walk *w, const guint8 *tail)
{
	guint64 at, id;
	LrSummary *s;

	memcpy(&at, tail, 8);
	memcpy(&id, tail + 8, 8);
	if ((gint64)GUINT64_FROM_BE(at) >= w->until)
		return FALSE;
	s = queue_summary_get(w->q, GUINT64_FROM_BE(id), &w->error);
	if (s == NULL)
		return w->error == NULL;
	return hand_on(w, s);
}

/* Entries per cursor visit (see queue-index.c: no cursor stays open
 * while other records are read or handed on). */
#define SUMMARY_WALK_BATCH 256

/* One batch of walk_index. */
typedef struct {
	LrQueue *q;
	const guint8 *from; /* the key after 'T': received, id */
	GByteArray *tails;
} TimeBatch;

/* time_batch_once - one try of time_batch (QueueReadOnce). */
static int time_batch_once(gpointer data, GError **error)
{
	TimeBatch *b = data;
	guint8 kbuf[32];
	DBT key = {.data = kbuf, .ulen = sizeof(kbuf), .size = 17, .flags = DB_DBT_USERMEM};
	DBT val = {.flags = DB_DBT_USERMEM | DB_DBT_PARTIAL};
	DBC *c = queue_cursor_open(b->q->index, NULL, error);
	int ret;

	if (c == NULL)
		return -1;
	g_byte_array_set_size(b->tails, 0);
	kbuf[0] = 'T';
	memcpy(kbuf + 1, b->from, 16);
	for (ret = c->get(c, &key, &val, DB_SET_RANGE);
	     ret == 0 && b->tails->len < 16 * SUMMARY_WALK_BATCH;
	     ret = c->get(c, &key, &val, DB_NEXT)) {
		if (key.size != 17 || kbuf[0] != 'T')
			break;
		g_byte_array_append(b->tails, kbuf + 1, 16);
	}
	c->close(c);
	return ret;
}

/* time_batch - up to SUMMARY_WALK_BATCH 'T' entries from *from on (the
 * key after 'T': received, id), into tails (empty before); *from becomes
 * the key after the last.  A deadlock victim tries again. */
static gboolean time_batch(LrQueue *q, guint8 from[16], GByteArray *tails, GError **error)
{
	TimeBatch b = {q, from, tails};

	if (!queue_read_retrying(time_batch_once, &b, "index", error))
		return FALSE;
	if (tails->len > 0) {
		guint64 id, next;
		memcpy(from, tails->data + tails->len - 16, 16);
		memcpy(&id, from + 8, 8);
		next = GUINT64_FROM_BE(id) + 1;
		id = GUINT64_TO_BE(next);
		memcpy(from + 8, &id, 8);
	}
	return TRUE;
}

/* walk_index - summaries of leads received in [from, until), in arrival
 * order, by the received-time index. */
static gboolean walk_index(LrQueue *q, gint64 from, gint64 until, QueueSummaryFunc fn,
                           gpointer data, gboolean borrowed, GError **error)
{
	Walk w = {q, from, until, fn, data, borrowed, NULL};
	guint8 pos[16] = {0};
	guint64 at = GUINT64_TO_BE((guint64)MAX(from, 0));
	gboolean go = TRUE;

	memcpy(pos, &at, 8);
	while (go) {
		g_autoptr(GByteArray) tails = g_byte_array_new();
		if (!time_batch(q, pos, tails, error))
			return FALSE;
		for (guint i = 0; go && i < tails->len; i += 16)
			go = walk_entry(&w, tails->data + i);
		go = go && tails->len == 16 * SUMMARY_WALK_BATCH;
	}
	if (w.error != NULL) {
		g_propagate_error(error, w.error);
		return FALSE;
	}
	return TRUE;
}

/* Bytes of records fetched per cursor visit of the scan. */
#define SUMMARY_SCAN_BUFFER (512 * 1024)

/* One fetch of walk_scan. */
typedef struct {
	LrQueue *q;
	guint64 next;
	GByteArray *buf;
	gboolean found; /* the last try read records (not DB_NOTFOUND) */
} ScanFetch;

/* scan_fetch_once - one try of scan_fetch (QueueReadOnce). */
static int scan_fetch_once(gpointer data, GError **error)
{
	ScanFetch *f = data;
	guint64 kbuf = be64(f->next);
	DBT key = {
	    .data = &kbuf, .ulen = sizeof(kbuf), .size = sizeof(kbuf), .flags = DB_DBT_USERMEM};
	DBT val = {.flags = DB_DBT_USERMEM};
	DBC *c = queue_cursor_open(f->q->summaries, NULL, error);
	int ret;

	if (c == NULL)
		return -1;
	do {
		val.data = f->buf->data;
		val.ulen = f->buf->len;
		ret = c->get(c, &key, &val, DB_SET_RANGE | DB_MULTIPLE_KEY);
		if (ret == DB_BUFFER_SMALL)
			g_byte_array_set_size(f->buf, MAX(f->buf->len * 2, val.size + 1024));
	} while (ret == DB_BUFFER_SMALL);
	c->close(c);
	f->found = ret == 0;
	return ret;
}

/* scan_fetch - summary records from id next on, as many as fit in buf
 * (grown when one record does not), with the cursor closed again before
 * they are handed on.  TRUE with *more FALSE at the end; a deadlock
 * victim tries again. */
static gboolean scan_fetch(LrQueue *q, guint64 next, GByteArray *buf, gboolean *more,
                           GError **error)
{
	ScanFetch f = {q, next, buf, FALSE};

	*more = FALSE;
	if (!queue_read_retrying(scan_fetch_once, &f, "summaries", error))
		return FALSE;
	*more = f.found;
	return TRUE;
}

/* scan_buffer - each record of a fetched buffer in [from, until) to fn
 * (decoded into reused, or into a new summary when fn owns it); *next
 * becomes the id after the last.  FALSE when fn says stop. */
static gboolean scan_buffer(Walk *w, GByteArray *buf, LrSummary *reused, guint64 *next)
{
	DBT val = {.data = buf->data, .ulen = buf->len, .size = buf->len};
	void *p, *k, *d;
	u_int32_t klen, dlen;

	DB_MULTIPLE_INIT(p, &val);
	for (;;) {
		guint64 id;
		DB_MULTIPLE_KEY_NEXT(p, &val, k, klen, d, dlen);
		if (p == NULL || klen != sizeof(guint64))
			break;
		LrSummary *s = w->borrowed ? reused : summary_empty();
		memcpy(&id, k, 8);
		*next = GUINT64_FROM_BE(id) + 1;
		/* An unreadable record is skipped, as the index walk does. */
		if (!summary_read_into(s, d, dlen, NULL) || s->received < w->from ||
		    s->received >= w->until) {
			if (!w->borrowed)
				summary_free(s);
			continue;
		}
		if (!w->fn(s, w->data))
			return FALSE;
	}
	return TRUE;
}

/* walk_scan - every summary in id order, those of [from, until) to fn. */
static gboolean walk_scan(LrQueue *q, gint64 from, gint64 until, QueueSummaryFunc fn,
                          gpointer data, gboolean borrowed, GError **error)
{
	Walk w = {q, from, until, fn, data, borrowed, NULL};
	g_autoptr(GByteArray) buf = g_byte_array_sized_new(SUMMARY_SCAN_BUFFER);
	g_autoptr(LrSummary) s = summary_empty();
	guint64 next = 0;
	gboolean more = TRUE;

	g_byte_array_set_size(buf, SUMMARY_SCAN_BUFFER);
	while (more) {
		guint64 before = next;
		if (!scan_fetch(q, next, buf, &more, error))
			return FALSE;
		if (more && !scan_buffer(&w, buf, s, &next))
			break;
		more = more && next > before;
	}
	return TRUE;
}

/* time_share - about which part of all leads arrived in [from, until)
 * (a B-tree estimate over the 'T' entries, no walk). */
static double time_share(LrQueue *q, gint64 from, gint64 until)
{
	guint8 lo[9] = {'T'}, hi[9] = {'T'};
	guint64 a = GUINT64_TO_BE((guint64)MAX(from, 0));
	guint64 b = GUINT64_TO_BE(until < 0 ? 0 : (guint64)until);
	DBT k_all = dbt_in("T", 1), k_end = dbt_in("U", 1), k_lo, k_hi;
	DB_KEY_RANGE r_all, r_end, r_lo, r_hi;
	double all;

	memcpy(lo + 1, &a, 8);
	memcpy(hi + 1, &b, 8);
	k_lo = dbt_in(lo, 9);
	k_hi = dbt_in(hi, 9);
	if (q->index->key_range(q->index, NULL, &k_all, &r_all, 0) != 0 ||
	    q->index->key_range(q->index, NULL, &k_end, &r_end, 0) != 0 ||
	    q->index->key_range(q->index, NULL, &k_lo, &r_lo, 0) != 0 ||
	    q->index->key_range(q->index, NULL, &k_hi, &r_hi, 0) != 0)
		return 1;
	all = r_end.less - r_all.less;
	return all > 0 ? (r_hi.less - r_lo.less) / all : 1;
}

/* A period holding more than this part of the leads is read by a scan. */
#define SUMMARY_SCAN_SHARE 0.15

/* walk - by the index or by a scan, whichever reads less. */
static gboolean walk(LrQueue *q, gint64 from, gint64 until, QueueSummaryFunc fn, gpointer data,
                     gboolean borrowed, GError **error)
{
	if (time_share(q, from, until) > SUMMARY_SCAN_SHARE)
		return walk_scan(q, from, until, fn, data, borrowed, error);
	return walk_index(q, from, until, fn, data, borrowed, error);
}

/* queue_summaries_foreach - the period's summaries, each fn's own. */
gboolean queue_summaries_foreach(LrQueue *q, gint64 from, gint64 until, QueueSummaryFunc fn,
                                 gpointer data, GError **error)
{
	return walk(q, from, until, fn, data, FALSE, error);
}

/* queue_summaries_scan - the period's summaries, lent to fn. */
gboolean queue_summaries_scan(LrQueue *q, gint64 from, gint64 until, QueueSummaryFunc fn,
                              gpointer data, GError **error)
{
	return walk(q, from, until, fn, data, TRUE, error);
}
