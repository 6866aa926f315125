/* safe.c - escape control characters of lead text for terminals. */
#include "config.h"

#include <string.h>

#include "report/safe.h"

/* safe_unicode - TRUE for a character shown as \uXXXX: C1 controls,
 * bidirectional overrides and isolates, line and paragraph separators. */
static gboolean safe_unicode(gunichar c)
{
	return (c >= 0x80 && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) ||
	       (c >= 0x2066 && c <= 0x2069) || c == 0x2028 || c == 0x2029;
}

/* report_safe - escape controls for text output. */
char *report_safe(const char *text, gboolean keep_newlines)
{
	GString *out = g_string_new(NULL);
	const char *p = text ? text : "", *end = p + strlen(p);

	while (p < end) {
		guchar b = (guchar)*p;
		gunichar c = g_utf8_get_char_validated(p, end - p);

		if (b == '\\') {
			g_string_append(out, "\\\\");
		} else if ((b < 0x20 && b != '\t' && !(b == '\n' && keep_newlines)) || b == 0x7f) {
			g_string_append_printf(out, "\\x%02x", b);
		} else if (b < 0x80) {
			g_string_append_c(out, (char)b);
		} else if (c == (gunichar)-1 || c == (gunichar)-2) {
			g_string_append_printf(out, "\\x%02x", b);
		} else {
			const char *next = g_utf8_next_char(p);
			if (safe_unicode(c))
				g_string_append_printf(out, "\\u%04x", c);
			else
				g_string_append_len(out, p, next - p);
			p = next;
			continue;
		}
		p++;
	}
	return g_string_free(out, FALSE);
}

/* report_safe_json - escape what json-glib leaves raw. */
char *report_safe_json(const char *json)
{
	GString *out;
	const char *p = json ? json : "", *q = p;

	/* json-glib escapes below 0x20: plain ASCII needs nothing more. */
	while (*q && (guchar)*q < 0x7f)
		q++;
	if (*q == '\0')
		return g_strdup(p);
	out = g_string_new(NULL);
	if (!g_utf8_validate(p, -1, NULL))
		return g_string_free(g_string_append(out, p), FALSE);
	for (; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (c == 0x7f || safe_unicode(c))
			g_string_append_printf(out, "\\u%04x", c);
		else
			g_string_append_len(out, p, g_utf8_next_char(p) - p);
	}
	return g_string_free(out, FALSE);
}
