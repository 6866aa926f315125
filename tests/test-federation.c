/* test-federation.c - the exchange documents and their signatures:
 * round trips, schema validation, and every hostile or broken input the
 * receiver must refuse (forged, stale, future, tampered, wrong key,
 * malformed, billion laughs, external entities, oversize). */
#include "config.h"

#include <string.h>

#include "federation/exchange.h"
#include "lead/lr-error.h"

#define NOW 1800000000 /* seconds: the verifier's clock in these tests */

/* sample_lead - a lead exchange hq -> north. */
static FedExchange *sample_lead(void)
{
	FedExchange *x = fed_exchange_new(FED_LEAD);

	x->id = g_strdup("lead.hq.42.1");
	x->from = g_strdup("hq");
	x->to = g_strdup("north");
	x->at = (gint64)NOW * G_USEC_PER_SEC;
	x->origin_server = g_strdup("hq");
	x->origin_lead = 42;
	x->assignment = 1;
	x->received = (gint64)(NOW - 60) * G_USEC_PER_SEC;
	x->subject = g_strdup("Quote for 3 Tundra <urgent> & \"soon\"");
	x->source = g_strdup("webinar");
	x->priority = 37;
	g_ptr_array_add(x->chain, g_strdup("hq"));
	fed_exchange_add_field(x, "name", "Jörg Müller");
	fed_exchange_add_field(x, "email", "joerg@example.de");
	fed_exchange_add_field(x, "message", "line one\nline two & <three>");
	return x;
}

/* secret - a GBytes secret from text. */
static GBytes *secret(const char *text)
{
	return g_bytes_new(text, strlen(text));
}

/* test_lead_round_trip - build, parse: the same lead. */
static void test_lead_round_trip(void)
{
	g_autoptr(FedExchange) x = sample_lead();
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) xml = fed_exchange_build(x, &error);
	g_autoptr(FedExchange) y = NULL;

	g_assert_no_error(error);
	g_assert_nonnull(xml);
	y = fed_exchange_parse(xml, &error);
	g_assert_no_error(error);
	g_assert_cmpint(y->kind, ==, FED_LEAD);
	g_assert_cmpstr(y->id, ==, "lead.hq.42.1");
	g_assert_cmpstr(y->from, ==, "hq");
	g_assert_cmpstr(y->to, ==, "north");
	g_assert_cmpint(y->at, ==, x->at);
	g_assert_cmpstr(y->origin_server, ==, "hq");
	g_assert_cmpuint(y->origin_lead, ==, 42);
	g_assert_cmpuint(y->assignment, ==, 1);
	g_assert_cmpint(y->received, ==, x->received);
	g_assert_cmpstr(y->subject, ==, x->subject);
	g_assert_cmpstr(y->source, ==, "webinar");
	g_assert_cmpint(y->priority, ==, 37);
	g_assert_cmpuint(y->chain->len, ==, 1);
	g_assert_cmpstr(y->chain->pdata[0], ==, "hq");
	g_assert_cmpuint(y->names->len, ==, 3);
	g_assert_cmpstr(y->names->pdata[0], ==, "name");
	g_assert_cmpstr(y->values->pdata[0], ==, "Jörg Müller");
	g_assert_cmpstr(y->values->pdata[2], ==, "line one\nline two & <three>");
}

/* test_status_and_recall - the other two kinds round trip. */
static void test_status_and_recall(void)
{
	g_autoptr(FedExchange) s = fed_exchange_new(FED_STATUS);
	g_autoptr(FedExchange) r = fed_exchange_new(FED_RECALL);
	g_autoptr(GBytes) sx = NULL, rx = NULL;
	g_autoptr(FedExchange) s2 = NULL, r2 = NULL;

	s->id = g_strdup("status.north.hq.42.1.3");
	s->from = g_strdup("north");
	s->to = g_strdup("hq");
	s->origin_server = g_strdup("hq");
	s->origin_lead = 42;
	s->assignment = 1;
	s->event = g_strdup("won");
	s->by = g_strdup("Nora North");
	s->amount = g_strdup("12000");
	sx = fed_exchange_build(s, NULL);
	g_assert_nonnull(sx);
	s2 = fed_exchange_parse(sx, NULL);
	g_assert_nonnull(s2);
	g_assert_cmpint(s2->kind, ==, FED_STATUS);
	g_assert_cmpstr(s2->event, ==, "won");
	g_assert_cmpstr(s2->by, ==, "Nora North");
	g_assert_cmpstr(s2->amount, ==, "12000");

	r->id = g_strdup("recall.hq.42.1");
	r->from = g_strdup("hq");
	r->to = g_strdup("north");
	r->origin_server = g_strdup("hq");
	r->origin_lead = 42;
	r->assignment = 1;
	r->reason = g_strdup("not accepted within 8h");
	rx = fed_exchange_build(r, NULL);
	g_assert_nonnull(rx);
	r2 = fed_exchange_parse(rx, NULL);
	g_assert_nonnull(r2);
	g_assert_cmpint(r2->kind, ==, FED_RECALL);
	g_assert_cmpstr(r2->reason, ==, "not accepted within 8h");
}

/* test_build_refuses - what the schema does not allow is never sent. */
static void test_build_refuses(void)
{
	g_autoptr(FedExchange) x = sample_lead();
	g_autoptr(FedExchange) s = fed_exchange_new(FED_STATUS);
	g_autoptr(GError) error = NULL;

	g_free(x->to);
	x->to = g_strdup("north dealer"); /* a space: not a server id */
	g_assert_null(fed_exchange_build(x, &error));
	g_assert_error(error, LR_ERROR, LR_ERROR_PERM);
	g_clear_error(&error);
	s->id = g_strdup("s1");
	s->from = g_strdup("north");
	s->to = g_strdup("hq");
	s->origin_server = g_strdup("hq");
	s->origin_lead = 1;
	s->assignment = 1;
	s->event = g_strdup("exploded"); /* not a status */
	g_assert_null(fed_exchange_build(s, &error));
	g_assert_error(error, LR_ERROR, LR_ERROR_PERM);
}

/* parse_fails - text must be refused with LR_ERROR_PERM. */
static void parse_fails(const char *text, gsize len)
{
	g_autoptr(GBytes) b = g_bytes_new(text, len);
	g_autoptr(GError) error = NULL;
	g_autoptr(FedExchange) x = fed_exchange_parse(b, &error);

	g_assert_null(x);
	g_assert_error(error, LR_ERROR, LR_ERROR_PERM);
}

#define ROOT                                                                                       \
	"<exchange xmlns=\"urn:leadroute:exchange:1\" version=\"1\" id=\"x1\" "                    \
	"from=\"hq\" to=\"north\" at=\"2027-01-15T08:00:00Z\">"

/* test_hostile - malformed, invalid, entity tricks, oversize. */
static void test_hostile(void)
{
	static const char *const bad[] = {
	    "",
	    "not xml at all",
	    ROOT "<lead origin-server=\"hq\" origin-lead=\"1\" assignment=\"1\">", /* cut */
	    /* Valid XML, not valid under the schema: no chain, no fields. */
	    ROOT "<lead origin-server=\"hq\" origin-lead=\"1\" assignment=\"1\">"
	         "<received>2027-01-15T08:00:00Z</received><priority>1</priority>"
	         "</lead></exchange>",
	    /* Another namespace. */
	    "<exchange xmlns=\"urn:other\" version=\"1\" id=\"x\" from=\"hq\" to=\"n\" "
	    "at=\"2027-01-15T08:00:00Z\"><recall origin-server=\"hq\" origin-lead=\"1\" "
	    "assignment=\"1\"/></exchange>",
	    /* Version 2 is not this schema's. */
	    "<exchange xmlns=\"urn:leadroute:exchange:1\" version=\"2\" id=\"x\" from=\"hq\" "
	    "to=\"n\" at=\"2027-01-15T08:00:00Z\"><recall origin-server=\"hq\" "
	    "origin-lead=\"1\" assignment=\"1\"/></exchange>",
	    /* Billion laughs. */
	    "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
	    "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
	    "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]>" ROOT
	    "<recall origin-server=\"hq\" origin-lead=\"1\" assignment=\"1\">"
	    "<reason>&lol3;</reason></recall></exchange>",
	    /* An external entity. */
	    "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>" ROOT
	    "<recall origin-server=\"hq\" origin-lead=\"1\" assignment=\"1\">"
	    "<reason>&e;</reason></recall></exchange>",
	};

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++)
		parse_fails(bad[i], strlen(bad[i]));
}

/* test_oversize - over FED_MAX_XML is refused before parsing; 50 MB too. */
static void test_oversize(void)
{
	gsize n = 50 * 1024 * 1024;
	g_autofree char *big = g_malloc0(n + 1); /* NUL-terminated: fields are strings */
	g_autoptr(FedExchange) x = sample_lead();
	g_autoptr(GBytes) xml = NULL;

	memset(big, ' ', n);
	memcpy(big, ROOT, strlen(ROOT));
	parse_fails(big, n);
	parse_fails(big, FED_MAX_XML + 1);
	/* A lead whose fields push the document over the bound is refused too. */
	fed_exchange_add_field(x, "notes", big + FED_MAX_XML);
	xml = fed_exchange_build(x, NULL);
	if (xml != NULL)
		parse_fails(g_bytes_get_data(xml, NULL), g_bytes_get_size(xml));
}

/* test_signature - sign and verify; forged, tampered, wrong key, stale,
 * future, unreadable: each refused. */
static void test_signature(void)
{
	g_autoptr(FedExchange) x = sample_lead();
	g_autoptr(GBytes) xml = fed_exchange_build(x, NULL);
	g_autoptr(GBytes) key = secret("north-and-hq-share-this-secret-0123456789");
	g_autoptr(GBytes) other = secret("somebody-else-entirely-0123456789abcdef");
	GBytes *keys[] = {key, NULL}, *wrong[] = {other, NULL}, *both[] = {other, key, NULL};
	g_autofree char *sig = fed_sign(key, "hq", NOW, xml);
	g_autofree char *old = fed_sign(key, "hq", NOW - FED_MAX_AGE - 1, xml);
	g_autofree char *future = fed_sign(key, "hq", NOW + FED_MAX_SKEW + 1, xml);
	g_autofree char *peer = fed_sig_peer(sig);
	g_autofree char *forged = g_strdup(sig);
	g_autofree char *tampered_text = NULL, *renamed = NULL;
	g_autoptr(GBytes) tampered = NULL;
	g_autoptr(GError) error = NULL;

	g_assert_cmpstr(peer, ==, "hq");
	g_assert_true(fed_verify(sig, xml, keys, NOW, &error));
	g_assert_no_error(error);
	/* Two secrets valid during a change-over: either verifies. */
	g_assert_true(fed_verify(sig, xml, both, NOW + 3600, NULL));
	g_assert_false(fed_verify(sig, xml, wrong, NOW, &error));
	g_assert_error(error, LR_ERROR, LR_ERROR_PERM);
	g_clear_error(&error);
	forged[strlen(forged) - 1] = forged[strlen(forged) - 1] == '0' ? '1' : '0';
	g_assert_false(fed_verify(forged, xml, keys, NOW, NULL));
	tampered_text = g_strndup(g_bytes_get_data(xml, NULL), g_bytes_get_size(xml));
	*strstr(tampered_text, "<priority>37") = ' ';
	tampered = g_bytes_new(tampered_text, strlen(tampered_text));
	g_assert_false(fed_verify(sig, tampered, keys, NOW, NULL));
	/* The peer is signed: the same MAC claimed by another server fails. */
	renamed = g_strdup(sig);
	memcpy(strstr(renamed, "peer=hq"), "peer=hx", 7);
	g_assert_false(fed_verify(renamed, xml, keys, NOW, NULL));
	g_assert_false(fed_verify(old, xml, keys, NOW, &error));
	g_assert_nonnull(strstr(error->message, "older"));
	g_clear_error(&error);
	g_assert_false(fed_verify(future, xml, keys, NOW, &error));
	g_assert_nonnull(strstr(error->message, "future"));
	g_assert_true(fed_verify(future, xml, keys, NOW + FED_MAX_SKEW + 1, NULL));
	g_assert_false(fed_verify("t=1; peer=hq", xml, keys, NOW, NULL));
	g_assert_false(fed_verify(NULL, xml, keys, NOW, NULL));
	g_assert_null(fed_sig_peer("garbage"));
	g_assert_null(fed_sig_peer("t=1; peer=../etc; v1=00"));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/federation/lead-round-trip", test_lead_round_trip);
	g_test_add_func("/federation/status-and-recall", test_status_and_recall);
	g_test_add_func("/federation/build-refuses", test_build_refuses);
	g_test_add_func("/federation/hostile", test_hostile);
	g_test_add_func("/federation/oversize", test_oversize);
	g_test_add_func("/federation/signature", test_signature);
	return g_test_run();
}
