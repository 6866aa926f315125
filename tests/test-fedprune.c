/* test-fedprune.c - the federation's replay keys (fedx:*) pruned on a real
 * store, through the router that writes them: a lead exchange from peer
 * north is obeyed and leaves its key; fed_replay_prune, in batches of two,
 * deletes the keys first seen longer than the freshness window ago,
 * keeps the fresh ones and every other state key, stamps an old-style key
 * that has no time (so it goes a window later); a replay of the obeyed
 * exchange inside the window is still refused after the prune, and one
 * after the window is refused by its signature's age. */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "federation/exchange.h"
#include "intake/store.h"
#include "lead/lr-error.h"
#include "queue/queue.h"
#include "router/fedprune.h"
#include "router/router.h"
#include "rules/load.h"

#define SECRET "0123456789abcdef0123456789abcdef"
#define WINDOW ((gint64)(FED_MAX_AGE + FED_MAX_SKEW))

typedef struct {
	char *dir, *conf;
	LrQueue *q;
	gint64 now; /* seconds */
} Fixture;

/* write_file - text into dir/name, private. */
static char *write_file(const char *dir, const char *name, const char *text)
{
	char *path = g_build_filename(dir, name, NULL);

	g_assert_true(g_file_set_contents(path, text, -1, NULL));
	g_assert_cmpint(g_chmod(path, 0600), ==, 0);
	return path;
}

/* fixture_set_up - a store, templates, this server "hq" and its peer. */
static void fixture_set_up(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *home = NULL, *secret = NULL, *peer = NULL, *text = NULL, *cmd = NULL;

	(void)data;
	f->dir = g_dir_make_tmp("test-fedprune-XXXXXX", &error);
	g_assert_no_error(error);
	home = g_build_filename(f->dir, "home", NULL);
	g_assert_cmpint(g_mkdir(home, 0700), ==, 0);
	secret = write_file(f->dir, "secret", SECRET);
	peer = write_file(f->dir, "north.secret", SECRET "\n");
	cmd = g_strdup_printf("mkdir -p '%s/templates' && cp '%s'/templates/*.txt "
	                      "'%s'/templates/*.html '%s/templates/'",
	                      f->dir, LR_SRCDIR, LR_SRCDIR, f->dir);
	g_assert_cmpint(system(cmd), ==, 0);
	text = g_strdup_printf(
	    "server: { name = \"hq\"; home = \"%s\"; templates = \"%s/templates\";\n"
	    "  secret_file = \"%s\"; domain = \"leads.test\"; from = \"Desk <desk@leads.test>\"; };\n"
	    "users = ( { id = \"dana\"; name = \"Dana\"; email = \"dana@x.test\"; role = "
	    "\"admin\"; } );\n"
	    "servers = ( { id = \"north\"; secret_file = \"%s\"; } );\n"
	    "rules = ( { name = \"all\"; route = \"dana\"; } );\n",
	    home, f->dir, secret, peer);
	g_free(write_file(f->dir, "leadroute.conf", text));
	f->conf = g_build_filename(f->dir, "leadroute.conf", NULL);
	f->q = queue_open(home, TRUE, &error);
	g_assert_no_error(error);
	f->now = g_get_real_time() / G_USEC_PER_SEC;
}

/* fixture_tear_down - close and remove. */
static void fixture_tear_down(Fixture *f, gconstpointer data)
{
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", f->dir);

	(void)data;
	queue_close(f->q);
	g_assert_cmpint(system(cmd), ==, 0);
	g_free(f->dir);
	g_free(f->conf);
}

/* exchange_mail - north's signed lead exchange (made at t) as a mail
 * with Message-ID <mid>: what a replay repeats is the document and its
 * signature, under any Message-ID. */
static GBytes *exchange_mail(gint64 t, const char *mid)
{
	g_autoptr(FedExchange) x = fed_exchange_new(FED_LEAD);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) xml = NULL, key = g_bytes_new_static(SECRET, 32);
	g_autofree char *sig = NULL, *b64 = NULL, *text = NULL;

	x->id = g_strdup("lead.north.7.1");
	x->from = g_strdup("north");
	x->to = g_strdup("hq");
	x->at = t * G_USEC_PER_SEC;
	x->origin_server = g_strdup("north");
	x->origin_lead = 7;
	x->assignment = 1;
	x->received = x->at;
	x->source = g_strdup("web");
	g_ptr_array_add(x->chain, g_strdup("north"));
	fed_exchange_add_field(x, "name", "Ann Example");
	xml = fed_exchange_build(x, &error);
	g_assert_no_error(error);
	sig = fed_sign(key, "north", t, xml);
	b64 = g_base64_encode(g_bytes_get_data(xml, NULL), g_bytes_get_size(xml));
	text = g_strdup_printf("From: desk@north.test\r\nTo: fed@leads.test\r\n"
	                       "Subject: [leadroute lead] lead 7 from north\r\n"
	                       "Message-ID: <%s>\r\n%s: %s\r\nMIME-Version: 1.0\r\n"
	                       "Content-Type: %s\r\nContent-Transfer-Encoding: base64\r\n\r\n%s\r\n",
	                       mid, FED_SIG_HEADER, sig, FED_MIME_TYPE, b64);
	return g_bytes_new(text, strlen(text));
}

/* deliver - store raw and let a router at time now (s) do its jobs;
 * the record's id. */
static guint64 deliver(Fixture *f, GBytes *raw, gint64 now)
{
	const char *rcpts[] = {"fed@leads.test", NULL};
	g_autoptr(GError) error = NULL;
	gboolean dup = FALSE;
	guint64 id = 0;
	LrRouter *r;

	g_assert_true(intake_store(f->q, raw, "desk@north.test", rcpts, 0, &id, &dup, &error));
	g_assert_no_error(error);
	g_assert_false(dup);
	r = router_new(f->q, lr_config_load(f->conf, &error), &error);
	g_assert_no_error(error);
	router_fix_time(r, now * G_USEC_PER_SEC);
	for (int i = 0; i < 10 && router_run_once(r, &error); i++)
		;
	g_assert_no_error(error);
	router_free(r);
	return id;
}

/* reason_of - a record's status and reason, "status: reason" (new). */
static char *reason_of(Fixture *f, guint64 id)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(LrLead) lead = queue_lead_get(f->q, NULL, id, &error);

	g_assert_no_error(error);
	g_assert_nonnull(lead);
	return g_strdup_printf("%s: %s", lead->status, lead->reason ? lead->reason : "");
}

/* put_state - set named values, key then value, NULL-terminated. */
static gboolean put_txn(LrTxn *txn, gpointer data, GError **error)
{
	const char *const *kv = data;

	for (int i = 0; kv[i]; i += 2)
		if (!queue_state_put(txn, kv[i], kv[i + 1], error))
			return FALSE;
	return TRUE;
}

/* state - a named value now (new), or NULL. */
static char *state(Fixture *f, const char *key)
{
	char *value = NULL;
	g_autoptr(GError) error = NULL;

	queue_state_get(f->q, NULL, key, &value, &error);
	g_assert_no_error(error);
	if (value != NULL)
		g_test_queue_free(value); /* freed when the case ends */
	return value;
}

/* prune_all - a whole pass in batches of two at now (s); pruned keys. */
static guint prune_all(Fixture *f, gint64 now, guint *batches)
{
	g_autofree char *cursor = NULL;
	guint total = 0;

	*batches = 0;
	do {
		g_autoptr(GError) error = NULL;
		guint pruned = 0;

		g_assert_true(fed_replay_prune(f->q, now * G_USEC_PER_SEC, 2, &cursor, &pruned,
		                               &error));
		g_assert_no_error(error);
		total += pruned;
		(*batches)++;
		g_assert_cmpuint(*batches, <, 10);
	} while (cursor != NULL);
	return total;
}

/* test_prune - stale keys go, fresh ones and others stay, replays refused. */
static void test_prune(Fixture *f, gconstpointer data)
{
	g_autoptr(GBytes) raw = exchange_mail(f->now, "fed.lead.north.7.1@north.test");
	g_autoptr(GBytes) again = exchange_mail(f->now, "replay-1@evil.test");
	g_autoptr(GBytes) later = exchange_mail(f->now, "replay-2@evil.test");
	g_autofree char *stale = g_strdup_printf("5 %" G_GINT64_FORMAT, f->now - WINDOW - 1);
	g_autofree char *edge = g_strdup_printf("6 %" G_GINT64_FORMAT, f->now - WINDOW);
	const char *kv[] = {"fedx:north:old.1", stale, "fedx:west:old.2", stale,
	                    "fedx:west:edge",   edge,  "fedx:north:legacy", "8",
	                    "fedlead:north:7:9", "12", "fedy:x", stale, NULL};
	g_autoptr(GError) error = NULL;
	g_autofree char *obeyed = NULL, *refused = NULL, *aged = NULL, *stamp = NULL;
	g_autofree char *seen = NULL, *key = NULL;
	guint64 id;
	guint batches = 0;

	(void)data;
	id = deliver(f, raw, f->now);
	obeyed = reason_of(f, id);
	g_assert_cmpstr(obeyed, ==, "offered: ");
	seen = g_strdup_printf("%" G_GUINT64_FORMAT " %" G_GINT64_FORMAT, id, f->now);
	key = g_strdup(state(f, "fedx:north:lead.north.7.1"));
	g_assert_cmpstr(key, ==, seen); /* the record's id and when it was seen */
	g_assert_true(queue_run(f->q, put_txn, kv, &error));
	g_assert_no_error(error);

	/* Six fedx keys in batches of two: the two stale ones go. */
	g_assert_cmpuint(prune_all(f, f->now, &batches), ==, 2);
	g_assert_cmpuint(batches, >=, 3);
	g_assert_null(state(f, "fedx:north:old.1"));
	g_assert_null(state(f, "fedx:west:old.2"));
	g_assert_cmpstr(state(f, "fedx:west:edge"), ==, edge);
	g_assert_nonnull(state(f, "fedx:north:lead.north.7.1"));
	g_assert_cmpstr(state(f, "fedlead:north:7:9"), ==, "12");
	g_assert_cmpstr(state(f, "fedy:x"), ==, stale);
	stamp = g_strdup_printf("8 %" G_GINT64_FORMAT, f->now);
	g_assert_cmpstr(state(f, "fedx:north:legacy"), ==, stamp);

	/* The replay inside the window is still refused. */
	refused = reason_of(f, deliver(f, again, f->now + 60));
	g_assert_cmpstr(refused, ==, "not-lead: exchange refused: replayed exchange (already obeyed)");

	/* A window later every key goes; a replay then is refused as too old. */
	g_assert_cmpuint(prune_all(f, f->now + WINDOW + 1, &batches), ==, 3);
	g_assert_null(state(f, "fedx:north:lead.north.7.1"));
	g_assert_null(state(f, "fedx:north:legacy"));
	g_assert_cmpstr(state(f, "fedy:x"), ==, stale);
	aged = reason_of(f, deliver(f, later, f->now + WINDOW + 1));
	g_assert_cmpstr(aged, ==, "not-lead: exchange refused: signature older than a day");
}

/* test_empty - a store with no replay keys: one batch, nothing done. */
static void test_empty(Fixture *f, gconstpointer data)
{
	guint batches = 0;

	(void)data;
	g_assert_cmpuint(prune_all(f, f->now, &batches), ==, 0);
	g_assert_cmpuint(batches, ==, 1);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add("/fedprune/prune", Fixture, NULL, fixture_set_up, test_prune,
	           fixture_tear_down);
	g_test_add("/fedprune/empty", Fixture, NULL, fixture_set_up, test_empty,
	           fixture_tear_down);
	return g_test_run();
}
