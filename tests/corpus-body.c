/* corpus-body.c - the body of a corpus message (corpus-body.h). */
#include "tests/corpus.h"
#include "config.h"

#include <string.h>

#include <glib.h>

#include "tests/corpus-body.h"

/* corpus_body - the body (after the header) of a corpus message, or NULL
 * (and the test failed) when the corpus or the message is not there. */
char *corpus_body(const char *name, char **expect)
{
	g_autofree char *dir = lr_test_corpus_path("inquiries");
	g_autofree char *eml = NULL;
	g_autofree char *exp = NULL;
	g_autofree char *data = NULL;
	g_autoptr(GError) error = NULL;
	const char *body;

	if (dir == NULL)
		return NULL;
	eml = g_strdup_printf("%s/%s.eml", dir, name);
	exp = g_strdup_printf("%s/%s.expect", dir, name);
	if (!g_file_get_contents(eml, &data, NULL, &error) ||
	    !g_file_get_contents(exp, expect, NULL, &error)) {
		g_test_message("corpus message %s: %s", name, error->message);
		g_test_fail();
		return NULL;
	}
	body = strstr(data, "\n\n");
	g_assert_nonnull(body);
	return g_strdup(body + 2);
}
