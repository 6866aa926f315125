/* test-mailer.c - reply tokens (mailer/token.c) and the masks of withheld
 * values (mailer/mask.c).  Composing is tested in test-compose.c and
 * test-templates.c, sending in test-sender.c. */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gmime/gmime.h>

#include "lead/lead.h"
#include "lead/log.h"
#include "lead/lr-error.h"
#include "mailer/compose.h"
#include "mailer/mimetype.h"
#include "mailer/sender.h"
#include "mailer/token.h"
#include "queue/queue.h"
#include "tests/mailer-fixture.h"

/* ---- Tokens ---- */

/* test_token_roundtrip - tokens of many ids verify and peek back. */
static void test_token_roundtrip(void)
{
	static const struct {
		guint64 lead;
		guint32 asg;
		const char *user;
	} cases[] = {
	    {1, 0, "anna"},    {42, 1, "erik"},         {127, 127, "b"},
	    {128, 128, "x.y"}, {1700000000, 3, "dana"}, {G_MAXUINT64, G_MAXUINT32, "max"},
	    {0, 0, ""},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *t = token_make(SECRET, cases[i].lead, cases[i].asg, cases[i].user);
		guint64 lead = 99;
		guint32 asg = 99;

		g_assert_cmpuint(strspn(t, "abcdefghijklmnopqrstuvwxyz234567"), ==, strlen(t));
		g_assert_cmpuint(strlen(t), <=, TOKEN_MAX_LEN);
		g_assert_true(token_verify(SECRET, t, cases[i].user, &lead, &asg));
		g_assert_cmpuint(lead, ==, cases[i].lead);
		g_assert_cmpuint(asg, ==, cases[i].asg);
		lead = asg = 99;
		g_assert_true(token_peek(t, &lead, &asg));
		g_assert_cmpuint(lead, ==, cases[i].lead);
		g_assert_cmpuint(asg, ==, cases[i].asg);
	}
}

/* test_token_tamper - changing any one character breaks the token. */
static void test_token_tamper(void)
{
	g_autofree char *t = token_make(SECRET, 4242, 2, "anna");

	for (gsize i = 0; t[i]; i++) {
		for (const char *c = "a7q"; *c; c++) {
			g_autofree char *bad = g_strdup(t);

			if (bad[i] == *c)
				continue;
			bad[i] = *c;
			g_assert_false(token_verify(SECRET, bad, "anna", NULL, NULL));
		}
	}
}

/* test_token_wrong - another user, another secret, another assignment. */
static void test_token_wrong(void)
{
	g_autofree char *t = token_make(SECRET, 42, 1, "anna");
	g_autofree char *t2 = token_make(SECRET, 42, 2, "anna");
	static const char other[] = "fedcba9876543210fedcba9876543210";

	g_assert_true(token_verify(SECRET, t, "anna", NULL, NULL));
	g_assert_false(token_verify(SECRET, t, "ben", NULL, NULL));
	g_assert_false(token_verify(SECRET, t, "ann", NULL, NULL));
	g_assert_false(token_verify(SECRET, t, "annaa", NULL, NULL));
	g_assert_false(token_verify(other, sizeof other - 1, t, "anna", NULL, NULL));
	g_assert_cmpstr(t, !=, t2);
}

/* test_token_user - a user's command token: the user's alone, rotated with
 * the secret, never a reply token, case-insensitive, any change breaks it. */
static void test_token_user(void)
{
	static const char other[] = "another-secret-of-32-bytes-long!";
	g_autofree char *t = token_user_make(SECRET, "anna");
	g_autofree char *upper = g_ascii_strup(t, -1);
	g_autofree char *rotated = token_user_make(other, sizeof other - 1, "anna");

	g_assert_true(g_str_has_prefix(t, "u-"));
	g_assert_cmpuint(strlen(t), ==, 18);
	g_assert_true(token_is_user(t));
	g_assert_true(token_user_verify(SECRET, t, "anna"));
	g_assert_true(token_user_verify(SECRET, upper, "anna"));
	g_assert_false(token_user_verify(SECRET, t, "ben"));
	g_assert_false(token_user_verify(other, sizeof other - 1, t, "anna"));
	g_assert_cmpstr(t, !=, rotated);
	g_assert_false(token_peek(t, NULL, NULL));
	g_assert_false(token_verify(SECRET, t, "anna", NULL, NULL));
	g_assert_false(token_user_verify(SECRET, t + 2, "anna"));
	for (gsize i = 2; t[i]; i++) {
		g_autofree char *bad = g_strdup(t);
		bad[i] = bad[i] == 'a' ? 'b' : 'a';
		g_assert_false(token_user_verify(SECRET, bad, "anna"));
	}
	g_assert_false(token_user_verify(SECRET, NULL, "anna"));
	g_assert_false(token_is_user(NULL));
}

/* test_token_case - a local part upper-cased by a mail system still works. */
static void test_token_case(void)
{
	g_autofree char *t = token_make(SECRET, 31337, 4, "erik");
	g_autofree char *upper = g_ascii_strup(t, -1);
	guint64 lead = 0;

	g_assert_cmpstr(t, !=, upper);
	g_assert_true(token_verify(SECRET, upper, "erik", &lead, NULL));
	g_assert_cmpuint(lead, ==, 31337);
}

/* test_token_garbage - malformed tokens are refused, never crash. */
static void test_token_garbage(void)
{
	static const char *const bad[] = {
	    "",
	    "a",
	    "k2p7r4w9xa",
	    "lead+abc",
	    "!!!!",
	    "aaaaaaaaaaaaaaaaaaaaa",
	    "7777777777777777777777777777777777777777777777777777777777",
	    "ab=cd",
	    "abc def",
	};
	g_autofree char *t = token_make(SECRET, 42, 1, "anna");
	g_autofree char *longer = g_strconcat(t, "a", NULL);
	g_autofree char *shorter = g_strndup(t, strlen(t) - 1);

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_assert_false(token_peek(bad[i], NULL, NULL));
		g_assert_false(token_verify(SECRET, bad[i], "anna", NULL, NULL));
	}
	g_assert_false(token_peek(NULL, NULL, NULL));
	g_assert_false(token_verify(SECRET, longer, "anna", NULL, NULL));
	g_assert_false(token_verify(SECRET, shorter, "anna", NULL, NULL));
}

/* test_token_secret - a missing secret is made 0600 where it is configured
 * (the fallback only without one), once, and kept; a secret group or
 * others may read, or a short one, is refused. */
static void test_token_secret(void)
{
	g_autofree char *dir = g_dir_make_tmp("lr-mailer-XXXXXX", NULL);
	g_autofree char *fallback = g_build_filename(dir, "secret", NULL);
	g_autofree char *given = g_build_filename(dir, "given", NULL);
	g_autofree char *shortf = g_build_filename(dir, "short", NULL);
	g_autoptr(GBytes) a = NULL, b = NULL, c = NULL, d = NULL, e = NULL;
	g_autoptr(GError) error = NULL;
	GStatBuf st;

	a = token_secret_load(NULL, fallback, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(g_bytes_get_size(a), ==, TOKEN_SECRET_SIZE);
	g_assert_cmpint(g_stat(fallback, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0600);
	g_assert_true(token_secret_check(given, &error)); /* missing: it will be made */
	b = token_secret_load(given, fallback, &error);   /* given is missing: made there */
	g_assert_no_error(error);
	g_assert_cmpint(g_stat(given, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0600);
	g_assert_cmpuint(g_bytes_get_size(b), ==, TOKEN_SECRET_SIZE);
	g_assert_false(g_bytes_equal(a, b));
	c = token_secret_load(given, fallback, &error); /* kept */
	g_assert_no_error(error);
	g_assert_true(g_bytes_equal(b, c));
	g_clear_pointer(&c, g_bytes_unref);
	g_assert_true(g_file_set_contents(given, "a secret of 24 bytes....", -1, NULL));
	g_assert_cmpint(g_chmod(given, 0640), ==, 0);
	c = token_secret_load(given, fallback, &error); /* group may read it */
	g_assert_null(c);
	g_assert_error(error, LR_ERROR, LR_ERROR_CONFIG);
	g_assert_nonnull(strstr(error->message, "group or others"));
	g_clear_error(&error);
	g_assert_false(token_secret_check(given, &error));
	g_clear_error(&error);
	g_assert_cmpint(g_chmod(given, 0604), ==, 0);
	g_assert_false(token_secret_check(given, &error)); /* others may read it */
	g_clear_error(&error);
	g_assert_cmpint(g_chmod(given, 0600), ==, 0);
	g_assert_true(token_secret_check(given, &error));
	c = token_secret_load(given, fallback, &error);
	g_assert_no_error(error);
	g_assert_cmpmem(g_bytes_get_data(c, NULL), g_bytes_get_size(c), "a secret of 24 bytes....",
	                24);
	g_assert_true(g_file_set_contents(shortf, "short", -1, NULL));
	g_assert_cmpint(g_chmod(shortf, 0600), ==, 0);
	d = token_secret_load(shortf, fallback, &error);
	g_assert_null(d);
	g_assert_error(error, LR_ERROR, LR_ERROR_CONFIG);
	g_clear_error(&error);
	g_assert_false(token_secret_check(shortf, &error));
	g_clear_error(&error);
	e = token_secret_load(dir, NULL, &error); /* not a regular file */
	g_assert_null(e);
	g_assert_error(error, LR_ERROR, LR_ERROR_CONFIG);
	g_unlink(fallback);
	g_unlink(given);
	g_unlink(shortf);
	g_rmdir(dir);
}

/* ---- Masks ---- */

/* test_mask - masks keep the shape and hide the value. */
static void test_mask(void)
{
	static const char *const cases[][3] = {
	    {"phone", "+49 30 1234582", "+49 •••• ••82"},
	    {"email", "anna@example.com", "a•••@example.com"},
	    {"email", "Ærø@example.dk", "Æ•••@example.dk"},
	    {"mobile", "0171 5551234", "•••• ••34"},
	    {"phone", "12", "•••• ••••"},
	    {"name", "Anna Berger", "A••• B•••"},
	    {"street", "  Hauptstraße 5 ", "H••• 5•••"},
	    {"company", "", ""},
	    {"fax", "+1 (555) 010-9999", "+1 •••• ••99"},
	    {"custom", "+44 20 7946 0958", "+44 •••• ••58"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *m = mailer_mask(cases[i][0], cases[i][1]);

		g_assert_cmpstr(m, ==, cases[i][2]);
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_mime_init();
	lr_log_open("test-mailer", TRUE);
	g_test_add_func("/token/roundtrip", test_token_roundtrip);
	g_test_add_func("/token/tamper", test_token_tamper);
	g_test_add_func("/token/wrong", test_token_wrong);
	g_test_add_func("/token/case", test_token_case);
	g_test_add_func("/token/user", test_token_user);
	g_test_add_func("/token/garbage", test_token_garbage);
	g_test_add_func("/token/secret", test_token_secret);
	g_test_add_func("/mailer/mask", test_mask);
	return g_test_run();
}
