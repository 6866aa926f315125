/* test-report-html.c - the HTML report: valid (libxml2's HTML parser),
 * rendered by headless Chromium at phone width, the tiles matching the
 * JSON, byte-identical, and hostile field values kept inert in every
 * format. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <json-glib/json-glib.h>
#include <libxml/HTMLparser.h>
#include <libxml/xpath.h>

#include "report/output.h"
#include "tests/report-fixture.h"

static const ReportSeed *all_seeds;
static guint n_seeds;

/* SVG elements the HTML 4 parser of libxml2 does not know; every other
 * complaint is an error. */
static const char *const svg_tags[] = {"svg", "rect", "text", NULL};

/* count_error - a structured libxml2 error handler counting real errors. */
static void count_error(void *data, xmlErrorPtr e)
{
	guint *n = data;

	if (e->code == XML_HTML_UNKNOWN_TAG && e->str1 &&
	    g_strv_contains(svg_tags, (const char *)e->str1))
		return;
	g_test_message("libxml2: line %d: %s", e->line, e->message);
	(*n)++;
}

/* parse_html - the page as a document, asserting no parse error. */
static htmlDocPtr parse_html(const char *html)
{
	guint errors = 0;
	htmlDocPtr doc;

	xmlSetStructuredErrorFunc(&errors, count_error);
	doc = htmlReadMemory(html, (int)strlen(html), "report.html", "UTF-8",
	                     HTML_PARSE_NONET | HTML_PARSE_PEDANTIC);
	xmlSetStructuredErrorFunc(NULL, NULL);
	g_assert_nonnull(doc);
	g_assert_cmpuint(errors, ==, 0);
	return doc;
}

/* xpath_count / xpath_text - evaluate an expression on doc. */
static int xpath_count(htmlDocPtr doc, const char *expr)
{
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathObjectPtr o = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
	int n = o && o->nodesetval ? o->nodesetval->nodeNr : 0;

	xmlXPathFreeObject(o);
	xmlXPathFreeContext(ctx);
	return n;
}

static char *xpath_text(htmlDocPtr doc, const char *expr)
{
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathObjectPtr o = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
	xmlChar *s = xmlXPathCastToString(o);
	char *out = g_strdup((const char *)s);

	xmlFree(s);
	xmlXPathFreeObject(o);
	xmlXPathFreeContext(ctx);
	return out;
}

/* chromium - run headless Chromium on file with args; its stdout.  The
 * test fails (it does not skip) when Chromium cannot run. */
static char *chromium(const char *dir, const char *file, const char *arg)
{
	g_autofree char *profile = g_build_filename(dir, "chromium-profile", NULL);
	g_autofree char *profile_arg = g_strconcat("--user-data-dir=", profile, NULL);
	g_autofree char *url = g_strconcat("file://", file, NULL);
	const char *argv[] = {"timeout",
	                      "180",
	                      "chromium",
	                      "--headless",
	                      "--no-sandbox",
	                      "--disable-gpu",
	                      "--hide-scrollbars",
	                      profile_arg,
	                      "--window-size=390,2000",
	                      arg,
	                      url,
	                      NULL};
	g_autoptr(GError) error = NULL;
	char *out = NULL;
	int status = -1;

	g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL,
	                           G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
	                           &out, NULL, &status, &error));
	g_assert_no_error(error);
	g_assert_cmpint(status, ==, 0);
	return out;
}

/* screenshot_check - render at 390 px: not blank, nothing in the right
 * margin (overflowing content would show there). */
static void screenshot_check(const char *dir, const char *file)
{
	g_autofree char *png = g_build_filename(dir, "page.png", NULL);
	g_autofree char *arg = g_strconcat("--screenshot=", png, NULL);
	g_autofree char *out = chromium(dir, file, arg);
	g_autofree char *script = g_build_filename(LR_SRCDIR, "tests", "png-check.py", NULL);
	const char *argv[] = {"python3", script, png, "10", NULL};
	g_autofree char *stats = NULL;
	int status = -1;
	guint w = 0, h = 0, ink = 0, edge = 1;

	g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
	                           &stats, NULL, &status, NULL));
	g_assert_cmpint(status, ==, 0);
	g_test_message("screenshot: %s", stats);
	g_assert_cmpint(sscanf(stats, "%u %u %u %u", &w, &h, &ink, &edge), ==, 4);
	g_assert_cmpuint(w, ==, 390);
	g_assert_cmpuint(ink, >, 20000);
	g_assert_cmpuint(edge, ==, 0);
}

/* write_page - the report into dir/report.html; its path.  With
 * LR_REPORT_KEEP=DIR, a copy goes to DIR (to look at it). */
static char *write_page(const char *dir, const char *html)
{
	char *file = g_build_filename(dir, "report.html", NULL);
	const char *keep = g_getenv("LR_REPORT_KEEP");
	static int n;

	g_assert_true(g_file_set_contents(file, html, -1, NULL));
	if (keep != NULL) {
		g_autofree char *name = g_strdup_printf("report-%d.html", ++n);
		g_autofree char *copy = g_build_filename(keep, name, NULL);
		g_assert_true(g_file_set_contents(copy, html, -1, NULL));
	}
	return file;
}

/* test_html_valid - parses clean, self-contained, byte-identical. */
static void test_html_valid(void)
{
	g_autoptr(ReportFixture) fx = fixture_new(all_seeds, n_seeds);
	g_autofree char *html = fixture_run(fx, REPORT_BY_USER, REPORT_HTML);
	g_autofree char *again = fixture_run(fx, REPORT_BY_USER, REPORT_HTML);
	htmlDocPtr doc = parse_html(html);

	g_assert_cmpstr(html, ==, again);
	g_assert_cmpint(xpath_count(doc, "//script"), ==, 0);
	g_assert_cmpint(xpath_count(doc, "//*[@src or @href]"), ==, 0);
	g_assert_null(strstr(html, "url("));
	g_assert_null(strstr(html, "@import"));
	g_assert_cmpint(xpath_count(doc, "//div[@class='tile']"), ==, 8);
	g_assert_cmpint(xpath_count(doc, "//svg"), ==, 5);
	xmlFreeDoc(doc);
}

/* test_html_chromium - rendered at 390 px; the tiles show the JSON totals. */
static void test_html_chromium(void)
{
	static const char *const tiles[] = {"leads",      "accepted",    "contacted",
	                                    "won",        "conversion",  "won_amount",
	                                    "tta_median", "sla_breaches"};
	g_autoptr(ReportFixture) fx = fixture_new(all_seeds, n_seeds);
	g_autofree char *html = fixture_run(fx, REPORT_BY_USER, REPORT_HTML);
	g_autofree char *json = fixture_run(fx, REPORT_BY_USER, REPORT_JSON);
	g_autofree char *file = write_page(fx->dir, html);
	g_autofree char *dom = chromium(fx->dir, file, "--dump-dom");
	g_autoptr(JsonParser) p = json_parser_new();
	JsonObject *total;
	htmlDocPtr doc;

	g_assert_true(json_parser_load_from_data(p, json, -1, NULL));
	total =
	    json_object_get_object_member(json_node_get_object(json_parser_get_root(p)), "total");
	doc = htmlReadMemory(dom, (int)strlen(dom), "dom.html", "UTF-8",
	                     HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING);
	g_assert_nonnull(doc);
	for (guint i = 0; i < G_N_ELEMENTS(tiles); i++) {
		g_autofree char *expr = g_strdup_printf("string(//div[@id='tile-%s']"
		                                        "/div[@class='v'])",
		                                        tiles[i]);
		g_autofree char *shown = xpath_text(doc, expr);
		JsonNode *n = json_object_get_member(total, tiles[i]);
		g_autofree char *want = g_strdup_printf(i == 4   ? "%.1f %%"
		                                        : i == 5 ? "%.2f"
		                                        : i == 6 ? "%.0f s"
		                                                 : "%.0f",
		                                        json_node_get_double(n));
		g_assert_cmpstr(shown, ==, want);
	}
	g_assert_cmpint(xpath_count(doc, "//svg//rect"), >, 10);
	xmlFreeDoc(doc);
	screenshot_check(fx->dir, file);
}

#define LONG_NAME                                                                                  \
	"Wwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwww"    \
	"wwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwww"

/* Leads whose origin fields try to break out of every format. */
static const ReportSeed hostile[] = {
    {"2026-11-17T10:00:00Z",
     "leads@x.example",
     FALSE,
     {"utm_source==HYPERLINK(\"http://evil.example\",\"x\")",
      "utm_campaign=</style><script>alert(1)</script><svg onload=alert(2)>\x1b[31m\a" LONG_NAME,
      "utm_medium=-2+3"},
     {{0, "received", "intake", ""}, {60, "notified", "mailer", "new-lead to anna <a@x>"}}},
    {"2026-11-17T11:00:00Z",
     "leads@x.example",
     FALSE,
     {"utm_source=@SUM(1+1)", "utm_campaign=\tTAB\r\nnext", "source=+cmd"},
     {{0, "received", "intake", ""}}},
    {"2026-11-17T12:00:00Z",
     "leads@x.example",
     FALSE,
     {"utm_source=a\"b'c&d<e>", "utm_campaign=\u202eevil\xc2\x85x"},
     {{0, "received", "intake", ""}}},
};

/* test_hostile - nothing breaks out of HTML, CSV, JSON or text. */
static void test_hostile(void)
{
	g_autoptr(ReportFixture) fx = fixture_new(all_seeds, n_seeds);
	g_autofree char *html = NULL, *csv = NULL, *json = NULL, *text = NULL, *file = NULL;
	g_autofree char *src_csv = NULL;
	g_autoptr(JsonParser) p = json_parser_new();
	htmlDocPtr doc;

	fixture_add(fx, hostile, G_N_ELEMENTS(hostile));
	html = fixture_run(fx, REPORT_BY_CAMPAIGN, REPORT_HTML);
	doc = parse_html(html);
	g_assert_cmpint(xpath_count(doc, "//script"), ==, 0);
	g_assert_cmpint(xpath_count(doc, "//style"), ==, 1);
	g_assert_cmpint(xpath_count(doc, "//@onload"), ==, 0);
	g_assert_cmpint(xpath_count(doc, "//svg"), ==, 5);
	g_assert_null(strstr(html, "\x1b"));
	g_assert_null(strstr(html, "\a"));
	g_assert_nonnull(strstr(html, "&lt;/style&gt;&lt;script&gt;"));
	g_assert_null(strstr(html, "\u202e"));
	xmlFreeDoc(doc);
	csv = fixture_run(fx, REPORT_BY_CAMPAIGN, REPORT_CSV);
	g_assert_nonnull(strstr(csv, "\r\n\"'\tTAB\r\nnext\","));
	g_assert_nonnull(strstr(csv, "\r\n\"</style><script>"));
	src_csv = fixture_run(fx, REPORT_BY_SOURCE, REPORT_CSV);
	g_assert_nonnull(
	    strstr(src_csv, "\r\n\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\","));
	g_assert_nonnull(strstr(src_csv, "\r\n\"'@SUM(1+1)\","));
	g_assert_nonnull(strstr(src_csv, "\r\n\"a\"\"b'c&d<e>\","));
	json = fixture_run(fx, REPORT_BY_CAMPAIGN, REPORT_JSON);
	g_assert_true(json_parser_load_from_data(p, json, -1, NULL));
	g_assert_nonnull(strstr(json, "\\u001b[31m\\u0007"));
	text = fixture_run(fx, REPORT_BY_CAMPAIGN, REPORT_TEXT);
	g_assert_null(strchr(text, '\x1b'));
	g_assert_nonnull(strstr(text, "\\x1b[31m\\x07W"));
	g_assert_nonnull(strstr(text, "\\x09TAB\\x0d\\x0anext"));
	g_assert_nonnull(strstr(text, "\\u202eevil\\x85x"));
	file = write_page(fx->dir, html);
	screenshot_check(fx->dir, file);
}

/* test_team - a team's page has only its leads (the digest's view). */
static void test_team(void)
{
	g_autoptr(ReportFixture) fx = fixture_new(all_seeds, n_seeds);
	g_autofree char *csv = fixture_run_team(fx, REPORT_BY_USER, REPORT_CSV, "south");
	g_autofree char *html = fixture_run_team(fx, REPORT_BY_USER, REPORT_HTML, "north");

	/* South had P2 (ben) in the previous period and nothing now. */
	g_assert_nonnull(strstr(csv, "\r\n\"ben\",0,0,0,0,0,0,0,0,0,,0.00,"));
	g_assert_nonnull(strstr(csv, "\r\n\"total\",0,"));
	g_assert_null(strstr(csv, "anna"));
	g_assert_nonnull(strstr(html, "<h1>Lead report: team north</h1>"));
	g_assert_nonnull(strstr(html, "id=\"tile-leads\"><div class=\"k\">Leads</div>"
	                              "<div class=\"v\">5</div>"));
}

/* report_html_tests - register the tests. */
void report_html_tests(const ReportSeed *seeds, guint n)
{
	all_seeds = seeds;
	n_seeds = n;
	g_test_add_func("/report/html/valid", test_html_valid);
	g_test_add_func("/report/html/chromium", test_html_chromium);
	g_test_add_func("/report/html/hostile", test_hostile);
	g_test_add_func("/report/html/team", test_team);
}
