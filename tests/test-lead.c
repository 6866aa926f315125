/* test-lead.c - the lead record, its serialisation, raw header look-ups. */
#include "config.h"

#include <string.h>

#include "lead/lead.h"
#include "lead/lr-error.h"
#include "lead/rawmsg.h"

/* test_roundtrip - every member survives serialise/deserialise. */
static void test_roundtrip(void)
{
	g_autoptr(LrLead) lead = lead_new();
	g_autoptr(LrLead) back = NULL;
	g_autoptr(GBytes) bytes = NULL;
	const char *holders[] = {"erik", "anna", NULL};

	lead->id = 42;
	lead->received = 1700000000000000;
	lead_set_str(&lead->source, "webinar");
	lead_field_set(lead, "email", "a@b.example");
	lead_field_set(lead, "phone", "+49 30 1234");
	lead_field_set(lead, "email", "c@d.example");
	lead_list_set(lead->holders, holders);
	lead_meta_set(lead, "token", "xyz");
	lead->priority = 77;
	bytes = lead_serialize(lead);
	back = lead_deserialize(bytes, NULL);
	g_assert_nonnull(back);
	g_assert_cmpuint(back->id, ==, 42);
	g_assert_cmpint(back->received, ==, 1700000000000000);
	g_assert_cmpstr(back->source, ==, "webinar");
	g_assert_cmpstr(lead_field_get(back, "email"), ==, "c@d.example");
	g_assert_cmpuint(back->fields->len, ==, 2);
	g_assert_cmpstr(g_ptr_array_index(back->holders, 1), ==, "anna");
	g_assert_cmpstr(lead_meta_get(back, "token"), ==, "xyz");
	g_assert_cmpint(back->priority, ==, 77);
	g_assert_cmpstr(back->status, ==, LEAD_STATUS_NEW);
}

/* test_corrupt - garbage and unknown versions are refused, not crashed on. */
static void test_corrupt(void)
{
	g_autoptr(GBytes) junk = g_bytes_new_static("\x01\x02garbage", 9);
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) v2 = g_variant_ref_sink(g_variant_new_parsed("(@u 99, @a{sv} {})"));
	g_autoptr(GBytes) future = g_variant_get_data_as_bytes(v2);
	LrLead *lead;

	lead = lead_deserialize(junk, &error);
	g_assert_null(lead);
	g_assert_error(error, LR_ERROR, LR_ERROR_PERM);
	g_clear_error(&error);
	lead = lead_deserialize(future, &error);
	g_assert_null(lead);
	g_assert_nonnull(strstr(error->message, "version 99"));
}

/* test_header - unfolding, case, and the end of the header block. */
static void test_header(void)
{
	const char *msg = "Received: x\r\nsubject: Hello\r\n  world\r\nMessage-ID:  <a@b>\r\n"
	                  "\r\nX-Not: body\r\n";
	g_autofree char *subject = rawmsg_header(msg, strlen(msg), "Subject");
	g_autofree char *body = rawmsg_header(msg, strlen(msg), "X-Not");
	g_autofree char *key = rawmsg_key(msg, strlen(msg));

	g_assert_cmpstr(subject, ==, "Hello  world");
	g_assert_null(body);
	g_assert_cmpstr(key, ==, "a@b");
}

/* test_digest_key - no Message-ID: trace headers do not change the key. */
static void test_digest_key(void)
{
	const char *a = "Received: from x by y; Mon\nSubject: s\n\nbody\n";
	const char *b = "Received: from z by w; Tue\n  continued\nSubject: s\n\nbody\n";
	const char *c = "Subject: s\n\nother body\n";
	g_autofree char *ka = rawmsg_key(a, strlen(a));
	g_autofree char *kb = rawmsg_key(b, strlen(b));
	g_autofree char *kc = rawmsg_key(c, strlen(c));

	const char *d = "Received: from q\r\nSubject: s\r\n\r\nbody\r\n";
	g_autofree char *kd = rawmsg_key(d, strlen(d));

	g_assert_true(g_str_has_prefix(ka, "sha256:"));
	g_assert_cmpstr(ka, ==, kd); /* CRLF (LMTP) and LF (pipe) key the same */
	g_assert_cmpstr(ka, ==, kb);
	g_assert_cmpstr(ka, !=, kc);
}

/* test_check - what is not mail at all. */
static void test_check(void)
{
	g_autoptr(GError) error = NULL;

	g_assert_true(rawmsg_check("From: a\n\nb", 10, NULL));
	g_assert_false(rawmsg_check("", 0, &error));
	g_clear_error(&error);
	g_assert_false(rawmsg_check("\x7f\x45LF\x02\x01", 6, &error));
	g_assert_error(error, LR_ERROR, LR_ERROR_PERM);
	g_clear_error(&error);
	g_assert_false(rawmsg_check("\nbody only", 10, &error));
}

/* test_extension - address extensions name the source. */
static void test_extension(void)
{
	g_autofree char *a = rawmsg_addr_extension("leads+webinar@acme.example");
	g_autofree char *b = rawmsg_addr_extension("leads@acme.example");
	g_autofree char *c = rawmsg_addr_extension("leads+@acme.example");

	g_assert_cmpstr(a, ==, "webinar");
	g_assert_null(b);
	g_assert_null(c);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/lead/roundtrip", test_roundtrip);
	g_test_add_func("/lead/corrupt", test_corrupt);
	g_test_add_func("/rawmsg/header", test_header);
	g_test_add_func("/rawmsg/digest-key", test_digest_key);
	g_test_add_func("/rawmsg/check", test_check);
	g_test_add_func("/rawmsg/extension", test_extension);
	return g_test_run();
}
