/* fuzz-reply.c - libFuzzer target: any bytes through reply_parse (the
 * command, the token, auto-reply and bounce detection, the away date) and
 * its JSON writer.  Built with clang's -fsanitize=fuzzer (configure's
 * LR_FUZZER), run by tests/fuzz.sh reply. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lead/lr-error.h"
#include "parser/reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fuzz_check - what every parsed reply must satisfy. */
static void fuzz_check(const LrReply *reply)
{
	/* A command is one of the lower-case keywords. */
	g_assert_nonnull(reply->command);
	g_assert_cmpuint(strlen(reply->command), >, 0);
	for (const char *p = reply->command; *p; p++)
		g_assert_true(g_ascii_islower(*p));
	g_assert_nonnull(reply->argument);
	g_assert_true(g_utf8_validate(reply->argument, -1, NULL));
	g_assert_true(reply->text == NULL || g_utf8_validate(reply->text, -1, NULL));
	if (reply->auto_reply || reply->bounce)
		g_assert_cmpstr(reply->command, ==, "none");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GBytes) raw = g_bytes_new_static(data, size);
	g_autoptr(GError) error = NULL;
	g_autoptr(LrReply) reply = reply_parse(raw, "lead+AbCdEf0123@leads.example", &error);

	if (reply != NULL) {
		g_autofree char *json = reply_to_json(reply);

		g_assert_nonnull(json);
		fuzz_check(reply);
		/* The visible-text reader on the raw bytes as a body, too. */
		if (g_utf8_validate((const char *)data, size, NULL) &&
		    memchr(data, 0, size) == NULL) {
			g_autofree char *body = g_strndup((const char *)data, size);
			g_autofree char *text = reply_visible_text(body);
			g_autoptr(LrReply) other = g_new0(LrReply, 1);

			reply_command(other, text);
			g_assert_nonnull(other->command);
		}
	} else {
		g_assert_true(g_error_matches(error, LR_ERROR, LR_ERROR_PERM));
	}
	return 0;
}
