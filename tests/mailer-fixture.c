/* mailer-fixture.c - what the mailer tests share (mailer-fixture.h). */
#include "config.h"

#include <gmime/gmime.h>

#include "lead/lead.h"
#include "mailer/compose.h"
#include "tests/mailer-fixture.h"

/* templates_dir - the shipped templates in the source tree. */
const char *templates_dir(void)
{
	static char *dir;

	if (dir == NULL)
		dir = g_build_filename(g_getenv("LR_SRCDIR") ? g_getenv("LR_SRCDIR") : LR_SRCDIR,
		                       "templates", NULL);
	return dir;
}

/* sample_config - the mailer configuration of these tests. */
LrMailerConfig sample_config(void)
{
	LrMailerConfig config = {templates_dir(), "Lead Desk <leads@acme.example>",
	                         "leads.acme.example", "hq"};

	return config;
}

/* sample_lead - lead 42 with a few fields. */
LrLead *sample_lead(void)
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
GMimeMessage *parse_message(GBytes *bytes)
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
char *part_text(GMimeMessage *msg, const char *type, const char *subtype)
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
GBytes *compose_ok(const LrLead *lead, const LrNotice *notice, guint seq)
{
	LrMailerConfig config = sample_config();
	g_autoptr(GError) error = NULL;
	GBytes *bytes = mailer_compose(&config, lead, notice, seq, &error);

	g_assert_no_error(error);
	g_assert_nonnull(bytes);
	return bytes;
}
