/* test-adfhtml.c - HTML bodies (visible text, form pairs) and ADF/XML
 * leads: the shapes senders use, the corpus messages, hostile input. */
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

/* ---- helpers ---- */

/* pairs_dump - the pairs as "label=value" lines, for failure messages. */
static char *pairs_dump(GPtrArray *pairs)
{
	GString *out = g_string_new(NULL);

	for (guint i = 0; i < pairs->len; i++) {
		const LrField *f = g_ptr_array_index(pairs, i);

		g_string_append_printf(out, "[%s]=[%s]\n", f->name, f->value);
	}
	return g_string_free(out, FALSE);
}

/* pairs_find - the value of the first pair labelled label, or NULL. */
static const char *pairs_find(GPtrArray *pairs, const char *label)
{
	for (guint i = 0; i < pairs->len; i++) {
		const LrField *f = g_ptr_array_index(pairs, i);

		if (strcmp(f->name, label) == 0)
			return f->value;
	}
	return NULL;
}

/* corpus_body - the body (after the header) of a corpus message, or NULL
 * (and the test failed) when the corpus or the message is not there. */
static char *corpus_body(const char *name, char **expect)
{
	g_autofree char *dir = lr_test_corpus_path("inquiries");
	g_autofree char *eml = NULL;
	g_autofree char *exp = NULL;
	g_autofree char *data = NULL;
	g_autoptr(GError) error = NULL;
	const char *body;

	if (dir == NULL)
		return NULL;
	eml = g_strdup_printf("%s/%s.eml", dir, name);
	exp = g_strdup_printf("%s/%s.expect", dir, name);
	if (!g_file_get_contents(eml, &data, NULL, &error) ||
	    !g_file_get_contents(exp, expect, NULL, &error)) {
		g_test_message("corpus message %s: %s", name, error->message);
		g_test_fail();
		return NULL;
	}
	body = strstr(data, "\n\n");
	g_assert_nonnull(body);
	return g_strdup(body + 2);
}

/* ---- html_form_pairs ---- */

typedef struct {
	const char *name;
	const char *html;
	const char *pairs[24]; /* label, value, ..., NULL */
} PairsCase;

static const PairsCase pairs_cases[] = {
    {"th-td table",
     "<table><tr><th>Full name</th><td>Ann Lee</td></tr>"
     "<tr><th align=left>E-mail</th>"
     "<td><a href=\"mailto:ann@x.example\">ann@x.example</a></td></tr>"
     "<tr><th>Comments</th><td>Two sheds &amp; a barn.</td></tr></table>",
     {"Full name", "Ann Lee", "E-mail", "ann@x.example", "Comments", "Two sheds & a barn.", NULL}},
    {"td-td table with colons",
     "<table border=1><tr><td>Name:</td><td> Bo  Chen </td></tr>"
     "<tr><td><b>Phone :</b></td><td>+1 555 0101</td></tr>"
     "<tr><td>Company</td><td></td></tr></table>",
     {"Name", "Bo Chen", "Phone", "+1 555 0101", NULL}},
    {"label, colon cell, value",
     "<table><tr><td><strong>Name</strong></td><td>:</td><td>Ann Lee</td></tr>"
     "<tr><td>Email</td><td>:</td><td>ann@x.example</td></tr></table>",
     {"Name", "Ann Lee", "Email", "ann@x.example", NULL}},
    {"Outlook MsoNormal paragraphs",
     "<div class=WordSection1><p class=MsoNormal><b><span style='font-size:11pt'>Name:"
     "<o:p></o:p></span></b><span> Ann Lee<o:p></o:p></span></p>"
     "<p class=MsoNormal><b>Company:</b> Lee &amp; Sons<o:p></o:p></p>"
     "<p class=MsoNormal><o:p>&nbsp;</o:p></p></div>",
     {"Name", "Ann Lee", "Company", "Lee & Sons", NULL}},
    {"bold labels inline",
     "<p><b>Name:</b> Ann Lee<br><b>Email:</b> ann@x.example<br>"
     "<strong>Phone</strong>: 555-0100</p>",
     {"Name", "Ann Lee", "Email", "ann@x.example", "Phone", "555-0100", NULL}},
    {"bold labels on one line",
     "<div><b>City:</b> Lyon <b>Country:</b> France</div>",
     {"City", "Lyon", "Country", "France", NULL}},
    {"bold mid-value is not a label",
     "<p><b>Note:</b> call <b>before</b> noon</p>",
     {"Note", "call before noon", NULL}},
    {"definition list",
     "<dl><dt>Name</dt><dd>Ann Lee</dd><dt>Interests:</dt><dd>Solar</dd><dd>Storage</dd>"
     "<dt>Empty</dt><dd></dd></dl>",
     {"Name", "Ann Lee", "Interests", "Solar\nStorage", NULL}},
    {"br-separated lines",
     "<div>Name: Ann Lee<br>E-mail: ann@x.example<br>Website: https://x.example/a<br>"
     "Message: Hello,<br>we need a quote.<br><br>Sent at 10:30 from the site</div>",
     {"Name", "Ann Lee", "E-mail", "ann@x.example", "Website", "https://x.example/a", "Message",
      "Hello,\nwe need a quote.", NULL}},
    {"bold label then br then value",
     "<p><b>Your message</b><br>Line one<br>Line two</p><p><b>Budget</b><br>5000</p>",
     {"Your message", "Line one\nLine two", "Budget", "5000", NULL}},
    {"bold label paragraph then value paragraph",
     "<p><strong>Message</strong></p><p>Please call me.</p><p>Thanks</p>",
     {"Message", "Please call me.", NULL}},
    {"Contact Form 7",
     "<p>From: Ann Lee &lt;ann@x.example&gt;<br />\nSubject: Quote request<br />\n</p>\n"
     "<p>Message Body:<br />\nHi,<br />\nwe have 3 roofs.</p>\n"
     "<p>-- <br />\nThis e-mail was sent from a contact form on Acme "
     "(https://acme.example)</p>",
     {"From", "Ann Lee <ann@x.example>", "Subject", "Quote request", "Message Body",
      "Hi,\nwe have 3 roofs.", NULL}},
    {"Gravity Forms nested layout",
     "<table width='99%' border='0' cellpadding='1' cellspacing='0' bgcolor='#EAEAEA'><tr><td>"
     "<table width='100%' border='0' cellpadding='5' cellspacing='0' bgcolor='#FFFFFF'>"
     "<tr bgcolor='#EAF2FA'><td colspan='2'><font style='font-family: sans-serif'>"
     "<strong>Name</strong></font></td></tr>"
     "<tr bgcolor='#FFFFFF'><td width='20'>&nbsp;</td><td><font>Ann Lee</font></td></tr>"
     "<tr bgcolor='#EAF2FA'><td colspan='2'><font><strong>Email</strong></font></td></tr>"
     "<tr bgcolor='#FFFFFF'><td width='20'>&nbsp;</td><td><font>"
     "<a href='mailto:ann@x.example'>ann@x.example</a></font></td></tr>"
     "<tr bgcolor='#EAF2FA'><td colspan='2'><font><strong>Message</strong></font></td></tr>"
     "<tr bgcolor='#FFFFFF'><td width='20'>&nbsp;</td><td><font>Line 1<br />Line 2</font>"
     "</td></tr></table></td></tr></table>",
     {"Name", "Ann Lee", "Email", "ann@x.example", "Message", "Line 1\nLine 2", NULL}},
    {"Wufoo th/td with styles",
     "<table cellspacing=0 cellpadding=0 width='100%'><tbody>"
     "<tr style='background-color:#F5F5F5'><th style='vertical-align:top;"
     "color:#222;text-align:left;padding:7px 9px'>Name</th>"
     "<td style='padding:7px 9px'><div>Ann Lee</div></td></tr>"
     "<tr><th style='text-align:left'>Address</th><td><div>1 Main St<br>Springfield</div>"
     "</td></tr></tbody></table>",
     {"Name", "Ann Lee", "Address", "1 Main St\nSpringfield", NULL}},
    {"HubSpot label rows",
     "<table><tr><td><table>"
     "<tr><td style='font-weight: bold; padding: 4px'>First Name</td></tr>"
     "<tr><td>Ann</td></tr>"
     "<tr><td style='font-weight:700'>Email</td></tr>"
     "<tr><td>ann@x.example</td></tr>"
     "</table></td></tr></table>",
     {"First Name", "Ann", "Email", "ann@x.example", NULL}},
    {"column headers",
     "<table><tr><th>Name</th><th>Email</th><th>Phone</th></tr>"
     "<tr><td>Ann Lee</td><td>ann@x.example</td><td>555</td></tr></table>",
     {"Name", "Ann Lee", "Email", "ann@x.example", "Phone", "555", NULL}},
    {"entities and no-break spaces",
     "<table><tr><th>Roof area (m&sup2;)</th><td>&nbsp;2,400&nbsp;</td></tr>"
     "<tr><td>Caf&eacute;</td><td>&#x2713; yes</td></tr></table>",
     {"Roof area (m\xc2\xb2)", "2,400", "Caf\xc3\xa9", "\xe2\x9c\x93 yes", NULL}},
    {"script, style and hidden text dropped",
     "<html><head><title>T: x</title><style>p { color: red }</style></head><body>"
     "<script>var a = 'Name: Evil';</script>"
     "<div style='display:none'>Preheader: hidden</div>"
     "<p><b>Name:</b> Ann</p></body></html>",
     {"Name", "Ann", NULL}},
    {"text then table keeps order",
     "<p><b>Form:</b> Survey</p><table><tr><td>Name</td><td>Ann</td></tr></table>"
     "<p>Source: web</p>",
     {"Form", "Survey", "Name", "Ann", "Source", "web", NULL}},
    {"prose has no pairs",
     "<p>Hello, I would like to know more about your product.</p><p>Best regards, Ann</p>",
     {NULL}},
    {"empty", "", {NULL}},
};

/* test_pairs_case - one html_form_pairs case: exactly these pairs. */
static void test_pairs_case(gconstpointer data)
{
	const PairsCase *c = data;
	g_autoptr(GPtrArray) pairs = html_form_pairs(c->html, strlen(c->html));
	g_autofree char *dump = pairs_dump(pairs);
	guint n = 0;

	g_test_message("%s:\n%s", c->name, dump);
	while (c->pairs[2 * n] != NULL)
		n++;
	g_assert_cmpuint(pairs->len, ==, n);
	for (guint i = 0; i < n; i++) {
		const LrField *f = g_ptr_array_index(pairs, i);

		g_assert_cmpstr(f->name, ==, c->pairs[2 * i]);
		g_assert_cmpstr(f->value, ==, c->pairs[2 * i + 1]);
	}
}

/* test_pairs_corpus - v04: every value the expect file names is a pair's
 * value (labels are mapped to fields by the parser, not here). */
static void test_pairs_corpus(void)
{
	g_autofree char *expect = NULL;
	g_autofree char *body = corpus_body("v04-html-table", &expect);
	g_autoptr(GPtrArray) pairs = NULL;
	g_auto(GStrv) lines = NULL;
	guint checked = 0;

	if (body == NULL)
		return;
	pairs = html_form_pairs(body, strlen(body));
	g_assert_cmpstr(pairs_find(pairs, "Full name"), ==, "Mei-Ling Chou");
	g_assert_cmpstr(pairs_find(pairs, "Roof area (m\xc2\xb2)"), ==, "2,400");
	lines = g_strsplit(expect, "\n", -1);
	for (char **l = lines; *l != NULL; l++) {
		const char *sep = strpbrk(*l, "=~");
		gboolean found = FALSE;

		if (sep == NULL || g_str_has_prefix(*l, "country") ||
		    g_str_has_prefix(*l, "source"))
			continue;
		for (guint i = 0; i < pairs->len && !found; i++) {
			const LrField *f = g_ptr_array_index(pairs, i);

			found = *sep == '=' ? strcmp(f->value, sep + 1) == 0
			                    : strstr(f->value, sep + 1) != NULL;
		}
		g_assert_true(found);
		checked++;
	}
	g_assert_cmpuint(checked, >=, 5);
}

/* big_table - a table of rows rows with two cells each.  Returns a new string. */
static char *big_table(guint rows)
{
	GString *html = g_string_new("<html><body><table>");

	for (guint i = 0; i < rows; i++)
		g_string_append_printf(html, "<tr><th>Label %u</th><td>Value %u</td></tr>\n", i, i);
	g_string_append(html, "</table></body></html>");
	return g_string_free(html, FALSE);
}

/* test_pairs_big_table - 50,000 rows: capped at HTML_PAIRS_MAX, fast. */
static void test_pairs_big_table(void)
{
	g_autofree char *html = big_table(50000);
	gint64 start = g_get_monotonic_time();
	g_autoptr(GPtrArray) pairs = html_form_pairs(html, strlen(html));
	double pairs_s = (g_get_monotonic_time() - start) / 1e6;
	g_autofree char *text = NULL;
	double text_s;

	g_assert_cmpuint(pairs->len, ==, HTML_PAIRS_MAX);
	g_assert_cmpstr(((LrField *)g_ptr_array_index(pairs, 999))->name, ==, "Label 999");
	start = g_get_monotonic_time();
	text = html_to_text(html, strlen(html));
	text_s = (g_get_monotonic_time() - start) / 1e6;
	g_assert_true(g_str_has_prefix(text, "Label 0\tValue 0\nLabel 1\tValue 1\n"));
	/* About 1.2 MB of text: cut at HTML_TEXT_MAX, after row 40,000. */
	g_assert_nonnull(strstr(text, "Label 40000\tValue 40000"));
	g_assert_null(strstr(text, "Label 49999"));
	g_assert_cmpuint(strlen(text), <=, HTML_TEXT_MAX + 64);
	g_test_message("50,000 rows: pairs %.3f s, text %.3f s", pairs_s, text_s);
	/* Generous bounds, so that a slow or instrumented run still passes;
	 * a quadratic walk takes minutes here. */
	g_assert_cmpfloat(pairs_s, <, 5.0);
	g_assert_cmpfloat(text_s, <, 5.0);
}

/* peak_kb - the most memory this process has held, in KB. */
static long peak_kb(void)
{
	struct rusage usage;

	g_assert_cmpint(getrusage(RUSAGE_SELF, &usage), ==, 0);
	return usage.ru_maxrss;
}

/* test_big_memory - in a fresh process: a 50,000-row table and 4 MB of
 * short lines cost a few MB beyond the input, not a tree of it (which
 * took over 100 MB).  Not run under AddressSanitizer, where peak memory
 * is not measurable (see main). */
static void test_big_memory(void)
{
	if (g_test_subprocess()) {
		g_autofree char *table = big_table(50000);
		GString *lines = g_string_new(NULL);
		long before;

		while (lines->len < HTML_INPUT_MAX)
			g_string_append(lines, "<b>x</b><br>");
		before = peak_kb();
		g_ptr_array_unref(html_form_pairs(table, strlen(table)));
		g_free(html_to_text(table, strlen(table)));
		g_ptr_array_unref(html_form_pairs(lines->str, lines->len));
		g_free(html_to_text(lines->str, lines->len));
		g_test_message("peak grew by %ld KB", peak_kb() - before);
		g_assert_cmpint(peak_kb() - before, <, 40 * 1024);
		g_string_free(lines, TRUE);
		return;
	}
	g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
	g_test_trap_assert_passed();
}

/* test_text_cap - a huge document: the text stops near HTML_TEXT_MAX. */
static void test_text_cap(void)
{
	GString *html = g_string_new("<p>");
	g_autofree char *text = NULL;

	while (html->len < 3 * HTML_TEXT_MAX)
		g_string_append(html, "lorem ipsum dolor sit amet<br>");
	text = html_to_text(html->str, html->len);
	g_assert_cmpuint(strlen(text), >, HTML_TEXT_MAX / 2);
	g_assert_cmpuint(strlen(text), <=, HTML_TEXT_MAX + 64);
	g_string_free(html, TRUE);
}

/* deep_html - open repeated n times, then inner.  Returns a new string. */
static char *deep_html(const char *before, const char *open, guint n, const char *inner)
{
	GString *html = g_string_new(before);

	for (guint i = 0; i < n; i++)
		g_string_append(html, open);
	g_string_append(html, inner);
	return g_string_free(html, FALSE);
}

/* test_deep_nesting - 10,000 levels of divs, tables, blockquotes and bold:
 * no stack overflow, and what comes before is still read. */
static void test_deep_nesting(void)
{
	static const char *const opens[] = {"<div>",    "<table><tr><td>", "<blockquote>", "<b>",
	                                    "<dl><dd>", "<ul><li>",        "<span>"};

	for (gsize i = 0; i < G_N_ELEMENTS(opens); i++) {
		g_autofree char *html =
		    deep_html("<p>Name: Ann</p>", opens[i], 10000, "Email: deep@x.example");
		g_autoptr(GPtrArray) pairs = html_form_pairs(html, strlen(html));
		g_autofree char *text = html_to_text(html, strlen(html));

		g_assert_cmpstr(pairs_find(pairs, "Name"), ==, "Ann");
		g_assert_true(g_str_has_prefix(text, "Name: Ann"));
		g_assert_cmpuint(strlen(text), <=, HTML_TEXT_MAX + 64);
	}
}

/* ---- html_to_text ---- */

typedef struct {
	const char *html;
	const char *text;
} TextCase;

static const TextCase text_cases[] = {
    {"<p>Hello</p><p>World</p>", "Hello\n\nWorld"},
    {"a<br>b<br><br>c", "a\nb\n\nc"},
    {"<div>a</div><div>b</div>", "a\nb"},
    {"<div>a<br></div><div>b</div>", "a\nb"},
    {"  a \n  b\t\tc  ", "a b c"},
    {"a <b>bold</b> <i>c</i>d", "a bold cd"},
    {"Fish &amp; chips &lt;3 &eacute;t&eacute; &#8364;5 &euro;",
     "Fish & chips <3 \xc3\xa9t\xc3\xa9 \xe2\x82\xac"
     "5 \xe2\x82\xac"},
    {"a&nbsp;&nbsp;b", "a  b"},
    {"<meta charset=\"iso-8859-1\"><p>Caf\xc3\xa9</p>", "Caf\xc3\xa9"},
    {"See <a href=\"http://x.example/\">the site</a>.", "See the site."},
    {"<script>alert('ACCEPT')</script>Hi<style>p { x: y }</style>", "Hi"},
    {"<html><head><title>Title</title></head><body>Body</body></html>", "Body"},
    {"<div style=\"display: none\">preheader</div>Hi", "Hi"},
    {"<ul><li>one</li><li>two <b>2</b></li></ul><p>after</p>", "- one\n- two 2\n\nafter"},
    {"<ol><li><p>first</p></li></ol>", "- first"},
    {"<table><tr><td>a</td> <td>b</td></tr><tr><th>c</th><td> d </td></tr></table>", "a\tb\nc\td"},
    {"<table><tr><td><p>Name</p></td><td><p>Ann</p><p>Lee</p></td></tr>"
     "<tr><td><div>Email</div></td><td>e</td></tr></table>after",
     "Name\tAnn\n\nLee\nEmail\te\nafter"},
    {"<table><tr><td>a</td><td></td></tr></table><p>b</p>", "a\n\nb"},
    {"<h1>Title</h1>text", "Title\n\ntext"},
    {"<pre>a\n  b  c</pre>after", "a\n  b  c\n\nafter"},
    {"<p>ACCEPT</p><blockquote><p>Lead 42</p><p>Reply ACCEPT</p></blockquote><p>Bye</p>",
     "ACCEPT\n\n> Lead 42\n>\n> Reply ACCEPT\n\nBye"},
    {"REJECT too far<blockquote>old<br>text<blockquote>older</blockquote></blockquote>",
     "REJECT too far\n\n> old\n> text\n>\n> > older"},
    {"<div dir=\"ltr\">FORWARD ben</div><br><div class=\"gmail_quote\"><div dir=\"ltr\" "
     "class=\"gmail_attr\">On Mon, Nov 23, 2026 at 9:00 AM Lead Desk &lt;leads@acme.example&gt;"
     " wrote:<br></div><blockquote class=\"gmail_quote\" style=\"margin:0px 0px 0px 0.8ex\">"
     "<div>New lead: reply ACCEPT</div></blockquote></div>",
     "FORWARD ben\n\nOn Mon, Nov 23, 2026 at 9:00 AM Lead Desk <leads@acme.example> wrote:\n\n"
     "> New lead: reply ACCEPT"},
    {"<!-- comment -->x<!-- y -->", "x"},
    {"", ""},
};

/* test_text_case - one html_to_text case. */
static void test_text_case(gconstpointer data)
{
	const TextCase *c = data;
	g_autofree char *text = html_to_text(c->html, strlen(c->html));

	g_assert_cmpstr(text, ==, c->text);
}

/* test_text_null - NULL and odd bytes give a valid string, never NULL. */
static void test_text_null(void)
{
	g_autofree char *none = html_to_text(NULL, 0);
	g_autofree char *bad = html_to_text("a\xff\xfe b", 6);
	g_autofree char *nul = html_to_text("a\0b", 3);

	g_assert_cmpstr(none, ==, "");
	g_assert_true(g_utf8_validate(bad, -1, NULL));
	g_assert_true(g_str_has_prefix(bad, "a"));
	g_assert_nonnull(nul);
}

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
	for (gsize i = 0; i < G_N_ELEMENTS(pairs_cases); i++) {
		g_autofree char *path = g_strdup_printf("/html/pairs/%zu", i);

		g_test_add_data_func(path, &pairs_cases[i], test_pairs_case);
	}
	g_test_add_func("/html/pairs/corpus-v04", test_pairs_corpus);
	g_test_add_func("/html/pairs/big-table", test_pairs_big_table);
	/* The sanitizer build cannot measure memory (tests/sanitizer.h); the
	 * normal build of the same CI run does. */
	if (!LR_TEST_ASAN)
		g_test_add_func("/html/big-memory", test_big_memory);
	g_test_add_func("/html/deep-nesting", test_deep_nesting);
	for (gsize i = 0; i < G_N_ELEMENTS(text_cases); i++) {
		g_autofree char *path = g_strdup_printf("/html/text/%zu", i);

		g_test_add_data_func(path, &text_cases[i], test_text_case);
	}
	g_test_add_func("/html/text/null", test_text_null);
	g_test_add_func("/html/text/cap", test_text_cap);
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
