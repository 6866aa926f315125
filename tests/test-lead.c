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

/* record_bytes_check - bytes are exactly the record the text describes:
 * the stored layout, not only what reads back. */
static void record_bytes_check(GBytes *bytes, const char *text)
{
	g_autoptr(GVariant) want = g_variant_ref_sink(g_variant_new_parsed(text));
	g_autoptr(GBytes) want_bytes = g_variant_get_data_as_bytes(want);
	g_autoptr(GVariant) got = g_variant_ref_sink(
	    g_variant_new_from_bytes(G_VARIANT_TYPE("(ua{sv})"), bytes, FALSE));
	g_autofree char *got_text = g_variant_print(got, TRUE);

	g_test_message("record: %s", got_text);
	g_assert_true(g_bytes_equal(bytes, want_bytes));
}

/* test_record_bytes - the lead and event records keep their layout, byte
 * for byte (the store holds them; a new writer must not change them). */
static void test_record_bytes(void)
{
	g_autoptr(LrLead) lead = lead_new();
	g_autoptr(GBytes) bytes = NULL;
	g_autoptr(GBytes) ebytes = NULL;
	const char *holders[] = {"erik", "anna", NULL};
	LrEvent event = {.at = 1700000000000001, .type = "parsed", .actor = "parser",
	                 .detail = "format=form"};

	lead->id = 42;
	lead->received = 1700000000000000;
	lead_set_str(&lead->source, "webinar");
	lead_field_set(lead, "email", "a@b.example");
	lead_field_set(lead, "phone", "+49 30 1234");
	lead_list_set(lead->holders, holders);
	lead_meta_set(lead, "token", "xyz");
	lead->priority = -7;
	bytes = lead_serialize(lead);
	record_bytes_check(bytes,
	                   "(@u 1, @a{sv} {'id': <@t 42>, 'received': <@x 1700000000000000>,"
	                   " 'source': <'webinar'>, 'status': <'new'>, 'stage': <'none'>,"
	                   " 'is_lead': <true>, 'priority': <@i -7>,"
	                   " 'fields': <[('email', 'a@b.example'), ('phone', '+49 30 1234')]>,"
	                   " 'holders': <['erik', 'anna']>, 'assignees': <@as []>,"
	                   " 'meta': <{'token': 'xyz'}>})");
	ebytes = lead_event_serialize(&event);
	record_bytes_check(ebytes, "(@u 1, @a{sv} {'at': <@x 1700000000000001>, 'type': <'parsed'>,"
	                           " 'actor': <'parser'>, 'detail': <'format=form'>})");
}

/* test_record_members - a reader takes the last of a member named twice,
 * skips a member of the wrong type and names it does not know. */
static void test_record_members(void)
{
	g_autoptr(GVariant) v = g_variant_ref_sink(g_variant_new_parsed(
	    "(@u 1, @a{sv} {'source': <'old'>, 'id': <@t 9>, 'priority': <'high'>,"
	    " 'future': <[1, 2]>, 'holders': <['a', 'b']>, 'source': <'new'>,"
	    " 'fields': <[('email', 'x@y.example')]>, 'meta': <{'k': 'v'}>})"));
	g_autoptr(GBytes) bytes = g_variant_get_data_as_bytes(v);
	g_autoptr(LrLead) lead = lead_deserialize(bytes, NULL);
	LrEvent event = {.at = 5, .type = "routed", .actor = "router", .detail = "to=anna"};
	g_autoptr(GBytes) ebytes = lead_event_serialize(&event);
	LrEvent *back = lead_event_deserialize(ebytes, NULL);

	g_assert_nonnull(lead);
	g_assert_cmpstr(lead->source, ==, "new");
	g_assert_cmpuint(lead->id, ==, 9);
	g_assert_cmpint(lead->priority, ==, 0);
	g_assert_cmpuint(lead->holders->len, ==, 2);
	g_assert_cmpstr(g_ptr_array_index(lead->holders, 1), ==, "b");
	g_assert_cmpstr(lead_field_get(lead, "email"), ==, "x@y.example");
	g_assert_cmpstr(lead_meta_get(lead, "k"), ==, "v");
	g_assert_cmpstr(lead->status, ==, LEAD_STATUS_NEW);
	g_assert_nonnull(back);
	g_assert_cmpint(back->at, ==, 5);
	g_assert_cmpstr(back->type, ==, "routed");
	g_assert_cmpstr(back->actor, ==, "router");
	g_assert_cmpstr(back->detail, ==, "to=anna");
	lead_event_free(back);
}

/* ref_member - key = value into a GLib builder (the reference writer). */
static void ref_member(GVariantBuilder *b, const char *key, GVariant *value)
{
	g_variant_builder_add(b, "{sv}", key, value);
}

/* ref_strv - an "as" built by GLib. */
static GVariant *ref_strv(const GPtrArray *list)
{
	GVariantBuilder b;

	g_variant_builder_init(&b, G_VARIANT_TYPE("as"));
	for (guint i = 0; i < list->len; i++)
		g_variant_builder_add(&b, "s", (const char *)g_ptr_array_index(list, i));
	return g_variant_builder_end(&b);
}

/* ref_serialize - the lead record as GLib serialises the same values. */
static GBytes *ref_serialize(const LrLead *lead)
{
	GVariantBuilder b, f, m;
	GHashTableIter it;
	gpointer k, v;
	const char *strs[][2] = {{"message_key", lead->message_key}, {"sender", lead->sender},
	                         {"recipient", lead->recipient},     {"subject", lead->subject},
	                         {"source", lead->source},           {"status", lead->status},
	                         {"stage", lead->stage},             {"format", lead->format},
	                         {"reason", lead->reason}};
	g_autoptr(GVariant) record = NULL;

	g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
	ref_member(&b, "id", g_variant_new_uint64(lead->id));
	ref_member(&b, "received", g_variant_new_int64(lead->received));
	for (guint i = 0; i < G_N_ELEMENTS(strs); i++)
		if (strs[i][1] != NULL)
			ref_member(&b, strs[i][0], g_variant_new_string(strs[i][1]));
	ref_member(&b, "is_lead", g_variant_new_boolean(lead->is_lead));
	ref_member(&b, "priority", g_variant_new_int32(lead->priority));
	g_variant_builder_init(&f, G_VARIANT_TYPE("a(ss)"));
	for (guint i = 0; i < lead->fields->len; i++) {
		const LrField *fd = g_ptr_array_index(lead->fields, i);
		g_variant_builder_add(&f, "(ss)", fd->name, fd->value);
	}
	ref_member(&b, "fields", g_variant_builder_end(&f));
	ref_member(&b, "holders", ref_strv(lead->holders));
	ref_member(&b, "assignees", ref_strv(lead->assignees));
	g_variant_builder_init(&m, G_VARIANT_TYPE("a{ss}"));
	g_hash_table_iter_init(&it, lead->meta);
	while (g_hash_table_iter_next(&it, &k, &v))
		g_variant_builder_add(&m, "{ss}", (const char *)k, (const char *)v);
	ref_member(&b, "meta", g_variant_builder_end(&m));
	record = g_variant_ref_sink(g_variant_new("(u@a{sv})", 1, g_variant_builder_end(&b)));
	return g_variant_get_data_as_bytes(record);
}

/* ref_event - the event record as GLib serialises it. */
static GBytes *ref_event(const LrEvent *e)
{
	GVariantBuilder b;
	g_autoptr(GVariant) record = NULL;

	g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
	ref_member(&b, "at", g_variant_new_int64(e->at));
	ref_member(&b, "type", g_variant_new_string(e->type));
	ref_member(&b, "actor", g_variant_new_string(e->actor));
	if (e->detail != NULL)
		ref_member(&b, "detail", g_variant_new_string(e->detail));
	record = g_variant_ref_sink(g_variant_new("(u@a{sv})", 1, g_variant_builder_end(&b)));
	return g_variant_get_data_as_bytes(record);
}

/* random_text - a string of n bytes of letters (new). */
static char *random_text(GRand *rand, guint n)
{
	char *s = g_malloc(n + 1);

	for (guint i = 0; i < n; i++)
		s[i] = (char)g_rand_int_range(rand, 'a', 'z' + 1);
	s[n] = '\0';
	return s;
}

/* random_size - a string size: mostly short, some past 255 and 64 KiB
 * (where GVariant's offsets grow from 1 to 2 and 4 bytes). */
static guint random_size(GRand *rand)
{
	static const guint sizes[] = {0, 1, 7, 8, 9, 200, 240, 250, 255, 256, 300, 4000, 65500, 70000};

	return g_rand_boolean(rand) ? (guint)g_rand_int_range(rand, 0, 40)
	                            : sizes[g_rand_int_range(rand, 0, G_N_ELEMENTS(sizes))];
}

/* test_record_writer - the record writer gives GLib's bytes for leads and
 * events of every shape: empty and long strings, lists and tables, whole
 * records of under 256 bytes to over 64 KiB. */
static void test_record_writer(void)
{
	g_autoptr(GRand) rand = g_rand_new_with_seed(15);
	guint sizes = 0;

	for (guint round = 0; round < 400; round++) {
		g_autoptr(LrLead) lead = lead_new();
		g_autoptr(GBytes) got = NULL, want = NULL;
		guint nf = g_rand_int_range(rand, 0, 6), nh = g_rand_int_range(rand, 0, 4);
		guint nm = g_rand_int_range(rand, 0, 5);
		LrEvent event = {.at = g_rand_int(rand)};

		lead->id = round * G_GUINT64_CONSTANT(0x100000001);
		lead->received = -(gint64)round * 1000003;
		lead->priority = g_rand_int_range(rand, -1000, 1000);
		lead->is_lead = g_rand_boolean(rand);
		if (g_rand_boolean(rand))
			lead->subject = random_text(rand, random_size(rand));
		if (g_rand_boolean(rand))
			lead->source = random_text(rand, random_size(rand));
		for (guint i = 0; i < nf; i++) {
			g_autofree char *name = g_strdup_printf("f%u", i);
			g_autofree char *value = random_text(rand, random_size(rand));
			lead_field_set(lead, name, value);
		}
		for (guint i = 0; i < nh; i++)
			g_ptr_array_add(lead->holders, random_text(rand, random_size(rand)));
		for (guint i = 0; i < nm; i++) {
			g_autofree char *key = random_text(rand, 1 + i);
			g_autofree char *value = random_text(rand, random_size(rand));
			lead_meta_set(lead, key, value);
		}
		got = lead_serialize(lead);
		want = ref_serialize(lead);
		g_assert_cmpuint(g_bytes_get_size(got), ==, g_bytes_get_size(want));
		g_assert_true(g_bytes_equal(got, want));
		sizes |= g_bytes_get_size(got) <= 255 ? 1 : g_bytes_get_size(got) <= 65535 ? 2 : 4;
		event.type = lead->subject ? lead->subject : "t";
		event.actor = "a";
		event.detail = lead->source;
		g_clear_pointer(&got, g_bytes_unref);
		g_clear_pointer(&want, g_bytes_unref);
		got = lead_event_serialize(&event);
		want = ref_event(&event);
		g_assert_true(g_bytes_equal(got, want));
	}
	g_assert_cmpuint(sizes, ==, 7); /* records of all three offset sizes */
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
	g_test_add_func("/lead/record-bytes", test_record_bytes);
	g_test_add_func("/lead/record-members", test_record_members);
	g_test_add_func("/lead/record-writer", test_record_writer);
	g_test_add_func("/lead/corrupt", test_corrupt);
	g_test_add_func("/rawmsg/header", test_header);
	g_test_add_func("/rawmsg/digest-key", test_digest_key);
	g_test_add_func("/rawmsg/check", test_check);
	g_test_add_func("/rawmsg/extension", test_extension);
	return g_test_run();
}
