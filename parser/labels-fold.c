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

/* Characters below this (Latin-1 and Latin Extended-A and -B) fold by
 * labels_fold_table; the others by normalising the whole text. */
#define LABELS_FOLD_TABLE 0x250

/* labels_fold_table - for each character c below LABELS_FOLD_TABLE, c
 * compatibility-decomposed and case-folded, as UTF-8: folding a text
 * character by character gives what normalising and folding it whole
 * gives, but for the order of the combining marks, which labels_fold
 * drops.  Built once (never freed: static data). */
static char *const *labels_fold_table(void)
{
	static char *table[LABELS_FOLD_TABLE];
	static gsize once = 0;

	if (g_once_init_enter(&once)) {
		table[0] = g_strdup("");
		for (gunichar c = 1; c < LABELS_FOLD_TABLE; c++) {
			char one[8] = {0};
			g_autofree char *nfkd = NULL;

			g_unichar_to_utf8(c, one);
			nfkd = g_utf8_normalize(one, -1, G_NORMALIZE_ALL);
			table[c] = g_utf8_casefold(nfkd != NULL ? nfkd : one, -1);
		}
		g_once_init_leave(&once, 1);
	}
	return table;
}

/* labels_fold_add - append folded (normalised and case-folded UTF-8) to
 * out: marks dropped, a run of other non-alphanumerics one sep. */
static void labels_fold_add(GString *out, const char *folded, char sep, gboolean *gap)
{
	for (const char *p = folded; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (g_unichar_ismark(c))
			continue;
		if (!g_unichar_isalnum(c)) {
			*gap = TRUE;
			continue;
		}
		if (*gap && out->len > 0 && sep != 0)
			g_string_append_c(out, sep);
		*gap = FALSE;
		g_string_append_unichar(out, c);
	}
}

/* labels_fold_latin - labels_fold of valid UTF-8 text whose characters
 * are all below LABELS_FOLD_TABLE, by the table; NULL for other text. */
static char *labels_fold_latin(const char *text, char sep)
{
	char *const *table = labels_fold_table();
	GString *out;
	gboolean gap = FALSE;

	if (!g_utf8_validate(text, -1, NULL))
		return NULL;
	out = g_string_sized_new(strlen(text));
	for (const char *p = text; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (c >= LABELS_FOLD_TABLE) {
			g_string_free(out, TRUE);
			return NULL;
		}
		labels_fold_add(out, table[c], sep, &gap);
	}
	return g_string_free(out, FALSE);
}

/* labels_fold - comparison form of text. */
char *labels_fold(const char *text, char sep)
{
	g_autofree char *valid = NULL;
	g_autofree char *nfkd = NULL;
	g_autofree char *folded = NULL;
	GString *out;
	gboolean gap = FALSE;
	char *latin;

	if (labels_is_ascii(text))
		return labels_fold_ascii(text, sep);
	if ((latin = labels_fold_latin(text, sep)) != NULL)
		return latin;
	valid = g_utf8_make_valid(text, -1);
	nfkd = g_utf8_normalize(valid, -1, G_NORMALIZE_ALL);
	folded = g_utf8_casefold(nfkd != NULL ? nfkd : valid, -1);
	out = g_string_new(NULL);
	labels_fold_add(out, folded, sep, &gap);
	return g_string_free(out, FALSE);
}
