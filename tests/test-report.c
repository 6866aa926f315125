/* test-report.c - list, show and report over a store built from known
 * events with a fixed clock: every figure of every view, the formats
 * agreeing, the HTML page (libxml2, headless Chromium) and hostile values. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include <json-glib/json-glib.h>

#include "lead/lr-error.h"
#include "parser/utm.h"
#include "queue/queue.h"
#include "report/digest.h"
#include "report/leads.h"
#include "report/output.h"
#include "report/report.h"
#include "report/safe.h"
#include "lead/summary.h"
#include "rules/load.h"
#include "tests/report-fixture.h"

/* The users: anna works Berlin hours, carl New York hours, ben always. */
const char report_conf_text[] =
    "users = (\n"
    "  { id = \"boss\"; email = \"boss@x.example\"; role = \"admin\"; },\n"
    "  { id = \"mgr\"; email = \"mgr@x.example\"; role = \"manager\"; team = \"north\";\n"
    "    manages = [\"anna\", \"carl\"]; },\n"
    "  { id = \"anna\"; email = \"anna@x.example\"; team = \"north\";\n"
    "    hours = \"Mon-Fri 08:00-17:00 Europe/Berlin\"; },\n"
    "  { id = \"ben\"; email = \"ben@x.example\"; team = \"south\"; },\n"
    "  { id = \"carl\"; email = \"carl@x.example\"; team = \"north\";\n"
    "    hours = \"Mon-Fri 09:00-17:00 America/New_York\"; }\n"
    ");\n"
    "servers = ( { id = \"north\"; deliver = \"mailto:lr@north.example\"; } );\n"
    "rules = ( { name = \"all\"; route = \"anna\"; } );\n"
    "workflow: { accept_within = \"30m\"; contact_within = \"2h\"; };\n";

#define ANNA "new-lead to anna <anna@x.example>"
#define BEN "new-lead to ben <ben@x.example>"
#define CARL "new-lead to carl <carl@x.example>"

/* The period is 2026-11-09 to 2026-11-24 (15 days), the previous one
 * 2026-10-25 to 2026-11-09; the clock stands at 2026-11-24T00:00Z. */
static const ReportSeed seeds[] = {
    /* L1: Monday in anna's hours: accepted in 3 min, contacted, won. */
    {"2026-11-16T10:00:00Z",
     "leads@x.example",
     FALSE,
     {"utm_source=webinar", "utm_campaign=spring", "utm_medium=email"},
     {{0, "received", "intake", ""},
      {60, "notified", "mailer", ANNA},
      {180, "accepted", "anna", ""},
      {600, "contacted", "anna", ""},
      {86400, "won", "anna", "1200"}}},
    /* L2: Friday 16:30 Berlin, accepted Monday 08:30 Berlin: 64 h on the
     * clock, one working hour; never contacted. */
    {"2026-11-20T15:30:00Z",
     "leads@x.example",
     FALSE,
     {"utm_source=webinar", "utm_campaign=spring"},
     {{0, "received", "intake", ""},
      {0, "notified", "mailer", ANNA},
      {230400, "accepted", "anna", ""}}},
    /* L3: the address extension; ben rejects, carl accepts before his
     * New York day starts (0 working seconds); never contacted. */
    {"2026-11-18T12:00:00Z",
     "leads+expo@x.example",
     FALSE,
     {NULL},
     {{0, "received", "intake", ""},
      {60, "notified", "mailer", BEN},
      {120, "rejected", "ben", "busy"},
      {121, "routed", "router", ""},
      {180, "notified", "mailer", CARL},
      {1200, "accepted", "carl", ""}}},
    /* L4: no source; ben times out, anna never accepts. */
    {"2026-11-21T10:00:00Z",
     "leads@x.example",
     FALSE,
     {NULL},
     {{0, "received", "intake", ""},
      {60, "notified", "mailer", BEN},
      {14460, "timeout", "workflow", ""},
      {14520, "notified", "mailer", ANNA}}},
    /* L5: form fields source and campaign; the partner north takes it. */
    {"2026-11-19T09:00:00Z",
     "leads@x.example",
     FALSE,
     {"source=expo", "campaign=fall"},
     {{0, "received", "intake", ""},
      {30, "parsed", "parser", ""},
      {60, "federated", "router", "north"},
      {360, "accepted", "server:north", ""},
      {172800, "won", "server:north", "500"}}},
    /* L6: an auto-reply: not counted. */
    {"2026-11-17T08:00:00Z",
     "leads@x.example",
     TRUE,
     {"utm_source=webinar"},
     {{0, "received", "intake", ""}, {1, "not-lead", "parser", "auto-reply"}}},
    /* L7: Sunday; north gives it back, anna accepts Monday 08:05 Berlin. */
    {"2026-11-22T09:00:00Z",
     "leads@x.example",
     FALSE,
     {"utm_source=partnerweb", "utm_campaign=spring"},
     {{0, "received", "intake", ""},
      {60, "federated", "router", "north"},
      {3600, "recalled", "router", "north"},
      {3660, "notified", "mailer", ANNA},
      {79500, "accepted", "anna", ""},
      {80400, "contacted", "anna", ""}}},
    /* P1, P2: the previous period. */
    {"2026-11-02T10:00:00Z",
     "leads@x.example",
     FALSE,
     {"utm_source=webinar", "utm_campaign=autumn"},
     {{0, "received", "intake", ""},
      {60, "notified", "mailer", ANNA},
      {600, "accepted", "anna", ""},
      {90000, "lost", "anna", "price"}}},
    {"2026-11-03T12:00:00Z",
     "leads+expo@x.example",
     FALSE,
     {NULL},
     {{0, "received", "intake", ""},
      {60, "notified", "mailer", BEN},
      {2400, "accepted", "ben", ""},
      {3000, "contacted", "ben", ""}}},
    /* Before both periods: never counted. */
    {"2026-10-01T10:00:00Z",
     "leads@x.example",
     FALSE,
     {"utm_source=webinar"},
     {{0, "received", "intake", ""},
      {60, "notified", "mailer", ANNA},
      {120, "accepted", "anna", ""}}},
};

/* Every row of every view, as CSV: the 23 figures of the period, the 23 of
 * the previous one, the change in leads. */
static const char *const expect_total =
    "\"total\",6,5,1,0,1,1,2,2,0,33.3,1700.00,1200,230400,300,3600,40500,80400,900,1200,"
    "2,5,2,4,2,2,0,0,0,0,1,0,1,0.0,0.00,1500,2400,1500,2400,3000,3000,3000,3000,1,2,1,2,+4";
#define EMPTY_PREV "0,0,0,0,0,0,0,0,0,,0.00,,,,,,,,,0,0,0,0"
#define P2_PREV "1,1,0,0,0,0,1,0,0,0.0,0.00,2400,2400,2400,2400,3000,3000,3000,3000,1,1,0,1"
#define P1_PREV "1,1,0,0,0,0,0,0,1,0.0,0.00,600,600,600,600,,,,,0,1,1,1"
#define L5_ROW "1,1,0,0,0,0,0,1,0,100.0,500.00,360,360,360,360,,,,,0,0,0,0"
static const char *const expect_source[] = {
    "\"(none)\",1,0,0,0,1,0,0,0,0,0.0,0.00,,,,,,,,,1,1,0,0," EMPTY_PREV ",+1",
    "\"expo\",2,2,1,0,0,0,0,1,0,50.0,500.00,780,1200,180,360,,,,,0,1,1,1," P2_PREV ",+1",
    "\"partnerweb\",1,1,0,0,0,1,1,0,0,0.0,0.00,79500,79500,300,300,80400,80400,1200,1200,"
    "0,1,0,1," EMPTY_PREV ",+1",
    "\"webinar\",2,2,0,0,0,0,1,1,0,50.0,1200.00,115290,230400,1890,3600,600,600,600,600,"
    "1,2,1,2," P1_PREV ",+1",
    NULL};
static const char *const expect_campaign[] = {
    "\"(none)\",2,1,1,0,1,0,0,0,0,0.0,0.00,1200,1200,0,0,,,,,1,2,1,1," P2_PREV ",+1",
    "\"autumn\"," EMPTY_PREV "," P1_PREV ",-1", "\"fall\"," L5_ROW "," EMPTY_PREV ",+1",
    "\"spring\",3,3,0,0,0,1,2,1,0,33.3,1200.00,79500,230400,300,3600,40500,80400,900,1200,"
    "1,3,1,3," EMPTY_PREV ",+3",
    NULL};
static const char *const expect_user[] = {
    "\"(none)\"," L5_ROW "," EMPTY_PREV ",+1",
    "\"anna\",4,3,0,0,0,1,2,1,0,25.0,1200.00,79500,230400,300,3600,40500,80400,900,1200,"
    "2,4,1,3," P1_PREV ",+3",
    "\"ben\",2,0,1,0,1,0,0,0,0,0.0,0.00,,,,,,,,,0,0,0,0," P2_PREV ",+1",
    "\"carl\",1,1,0,0,0,0,0,0,0,0.0,0.00,1200,1200,0,0,,,,,0,1,1,1," EMPTY_PREV ",+1", NULL};
static const char *const expect_team[] = {
    "\"(none)\"," L5_ROW "," EMPTY_PREV ",+1",
    "\"north\",5,4,1,0,1,1,2,1,0,20.0,1200.00,40350,230400,240,3600,40500,80400,900,1200,"
    "2,5,2,4," P1_PREV ",+4",
    "\"south\"," EMPTY_PREV "," P2_PREV ",-1", NULL};
static const char *const expect_server[] = {
    "\"(none)\",4,3,1,0,1,0,1,1,0,25.0,1200.00,1200,230400,180,3600,600,600,600,600,"
    "2,4,2,3,2,2,0,0,0,0,1,0,1,0.0,0.00,1500,2400,1500,2400,3000,3000,3000,3000,1,2,1,2,+2",
    "\"server:north\",2,2,0,0,0,1,1,1,0,50.0,500.00,39930,79500,330,360,80400,80400,1200,1200,"
    "0,1,0,1," EMPTY_PREV ",+2",
    NULL};
static const char *const expect_day[] = {
    "\"2026-11-02\"," EMPTY_PREV "," P1_PREV ",-1",
    "\"2026-11-03\"," EMPTY_PREV "," P2_PREV ",-1",
    "\"2026-11-16\",1,1,0,0,0,0,1,1,0,100.0,1200.00,180,180,180,180,600,600,600,600,"
    "0,1,0,1," EMPTY_PREV ",+1",
    "\"2026-11-18\",1,1,1,0,0,0,0,0,0,0.0,0.00,1200,1200,0,0,,,,,0,1,1,1," EMPTY_PREV ",+1",
    "\"2026-11-19\"," L5_ROW "," EMPTY_PREV ",+1",
    "\"2026-11-20\",1,1,0,0,0,0,0,0,0,0.0,0.00,230400,230400,3600,3600,,,,,1,1,1,1," EMPTY_PREV
    ",+1",
    "\"2026-11-21\",1,0,0,0,1,0,0,0,0,0.0,0.00,,,,,,,,,1,1,0,0," EMPTY_PREV ",+1",
    "\"2026-11-22\",1,1,0,0,0,1,1,0,0,0.0,0.00,79500,79500,300,300,80400,80400,1200,1200,"
    "0,1,0,1," EMPTY_PREV ",+1",
    NULL};
static const char *const expect_week[] = {
    "\"2026-W45\"," EMPTY_PREV ",2,2,0,0,0,0,1,0,1,0.0,0.00,1500,2400,1500,2400,"
    "3000,3000,3000,3000,1,2,1,2,-2",
    "\"2026-W47\",6,5,1,0,1,1,2,2,0,33.3,1700.00,1200,230400,300,3600,40500,80400,900,1200,"
    "2,5,2,4," EMPTY_PREV ",+6",
    NULL};

static const char *const *const expect_by[] = {expect_source, expect_campaign, expect_user,
                                               expect_team,   expect_server,   expect_day,
                                               expect_week};

/* check_lines - out holds exactly the expected rows, then the total. */
static void check_lines(const char *out, const char *const *rows, const char *total)
{
	g_auto(GStrv) lines = g_strsplit(out, "\r\n", -1);
	guint n = 0;

	while (rows[n]) {
		g_assert_nonnull(lines[n + 1]);
		g_assert_cmpstr(lines[n + 1], ==, rows[n]);
		n++;
	}
	g_assert_cmpstr(lines[n + 1], ==, total);
	g_assert_cmpstr(lines[n + 2], ==, "");
	g_assert_null(lines[n + 3]);
}

/* test_views - every figure of every view, exactly. */
static void test_views(void)
{
	g_autoptr(ReportFixture) fx = fixture_new(seeds, G_N_ELEMENTS(seeds));

	for (int by = REPORT_BY_SOURCE; by <= REPORT_BY_WEEK; by++) {
		g_autofree char *csv = fixture_run(fx, by, REPORT_CSV);
		g_autofree char *total = g_strdup(expect_total);
		g_test_message("--by %s\n%s", report_by_name(by), csv);
		if (by == REPORT_BY_DAY || by == REPORT_BY_WEEK)
			g_assert_true(
			    g_str_has_prefix(csv, by == REPORT_BY_DAY ? "day," : "week,"));
		check_lines(csv, expect_by[by], total);
	}
}

/* json_cell_text - a JSON member as the CSV spells it. */
static char *json_cell_text(JsonObject *o, const LrCell *c)
{
	JsonNode *n = json_object_get_member(o, c->name);
	LrCell v = *c;

	g_assert_nonnull(n);
	if (JSON_NODE_HOLDS_NULL(n))
		return g_strdup("");
	v.value = json_node_get_double(n);
	v.missing = FALSE;
	return report_cell_text(&v);
}

/* check_json_row - a JSON row against its CSV line. */
static void check_json_row(JsonObject *o, const char *by, const char *csv_line)
{
	g_auto(GStrv) cells = g_strsplit(csv_line, ",", -1);
	LrCell names[REPORT_N_CELLS];
	LrFigures empty = {0};
	g_autofree char *key = g_strdup_printf("\"%s\"", json_object_get_string_member(o, by));

	report_durations_init(&empty.tta);
	report_durations_init(&empty.tta_work);
	report_durations_init(&empty.ttc);
	report_durations_init(&empty.ttc_work);
	report_cells(&empty, names);
	report_durations_clear(&empty.tta);
	report_durations_clear(&empty.tta_work);
	report_durations_clear(&empty.ttc);
	report_durations_clear(&empty.ttc_work);
	g_assert_cmpstr(cells[0], ==, key);
	for (guint i = 0; i < REPORT_N_CELLS; i++) {
		g_autofree char *now = json_cell_text(o, &names[i]);
		g_autofree char *then =
		    json_cell_text(json_object_get_object_member(o, "previous"), &names[i]);
		g_assert_cmpstr(now, ==, cells[1 + i]);
		g_assert_cmpstr(then, ==, cells[1 + REPORT_N_CELLS + i]);
	}
}

/* check_text_row - a text line against its CSV line ("-" for empty). */
static void check_text_row(const char *line, const char *csv_line)
{
	g_auto(GStrv) cells = g_strsplit(csv_line, ",", -1);
	g_auto(GStrv) words = g_strsplit_set(line, " ", -1);
	g_autoptr(GPtrArray) w = g_ptr_array_new();

	for (guint i = 0; words[i]; i++)
		if (*words[i])
			g_ptr_array_add(w, words[i]);
	g_assert_cmpuint(w->len, ==, 1 + REPORT_N_CELLS + 2);
	for (guint i = 0; i < REPORT_N_CELLS; i++)
		g_assert_cmpstr(w->pdata[1 + i], ==, *cells[1 + i] ? cells[1 + i] : "-");
	g_assert_cmpstr(w->pdata[1 + REPORT_N_CELLS], ==, cells[1 + REPORT_N_CELLS]);
	g_assert_cmpstr(w->pdata[2 + REPORT_N_CELLS], ==, cells[2 * REPORT_N_CELLS + 1]);
}

/* test_formats_agree - JSON and text carry the CSV's numbers. */
static void test_formats_agree(void)
{
	g_autoptr(ReportFixture) fx = fixture_new(seeds, G_N_ELEMENTS(seeds));

	for (int by = REPORT_BY_SOURCE; by <= REPORT_BY_WEEK; by++) {
		g_autofree char *csv = fixture_run(fx, by, REPORT_CSV);
		g_autofree char *json = fixture_run(fx, by, REPORT_JSON);
		g_autofree char *text = fixture_run(fx, by, REPORT_TEXT);
		g_auto(GStrv) csv_lines = g_strsplit(csv, "\r\n", -1);
		g_auto(GStrv) text_lines = g_strsplit(text, "\n", -1);
		g_autoptr(JsonParser) p = json_parser_new();
		JsonObject *root;
		JsonArray *rows;

		g_assert_true(json_parser_load_from_data(p, json, -1, NULL));
		root = json_node_get_object(json_parser_get_root(p));
		rows = json_object_get_array_member(root, "rows");
		g_assert_cmpuint(json_array_get_length(rows) + 3, ==, g_strv_length(csv_lines));
		for (guint i = 0; i < json_array_get_length(rows); i++) {
			check_json_row(json_array_get_object_element(rows, i), report_by_name(by),
			               csv_lines[i + 1]);
			check_text_row(text_lines[i + 1], csv_lines[i + 1]);
		}
		check_text_row(text_lines[json_array_get_length(rows) + 1], expect_total);
		g_assert_cmpint(json_object_get_int_member(
		                    json_object_get_object_member(root, "total"), "leads"),
		                ==, 6);
	}
}

/* sample - an array of seconds. */
static GArray *sample(const double *v, guint n)
{
	GArray *a = g_array_new(FALSE, FALSE, sizeof(double));

	g_array_append_vals(a, v, n);
	return a;
}

/* test_percentiles - median and p90 on odd, even and tiny counts. */
static void test_percentiles(void)
{
	const double odd[] = {30, 10, 20}, even[] = {40, 10, 30, 20};
	const double ten[] = {10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
	const double eleven[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
	g_autoptr(GArray) a = sample(odd, 3), b = sample(even, 4), c = sample(ten, 10);
	g_autoptr(GArray) d = sample(eleven, 11), e = sample(odd, 1), none = sample(odd, 0);

	g_assert_cmpfloat(report_median(a), ==, 20);
	g_assert_cmpfloat(report_p90(a), ==, 30);
	g_assert_cmpfloat(report_median(b), ==, 25);
	g_assert_cmpfloat(report_p90(b), ==, 40);
	g_assert_cmpfloat(report_median(c), ==, 5.5);
	g_assert_cmpfloat(report_p90(c), ==, 9);
	g_assert_cmpfloat(report_median(d), ==, 6);
	g_assert_cmpfloat(report_p90(d), ==, 10);
	g_assert_cmpfloat(report_median(e), ==, 30);
	g_assert_cmpfloat(report_p90(e), ==, 30);
	g_assert_cmpfloat(report_median(none), ==, -1);
	g_assert_cmpfloat(report_p90(none), ==, -1);
}

/* minute_walk - the reference: working seconds minute by minute (the
 * hours are whole minutes, so the state is constant within each). */
static double minute_walk(const LrUser *u, gint64 from, gint64 to)
{
	const gint64 minute = 60 * G_USEC_PER_SEC;
	gint64 sum = 0;

	for (gint64 t = from; t < to;) {
		gint64 next = MIN((t / minute + 1) * minute, to);
		if (lr_config_user_in_hours(u, t))
			sum += next - t;
		t = next;
	}
	return (double)sum / G_USEC_PER_SEC;
}

/* test_working_walk - the fast walk equals the minute walk, across the
 * autumn clock changes of Berlin and New York. */
static void test_working_walk(void)
{
	g_autoptr(ReportFixture) fx = fixture_new(seeds, 0);
	const char *const ids[] = {"anna", "carl"};
	gint64 base = fixture_time("2026-10-20T00:00:17Z");

	for (guint u = 0; u < G_N_ELEMENTS(ids); u++) {
		const LrUser *user = lr_config_user(fx->cfg, ids[u]);
		for (gint64 i = 0; i < 300; i++) {
			gint64 from = base + i * 7919 * G_USEC_PER_SEC;
			gint64 to = from + (i * 36007 % (6 * 86400)) * G_USEC_PER_SEC + i;
			g_assert_cmpfloat(report_working_secs(user, from, to), ==,
			                  minute_walk(user, from, to));
		}
	}
}

/* test_working_hours - durations across a weekend and in two zones. */
static void test_working_hours(void)
{
	g_autoptr(ReportFixture) fx = fixture_new(seeds, 0);
	const LrUser *anna = lr_config_user(fx->cfg, "anna"),
	             *carl = lr_config_user(fx->cfg, "carl");
	const LrUser *ben = lr_config_user(fx->cfg, "ben");
	gint64 fri = fixture_time("2026-11-20T15:30:00Z"),
	       mon = fixture_time("2026-11-23T07:30:00Z");

	/* Berlin (UTC+1): Fri 16:30-17:00 and Mon 08:00-08:30. */
	g_assert_cmpfloat(report_working_secs(anna, fri, mon), ==, 3600);
	/* New York (UTC-5): Fri 10:30-17:00 and nothing Monday before 09:00. */
	g_assert_cmpfloat(report_working_secs(carl, fri, mon), ==, 6.5 * 3600);
	g_assert_cmpfloat(report_working_secs(carl, fri, fixture_time("2026-11-23T15:00:00Z")), ==,
	                  7.5 * 3600);
	g_assert_cmpfloat(report_working_secs(ben, fri, mon), ==, 64 * 3600);
	g_assert_cmpfloat(
	    report_working_secs(anna, fri + 30 * G_USEC_PER_SEC, fri + 90 * G_USEC_PER_SEC), ==,
	    60);
	g_assert_cmpfloat(report_working_secs(anna, mon, fri), ==, 0);
}

/* test_stages - the stage transitions, times and actors of one lead. */
static void test_stages(void)
{
	g_autoptr(ReportFixture) fx = fixture_new(seeds, G_N_ELEMENTS(seeds));
	static const char *const want[][3] = {{"new", "2026-11-22T09:00:00Z", "intake"},
	                                      {"federated", "2026-11-22T09:01:00Z", "server:north"},
	                                      {"recalled", "2026-11-22T10:00:00Z", "router"},
	                                      {"offered", "2026-11-22T10:01:00Z", "anna"},
	                                      {"accepted", "2026-11-23T07:05:00Z", "anna"},
	                                      {"contacted", "2026-11-23T07:20:00Z", "anna"}};
	g_autofree char *json = fixture_show(fx, 7, TRUE), *text = fixture_show(fx, 7, FALSE);
	g_autoptr(JsonParser) p = json_parser_new();
	JsonObject *tr;
	JsonArray *st;

	g_assert_true(json_parser_load_from_data(p, json, -1, NULL));
	tr = json_object_get_object_member(json_node_get_object(json_parser_get_root(p)),
	                                   "tracking");
	g_assert_cmpstr(json_object_get_string_member(tr, "stage"), ==, "contacted");
	g_assert_cmpstr(json_object_get_string_member(tr, "source"), ==, "partnerweb");
	g_assert_cmpstr(json_object_get_string_member(tr, "campaign"), ==, "spring");
	g_assert_cmpstr(json_object_get_string_member(tr, "medium"), ==, "(none)");
	st = json_object_get_array_member(tr, "stages");
	g_assert_cmpuint(json_array_get_length(st), ==, G_N_ELEMENTS(want));
	for (guint i = 0; i < G_N_ELEMENTS(want); i++) {
		JsonObject *o = json_array_get_object_element(st, i);
		g_autofree char *line =
		    g_strdup_printf("  %s %-10s %s\n", want[i][1], want[i][0], want[i][2]);
		g_assert_cmpstr(json_object_get_string_member(o, "stage"), ==, want[i][0]);
		g_assert_cmpstr(json_object_get_string_member(o, "at"), ==, want[i][1]);
		g_assert_cmpstr(json_object_get_string_member(o, "actor"), ==, want[i][2]);
		g_assert_nonnull(strstr(text, line));
	}
}

/* test_utm - utm_* from a landing-page URL in a form field. */
static void test_utm(void)
{
	g_autoptr(LrLead) lead = lead_new();
	g_autofree char *none = utm_query_value("no url here", "utm_source");
	g_autofree char *bad = utm_query_value("x?utm_source=%zz", "utm_source");

	lead_field_set(lead, "message", "Hello");
	lead_field_set(lead, "page_url",
	               "https://shop.example/offer?ref=1&utm_source=google"
	               "&utm_medium=cpc&utm_campaign=Black+Friday%20%E2%82%AC#top");
	lead_field_set(lead, "utm_source", "newsletter");
	utm_extract(lead);
	g_assert_cmpstr(lead_field_get(lead, "utm_source"), ==, "newsletter");
	g_assert_cmpstr(lead_field_get(lead, "utm_medium"), ==, "cpc");
	g_assert_cmpstr(lead_field_get(lead, "utm_campaign"), ==, "Black Friday \u20ac");
	g_assert_null(none);
	g_assert_null(bad);
}

/* test_list - list orders by priority. */
static void test_list(void)
{
	g_autoptr(ReportFixture) fx = fixture_new(seeds, G_N_ELEMENTS(seeds));
	LrListOptions opt = {.query = {.by_priority = TRUE}, .limit = 0, .json = TRUE};
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	g_autofree char *list = NULL;

	g_assert_true(report_list(fx->q, &opt, out, NULL));
	fclose(out);
	list = buf;
	/* The seeds get priority 10 times their position: the last first. */
	g_assert_nonnull(strstr(list, "\"priority\":100,"));
	g_assert_true(strstr(list, "\"priority\":100,") < strstr(list, "\"priority\":90,"));
	g_assert_true(strstr(list, "\"priority\":20,") < strstr(list, "\"priority\":10,"));
}

/* run_cli - `leadroute report ARGS` over the fixture's store; its exit
 * status, and its stdout in *out. */
static int run_cli(ReportFixture *fx, const char *args, char **out)
{
	g_autofree char *conf = g_build_filename(fx->dir, "cli.conf", NULL);
	g_autofree char *text =
	    g_strdup_printf("server: { home = \"%s\"; };\n%s", fx->dir, report_conf_text);
	g_autofree char *cmd =
	    g_strdup_printf("%s/src/leadroute report -c %s %s", LR_BUILDDIR, conf, args);
	g_autoptr(GError) error = NULL;
	int status = -1;

	g_assert_true(g_file_set_contents(conf, text, -1, NULL));
	g_assert_true(g_spawn_command_line_sync(cmd, out, NULL, &status, &error));
	g_assert_no_error(error);
	return g_spawn_check_wait_status(status, NULL) ? 0 : WEXITSTATUS(status);
}

/* test_cli - the command gives the library's bytes; relative periods, -o
 * and bad usage. */
static void test_cli(void)
{
	g_autoptr(ReportFixture) fx = fixture_new(seeds, G_N_ELEMENTS(seeds));
	g_autofree char *want = fixture_run(fx, REPORT_BY_CAMPAIGN, REPORT_CSV);
	g_autofree char *html = fixture_run(fx, REPORT_BY_TEAM, REPORT_HTML);
	g_autofree char *a = NULL, *b = NULL, *c = NULL, *d = NULL, *file = NULL, *written = NULL;
	g_autofree char *o = g_build_filename(fx->dir, "out.html", NULL);
	g_autofree char *o_arg = g_strdup_printf("--format html -o %s", o);

	g_assert_cmpint(run_cli(fx,
	                        "--by campaign --format csv --since 2026-11-09 "
	                        "--until 2026-11-24 --now 2026-11-24T00:00:00Z",
	                        &a),
	                ==, 0);
	g_assert_cmpstr(a, ==, want);
	g_assert_cmpint(run_cli(fx,
	                        "--by campaign --format csv --since 15d "
	                        "--now 2026-11-24T00:00:00Z",
	                        &b),
	                ==, 0);
	g_assert_cmpstr(b, ==, want);
	file = g_strconcat("--by team --since 15d --now 2026-11-24T00:00:00Z ", o_arg, NULL);
	g_assert_cmpint(run_cli(fx, file, &c), ==, 0);
	g_assert_cmpstr(c, ==, "");
	g_assert_true(g_file_get_contents(o, &written, NULL, NULL));
	g_assert_cmpstr(written, ==, html);
	g_assert_cmpint(run_cli(fx, "--by colour", &d), ==, 64);
	g_clear_pointer(&d, g_free);
	g_assert_cmpint(run_cli(fx, "--by user --format pdf", &d), ==, 64);
	g_clear_pointer(&d, g_free);
	g_assert_cmpint(run_cli(fx, "--by user --since 2026-12-01 --until 2026-11-01", &d), ==, 64);
}

/* digest_of - the digest of a configuration text (NULL: none); *problem
 * gets the reader's first problem, if any. */
static LrDigest *digest_of(const char *dir, const char *name, const char *workflow, char **problem)
{
	g_autofree char *file = g_build_filename(dir, name, NULL);
	g_autofree char *text = g_strdup_printf(
	    "users = ( { id = \"dana\"; email = \"d@x.example\"; role = \"admin\"; } );\n"
	    "rules = ( { route = \"dana\"; } );\n%s",
	    workflow);
	g_autoptr(GError) error = NULL;
	g_autoptr(LrConfig) cfg = NULL;
	LrDigest *d;

	g_assert_true(g_file_set_contents(file, text, -1, NULL));
	cfg = lr_config_load(file, &error);
	*problem = error ? g_strdup(error->message) : NULL;
	if (cfg == NULL)
		return NULL;
	d = digest_load(cfg, &error);
	g_assert_no_error(error);
	return d;
}

/* test_digest_schedule - "Mon 08:00 Europe/Berlin" and "every 10s"; a
 * wrong digest is a problem of the configuration reader. */
static void test_digest_schedule(void)
{
	g_autofree char *dir = g_dir_make_tmp("lr-digest-XXXXXX", NULL);
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);
	g_autofree char *problem = NULL, *typo = NULL, *nothing = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(LrDigest) d = NULL, none = NULL, wrong = NULL, misspelt = NULL;
	LrDigest every = {0};
	gint64 mon = fixture_time("2026-11-23T07:00:00Z");

	d = digest_of(dir, "good.conf",
	              "workflow: { digest = { to = [\"managers\"];"
	              " when = \"Mon 08:00 Europe/Berlin\"; }; };\n",
	              &nothing);
	g_assert_null(nothing);
	g_assert_nonnull(d);
	g_assert_cmpint(d->by, ==, REPORT_BY_USER);
	g_assert_cmpint(d->period, ==, 7 * 86400);
	g_assert_cmpint(digest_slot(d, 0, fixture_time("2026-11-24T00:00:00Z")), ==, mon);
	g_assert_cmpint(digest_slot(d, 0, mon), ==, mon);
	g_assert_cmpint(digest_slot(d, 0, mon - 1), ==, mon - 7 * 86400LL * G_USEC_PER_SEC);
	wrong = digest_of(dir, "bad.conf",
	                  "workflow: {\n digest = { to = [\"mia\"];"
	                  " when = \"every 1h\"; by = \"colour\"; }; };\n",
	                  &problem);
	g_assert_null(wrong);
	g_assert_nonnull(problem);
	g_assert_nonnull(strstr(problem, "bad.conf:4: workflow.digest: 'by' must be"));
	misspelt = digest_of(dir, "typo.conf",
	                     "workflow: { digest = { to = [\"mia\"];"
	                     " when = \"every 1h\"; perod = \"7d\"; }; };\n",
	                     &typo);
	g_assert_null(misspelt);
	g_assert_nonnull(typo);
	g_assert_nonnull(strstr(typo, "unknown key 'perod' in workflow.digest"));
	none = digest_load(NULL, &error);
	g_assert_null(none);
	g_assert_no_error(error);
	every.every = 10;
	g_assert_cmpint(digest_slot(&every, 0, mon), ==, mon);
	g_assert_cmpint(digest_slot(&every, mon, mon), ==, mon + 10 * G_USEC_PER_SEC);
	for (guint i = 0; lr_config_report_views[i] != NULL; i++)
		g_assert_cmpint(report_by_parse(lr_config_report_views[i]), ==, (int)i);
	g_assert_cmpint(system(cmd), ==, 0);
}

/* Outcomes an admin records by hand (`lead close`, `lead status`): each
 * counts for the rep who held the lead then, not for the admin. */
static const ReportSeed closed_by_admin[] = {
    /* anna accepted; an admin records the win. */
    {"2026-11-16T10:00:00Z",
     "leads@x.example",
     FALSE,
     {"utm_source=webinar"},
     {{0, "received", "intake", ""},
      {60, "notified", "mailer", ANNA},
      {180, "accepted", "anna", ""},
      {3600, "won", "admin:root", "700"}}},
    /* ben accepted; boss (an admin user) records the loss. */
    {"2026-11-17T10:00:00Z",
     "leads@x.example",
     FALSE,
     {"utm_source=webinar"},
     {{0, "received", "intake", ""},
      {60, "notified", "mailer", BEN},
      {120, "accepted", "ben", ""},
      {7200, "lost", "boss", "price"}}},
    /* carl was offered it and never answered; an admin records the
     * contact and the win. */
    {"2026-11-18T12:00:00Z",
     "leads@x.example",
     FALSE,
     {"utm_source=webinar"},
     {{0, "received", "intake", ""},
      {60, "notified", "mailer", CARL},
      {600, "contacted", "admin:root", ""},
      {3600, "won", "admin:root", "300"}}},
};

/* test_closed_by_admin - per user, hand-recorded outcomes go to the
 * holder; the stage keeps the admin as its actor. */
static void test_closed_by_admin(void)
{
	g_autoptr(ReportFixture) fx = fixture_new(closed_by_admin, G_N_ELEMENTS(closed_by_admin));
	g_autofree char *csv = fixture_run(fx, REPORT_BY_USER, REPORT_CSV);
	g_autofree char *show = fixture_show(fx, 1, FALSE);
	static const char *const rows[] = {
	    "\"anna\",1,1,0,0,0,0,0,1,0,100.0,700.00,180,180,180,180,,,,,0,1,1,1," EMPTY_PREV ",+1",
	    "\"ben\",1,1,0,0,0,0,0,0,1,0.0,0.00,120,120,120,120,,,,,0,1,1,1," EMPTY_PREV ",+1",
	    "\"carl\",1,0,0,0,0,0,1,1,0,100.0,300.00,,,,,600,600,0,0,1,1,0,0," EMPTY_PREV ",+1",
	    NULL};

	g_test_message("%s", csv);
	g_assert_null(strstr(csv, "admin:root"));
	g_assert_null(strstr(csv, "\"boss\""));
	check_lines(csv, rows,
	            "\"total\",3,2,0,0,0,0,1,2,1,66.7,1000.00,150,180,150,180,600,600,0,0,"
	            "1,3,2,2," EMPTY_PREV ",+3");
	g_assert_nonnull(strstr(show, " won        admin:root\n"));
}

/* test_safe - control characters from leads are escaped for terminals. */
static void test_safe(void)
{
	static const struct {
		const char *in, *out, *out_nl;
	} cases[] = {
	    {"Eve \033[31mRed\033[0m", "Eve \\x1b[31mRed\\x1b[0m", NULL},
	    {"t\033]0;pwned\007", "t\\x1b]0;pwned\\x07", NULL},
	    {"a\rb\nc\td\177", "a\\x0db\\x0ac\td\\x7f", "a\\x0db\nc\td\\x7f"},
	    {"c1 \302\233 csi", "c1 \\u009b csi", NULL},
	    {"bidi \342\200\256x", "bidi \\u202ex", NULL},
	    {"bad \377 byte", "bad \\xff byte", NULL},
	    {"back\\slash", "back\\\\slash", NULL},
	    {"Jürgen Weiß", "Jürgen Weiß", NULL},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *one = report_safe(cases[i].in, FALSE);
		g_autofree char *multi = report_safe(cases[i].in, TRUE);
		g_assert_cmpstr(one, ==, cases[i].out);
		g_assert_cmpstr(multi, ==, cases[i].out_nl ? cases[i].out_nl : cases[i].out);
	}
	g_autofree char *json = report_safe_json("{\"a\" : \"x\302\233y\177\"}");
	g_assert_cmpstr(json, ==, "{\"a\" : \"x\\u009by\\u007f\"}");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/report/safe", test_safe);
	g_test_add_func("/report/views", test_views);
	g_test_add_func("/report/closed-by-admin", test_closed_by_admin);
	g_test_add_func("/report/formats-agree", test_formats_agree);
	g_test_add_func("/report/percentiles", test_percentiles);
	g_test_add_func("/report/working-hours", test_working_hours);
	g_test_add_func("/report/working-walk", test_working_walk);
	g_test_add_func("/report/stages", test_stages);
	g_test_add_func("/report/utm", test_utm);
	g_test_add_func("/report/list", test_list);
	g_test_add_func("/report/cli", test_cli);
	g_test_add_func("/report/digest-schedule", test_digest_schedule);
	report_html_tests(seeds, G_N_ELEMENTS(seeds));
	return g_test_run();
}
