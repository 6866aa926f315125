/* queue.c - the Berkeley DB environment behind leadroute.
 *
 * Databases (all in one transactional environment):
 *   leads    id (be64)            -> lead record (lead_serialize)
 *   raw      id (be64)            -> raw message (64 KB pages: no overflow)
 *   events   id (be64), dups      -> event records in insertion order
 *   keys     duplicate key string -> id (be64)
 *   jobs     due (be64) job (be64) -> job record
 *   outbox   id (be64)            -> outgoing mail record
 *   outdue   next try (be64) id (be64) -> nothing: the outbox by due time
 *   state    name                 -> value
 *   seq      name                 -> DB_SEQUENCE records
 *
 * Commits use DB_TXN_WRITE_NOSYNC, so locks are released at once, and then
 * one log flush makes them durable: transactions that commit while another
 * thread's flush is under way are covered by the next flush together. */
#define _GNU_SOURCE	/* fallocate */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <db.h>

#include "lead/log.h"
#include "lead/lr-error.h"
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
	gint deadlocks;		/* tests: commits still to turn into deadlocks */
	GMutex flush_lock;	/* group commit (txn_commit_durable) */
	GCond flush_cond;
	guint64 committed;	/* tickets handed out to finished commits */
	guint64 flushed;	/* every ticket up to this is on disk */
	gboolean flushing;	/* one thread is in log_flush */
	int flush_error;	/* the last flush's result */
};

struct LrTxn {
	LrQueue *q;
	DB_TXN *txn;
};

/* set_db_error - turn a Berkeley DB error into LR_ERROR: TEMP unless it is
 * proven permanent (DB_KEYEXIST: the record is there already).  EINVAL is
 * TEMP: Berkeley DB also says it for a handle or environment in a bad
 * state, which a restart and a retry cure; refusing the mail for good on
 * it would lose it. */
static void set_db_error(GError **error, int ret, const char *what)
{
	int code = LR_ERROR_TEMP;

	if (ret == DB_KEYEXIST)
		code = LR_ERROR_PERM;
	g_set_error(error, LR_ERROR, code, "%s: %s", what, db_strerror(ret));
}

/* be64 - a big-endian key for an integer, so btree order is number order. */
static guint64 be64(guint64 v)
{
	return GUINT64_TO_BE(v);
}

/* dbt_in - a DBT over caller memory for a key or value to write. */
static DBT dbt_in(const void *data, gsize size)
{
	DBT d;

	memset(&d, 0, sizeof(d));
	d.data = (void *)data;
	d.size = (u_int32_t)size;
	return d;
}

/* dbt_out - a DBT that Berkeley DB fills with malloc'd memory. */
static DBT dbt_out(void)
{
	DBT d;

	memset(&d, 0, sizeof(d));
	d.flags = DB_DBT_MALLOC;
	return d;
}

/* dbt_bytes - hand a malloc'd DBT's data over to a GBytes. */
static GBytes *dbt_bytes(DBT *d)
{
	return g_bytes_new_with_free_func(d->data, d->size, free, d->data);
}

/* is_alive - failchk's question: is process pid still running? */
static int is_alive(DB_ENV *env, pid_t pid, db_threadid_t tid, u_int32_t flags)
{
	(void)env;
	(void)tid;
	(void)flags;
	return kill(pid, 0) == 0 || errno == EPERM;
}

/* env_log_error - Berkeley DB's own messages go to our log. */
static void env_log_error(const DB_ENV *env, const char *prefix, const char *msg)
{
	(void)env;
	lr_log_warn(0, "db=%s %s", prefix ? prefix : "", msg);
}

/* env_log_message - Berkeley DB's informational messages (failchk's
 * "freeing locks of process N") go to the debug log. */
static void env_log_message(const DB_ENV *env, const char *msg)
{
	(void)env;
	lr_log_debug(0, "db %s", msg);
}

/* env_configure - settings made before DB_ENV->open. */
static int env_configure(DB_ENV *env)
{
	int ret;

	env->set_errcall(env, env_log_error);
	env->set_errpfx(env, "leadroute");
	env->set_msgcall(env, env_log_message);
	if ((ret = env->set_cachesize(env, 0, 32 * 1024 * 1024, 1)) != 0 ||
	    (ret = env->set_lg_bsize(env, 4 * 1024 * 1024)) != 0 ||
	    (ret = env->set_lk_detect(env, DB_LOCK_DEFAULT)) != 0 ||
	    (ret = env->set_thread_count(env, QUEUE_THREADS)) != 0 ||
	    (ret = env->set_isalive(env, is_alive)) != 0 ||
	    (ret = env->set_lk_max_locks(env, 100000)) != 0 ||
	    (ret = env->set_lk_max_objects(env, 100000)) != 0 ||
	    (ret = env->set_lk_max_lockers(env, 10000)) != 0 ||
	    (ret = env->set_tx_max(env, 1000)) != 0)
		return ret;
	/* No commit syncs by itself (opening a database commits too): the one
	 * log flush in txn_commit_durable makes our transactions durable. */
	if ((ret = env->set_flags(env, DB_TXN_WRITE_NOSYNC, 1)) != 0)
		return ret;
	/* The shared regions are files in home, mapped into memory: touch
	 * every page when creating them, so that a full file system fails the
	 * open (a retry) instead of faulting a running process later. */
	if ((ret = env->set_flags(env, DB_REGION_INIT, 1)) != 0)
		return ret;
	return env->log_set_config(env, DB_LOG_AUTO_REMOVE, 1);
}

/* others_alive - does any other live process hold a registration lock on
 * the environment?  (DB_REGISTER keeps an fcntl lock per process on
 * __db.register for as long as the process has the environment open.) */
static gboolean others_alive(const char *home)
{
	g_autofree char *path = g_build_filename(home, "__db.register", NULL);
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
	int fd = open(path, O_RDWR);
	gboolean alive;

	if (fd < 0)
		return FALSE;
	alive = fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
	close(fd);
	return alive;
}

/* env_create - a configured environment handle. */
static int env_create(DB_ENV **env)
{
	int ret = db_env_create(env, 0);

	if (ret == 0 && (ret = env_configure(*env)) != 0) {
		(*env)->close(*env, 0);
		*env = NULL;
	}
	return ret;
}

/* regions_remove - delete the shared region files and the registry, which
 * only hold what running processes share: safe only when nobody else has
 * the environment open. */
static void regions_remove(const char *home)
{
	g_autoptr(GDir) dir = g_dir_open(home, 0, NULL);
	const char *name;

	while (dir && (name = g_dir_read_name(dir)) != NULL) {
		if (g_str_has_prefix(name, "__db.")) {
			g_autofree char *path = g_build_filename(home, name, NULL);
			unlink(path);
		}
	}
}

/* env_open_locked - with home/lock held, join the environment.  When
 * nobody else has it open, first delete the shared region files and the
 * registry: nothing a killed process left in them (a lock, a held mutex)
 * can then wedge us, and a new registry makes DB_REGISTER | DB_RECOVER
 * replay the log, which also restores what a close without a sync left
 * only in the log. */
static int env_open_locked(LrQueue *q)
{
	u_int32_t flags = DB_CREATE | DB_INIT_LOCK | DB_INIT_LOG | DB_INIT_MPOOL | DB_INIT_TXN |
			  DB_THREAD | DB_REGISTER;
	int ret;

	if (!others_alive(q->home)) {
		regions_remove(q->home);
		flags |= DB_RECOVER;
	}
	if ((ret = env_create(&q->env)) != 0)
		return ret;
	return q->env->open(q->env, q->home, flags, 0660);
}

/* Room kept for each region file to grow into: the cache region starts
 * small and grows to the cache size (32 MB) and more as leads arrive. */
#define REGION_RESERVE (48 * 1024 * 1024)

/* regions_reserve - give the shared region files their blocks now, and
 * room to grow: they are sparse files mapped into memory, and a page first
 * written on a full file system would kill the process with SIGBUS instead
 * of failing a transaction (a retry). */
static void regions_reserve(const char *home)
{
	g_autoptr(GDir) dir = g_dir_open(home, 0, NULL);
	const char *name;

	while (dir && (name = g_dir_read_name(dir)) != NULL) {
		g_autofree char *path = g_build_filename(home, name, NULL);
		struct stat st;
		int fd;
		if (!g_str_has_prefix(name, "__db.0") || (fd = open(path, O_RDWR)) < 0)
			continue;
		if (fstat(fd, &st) == 0 &&
		    fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, MAX(st.st_size, REGION_RESERVE)) != 0)
			lr_log_warn(0, "db cannot reserve %s: %s", path, g_strerror(errno));
		close(fd);
	}
}

/* env_open - create and open the environment, recovering when needed.
 * Opening is serialised on home/lock so that only one process decides to
 * recover; a process that finds the environment needing recovery while
 * others still use it fails with LR_ERROR_TEMP (its caller retries). */
static gboolean env_open(LrQueue *q, GError **error)
{
	g_autofree char *lock = g_build_filename(q->home, "lock", NULL);
	int fd, ret;

	if (g_mkdir_with_parents(q->home, 0750) != 0 ||
	    (fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0660)) < 0) {
		g_set_error(error, LR_ERROR, LR_ERROR_TEMP, "cannot open %s: %s", q->home,
			    g_strerror(errno));
		return FALSE;
	}
	while (flock(fd, LOCK_EX) != 0 && errno == EINTR)
		;
	ret = env_open_locked(q);
	if (ret == 0)
		regions_reserve(q->home);
	close(fd);
	if (ret != 0) {
		g_set_error(error, LR_ERROR, LR_ERROR_TEMP, "%s: %s%s", q->home, db_strerror(ret),
			    ret == DB_RUNRECOVERY ? " (recovered once the other users exit)" : "");
		return FALSE;
	}
	return TRUE;
}

/* db_open_one - open (creating) one database of the environment. */
static gboolean db_open_one(LrQueue *q, DB **db, const char *name, u_int32_t pagesize,
			    u_int32_t dbflags, GError **error)
{
	int ret;

	if ((ret = db_create(db, q->env, 0)) != 0)
		goto fail;
	if (pagesize && (ret = (*db)->set_pagesize(*db, pagesize)) != 0)
		goto fail;
	if (dbflags && (ret = (*db)->set_flags(*db, dbflags)) != 0)
		goto fail;
	ret = (*db)->open(*db, NULL, name, NULL, DB_BTREE,
			  DB_CREATE | DB_AUTO_COMMIT | DB_THREAD | DB_READ_UNCOMMITTED, 0660);
	if (ret == 0)
		return TRUE;
fail:
	set_db_error(error, ret, name);
	return FALSE;
}

/* seq_open - open a named sequence starting at 1; cache > 0 lets this
 * process take that many numbers at once (gaps after a restart). */
static gboolean seq_open(LrQueue *q, DB_SEQUENCE **seq, const char *name, int cache,
			 GError **error)
{
	DBT key = dbt_in(name, strlen(name));
	int ret;

	if ((ret = db_sequence_create(seq, q->seqdb, 0)) != 0 ||
	    (ret = (*seq)->initial_value(*seq, 1)) != 0 ||
	    (cache > 0 && (ret = (*seq)->set_cachesize(*seq, cache)) != 0) ||
	    (ret = (*seq)->open(*seq, NULL, &key, DB_CREATE | DB_THREAD)) != 0) {
		set_db_error(error, ret, name);
		return FALSE;
	}
	return TRUE;
}

/* dbs_open - open every database and sequence. */
static gboolean dbs_open(LrQueue *q, GError **error)
{
	return db_open_one(q, &q->leads, "leads.db", 0, 0, error) &&
	       db_open_one(q, &q->raw, "raw.db", 65536, 0, error) &&
	       db_open_one(q, &q->events, "events.db", 16384, DB_DUP, error) &&
	       db_open_one(q, &q->keys, "keys.db", 0, 0, error) &&
	       db_open_one(q, &q->jobs, "jobs.db", 0, 0, error) &&
	       db_open_one(q, &q->outbox, "outbox.db", 65536, 0, error) &&
	       db_open_one(q, &q->outdue, "outdue.db", 0, 0, error) &&
	       db_open_one(q, &q->state, "state.db", 0, 0, error) &&
	       db_open_one(q, &q->seqdb, "seq.db", 0, 0, error) &&
	       /* Lead ids are shown to people: dense, one at a time.  Job and
		* outbox ids only order records: taken in blocks. */
	       seq_open(q, &q->lead_seq, "lead", 0, error) &&
	       seq_open(q, &q->job_seq, "job", 1000, error) &&
	       seq_open(q, &q->out_seq, "outbox", 100, error);
}

/* queue_open - open the environment and its databases. */
LrQueue *queue_open(const char *home, gboolean daemon, GError **error)
{
	LrQueue *q = g_new0(LrQueue, 1);

	q->home = g_strdup(home);
	g_mutex_init(&q->wait_lock);
	g_cond_init(&q->wait_cond);
	g_mutex_init(&q->flush_lock);
	g_cond_init(&q->flush_cond);
	if (!env_open(q, error) || !dbs_open(q, error)) {
		queue_close(q);
		return NULL;
	}
	if (daemon)
		q->env->txn_checkpoint(q->env, 0, 0, 0);
	return q;
}

/* queue_close - close everything (NULL allowed). */
void queue_close(LrQueue *q)
{
	DB **dbs[] = {&q->leads, &q->raw, &q->events, &q->keys, &q->jobs,
		      &q->outbox, &q->outdue, &q->state, &q->seqdb};
	DB_SEQUENCE **seqs[] = {&q->lead_seq, &q->job_seq, &q->out_seq};

	if (q == NULL)
		return;
	for (size_t i = 0; i < G_N_ELEMENTS(seqs); i++)
		if (*seqs[i])
			(*seqs[i])->close(*seqs[i], 0);
	for (size_t i = 0; i < G_N_ELEMENTS(dbs); i++)
		if (*dbs[i])
			(*dbs[i])->close(*dbs[i], DB_NOSYNC);	/* the log is durable */
	if (q->env)
		q->env->close(q->env, 0);
	g_mutex_clear(&q->wait_lock);
	g_cond_clear(&q->wait_cond);
	g_mutex_clear(&q->flush_lock);
	g_cond_clear(&q->flush_cond);
	g_free(q->home);
	g_free(q);
}

/* queue_failchk - clean up after processes that died holding locks. */
gboolean queue_failchk(LrQueue *q)
{
	int ret = q->env->failchk(q->env, 0);
	static gint64 last_checkpoint;

	if (ret == DB_RUNRECOVERY) {
		lr_log_error(0, "db failchk: a process died inside the store: recovery needed");
		return FALSE;
	}
	if (ret != 0)
		lr_log_warn(0, "db failchk: %s", db_strerror(ret));
	/* A checkpoint writes database pages: not on a nearly full file
	 * system, where a short write would tear a page (the log keeps it). */
	if (g_get_monotonic_time() - last_checkpoint > 30 * G_USEC_PER_SEC &&
	    queue_has_room(q, 0, NULL)) {
		last_checkpoint = g_get_monotonic_time();
		q->env->txn_checkpoint(q->env, 1024, 1, 0);
	}
	return TRUE;
}

/* group_flush - make every commit that finished before this call durable.
 * Threads take tickets as their commits finish; one thread at a time calls
 * log_flush, which covers every ticket handed out before it started, and
 * the threads that arrived meanwhile wait for it and are covered by the
 * next flush together: one sync for many commits. */
static int group_flush(LrQueue *q)
{
	guint64 ticket;
	int ret = 0;

	g_mutex_lock(&q->flush_lock);
	ticket = ++q->committed;
	while (q->flushed < ticket) {
		if (q->flushing) {
			g_cond_wait(&q->flush_cond, &q->flush_lock);
			continue;
		}
		guint64 target = q->committed;
		q->flushing = TRUE;
		g_mutex_unlock(&q->flush_lock);
		ret = q->env->log_flush(q->env, NULL);
		g_mutex_lock(&q->flush_lock);
		q->flushing = FALSE;
		q->flush_error = ret;
		if (ret == 0)
			q->flushed = target;
		g_cond_broadcast(&q->flush_cond);
		if (ret != 0)
			break;
	}
	g_mutex_unlock(&q->flush_lock);
	return ret;
}

/* txn_commit_durable - commit without holding locks over the sync, then
 * flush the log with whoever else committed meanwhile: the commit is on
 * disk when this returns 0. */
static int txn_commit_durable(LrQueue *q, DB_TXN *txn, gboolean lazy)
{
	int ret = txn->commit(txn, DB_TXN_WRITE_NOSYNC);

	if (ret != 0 || lazy)
		return ret;
	return group_flush(q);
}

/* Set by db_fail in the thread whose DB call was chosen as a deadlock
 * victim (DB_LOCK_DEADLOCK / DB_LOCK_NOTGRANTED): run_once retries by this
 * code, whatever fn made of the error's text. */
static GPrivate deadlock_seen;

/* injected_deadlock - TRUE when a test asked for this commit to fail as
 * a deadlock (see queue_test_deadlocks). */
static gboolean injected_deadlock(LrQueue *q)
{
	gint n;

	do {
		n = g_atomic_int_get(&q->deadlocks);
		if (n <= 0)
			return FALSE;
	} while (!g_atomic_int_compare_and_exchange(&q->deadlocks, n, n - 1));
	return TRUE;
}

/* queue_test_deadlocks - tests: the next n transactions fail as deadlocks. */
void queue_test_deadlocks(LrQueue *q, guint n)
{
	g_atomic_int_set(&q->deadlocks, (gint)n);
}

/* run_once - one attempt at fn; returns the DB error (0 or DB_LOCK_DEADLOCK
 * to retry), with *ok saying whether fn succeeded. */
static int run_once(LrQueue *q, QueueTxnFunc fn, gpointer data, gboolean lazy, gboolean *ok,
		    GError **error)
{
	LrTxn t = {q, NULL};
	g_autoptr(GError) local = NULL;
	int ret;

	*ok = FALSE;
	if ((ret = q->env->txn_begin(q->env, NULL, &t.txn, 0)) != 0)
		return ret;
	g_private_set(&deadlock_seen, NULL);
	if (!fn(&t, data, &local)) {
		t.txn->abort(t.txn);
		if (g_private_get(&deadlock_seen) != NULL)
			return DB_LOCK_DEADLOCK;
		g_propagate_error(error, g_steal_pointer(&local));
		return 0;
	}
	if (injected_deadlock(q)) {
		t.txn->abort(t.txn);
		return DB_LOCK_DEADLOCK;
	}
	if ((ret = txn_commit_durable(q, t.txn, lazy)) == 0)
		*ok = TRUE;
	return ret;
}

/* run_retrying - run fn in a transaction, retrying deadlocks. */
static gboolean run_retrying(LrQueue *q, QueueTxnFunc fn, gpointer data, gboolean lazy,
			     GError **error)
{
	gboolean ok = FALSE;
	int ret = 0;

	for (int attempt = 0; attempt < QUEUE_DEADLOCK_RETRIES; attempt++) {
		ret = run_once(q, fn, data, lazy, &ok, error);
		if (ret != DB_LOCK_DEADLOCK && ret != DB_LOCK_NOTGRANTED)
			break;
		g_usleep(g_random_int_range(100, 2000) * (attempt + 1));
	}
	if (ret != 0) {
		set_db_error(error, ret, "transaction");
		if (error && *error)
			(*error)->code = LR_ERROR_TEMP;
		return FALSE;
	}
	return ok;
}

/* queue_run - run fn in a durable transaction. */
gboolean queue_run(LrQueue *q, QueueTxnFunc fn, gpointer data, GError **error)
{
	return run_retrying(q, fn, data, FALSE, error);
}

/* queue_run_lazy - run fn in a transaction that the next flush makes
 * durable. */
gboolean queue_run_lazy(LrQueue *q, QueueTxnFunc fn, gpointer data, GError **error)
{
	return run_retrying(q, fn, data, TRUE, error);
}

/* queue_txn_queue - the owner of a transaction. */
LrQueue *queue_txn_queue(LrTxn *txn)
{
	return txn->q;
}

/* txn_of - the DB_TXN of an optional LrTxn. */
static DB_TXN *txn_of(LrTxn *txn)
{
	return txn ? txn->txn : NULL;
}

/* db_fail - report a failed DB call; a deadlock is noted (deadlock_seen)
 * so that queue_run retries the transaction. */
static gboolean db_fail(GError **error, int ret, const char *what)
{
	if (ret == DB_LOCK_DEADLOCK || ret == DB_LOCK_NOTGRANTED) {
		g_private_set(&deadlock_seen, GINT_TO_POINTER(1));
		g_set_error(error, LR_ERROR, LR_ERROR_TEMP, "%s: deadlock", what);
		return FALSE;
	}
	set_db_error(error, ret, what);
	return FALSE;
}

/* get_bytes - read key from db: TRUE with *out, TRUE with *out NULL when
 * absent, FALSE on failure. */
static gboolean get_bytes(DB *db, LrTxn *txn, const void *k, gsize klen, u_int32_t flags,
			  GBytes **out, GError **error)
{
	DBT key = dbt_in(k, klen), val = dbt_out();
	int ret;

	*out = NULL;
	if (txn == NULL)
		flags |= DB_READ_COMMITTED;
	ret = db->get(db, txn_of(txn), &key, &val, flags);
	if (ret == DB_NOTFOUND)
		return TRUE;
	if (ret != 0)
		return db_fail(error, ret, "read");
	*out = dbt_bytes(&val);
	return TRUE;
}

/* put_bytes - write key -> value in db inside txn. */
static gboolean put_bytes(DB *db, LrTxn *txn, const void *k, gsize klen, const void *v,
			  gsize vlen, GError **error)
{
	DBT key = dbt_in(k, klen), val = dbt_in(v, vlen);
	int ret = db->put(db, txn->txn, &key, &val, 0);

	return ret == 0 ? TRUE : db_fail(error, ret, "write");
}

/* queue_lead_get - read (and, in a transaction, lock) one lead. */
LrLead *queue_lead_get(LrQueue *q, LrTxn *txn, guint64 id, GError **error)
{
	guint64 k = be64(id);
	g_autoptr(GBytes) bytes = NULL;

	if (!get_bytes(q->leads, txn, &k, sizeof(k), txn ? DB_RMW : 0, &bytes, error) ||
	    bytes == NULL)
		return NULL;
	return lead_deserialize(bytes, error);
}

/* queue_lead_put - write one lead. */
gboolean queue_lead_put(LrTxn *txn, const LrLead *lead, GError **error)
{
	guint64 k = be64(lead->id);
	g_autoptr(GBytes) bytes = lead_serialize(lead);
	gsize len;
	const void *data = g_bytes_get_data(bytes, &len);

	return put_bytes(txn->q->leads, txn, &k, sizeof(k), data, len, error);
}

/* queue_event_add - append an event (a duplicate under the lead's key). */
gboolean queue_event_add(LrTxn *txn, guint64 id, const LrEvent *event, GError **error)
{
	guint64 k = be64(id);
	g_autoptr(GBytes) bytes = lead_event_serialize(event);
	gsize len;
	const void *data = g_bytes_get_data(bytes, &len);

	return put_bytes(txn->q->events, txn, &k, sizeof(k), data, len, error);
}

/* cursor_open - a cursor on db, read-committed outside a transaction. */
static DBC *cursor_open(DB *db, LrTxn *txn, GError **error)
{
	DBC *c = NULL;
	int ret = db->cursor(db, txn_of(txn), &c, txn ? 0 : DB_READ_COMMITTED);

	if (ret != 0) {
		db_fail(error, ret, "cursor");
		return NULL;
	}
	return c;
}

/* queue_events - a lead's events in order. */
GPtrArray *queue_events(LrQueue *q, guint64 id, GError **error)
{
	guint64 k = be64(id);
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)lead_event_free);
	DBC *c = cursor_open(q->events, NULL, error);
	DBT key = dbt_in(&k, sizeof(k)), val = dbt_out();
	int ret;

	if (c == NULL)
		return g_ptr_array_unref(out), NULL;
	for (ret = c->get(c, &key, &val, DB_SET); ret == 0;
	     ret = c->get(c, &key, &val, DB_NEXT_DUP)) {
		g_autoptr(GBytes) bytes = dbt_bytes(&val);
		LrEvent *event = lead_event_deserialize(bytes, NULL);
		if (event)
			g_ptr_array_add(out, event);
		val = dbt_out();
	}
	c->close(c);
	if (ret != DB_NOTFOUND) {
		db_fail(error, ret, "events");
		return g_ptr_array_unref(out), NULL;
	}
	return out;
}

/* queue_raw_get - the raw message of a lead. */
GBytes *queue_raw_get(LrQueue *q, LrTxn *txn, guint64 id, GError **error)
{
	guint64 k = be64(id);
	GBytes *bytes = NULL;

	get_bytes(q->raw, txn, &k, sizeof(k), 0, &bytes, error);
	return bytes;
}

/* key_lookup - the id under a duplicate key, read inside txn (locked) or
 * outside. */
static gboolean key_lookup(LrQueue *q, LrTxn *txn, const char *key, guint64 *id,
			   gboolean *found, GError **error)
{
	g_autoptr(GBytes) bytes = NULL;

	*found = FALSE;
	if (!get_bytes(q->keys, txn, key, strlen(key), txn ? DB_RMW : 0, &bytes, error))
		return FALSE;
	if (bytes != NULL && g_bytes_get_size(bytes) == sizeof(guint64)) {
		*id = GUINT64_FROM_BE(*(const guint64 *)g_bytes_get_data(bytes, NULL));
		*found = TRUE;
	}
	return TRUE;
}

/* queue_key_lookup - which lead a duplicate key belongs to. */
gboolean queue_key_lookup(LrQueue *q, const char *key, guint64 *id, GError **error)
{
	gboolean found;

	return key_lookup(q, NULL, key, id, &found, error) && found;
}

/* seq_next - the next value of a sequence. */
static gboolean seq_next(DB_SEQUENCE *seq, guint64 *out, GError **error)
{
	db_seq_t v;
	int ret = seq->get(seq, NULL, 1, &v, DB_TXN_NOSYNC);

	if (ret != 0)
		return db_fail(error, ret, "sequence");
	*out = (guint64)v;
	return TRUE;
}

/* store_one - the intake work for one message inside txn. */
static gboolean store_one(LrTxn *txn, LrStoreItem *item, GError **error)
{
	LrLead *lead = item->seed;
	g_autoptr(LrEvent) event = NULL;
	g_autofree char *detail = NULL;
	gsize len;
	const void *raw = g_bytes_get_data(item->raw, &len);
	guint64 k, kbe;

	if (!key_lookup(txn->q, txn, item->key, &item->lead_id, &item->duplicate, error))
		return FALSE;
	if (item->duplicate)
		return TRUE;
	if (!seq_next(txn->q->lead_seq, &item->lead_id, error))
		return FALSE;
	lead->id = item->lead_id;
	lead->received = g_get_real_time();
	lead_set_str(&lead->status, LEAD_STATUS_NEW);
	lead_set_str(&lead->message_key, item->key);
	k = be64(item->lead_id);
	kbe = k;
	detail = g_strdup_printf("from=<%s> to=<%s> size=%zu", lead->sender ? lead->sender : "",
				 lead->recipient ? lead->recipient : "", len);
	event = lead_event_new("received", "intake", detail);
	return put_bytes(txn->q->raw, txn, &k, sizeof(k), raw, len, error) &&
	       queue_lead_put(txn, lead, error) && queue_event_add(txn, item->lead_id, event, error) &&
	       put_bytes(txn->q->keys, txn, item->key, strlen(item->key), &kbe, sizeof(kbe),
			 error) &&
	       queue_job_add(txn, QUEUE_JOB_PARSE, item->lead_id, 0, NULL, error);
}

typedef struct {
	LrStoreItem *items;
	guint n;
} StoreBatch;

/* store_txn - the intake transaction body: every item of the batch. */
static gboolean store_txn(LrTxn *txn, gpointer data, GError **error)
{
	StoreBatch *b = data;

	for (guint i = 0; i < b->n; i++) {
		b->items[i].lead_id = 0;
		b->items[i].duplicate = FALSE;
		if (!store_one(txn, &b->items[i], error))
			return FALSE;
	}
	return TRUE;
}

/* queue_store_item - the intake work for one message in a caller's txn. */
gboolean queue_store_item(LrTxn *txn, LrStoreItem *item, GError **error)
{
	item->lead_id = 0;
	item->duplicate = FALSE;
	return store_one(txn, item, error);
}

/* queue_has_room - is there room for bytes more, with the margin? */
gboolean queue_has_room(LrQueue *q, guint64 bytes, GError **error)
{
	struct statvfs st;
	guint64 avail;

	if (statvfs(q->home, &st) != 0)
		return TRUE;	/* cannot tell: let the write itself decide */
	avail = (guint64)st.f_bavail * st.f_frsize;
	if (avail >= bytes + QUEUE_MIN_FREE)
		return TRUE;
	g_set_error(error, LR_ERROR, LR_ERROR_TEMP, "the store is full (%" G_GUINT64_FORMAT
		    " KB free in %s)", avail / 1024, q->home);
	return FALSE;
}

/* queue_store_batch - store several messages in one durable transaction. */
gboolean queue_store_batch(LrQueue *q, LrStoreItem *items, guint n, GError **error)
{
	StoreBatch b = {items, n};
	guint64 bytes = 0;

	for (guint i = 0; i < n; i++)
		bytes += g_bytes_get_size(items[i].raw) * 2;	/* raw + its log record */
	if (!queue_has_room(q, bytes, error))
		return FALSE;
	return queue_run(q, store_txn, &b, error);
}

/* queue_store_message - store one incoming message durably, once. */
gboolean queue_store_message(LrQueue *q, GBytes *raw, const char *key, LrLead *seed,
			     guint64 *lead_id, gboolean *duplicate, GError **error)
{
	LrStoreItem item = {raw, key, seed, 0, FALSE};

	if (!queue_store_batch(q, &item, 1, error))
		return FALSE;
	*lead_id = item.lead_id;
	*duplicate = item.duplicate;
	return TRUE;
}

/* queue_leads_foreach - every lead in id order. */
gboolean queue_leads_foreach(LrQueue *q, QueueLeadFunc fn, gpointer data, GError **error)
{
	DBC *c = cursor_open(q->leads, NULL, error);
	DBT key = dbt_out(), val = dbt_out();
	int ret;
	gboolean go = TRUE;

	if (c == NULL)
		return FALSE;
	while (go && (ret = c->get(c, &key, &val, DB_NEXT)) == 0) {
		g_autoptr(GBytes) bytes = dbt_bytes(&val);
		g_autoptr(LrLead) lead = lead_deserialize(bytes, NULL);
		free(key.data);
		key = dbt_out();
		val = dbt_out();
		if (lead != NULL)
			go = fn(lead, data);
	}
	c->close(c);
	if (go && ret != DB_NOTFOUND)
		return db_fail(error, ret, "leads");
	return TRUE;
}

/* db_count - the number of records in db (walks the tree). */
static guint64 db_count(DB *db, GError **error)
{
	DB_BTREE_STAT *st = NULL;
	guint64 n;
	int ret = db->stat(db, NULL, &st, DB_READ_COMMITTED);

	if (ret != 0) {
		db_fail(error, ret, "stat");
		return 0;
	}
	n = st->bt_nkeys;
	free(st);
	return n;
}

/* queue_lead_count - the number of leads. */
guint64 queue_lead_count(LrQueue *q, GError **error)
{
	return db_count(q->leads, error);
}

/* job_serialize - a job record: (version, kind, lead, arg). */
static GBytes *job_serialize(const char *kind, guint64 lead_id, const char *arg)
{
	g_autoptr(GVariant) v = g_variant_ref_sink(g_variant_new(
		"(ustss)", (guint32)QUEUE_RECORD_VERSION, kind, lead_id, arg ? arg : "", ""));

	return g_variant_get_data_as_bytes(v);
}

/* queue_job_add - schedule a job. */
gboolean queue_job_add(LrTxn *txn, const char *kind, guint64 lead_id, gint64 due,
		       const char *arg, GError **error)
{
	guint64 key[2], job_id = 0;
	g_autoptr(GBytes) rec = job_serialize(kind, lead_id, arg);
	gsize len;
	const void *data = g_bytes_get_data(rec, &len);

	if (!seq_next(txn->q->job_seq, &job_id, error))
		return FALSE;
	key[0] = be64((guint64)MAX(due, 0));	/* 0: now, before any timer */
	key[1] = be64(job_id);
	if (!put_bytes(txn->q->jobs, txn, key, sizeof(key), data, len, error))
		return FALSE;
	g_mutex_lock(&txn->q->wait_lock);
	txn->q->jobs_added++;
	g_cond_broadcast(&txn->q->wait_cond);
	g_mutex_unlock(&txn->q->wait_lock);
	return TRUE;
}

/* job_from - decode a job from its key and record. */
static LrJob *job_from(const DBT *key, GBytes *rec)
{
	g_autoptr(GVariant) v = g_variant_ref_sink(
		g_variant_new_from_bytes(G_VARIANT_TYPE("(ustss)"), rec, FALSE));
	const guint64 *k = key->data;
	LrJob *job = g_new0(LrJob, 1);
	guint32 version;

	job->due = (gint64)GUINT64_FROM_BE(k[0]);
	job->job_id = GUINT64_FROM_BE(k[1]);
	g_variant_get(v, "(ustss)", &version, &job->kind, &job->lead_id, &job->arg, NULL);
	return job;
}

/* queue_job_next - the earliest due job, locked. */
LrJob *queue_job_next(LrTxn *txn, gint64 now, GError **error)
{
	DBC *c = cursor_open(txn->q->jobs, txn, error);
	DBT key = dbt_out(), val = dbt_out();
	LrJob *job = NULL;
	int ret;

	if (c == NULL)
		return NULL;
	ret = c->get(c, &key, &val, DB_FIRST | DB_RMW);
	if (ret == 0 && key.size == 2 * sizeof(guint64) &&
	    (gint64)GUINT64_FROM_BE(((guint64 *)key.data)[0]) <= now) {
		g_autoptr(GBytes) rec = dbt_bytes(&val);
		job = job_from(&key, rec);
	} else if (ret == 0) {
		free(val.data);
	}
	free(key.data);
	c->close(c);
	if (ret != 0 && ret != DB_NOTFOUND)
		db_fail(error, ret, "jobs");
	return job;
}

/* job_get - one job by its key, locked for this transaction. */
static LrJob *job_get(LrTxn *txn, gint64 due, guint64 job_id, GError **error)
{
	guint64 k[2] = {be64((guint64)MAX(due, 0)), be64(job_id)};
	DBT key = dbt_in(k, sizeof(k)), val = dbt_out();
	int ret = txn->q->jobs->get(txn->q->jobs, txn->txn, &key, &val, DB_RMW);
	g_autoptr(GBytes) rec = NULL;

	if (ret == DB_NOTFOUND)
		return NULL;
	if (ret != 0) {
		db_fail(error, ret, "jobs");
		return NULL;
	}
	rec = dbt_bytes(&val);
	return job_from(&key, rec);
}

/* queue_job_postpone - move the job with job's key to a later time. */
gboolean queue_job_postpone(LrTxn *txn, const LrJob *job, gint64 later, gboolean *found,
			    GError **error)
{
	g_autoptr(LrJob) cur = job_get(txn, job->due, job->job_id, error);

	*found = cur != NULL;
	if (cur == NULL)
		return error == NULL || *error == NULL;
	return queue_job_delete(txn, cur, error) &&
	       queue_job_add(txn, cur->kind, cur->lead_id, later, cur->arg, error);
}

/* queue_job_delete - remove a finished job. */
gboolean queue_job_delete(LrTxn *txn, const LrJob *job, GError **error)
{
	guint64 k[2] = {be64((guint64)job->due), be64(job->job_id)};
	DBT key = dbt_in(k, sizeof(k));
	int ret = txn->q->jobs->del(txn->q->jobs, txn->txn, &key, 0);

	if (ret != 0 && ret != DB_NOTFOUND)
		return db_fail(error, ret, "job delete");
	return TRUE;
}

/* queue_job_next_due - when the first job is due. */
gint64 queue_job_next_due(LrQueue *q)
{
	DBC *c = cursor_open(q->jobs, NULL, NULL);
	DBT key = dbt_out(), val = dbt_out();
	gint64 due = G_MAXINT64;

	if (c == NULL)
		return g_get_real_time();
	if (c->get(c, &key, &val, DB_FIRST) == 0) {
		if (key.size == 2 * sizeof(guint64))
			due = (gint64)GUINT64_FROM_BE(((guint64 *)key.data)[0]);
		free(key.data);
		free(val.data);
	}
	c->close(c);
	return due;
}

/* queue_jobs_wait - sleep until this process adds a job, or timeout. */
void queue_jobs_wait(LrQueue *q, gint64 timeout_us)
{
	gint64 until = g_get_monotonic_time() + timeout_us;
	guint64 seen;

	g_mutex_lock(&q->wait_lock);
	seen = q->jobs_added;
	while (q->jobs_added == seen)
		if (!g_cond_wait_until(&q->wait_cond, &q->wait_lock, until))
			break;
	g_mutex_unlock(&q->wait_lock);
}

/* queue_job_free - destroy a job. */
void queue_job_free(LrJob *job)
{
	if (job == NULL)
		return;
	g_free(job->kind);
	g_free(job->arg);
	g_free(job);
}

/* outmail_serialize - an outbox record. */
static GBytes *outmail_serialize(const LrOutMail *m)
{
	GVariant *msg = g_variant_new_from_bytes(G_VARIANT_TYPE("ay"), m->message, TRUE);
	g_autoptr(GVariant) v = g_variant_ref_sink(g_variant_new(
		"(utsu^asxs@ay)", (guint32)QUEUE_RECORD_VERSION, m->lead_id, m->from, m->attempts,
		m->rcpts, m->next_try, m->last_error ? m->last_error : "", msg));

	return g_variant_get_data_as_bytes(v);
}

/* outmail_deserialize - read an outbox record. */
static LrOutMail *outmail_deserialize(guint64 id, GBytes *rec)
{
	g_autoptr(GVariant) v = g_variant_ref_sink(
		g_variant_new_from_bytes(G_VARIANT_TYPE("(utsuasxsay)"), rec, FALSE));
	g_autoptr(GVariant) msg = NULL;
	LrOutMail *m = g_new0(LrOutMail, 1);
	guint32 version;

	m->id = id;
	g_variant_get(v, "(utsu^asxs@ay)", &version, &m->lead_id, &m->from, &m->attempts,
		      &m->rcpts, &m->next_try, &m->last_error, &msg);
	m->message = g_variant_get_data_as_bytes(msg);
	return m;
}

/* due_key - the outdue key of a message. */
static void due_key(guint64 key[2], gint64 next_try, guint64 id)
{
	key[0] = be64((guint64)MAX(next_try, 0));
	key[1] = be64(id);
}

/* outdue_del - drop a message's entry from the due index. */
static gboolean outdue_del(LrTxn *txn, gint64 next_try, guint64 id, GError **error)
{
	guint64 k[2];
	DBT key;
	int ret;

	due_key(k, next_try, id);
	key = dbt_in(k, sizeof(k));
	ret = txn->q->outdue->del(txn->q->outdue, txn->txn, &key, 0);
	return ret == 0 || ret == DB_NOTFOUND ? TRUE : db_fail(error, ret, "outbox index");
}

/* outbox_put - write an outbox record and its due-index entry. */
static gboolean outbox_put(LrTxn *txn, const LrOutMail *m, GError **error)
{
	guint64 dk[2];

	due_key(dk, m->next_try, m->id);
	if (!put_bytes(txn->q->outdue, txn, dk, sizeof(dk), "", 0, error))
		return FALSE;
	guint64 k = be64(m->id);
	g_autoptr(GBytes) rec = outmail_serialize(m);
	gsize len;
	const void *data = g_bytes_get_data(rec, &len);

	return put_bytes(txn->q->outbox, txn, &k, sizeof(k), data, len, error);
}

/* queue_outbox_add - queue a message to send now. */
gboolean queue_outbox_add(LrTxn *txn, guint64 lead_id, const char *from,
			  const char *const *rcpts, GBytes *message, GError **error)
{
	LrOutMail m = {0};

	if (!seq_next(txn->q->out_seq, &m.id, error))
		return FALSE;
	m.lead_id = lead_id;
	m.from = (char *)from;
	m.rcpts = (char **)rcpts;
	m.message = message;
	m.next_try = 0;
	return outbox_put(txn, &m, error);
}

/* outmail_read - one outbox message by id, or NULL. */
static LrOutMail *outmail_read(LrQueue *q, LrTxn *txn, guint64 id, GError **error)
{
	guint64 k = be64(id);
	g_autoptr(GBytes) rec = NULL;

	if (!get_bytes(q->outbox, txn, &k, sizeof(k), txn ? DB_RMW : 0, &rec, error) ||
	    rec == NULL)
		return NULL;
	return outmail_deserialize(id, rec);
}

/* queue_outbox_due - messages whose next try is due, in due order: the
 * due index is read only as far as now. */
GPtrArray *queue_outbox_due(LrQueue *q, gint64 now, guint max, GError **error)
{
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)queue_outmail_free);
	DBC *c;
	DBT key = dbt_out(), val = dbt_out();

	if ((c = cursor_open(q->outdue, NULL, error)) == NULL)
		return g_ptr_array_unref(out), NULL;
	while (out->len < max && c->get(c, &key, &val, DB_NEXT) == 0) {
		const guint64 *k = key.data;
		gint64 due = (gint64)GUINT64_FROM_BE(k[0]);
		guint64 id = GUINT64_FROM_BE(k[1]);
		LrOutMail *m;
		free(key.data);
		free(val.data);
		key = dbt_out();
		val = dbt_out();
		if (due > now)
			break;
		if ((m = outmail_read(q, NULL, id, NULL)) != NULL)
			g_ptr_array_add(out, m);
	}
	c->close(c);
	/* Nothing leaves whose cause a crash could still undo. */
	if (out->len > 0 && !queue_flush(q, error))
		return g_ptr_array_unref(out), NULL;
	return out;
}

/* queue_flush - everything committed so far, on disk. */
gboolean queue_flush(LrQueue *q, GError **error)
{
	int ret = group_flush(q);

	return ret == 0 ? TRUE : db_fail(error, ret, "log flush");
}

typedef struct {
	guint64 id;
	gint64 next_try;
	const char *why;
} OutboxUpdate;

/* outbox_done_txn - delete a sent message and its index entry. */
static gboolean outbox_done_txn(LrTxn *txn, gpointer data, GError **error)
{
	OutboxUpdate *u = data;
	g_autoptr(LrOutMail) m = outmail_read(txn->q, txn, u->id, error);
	guint64 k = be64(u->id);
	DBT key = dbt_in(&k, sizeof(k));
	int ret;

	if (m == NULL)
		return error == NULL || *error == NULL;
	if (!outdue_del(txn, m->next_try, m->id, error))
		return FALSE;
	ret = txn->q->outbox->del(txn->q->outbox, txn->txn, &key, 0);
	return ret == 0 || ret == DB_NOTFOUND ? TRUE : db_fail(error, ret, "outbox delete");
}

/* outbox_defer_txn - record a failed try and move it in the due index. */
static gboolean outbox_defer_txn(LrTxn *txn, gpointer data, GError **error)
{
	OutboxUpdate *u = data;
	g_autoptr(LrOutMail) m = outmail_read(txn->q, txn, u->id, error);

	if (m == NULL)
		return error == NULL || *error == NULL;
	if (!outdue_del(txn, m->next_try, m->id, error))
		return FALSE;
	m->attempts++;
	m->next_try = u->next_try;
	lead_set_str(&m->last_error, u->why);
	return outbox_put(txn, m, error);
}

/* outbox_fail_txn - delete a refused message and tell the workflow. */
static gboolean outbox_fail_txn(LrTxn *txn, gpointer data, GError **error)
{
	OutboxUpdate *u = data;
	g_autoptr(LrOutMail) m = outmail_read(txn->q, txn, u->id, error);
	g_autofree char *arg = NULL;

	if (m == NULL)
		return error == NULL || *error == NULL;
	arg = g_strdup_printf("%s %s", m->rcpts && m->rcpts[0] ? m->rcpts[0] : "", u->why);
	return outbox_done_txn(txn, data, error) &&
	       (m->lead_id == 0 ||
		queue_job_add(txn, QUEUE_JOB_UNDELIVERABLE, m->lead_id, 0, arg, error));
}

/* queue_outbox_fail - a message refused for good. */
gboolean queue_outbox_fail(LrQueue *q, guint64 id, const char *why, GError **error)
{
	OutboxUpdate u = {id, 0, why};

	return queue_run_lazy(q, outbox_fail_txn, &u, error);
}

/* queue_outbox_done - a message left: forget it. */
gboolean queue_outbox_done(LrQueue *q, guint64 id, GError **error)
{
	OutboxUpdate u = {id, 0, NULL};

	return queue_run_lazy(q, outbox_done_txn, &u, error);
}

/* queue_outbox_defer - a try failed: count it and schedule the next. */
gboolean queue_outbox_defer(LrQueue *q, guint64 id, gint64 next_try, const char *why,
			    GError **error)
{
	OutboxUpdate u = {id, next_try, why};

	return queue_run_lazy(q, outbox_defer_txn, &u, error);
}

/* queue_outbox_count - messages waiting. */
guint64 queue_outbox_count(LrQueue *q, GError **error)
{
	return db_count(q->outbox, error);
}

/* queue_outmail_free - destroy an outbox message. */
void queue_outmail_free(LrOutMail *mail)
{
	if (mail == NULL)
		return;
	g_free(mail->from);
	g_strfreev(mail->rcpts);
	g_bytes_unref(mail->message);
	g_free(mail->last_error);
	g_free(mail);
}

/* queue_state_get - a named value. */
gboolean queue_state_get(LrQueue *q, LrTxn *txn, const char *key, char **value,
			 GError **error)
{
	g_autoptr(GBytes) bytes = NULL;
	gsize len;
	const char *data;

	*value = NULL;
	if (!get_bytes(q->state, txn, key, strlen(key), txn ? DB_RMW : 0, &bytes, error) ||
	    bytes == NULL)
		return FALSE;
	data = g_bytes_get_data(bytes, &len);
	*value = g_strndup(data, len);
	return TRUE;
}

/* queue_state_put - set or delete a named value. */
gboolean queue_state_put(LrTxn *txn, const char *key, const char *value, GError **error)
{
	DBT k = dbt_in(key, strlen(key));
	int ret;

	if (value != NULL)
		return put_bytes(txn->q->state, txn, key, strlen(key), value, strlen(value), error);
	ret = txn->q->state->del(txn->q->state, txn->txn, &k, 0);
	return ret == 0 || ret == DB_NOTFOUND ? TRUE : db_fail(error, ret, "state delete");
}
