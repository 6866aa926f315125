/* spool-client.c - the deliverer's side of the hand-off socket. */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib.h>

#include "intake/spool.h"
#include "lead/lr-error.h"

#define SPOOL_MAX_REPLY 1024

/* client_connect - a socket connected to home's daemon, or -1.  A path
 * too long for a socket address goes through the folder's descriptor. */
static int client_connect(const char *home)
{
	g_autofree char *path = g_build_filename(home, SPOOL_SOCKET, NULL);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int dirfd = -1, fd, rc;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		if ((dirfd = open(home, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
			return -1;
		g_free(path);
		path = spool_fd_path(dirfd, SPOOL_SOCKET);
	}
	g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	rc = fd < 0 ? -1 : connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	if (dirfd >= 0)
		close(dirfd);
	if (rc != 0 && fd >= 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* send_all - write len bytes to fd (no SIGPIPE). */
static gboolean send_all(int fd, const void *data, gsize len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return FALSE;
		p += n;
		len -= (gsize)n;
	}
	return TRUE;
}

/* read_reply - one line from fd into buf (without "\n"); FALSE when the
 * connection ends first. */
static gboolean read_reply(int fd, char *buf, gsize size)
{
	gsize got = 0;

	while (got + 1 < size) {
		ssize_t n = read(fd, buf + got, size - 1 - got);
		char *nl;
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return FALSE;
		got += (gsize)n;
		buf[got] = '\0';
		if ((nl = strchr(buf, '\n')) != NULL) {
			*nl = '\0';
			return TRUE;
		}
	}
	return FALSE;
}

/* reply_parse - the daemon's answer as an outcome. */
static SpoolHandoff reply_parse(const char *line, guint64 *lead_id, gboolean *duplicate,
                                GError **error)
{
	int code = LR_ERROR_TEMP;
	const char *text = strlen(line) > 4 ? line + 4 : "";

	if (g_str_has_prefix(line, "250 ")) {
		*lead_id = g_ascii_strtoull(text, NULL, 10);
		*duplicate = strstr(text, " duplicate") != NULL;
		return SPOOL_HANDED;
	}
	if (g_str_has_prefix(line, "554 "))
		code = LR_ERROR_PERM;
	else if (g_str_has_prefix(line, "552 "))
		code = LR_ERROR_TOO_BIG;
	g_set_error(error, LR_ERROR, code, "%s", text);
	return SPOOL_REFUSED;
}

/* spool_hand_off - header and message out, one line back. */
SpoolHandoff spool_hand_off(const char *home, const SpoolEnvelope *env, guint64 *lead_id,
                            gboolean *duplicate, GError **error)
{
	g_autofree char *header = spool_envelope_header(env);
	char reply[SPOOL_MAX_REPLY];
	gsize len;
	const void *raw = g_bytes_get_data(env->raw, &len);
	int fd = client_connect(home);
	gboolean ok;

	if (fd < 0)
		return SPOOL_NO_DAEMON;
	ok = send_all(fd, header, strlen(header)) && send_all(fd, raw, len) &&
	     read_reply(fd, reply, sizeof(reply));
	close(fd);
	if (!ok)
		return SPOOL_NO_DAEMON;
	return reply_parse(reply, lead_id, duplicate, error);
}
