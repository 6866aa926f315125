/* test-source-state.c - the mailbox sources' records (queue/source-state.c)
 * and their configuration (rules/sources.c). */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "intake/store.h"
#include "lead/lr-error.h"
#include "queue/queue.h"
#include "rules/sources.h"

typedef struct {
	char *home;
	LrQueue *q;
} Fixture;

/* fixture_setup - a fresh store. */
static void fixture_setup(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;

	(void)data;
	f->home = g_dir_make_tmp("lr-srcstate-XXXXXX", &error);
	g_assert_no_error(error);
	f->q = queue_open(f->home, TRUE, &error);
	g_assert_no_error(error);
}

/* fixture_teardown - close and delete. */
static void fixture_teardown(Fixture *f, gconstpointer data)
{
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", f->home);

	(void)data;
	queue_close(f->q);
	g_assert_cmpint(system(cmd), ==, 0);
	g_free(f->home);
}

/* store_as - store text under ukey of source "s"; returns the lead id. */
static guint64 store_as(Fixture *f, const char *ukey, const char *text, gboolean *dup)
{
	g_autoptr(GBytes) raw = g_bytes_new(text, strlen(text));
	g_autoptr(GError) error = NULL;
	LrSourceItem it = {{0}, ukey};
	guint64 id;

	g_assert_true(intake_item_prepare(&it.item, raw, "", "leads+s@x.test", 0, &error));
	g_assert_true(queue_source_store(f->q, "s", &it, 1, &error));
	g_assert_no_error(error);
	*dup = it.item.duplicate;
	id = it.item.lead_id;
	intake_item_clear(&it.item);
	return id;
}

#define MSG_A "Message-ID: <a@x.test>\r\nFrom: a@x.test\r\nSubject: a\r\n\r\nhello\r\n"
#define MSG_B "Message-ID: <b@x.test>\r\nFrom: b@x.test\r\nSubject: b\r\n\r\nhello\r\n"

/* test_ids_dense - a mailbox batch whose transaction is retried after
 * deadlocks keeps the lead ids it took: the next lead follows on. */
static void test_ids_dense(Fixture *f, gconstpointer data)
{
	gboolean dup;

	(void)data;
	queue_test_deadlocks(f->q, 3);
	g_assert_cmpuint(store_as(f, "v1/1", MSG_A, &dup), ==, 1);
	g_assert_cmpuint(store_as(f, "v1/2", MSG_B, &dup), ==, 2);
}

/* test_store_once - a lead and its record together; the record keeps the
 * same UID from being stored again; a new UIDVALIDITY finds the earlier
 * lead by Message-ID; pending lists what waits for its action. */
static void test_store_once(Fixture *f, gconstpointer data)
{
	gboolean dup, seen;
	g_auto(GStrv) pending = NULL, after = NULL;
	const char *done[] = {"v1/1", NULL};
	guint64 a = store_as(f, "v1/1", MSG_A, &dup);

	(void)data;
	g_assert_false(dup);
	g_assert_true(queue_source_seen(f->q, "s", "v1/1", &seen, NULL) && seen);
	g_assert_true(queue_source_seen(f->q, "s", "v1/2", &seen, NULL) && !seen);
	g_assert_cmpuint(store_as(f, "v1/1", MSG_A, &dup), ==, a);
	g_assert_true(dup);
	g_assert_cmpuint(store_as(f, "v2/7", MSG_A, &dup), ==, a); /* new UIDVALIDITY */
	g_assert_true(dup);
	g_assert_cmpuint(queue_lead_count(f->q, NULL), ==, 1);
	g_assert_cmpuint(store_as(f, "v1/2", MSG_B, &dup), !=, a);
	g_assert_cmpuint(queue_lead_count(f->q, NULL), ==, 2);
	pending = queue_source_pending(f->q, "s", NULL);
	g_assert_cmpuint(g_strv_length(pending), ==, 3);
	g_assert_true(queue_source_done(f->q, "s", done, NULL));
	after = queue_source_pending(f->q, "s", NULL);
	g_assert_cmpuint(g_strv_length(after), ==, 2);
	g_assert_false(g_strv_contains((const char *const *)after, "v1/1"));
}

/* test_failures - the failure count grows per ukey, durably (the store
 * closed and opened again keeps it), can be set, and is dropped when the
 * message is stored at last. */
static void test_failures(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	gboolean dup;
	guint n = 99;

	(void)data;
	g_assert_true(queue_source_failures(f->q, "s", "v1/9", &n, &error) && n == 0);
	g_assert_cmpuint(queue_source_failed(f->q, "s", "v1/9", NULL), ==, 1);
	g_assert_cmpuint(queue_source_failed(f->q, "s", "v1/9", NULL), ==, 2);
	g_assert_cmpuint(queue_source_failed(f->q, "s", "v1/8", NULL), ==, 1);
	queue_close(f->q);
	f->q = queue_open(f->home, TRUE, &error);
	g_assert_no_error(error);
	g_assert_true(queue_source_failures(f->q, "s", "v1/9", &n, &error) && n == 2);
	g_assert_true(queue_source_failures(f->q, "t", "v1/9", &n, &error) && n == 0);
	g_assert_true(queue_source_set_failures(f->q, "s", "v1/9", 7, &error));
	g_assert_true(queue_source_failures(f->q, "s", "v1/9", &n, &error) && n == 7);
	g_assert_true(queue_source_set_failures(f->q, "s", "v1/9", 0, &error));
	g_assert_true(queue_source_failures(f->q, "s", "v1/9", &n, &error) && n == 0);
	store_as(f, "v1/8", MSG_A, &dup);
	g_assert_true(queue_source_failures(f->q, "s", "v1/8", &n, &error) && n == 0);
	g_assert_no_error(error);
}

/* test_lock - a second holder of one source's lock is refused; another
 * source, or the same after release, is not. */
static void test_lock(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	int a = queue_source_lock(f->home, "s", NULL), b;

	(void)data;
	g_assert_cmpint(a, >=, 0);
	/* flock locks belong to the open file: a second open conflicts. */
	b = queue_source_lock(f->home, "s", &error);
	g_assert_cmpint(b, ==, -1);
	g_assert_error(error, LR_ERROR, LR_ERROR_TEMP);
	b = queue_source_lock(f->home, "t", NULL);
	g_assert_cmpint(b, >=, 0);
	close(b);
	close(a);
	b = queue_source_lock(f->home, "s", NULL);
	g_assert_cmpint(b, >=, 0);
	close(b);
}

/* test_urls - source URLs and folder names. */
static void test_urls(void)
{
	LrSource s = {0};
	g_autofree char *why = NULL;

	g_assert_true(
	    lr_source_parse_url(&s, "imaps://leads%40acme.test@imap.acme.test/Leads", &why));
	g_assert_cmpint(s.kind, ==, LR_SOURCE_IMAP);
	g_assert_cmpint(s.tls, ==, LR_TLS_IMPLICIT);
	g_assert_cmpuint(s.port, ==, 993);
	g_assert_cmpstr(s.user, ==, "leads@acme.test");
	g_assert_cmpstr(s.host, ==, "imap.acme.test");
	g_assert_cmpstr(s.folder, ==, "Leads");
	g_clear_pointer(&s.user, g_free);
	g_clear_pointer(&s.host, g_free);
	g_clear_pointer(&s.folder, g_free);
	g_assert_true(lr_source_parse_url(&s, "pop3://u@h:1110", &why));
	g_assert_cmpint(s.tls, ==, LR_TLS_STARTTLS);
	g_assert_cmpuint(s.port, ==, 1110);
	g_clear_pointer(&s.user, g_free);
	g_clear_pointer(&s.host, g_free);
	g_clear_pointer(&s.folder, g_free);
	g_assert_false(lr_source_parse_url(&s, "imap://h/INBOX", &why)); /* no user */
	g_clear_pointer(&why, g_free);
	g_assert_false(lr_source_parse_url(&s, "imap://u@h:99999", &why));
	g_clear_pointer(&s.user, g_free);
	g_assert_false(lr_source_folder_ok("a*"));
	g_assert_false(lr_source_folder_ok(""));
	g_assert_true(lr_source_folder_ok("Leads/Processed"));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add("/source-state/ids-dense", Fixture, NULL, fixture_setup, test_ids_dense,
	           fixture_teardown);
	g_test_add("/source-state/store-once", Fixture, NULL, fixture_setup, test_store_once,
	           fixture_teardown);
	g_test_add("/source-state/failures", Fixture, NULL, fixture_setup, test_failures,
	           fixture_teardown);
	g_test_add("/source-state/lock", Fixture, NULL, fixture_setup, test_lock, fixture_teardown);
	g_test_add_func("/sources/urls", test_urls);
	return g_test_run();
}
