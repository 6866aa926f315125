/* test-mailer.c - reply tokens, masks, composing notifications from the
 * shipped templates (re-parsed with GMime), and the sender against a real
 * Postfix smtp-sink on loopback, with and without the outbox. */
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

G_DEFINE_AUTOPTR_CLEANUP_FUNC(GMimeMessage, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GMimeStream, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GMimeParser, g_object_unref)

static const char secret[] = "0123456789abcdef0123456789abcdef";
#define SECRET secret, sizeof secret - 1

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

/* ---- Composing ---- */

/* templates_dir - the shipped templates in the source tree. */
static const char *templates_dir(void)
{
	static char *dir;

	if (dir == NULL)
		dir = g_build_filename(g_getenv("LR_SRCDIR") ? g_getenv("LR_SRCDIR") : LR_SRCDIR,
		                       "templates", NULL);
	return dir;
}

/* sample_config - the mailer configuration of these tests. */
static LrMailerConfig sample_config(void)
{
	LrMailerConfig config = {templates_dir(), "Lead Desk <leads@acme.example>",
	                         "leads.acme.example", "hq"};

	return config;
}

/* sample_lead - lead 42 with a few fields. */
static LrLead *sample_lead(void)
{
	LrLead *lead = lead_new();

	lead->id = 42;
	lead->priority = 55;
	lead_set_str(&lead->subject, "Pumps for the Berlin plant");
	lead_set_str(&lead->source, "website");
	lead_set_str(&lead->status, LEAD_STATUS_OFFERED);
	lead_field_set(lead, "company", "Nordwind GmbH");
	lead_field_set(lead, "name", "Anna Schmidt");
	lead_field_set(lead, "phone", "+49 30 1234582");
	lead_field_set(lead, "email", "anna.schmidt@nordwind.example");
	lead_field_set(lead, "message", "We need 12 pumps.\nBy March.");
	return lead;
}

/* parse_message - bytes re-parsed with GMime (the test owns the ref). */
static GMimeMessage *parse_message(GBytes *bytes)
{
	gsize len;
	const char *data = g_bytes_get_data(bytes, &len);
	g_autoptr(GMimeStream) stream = g_mime_stream_mem_new_with_buffer(data, len);
	g_autoptr(GMimeParser) parser = g_mime_parser_new_with_stream(stream);
	GMimeMessage *msg = g_mime_parser_construct_message(parser, NULL);

	g_assert_nonnull(msg);
	return msg;
}

/* part_text - the decoded text of the first part of mime type type/subtype
 * that is not an attachment; NULL when there is none. */
static char *part_text(GMimeMessage *msg, const char *type, const char *subtype)
{
	GMimePartIter *iter = g_mime_part_iter_new(GMIME_OBJECT(msg));
	char *text = NULL;

	do {
		GMimeObject *obj = g_mime_part_iter_get_current(iter);
		GMimeContentType *ct = obj ? g_mime_object_get_content_type(obj) : NULL;

		if (ct && GMIME_IS_TEXT_PART(obj) &&
		    g_mime_content_type_is_type(ct, type, subtype) &&
		    !g_mime_part_is_attachment(GMIME_PART(obj))) {
			text = g_mime_text_part_get_text(GMIME_TEXT_PART(obj));
			break;
		}
	} while (g_mime_part_iter_next(iter));
	g_mime_part_iter_free(iter);
	return text;
}

/* compose_ok - compose and assert success. */
static GBytes *compose_ok(const LrLead *lead, const LrNotice *notice, guint seq)
{
	LrMailerConfig config = sample_config();
	g_autoptr(GError) error = NULL;
	GBytes *bytes = mailer_compose(&config, lead, notice, seq, &error);

	g_assert_no_error(error);
	g_assert_nonnull(bytes);
	return bytes;
}

/* test_compose_basic - headers, both alternatives, masked fields, CRLF. */
static void test_compose_basic(void)
{
	static const char *const withheld[] = {"phone", "email", NULL};
	g_autoptr(LrLead) lead = sample_lead();
	g_autofree char *token = token_make(SECRET, 42, 1, "anna");
	LrNotice notice = {.kind = "new-lead",
	                   .to_name = "Anna Berger",
	                   .to_address = "anna@acme.example",
	                   .token = token,
	                   .reason = "country DE, product pumps",
	                   .deadline = "today 16:00",
	                   .withheld = withheld};
	g_autoptr(GBytes) bytes = compose_ok(lead, &notice, 0);
	g_autoptr(GMimeMessage) msg = parse_message(bytes);
	g_autofree char *reply_to = NULL, *to = NULL, *text = NULL, *html = NULL;
	g_autofree char *expect_reply = g_strdup_printf("lead+%s@leads.acme.example", token);
	const char *raw = g_bytes_get_data(bytes, NULL);

	for (const char *p = strchr(raw, '\n'); p; p = strchr(p + 1, '\n'))
		g_assert_cmpint(p[-1], ==, '\r');
	g_assert_cmpstr(g_mime_message_get_subject(msg), ==,
	                "[Lead 42] Pumps for the Berlin plant");
	g_assert_cmpstr(g_mime_message_get_message_id(msg), ==, "lead-42@leads.acme.example");
	g_assert_null(g_mime_object_get_header(GMIME_OBJECT(msg), "In-Reply-To"));
	g_assert_cmpstr(g_mime_object_get_header(GMIME_OBJECT(msg), "Auto-Submitted"), ==,
	                "auto-generated");
	g_assert_nonnull(g_mime_message_get_date(msg));
	reply_to = internet_address_list_to_string(g_mime_message_get_reply_to(msg), NULL, FALSE);
	g_assert_nonnull(strstr(reply_to, expect_reply));
	to = internet_address_list_to_string(g_mime_message_get_to(msg), NULL, FALSE);
	g_assert_cmpstr(to, ==, "Anna Berger <anna@acme.example>");
	g_assert_true(GMIME_IS_MULTIPART(g_mime_message_get_mime_part(msg)));
	text = part_text(msg, "text", "plain");
	html = part_text(msg, "text", "html");
	g_assert_nonnull(strstr(text, "Company: Nordwind GmbH"));
	g_assert_nonnull(strstr(text, "Phone: +49 •••• ••82"));
	g_assert_nonnull(strstr(text, "a•••@nordwind.example"));
	g_assert_nonnull(strstr(text, "ACCEPT"));
	g_assert_nonnull(strstr(text, "today 16:00"));
	g_assert_null(strstr(text, "1234582"));
	g_assert_null(strstr(html, "1234582"));
	g_assert_null(strstr(html, "anna.schmidt@"));
	g_assert_nonnull(strstr(html, "Nordwind GmbH"));
	g_assert_nonnull(strstr(html, "mailto:lead+"));
}

/* test_compose_command_address - the footer of a notification, and the
 * help and command answers, name the user's command address and its
 * commands in text and HTML; without a command token, none of it. */
static void test_compose_command_address(void)
{
	static const char *const kinds[] = {"new-lead", "help", "command", "confirm"};
	g_autoptr(LrLead) lead = sample_lead();
	g_autofree char *token = token_make(SECRET, 42, 1, "anna");
	g_autofree char *ctoken = token_user_make(SECRET, "anna");
	g_autofree char *want =
	    g_strdup_printf("Your command address: lead+%s@leads.acme.example", ctoken);

	for (guint i = 0; i < G_N_ELEMENTS(kinds); i++) {
		LrNotice notice = {.kind = kinds[i],
		                   .to_address = "anna@acme.example",
		                   .token = strcmp(kinds[i], "new-lead") == 0 ? token : NULL,
		                   .note = "STATUS",
		                   .command_token = ctoken};
		g_autoptr(GBytes) bytes = compose_ok(lead, &notice, 1);
		g_autoptr(GMimeMessage) msg = parse_message(bytes);
		g_autofree char *text = part_text(msg, "text", "plain");
		g_autofree char *html = part_text(msg, "text", "html");
		g_autoptr(GBytes) plain = NULL;
		g_autoptr(GMimeMessage) pmsg = NULL;
		g_autofree char *ptext = NULL;

		g_assert_nonnull(strstr(text, want));
		g_assert_nonnull(strstr(text, "  STATUS - your open leads"));
		g_assert_nonnull(strstr(text, "  AWAY <until DATE>"));
		g_assert_nonnull(html);
		g_assert_nonnull(strstr(html, want));
		notice.command_token = NULL;
		plain = compose_ok(lead, &notice, 2);
		pmsg = parse_message(plain);
		ptext = part_text(pmsg, "text", "plain");
		g_assert_null(strstr(ptext, "command address"));
	}
}

/* attached_text - the decoded text of the inline details.txt part. */
static char *attached_text(GMimeMessage *msg)
{
	GMimePartIter *iter = g_mime_part_iter_new(GMIME_OBJECT(msg));
	char *text = NULL;

	do {
		GMimeObject *obj = g_mime_part_iter_get_current(iter);

		if (GMIME_IS_TEXT_PART(obj) &&
		    g_strcmp0(g_mime_part_get_filename(GMIME_PART(obj)), "details.txt") == 0)
			text = g_mime_text_part_get_text(GMIME_TEXT_PART(obj));
	} while (text == NULL && g_mime_part_iter_next(iter));
	g_mime_part_iter_free(iter);
	return text;
}

/* assert_no_value - none of the withheld values in s, in any form. */
static void assert_no_value(const char *s)
{
	g_autofree char *lower = g_ascii_strdown(s, -1);
	g_autoptr(GString) digits = g_string_new(NULL);

	for (const char *p = s; *p; p++)
		if (g_ascii_isdigit(*p))
			g_string_append_c(digits, *p);
	g_assert_null(strstr(digits->str, "1234582"));
	g_assert_null(strstr(lower, "anna.schmidt@nordwind"));
	g_assert_null(strstr(s, "Schmidt"));
	g_assert_null(strstr(s, "O&#39;Brien"));
	g_assert_null(strstr(s, "O'Brien"));
}

/* test_compose_leaks - a withheld value is masked wherever it shows: the
 * Subject, the message text, other fields with the same value (written
 * another way), the HTML, and table rows attached as text; after ACCEPT
 * everything shows. */
static void test_compose_leaks(void)
{
	static const char *const withheld[] = {"phone", "email", "last_name", "contact", NULL};
	g_autoptr(LrLead) lead = sample_lead();
	LrNotice notice = {.kind = "new-lead",
	                   .to_name = "Anna Berger",
	                   .to_address = "anna@acme.example",
	                   .token = "abc",
	                   .withheld = withheld,
	                   .attach_text = "email: ANNA.Schmidt@Nordwind.example, tier: gold "
	                                  "(customers)\nphone: 0301234582 (crm)\n"};
	g_autoptr(GBytes) bytes = NULL;
	g_autoptr(GMimeMessage) msg = NULL;
	g_autofree char *text = NULL, *html = NULL, *rows = NULL;
	const char *subject;

	lead_set_str(&lead->subject, "Call +49 30 1234582 or Anna.Schmidt@nordwind.example");
	lead_field_set(lead, "last_name", "Schmidt");
	lead_field_set(lead, "contact", "Mr O'Brien");
	lead_field_set(lead, "mobile", "030 / 123 45 82");
	lead_field_set(lead, "fax", "+49 (0)30-1234582");
	lead_field_set(lead, "message",
	               "Ring me on 0049 30 1234582, ask for Mr Schmidt or "
	               "Mr O'Brien; mail ANNA.SCHMIDT@NORDWIND.EXAMPLE.\n"
	               "We need 12 pumps; order 4711.");
	bytes = compose_ok(lead, &notice, 0);
	msg = parse_message(bytes);
	subject = g_mime_message_get_subject(msg);
	text = part_text(msg, "text", "plain");
	html = part_text(msg, "text", "html");
	rows = attached_text(msg);
	g_assert_nonnull(rows);
	assert_no_value(subject);
	assert_no_value(text);
	assert_no_value(html);
	assert_no_value(rows);
	assert_no_value(g_bytes_get_data(bytes, NULL));
	g_assert_nonnull(strstr(subject, "Call +49 "));
	g_assert_nonnull(strstr(text, "Company: Nordwind GmbH"));
	g_assert_nonnull(strstr(text, "We need 12 pumps; order 4711."));
	g_assert_nonnull(strstr(text, "Mr S•••"));
	g_assert_nonnull(strstr(rows, "tier: gold"));
	g_clear_pointer(&text, g_free);
	g_clear_pointer(&bytes, g_bytes_unref);
	g_clear_object(&msg);
	notice.reveal = TRUE;
	bytes = compose_ok(lead, &notice, 1);
	msg = parse_message(bytes);
	text = part_text(msg, "text", "plain");
	g_assert_nonnull(strstr(g_mime_message_get_subject(msg), "+49 30 1234582"));
	g_assert_nonnull(strstr(text, "Mobile: 030 / 123 45 82"));
	g_assert_nonnull(strstr(text, "ANNA.SCHMIDT@NORDWIND.EXAMPLE"));
	g_assert_nonnull(strstr(text, "Mr O'Brien"));
}

/* test_envelope_from - the bare From address, or NULL without one. */
static void test_envelope_from(void)
{
	LrMailerConfig config = sample_config();
	g_autofree char *a = mailer_envelope_from(&config);
	g_autofree char *b = NULL, *c = NULL;

	g_assert_cmpstr(a, ==, "leads@acme.example");
	config.from = "leads@acme.example";
	b = mailer_envelope_from(&config);
	g_assert_cmpstr(b, ==, "leads@acme.example");
	config.from = "Lead Desk";
	c = mailer_envelope_from(&config);
	g_assert_null(c);
}

/* test_compose_reveal - after ACCEPT the withheld fields show, and the
 * commands are the stage ones. */
static void test_compose_reveal(void)
{
	static const char *const withheld[] = {"phone", NULL};
	g_autoptr(LrLead) lead = sample_lead();
	LrNotice notice = {.kind = "accepted",
	                   .to_name = "Anna",
	                   .to_address = "anna@acme.example",
	                   .token = "abc",
	                   .withheld = withheld,
	                   .reveal = TRUE};
	g_autoptr(GBytes) bytes = NULL;
	g_autoptr(GMimeMessage) msg = NULL;
	g_autofree char *text = NULL;

	lead_set_str(&lead->status, LEAD_STATUS_ACCEPTED);
	bytes = compose_ok(lead, &notice, 2);
	msg = parse_message(bytes);
	text = part_text(msg, "text", "plain");
	g_assert_nonnull(strstr(text, "Phone: +49 30 1234582"));
	g_assert_nonnull(strstr(text, "WON"));
	g_assert_null(strstr(text, "ACCEPT"));
}

/* test_compose_injection - CR/LF in any value never makes a header. */
static void test_compose_injection(void)
{
	g_autoptr(LrLead) lead = sample_lead();
	LrNotice notice = {.kind = "new-lead",
	                   .to_name = "Anna\r\nBcc: evil@example.net",
	                   .to_address = "anna@acme.example",
	                   .token = "abc",
	                   .reason = "x\r\nBcc: evil@example.net",
	                   .note = "y\nBcc: evil@example.net"};
	LrMailerConfig config = sample_config();
	g_autoptr(GBytes) bytes = NULL;
	g_autoptr(GMimeMessage) msg = NULL;
	g_autoptr(GError) error = NULL;
	GMimeHeaderList *headers;
	InternetAddressList *bcc;

	lead_set_str(&lead->subject, "Hello\r\nBcc: evil@example.net\r\n\r\nbody");
	lead_field_set(lead, "company", "ACME\r\nBcc: evil@example.net");
	bytes = compose_ok(lead, &notice, 0);
	msg = parse_message(bytes);
	headers = g_mime_object_get_header_list(GMIME_OBJECT(msg));
	g_assert_false(g_mime_header_list_contains(headers, "Bcc"));
	bcc = g_mime_message_get_bcc(msg);
	g_assert_true(bcc == NULL || internet_address_list_length(bcc) == 0);
	g_assert_cmpint(internet_address_list_length(g_mime_message_get_to(msg)), ==, 1);
	g_assert_nonnull(strstr(g_mime_message_get_subject(msg), "Hello Bcc: evil"));
	for (int i = 0; i < g_mime_header_list_get_count(headers); i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(headers, i);

		g_assert_cmpstr(g_mime_header_get_name(h), !=, "Bcc");
	}
	/* A display name cannot smuggle in a second recipient. */
	{
		LrNotice named = notice;
		g_autoptr(GBytes) b2 = NULL;
		g_autoptr(GMimeMessage) m2 = NULL;
		InternetAddressList *to;

		named.to_name = "Berger, \"Anna\" <evil@example.net>, x@example.net";
		b2 = compose_ok(lead, &named, 1);
		m2 = parse_message(b2);
		to = g_mime_message_get_to(m2);
		g_assert_cmpint(internet_address_list_length(to), ==, 1);
		g_assert_cmpstr(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(
		                    internet_address_list_get_address(to, 0))),
		                ==, "anna@acme.example");
	}
	/* An address that is not one is refused outright. */
	notice.to_address = "anna@acme.example\r\nBcc: evil@example.net";
	g_assert_null(mailer_compose(&config, lead, &notice, 0, &error));
	g_assert_error(error, LR_ERROR, LR_ERROR_PERM);
}

/* test_compose_html_escape - values are escaped in HTML, and a value that
 * looks like a placeholder is not expanded. */
static void test_compose_html_escape(void)
{
	g_autoptr(LrLead) lead = sample_lead();
	LrNotice notice = {.kind = "new-lead",
	                   .to_name = "<b>Anna</b>",
	                   .to_address = "anna@acme.example",
	                   .token = "abc",
	                   .reason = "{{field.phone}}"};
	g_autoptr(GBytes) bytes = NULL;
	g_autoptr(GMimeMessage) msg = NULL;
	g_autofree char *html = NULL, *text = NULL;
	static const char *const withheld[] = {"phone", NULL};

	notice.withheld = withheld;
	lead_field_set(lead, "company", "<script>alert('x')</script> & Co");
	bytes = compose_ok(lead, &notice, 0);
	msg = parse_message(bytes);
	html = part_text(msg, "text", "html");
	text = part_text(msg, "text", "plain");
	g_assert_null(strstr(html, "<script>"));
	g_assert_nonnull(strstr(html, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Co"));
	g_assert_nonnull(strstr(html, "&lt;b&gt;Anna&lt;/b&gt;"));
	g_assert_nonnull(strstr(html, "We need 12 pumps.<br>"));
	g_assert_nonnull(strstr(text, "<script>alert('x')</script> & Co"));
	g_assert_nonnull(strstr(text, "Why you: {{field.phone}}"));
}

/* test_compose_rfc2047 - a non-ASCII subject is encoded and decodes back. */
static void test_compose_rfc2047(void)
{
	g_autoptr(LrLead) lead = sample_lead();
	LrNotice notice = {.kind = "new-lead",
	                   .to_name = "Jürgen Weiß",
	                   .to_address = "juergen@acme.example",
	                   .token = "abc"};
	g_autoptr(GBytes) bytes = NULL;
	g_autoptr(GMimeMessage) msg = NULL;
	g_autofree char *raw = NULL, *to = NULL;
	char *subject_line;

	lead_set_str(&lead->subject, "Pumpen für München – Angebot");
	bytes = compose_ok(lead, &notice, 0);
	raw = g_strndup(g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes));
	for (const guchar *p = (const guchar *)raw; *p && !(p[0] == '\r' && p[2] == '\r'); p++)
		g_assert_cmpuint(*p, <, 0x80); /* the header block is 7-bit */
	subject_line = strstr(raw, "\r\nSubject: ");
	g_assert_nonnull(subject_line);
	g_assert_nonnull(g_strstr_len(subject_line, 80, "=?"));
	msg = parse_message(bytes);
	g_assert_cmpstr(g_mime_message_get_subject(msg), ==,
	                "[Lead 42] Pumpen für München – Angebot");
	to = internet_address_list_to_string(g_mime_message_get_to(msg), NULL, FALSE);
	g_assert_cmpstr(to, ==, "Jürgen Weiß <juergen@acme.example>");
}

/* test_compose_threading - the first mail of a lead roots the thread;
 * later ones and answers to a reply point at it. */
static void test_compose_threading(void)
{
	g_autoptr(LrLead) lead = sample_lead();
	LrNotice notice = {.kind = "reminder",
	                   .to_name = "Anna",
	                   .to_address = "anna@acme.example",
	                   .token = "abc"};
	LrNotice confirm = {.kind = "confirm",
	                    .to_name = "Anna",
	                    .to_address = "anna@acme.example",
	                    .note = "ACCEPT",
	                    .in_reply_to = "<CAB1x-q3@mail.acme.example>"};
	g_autoptr(GBytes) b1 = compose_ok(lead, &notice, 3);
	g_autoptr(GBytes) b2 = compose_ok(lead, &confirm, 4);
	g_autoptr(GBytes) b3 = compose_ok(lead, &notice, 3);
	g_autoptr(GMimeMessage) m1 = parse_message(b1);
	g_autoptr(GMimeMessage) m2 = parse_message(b2);
	g_autoptr(GMimeMessage) m3 = parse_message(b3);
	GMimeObject *o1 = GMIME_OBJECT(m1), *o2 = GMIME_OBJECT(m2);

	g_assert_cmpstr(g_mime_message_get_message_id(m1), ==,
	                "lead-42.reminder.3@leads.acme.example");
	g_assert_cmpstr(g_mime_message_get_message_id(m3), ==, g_mime_message_get_message_id(m1));
	g_assert_cmpstr(g_mime_object_get_header(o1, "In-Reply-To"), ==,
	                "<lead-42@leads.acme.example>");
	g_assert_cmpstr(g_mime_object_get_header(o1, "References"), ==,
	                "<lead-42@leads.acme.example>");
	g_assert_true(g_str_has_prefix(g_mime_message_get_subject(m1), "Re: [Lead 42] "));
	g_assert_cmpstr(g_mime_message_get_message_id(m2), ==,
	                "lead-42.confirm.4@leads.acme.example");
	g_assert_cmpstr(g_mime_object_get_header(o2, "In-Reply-To"), ==,
	                "<CAB1x-q3@mail.acme.example>");
	g_assert_cmpstr(g_mime_object_get_header(o2, "References"), ==,
	                "<lead-42@leads.acme.example> <CAB1x-q3@mail.acme.example>");
	g_assert_cmpstr(g_mime_object_get_header(o2, "Auto-Submitted"), ==, "auto-replied");
	g_assert_null(g_mime_object_get_header(o2, "Reply-To"));
}

/* test_compose_attachments - attached text and files are MIME parts whose
 * content decodes to the original. */
static void test_compose_attachments(void)
{
	g_autofree char *dir = g_dir_make_tmp("lr-mailer-XXXXXX", NULL);
	g_autofree char *pdf = g_build_filename(dir, "Pump sheet.pdf", NULL);
	g_autofree char *csv = g_build_filename(dir, "companies.csv", NULL);
	static const char pdf_data[] = "%PDF-1.4\n\x80\x81\x82 binary\n%%EOF\n";
	const char *files[] = {pdf, csv, NULL};
	g_autoptr(LrLead) lead = sample_lead();
	LrNotice notice = {.kind = "new-lead",
	                   .to_name = "Anna",
	                   .to_address = "anna@acme.example",
	                   .token = "abc",
	                   .attachments = files,
	                   .attach_text = "domain: nordwind.example\ntier: gold\n"};
	g_autoptr(GBytes) bytes = NULL;
	g_autoptr(GMimeMessage) msg = NULL;
	GMimeMultipart *mixed;
	GMimeObject *part;
	g_autoptr(GMimeStream) out = g_mime_stream_mem_new();
	GByteArray *content;

	g_assert_true(g_file_set_contents(pdf, pdf_data, sizeof pdf_data - 1, NULL));
	g_assert_true(g_file_set_contents(csv, "domain,tier\nnordwind.example,gold\n", -1, NULL));
	bytes = compose_ok(lead, &notice, 0);
	msg = parse_message(bytes);
	g_assert_true(GMIME_IS_MULTIPART(g_mime_message_get_mime_part(msg)));
	mixed = GMIME_MULTIPART(g_mime_message_get_mime_part(msg));
	g_assert_true(g_mime_content_type_is_type(
	    g_mime_object_get_content_type(GMIME_OBJECT(mixed)), "multipart", "mixed"));
	g_assert_cmpint(g_mime_multipart_get_count(mixed), ==, 4);
	g_assert_true(g_mime_content_type_is_type(
	    g_mime_object_get_content_type(g_mime_multipart_get_part(mixed, 0)), "multipart",
	    "alternative"));
	part = g_mime_multipart_get_part(mixed, 1);
	g_assert_cmpstr(g_mime_part_get_filename(GMIME_PART(part)), ==, "details.txt");
	part = g_mime_multipart_get_part(mixed, 2);
	g_assert_cmpstr(g_mime_part_get_filename(GMIME_PART(part)), ==, "Pump sheet.pdf");
	g_assert_true(g_mime_part_is_attachment(GMIME_PART(part)));
	g_assert_true(g_mime_content_type_is_type(g_mime_object_get_content_type(part),
	                                          "application", "pdf"));
	g_mime_data_wrapper_write_to_stream(g_mime_part_get_content(GMIME_PART(part)), out);
	content = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out));
	g_assert_cmpmem(content->data, content->len, pdf_data, sizeof pdf_data - 1);
	part = g_mime_multipart_get_part(mixed, 3);
	g_assert_cmpstr(g_mime_part_get_filename(GMIME_PART(part)), ==, "companies.csv");
	g_assert_true(
	    g_mime_content_type_is_type(g_mime_object_get_content_type(part), "text", "csv"));
	g_unlink(pdf);
	g_unlink(csv);
	g_rmdir(dir);
}

/* test_compose_unknown_attachment - a file of no known type goes out as
 * application/octet-stream (and the mailer logs that it did). */
static void test_compose_unknown_attachment(void)
{
	g_autofree char *dir = g_dir_make_tmp("lr-mailer-XXXXXX", NULL);
	g_autofree char *blob = g_build_filename(dir, "blob.lrx", NULL);
	const char *files[] = {blob, NULL};
	g_autoptr(LrLead) lead = sample_lead();
	LrNotice notice = {.kind = "new-lead",
	                   .to_name = "Anna",
	                   .to_address = "anna@acme.example",
	                   .token = "abc",
	                   .attachments = files};
	g_autoptr(GBytes) bytes = NULL;
	g_autoptr(GMimeMessage) msg = NULL;
	GMimeObject *part;

	g_assert_true(g_file_set_contents(blob, "\x80\x00\x81\x00", 4, NULL));
	bytes = compose_ok(lead, &notice, 0);
	msg = parse_message(bytes);
	part = g_mime_multipart_get_part(GMIME_MULTIPART(g_mime_message_get_mime_part(msg)), 1);
	g_assert_cmpstr(g_mime_part_get_filename(GMIME_PART(part)), ==, "blob.lrx");
	g_assert_true(g_mime_content_type_is_type(g_mime_object_get_content_type(part),
	                                          "application", "octet-stream"));
	g_unlink(blob);
	g_rmdir(dir);
}

/* ---- Attachment types (mailer/mimetype.c) ---- */

/* test_mimetype_table - the built-in table types every sales document by
 * its extension, in any case and under any folder; nothing else. */
static void test_mimetype_table(void)
{
	/* clang-format off */
	static const struct { const char *name, *type; } cases[] = {
		{"offer.pdf", "application/pdf"},
		{"/srv/docs/Price List.PDF", "application/pdf"},
		{"brochure.doc", "application/msword"},
		{"brochure.docx",
		 "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
		{"prices.xls", "application/vnd.ms-excel"},
		{"prices.XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
		{"deck.ppt", "application/vnd.ms-powerpoint"},
		{"deck.pptx",
		 "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
		{"terms.odt", "application/vnd.oasis.opendocument.text"},
		{"terms.ods", "application/vnd.oasis.opendocument.spreadsheet"},
		{"companies.csv", "text/csv"},
		{"notes.txt", "text/plain"},
		{"page.html", "text/html"},
		{"page.htm", "text/html"},
		{"logo.png", "image/png"},
		{"photo.jpg", "image/jpeg"},
		{"photo.JPEG", "image/jpeg"},
		{"anim.gif", "image/gif"},
		{"bundle.zip", "application/zip"},
		{"docs.v2/sheet.pdf", "application/pdf"},
		{"README", NULL},
		{".pdf", NULL},
		{"trailing.", NULL},
		{"docs.pdf/README", NULL},
		{"archive.tar.gz", NULL},
		{"setup.exe", NULL},
		{"", NULL},
	};
	/* clang-format on */

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++)
		g_assert_cmpstr(mimetype_from_table(cases[i].name), ==, cases[i].type);
	g_assert_null(mimetype_from_table(NULL));
}

/* mimetype_hide_database - make GLib see no shared-mime-info database, as
 * on a minimal Debian (call before anything asks GLib for a type). */
static char *mimetype_hide_database(void)
{
	char *empty = g_dir_make_tmp("lr-nomime-XXXXXX", NULL);

	g_assert_nonnull(empty);
	g_setenv("XDG_DATA_HOME", empty, TRUE);
	g_setenv("XDG_DATA_DIRS", empty, TRUE);
	return empty;
}

/* test_mimetype_no_database - without the system's type database a PDF
 * (or any document of the table) is still application/pdf, in the composed
 * notification too; an unknown file is application/octet-stream, said so
 * in the log. */
static void test_mimetype_no_database(void)
{
	static const guchar pdf[] = "%PDF-1.4\n\x80\x81\x82 binary\n%%EOF\n";
	static const guchar blob[] = {0x80, 0x00, 0x81, 0x00};
	g_autofree char *empty = NULL, *glib_type = NULL, *type = NULL;
	gboolean fallback = TRUE;

	if (!g_test_subprocess()) {
		g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDOUT);
		g_test_trap_assert_passed();
		g_test_trap_assert_stderr("*attachment=*/blob.lrx type=application/octet-stream*");
		return;
	}
	empty = mimetype_hide_database();
	/* GLib alone no longer knows a PDF (it says text/plain or
	 * application/octet-stream): this is the minimal system. */
	glib_type = g_content_type_guess("offer.pdf", pdf, sizeof pdf - 1, NULL);
	g_assert_cmpstr(glib_type, !=, "application/pdf");
	type = mimetype_guess("offer.pdf", pdf, sizeof pdf - 1, &fallback);
	g_assert_cmpstr(type, ==, "application/pdf");
	g_assert_false(fallback);
	g_clear_pointer(&type, g_free);
	type = mimetype_guess("blob.lrx", blob, sizeof blob, &fallback);
	g_assert_cmpstr(type, ==, "application/octet-stream");
	g_assert_true(fallback);
	test_compose_attachments();
	test_compose_unknown_attachment();
	g_rmdir(empty);
}

/* write_template - write text to dir/name. */
static void write_template(const char *dir, const char *name, const char *text)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);

	g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

/* compose_fails - compose kind from dir and expect LR_ERROR_PERM whose
 * message contains want. */
static void compose_fails(const char *dir, const char *kind, const char *want)
{
	LrMailerConfig config = {dir, "Lead Desk <leads@acme.example>", "leads.acme.example", "hq"};
	g_autoptr(LrLead) lead = sample_lead();
	LrNotice notice = {.kind = kind, .to_name = "Anna", .to_address = "anna@acme.example"};
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) bytes = mailer_compose(&config, lead, &notice, 0, &error);

	g_assert_null(bytes);
	g_assert_error(error, LR_ERROR, LR_ERROR_PERM);
	if (strstr(error->message, want) == NULL)
		g_error("\"%s\" does not say \"%s\"", error->message, want);
}

/* test_compose_broken - broken or missing templates and attachments fail
 * with PERM and say where; the shipped templates pass the check. */
static void test_compose_broken(void)
{
	g_autofree char *dir = g_dir_make_tmp("lr-mailer-XXXXXX", NULL);
	g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GDir) d = NULL;
	const char *name;

	write_template(dir, "unknown.txt", "Subject: hi\n\nline\n{{lead.id}} {{nosuch}}\n");
	write_template(dir, "unclosed.txt", "Subject: hi\n\n{{#note}} open\n");
	write_template(dir, "stray.txt", "Subject: hi\n\n{{/note}}\n");
	write_template(dir, "nosubject.txt", "Hello {{lead.id}}\n");
	write_template(dir, "badtag.txt", "Subject: {{lead id}}\n");
	write_template(dir, "open.txt", "Subject: x\n\n{{lead.id\n");
	write_template(dir, "badhtml.txt", "Subject: x\n\nok\n");
	write_template(dir, "badhtml.html", "<p>{{#to.name}}{{oops}}{{/to.name}}</p>\n");
	compose_fails(dir, "unknown", "unknown.txt:4: unknown placeholder {{nosuch}}");
	compose_fails(dir, "unclosed", "unclosed.txt:3: section not closed");
	compose_fails(dir, "stray", "stray.txt:3: no section to close");
	compose_fails(dir, "nosubject", "Subject");
	compose_fails(dir, "badtag", "badtag.txt:1: bad placeholder");
	compose_fails(dir, "open", "open.txt:3: unclosed {{");
	compose_fails(dir, "badhtml", "badhtml.html:1: unknown placeholder {{oops}}");
	compose_fails(dir, "missing", "missing.txt");
	compose_fails(dir, "../etc/passwd", "bad notification kind");
	g_assert_true(mailer_templates_check(templates_dir(), problems));
	g_assert_cmpuint(problems->len, ==, 0);
	g_assert_false(mailer_templates_check(dir, problems));
	g_assert_cmpuint(problems->len, ==, g_strv_length((char **)mailer_kinds));
	d = g_dir_open(dir, 0, NULL);
	while ((name = g_dir_read_name(d)) != NULL) {
		g_autofree char *path = g_build_filename(dir, name, NULL);

		g_unlink(path);
	}
	g_rmdir(dir);
}

/* test_compose_every_kind - every shipped kind renders, with and without a
 * lead where that makes sense, and refused mail shows no lead details. */
static void test_compose_every_kind(void)
{
	g_autoptr(LrLead) lead = sample_lead();

	for (guint i = 0; mailer_kinds[i]; i++) {
		LrNotice notice = {.kind = mailer_kinds[i],
		                   .to_name = "Anna",
		                   .to_address = "anna@acme.example",
		                   .token = "abc",
		                   .note = "n"};
		g_autoptr(GBytes) bytes = compose_ok(lead, &notice, i + 1);
		g_autoptr(GMimeMessage) msg = parse_message(bytes);
		g_autofree char *text = part_text(msg, "text", "plain");

		g_assert_cmpstr(g_mime_object_get_header(GMIME_OBJECT(msg), "X-Leadroute-Kind"), ==,
		                mailer_kinds[i]);
		if (strcmp(mailer_kinds[i], "new-lead") != 0)
			g_assert_true(g_str_has_prefix(g_mime_message_get_subject(msg), "Re: "));
		if (strcmp(mailer_kinds[i], "refused") == 0 || strcmp(mailer_kinds[i], "help") == 0)
			g_assert_null(strstr(text, "Nordwind"));
	}
	for (const char *const *k = (const char *const[]){"help", "refused", NULL}; *k; k++) {
		LrNotice notice = {.kind = *k,
		                   .to_address = "someone@example.org",
		                   .note = "not verified",
		                   .in_reply_to = "abc@x.example"};
		g_autoptr(GBytes) bytes = compose_ok(NULL, &notice, 0);
		g_autoptr(GMimeMessage) msg = parse_message(bytes);

		g_assert_cmpstr(g_mime_object_get_header(GMIME_OBJECT(msg), "In-Reply-To"), ==,
		                "<abc@x.example>");
		g_assert_null(g_mime_object_get_header(GMIME_OBJECT(msg), "X-Leadroute-Lead"));
	}
}

/* ---- Sending: Postfix's smtp-sink on loopback ---- */

typedef struct {
	GPid pid;
	guint16 port;
	char *dir; /* where smtp-sink dumps each message */
} Sink;

/* sink_program - smtp-sink, or NULL (the sender tests then fail). */
static const char *sink_program(void)
{
	const char *p = g_getenv("SMTP_SINK");

	if (p && *p)
		return p;
	return g_file_test("/usr/sbin/smtp-sink", G_FILE_TEST_IS_EXECUTABLE) ? "/usr/sbin/smtp-sink"
	                                                                     : NULL;
}

/* sink_missing - TRUE, and the test failed, when smtp-sink is not there
 * (scripts/deps.sh installs Postfix: a sender test must not pass by not
 * running). */
static gboolean sink_missing(void)
{
	if (sink_program() != NULL)
		return FALSE;
	g_test_message("smtp-sink not found (set SMTP_SINK or install postfix)");
	g_test_fail();
	return TRUE;
}

/* free_port - a loopback TCP port nobody listens on right now. */
static guint16 free_port(void)
{
	g_autoptr(GSocket) sock =
	    g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
	g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) any = g_inet_socket_address_new(lo, 0);
	g_autoptr(GSocketAddress) bound = NULL;

	g_assert_true(g_socket_bind(sock, any, TRUE, NULL));
	bound = g_socket_get_local_address(sock, NULL);
	return g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
}

/* sink_wait - wait (at most 5 s) until the sink accepts connections. */
static void sink_wait(guint16 port)
{
	g_autoptr(GSocketClient) client = g_socket_client_new();

	for (int i = 0; i < 100; i++) {
		g_autoptr(GSocketConnection) conn =
		    g_socket_client_connect_to_host(client, "127.0.0.1", port, NULL, NULL);

		if (conn != NULL)
			return;
		g_usleep(50000);
	}
	g_error("smtp-sink did not start on port %u", port);
}

/* sink_start - run smtp-sink on port (0: a free one) with extra options
 * (NULL-terminated), dumping messages into a new folder. */
static void sink_start(Sink *sink, guint16 port, const char *const *extra)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *timeout = g_find_program_in_path("timeout");
	g_autoptr(GError) error = NULL;

	sink->port = port ? port : free_port();
	if (sink->dir == NULL) {
		sink->dir = g_dir_make_tmp("lr-sink-XXXXXX", NULL);
		g_chmod(sink->dir, 0777); /* smtp-sink writes as nobody */
	}
	/* Under timeout(1), so a sink outlives a failed test by a minute at most. */
	if (timeout != NULL) {
		g_ptr_array_add(argv, g_strdup(timeout));
		g_ptr_array_add(argv, g_strdup("60"));
	}
	g_ptr_array_add(argv, g_strdup(sink_program()));
	if (geteuid() == 0) {
		g_ptr_array_add(argv, g_strdup("-u"));
		g_ptr_array_add(argv, g_strdup("nobody"));
	}
	g_ptr_array_add(argv, g_strdup("-d"));
	g_ptr_array_add(argv, g_strdup_printf("%s/%%M.", sink->dir));
	for (guint i = 0; extra && extra[i]; i++)
		g_ptr_array_add(argv, g_strdup(extra[i]));
	g_ptr_array_add(argv, g_strdup_printf("127.0.0.1:%u", sink->port));
	g_ptr_array_add(argv, g_strdup("100"));
	g_ptr_array_add(argv, NULL);
	g_spawn_async(NULL, (char **)argv->pdata, NULL,
	              G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
	              &sink->pid, &error);
	g_assert_no_error(error);
	sink_wait(sink->port);
}

/* sink_stop - stop smtp-sink (its dumps are complete then). */
static void sink_stop(Sink *sink)
{
	int status;

	if (sink->pid == 0)
		return;
	kill(sink->pid, SIGTERM);
	waitpid(sink->pid, &status, 0);
	g_spawn_close_pid(sink->pid);
	sink->pid = 0;
}

/* sink_messages - the dumped messages (char *), in name order. */
static GPtrArray *sink_messages(const Sink *sink)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GDir) d = g_dir_open(sink->dir, 0, NULL);
	const char *name;

	while (d && (name = g_dir_read_name(d)) != NULL) {
		g_autofree char *path = g_build_filename(sink->dir, name, NULL);
		char *text = NULL;

		g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
		g_ptr_array_add(out, text);
	}
	return out;
}

/* sink_clear - stop the sink and remove its folder. */
static void sink_clear(Sink *sink)
{
	g_autoptr(GDir) d = NULL;
	const char *name;

	sink_stop(sink);
	d = g_dir_open(sink->dir, 0, NULL);
	while (d && (name = g_dir_read_name(d)) != NULL) {
		g_autofree char *path = g_build_filename(sink->dir, name, NULL);

		g_unlink(path);
	}
	g_rmdir(sink->dir);
	g_clear_pointer(&sink->dir, g_free);
}

/* has_ci - TRUE when text contains needle, ignoring ASCII case. */
static gboolean has_ci(const char *text, const char *needle)
{
	g_autofree char *t = g_ascii_strdown(text, -1);
	g_autofree char *n = g_ascii_strdown(needle, -1);

	return strstr(t, n) != NULL;
}

/* relay_url - the smtp:// URL of a loopback port. */
static char *relay_url(guint16 port)
{
	return g_strdup_printf("smtp://127.0.0.1:%u", port);
}

/* sample_message - a composed notification with Message-ID lead-ID.KIND.SEQ. */
static GBytes *sample_message(guint64 id, guint seq)
{
	g_autoptr(LrLead) lead = sample_lead();
	LrNotice notice = {.kind = "new-lead",
	                   .to_name = "Anna",
	                   .to_address = "anna@acme.example",
	                   .token = "abc"};

	lead->id = id;
	return compose_ok(lead, &notice, seq);
}

/* send_with - sender_send one sample message through a sink started with
 * extra; returns whether it was sent, *error and the sink's dumps. */
static gboolean send_with(const char *const *extra, GError **error, GPtrArray **dumps)
{
	static const char *const rcpts[] = {"anna@acme.example", "ben@acme.example", NULL};
	Sink sink = {0};
	g_autoptr(GBytes) msg = sample_message(7, 1);
	g_autofree char *url = NULL;
	g_autoptr(LrSender) sender = NULL;
	gboolean ok;

	sink_start(&sink, 0, extra);
	url = relay_url(sink.port);
	sender = sender_new(url, NULL, NULL);
	ok = sender_send(sender, "leads@acme.example", rcpts, msg, error);
	sink_stop(&sink);
	*dumps = sink_messages(&sink);
	sink_clear(&sink);
	return ok;
}

/* test_send_ok - one message, both recipients, as composed. */
static void test_send_ok(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) dumps = NULL;

	if (sink_missing())
		return;
	g_assert_true(send_with(NULL, &error, &dumps));
	g_assert_no_error(error);
	g_assert_cmpuint(dumps->len, ==, 1);
	g_assert_nonnull(strstr(dumps->pdata[0], "X-Mail-Args: <leads@acme.example>"));
	g_assert_nonnull(strstr(dumps->pdata[0], "X-Rcpt-Args: <anna@acme.example>"));
	g_assert_nonnull(strstr(dumps->pdata[0], "X-Rcpt-Args: <ben@acme.example>"));
	g_assert_true(
	    has_ci(dumps->pdata[0], "Message-ID: <lead-7.new-lead.1@leads.acme.example>"));
	g_assert_nonnull(strstr(dumps->pdata[0], "Reply with one word"));
}

/* test_send_failures - how each refusal of the relay is classified. */
static void test_send_failures(void)
{
	static const struct {
		const char *opt, *cmd;
		int code;
	} cases[] = {
	    {"-r", "RCPT", LR_ERROR_TEMP},      {"-f", "RCPT", LR_ERROR_PERM},
	    {"-r", "MAIL", LR_ERROR_TEMP},      {"-f", "MAIL", LR_ERROR_TEMP},
	    {"-f", "DATA", LR_ERROR_PERM},      {"-f", ".", LR_ERROR_PERM},
	    {"-r", ".", LR_ERROR_TEMP},         {"-Q", "RCPT", LR_ERROR_TEMP},
	    {"-f", "EHLO,HELO", LR_ERROR_TEMP}, {"-Q", "CONNECT", LR_ERROR_TEMP},
	};

	if (sink_missing())
		return;
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		const char *extra[] = {cases[i].opt, cases[i].cmd, NULL};
		g_autoptr(GError) error = NULL;
		g_autoptr(GPtrArray) dumps = NULL;

		g_test_message("smtp-sink %s %s", cases[i].opt, cases[i].cmd);
		g_assert_false(send_with(extra, &error, &dumps));
		g_assert_error(error, LR_ERROR, cases[i].code);
	}
}

/* test_send_down - nothing listening: TEMP at once; bad addresses: PERM
 * without a connection; a non-SMTP URL: TEMP. */
static void test_send_down(void)
{
	static const char *const rcpts[] = {"anna@acme.example", NULL};
	static const char *const evil[] = {"anna@acme.example>\r\nRCPT TO:<x@y", NULL};
	g_autoptr(GBytes) msg = sample_message(7, 1);
	g_autofree char *url = relay_url(free_port());
	g_autoptr(LrSender) sender = sender_new(url, NULL, NULL);
	g_autoptr(LrSender) file = sender_new("file:///tmp/lr-mailer-never", NULL, NULL);
	g_autoptr(GError) error = NULL;
	gint64 start = g_get_monotonic_time();

	g_assert_false(sender_send(sender, "leads@acme.example", rcpts, msg, &error));
	g_assert_error(error, LR_ERROR, LR_ERROR_TEMP);
	g_assert_cmpint(g_get_monotonic_time() - start, <, 5 * G_USEC_PER_SEC);
	g_clear_error(&error);
	g_assert_false(sender_send(sender, "leads@acme.example", evil, msg, &error));
	g_assert_error(error, LR_ERROR, LR_ERROR_PERM);
	g_clear_error(&error);
	g_assert_false(sender_send(file, "leads@acme.example", rcpts, msg, &error));
	g_assert_error(error, LR_ERROR, LR_ERROR_TEMP);
	g_assert_false(g_file_test("/tmp/lr-mailer-never", G_FILE_TEST_EXISTS));
}

/* ---- The outbox ---- */

typedef struct {
	guint n; /* messages to add, lead ids 1..n */
} OutboxFill;

/* outbox_fill_txn - queue n sample notifications in one transaction. */
static gboolean outbox_fill_txn(LrTxn *txn, gpointer data, GError **error)
{
	const OutboxFill *fill = data;
	static const char *const rcpts[] = {"anna@acme.example", NULL};

	for (guint i = 1; i <= fill->n; i++) {
		g_autoptr(GBytes) msg = sample_message(i, 0);

		if (!queue_outbox_add(txn, i, "leads@acme.example", rcpts, msg, error))
			return FALSE;
	}
	return TRUE;
}

/* outbox_open - a queue in a new folder with n messages in its outbox. */
static LrQueue *outbox_open(char **home, guint n)
{
	g_autoptr(GError) error = NULL;
	OutboxFill fill = {n};
	LrQueue *q;

	*home = g_dir_make_tmp("lr-mailer-home-XXXXXX", NULL);
	q = queue_open(*home, FALSE, &error);
	g_assert_no_error(error);
	g_assert_true(queue_run(q, outbox_fill_txn, &fill, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(queue_outbox_count(q, NULL), ==, n);
	return q;
}

/* outbox_close - close the queue and remove its folder. */
static void outbox_close(LrQueue *q, char *home)
{
	g_autofree char *cmd = NULL;

	queue_close(q);
	cmd = g_strdup_printf("rm -rf '%s'", home);
	g_assert_cmpint(system(cmd), ==, 0);
	g_free(home);
}

/* assert_each_once - n dumps, one with Message-ID <lead-i@...> for each i
 * in 1..n. */
static void assert_each_once(GPtrArray *dumps, guint n)
{
	g_assert_cmpuint(dumps->len, ==, n);
	for (guint i = 1; i <= n; i++) {
		g_autofree char *id =
		    g_strdup_printf("Message-ID: <lead-%u@leads.acme.example>", i);
		guint seen = 0;

		for (guint j = 0; j < dumps->len; j++)
			seen += has_ci(dumps->pdata[j], id);
		g_assert_cmpuint(seen, ==, 1);
	}
}

/* test_outbox_send - every due message once, then nothing. */
static void test_outbox_send(void)
{
	char *home;
	LrQueue *q;
	Sink sink = {0};
	g_autoptr(GError) error = NULL;
	g_autoptr(LrSender) sender = NULL;
	g_autoptr(GPtrArray) dumps = NULL;
	g_autofree char *url = NULL;

	if (sink_missing())
		return;
	q = outbox_open(&home, 5);
	sink_start(&sink, 0, NULL);
	url = relay_url(sink.port);
	sender = sender_new(url, NULL, NULL);
	g_assert_cmpuint(sender_run_once(sender, q, &error), ==, 5);
	g_assert_no_error(error);
	g_assert_cmpuint(sender_run_once(sender, q, &error), ==, 0);
	g_assert_cmpuint(queue_outbox_count(q, NULL), ==, 0);
	sink_stop(&sink);
	dumps = sink_messages(&sink);
	assert_each_once(dumps, 5);
	sink_clear(&sink);
	outbox_close(q, home);
}

/* test_outbox_relay_down - nothing listening: all deferred, not due again
 * at once; after the back-off with the relay up: each delivered once. */
static void test_outbox_relay_down(void)
{
	char *home;
	LrQueue *q;
	Sink sink = {0};
	guint16 port = free_port();
	g_autofree char *url = relay_url(port);
	g_autoptr(LrSender) sender = sender_new(url, NULL, NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) due = NULL, dumps = NULL;

	if (sink_missing())
		return;
	q = outbox_open(&home, 3);
	sender_set_backoff(sender, 300000, 1200000);
	g_assert_cmpuint(sender_run_once(sender, q, &error), ==, 0);
	g_assert_no_error(error);
	g_assert_cmpuint(queue_outbox_count(q, NULL), ==, 3);
	due = queue_outbox_due(q, g_get_real_time(), 10, NULL);
	g_assert_cmpuint(due->len, ==, 0);
	g_clear_pointer(&due, g_ptr_array_unref);
	due = queue_outbox_due(q, g_get_real_time() + 350000, 10, NULL);
	g_assert_cmpuint(due->len, ==, 3);
	g_assert_cmpuint(((LrOutMail *)due->pdata[0])->attempts, ==, 1);
	g_assert_cmpstr(((LrOutMail *)due->pdata[0])->last_error, !=, "");
	g_assert_cmpuint(sender_run_once(sender, q, &error), ==, 0); /* not due yet */
	sink_start(&sink, port, NULL);
	g_usleep(350000);
	g_assert_cmpuint(sender_run_once(sender, q, &error), ==, 3);
	g_assert_cmpuint(sender_run_once(sender, q, &error), ==, 0);
	g_assert_no_error(error);
	sink_stop(&sink);
	dumps = sink_messages(&sink);
	assert_each_once(dumps, 3);
	sink_clear(&sink);
	outbox_close(q, home);
}

/* test_outbox_refusals - 4xx: deferred with a growing delay; 5xx:
 * dropped (logged), nothing delivered. */
static void test_outbox_refusals(void)
{
	static const char *const soft[] = {"-r", "RCPT", NULL};
	static const char *const hard[] = {"-f", "RCPT", NULL};
	char *home;
	LrQueue *q;
	Sink sink = {0};
	g_autoptr(GError) error = NULL;
	g_autoptr(LrSender) sender = NULL;
	g_autoptr(GPtrArray) due = NULL, dumps = NULL;
	g_autofree char *url = NULL;

	if (sink_missing())
		return;
	q = outbox_open(&home, 2);
	sink_start(&sink, 0, soft);
	url = relay_url(sink.port);
	sender = sender_new(url, NULL, NULL);
	sender_set_backoff(sender, 100000, 10000000);
	g_assert_cmpuint(sender_run_once(sender, q, &error), ==, 0);
	g_assert_cmpuint(queue_outbox_count(q, NULL), ==, 2);
	g_usleep(150000);
	g_assert_cmpuint(sender_run_once(sender, q, &error), ==, 0); /* second try: 200 ms */
	due = queue_outbox_due(q, g_get_real_time() + 150000, 10, NULL);
	g_assert_cmpuint(due->len, ==, 0);
	g_clear_pointer(&due, g_ptr_array_unref);
	due = queue_outbox_due(q, g_get_real_time() + 250000, 10, NULL);
	g_assert_cmpuint(due->len, ==, 2);
	g_assert_cmpuint(((LrOutMail *)due->pdata[0])->attempts, ==, 2);
	sink_clear(&sink);
	sink_start(&sink, 0, hard);
	g_free(url);
	url = relay_url(sink.port);
	sender_free(sender);
	sender = sender_new(url, NULL, NULL);
	g_usleep(250000);
	g_assert_cmpuint(sender_run_once(sender, q, &error), ==, 0);
	g_assert_no_error(error);
	g_assert_cmpuint(queue_outbox_count(q, NULL), ==, 0);
	sink_stop(&sink);
	dumps = sink_messages(&sink);
	g_assert_cmpuint(dumps->len, ==, 0);
	sink_clear(&sink);
	outbox_close(q, home);
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
	g_test_add_func("/compose/command-address", test_compose_command_address);
	g_test_add_func("/token/garbage", test_token_garbage);
	g_test_add_func("/token/secret", test_token_secret);
	g_test_add_func("/mailer/mask", test_mask);
	g_test_add_func("/compose/basic", test_compose_basic);
	g_test_add_func("/compose/reveal", test_compose_reveal);
	g_test_add_func("/compose/leaks", test_compose_leaks);
	g_test_add_func("/compose/envelope-from", test_envelope_from);
	g_test_add_func("/compose/injection", test_compose_injection);
	g_test_add_func("/compose/html-escape", test_compose_html_escape);
	g_test_add_func("/compose/rfc2047", test_compose_rfc2047);
	g_test_add_func("/compose/threading", test_compose_threading);
	g_test_add_func("/compose/attachments", test_compose_attachments);
	g_test_add_func("/compose/unknown-attachment", test_compose_unknown_attachment);
	g_test_add_func("/mimetype/table", test_mimetype_table);
	g_test_add_func("/mimetype/no-database", test_mimetype_no_database);
	g_test_add_func("/compose/broken", test_compose_broken);
	g_test_add_func("/compose/every-kind", test_compose_every_kind);
	g_test_add_func("/sender/ok", test_send_ok);
	g_test_add_func("/sender/failures", test_send_failures);
	g_test_add_func("/sender/down", test_send_down);
	g_test_add_func("/sender/outbox", test_outbox_send);
	g_test_add_func("/sender/outbox-relay-down", test_outbox_relay_down);
	g_test_add_func("/sender/outbox-refusals", test_outbox_refusals);
	return g_test_run();
}
