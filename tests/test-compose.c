/* test-compose.c - composing notifications from the shipped templates
 * (mailer/compose.c), re-parsed with GMime: headers, masks, leaks,
 * injection, escaping, threading, attachments and their types
 * (mailer/mimetype.c). */
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

/* ---- Composing ---- */

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

/* charsets_check - every text part of msg has the charset and transfer
 * encoding GMime's own g_mime_text_part_set_text() gives its text, and
 * the first has charset want. */
static void charsets_check(GMimeMessage *msg, const char *want)
{
	GMimePartIter *iter = g_mime_part_iter_new(GMIME_OBJECT(msg));
	guint parts = 0;

	do {
		GMimeObject *obj = g_mime_part_iter_get_current(iter);
		g_autofree char *text = NULL;
		GMimeTextPart *ref;
		GMimeContentEncoding best;

		if (obj == NULL || !GMIME_IS_TEXT_PART(obj))
			continue;
		text = g_mime_text_part_get_text(GMIME_TEXT_PART(obj));
		ref = g_mime_text_part_new_with_subtype("plain");
		g_mime_text_part_set_text(ref, text);
		best = g_mime_part_get_best_content_encoding(GMIME_PART(ref),
		                                             GMIME_ENCODING_CONSTRAINT_7BIT);
		g_assert_cmpstr(g_mime_text_part_get_charset(GMIME_TEXT_PART(obj)), ==,
		                g_mime_text_part_get_charset(ref));
		g_assert_cmpint(g_mime_part_get_content_encoding(GMIME_PART(obj)), ==, best);
		if (parts++ == 0)
			g_assert_cmpstr(g_mime_text_part_get_charset(GMIME_TEXT_PART(obj)), ==, want);
		g_object_unref(ref);
	} while (g_mime_part_iter_next(iter));
	g_mime_part_iter_free(iter);
	g_assert_cmpuint(parts, >=, 2);
}

/* repeat - text n times over (new string). */
static char *repeat(const char *text, guint n)
{
	GString *out = g_string_new(NULL);

	while (n-- > 0)
		g_string_append(out, text);
	return g_string_free(out, FALSE);
}

/* test_compose_charsets - text parts say the smallest charset that holds
 * them, as GMime would pick it: ASCII, Latin-1 and other text. */
static void test_compose_charsets(void)
{
	static const char *const withheld[] = {"phone", NULL};
	static const struct {
		const char *company;
		const char *const *withheld;
		const char *charset;
		const char *message; /* NULL: none; "long", "8bit": made here */
	} cases[] = {
	    {"Acme Ltd", NULL, "us-ascii", NULL},
	    {"M\xc3\xbcller GmbH", NULL, "iso-8859-1", NULL},
	    {"Acme Ltd", withheld, "utf-8", NULL}, /* the mask is U+2022 */
	    {"\xc5\x81\xc3\xb3" "d\xc5\xba", NULL, "utf-8", NULL},
	    {"Acme Ltd", NULL, "us-ascii", "a line\nFrom here on"}, /* HTML: <br>\nFrom */
	    {"Acme Ltd", NULL, "us-ascii", "long"},                 /* a line over 998 */
	    {"Acme Ltd", withheld, "utf-8", "long"},
	    {"Acme Ltd", NULL, "utf-8", "8bit"}, /* base64: over 17 % 8-bit */
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(LrLead) lead = lead_new();
		LrNotice notice = {.kind = "new-lead",
		                   .to_name = "Anna Berger",
		                   .to_address = "anna@acme.example",
		                   .token = "t0k3n",
		                   .reason = "a rule",
		                   .deadline = "today 16:00",
		                   .withheld = cases[i].withheld};
		g_autoptr(GBytes) bytes = NULL;
		g_autoptr(GMimeMessage) msg = NULL;
		g_autofree char *message = NULL;

		lead->id = 7;
		lead_set_str(&lead->subject, "Pumps");
		lead_field_set(lead, "company", cases[i].company);
		lead_field_set(lead, "phone", "+49 30 1234582");
		if (g_strcmp0(cases[i].message, "long") == 0)
			message = g_strnfill(1200, 'x');
		else if (g_strcmp0(cases[i].message, "8bit") == 0)
			message = repeat("\xc5\x81", 100);
		else
			message = g_strdup(cases[i].message);
		if (message)
			lead_field_set(lead, "message", message);
		bytes = compose_ok(lead, &notice, 0);
		msg = parse_message(bytes);
		charsets_check(msg, cases[i].charset);
	}
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

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_mime_init();
	lr_log_open("test-compose", TRUE);
	g_test_add_func("/compose/command-address", test_compose_command_address);
	g_test_add_func("/compose/basic", test_compose_basic);
	g_test_add_func("/compose/charsets", test_compose_charsets);
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
	return g_test_run();
}
