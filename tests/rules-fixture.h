/* rules-fixture.h - what the rules tests (test-rules.c, test-route.c,
 * test-route-digest.c) share: files in a temporary folder, a state store (tests/rules-fixture.c). */
#ifndef LR_TESTS_RULES_FIXTURE_H
#define LR_TESTS_RULES_FIXTURE_H

#include <glib.h>

/* A caller's state store, as the daemon keeps one in the queue:
 * rotation positions, absences, open leads (the tests own the tables). */
typedef struct {
	GHashTable *rr;   /* key -> guint64 * */
	GHashTable *away; /* user -> gint64 * */
	GHashTable *open; /* user -> count */
} Store;

/* store_rr_get, store_rr_set, store_open, store_away - the router's
 * state callbacks over a Store (data). */
guint64 store_rr_get(gpointer data, const char *key);
void store_rr_set(gpointer data, const char *key, guint64 value);
guint store_open(gpointer data, const char *user);
gint64 store_away(gpointer data, const char *user);

/* write_file - write text to dir/name (folders made as needed). */
void write_file(const char *dir, const char *name, const char *text);

/* remove_tree - delete a temporary folder. */
void remove_tree(const char *dir);

#endif
