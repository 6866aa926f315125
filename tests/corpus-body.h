/* corpus-body.h - the body of a corpus message and its expect file, for
 * the HTML and ADF tests (tests/corpus-body.c). */
#ifndef LR_TESTS_CORPUS_BODY_H
#define LR_TESTS_CORPUS_BODY_H

/* corpus_body - the body (after the header) of corpus message name
 * (inquiries/NAME.eml) and its expect file into *expect, or NULL (and the
 * test failed) when the corpus or the message is not there.  New strings. */
char *corpus_body(const char *name, char **expect);

#endif
