/* fuzz-lmtp.c - libFuzzer target: any bytes as what an LMTP client sends,
 * through the server's session (lmtp_session_replay: the command dialogue,
 * DATA with dot-unstuffing, the size limit, line-end checks) with no
 * socket.  Checks that every answer is a well-formed reply line, the
 * greeting comes first, and that a stored message never holds a bare CR
 * or LF (what SMTP smuggling would need).  Built with clang's
 * -fsanitize=fuzzer (configure's LR_FUZZER), run by tests/fuzz.sh lmtp. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "intake/lmtp.h"
#include "lead/lr-error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fuzz_store - the store: checks the message, and answers by its first byte
 * (T: temporary failure, P: permanent, B: too big, else stored). */
static gboolean fuzz_store(GBytes *message, const char *sender, const char *const *rcpts,
                           gpointer data, guint64 *lead_id, gboolean *duplicate, GError **error)
{
	gsize len;
	const guint8 *p = g_bytes_get_data(message, &len);

	g_assert_nonnull(sender);
	g_assert_nonnull(rcpts[0]);
	g_assert_cmpuint(len, <=, 4096);
	for (gsize i = 0; i < len; i++) {
		if (p[i] == '\r')
			g_assert_true(i + 1 < len && p[i + 1] == '\n');
		if (p[i] == '\n')
			g_assert_true(i > 0 && p[i - 1] == '\r');
	}
	if (len > 0 && p[0] == 'T')
		g_set_error(error, LR_ERROR, LR_ERROR_TEMP, "temporary\r\nfailure");
	else if (len > 0 && p[0] == 'P')
		g_set_error(error, LR_ERROR, LR_ERROR_PERM, "not a lead");
	else if (len > 0 && p[0] == 'B')
		g_set_error(error, LR_ERROR, LR_ERROR_TOO_BIG, "too big");
	else
		return TRUE;
	return FALSE;
}

/* fuzz_transcript - every answer is "DDD" then " " or "-", then printable
 * text, then CRLF; the first is the greeting. */
static void fuzz_transcript(const char *t)
{
	g_assert_true(g_str_has_prefix(t, "220 "));
	while (*t) {
		const char *end = strstr(t, "\r\n");

		g_assert_nonnull(end);
		g_assert_true(end - t >= 4);
		g_assert_true(g_ascii_isdigit(t[0]) && g_ascii_isdigit(t[1]) &&
		              g_ascii_isdigit(t[2]));
		g_assert_true(t[3] == ' ' || t[3] == '-');
		for (const char *p = t; p < end; p++)
			g_assert_true((guchar)*p >= 0x20 && (guchar)*p != 0x7f);
		t = end + 2;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	LrLmtpConfig config = {0};
	g_autofree char *transcript = NULL;

	config.hostname = "fuzz.example";
	config.max_message_size = 4096;
	config.store = fuzz_store;
	transcript = lmtp_session_replay(&config, data, size);
	g_assert_nonnull(transcript);
	fuzz_transcript(transcript);
	return 0;
}
