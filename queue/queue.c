/* queue.c - the Berkeley DB environment behind leadroute.
 *
 * Databases (all in one transactional environment):
 *   leads    id (be64)            -> lead record (lead_serialize)
 *   raw      id (be64)            -> raw message (64 KB pages: no overflow)
 *   events   id (be64), dups      -> event records in insertion order
 *   keys     duplicate key string -> id (be64)
 *   jobs     due (be64) job (be64) -> job record
 *   outbox   id (be64)            -> outgoing mail record
 *   outdue   next try (be64) id (be64) -> first recipient: the outbox by due time
 *   state    name                 -> value
 *   seq      name                 -> DB_SEQUENCE records
 *   index    kind value id        -> nothing: secondary indexes (queue-index.c)
 *   summary  id (be64)            -> lead summary for reports (queue-summary.c)
 *
 * Commits use DB_TXN_WRITE_NOSYNC, so locks are released at once, and then
 * one log flush makes them durable: transactions that commit while another
 * thread's flush is under way are covered by the next flush together. */
#define _GNU_SOURCE /* fallocate */
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

#include "lead/log.h"
#include "lead/lr-error.h"
#include "queue/queue-int.h"

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
	/* No DB_LOG_AUTO_REMOVE: it would remove logs that a running backup
	 * still needs; the daemon removes them after its checkpoints instead
	 * (queue_logs_remove). */
	return env->set_flags(env, DB_REGION_INIT, 1);
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

static gboolean dbs_open(LrQueue *q, GError **error);

/* env_open - create and open the environment, recovering when needed.
 * Opening is serialised on home/lock so that only one process decides to
 * recover; a process that finds the environment needing recovery while
 * others still use it fails with LR_ERROR_TEMP (its caller retries). */
static gboolean env_open(LrQueue *q, GError **error)
{
	g_autofree char *lock = g_build_filename(q->home, "lock", NULL);
	int fd, ret;
	gboolean ok;

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
	if (ret != 0) {
		close(fd);
		g_set_error(error, LR_ERROR, LR_ERROR_TEMP, "%s: %s%s", q->home, db_strerror(ret),
		            ret == DB_RUNRECOVERY ? " (recovered once the other users exit)" : "");
		return FALSE;
	}
	/* Under the same lock: one process upgrades an older store. */
	ok = dbs_open(q, error) && queue_store_upgrade(q, error);
	close(fd);
	return ok;
}

/* seq_open - open a named sequence starting at 1; cache > 0 lets this
 * process take that many numbers at once (gaps after a restart). */
static gboolean seq_open(LrQueue *q, DB_SEQUENCE **seq, const char *name, int cache, GError **error)
{
	DBT key = dbt_in(name, strlen(name));
	int ret;

	if ((ret = db_sequence_create(seq, q->seqdb, 0)) != 0 ||
	    (ret = (*seq)->initial_value(*seq, 1)) != 0 ||
	    (cache > 0 && (ret = (*seq)->set_cachesize(*seq, cache)) != 0) ||
	    (ret = (*seq)->open(*seq, NULL, &key, DB_CREATE | DB_THREAD)) != 0) {
		queue_db_error(error, ret, name);
		return FALSE;
	}
	return TRUE;
}

/* dbs_open - open every database and sequence. */
static gboolean dbs_open(LrQueue *q, GError **error)
{
	return queue_db_open_one(q, &q->leads, "leads.db", 0, 0, error) &&
	       queue_db_open_one(q, &q->raw, "raw.db", 65536, 0, error) &&
	       queue_db_open_one(q, &q->events, "events.db", 16384, DB_DUP, error) &&
	       queue_db_open_one(q, &q->keys, "keys.db", 0, 0, error) &&
	       queue_db_open_one(q, &q->jobs, "jobs.db", 0, 0, error) &&
	       /* 16 KB pages: a notification (~7 KB) lives on an overflow
	        * page and the outbox's splits, which log whole pages, stay
	        * small (64 KB pages: 34 KB of log per lead in bench/store,
	        * 26 KB with these); a store made with 64 KB keeps them. */
	       queue_db_open_one(q, &q->outbox, "outbox.db", 16384, 0, error) &&
	       queue_db_open_one(q, &q->outdue, "outdue.db", 0, 0, error) &&
	       queue_db_open_one(q, &q->state, "state.db", 0, 0, error) &&
	       queue_db_open_one(q, &q->seqdb, "seq.db", 0, 0, error) &&
	       queue_db_open_one(q, &q->index, "index.db", 0, 0, error) &&
	       queue_db_open_one(q, &q->summaries, "summary.db", QUEUE_SUMMARY_PAGE, 0, error) &&
	       /* Lead ids are shown to people: dense, one at a time.  Job and
	        * outbox ids only order records: taken in blocks. */
	       seq_open(q, &q->lead_seq, "lead", 0, error) &&
	       seq_open(q, &q->job_seq, "job", 1000, error) &&
	       seq_open(q, &q->out_seq, "outbox", 100, error);
}

/* queue_db_slots - see queue-int.h. */
guint queue_db_slots(LrQueue *q, DB **slots[QUEUE_DB_SLOTS])
{
	DB **all[] = {&q->leads,  &q->raw,   &q->events, &q->keys,  &q->jobs,     &q->outbox,
	              &q->outdue, &q->state, &q->seqdb,  &q->index, &q->summaries};

	G_STATIC_ASSERT(G_N_ELEMENTS(all) == QUEUE_DB_SLOTS);
	memcpy(slots, all, sizeof(all));
	return QUEUE_DB_SLOTS;
}

/* cache_yield - the pages a command reads (a report's or `list --json`'s
 * scan of the whole store) go first when the shared cache needs room:
 * they neither push out the daemon's working pages nor fill the cache
 * with clean pages that the next command must search past (Berkeley DB
 * looks through many buffers for one it may drop: measured, the first
 * `show` after `list --json` at 20,000 leads took 1 s and 59 MB, now 60 ms
 * and 21 MB).  Per handle (DB->set_priority), so the daemon's own reads
 * keep the default; a page both read, such as a btree's root, takes the
 * priority of the last to let it go, and the daemon reads it in again. */
static void cache_yield(LrQueue *q)
{
	DB **dbs[QUEUE_DB_SLOTS];
	guint n = queue_db_slots(q, dbs);

	for (guint i = 0; i < n; i++)
		if (*dbs[i] != NULL)
			(void)(*dbs[i])->set_priority(*dbs[i], DB_PRIORITY_VERY_LOW);
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
	if (!env_open(q, error)) {
		queue_close(q);
		return NULL;
	}
	q->checkpoint_every = 30 * G_USEC_PER_SEC;
	if (!daemon)
		cache_yield(q);
	if (daemon) {
		/* Off for every process of the environment (its shared region may
		 * have been made by a version that set it). */
		q->env->log_set_config(q->env, DB_LOG_AUTO_REMOVE, 0);
		q->env->txn_checkpoint(q->env, 0, 0, 0);
		queue_logs_remove(q);
	}
	return q;
}

/* ---- read-only (leadroute replay) ---- */

/* ro_open_env - join the environment at home without recovering it, so
 * that nothing in its databases or logs changes; only the shared regions
 * (__db.*) and the process registry are touched.  A store that needs
 * recovery (a process died in it) is refused: TEMP. */
static gboolean ro_open_env(LrQueue *q, GError **error)
{
	g_autofree char *lock = g_build_filename(q->home, "lock", NULL);
	g_autofree char *leads = g_build_filename(q->home, "leads.db", NULL);
	u_int32_t flags = DB_CREATE | DB_INIT_LOCK | DB_INIT_LOG | DB_INIT_MPOOL | DB_INIT_TXN |
	                  DB_THREAD | DB_REGISTER;
	int fd, ret;

	if (!g_file_test(leads, G_FILE_TEST_EXISTS) ||
	    (fd = open(lock, O_RDONLY | O_CLOEXEC)) < 0) {
		g_set_error(error, LR_ERROR, LR_ERROR_PERM, "%s: no store there", q->home);
		return FALSE;
	}
	while (flock(fd, LOCK_EX) != 0 && errno == EINTR)
		;
	ret = env_create(&q->env);
	if (ret == 0)
		ret = q->env->open(q->env, q->home, flags, 0660);
	close(fd);
	if (ret != 0)
		g_set_error(error, LR_ERROR, LR_ERROR_TEMP, "%s: %s%s", q->home, db_strerror(ret),
		            ret == DB_RUNRECOVERY ? " (start leadrouted once to recover it)" : "");
	return ret == 0;
}

/* ro_open_db - open one database read-only. */
static gboolean ro_open_db(LrQueue *q, DB **db, const char *name, u_int32_t dbflags, GError **error)
{
	int ret;

	if ((ret = db_create(db, q->env, 0)) != 0 ||
	    (dbflags && (ret = (*db)->set_flags(*db, dbflags)) != 0) ||
	    (ret = (*db)->open(*db, NULL, name, NULL, DB_BTREE, DB_RDONLY | DB_THREAD, 0)) != 0) {
		queue_db_error(error, ret, name);
		return FALSE;
	}
	return TRUE;
}

/* queue_open_readonly - see queue.h. */
LrQueue *queue_open_readonly(const char *home, GError **error)
{
	LrQueue *q = g_new0(LrQueue, 1);
	g_autofree char *version = NULL;

	q->home = g_strdup(home);
	g_mutex_init(&q->wait_lock);
	g_cond_init(&q->wait_cond);
	g_mutex_init(&q->flush_lock);
	g_cond_init(&q->flush_cond);
	if (!ro_open_env(q, error) || !ro_open_db(q, &q->leads, "leads.db", 0, error) ||
	    !ro_open_db(q, &q->raw, "raw.db", 0, error) ||
	    !ro_open_db(q, &q->events, "events.db", DB_DUP, error) ||
	    !ro_open_db(q, &q->state, "state.db", 0, error) ||
	    !ro_open_db(q, &q->index, "index.db", 0, error) ||
	    !ro_open_db(q, &q->summaries, "summary.db", 0, error)) {
		queue_close(q);
		return NULL;
	}
	cache_yield(q);
	queue_state_get(q, NULL, QUEUE_STORE_VERSION_KEY, &version, NULL);
	if (g_strcmp0(version, G_STRINGIFY(QUEUE_STORE_VERSION)) != 0) {
		g_set_error(error, LR_ERROR, LR_ERROR_TEMP,
		            "%s: the store is of an earlier layout (start leadrouted once to "
		            "upgrade it)",
		            home);
		queue_close(q);
		return NULL;
	}
	return q;
}

/* queue_close - close everything (NULL allowed). */
void queue_close(LrQueue *q)
{
	if (q == NULL) /* before any &q->member: UBSan (user list --help) */
		return;

	DB **dbs[QUEUE_DB_SLOTS];
	guint n = queue_db_slots(q, dbs);
	DB_SEQUENCE **seqs[] = {&q->lead_seq, &q->job_seq, &q->out_seq};
	for (size_t i = 0; i < G_N_ELEMENTS(seqs); i++)
		if (*seqs[i])
			(*seqs[i])->close(*seqs[i], 0);
	for (guint i = 0; i < n; i++)
		if (*dbs[i])
			(*dbs[i])->close(*dbs[i], DB_NOSYNC); /* the log is durable */
	if (q->env)
		q->env->close(q->env, 0);
	g_mutex_clear(&q->wait_lock);
	g_cond_clear(&q->wait_cond);
	g_mutex_clear(&q->flush_lock);
	g_cond_clear(&q->flush_cond);
	g_free(q->home);
	g_free(q);
}

/* checkpoint_due - every checkpoint_every, or after a second when a write
 * was refused for room (the logs a checkpoint lets go are the room).  The
 * daemon asks once a second: half a second early counts as on time, or a
 * timer firing a hair before the second would make "every second" every
 * two (tests/store-backup-logs.sh saw one checkpoint in a 4 s backup). */
static gboolean checkpoint_due(LrQueue *q)
{
	gint64 since = g_get_monotonic_time() - q->last_checkpoint;

	return since >= q->checkpoint_every - G_USEC_PER_SEC / 2 ||
	       (g_atomic_int_get(&q->room_short) && since > G_USEC_PER_SEC);
}

/* checkpoint_room - is there room for what a checkpoint writes?  At most
 * every dirty page of the cache (counted at the largest page size, capped
 * by the cache's size, since a page is written before it is reused) and
 * QUEUE_CHECKPOINT_SLACK more: a short write would tear a page. */
static gboolean checkpoint_room(LrQueue *q)
{
	DB_MPOOL_STAT *st = NULL;
	guint64 need = 32 * 1024 * 1024, cache;

	if (q->env->memp_stat(q->env, &st, NULL, 0) == 0 && st != NULL) {
		cache = (guint64)st->st_gbytes * 1024 * 1024 * 1024 + st->st_bytes;
		need = MIN((guint64)st->st_page_dirty * 64 * 1024, cache);
		free(st);
	}
	return queue_avail(q) >= need + QUEUE_CHECKPOINT_SLACK;
}

/* queue_failchk - clean up after processes that died holding locks. */
gboolean queue_failchk(LrQueue *q)
{
	int ret = q->env->failchk(q->env, 0);

	if (ret == DB_RUNRECOVERY) {
		lr_log_error(0, "db failchk: a process died inside the store: recovery needed");
		return FALSE;
	}
	if (ret != 0)
		lr_log_warn(0, "db failchk: %s", db_strerror(ret));
	/* A checkpoint writes database pages: only with room for them
	 * (checkpoint_room), but below the intake margin too, or a store that
	 * filled up would keep the logs that hold its room for ever. */
	if (checkpoint_due(q) && checkpoint_room(q)) {
		q->last_checkpoint = g_get_monotonic_time();
		g_atomic_int_set(&q->room_short, 0);
		q->env->txn_checkpoint(q->env, 1024, 1, 0);
		queue_logs_remove(q);
	}
	return TRUE;
}

/* queue_set_checkpoint_every - see queue.h. */
void queue_set_checkpoint_every(LrQueue *q, guint seconds)
{
	q->checkpoint_every = (gint64)MAX(seconds, 1) * G_USEC_PER_SEC;
}
