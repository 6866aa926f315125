/* suggest.c - "did you mean" for misspelt configuration words. */
#include "config.h"

#include <string.h>

#include "rules/suggest.h"

/* distance - edit distance of a and b (case-insensitive), capped at 9. */
static guint distance(const char *a, const char *b)
{
	gsize n = strlen(a), m = strlen(b);
	g_autofree guint *row = NULL;

	if (n > 64 || m > 64 || (n > m ? n - m : m - n) > 3)
		return 9;
	row = g_new(guint, m + 1);
	for (gsize j = 0; j <= m; j++)
		row[j] = j;
	for (gsize i = 1; i <= n; i++) {
		guint diag = row[0];
		row[0] = i;
		for (gsize j = 1; j <= m; j++) {
			guint up = row[j];
			guint cost = g_ascii_tolower(a[i - 1]) != g_ascii_tolower(b[j - 1]);
			row[j] = MIN(MIN(row[j] + 1, row[j - 1] + 1), diag + cost);
			diag = up;
		}
	}
	return MIN(row[m], 9);
}

/* suggest_word - the likeliest intended word. */
const char *suggest_word(const char *word, const char *const *known)
{
	guint limit = strlen(word) <= 5 ? 1 : 2, best = limit + 1;
	const char *guess = NULL;

	for (int i = 0; known[i] != NULL; i++) {
		guint d = distance(word, known[i]);
		if (d > 0 && d < best)
			best = d, guess = known[i];
	}
	return guess;
}
