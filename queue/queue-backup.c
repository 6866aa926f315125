/* queue-backup.c - hot backup and restore of the store, and its size on
 * disk. */
#include "config.h"

#include <errno.h>
#include <string.h>
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

/* queue_backup - hot backup into dir, then recovery there. */
gboolean queue_backup(LrQueue *q, const char *dir, GError **error)
{
	gint64 t0 = g_get_monotonic_time();
	int ret;

	if (!backup_dir_ready(dir, error))
		return FALSE;
	/* A checkpoint first keeps the log to replay short. */
	q->env->txn_checkpoint(q->env, 0, 0, 0);
	/* DB_ENV->backup copies the database files page by page through the
	 * cache, then the log files; while it runs the environment keeps its
	 * logs (no automatic removal), so the copy is consistent once the
	 * logs are replayed. */
	ret = q->env->backup(q->env, dir, DB_CREATE | DB_EXCL | DB_BACKUP_SINGLE_DIR);
	if (ret != 0) {
		g_set_error(error, LR_ERROR, LR_ERROR_TEMP, "backup to %s: %s", dir,
		            db_strerror(ret));
		return FALSE;
	}
	if (!recover_fatal(dir, error))
		return FALSE;
	lr_log_info(0, "backup=%s seconds=%.1f", dir, (g_get_monotonic_time() - t0) / 1e6);
	return TRUE;
}

/* copy_file - copy one file from one folder to another, synced. */
static gboolean copy_file(const char *from_dir, const char *to_dir, const char *name,
                          GError **error)
{
	g_autofree char *from = g_build_filename(from_dir, name, NULL);
	g_autofree char *to = g_build_filename(to_dir, name, NULL);
	g_autofree char *data = NULL;
	gsize len;
	FILE *f;
	gboolean ok;

	if (!g_file_get_contents(from, &data, &len, error))
		return FALSE;
	if ((f = fopen(to, "wx")) == NULL) {
		g_set_error(error, LR_ERROR, LR_ERROR_PERM, "%s: %s", to, g_strerror(errno));
		return FALSE;
	}
	ok = fwrite(data, 1, len, f) == len && fflush(f) == 0 && fsync(fileno(f)) == 0;
	ok = fclose(f) == 0 && ok;
	if (!ok)
		g_set_error(error, LR_ERROR, LR_ERROR_TEMP, "%s: %s", to, g_strerror(errno));
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
