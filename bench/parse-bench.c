/* parse-bench.c - the parser's cost beside GMime's bare parse of the same
 * bytes: messages/s and MB/s of parser_parse_lead (the full extraction)
 * and of g_mime_parser_construct_message alone, and their ratio.
 * usage: parse-bench [--bare|--full] ITERATIONS FILE.eml...
 * --bare or --full runs that side alone (for callgrind: the difference
 * between two iteration counts is the cost per pass over the files). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "parser/parser.h"

/* bench_bare - construct (and free) each message once; microseconds. */
static gint64 bench_bare(GPtrArray *mails)
{
	gint64 start = g_get_monotonic_time();

	for (guint i = 0; i < mails->len; i++) {
		gsize len = 0;
		const char *data = g_bytes_get_data(g_ptr_array_index(mails, i), &len);
		GMimeStream *stream = g_mime_stream_mem_new_with_buffer(data, len);
		GMimeParser *parser = g_mime_parser_new_with_stream(stream);
		GMimeMessage *message = g_mime_parser_construct_message(parser, NULL);

		g_clear_object(&message);
		g_object_unref(parser);
		g_object_unref(stream);
	}
	return g_get_monotonic_time() - start;
}

/* bench_full - parser_parse_lead on each message once; microseconds. */
static gint64 bench_full(const LrParser *parser, GPtrArray *mails)
{
	gint64 start = g_get_monotonic_time();

	for (guint i = 0; i < mails->len; i++) {
		g_autoptr(LrLead) lead = lead_new();

		if (!parser_parse_lead(parser, g_ptr_array_index(mails, i), lead, NULL))
			fprintf(stderr, "parse-bench: message %u failed\n", i);
	}
	return g_get_monotonic_time() - start;
}

/* bench_report - one line of figures. */
static void bench_report(const char *what, gint64 usec, guint messages, gsize bytes)
{
	double s = usec / 1e6;

	printf("%-28s %10.0f messages/s %8.1f MB/s\n", what, messages / s, bytes / s / 1e6);
}

/* bench_mode - strip a leading --bare or --full from argv: 'b', 'f' or
 * 0 (both). */
static char bench_mode(int *argc, char ***argv)
{
	char mode = 0;

	if (*argc > 1 && strcmp((*argv)[1], "--bare") == 0)
		mode = 'b';
	else if (*argc > 1 && strcmp((*argv)[1], "--full") == 0)
		mode = 'f';
	if (mode != 0) {
		(*argv)[1] = (*argv)[0];
		(*argc)--;
		(*argv)++;
	}
	return mode;
}

int main(int argc, char **argv)
{
	char mode = bench_mode(&argc, &argv);
	g_autoptr(GPtrArray) mails = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	g_autoptr(GError) error = NULL;
	LrParser *parser = parser_new(NULL, &error);
	int iterations = argc > 1 ? atoi(argv[1]) : 0;
	gint64 bare = 0, full = 0;
	gsize bytes = 0;

	if (parser == NULL || iterations <= 0 || argc < 3) {
		fprintf(stderr, "usage: parse-bench [--bare|--full] ITERATIONS FILE.eml...\n");
		return 64;
	}
	for (int i = 2; i < argc; i++) {
		char *data;
		gsize len;

		if (!g_file_get_contents(argv[i], &data, &len, &error)) {
			fprintf(stderr, "parse-bench: %s\n", error->message);
			return 1;
		}
		bytes += len;
		g_ptr_array_add(mails, g_bytes_new_take(data, len));
	}
	if (mode != 'f')
		bench_bare(mails); /* warm up */
	if (mode != 'b')
		bench_full(parser, mails);
	for (int i = 0; i < iterations; i++) { /* interleaved, so drift hits both */
		if (mode != 'f')
			bare += bench_bare(mails);
		if (mode != 'b')
			full += bench_full(parser, mails);
	}
	printf("%u messages, %zu bytes, %d iterations\n", mails->len, bytes, iterations);
	if (mode != 'f')
		bench_report("GMime bare parse:", bare, mails->len * iterations, bytes * iterations);
	if (mode != 'b')
		bench_report("full extraction:", full, mails->len * iterations, bytes * iterations);
	if (mode == 0)
		printf("ratio full/bare: %.2f (target <= 2.00)\n", (double)full / (double)bare);
	parser_free(parser);
	return 0;
}
