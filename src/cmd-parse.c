/* cmd-parse.c - leadroute parse [-c FILE] [--json] [-r RECIPIENT] MSG...:
 * what the parser extracts from each message, without side effects.
 * With --json, one JSON object per message, one per line (JSON Lines). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "lead/lr-error.h"
#include "parser/parser.h"
#include "rules/aliases.h"
#include "src/commands.h"

/* Largest message read from a file or stdin (the parser's own limit). */
#define PARSE_MAX PARSER_MAX_MESSAGE

/* parse_read_stream - all of f, at most PARSE_MAX + 1 bytes. */
static GBytes *parse_read_stream(FILE *f, GError **error)
{
	GByteArray *buf = g_byte_array_new();
	guint8 chunk[65536];
	size_t n;

	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && buf->len <= PARSE_MAX)
		g_byte_array_append(buf, chunk, n);
	if (ferror(f)) {
		g_byte_array_unref(buf);
		g_set_error(error, LR_ERROR, LR_ERROR_TEMP, "read error: %s", g_strerror(errno));
		return NULL;
	}
	return g_byte_array_free_to_bytes(buf);
}

/* parse_read - the bytes of path ("-" for stdin). */
static GBytes *parse_read(const char *path, GError **error)
{
	FILE *f;
	GBytes *bytes;

	if (strcmp(path, "-") == 0)
		return parse_read_stream(stdin, error);
	if ((f = fopen(path, "rb")) == NULL) {
		g_set_error(error, LR_ERROR, LR_ERROR_PERM, "%s", g_strerror(errno));
		return NULL;
	}
	bytes = parse_read_stream(f, error);
	fclose(f);
	return bytes;
}

/* parse_print_text - the lead as "key: value" lines for people. */
static void parse_print_text(const char *path, const LrLead *lead, gboolean many)
{
	const char *note = lead_meta_get(lead, META_PARSE_NOTE);

	if (many)
		printf("%s:\n", path);
	printf("is_lead: %s\n", lead->is_lead ? "yes" : "no");
	if (!lead->is_lead)
		printf("reason: %s\n", lead->reason);
	else
		printf("format: %s\n", lead->format);
	printf("source: %s\n", lead->source != NULL ? lead->source : "-");
	printf("subject: %s\n", lead->subject != NULL ? lead->subject : "-");
	for (guint i = 0; lead->is_lead && i < lead->fields->len; i++) {
		const LrField *field = g_ptr_array_index(lead->fields, i);
		g_auto(GStrv) lines = g_strsplit(field->value, "\n", -1);
		g_autofree char *value = g_strjoinv("\n    ", lines);

		printf("%s: %s\n", field->name, value);
	}
	if (note != NULL)
		printf("note: %s\n", note);
	if (many)
		printf("\n");
}

/* parse_one - parse and print one message; FALSE (said on stderr) on
 * failure. */
static gboolean parse_one(const LrParser *parser, const char *path, const char *recipient,
                          gboolean json, gboolean many)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) raw = parse_read(path, &error);
	g_autoptr(LrLead) lead = lead_new();

	lead_set_str(&lead->recipient, recipient);
	if (raw == NULL || !parser_parse_lead(parser, raw, lead, &error)) {
		fprintf(stderr, "leadroute parse: %s: %s\n", path, error->message);
		return FALSE;
	}
	if (json) {
		g_autofree char *text = parser_lead_to_json(lead);

		printf("%s\n", text);
	} else {
		parse_print_text(path, lead, many);
	}
	return TRUE;
}

/* parse_setup - the parser, with the aliases of config (may be NULL). */
static LrParser *parse_setup(const char *config)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GHashTable) aliases = NULL;
	LrParser *parser;

	if (config != NULL && (aliases = lr_config_read_aliases(config, &error)) == NULL) {
		fprintf(stderr, "leadroute parse: %s\n", error->message);
		return NULL;
	}
	if ((parser = parser_new(aliases, &error)) == NULL)
		fprintf(stderr, "leadroute parse: %s\n", error->message);
	return parser;
}

int cmd_parse(int argc, char **argv)
{
	gboolean json = FALSE, ok = TRUE;
	g_autofree char *config = NULL;
	g_autofree char *recipient = NULL;
	g_autoptr(LrParser) parser = NULL;
	GOptionEntry entries[] = {
	    {"config", 'c', 0, G_OPTION_ARG_FILENAME, &config,
	     "configuration file (for fields.aliases)", "FILE"},
	    {"json", 0, 0, G_OPTION_ARG_NONE, &json,
	     "print one JSON object per message, one per line", NULL},
	    {"recipient", 'r', 0, G_OPTION_ARG_STRING, &recipient,
	     "envelope recipient (its +extension names the source)", "ADDRESS"},
	    {NULL},
	};
	g_autoptr(GOptionContext) context = g_option_context_new("MSG... (- for stdin)");

	g_option_context_set_summary(context, "Show what the parser reads from each message.\n"
	                                      "With --json: one object per message, one per line.");
	int rc;

	g_option_context_add_main_entries(context, entries, NULL);
	if ((rc = cmd_options(context, "parse", &argc, &argv)) >= 0)
		return rc;
	if (argc < 2)
		return cmd_usage_error("parse", "give one message or more");
	if ((parser = parse_setup(config)) == NULL)
		return 1;
	for (int i = 1; i < argc; i++)
		ok = parse_one(parser, argv[i], recipient, json, argc > 2) && ok;
	fflush(stdout);
	return ok ? 0 : 1;
}
