/* test-templates.c - broken template folders, and every notification kind
 * composed from the shipped templates. */
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

/* ---- Templates ---- */

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

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_mime_init();
	lr_log_open("test-templates", TRUE);
	g_test_add_func("/compose/broken", test_compose_broken);
	g_test_add_func("/compose/every-kind", test_compose_every_kind);
	return g_test_run();
}
