/* pipe-driver - a pipe(8)-like driver for bench/pipe: PARALLEL workers,
 * each delivering its share of COUNT messages one at a time the way
 * Postfix's pipe(8) does (fork, exec the command, the message on its
 * standard input through a pipe, wait for its exit status).  Message i is
 * a ~3 KB inquiry with Message-ID <PREFIX-i@bench.test>, so that every
 * delivery is a new lead.  Prints "msg/s FAILED" on one line; exit 0 when
 * every delivery exited 0.
 *
 * Usage: pipe-driver COUNT PARALLEL PREFIX COMMAND [ARG...] */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

/* message_text - inquiry number i of prefix (a new string). */
static char *message_text(const char *prefix, guint i)
{
	GString *m = g_string_new(NULL);

	g_string_append_printf(m,
	                       "From: Visitor %u <visitor%u@example.org>\n"
	                       "To: leads@leads.test\nSubject: Inquiry %u\n"
	                       "Message-ID: <%s-%u@bench.test>\n"
	                       "Date: Tue, 1 Dec 2026 10:00:00 +0000\n\n"
	                       "Name: Visitor %u\nCompany: Bench %u Ltd\nPhone: +1 555 %04u\n\n",
	                       i, i, i, prefix, i, i, i, i % 10000);
	while (m->len < 3000)
		g_string_append(m, "We would like a quote for forty units, delivered monthly.\n");
	return g_string_free(m, FALSE);
}

/* deliver_one - run argv with text on its standard input; its status. */
static int deliver_one(char **argv, const char *text)
{
	int fds[2], status = 0;
	pid_t pid;
	gsize len = strlen(text), off = 0;

	if (pipe(fds) != 0 || (pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		dup2(fds[0], STDIN_FILENO);
		close(fds[0]);
		close(fds[1]);
		if (freopen("/dev/null", "w", stdout) == NULL)
			_exit(127);
		execv(argv[0], argv);
		_exit(127);
	}
	close(fds[0]);
	while (off < len) {
		ssize_t n = write(fds[1], text + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (gsize)n;
	}
	close(fds[1]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* worker - deliver messages first, first + step, ... below count; the
 * number that failed is the exit status (capped). */
static int worker(guint first, guint step, guint count, const char *prefix, char **argv)
{
	guint failed = 0;

	for (guint i = first; i < count; i += step) {
		g_autofree char *text = message_text(prefix, i);
		if (deliver_one(argv, text) != 0)
			failed++;
	}
	return (int)MIN(failed, 100u);
}

int main(int argc, char **argv)
{
	guint count, parallel, failed = 0;
	gint64 t0;
	double secs;

	if (argc < 5) {
		fprintf(stderr, "usage: pipe-driver COUNT PARALLEL PREFIX COMMAND [ARG...]\n");
		return 64;
	}
	count = (guint)atoi(argv[1]);
	parallel = MAX((guint)atoi(argv[2]), 1u);
	t0 = g_get_monotonic_time();
	for (guint w = 0; w < parallel; w++) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(worker(w, parallel, count, argv[3], argv + 4));
	}
	for (guint w = 0; w < parallel; w++) {
		int status;
		if (wait(&status) > 0 && WIFEXITED(status))
			failed += (guint)WEXITSTATUS(status);
	}
	secs = (double)(g_get_monotonic_time() - t0) / G_USEC_PER_SEC;
	printf("%.0f %u\n", count / secs, failed);
	return failed ? 1 : 0;
}
