/* rules-fixture.h - what the rules tests (test-rules.c, test-route.c)
 * share: files in a temporary folder (tests/rules-fixture.c). */
#ifndef LR_TESTS_RULES_FIXTURE_H
#define LR_TESTS_RULES_FIXTURE_H

/* write_file - write text to dir/name (folders made as needed). */
void write_file(const char *dir, const char *name, const char *text);

/* remove_tree - delete a temporary folder. */
void remove_tree(const char *dir);

#endif
