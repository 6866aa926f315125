/* cmd-peer-secret.c - leadroute peer-secret: a new random secret for a
 * servers entry's secret_file (the HMAC key two servers share). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <glib.h>

#include "src/commands.h"

#define PEER_SECRET_BYTES 32 /* 256 bits, printed as 64 hex digits */

/* peer_secret_new - PEER_SECRET_BYTES from the kernel's random source as
 * hex and a line end.  Returns a new string, or NULL (errno set). */
static char *peer_secret_new(void)
{
	guint8 raw[PEER_SECRET_BYTES];
	GString *hex = g_string_sized_new(2 * sizeof raw + 1);
	gsize got = 0;

	while (got < sizeof raw) {
		ssize_t n = getrandom(raw + got, sizeof raw - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			g_string_free(hex, TRUE);
			return NULL;
		}
		got += n;
	}
	for (gsize i = 0; i < sizeof raw; i++)
		g_string_append_printf(hex, "%02x", raw[i]);
	memset(raw, 0, sizeof raw);
	g_string_append_c(hex, '\n');
	return g_string_free(hex, FALSE);
}

/* peer_secret_write - write secret to a new file path, mode 0600 from the
 * start (never over an existing file).  Returns FALSE with errno set. */
static gboolean peer_secret_write(const char *path, const char *secret)
{
	gsize len = strlen(secret);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	gboolean ok;
	int saved;

	if (fd < 0)
		return FALSE;
	ok = write(fd, secret, len) == (ssize_t)len && fsync(fd) == 0;
	saved = errno;
	if (close(fd) != 0 && ok) {
		saved = errno;
		ok = FALSE;
	}
	if (!ok) {
		unlink(path);
		errno = saved;
	}
	return ok;
}

int cmd_peer_secret(int argc, char **argv)
{
	g_autofree char *output = NULL;
	GOptionEntry entries[] = {
	    {"output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
	     "write it to FILE (created with mode 0600; an existing file is refused)", "FILE"},
	    {NULL}};
	g_autoptr(GOptionContext) ctx =
	    g_option_context_new("- print a new random secret for a peer's secret_file");
	g_autofree char *secret = NULL;
	int rc;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if ((rc = cmd_options(ctx, "peer-secret", &argc, &argv)) >= 0)
		return rc;
	if (argc != 1)
		return cmd_usage_error("peer-secret", "no arguments");
	if ((secret = peer_secret_new()) == NULL) {
		fprintf(stderr, "leadroute peer-secret: no random bytes: %s\n", g_strerror(errno));
		return 1;
	}
	if (output == NULL)
		return fputs(secret, stdout) >= 0 && fflush(stdout) == 0 ? 0 : 1;
	if (!peer_secret_write(output, secret)) {
		fprintf(stderr, "leadroute peer-secret: %s: %s\n", output, g_strerror(errno));
		return 1;
	}
	return 0;
}
