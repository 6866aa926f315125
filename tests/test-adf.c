/* test-adf.c - ADF/XML leads (parser/adf.c): the corpus message, the
 * shapes senders use, malformed and hostile input. */
#include "tests/corpus.h"
#include "tests/sanitizer.h"
#include "config.h"

#include <string.h>
#include <sys/resource.h>

#include <glib/gstdio.h>

#include "lead/lead.h"
#include "lead/lr-error.h"
#include "parser/adf.h"
#include "parser/html.h"
#include "tests/corpus-body.h"

/* ---- ADF ---- */

/* test_adf_corpus - v02: every field its expect file names. */
static void test_adf_corpus(void)
{
	g_autofree char *expect = NULL;
	g_autofree char *body = corpus_body("v02-adf", &expect);
	g_autoptr(LrLead) lead = lead_new();
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) lines = NULL;
	guint checked = 0;

	if (body == NULL)
		return;
	g_assert_true(adf_looks_like(body, strlen(body)));
	g_assert_true(adf_parse(body, strlen(body), lead, &error));
	g_assert_no_error(error);
	lines = g_strsplit(expect, "\n", -1);
	for (char **l = lines; *l != NULL; l++) {
		const char *sep = strpbrk(*l, "=~");
		g_autofree char *key = NULL;
		const char *got;

		if (sep == NULL)
			continue;
		key = g_strndup(*l, sep - *l);
		got = strcmp(key, "format") == 0 ? lead->format : lead_field_get(lead, key);
		g_assert_nonnull(got);
		if (*sep == '=')
			g_assert_cmpstr(got, ==, sep + 1);
		else
			g_assert_nonnull(strstr(got, sep + 1));
		checked++;
	}
	g_assert_cmpuint(checked, ==, 10);
	g_assert_cmpstr(lead_field_get(lead, "product"), ==, "2026 Ford F-150 XLT");
	g_assert_cmpstr(lead_field_get(lead, "id"), ==, "AL-000381");
	g_assert_cmpstr(lead_field_get(lead, "id_source"), ==, "AutoLeads");
	g_assert_cmpstr(lead_field_get(lead, "vendor"), ==, "Prairie Ford");
	g_assert_cmpstr(lead_field_get(lead, "provider"), ==, "AutoLeads");
	g_assert_cmpstr(lead_field_get(lead, "request_date"), ==, "2026-11-17T09:11:52-06:00");
}

typedef struct {
	const char *name;
	const char *xml;
	const char *fields[48]; /* name, value, ...; a NULL value: must be absent */
} AdfCase;

#define ADF_HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<?adf version=\"1.0\"?>\n<adf>"

static const AdfCase adf_cases[] = {
    {"split name, several phones and emails",
     ADF_HEAD
     "<prospect><requestdate>2026-11-20T10:00:00Z</requestdate>"
     "<vehicle interest=\"lease\" status=\"used\"><year>2024</year><make>Honda</make>"
     "<model>Civic</model><trim>EX</trim><vin>1HGCM82633A004352</vin>"
     "<price type=\"msrp\">31000</price><price type=\"quote\" currency=\"USD\">28500</price>"
     "</vehicle><customer><contact primarycontact=\"1\">"
     "<name part=\"first\">Ann</name><name part=\"middle\">B.</name>"
     "<name part=\"last\">Lee</name>"
     "<email>old@x.example</email><email preferredcontact=\"1\">ann@x.example</email>"
     "<phone type=\"fax\">555-0109</phone>"
     "<phone type=\"voice\" time=\"day\">555-0100</phone>"
     "<phone type=\"voice\" time=\"evening\">555-0101</phone>"
     "<phone type=\"cellphone\">555-0102</phone>"
     "<address type=\"home\"><street line=\"1\">1 Main St</street>"
     "<street line=\"2\">Suite 4</street><city>Springfield</city>"
     "<regioncode>IL</regioncode><postalcode>62701</postalcode><country>US</country>"
     "</address></contact></customer>"
     "<vendor><vendorname>Lincoln Honda</vendorname><contact><name part=\"full\">Sales Desk"
     "</name></contact></vendor></prospect></adf>",
     {"name",
      "Ann B. Lee",
      "first_name",
      "Ann",
      "middle_name",
      "B.",
      "last_name",
      "Lee",
      "email",
      "ann@x.example",
      "email_2",
      "old@x.example",
      "phone",
      "555-0100",
      "phone_fax",
      "555-0109",
      "phone_2",
      "555-0101",
      "phone_mobile",
      "555-0102",
      "street",
      "1 Main St, Suite 4",
      "city",
      "Springfield",
      "region",
      "IL",
      "postal_code",
      "62701",
      "country",
      "US",
      "product",
      "2024 Honda Civic EX",
      "vehicle_interest",
      "lease",
      "vehicle_status",
      "used",
      "vehicle_vin",
      "1HGCM82633A004352",
      "price",
      "28500",
      "price_currency",
      "USD",
      NULL}},
    {"several vehicles, trade-in first",
     ADF_HEAD "<prospect><vehicle interest=\"trade-in\" status=\"used\"><year>2015</year>"
              "<make>Toyota</make><model>Camry</model></vehicle>"
              "<vehicle interest=\"buy\" status=\"new\"><year>2026</year><make>Ford</make>"
              "<model>F-150</model><trim>XLT</trim><comments>Towing package</comments></vehicle>"
              "<vehicle interest=\"buy\" status=\"new\"><year>2026</year><make>Ford</make>"
              "<model>Ranger</model></vehicle>"
              "<customer><contact><name part=\"full\">Rosa  Delgado</name>"
              "<phone>402-555-0187</phone></contact></customer></prospect></adf>",
     {"product",
      "2026 Ford F-150 XLT",
      "vehicle_year",
      "2026",
      "vehicle_make",
      "Ford",
      "vehicle_model",
      "F-150",
      "vehicle_trim",
      "XLT",
      "vehicle_interest",
      "buy",
      "trade_in",
      "2015 Toyota Camry",
      "vehicle_2",
      "2026 Ford Ranger",
      "vehicle_comments",
      "Towing package",
      "message",
      "Towing package",
      "name",
      "Rosa Delgado",
      "first_name",
      NULL,
      NULL}},
    {"comments with CDATA",
     ADF_HEAD "<prospect><customer><contact><name>Bo</name></contact>"
              "<comments><![CDATA[Call after 5 <pm> & ask for Bo.\n  Second line.  ]]></comments>"
              "<timeframe><description>Within a week</description></timeframe>"
              "</customer></prospect></adf>",
     {"message", "Call after 5 <pm> & ask for Bo.\n  Second line.", "name", "Bo", "timeframe",
      "Within a week", NULL}},
    {"missing optional parts, no declaration",
     "<adf><prospect><customer><contact><name part=\"full\">Cy Young</name>"
     "<phone>555-0111</phone></contact></customer></prospect></adf>",
     {"name", "Cy Young", "phone", "555-0111", "product", NULL, "email", NULL, "message", NULL,
      NULL}},
    {"adf PI before the XML declaration, blank lines first, namespace",
     "\n\n<?adf version=\"1.0\"?>\n<?xml version=\"1.0\"?>\n"
     "<adf xmlns=\"http://adf.example/1.0\"><prospect status=\"resend\">"
     "<id sequence=\"1\" source=\"Impel\">L-77</id>"
     "<customer><contact><name part=\"full\" type=\"business\">Acme Farms</name>"
     "<name part=\"full\">Dee Park</name><email>dee@acme.example</email></contact>"
     "</customer><provider><name part=\"full\">Impel</name><service>Chat</service>"
     "<email>leads@impel.example</email></provider></prospect></adf>",
     {"id", "L-77", "id_source", "Impel", "company", "Acme Farms", "name", "Dee Park", "email",
      "dee@acme.example", "provider", "Impel", "provider_service", "Chat", "provider_email",
      "leads@impel.example", NULL}},
    {"upper-case tags and a Latin-1 declaration on UTF-8 text",
     "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><ADF><PROSPECT><CUSTOMER><CONTACT>"
     "<NAME PART=\"last\">M\xc3\xbcller</NAME><NAME PART=\"first\">J\xc3\xbcrgen</NAME>"
     "<ADDRESS><STREET>Hauptstra\xc3\x9f"
     "e 1</STREET><CITY>K\xc3\xb6ln</CITY>"
     "<POSTALCODE>50667</POSTALCODE><COUNTRY>DE</COUNTRY></ADDRESS>"
     "</CONTACT></CUSTOMER></PROSPECT></ADF>",
     {"name", "J\xc3\xbcrgen M\xc3\xbcller", "last_name", "M\xc3\xbcller", "street",
      "Hauptstra\xc3\x9f"
      "e 1",
      "city", "K\xc3\xb6ln", "country", "DE", NULL}},
    {"entity-free escapes are decoded",
     "<adf><prospect><customer><contact><name>Ann &amp; Bo</name></contact>"
     "<comments>5 &lt; 6 &#x263A;</comments></customer></prospect></adf>",
     {"name", "Ann & Bo", "message", "5 < 6 \xe2\x98\xba", NULL}},
};

/* test_adf_case - one adf_parse case: these fields, and those absent. */
static void test_adf_case(gconstpointer data)
{
	const AdfCase *c = data;
	g_autoptr(LrLead) lead = lead_new();
	g_autoptr(GError) error = NULL;

	g_assert_true(adf_looks_like(c->xml, strlen(c->xml)));
	g_assert_true(adf_parse(c->xml, strlen(c->xml), lead, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(lead->format, ==, "adf");
	for (guint i = 0; c->fields[i] != NULL; i += 2) {
		g_test_message("field %s", c->fields[i]);
		g_assert_cmpstr(lead_field_get(lead, c->fields[i]), ==, c->fields[i + 1]);
	}
}

/* test_adf_looks_like - the prolog is skipped; nothing else is. */
static void test_adf_looks_like(void)
{
	static const char *const yes[] = {
	    "<adf>",
	    "<ADF >",
	    "\xef\xbb\xbf \r\n<?xml version=\"1.0\"?><!-- lead -->"
	    "<?adf version=\"1.0\"?>\n<adf>",
	    "<!DOCTYPE adf [ <!ELEMENT adf ANY> ]><adf/>",
	};
	static const char *const no[] = {
	    "",
	    "<adfx>",
	    "hello <adf>",
	    "<html><adf>",
	    "<!-- <adf> ",
	    "<?adf version=\"1.0\"?>",
	    "<lead><adf></adf></lead>",
	};

	for (gsize i = 0; i < G_N_ELEMENTS(yes); i++)
		g_assert_true(adf_looks_like(yes[i], strlen(yes[i])));
	for (gsize i = 0; i < G_N_ELEMENTS(no); i++)
		g_assert_false(adf_looks_like(no[i], strlen(no[i])));
	g_assert_false(adf_looks_like(NULL, 0));
	g_assert_false(adf_looks_like("<adf>", 3));
}

/* adf_refused - adf_parse must fail with LR_ERROR_PERM and leave the lead
 * untouched.  Returns the error message (new). */
static char *adf_refused(const char *xml, gsize len)
{
	g_autoptr(LrLead) lead = lead_new();
	g_autoptr(GError) error = NULL;

	g_assert_false(adf_parse(xml, len, lead, &error));
	g_assert_error(error, LR_ERROR, LR_ERROR_PERM);
	g_assert_cmpuint(lead->fields->len, ==, 0);
	g_assert_null(lead->format);
	return g_strdup(error->message);
}

/* test_adf_malformed - broken or foreign XML is refused as permanent. */
static void test_adf_malformed(void)
{
	static const char *const bad[] = {
	    "<adf><prospect><customer></adf>",
	    "<adf><prospect><name>x</name></prospect></adf><adf/>",
	    "<lead><prospect/></lead>",
	    "<adf></adf>",
	    "not xml at all",
	    "<adf><prospect><comments>&undefined;</comments></prospect></adf>",
	};

	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autofree char *msg = adf_refused(bad[i], strlen(bad[i]));

		g_test_message("%s -> %s", bad[i], msg);
	}
	g_free(adf_refused("", 0));
	g_free(adf_refused(NULL, 0));
}

#define LAUGHS                                                                                     \
	"<?xml version=\"1.0\"?>\n<!DOCTYPE adf [\n <!ENTITY lol \"lol\">\n"                       \
	" <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"                 \
	" <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"       \
	" <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"       \
	" <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"       \
	" <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"       \
	" <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"       \
	" <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"       \
	" <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"       \
	" <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"       \
	"]>\n<adf><prospect><customer><contact><name>&lol9;</name></contact>"                      \
	"<comments>&lol9;</comments></customer></prospect></adf>"

/* test_adf_billion_laughs - refused at once, in UTF-8 and in UTF-16 (which
 * hides the declarations from the byte scan: the parser hook stops it). */
static void test_adf_billion_laughs(void)
{
	g_autofree char *utf16 = NULL;
	g_autofree char *with_bom = NULL;
	g_autofree char *msg8 = NULL;
	g_autofree char *msg16 = NULL;
	gsize utf16_len = 0;
	gint64 start = g_get_monotonic_time();

	msg8 = adf_refused(LAUGHS, strlen(LAUGHS));
	g_assert_nonnull(strstr(msg8, "entity declarations"));
	utf16 = g_convert(LAUGHS, -1, "UTF-16LE", "UTF-8", NULL, &utf16_len, NULL);
	g_assert_nonnull(utf16);
	with_bom = g_malloc(utf16_len + 2);
	memcpy(with_bom, "\xff\xfe", 2);
	memcpy(with_bom + 2, utf16, utf16_len);
	msg16 = adf_refused(with_bom, utf16_len + 2);
	g_assert_nonnull(strstr(msg16, "entity declarations"));
	/* Expanded, this is 3 GB of "lol": being refused within a second means
	 * it was never expanded. */
	g_assert_cmpint(g_get_monotonic_time() - start, <, G_USEC_PER_SEC);
}

/* test_adf_external_entities - neither an external entity nor an external
 * DTD is ever read. */
static void test_adf_external_entities(void)
{
	static const char *const xxe =
	    "<?xml version=\"1.0\"?>"
	    "<!DOCTYPE adf [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>"
	    "<adf><prospect><customer><comments>&xxe;</comments></customer></prospect></adf>";
	g_autofree char *dir = g_dir_make_tmp("adfhtml-XXXXXX", NULL);
	g_autofree char *dtd = g_build_filename(dir, "adf.dtd", NULL);
	g_autofree char *xml = NULL;
	g_autoptr(LrLead) lead = lead_new();
	g_autoptr(GError) error = NULL;

	g_free(adf_refused(xxe, strlen(xxe)));
	/* A DOCTYPE naming an external DTD that defines an entity: the DTD is
	 * not loaded, so the reference stays unexpanded (or the parse fails). */
	g_assert_true(g_file_set_contents(dtd, "<!ENTITY secret \"TOPSECRET-MARKER\">", -1, NULL));
	xml = g_strdup_printf("<?xml version=\"1.0\"?><!DOCTYPE adf SYSTEM \"file://%s\"><adf>"
	                      "<prospect><customer><contact><name>Ann</name></contact>"
	                      "<comments>before &secret; after</comments></customer>"
	                      "</prospect></adf>",
	                      dtd);
	if (adf_parse(xml, strlen(xml), lead, &error)) {
		g_assert_cmpstr(lead_field_get(lead, "name"), ==, "Ann");
		g_assert_null(strstr(lead_field_get(lead, "message"), "TOPSECRET"));
	} else {
		g_assert_error(error, LR_ERROR, LR_ERROR_PERM);
	}
	for (guint i = 0; i < lead->fields->len; i++)
		g_assert_null(
		    strstr(((LrField *)g_ptr_array_index(lead->fields, i))->value, "TOPSECRET"));
	g_unlink(dtd);
	g_rmdir(dir);
}

/* test_adf_hostile_size - deep nesting and oversized documents fail fast. */
static void test_adf_hostile_size(void)
{
	GString *deep = g_string_new("<adf><prospect><customer><comments>");
	g_autofree char *big = NULL;
	gint64 start = g_get_monotonic_time();

	for (int i = 0; i < 10000; i++)
		g_string_append(deep, "<x>");
	g_free(adf_refused(deep->str, deep->len));
	for (int i = 0; i < 10000; i++)
		g_string_append(deep, "</x>");
	g_string_append(deep, "</comments></customer></prospect></adf>");
	g_free(adf_refused(deep->str, deep->len));
	big = g_malloc(ADF_INPUT_MAX + 2);
	memset(big, ' ', ADF_INPUT_MAX + 1);
	memcpy(big, "<adf>", 5);
	g_free(adf_refused(big, ADF_INPUT_MAX + 1));
	g_assert_cmpint(g_get_monotonic_time() - start, <, 2 * G_USEC_PER_SEC);
	g_string_free(deep, TRUE);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/adf/corpus-v02", test_adf_corpus);
	for (gsize i = 0; i < G_N_ELEMENTS(adf_cases); i++) {
		g_autofree char *path = g_strdup_printf("/adf/case/%zu", i);

		g_test_add_data_func(path, &adf_cases[i], test_adf_case);
	}
	g_test_add_func("/adf/looks-like", test_adf_looks_like);
	g_test_add_func("/adf/malformed", test_adf_malformed);
	g_test_add_func("/adf/billion-laughs", test_adf_billion_laughs);
	g_test_add_func("/adf/external-entities", test_adf_external_entities);
	g_test_add_func("/adf/hostile-size", test_adf_hostile_size);
	return g_test_run();
}
