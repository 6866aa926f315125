/* test-adf-out.c - ADF out (federation/adf-out.c): every document it writes
 * is valid against the shipped federation/adf-1.0.dtd, parser/adf.c reads
 * it back into the same fields, and withheld fields are in no byte. */
#include "config.h"

#include <string.h>

#include <libxml/parser.h>
#include <libxml/valid.h>

#include "federation/adf-out.h"
#include "lead/adf-fields.h"
#include "lead/lead.h"
#include "parser/adf.h"

static const FedAdfParties parties = {"North Dealer Group", "leads@north-dealer.example",
                                      "Acme Leads HQ", "leads@acme.example"};

/* A rich ADF lead as a vendor sends it: what the round trip starts from. */
static const char rich_adf[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<?adf version=\"1.0\"?>\n<adf><prospect>"
    "<id sequence=\"1\" source=\"AutoLeads\">AL-000381</id>"
    "<requestdate>2026-11-17T09:11:52-06:00</requestdate>"
    "<vehicle interest=\"buy\" status=\"new\"><year>2026</year><make>Ford</make>"
    "<model>F-150</model><vin>1FTFW1E50PFA00001</vin><stock>F1234</stock><trim>XLT</trim>"
    "<bodystyle>Pickup</bodystyle><transmission>Auto</transmission>"
    "<odometer>12</odometer><colorcombination><exteriorcolor>Blue</exteriorcolor>"
    "<preference>1</preference></colorcombination>"
    "<price type=\"quote\" currency=\"USD\">52000</price>"
    "<comments>Needs the towing package &amp; a bed liner</comments></vehicle>"
    "<vehicle interest=\"trade-in\" status=\"used\"><year>2015</year><make>Ford</make>"
    "<model>Focus</model></vehicle>"
    "<vehicle interest=\"buy\" status=\"used\"><year>2024</year><make>Ford</make>"
    "<model>Ranger</model></vehicle>"
    "<customer><contact primarycontact=\"1\"><name part=\"first\">Rosa</name>"
    "<name part=\"last\">Delgado</name><name part=\"full\" type=\"business\">Delgado "
    "Farms</name><email>rosa.delgado@webmail.example</email>"
    "<phone type=\"voice\">402-555-0187</phone><phone type=\"cellphone\">402-555-0188</phone>"
    "<phone type=\"fax\">402-555-0189</phone>"
    "<address><street line=\"1\">1200 Farnam St</street><city>Omaha</city>"
    "<regioncode>NE</regioncode><postalcode>68102</postalcode><country>US</country>"
    "</address></contact><timeframe><description>Within a month</description></timeframe>"
    "<comments>Please call after 5 pm. 5 &lt; 6, caf\xc3\xa9.</comments></customer>"
    "<vendor><vendorname>Prairie Ford</vendorname><contact><name part=\"full\">Sales</name>"
    "<email>sales@prairie.example</email></contact></vendor>"
    "<provider><name>AutoLeads</name><service>Quote form</service>"
    "<url>https://autoleads.example/</url><email>leads@autoleads.example</email>"
    "<contact><name part=\"full\">Pat Provider</name><email>leads@autoleads.example</email>"
    "</contact></provider></prospect></adf>\n";

/* adf_dtd - the shipped DTD, loaded once. */
static xmlDtdPtr adf_dtd(void)
{
	static xmlDtdPtr dtd;

	if (dtd == NULL) {
		g_autofree char *path =
		    g_build_filename(LR_SRCDIR, "federation", "adf-1.0.dtd", NULL);

		dtd = xmlParseDTD(NULL, BAD_CAST path);
		g_assert_nonnull(dtd);
	}
	return dtd;
}

/* assert_valid - xml parses (no network, no entities) and is valid
 * against the ADF 1.0 DTD. */
static void assert_valid(const GString *xml)
{
	xmlDocPtr doc = xmlReadMemory(xml->str, (int)xml->len, "adf.xml", NULL, XML_PARSE_NONET);
	xmlValidCtxtPtr ctxt = xmlNewValidCtxt();

	g_assert_nonnull(doc);
	g_assert_nonnull(ctxt);
	if (xmlValidateDtd(ctxt, doc, adf_dtd()) != 1) {
		g_test_message("invalid ADF:\n%s", xml->str);
		g_test_fail();
	}
	xmlFreeValidCtxt(ctxt);
	xmlFreeDoc(doc);
}

/* write_valid - lead written as ADF (withhold may be NULL), checked
 * against the DTD.  Returns the document. */
static GString *write_valid(const LrLead *lead, const char *const *withhold)
{
	g_autoptr(GError) error = NULL;
	GString *out = g_string_new(NULL);

	g_assert_true(fed_adf_write(lead, withhold, &parties, out, &error));
	g_assert_no_error(error);
	g_assert_true(g_str_has_prefix(out->str, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
	g_assert_nonnull(strstr(out->str, "<?adf version=\"1.0\"?>"));
	assert_valid(out);
	return out;
}

/* read_back - the lead parser/adf.c reads from xml. */
static LrLead *read_back(const GString *xml)
{
	g_autoptr(GError) error = NULL;
	LrLead *lead = lead_new();

	g_assert_true(adf_looks_like(xml->str, xml->len));
	g_assert_true(adf_parse(xml->str, xml->len, lead, &error));
	g_assert_no_error(error);
	return lead;
}

/* assert_same_fields - b has every field of a with the same value and no
 * other (the vendor fields name the recipient, which changes). */
static void assert_same_fields(const LrLead *a, const LrLead *b)
{
	guint compared = 0;

	for (guint i = 0; i < a->fields->len; i++) {
		const LrField *f = a->fields->pdata[i];

		if (g_str_has_prefix(f->name, "vendor"))
			continue;
		g_assert_cmpstr(lead_field_get(b, f->name), ==, f->value);
		compared++;
	}
	for (guint i = 0; i < b->fields->len; i++) {
		const LrField *f = b->fields->pdata[i];

		if (!g_str_has_prefix(f->name, "vendor"))
			g_assert_nonnull(lead_field_get(a, f->name));
	}
	g_assert_cmpuint(compared, >, 0);
}

/* test_round_trip - a rich vendor ADF lead, written out and read back,
 * has the same fields (and the second trip is byte-identical). */
static void test_round_trip(void)
{
	g_autoptr(LrLead) a = lead_new();
	g_autoptr(LrLead) b = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GString) out = NULL;
	g_autoptr(GString) again = NULL;

	g_assert_true(adf_parse(rich_adf, strlen(rich_adf), a, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(a->fields->len, >=, 35);
	out = write_valid(a, NULL);
	b = read_back(out);
	assert_same_fields(a, b);
	g_assert_cmpstr(lead_field_get(b, "vendor"), ==, "North Dealer Group");
	g_assert_cmpstr(lead_field_get(b, "provider"), ==, "AutoLeads");
	again = write_valid(b, NULL);
	g_assert_cmpstr(again->str, ==, out->str);
	g_assert_nonnull(strstr(out->str, "caf\xc3\xa9"));
}

/* form_lead - a lead as a web form gives it: no vehicle parts, fields ADF
 * has no element for. */
static LrLead *form_lead(void)
{
	LrLead *lead = lead_new();

	lead->received = G_GINT64_CONSTANT(1795000000) * G_USEC_PER_SEC;
	lead_field_set(lead, "name", "Anna <Schmidt> & Co");
	lead_field_set(lead, "email", "anna@example.com");
	lead_field_set(lead, "phone", "+49 30 1234582");
	lead_field_set(lead, "product", "Widget Pro");
	lead_field_set(lead, "budget", "5000");
	lead_field_set(lead, "message", "Call me on 030/123 45 82 or anna@example.com.\x01\x02");
	lead_field_set(lead, "utm_source", "newsletter");
	return lead;
}

/* test_form_lead - the product as the model, the other fields in the
 * vehicle's comments, markup escaped, control characters dropped, this
 * server as the provider, the arrival time as the request date. */
static void test_form_lead(void)
{
	g_autoptr(LrLead) lead = form_lead();
	g_autoptr(GString) out = write_valid(lead, NULL);
	g_autoptr(LrLead) back = read_back(out);

	g_assert_cmpstr(lead_field_get(back, "product"), ==, "Widget Pro");
	g_assert_cmpstr(lead_field_get(back, "name"), ==, "Anna <Schmidt> & Co");
	g_assert_cmpstr(lead_field_get(back, "email"), ==, "anna@example.com");
	g_assert_cmpstr(lead_field_get(back, "phone"), ==, "+49 30 1234582");
	g_assert_cmpstr(lead_field_get(back, "message"), ==,
	                "Call me on 030/123 45 82 or anna@example.com.");
	g_assert_cmpstr(lead_field_get(back, "vehicle_comments"), ==,
	                "budget: 5000\nutm_source: newsletter");
	g_assert_cmpstr(lead_field_get(back, "provider"), ==, "Acme Leads HQ");
	g_assert_cmpstr(lead_field_get(back, "provider_email"), ==, "leads@acme.example");
	g_assert_cmpstr(lead_field_get(back, "request_date"), ==, "2026-11-18T11:06:40Z");
	g_assert_null(strstr(out->str, "\x01"));
}

/* test_second_email - ADF 1.0 has one email a contact: email_2 is kept
 * among the other fields. */
static void test_second_email(void)
{
	g_autoptr(LrLead) lead = form_lead();
	g_autoptr(GString) out = NULL;
	g_autoptr(LrLead) back = NULL;

	lead_field_set(lead, "email_2", "anna@work.example");
	out = write_valid(lead, NULL);
	back = read_back(out);
	g_assert_cmpstr(lead_field_get(back, "email"), ==, "anna@example.com");
	g_assert_nonnull(
	    strstr(lead_field_get(back, "vehicle_comments"), "email_2: anna@work.example"));
}

/* test_withhold - withheld fields (and their values inside other text)
 * are in no byte: phone and email withheld, and name with its parts. */
static void test_withhold(void)
{
	static const char *const withhold[] = {"phone", "email", "name", NULL};
	g_autoptr(LrLead) lead = form_lead();
	g_autoptr(GString) out = NULL;
	g_autoptr(LrLead) back = NULL;

	lead_field_set(lead, "first_name", "Annabel");
	lead_field_set(lead, "phone_mobile", "0171 5550199");
	lead_field_set(lead, "email_2", "second@example.net");
	out = write_valid(lead, withhold);
	for (const char *v = "1234582"; v; v = NULL)
		g_assert_null(strstr(out->str, v));
	g_assert_null(strstr(out->str, "anna@example.com"));
	g_assert_null(strstr(out->str, "Annabel"));
	g_assert_null(strstr(out->str, "Schmidt"));
	g_assert_null(strstr(out->str, "5550199"));
	g_assert_null(strstr(out->str, "second@example.net"));
	back = read_back(out);
	g_assert_null(lead_field_get(back, "phone"));
	g_assert_null(lead_field_get(back, "email"));
	g_assert_null(lead_field_get(back, "name"));
	g_assert_cmpstr(lead_field_get(back, "product"), ==, "Widget Pro");
	g_assert_nonnull(strstr(lead_field_get(back, "message"), "Call me on"));
}

/* test_empty_lead - a lead with no fields is still a valid document. */
static void test_empty_lead(void)
{
	g_autoptr(LrLead) lead = lead_new();
	g_autoptr(GString) out = NULL;
	g_autoptr(GError) error = NULL;

	out = g_string_new(NULL);
	g_assert_true(fed_adf_write(lead, NULL, NULL, out, &error));
	g_assert_no_error(error);
	assert_valid(out);
}

/* count_error - a libxml2 error handler that counts. */
static void count_error(void *data, const xmlError *error)
{
	(void)error;
	(*(int *)data)++;
}

/* test_dtd_refuses - the DTD is strict enough to fail: a prospect without
 * a vehicle, and a phone of a type ADF 1.0 does not know, are invalid. */
static void test_dtd_refuses(void)
{
	static const char *const bad[] = {
	    "<adf><prospect><requestdate>x</requestdate><customer><contact><name>A</name>"
	    "<email>a@b</email></contact></customer><vendor><vendorname>V</vendorname>"
	    "<contact><name>V</name><email>v@b</email></contact></vendor></prospect></adf>",
	    "<adf><prospect><requestdate>x</requestdate><vehicle><year/><make/><model/>"
	    "</vehicle><customer><contact><name>A</name><phone type=\"mobile\">1</phone>"
	    "</contact></customer><vendor><vendorname>V</vendorname><contact><name>V</name>"
	    "<email>v@b</email></contact></vendor></prospect></adf>",
	};

	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
		xmlDocPtr doc =
		    xmlReadMemory(bad[i], (int)strlen(bad[i]), "bad.xml", NULL,
		                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
		xmlValidCtxtPtr ctxt = xmlNewValidCtxt();
		int errors = 0;

		g_assert_nonnull(doc);
		xmlSetStructuredErrorFunc(&errors, (xmlStructuredErrorFunc)count_error);
		g_assert_cmpint(xmlValidateDtd(ctxt, doc, adf_dtd()), ==, 0);
		xmlSetStructuredErrorFunc(NULL, NULL);
		g_assert_cmpint(errors, >, 0);
		xmlFreeValidCtxt(ctxt);
		xmlFreeDoc(doc);
	}
}

/* adf_field_sample - a value field may hold that adf-out writes as given. */
static const char *adf_field_sample(const char *field)
{
	if (strcmp(field, "vehicle_interest") == 0)
		return "lease";
	if (strcmp(field, "vehicle_status") == 0)
		return "used";
	return "Sample7q";
}

/* adf_field_companion - the field that field is written with (an
 * attribute or a part of its element), or NULL. */
static const char *adf_field_companion(const char *field)
{
	if (strcmp(field, "id_source") == 0)
		return "id";
	if (strcmp(field, "price_currency") == 0)
		return "price";
	if (g_str_has_prefix(field, "provider_"))
		return "provider";
	return NULL;
}

/* test_fields_written - every ADF field name (lead/adf-fields.h), which
 * leadroute check accepts in withhold, is written by adf-out in an element
 * of its own: its value is in the document and the field is not listed
 * ("name: value") in the comments as one ADF has no element for; a field
 * outside the list is.  The vendor fields are not passed on. */
static void test_fields_written(void)
{
	for (guint i = 0; lead_adf_fields[i]; i++) {
		const char *field = lead_adf_fields[i];
		g_autoptr(LrLead) lead = lead_new();
		g_autoptr(GString) out = g_string_new(NULL);
		g_autoptr(GError) error = NULL;
		g_autofree char *listed = g_strdup_printf("%s: ", field);

		lead->id = 7;
		lead_field_set(lead, field, adf_field_sample(field));
		if (adf_field_companion(field) != NULL)
			lead_field_set(lead, adf_field_companion(field), "Other9");
		g_assert_true(fed_adf_write(lead, NULL, NULL, out, &error));
		g_assert_no_error(error);
		assert_valid(out);
		if (g_str_has_prefix(field, "vendor")) {
			g_assert_null(strstr(out->str, adf_field_sample(field)));
			continue;
		}
		if (strstr(out->str, adf_field_sample(field)) == NULL || strstr(out->str, listed))
			g_test_message("field %s not in an element of its own:\n%s", field,
			               out->str);
		g_assert_nonnull(strstr(out->str, adf_field_sample(field)));
		g_assert_null(strstr(out->str, listed));
	}
	{
		g_autoptr(LrLead) lead = lead_new();
		g_autoptr(GString) out = g_string_new(NULL);

		lead->id = 7;
		lead_field_set(lead, "roof_area", "Sample7q");
		g_assert_true(fed_adf_write(lead, NULL, NULL, out, NULL));
		g_assert_nonnull(strstr(out->str, "roof_area: Sample7q"));
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/adf-out/round-trip", test_round_trip);
	g_test_add_func("/adf-out/form-lead", test_form_lead);
	g_test_add_func("/adf-out/second-email", test_second_email);
	g_test_add_func("/adf-out/withhold", test_withhold);
	g_test_add_func("/adf-out/empty-lead", test_empty_lead);
	g_test_add_func("/adf-out/dtd-refuses", test_dtd_refuses);
	g_test_add_func("/adf-out/fields-written", test_fields_written);
	return g_test_run();
}
