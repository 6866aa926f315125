/* corpus.h - where the GTest programs find the test corpus.
 *
 * The corpus lives in the tree and in the distribution as tests/corpus/
 * (see its README.md); LR_CORPUS, set by make check, may point elsewhere.
 * A missing corpus fails the test that needs it: a clone or a tarball
 * without it must not pass by testing less. */
#ifndef LR_TEST_CORPUS_H
#define LR_TEST_CORPUS_H

#include <glib.h>

/* lr_test_corpus_path - $LR_CORPUS/sub, or the configured source tree's
 * tests/corpus/sub when LR_CORPUS is unset.  Returns a new string; when
 * that folder does not exist, marks the running test failed (with the path
 * in its message) and returns NULL. */
static inline char *lr_test_corpus_path(const char *sub)
{
	const char *corpus = g_getenv("LR_CORPUS");
	char *dir;

	if (corpus == NULL || *corpus == '\0')
		dir = g_build_filename(LR_SRCDIR, "tests", "corpus", sub, NULL);
	else
		dir = g_build_filename(corpus, sub, NULL);
	if (g_file_test(dir, G_FILE_TEST_IS_DIR))
		return dir;
	g_test_message("corpus folder %s not found (set LR_CORPUS or restore tests/corpus)", dir);
	g_test_fail();
	g_free(dir);
	return NULL;
}

#endif
