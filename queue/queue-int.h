/* queue-int.h - what the files of queue/ share and no other module sees:
 * the environment's handles, the transaction wrapper, and the small helpers
 * that read and write records.  The databases are listed in queue.c. */
#ifndef LR_QUEUE_INT_H
#define LR_QUEUE_INT_H

#include <string.h>

#include <db.h>
#include <glib.h>

#include "queue/queue.h"

#define QUEUE_RECORD_VERSION 1
#define QUEUE_DEADLOCK_RETRIES 20
#define QUEUE_THREADS 512

struct LrQueue {
	DB_ENV *env;
	DB *leads, *raw, *events, *keys, *jobs, *outbox, *outdue, *state, *seqdb;
	DB_SEQUENCE *lead_seq, *job_seq, *out_seq;
	char *home;
	GMutex wait_lock;
	GCond wait_cond;
	guint64 jobs_added;
	gint deadlocks;    /* tests: commits still to turn into deadlocks */
	GMutex flush_lock; /* group commit (txn_commit_durable) */
	GCond flush_cond;
	guint64 committed; /* tickets handed out to finished commits */
	guint64 flushed;   /* every ticket up to this is on disk */
	gboolean flushing; /* one thread is in log_flush */
	int flush_error;   /* the last flush's result */
	/* store: secondary indexes and lead summaries (queue-index.c,
	 * queue-summary.c). */
	DB *index, *summaries;
	/* daemon: checkpoints (queue_failchk), each followed by the removal of
	 * the logs no longer needed (queue_logs_remove). */
	gint64 checkpoint_every, last_checkpoint; /* µs */
	/* set when queue_has_room refused a write: the next queue_failchk
	 * checkpoints without waiting for checkpoint_every, since removing
	 * logs is what gives the room back. */
	gint room_short;
	guint64 test_avail; /* tests: the free bytes to report when not 0 */
};

struct LrTxn {
	LrQueue *q;
	DB_TXN *txn;
	GHashTable *dirty; /* lead id -> what to fold into its summary at commit */
	GHashTable *stored; /* lead id -> a copy of it as in the store (queue-stored.c) */
};

/* queue_db_slots - every database handle of q, listed once for what is
 * done to them all (their cache priority, their close): fills slots with
 * their addresses (a handle not open is NULL) and returns how many. */
#define QUEUE_DB_SLOTS 11
guint queue_db_slots(LrQueue *q, DB **slots[QUEUE_DB_SLOTS]);

/* queue_avail - the free bytes of the store's file system, G_MAXUINT64
 * when it cannot tell (queue-txn.c). */
guint64 queue_avail(LrQueue *q);

/* be64 - a big-endian key for an integer, so btree order is number order. */
static inline guint64 be64(guint64 v)
{
	return GUINT64_TO_BE(v);
}

/* dbt_in - a DBT over caller memory for a key or value to write. */
static inline DBT dbt_in(const void *data, gsize size)
{
	DBT d;

	memset(&d, 0, sizeof(d));
	d.data = (void *)data;
	d.size = (u_int32_t)size;
	return d;
}

/* dbt_out - a DBT that Berkeley DB fills with malloc'd memory. */
static inline DBT dbt_out(void)
{
	DBT d;

	memset(&d, 0, sizeof(d));
	d.flags = DB_DBT_MALLOC;
	return d;
}

/* txn_of - the DB_TXN of an optional LrTxn. */
static inline DB_TXN *txn_of(LrTxn *txn)
{
	return txn ? txn->txn : NULL;
}

/* queue_db_error - set error from a Berkeley DB code: LR_ERROR_TEMP unless
 * it is DB_KEYEXIST (LR_ERROR_PERM). */
void queue_db_error(GError **error, int ret, const char *what);

/* queue_dbt_bytes - hand a malloc'd DBT's data over to a GBytes. */
GBytes *queue_dbt_bytes(DBT *d);

/* Set (queue-db.c) in the thread whose DB call was a deadlock victim;
 * queue_run (queue-txn.c) clears it before a try and retries on it. */
extern GPrivate queue_deadlock_seen;

/* queue_db_fail - queue_db_error, noting a deadlock so that queue_run
 * retries the transaction; always FALSE. */
gboolean queue_db_fail(GError **error, int ret, const char *what);

/* QueueReadOnce - one try of a read outside any transaction: 0 (or
 * DB_NOTFOUND) when done, else the Berkeley DB error, or -1 with error
 * set.  Each try starts afresh from what data says (a failed try handed
 * nothing on). */
typedef int (*QueueReadOnce)(gpointer data, GError **error);

/* queue_read_retrying - once(data) until it succeeds; a try chosen as a
 * deadlock victim (DB_LOCK_DEADLOCK, DB_LOCK_NOTGRANTED: a reader without a
 * transaction holds nothing to undo) is tried again after a short pause,
 * up to QUEUE_DEADLOCK_RETRIES times.  FALSE with error (what: the name it
 * gives) on any other failure. */
gboolean queue_read_retrying(QueueReadOnce once, gpointer data, const char *what, GError **error);

/* queue_get_bytes - read key from db: TRUE with *out, TRUE with *out NULL
 * when absent, FALSE on failure.  txn NULL: read-committed. */
gboolean queue_get_bytes(DB *db, LrTxn *txn, const void *k, gsize klen, u_int32_t flags,
                         GBytes **out, GError **error);

/* queue_put_bytes - write key -> value in db inside txn. */
gboolean queue_put_bytes(DB *db, LrTxn *txn, const void *k, gsize klen, const void *v, gsize vlen,
                         GError **error);

/* queue_cursor_open - a cursor on db (read-committed when txn is NULL);
 * NULL with error on failure. */
DBC *queue_cursor_open(DB *db, LrTxn *txn, GError **error);

/* queue_seq_next - the next value of a sequence. */
gboolean queue_seq_next(DB_SEQUENCE *seq, guint64 *out, GError **error);

/* queue_db_count - the number of records in db (walks the tree). */
guint64 queue_db_count(DB *db, GError **error);

/* queue_group_flush - make every commit that finished before this call
 * durable, sharing one log flush with other threads; a DB error or 0. */
int queue_group_flush(LrQueue *q);

/* store: secondary indexes and summaries (queue-index.c, queue-summary.c). */

/* The store layout this code writes: 1 had no indexes or summaries, 2 has
 * them (queue_store_upgrade builds them for a version-1 store) with
 * version-1 summary records, 3 has only version-2 (flat) summary records
 * in a summary.db of QUEUE_SUMMARY_PAGE pages (the upgrade rebuilds every
 * summary from its lead and events into a new summary.db). */
#define QUEUE_STORE_VERSION 3
#define QUEUE_STORE_VERSION_KEY "store.version"

/* queue_index_update - replace the index entries of old (NULL: a new lead)
 * by those of lead, inside txn. */
gboolean queue_index_update(LrTxn *txn, const LrLead *old, const LrLead *lead, GError **error);

/* queue_summary_lead / queue_summary_event - lead was written / lead id
 * got event in txn (both copied): before txn commits, its stored summary
 * is read, the lead as written and the new events folded in
 * (summary_set_lead, summary_fold), and written back; a lead without a
 * version-2 summary gets one built from its lead and all its events. */
void queue_summary_lead(LrTxn *txn, const LrLead *lead);
void queue_summary_event(LrTxn *txn, guint64 id, const LrEvent *event);

/* queue_summary_rebuild - build lead id's summary from the lead and all
 * its events before txn commits (its events were rewritten). */
void queue_summary_rebuild(LrTxn *txn, guint64 id);

/* queue_summary_put - write lead's summary from its events now (and no
 * more at commit). */
gboolean queue_summary_put(LrTxn *txn, const LrLead *lead, const GPtrArray *events, GError **error);

/* queue_summary_rebuild_in - build lead id's summary from its lead and
 * all its events in txn and write it now (nothing without a lead). */
gboolean queue_summary_rebuild_in(LrTxn *txn, guint64 id, GError **error);

/* queue_stored_get / queue_stored_set / queue_stored_clear - the leads as
 * txn read or wrote them (queue-stored.c): queue_lead_get and
 * queue_lead_put keep them, so that a lead read, changed and written back
 * in one transaction is decoded once and read from the database once.
 * Every write of a lead record goes through queue_lead_put. */
const LrLead *queue_stored_get(LrTxn *txn, guint64 id);
void queue_stored_set(LrTxn *txn, const LrLead *lead);
void queue_stored_clear(LrTxn *txn);

/* queue_summary_flush - update the summaries txn touched (see above). */
gboolean queue_summary_flush(LrTxn *txn, GError **error);

/* queue_events_in - lead id's events read inside txn (NULL: committed). */
GPtrArray *queue_events_in(LrQueue *q, LrTxn *txn, guint64 id, GError **error);

/* Page size of summary.db: a report reads it whole, and large pages cost
 * fewer cache visits and less space per record (version 3 on). */
#define QUEUE_SUMMARY_PAGE 65536

/* queue_db_open_one - open (creating) one database name of q's environment
 * into *db, with pagesize (0: BDB's default) and dbflags (e.g. DB_DUP).
 * FALSE with error set (TEMP) when BDB refuses. */
gboolean queue_db_open_one(LrQueue *q, DB **db, const char *name, u_int32_t pagesize,
                           u_int32_t dbflags, GError **error);

/* queue_logs_remove - remove the log files no longer needed (after a
 * checkpoint), unless a backup holds the backup mark (queue-backup.c):
 * then they stay until a later checkpoint finds no backup copying. */
void queue_logs_remove(LrQueue *q);

/* queue_store_upgrade - bring a store of an earlier layout up to
 * QUEUE_STORE_VERSION (building indexes and summaries), called by
 * queue_open with the open lock held. */
gboolean queue_store_upgrade(LrQueue *q, GError **error);

#endif
