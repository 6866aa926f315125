/* spool.c - envelopes, the spool folder and the daemon's take-in. */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "intake/spool.h"
#include "lead/log.h"
#include "lead/lr-error.h"

#define SPOOL_MAGIC "leadroute-envelope 1\n"
#define SPOOL_MAX_HEADER (1024 * 1024) /* sender and recipients */

/* spool_envelope_new - copy the envelope. */
SpoolEnvelope *spool_envelope_new(const char *sender, const char *const *recipients, GBytes *raw)
{
	SpoolEnvelope *env = g_new0(SpoolEnvelope, 1);

	env->sender = g_strdup(sender ? sender : "");
	env->rcpts = g_ptr_array_new_null_terminated(4, g_free, TRUE);
	for (guint i = 0; recipients && recipients[i]; i++)
		g_ptr_array_add(env->rcpts, g_strdup(recipients[i]));
	env->raw = g_bytes_ref(raw);
	return env;
}

/* spool_envelope_free - destroy an envelope. */
void spool_envelope_free(SpoolEnvelope *env)
{
	if (env == NULL)
		return;
	g_free(env->sender);
	g_ptr_array_unref(env->rcpts);
	g_bytes_unref(env->raw);
	g_free(env);
}

/* spool_envelope_header - magic, sender, recipients, size, blank line. */
char *spool_envelope_header(const SpoolEnvelope *env)
{
	GString *h = g_string_new(SPOOL_MAGIC);
	g_autofree char *sender = g_strescape(env->sender, NULL);

	g_string_append_printf(h, "sender %s\n", sender);
	for (guint i = 0; i < env->rcpts->len; i++) {
		g_autofree char *rcpt = g_strescape(g_ptr_array_index(env->rcpts, i), NULL);
		g_string_append_printf(h, "rcpt %s\n", rcpt);
	}
	g_string_append_printf(h, "size %zu\n\n", g_bytes_get_size(env->raw));
	return g_string_free(h, FALSE);
}

/* spool_header_end - just past the blank line that ends the header. */
gsize spool_header_end(const guint8 *data, gsize len)
{
	const guint8 *end = len >= 2 ? memmem(data, MIN(len, SPOOL_MAX_HEADER), "\n\n", 2) : NULL;

	return end ? (gsize)(end - data) + 2 : 0;
}

/* header_lines - the header's lines (magic and blank line excluded), or
 * NULL when it does not start with the magic. */
static char **header_lines(const guint8 *data, gsize header_len)
{
	g_autofree char *text = NULL;

	if (header_len < strlen(SPOOL_MAGIC) + 1 ||
	    memcmp(data, SPOOL_MAGIC, strlen(SPOOL_MAGIC)) != 0)
		return NULL;
	text = g_strndup((const char *)data + strlen(SPOOL_MAGIC),
	                 header_len - strlen(SPOOL_MAGIC) - 2);
	return g_strsplit(text, "\n", -1);
}

/* header_size - the size a "size N" line gives, or G_MAXSIZE. */
static gsize header_size(const char *line)
{
	guint64 n;

	if (!g_str_has_prefix(line, "size ") ||
	    !g_ascii_string_to_unsigned(line + 5, 10, 0, G_MAXSIZE, &n, NULL))
		return G_MAXSIZE;
	return (gsize)n;
}

/* spool_header_size - the value of the header's "size" line. */
gsize spool_header_size(const guint8 *data, gsize header_len)
{
	g_auto(GStrv) lines = header_lines(data, header_len);
	gsize size = G_MAXSIZE;

	for (guint i = 0; lines && lines[i]; i++)
		if (g_str_has_prefix(lines[i], "size "))
			size = header_size(lines[i]);
	return size;
}

/* header_take - one header line into env (the size into *size); FALSE
 * for a line that is not one of ours. */
static gboolean header_take(SpoolEnvelope *env, const char *line, gsize *size)
{
	if (g_str_has_prefix(line, "sender ")) {
		g_free(env->sender);
		env->sender = g_strcompress(line + 7);
	} else if (g_str_has_prefix(line, "rcpt ")) {
		g_ptr_array_add(env->rcpts, g_strcompress(line + 5));
	} else if (g_str_has_prefix(line, "size ")) {
		*size = header_size(line);
	} else {
		return FALSE;
	}
	return TRUE;
}

/* spool_envelope_parse - the header's fields and the message after it. */
SpoolEnvelope *spool_envelope_parse(const guint8 *data, gsize len, GError **error)
{
	gsize end = spool_header_end(data, len), size = G_MAXSIZE;
	g_auto(GStrv) lines = end ? header_lines(data, end) : NULL;
	g_autoptr(GBytes) none = g_bytes_new_static("", 0);
	g_autoptr(SpoolEnvelope) env = spool_envelope_new(NULL, NULL, none);

	for (guint i = 0; lines && lines[i]; i++) {
		if (!header_take(env, lines[i], &size)) {
			g_clear_pointer(&lines, g_strfreev);
			break;
		}
	}
	if (lines == NULL || size != len - end) {
		g_set_error(error, LR_ERROR, LR_ERROR_PERM, "not a whole leadroute envelope");
		return NULL;
	}
	g_bytes_unref(env->raw);
	env->raw = g_bytes_new(data + end, size);
	return g_steal_pointer(&env);
}

/* spool_fd_path - the folder through its descriptor. */
char *spool_fd_path(int dirfd, const char *name)
{
	return g_strdup_printf("/proc/self/fd/%d/%s", dirfd, name);
}

/* spool_reply_line - 250 with the lead, or the error's reply code. */
char *spool_reply_line(gboolean ok, guint64 lead_id, gboolean duplicate, const GError *error)
{
	g_autofree char *text = NULL;
	const char *code = "451";

	if (ok)
		return g_strdup_printf("250 %" G_GUINT64_FORMAT " %s\n", lead_id,
		                       duplicate ? "duplicate" : "stored");
	if (error && error->domain == LR_ERROR && error->code == LR_ERROR_PERM)
		code = "554";
	else if (error && error->domain == LR_ERROR && error->code == LR_ERROR_TOO_BIG)
		code = "552";
	text = g_strdup(error ? error->message : "failed");
	g_strdelimit(text, "\r\n", ' ');
	return g_strdup_printf("%s %s\n", code, text);
}

/* ------------------------------------------------------------------ */
/* Writing the spool (the deliverer). */

/* spool_mkdirs - home/spool and its new/, tmp/ and bad/. */
static gboolean spool_mkdirs(const char *home, GError **error)
{
	static const char *const parts[] = {"", "new", "tmp", "bad"};

	for (guint i = 0; i < G_N_ELEMENTS(parts); i++) {
		g_autofree char *dir = g_build_filename(home, SPOOL_DIR, parts[i], NULL);
		if (g_mkdir(dir, 0700) != 0 && errno != EEXIST) {
			g_set_error(error, LR_ERROR, LR_ERROR_TEMP, "mkdir %s: %s", dir,
			            g_strerror(errno));
			return FALSE;
		}
	}
	return TRUE;
}

/* write_all - write len bytes of data to fd. */
static gboolean write_all(int fd, const void *data, gsize len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return FALSE;
		p += n;
		len -= (gsize)n;
	}
	return TRUE;
}

/* write_envelope - the header and the message into fd. */
static gboolean write_envelope(int fd, const SpoolEnvelope *env)
{
	g_autofree char *header = spool_envelope_header(env);
	gsize len;
	const void *raw = g_bytes_get_data(env->raw, &len);

	return write_all(fd, header, strlen(header)) && write_all(fd, raw, len);
}

/* spool_name - a name no other delivery uses: time, pid, a counter. */
static char *spool_name(void)
{
	static guint n;

	return g_strdup_printf("%" G_GINT64_FORMAT ".%d.%u", g_get_real_time(), (int)getpid(), n++);
}

/* link_tmpfile - give the unnamed file fd a name in dirfd (no one sees it
 * before it is whole); FALSE with errno set. */
static gboolean link_tmpfile(int fd, int dirfd)
{
	char proc[64];

	g_snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	for (guint tries = 0; tries < 10; tries++) {
		g_autofree char *name = spool_name();
		if (linkat(AT_FDCWD, proc, dirfd, name, AT_SYMLINK_FOLLOW) == 0)
			return TRUE;
		if (errno != EEXIST)
			return FALSE;
	}
	return FALSE;
}

/* write_renamed - where there is no O_TMPFILE: write into tmp/, fsync,
 * rename into new/. */
static gboolean write_renamed(const char *home, const SpoolEnvelope *env, int dirfd)
{
	g_autofree char *name = spool_name();
	g_autofree char *tmp = g_build_filename(home, SPOOL_DIR, "tmp", name, NULL);
	g_autofree char *dst = g_build_filename(home, SPOOL_DIR, "new", name, NULL);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	gboolean ok;

	if (fd < 0)
		return FALSE;
	ok = write_envelope(fd, env) && fsync(fd) == 0;
	close(fd);
	if (!ok || rename(tmp, dst) != 0) {
		int saved = errno;
		g_unlink(tmp);
		errno = saved;
		return FALSE;
	}
	return fsync(dirfd) == 0;
}

/* write_tmpfile - write an unnamed file in new/, name it once whole, then
 * fsync it (which commits its name too) and the folder. */
static gboolean write_tmpfile(int dirfd, const char *new_dir, const SpoolEnvelope *env,
                              gboolean *unsupported)
{
	int fd = open(new_dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	gboolean ok;

	*unsupported = fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL);
	if (fd < 0)
		return FALSE;
	ok = write_envelope(fd, env) && link_tmpfile(fd, dirfd) && fsync(fd) == 0;
	close(fd);
	return ok && fsync(dirfd) == 0;
}

/* spool_write - durable in new/ before TRUE. */
gboolean spool_write(const char *home, const SpoolEnvelope *env, GError **error)
{
	g_autofree char *new_dir = NULL;
	gboolean unsupported = FALSE, ok;
	int dirfd;

	new_dir = g_build_filename(home, SPOOL_DIR, "new", NULL);
	dirfd = open(new_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0 && errno == ENOENT) { /* the first spooled message */
		if (!spool_mkdirs(home, error))
			return FALSE;
		dirfd = open(new_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (dirfd < 0) {
		g_set_error(error, LR_ERROR, LR_ERROR_TEMP, "%s: %s", new_dir, g_strerror(errno));
		return FALSE;
	}
	ok = write_tmpfile(dirfd, new_dir, env, &unsupported);
	if (!ok && unsupported)
		ok = write_renamed(home, env, dirfd);
	if (!ok)
		g_set_error(error, LR_ERROR, LR_ERROR_TEMP, "cannot write the spool in %s: %s",
		            new_dir, g_strerror(errno));
	close(dirfd);
	return ok;
}

/* ------------------------------------------------------------------ */
/* Taking the spool in (the daemon). */

/* take_bad - keep a file the store will never take in bad/ (logged). */
static void take_bad(const char *home, const char *name, const char *path, const GError *error)
{
	g_autofree char *bad = g_build_filename(home, SPOOL_DIR, "bad", name, NULL);

	if (g_rename(path, bad) != 0)
		lr_log_error(0, "spool file=%s error=%s (cannot move to bad/: %s)", path,
		             error->message, g_strerror(errno));
	else
		lr_log_error(0, "spool file=%s status=refused error=%s (kept in %s)", name,
		             error->message, bad);
}

/* take_one - store one spool file; TRUE when it was stored. */
static gboolean take_one(const char *home, const char *dir, const char *name, SpoolStoreFunc store,
                         gpointer data)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);
	g_autofree char *text = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(SpoolEnvelope) env = NULL;
	gsize len;
	guint64 id = 0;
	gboolean dup = FALSE;

	if (!g_file_get_contents(path, &text, &len, &error)) {
		lr_log_warn(0, "spool file=%s error=%s (retrying)", name, error->message);
		return FALSE;
	}
	env = spool_envelope_parse((const guint8 *)text, len, &error);
	if (env != NULL && store(env, data, &id, &dup, &error)) {
		lr_log_info(id, "spool file=%s status=%s", name, dup ? "duplicate" : "stored");
		g_unlink(path);
		return TRUE;
	}
	if (lr_error_is_temp(error))
		lr_log_warn(0, "spool file=%s error=%s (retrying)", name, error->message);
	else
		take_bad(home, name, path, error);
	return FALSE;
}

/* name_cmp - order spool names (a GCompareFunc over char **). */
static gint name_cmp(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* spool_take_in - every file of new/, oldest name first. */
guint spool_take_in(const char *home, SpoolStoreFunc store, gpointer data)
{
	g_autofree char *dir = g_build_filename(home, SPOOL_DIR, "new", NULL);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;
	guint stored = 0;

	if (d == NULL)
		return 0;
	while ((name = g_dir_read_name(d)) != NULL)
		if (name[0] != '.')
			g_ptr_array_add(names, g_strdup(name));
	g_dir_close(d);
	g_ptr_array_sort(names, name_cmp);
	for (guint i = 0; i < names->len; i++)
		stored += take_one(home, dir, g_ptr_array_index(names, i), store, data);
	return stored;
}
