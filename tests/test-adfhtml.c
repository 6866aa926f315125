/* test-adfhtml.c - HTML bodies (visible text, form pairs): the shapes
 * senders use, the corpus messages, hostile input.  ADF/XML leads are
 * tested in test-adf.c. */
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
	return g_test_run();
}
