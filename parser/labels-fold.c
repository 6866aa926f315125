/* labels-fold.c - labels_fold (labels.h): text folded for comparison, used
 * by the aliases, the questions and the other parser modules. */
#include "config.h"

#include <string.h>

#include "parser/labels.h"

/* labels_fold_ascii - labels_fold for pure ASCII text (the common case,
 * without Unicode normalisation). */
static char *labels_fold_ascii(const char *text, char sep)
{
	char *out = g_malloc(strlen(text) + 1);
	gsize len = 0;
	gboolean gap = FALSE;

	for (const char *p = text; *p != '\0'; p++) {
		char c = *p;

		if (!g_ascii_isalnum(c)) {
			gap = TRUE;
			continue;
		}
		if (gap && len > 0 && sep != 0)
			out[len++] = sep;
		gap = FALSE;
		out[len++] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
	}
	out[len] = '\0';
	return out;
}

/* labels_is_ascii - TRUE when text has no byte above 0x7F. */
static gboolean labels_is_ascii(const char *text)
{
	for (const char *p = text; *p != '\0'; p++)
		if ((guchar)*p & 0x80)
			return FALSE;
	return TRUE;
}

/* labels_fold - comparison form of text. */
char *labels_fold(const char *text, char sep)
{
	g_autofree char *valid = NULL;
	g_autofree char *nfkd = NULL;
	g_autofree char *folded = NULL;
	GString *out;
	gboolean gap = FALSE;

	if (labels_is_ascii(text))
		return labels_fold_ascii(text, sep);
	valid = g_utf8_make_valid(text, -1);
	nfkd = g_utf8_normalize(valid, -1, G_NORMALIZE_ALL);
	folded = g_utf8_casefold(nfkd != NULL ? nfkd : valid, -1);
	out = g_string_new(NULL);
	for (const char *p = folded; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (g_unichar_ismark(c))
			continue;
		if (!g_unichar_isalnum(c)) {
			gap = TRUE;
			continue;
		}
		if (gap && out->len > 0 && sep != 0)
			g_string_append_c(out, sep);
		gap = FALSE;
		g_string_append_unichar(out, c);
	}
	return g_string_free(out, FALSE);
}
