/* cmd-parse-reply.c - leadroute parse-reply [--json] [-r RECIPIENT] MSG...:
 * the reply command each message gives, without side effects. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "lead/lr-error.h"
#include "parser/reply.h"
#include "src/commands.h"

/* Largest message read from a file or stdin. */
#define PARSE_REPLY_MAX (64 * 1024 * 1024)

/* read_stream - all of f (at most PARSE_REPLY_MAX bytes). */
static GBytes *read_stream(FILE *f, GError **error)
{
	GByteArray *buf = g_byte_array_new();
	guint8 chunk[65536];
	size_t n;

	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		g_byte_array_append(buf, chunk, n);
		if (buf->len > PARSE_REPLY_MAX) {
			g_byte_array_unref(buf);
			g_set_error(error, LR_ERROR, LR_ERROR_TOO_BIG, "message over %d bytes",
			            PARSE_REPLY_MAX);
			return NULL;
		}
	}
	if (ferror(f)) {
		g_byte_array_unref(buf);
		g_set_error(error, LR_ERROR, LR_ERROR_TEMP, "read error: %s", g_strerror(errno));
		return NULL;
	}
	return g_byte_array_free_to_bytes(buf);
}

/* read_message - the bytes of path ("-" for stdin). */
static GBytes *read_message(const char *path, GError **error)
{
	FILE *f;
	GBytes *bytes;

	if (strcmp(path, "-") == 0)
		return read_stream(stdin, error);
	if ((f = fopen(path, "rb")) == NULL) {
		g_set_error(error, LR_ERROR, LR_ERROR_PERM, "%s", g_strerror(errno));
		return NULL;
	}
	bytes = read_stream(f, error);
	fclose(f);
	return bytes;
}

/* print_text - the reply as "key: value" lines for people. */
static void print_text(const char *path, const LrReply *reply, gboolean many)
{
	g_autofree char *away =
	    reply->away_until ? g_date_time_format(reply->away_until, "%Y-%m-%d") : NULL;

	if (many)
		printf("%s:\n", path);
	printf("command: %s\n", reply->command);
	printf("argument: %s\n", reply->argument);
	printf("auto_reply: %s\n", reply->auto_reply ? "yes" : "no");
	printf("bounce: %s\n", reply->bounce ? "yes" : "no");
	printf("token: %s\n", reply->token ? reply->token : "-");
	printf("sender: %s\n", reply->sender ? reply->sender : "-");
	if (away != NULL)
		printf("away_until: %s\n", away);
	if (many)
		printf("\n");
}

/* parse_one - parse and print one message; FALSE (said on stderr) on failure. */
static gboolean parse_one(const char *path, const char *recipient, gboolean json, gboolean many)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) raw = read_message(path, &error);
	g_autoptr(LrReply) reply = NULL;

	if (raw != NULL)
		reply = reply_parse(raw, recipient, &error);
	if (reply == NULL) {
		fprintf(stderr, "leadroute parse-reply: %s: %s\n", path, error->message);
		return FALSE;
	}
	if (json) {
		g_autofree char *text = reply_to_json(reply);

		printf("%s\n", text);
	} else {
		print_text(path, reply, many);
	}
	return TRUE;
}

int cmd_parse_reply(int argc, char **argv)
{
	gboolean json = FALSE, ok = TRUE;
	g_autofree char *recipient = NULL;
	GOptionEntry entries[] = {
	    {"json", 0, 0, G_OPTION_ARG_NONE, &json, "print one JSON object per message", NULL},
	    {"recipient", 'r', 0, G_OPTION_ARG_STRING, &recipient,
	     "envelope recipient (lead+TOKEN@domain)", "ADDRESS"},
	    {NULL},
	};
	g_autoptr(GOptionContext) context = g_option_context_new("MSG... (- for stdin)");

	g_option_context_set_summary(context, "Show the reply command each message gives.");
	int rc;

	g_option_context_add_main_entries(context, entries, NULL);
	if ((rc = cmd_options(context, "parse-reply", &argc, &argv)) >= 0)
		return rc;
	if (argc < 2)
		return cmd_usage_error("parse-reply", "give one message or more");
	for (int i = 1; i < argc; i++)
		ok = parse_one(argv[i], recipient, json, argc > 2) && ok;
	fflush(stdout);
	return ok ? 0 : 1;
}
