/* deliver.c - store one message from standard input, for pipe(8).
 *
 * The deliverer does not open the store: it hands the message to the
 * running daemon over its socket (the answer comes once the lead is
 * durable), or, when no daemon answers, writes it durably into the spool
 * that the daemon takes in (intake/spool.h).  Either way exit 0 means on
 * disk, and the daemon's duplicate check keeps one lead per message. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sysexits.h>
#include <unistd.h>

#include <glib.h>

#include "intake/spool.h"
#include "lead/log.h"
#include "lead/lr-error.h"
#include "lead/rawmsg.h"
#include "rules/server-config.h"
#include "src/deliver.h"

typedef struct {
	char *config;
	char **recipients;
	char *sender;
} DeliverOptions;

/* read_stdin - the message, reading at most limit + 1 bytes so an
 * oversized message is known without holding all of it. */
static GBytes *read_stdin(gsize limit, gboolean *too_big, GError **error)
{
	GByteArray *buf = g_byte_array_new();
	guint8 chunk[65536];
	ssize_t n;

	*too_big = FALSE;
	while ((n = read(STDIN_FILENO, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			g_set_error(error, LR_ERROR, LR_ERROR_TEMP, "read: %s", g_strerror(errno));
			g_byte_array_unref(buf);
			return NULL;
		}
		if (limit > 0 && buf->len + (gsize)n > limit) {
			*too_big = TRUE;
			continue; /* drain, so the writer sees no broken pipe */
		}
		g_byte_array_append(buf, chunk, (guint)n);
	}
	return g_byte_array_free_to_bytes(buf);
}

/* exit_for - map an error to sysexits and print the D.S.N line. */
static int exit_for(const GError *error)
{
	if (error->domain == LR_ERROR && error->code == LR_ERROR_TOO_BIG) {
		printf("5.3.4 %s\n", error->message);
		return EX_DATAERR;
	}
	if (error->domain == LR_ERROR && error->code == LR_ERROR_PERM) {
		printf("5.6.0 message cannot be used: %s\n", error->message);
		return EX_DATAERR;
	}
	printf("4.3.0 cannot store the message now: %s\n", error->message);
	return EX_TEMPFAIL;
}

/* deliver_hand - to the daemon, or into the spool when none answers. */
static int deliver_hand(const LrServerConfig *cfg, const DeliverOptions *opt, GBytes *raw)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(SpoolEnvelope) env =
	    spool_envelope_new(opt->sender, (const char *const *)opt->recipients, raw);
	guint64 id = 0;
	gboolean dup = FALSE;

	switch (spool_hand_off(cfg->home, env, &id, &dup, &error)) {
	case SPOOL_HANDED:
		printf("2.0.0 lead %" G_GUINT64_FORMAT " %s\n", id,
		       dup ? "already stored" : "stored");
		return EX_OK;
	case SPOOL_REFUSED:
		return exit_for(error);
	case SPOOL_NO_DAEMON:
		break;
	}
	if (!spool_write(cfg->home, env, &error))
		return exit_for(error);
	printf("2.0.0 spooled: leadrouted stores it when it runs\n");
	return EX_OK;
}

/* deliver_run - load the configuration, read, check, hand over. */
static int deliver_run(const DeliverOptions *opt)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(LrServerConfig) cfg = server_config_load(opt->config, &error);
	g_autoptr(GBytes) raw = NULL;
	gboolean too_big;
	gsize len;
	const char *data;

	if (cfg == NULL)
		return exit_for(error); /* a config problem: retry once fixed */
	raw = read_stdin(cfg->max_message_size, &too_big, &error);
	if (raw == NULL)
		return exit_for(error);
	if (too_big) {
		g_set_error(&error, LR_ERROR, LR_ERROR_TOO_BIG, "message exceeds %zu bytes",
		            cfg->max_message_size);
		return exit_for(error);
	}
	data = g_bytes_get_data(raw, &len);
	if (!rawmsg_check(data, len, &error))
		return exit_for(error);
	return deliver_hand(cfg, opt, raw);
}

/* Longest a delivery may take: a store wedged by a process that died inside
 * it must not hold Postfix's pipe(8) for its whole time limit (and keep the
 * daemon from recovering the store): give up and let Postfix retry. */
#define DELIVER_TIMEOUT 60

/* on_alarm - the delivery took too long: try again later. */
static void on_alarm(int sig)
{
	static const char line[] = "4.3.0 the store did not answer in time, try again later\n";

	(void)sig;
	if (write(STDOUT_FILENO, line, sizeof(line) - 1) < 0)
		_exit(EX_TEMPFAIL);
	_exit(EX_TEMPFAIL);
}

/* deliver_main - parse options and deliver. */
int deliver_main(int argc, char **argv)
{
	DeliverOptions opt = {0};
	GOptionEntry entries[] = {
	    {"config", 'c', 0, G_OPTION_ARG_FILENAME, &opt.config, "configuration file", "FILE"},
	    {"recipient", 'r', 0, G_OPTION_ARG_STRING_ARRAY, &opt.recipients,
	     "envelope recipient (repeatable)", "ADDR"},
	    {"sender", 's', 0, G_OPTION_ARG_STRING, &opt.sender, "envelope sender", "ADDR"},
	    {NULL}};
	g_autoptr(GOptionContext) ctx = g_option_context_new("- store one message from stdin");
	g_autoptr(GError) error = NULL;
	int rc;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		fprintf(stderr, "leadroute deliver: %s\n", error->message);
		fprintf(stderr, "usage: %s [-c FILE] [-r RECIPIENT] [-s SENDER]\n",
		        g_get_prgname());
		return EX_USAGE;
	}
	signal(SIGALRM, on_alarm);
	alarm(DELIVER_TIMEOUT);
	rc = deliver_run(&opt);
	alarm(0);
	fflush(stdout);
	g_free(opt.config);
	g_strfreev(opt.recipients);
	g_free(opt.sender);
	return rc;
}
