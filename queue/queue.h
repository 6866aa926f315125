/* queue.h - the Berkeley DB environment: leads, raw messages, events, jobs
 * and timers, the outbox, the duplicate index, small state; recovery.
 *
 * Every state change is one transaction (queue_run) that writes the new
 * state and its event together.  queue_run returns TRUE only once the
 * commit is durable on disk; transactions that finish together share one
 * log flush.  The daemon, pipe deliveries and the CLI share the environment
 * at the same time; a process killed while holding locks never wedges the
 * others.  No other module sees a DB, DB_ENV or DB_TXN. */
#ifndef LR_QUEUE_H
#define LR_QUEUE_H

#include <glib.h>

#include "lead/lead.h"
#include "lead/summary.h"

typedef struct LrQueue LrQueue;
typedef struct LrTxn LrTxn;

/* Job kinds. */
#define QUEUE_JOB_PARSE "parse"                 /* parse the raw message, then route */
#define QUEUE_JOB_ROUTE "route"                 /* route (again) */
#define QUEUE_JOB_UNDELIVERABLE "undeliverable" /* the relay refused a notification */

typedef struct {
	guint64 job_id; /* unique, increasing */
	gint64 due;     /* microseconds since the epoch */
	char *kind;     /* QUEUE_JOB_* or a timer kind ("deadline", "remind", ...) */
	guint64 lead_id;
	char *arg; /* kind-specific, "" when none */
} LrJob;

typedef struct {
	guint64 id;
	guint64 lead_id; /* 0 when not about one lead */
	char *from;      /* envelope sender */
	char **rcpts;    /* envelope recipients, NULL-terminated */
	GBytes *message; /* the whole RFC 5322 message */
	guint attempts;
	gint64 next_try;  /* microseconds since the epoch */
	char *last_error; /* "" until a try failed */
} LrOutMail;

/* queue_open - open (creating, recovering if needed) the environment at
 * home.  A daemon passes daemon = TRUE: it also checks for dead processes
 * holding locks (queue_failchk).  Returns NULL with LR_ERROR_TEMP when the
 * environment cannot be opened now. */
LrQueue *queue_open(const char *home, gboolean daemon, GError **error);
void queue_close(LrQueue *q);

/* queue_open_readonly - join the store at home to read it only (leads,
 * raw messages, events, state, indexes, summaries; no jobs, outbox or
 * sequences): never recovers or upgrades it, writes nothing to its
 * databases or logs.  Any write through it fails.  NULL with LR_ERROR_TEMP
 * when the store needs recovery or an upgrade first (a daemon start does
 * both), LR_ERROR_PERM when there is no store at home. */
LrQueue *queue_open_readonly(const char *home, GError **error);

/* queue_failchk - release the locks and abort the transactions of
 * processes that died; the daemon calls it every second or so.  FALSE
 * when one died inside the store itself (holding a shared mutex): only
 * recovery helps then, which the next queue_open of a process that finds
 * itself alone runs. */
gboolean queue_failchk(LrQueue *q);

/* queue_set_checkpoint_every - checkpoint (and remove the logs no longer
 * needed) in queue_failchk at most every seconds (default 30). */
void queue_set_checkpoint_every(LrQueue *q, guint seconds);

/* queue_store_message - the intake transaction: unless key is already
 * indexed, store raw, a new lead built from seed (id, received, status set
 * here; seed keeps the rest), a "received" event and a parse job, all
 * durable.  *lead_id is the new lead, or the earlier one when *duplicate.
 * Fails with LR_ERROR_TEMP when the store cannot take it now. */
gboolean queue_store_message(LrQueue *q, GBytes *raw, const char *key, LrLead *seed,
                             guint64 *lead_id, gboolean *duplicate, GError **error);

/* One message of a batch for queue_store_batch. */
typedef struct {
	GBytes *raw;        /* in */
	const char *key;    /* in: the duplicate key */
	LrLead *seed;       /* in: completed (id, received, status, key) and stored */
	guint64 lead_id;    /* out: the new lead, or the earlier one */
	gboolean duplicate; /* out */
	guint64 reserved;   /* 0 at first: the lead id an attempt took, kept when a
	                     * transaction is retried (the sequence is not undone by
	                     * an abort), so that a retry leaves no gap in the ids */
} LrStoreItem;

/* queue_store_batch - queue_store_message for n messages at once, in one
 * transaction and one log flush: all are stored durably, or none (FALSE
 * with LR_ERROR_TEMP).  The same key twice in a batch is one lead. */
gboolean queue_store_batch(LrQueue *q, LrStoreItem *items, guint n, GError **error);

/* queue_store_item - queue_store_batch's work for one item inside txn, so
 * that a caller can store a message together with its own records (the
 * mailbox sources' UID records, queue/source-state.c). */
gboolean queue_store_item(LrTxn *txn, LrStoreItem *item, GError **error);

/* Free space the store keeps in hand (bytes): intake refuses (a retry)
 * before the file system fills, so Berkeley DB never meets a full disk in
 * the middle of writing a page. */
#define QUEUE_MIN_FREE (64 * 1024 * 1024)

/* queue_has_room - TRUE when the store's file system has bytes plus
 * QUEUE_MIN_FREE free; else FALSE with LR_ERROR_TEMP ("store is full"). */
gboolean queue_has_room(LrQueue *q, guint64 bytes, GError **error);

/* QUEUE_CHECKPOINT_SLACK - what a checkpoint wants free beyond the dirty
 * pages it may write (queue_failchk).  A checkpoint is allowed below
 * QUEUE_MIN_FREE: it is what lets the logs go and so gives the room back. */
#define QUEUE_CHECKPOINT_SLACK (4 * 1024 * 1024)

/* queue_test_set_avail - for tests: the free bytes the store's file system
 * is taken to have (0: ask it again). */
void queue_test_set_avail(LrQueue *q, guint64 bytes);

/* QueueTxnFunc - one unit of work inside queue_run; may be called again
 * after a deadlock, so it must not keep side effects outside txn. */
typedef gboolean (*QueueTxnFunc)(LrTxn *txn, gpointer data, GError **error);

/* queue_run - run fn in a transaction, retrying deadlocks a few times, and
 * commit durably.  Returns fn's FALSE (transaction aborted, error from fn),
 * or FALSE with LR_ERROR_TEMP when the store failed. */
gboolean queue_run(LrQueue *q, QueueTxnFunc fn, gpointer data, GError **error);

/* queue_run_lazy - like queue_run, but returns once the commit is in the
 * log buffer, without waiting for the disk: for work whose only effect
 * outside the store is mail, which queue_outbox_due makes durable before
 * it hands any out.  A crash may undo such a unit whole (never half), and
 * its job is then done again. */
gboolean queue_run_lazy(LrQueue *q, QueueTxnFunc fn, gpointer data, GError **error);

/* queue_test_deadlocks - for tests: the next n transactions that would
 * commit are aborted as deadlocks instead (and so retried by queue_run). */
void queue_test_deadlocks(LrQueue *q, guint n);

/* queue_test_lock_timeout / queue_test_expire_locks - for tests: lock
 * requests that start waiting from now on time out after usec (0: never),
 * once queue_test_expire_locks runs Berkeley DB's lock detector for them;
 * it returns how many it rejected (DB_LOCK_NOTGRANTED to the waiter), -1
 * on failure. */
void queue_test_lock_timeout(LrQueue *q, guint32 usec);
int queue_test_expire_locks(LrQueue *q);

/* queue_test_cache_priority - for tests: the cache priority (a
 * DB_CACHE_PRIORITY) of every database handle of q, -1 when they differ. */
int queue_test_cache_priority(LrQueue *q);

/* queue_txn_queue - the queue a transaction belongs to. */
LrQueue *queue_txn_queue(LrTxn *txn);

/* Reads take txn = NULL outside a transaction (read-committed snapshot). */

/* queue_lead_get - the lead id; NULL without error when there is none.
 * Inside a transaction the record is locked for update. */
LrLead *queue_lead_get(LrQueue *q, LrTxn *txn, guint64 id, GError **error);

/* queue_lead_put - write the lead (replacing the record with its id). */
gboolean queue_lead_put(LrTxn *txn, const LrLead *lead, GError **error);

/* queue_event_add - append an event to lead id's history. */
gboolean queue_event_add(LrTxn *txn, guint64 id, const LrEvent *event, GError **error);

/* queue_events - lead id's events in order (LrEvent *, caller frees). */
GPtrArray *queue_events(LrQueue *q, guint64 id, GError **error);

/* queue_raw_get - the raw message of lead id, or NULL without error. */
GBytes *queue_raw_get(LrQueue *q, LrTxn *txn, guint64 id, GError **error);

/* queue_key_lookup - the lead stored under a duplicate key: TRUE and *id
 * when found, FALSE without error when not. */
gboolean queue_key_lookup(LrQueue *q, const char *key, guint64 *id, GError **error);

/* QueueLeadFunc - called for each lead in id order; return FALSE to stop. */
typedef gboolean (*QueueLeadFunc)(const LrLead *lead, gpointer data);

/* queue_leads_foreach - every lead, in id order, read-only. */
gboolean queue_leads_foreach(LrQueue *q, QueueLeadFunc fn, gpointer data, GError **error);

/* queue_leads_foreach_txn - the same inside txn (a job that has locked a
 * lead must read the others through its own transaction, or it waits on
 * itself); txn NULL is queue_leads_foreach. */
gboolean queue_leads_foreach_txn(LrQueue *q, LrTxn *txn, QueueLeadFunc fn, gpointer data,
                                 GError **error);

/* queue_lead_count - how many leads are stored. */
guint64 queue_lead_count(LrQueue *q, GError **error);

/* queue_job_add - schedule kind for lead_id at due (0 = now). */
gboolean queue_job_add(LrTxn *txn, const char *kind, guint64 lead_id, gint64 due, const char *arg,
                       GError **error);

/* queue_job_next - the earliest job due at or before now, locked for this
 * transaction; NULL without error when none is due. */
LrJob *queue_job_next(LrTxn *txn, gint64 now, GError **error);

/* queue_job_postpone - move the job whose key (due, job_id) job names, and
 * no other, to due time later (a new job_id; same kind, lead and arg).
 * *found is FALSE, and nothing changes, when that job is gone. */
gboolean queue_job_postpone(LrTxn *txn, const LrJob *job, gint64 later, gboolean *found,
                            GError **error);

/* queue_job_delete - remove a job taken with queue_job_next. */
gboolean queue_job_delete(LrTxn *txn, const LrJob *job, GError **error);

/* queue_job_next_due - when the earliest job is due (G_MAXINT64: none). */
gint64 queue_job_next_due(LrQueue *q);

/* queue_jobs_wait - sleep until a job is added by this process or
 * timeout_us passes (other processes' jobs are found by polling). */
void queue_jobs_wait(LrQueue *q, gint64 timeout_us);

void queue_job_free(LrJob *job);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LrJob, queue_job_free)

/* queue_outbox_add - queue a message to send, due now.  rcpts are mail
 * addresses, or one https:// URL: then message is the request to POST
 * there (mailer/https.h) and from is "". */
gboolean queue_outbox_add(LrTxn *txn, guint64 lead_id, const char *from, const char *const *rcpts,
                          GBytes *message, GError **error);

/* queue_outbox_due - up to max messages whose next try is due at now, in
 * order (LrOutMail *, caller frees the array).  Flushes the log first, so
 * that nothing leaves whose cause could still be undone by a crash. */
GPtrArray *queue_outbox_due(LrQueue *q, gint64 now, guint max, GError **error);

/* queue_outbox_due_where - as queue_outbox_due, only the messages whose
 * first recipient to passes want(to, data) (the others stay due for
 * another reader, and are mostly skipped without being read). */
typedef gboolean (*QueueOutboxWant)(const char *to, gpointer data);
GPtrArray *queue_outbox_due_where(LrQueue *q, gint64 now, guint max, QueueOutboxWant want,
                                  gpointer data, GError **error);

/* queue_outbox_done - a message was accepted by the relay: remove it.
 * The removal reaches the disk with the next flush (queue_flush): call
 * that after a batch, so that a crash re-sends at most the batch. */
gboolean queue_outbox_done(LrQueue *q, guint64 id, GError **error);

/* queue_outbox_defer - a try failed: record it and the next try (lazily:
 * a deferral lost in a crash is only a try made again). */
gboolean queue_outbox_defer(LrQueue *q, guint64 id, gint64 next_try, const char *why,
                            GError **error);

/* queue_outbox_fail - the relay refused a message for good: remove it and,
 * when it was about a lead, schedule a QUEUE_JOB_UNDELIVERABLE job for the
 * lead with arg "ADDRESS WHY", so that the workflow can act (the person it
 * was for cannot be reached).  Lazy, like queue_outbox_done. */
gboolean queue_outbox_fail(LrQueue *q, guint64 id, const char *why, GError **error);

/* queue_flush - make every commit so far durable (one log flush, shared
 * with whoever else is flushing).  FALSE with LR_ERROR_TEMP on failure. */
gboolean queue_flush(LrQueue *q, GError **error);

/* queue_outbox_count - messages waiting in the outbox. */
guint64 queue_outbox_count(LrQueue *q, GError **error);

void queue_outmail_free(LrOutMail *mail);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LrOutMail, queue_outmail_free)

/* queue_state_get - a small named value (round-robin positions, user
 * availability...): TRUE and *value (new string) when set, FALSE without
 * error when not.  txn may be NULL. */
gboolean queue_state_get(LrQueue *q, LrTxn *txn, const char *key, char **value, GError **error);

/* queue_state_put - set (value != NULL) or delete a named value. */
gboolean queue_state_put(LrTxn *txn, const char *key, const char *value, GError **error);

/* queue_state_scan - up to max named values whose key starts with prefix
 * and sorts after `after` (NULL: from the first), in key order, read
 * outside a transaction: a new array of strings, key then value for each
 * (empty when none are left).  NULL with LR_ERROR_TEMP when the store
 * failed. */
GPtrArray *queue_state_scan(LrQueue *q, const char *prefix, const char *after, guint max,
                            GError **error);

/* ---- store: indexes, queries, summaries, erasure, backup ----------------
 * Every lead write (queue_lead_put) also updates the lead's secondary
 * index entries (status, user, source, server, received time, priority)
 * and, at commit, its summary record (lead/summary.h), in the same
 * transaction.  A store written before these existed is upgraded by the
 * first queue_open (its indexes and summaries built, in batches). */

/* A query over leads: every filter set must match (NULL / 0: any). */
typedef struct {
	const char *status;   /* status is this */
	const char *user;     /* this user holds or is assigned the lead */
	const char *source;   /* lead->source is this */
	const char *server;   /* assigned to partner server ID ("server:ID") */
	gint64 since, until;  /* received in [since, until) (µs) */
	guint64 before;       /* only leads after lead `before` in the order */
	gboolean by_priority; /* highest priority first (then newest), else newest */
	guint limit;          /* the caller stops after this many (0: unknown): a
	                       * walk reads no further ahead than that */
} QueueQuery;

/* queue_leads_query - the leads of query, in its order, to fn until fn
 * returns FALSE.  One index is walked (the most selective of the filters
 * given, by a B-tree estimate) and each lead read once, so the cost is in
 * proportion to the leads that index holds above the first lead printed
 * plus those printed.  FALSE with LR_ERROR_TEMP when the store fails. */
gboolean queue_leads_query(LrQueue *q, const QueueQuery *query, QueueLeadFunc fn, gpointer data,
                           GError **error);

/* QueueSummaryFunc - called per summary, which it owns (summary_free);
 * FALSE stops. */
typedef gboolean (*QueueSummaryFunc)(LrSummary *summary, gpointer data);

/* queue_summaries_foreach - the summaries of leads received in [from,
 * until) (µs) to fn, in arrival order (a short period: through the
 * received-time index) or in id order (a period holding a good part of
 * the store: a bulk scan of the summaries, cheaper than the index and one
 * lookup per lead).  Reads summary records only (not leads or events).
 * FALSE with LR_ERROR_TEMP when the store fails. */
gboolean queue_summaries_foreach(LrQueue *q, gint64 from, gint64 until, QueueSummaryFunc fn,
                                 gpointer data, GError **error);

/* queue_summaries_scan - the same, but fn only borrows each summary for
 * the call (it may change it, not keep or free it): no allocation per
 * lead, for reports over a million. */
gboolean queue_summaries_scan(LrQueue *q, gint64 from, gint64 until, QueueSummaryFunc fn,
                              gpointer data, GError **error);

/* queue_summary_get - lead id's summary (new), NULL without error when
 * there is none. */
LrSummary *queue_summary_get(LrQueue *q, guint64 id, GError **error);

/* queue_summary_rebuilt - lead id's summary built anew from the committed
 * lead and all its events (what the stored one, folded event by event,
 * must equal); NULL without error when there is no such lead. */
LrSummary *queue_summary_rebuilt(LrQueue *q, guint64 id, GError **error);

/* queue_lead_erase - erase lead id's personal data (lead/erase.h) and its
 * raw message inside txn, and record an "erased" event by actor with
 * detail why.  *found is FALSE, and nothing changes, when there is no such
 * lead. */
gboolean queue_lead_erase(LrTxn *txn, guint64 id, const char *actor, const char *why,
                          gboolean *found, GError **error);

/* queue_retention_candidates - ids (guint64) of closed, not yet erased
 * leads received before cutoff (µs), oldest first, at most max. */
GArray *queue_retention_candidates(LrQueue *q, gint64 cutoff, guint max, GError **error);

/* queue_retention_erase - erase (queue_lead_erase, actor "retention") up
 * to max closed leads received before cutoff (µs), oldest first, in one
 * transaction; *erased says how many. */
gboolean queue_retention_erase(LrQueue *q, gint64 cutoff, guint max, guint *erased, GError **error);

/* queue_backup - a consistent copy of the store in dir (created; it must
 * not hold a store already) while others keep writing: Berkeley DB's hot
 * backup (database pages, then every log file), then catastrophic
 * recovery in dir, so that dir opens as a home of its own with every
 * transaction committed before the call.  While it copies it holds the
 * backup mark (home/backup.lock), so that the daemon removes no log file
 * (queue_failchk) until the copy has its logs too.  FALSE with
 * LR_ERROR_PERM when dir is not usable, LR_ERROR_TEMP when the copy
 * failed. */
gboolean queue_backup(LrQueue *q, const char *dir, GError **error);

/* queue_restore - copy the backup in dir into home, which must not hold a
 * store, and recover it there.  Nobody may use home meanwhile.  FALSE
 * with LR_ERROR_PERM when dir is no backup or home holds a store. */
gboolean queue_restore(const char *dir, const char *home, GError **error);

/* queue_disk_usage - bytes of each database file and of the logs in the
 * store (name -> guint64 in a new table). */
GHashTable *queue_disk_usage(LrQueue *q);
/* ---- end store ---------------------------------------------------------- */
/* ---- mailbox sources' state (queue/source-state.c) ----
 * Per source (its configured id): which server-side messages (UKEY: IMAP
 * "vUIDVALIDITY/UID", a POP3 UIDL, a Maildir unique name) are stored as
 * leads, which of those still wait for their server-side action, and how
 * often each failed. */

/* One message of a source for queue_source_store. */
typedef struct {
	LrStoreItem item; /* as for queue_store_batch */
	const char *ukey; /* in: the message's name on the server */
} LrSourceItem;

/* queue_source_seen - TRUE in *seen when ukey of source is stored already. */
gboolean queue_source_seen(LrQueue *q, const char *source, const char *ukey, gboolean *seen,
                           GError **error);

/* queue_source_store - in one durable transaction: each item stored as a
 * lead (or found a duplicate by its key), its ukey recorded as stored and
 * as waiting for the server-side action.  An item whose ukey is recorded
 * already is not stored again (duplicate, the recorded lead).  All or
 * nothing; FALSE with LR_ERROR_TEMP when the store cannot now. */
gboolean queue_source_store(LrQueue *q, const char *source, LrSourceItem *items, guint n,
                            GError **error);

/* queue_source_pending - the ukeys stored whose action is not done yet
 * (new NULL-terminated array, possibly empty), or NULL on error. */
char **queue_source_pending(LrQueue *q, const char *source, GError **error);

/* queue_source_done - the action on ukeys is done (durable). */
gboolean queue_source_done(LrQueue *q, const char *source, const char *const *ukeys,
                           GError **error);

/* queue_source_failed - count one more failure of ukey; returns the count
 * so far (0 on a store error, with error set). */
guint queue_source_failed(LrQueue *q, const char *source, const char *ukey, GError **error);

/* queue_source_failures - the failures of ukey counted so far into *count
 * (0 when none; storing the message as a lead drops its count).  FALSE
 * with error when the store cannot be read. */
gboolean queue_source_failures(LrQueue *q, const char *source, const char *ukey, guint *count,
                               GError **error);

/* queue_source_set_failures - set the count of ukey (0: forget it). */
gboolean queue_source_set_failures(LrQueue *q, const char *source, const char *ukey, guint count,
                                   GError **error);

/* queue_source_lock - take the exclusive lock of source in the store at
 * home (a file lock: a dead holder releases it).  Returns the descriptor
 * to keep open while fetching, or -1 with LR_ERROR_TEMP when another
 * process holds it. */
int queue_source_lock(const char *home, const char *source, GError **error);

#endif
