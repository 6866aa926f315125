/* queue-backup.c - hot backup and restore of the store, and its size on
 * disk. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lead/log.h"
#include "lead/lr-error.h"
#include "queue/queue-int.h"

/* holds_store - does dir hold database files or logs already? */
static gboolean holds_store(const char *dir)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *name;

	while (d && (name = g_dir_read_name(d)) != NULL)
		if (g_str_has_suffix(name, ".db") || g_str_has_prefix(name, "log."))
			return TRUE;
	return FALSE;
}

/* recover_fatal - run catastrophic recovery in dir, alone: every
 * transaction whose commit is in the copied logs is applied to the copied
 * pages, the rest rolled back. */
static gboolean recover_fatal(const char *dir, GError **error)
{
	DB_ENV *env = NULL;
	int ret = db_env_create(&env, 0);

	if (ret == 0)
		ret = env->open(env, dir,
		                DB_CREATE | DB_INIT_LOCK | DB_INIT_LOG | DB_INIT_MPOOL |
		                    DB_INIT_TXN | DB_RECOVER_FATAL | DB_PRIVATE,
		                0660);
	if (ret == 0)
		ret = env->txn_checkpoint(env, 0, 0, DB_FORCE);
	if (env != NULL) {
		int t = env->close(env, 0);
		ret = ret ? ret : t;
	}
	if (ret != 0)
		g_set_error(error, LR_ERROR, LR_ERROR_TEMP, "recovery in %s: %s", dir,
		            db_strerror(ret));
	return ret == 0;
}

/* backup_dir_ready - dir exists (created) and holds no store. */
static gboolean backup_dir_ready(const char *dir, GError **error)
{
	if (g_mkdir_with_parents(dir, 0750) != 0) {
		g_set_error(error, LR_ERROR, LR_ERROR_PERM, "%s: %s", dir, g_strerror(errno));
		return FALSE;
	}
	if (holds_store(dir)) {
		g_set_error(error, LR_ERROR, LR_ERROR_PERM, "%s already holds a store", dir);
		return FALSE;
	}
	return TRUE;
}

/* The backup mark: home/backup.lock, held with flock(2) shared by every
 * backup for as long as it copies, and taken exclusive without waiting by
 * the daemon's log removal, which skips its turn when it cannot have it.
 * Berkeley DB 5.3 has nothing of its own for this across processes:
 * DB_ENV->backup's DB_HOTBACKUP_IN_PROGRESS count only changes what
 * DB_TXN_BULK transactions log, and DB_LOG_AUTO_REMOVE removes logs on a
 * checkpoint or a log file switch in any process regardless; a backup
 * that lost a log file between its page copy and its log copy fails its
 * recovery ("Log sequence error").  The kernel drops the lock of a
 * process that dies, so a killed backup holds the logs no longer. */
#define BACKUP_MARK "backup.lock"

/* mark_take - open the backup mark and flock it with op; the descriptor,
 * or -1 (errno set) when it cannot be opened or locked. */
static int mark_take(const char *home, int op)
{
	g_autofree char *path = g_build_filename(home, BACKUP_MARK, NULL);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0660), ret;

	if (fd < 0)
		return -1;
	while ((ret = flock(fd, op)) != 0 && errno == EINTR)
		;
	if (ret != 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* queue_logs_remove - see queue-int.h. */
void queue_logs_remove(LrQueue *q)
{
	char **list = NULL;
	int fd = mark_take(q->home, LOCK_EX | LOCK_NB), ret;
	guint n = 0;

	if (fd < 0) {
		if (errno == EWOULDBLOCK)
			lr_log_info(0, "db logs kept: a backup is copying");
		else
			lr_log_warn(0, "db logs kept: %s/%s: %s", q->home, BACKUP_MARK,
			            g_strerror(errno));
		return;
	}
	ret = q->env->log_archive(q->env, &list, DB_ARCH_ABS);
	if (ret != 0)
		lr_log_warn(0, "db log_archive: %s", db_strerror(ret));
	for (char **p = list; p && *p; p++)
		if (unlink(*p) == 0)
			n++;
	free(list);
	close(fd);
	if (n > 0)
		lr_log_debug(0, "db logs removed=%u", n);
}

/* backup_pace - tests: LEADROUTE_TEST_BACKUP_PAUSE_MS=N makes the page
 * copy sleep N ms after every 64 KB (Berkeley DB's own backup throttle),
 * so that a small store's backup spans the daemon's checkpoints. */
static void backup_pace(DB_ENV *env)
{
	const char *ms = g_getenv("LEADROUTE_TEST_BACKUP_PAUSE_MS");

	if (ms == NULL || atoi(ms) <= 0)
		return;
	env->set_backup_config(env, DB_BACKUP_SIZE, 65536);
	env->set_backup_config(env, DB_BACKUP_READ_COUNT, 1);
	env->set_backup_config(env, DB_BACKUP_READ_SLEEP, (u_int32_t)atoi(ms) * 1000);
}

/* backup_copy - DB_ENV->backup into dir with the backup mark held, so
 * that no log file the copied pages need is removed before it is copied
 * too (see BACKUP_MARK). */
static gboolean backup_copy(LrQueue *q, const char *dir, GError **error)
{
	int fd = mark_take(q->home, LOCK_SH), ret;

	if (fd < 0) {
		g_set_error(error, LR_ERROR, LR_ERROR_TEMP, "%s/%s: %s", q->home, BACKUP_MARK,
		            g_strerror(errno));
		return FALSE;
	}
	/* A checkpoint first keeps the log to replay short. */
	q->env->txn_checkpoint(q->env, 0, 0, 0);
	backup_pace(q->env);
	/* DB_ENV->backup copies the database files (each chunk read while
	 * writers to it wait), then the log files. */
	ret = q->env->backup(q->env, dir, DB_CREATE | DB_EXCL | DB_BACKUP_SINGLE_DIR);
	close(fd);
	if (ret != 0)
		g_set_error(error, LR_ERROR, LR_ERROR_TEMP, "backup to %s: %s", dir,
		            db_strerror(ret));
	return ret == 0;
}

/* queue_backup - hot backup into dir, then recovery there. */
gboolean queue_backup(LrQueue *q, const char *dir, GError **error)
{
	gint64 t0 = g_get_monotonic_time();

	if (!backup_dir_ready(dir, error) || !backup_copy(q, dir, error) ||
	    !recover_fatal(dir, error))
		return FALSE;
	lr_log_info(0, "backup=%s seconds=%.1f", dir, (g_get_monotonic_time() - t0) / 1e6);
	return TRUE;
}

/* write_all - write len bytes of buf to fd. */
static gboolean write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, buf, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return FALSE;
		buf += w;
		len -= (size_t)w;
	}
	return TRUE;
}

/* copy_fd - copy everything from one descriptor to another, 1 MB at a
 * time (a database file may be larger than memory). */
static gboolean copy_fd(int from, int to)
{
	g_autofree char *buf = g_malloc(1 << 20);
	ssize_t n;

	while ((n = read(from, buf, 1 << 20)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || !write_all(to, buf, (size_t)n))
			return FALSE;
	}
	return TRUE;
}

/* copy_file - copy one file from one folder to another, synced. */
static gboolean copy_file(const char *from_dir, const char *to_dir, const char *name,
                          GError **error)
{
	g_autofree char *from = g_build_filename(from_dir, name, NULL);
	g_autofree char *to = g_build_filename(to_dir, name, NULL);
	int in = open(from, O_RDONLY | O_CLOEXEC), out = -1;
	gboolean ok;

	if (in < 0) {
		g_set_error(error, LR_ERROR, LR_ERROR_PERM, "%s: %s", from, g_strerror(errno));
		return FALSE;
	}
	if ((out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0660)) < 0) {
		g_set_error(error, LR_ERROR, LR_ERROR_PERM, "%s: %s", to, g_strerror(errno));
		close(in);
		return FALSE;
	}
	ok = copy_fd(in, out) && fsync(out) == 0;
	ok = close(out) == 0 && ok;
	if (!ok)
		g_set_error(error, LR_ERROR, LR_ERROR_TEMP, "%s: %s", to, g_strerror(errno));
	close(in);
	return ok;
}

/* queue_restore - copy a backup into an empty home and recover it. */
gboolean queue_restore(const char *dir, const char *home, GError **error)
{
	g_autoptr(GDir) d = NULL;
	const char *name;

	if (!holds_store(dir)) {
		g_set_error(error, LR_ERROR, LR_ERROR_PERM, "%s holds no backup", dir);
		return FALSE;
	}
	if (!backup_dir_ready(home, error) || (d = g_dir_open(dir, 0, error)) == NULL)
		return FALSE;
	while ((name = g_dir_read_name(d)) != NULL)
		if ((g_str_has_suffix(name, ".db") || g_str_has_prefix(name, "log.")) &&
		    !copy_file(dir, home, name, error))
			return FALSE;
	return recover_fatal(home, error);
}

/* queue_disk_usage - bytes per database file, and of all logs. */
GHashTable *queue_disk_usage(LrQueue *q)
{
	GHashTable *h = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_autoptr(GDir) d = g_dir_open(q->home, 0, NULL);
	const char *name;
	guint64 logs = 0;

	while (d && (name = g_dir_read_name(d)) != NULL) {
		g_autofree char *path = g_build_filename(q->home, name, NULL);
		struct stat st;
		guint64 bytes;
		if (stat(path, &st) != 0)
			continue;
		bytes = (guint64)st.st_blocks * 512;
		if (g_str_has_prefix(name, "log."))
			logs += bytes;
		else if (g_str_has_suffix(name, ".db"))
			g_hash_table_insert(h, g_strdup(name), g_memdup2(&bytes, sizeof(bytes)));
	}
	g_hash_table_insert(h, g_strdup("logs"), g_memdup2(&logs, sizeof(logs)));
	return h;
}
