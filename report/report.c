/* report.c - `leadroute report`: leads per source or per user. */
#include "config.h"

#include <json-glib/json-glib.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "report/safe.h"

typedef struct {
	char *key;
	guint leads, accepted, rejected, timeouts, contacted, won, lost;
	double won_amount;
	GArray *accept_secs;	/* double: arrival to ACCEPT */
} Row;

typedef struct {
	LrQueue *q;
	LrReportBy by;
	gint64 since;
	GHashTable *rows;	/* key -> Row * */
} Collect;

/* row_free - destroy a row. */
static void row_free(gpointer p)
{
	Row *r = p;

	g_free(r->key);
	g_array_unref(r->accept_secs);
	g_free(r);
}

/* row_get - the row for key, created on first use. */
static Row *row_get(Collect *c, const char *key)
{
	Row *r = g_hash_table_lookup(c->rows, key);

	if (r == NULL) {
		r = g_new0(Row, 1);
		r->key = g_strdup(key);
		r->accept_secs = g_array_new(FALSE, FALSE, sizeof(double));
		g_hash_table_insert(c->rows, r->key, r);
	}
	return r;
}

/* count_event - add one event of a lead to its row (per source), or to the
 * acting user's row (per user). */
static void count_event(Collect *c, const LrLead *lead, Row *src, const LrEvent *e)
{
	Row *r = src;
	const char *t = e->type;

	if (c->by == REPORT_BY_USER) {
		if (g_strcmp0(t, "notified") == 0 || e->actor == NULL || *e->actor == '\0' ||
		    strcmp(e->actor, "workflow") == 0 || strcmp(e->actor, "router") == 0 ||
		    strcmp(e->actor, "parser") == 0 || strcmp(e->actor, "intake") == 0)
			return;
		r = row_get(c, e->actor);
	}
	if (strcmp(t, "accepted") == 0) {
		double secs = (double)(e->at - lead->received) / G_USEC_PER_SEC;
		r->accepted++;
		g_array_append_val(r->accept_secs, secs);
	} else if (strcmp(t, "rejected") == 0) {
		r->rejected++;
	} else if (strcmp(t, "contacted") == 0) {
		r->contacted++;
	} else if (strcmp(t, "won") == 0) {
		r->won++;
		r->won_amount += g_ascii_strtod(e->detail ? e->detail : "0", NULL);
	} else if (strcmp(t, "lost") == 0) {
		r->lost++;
	}
}

/* count_offers - per user: each user offered the lead counts it once,
 * and a timeout counts against everyone it was offered to at the time. */
static void count_offers(Collect *c, const GPtrArray *events)
{
	g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
	GPtrArray *offered = g_ptr_array_new();

	for (guint i = 0; i < events->len; i++) {
		const LrEvent *e = events->pdata[i];
		if (strcmp(e->type, "notified") == 0 && g_str_has_prefix(e->detail, "new-lead to ")) {
			g_auto(GStrv) w = g_strsplit(e->detail + strlen("new-lead to "), " ", 2);
			Row *r = row_get(c, w[0]);
			if (g_hash_table_add(seen, r->key))
				r->leads++;
			g_ptr_array_add(offered, r);
		} else if (strcmp(e->type, "timeout") == 0) {
			for (guint k = 0; k < offered->len; k++)
				((Row *)offered->pdata[k])->timeouts++;
			g_ptr_array_set_size(offered, 0);
		} else if (strcmp(e->type, "routed") == 0 || strcmp(e->type, "forwarded") == 0) {
			g_ptr_array_set_size(offered, 0);
		}
	}
	g_ptr_array_free(offered, TRUE);
}

/* collect_lead - count one lead and its history. */
static gboolean collect_lead(const LrLead *lead, gpointer data)
{
	Collect *c = data;
	g_autoptr(GPtrArray) events = NULL;
	Row *src = NULL;

	if (!lead->is_lead || lead->received < c->since)
		return TRUE;
	if ((events = queue_events(c->q, lead->id, NULL)) == NULL)
		return TRUE;
	if (c->by == REPORT_BY_SOURCE) {
		src = row_get(c, lead->source && *lead->source ? lead->source : "(none)");
		src->leads++;
	} else {
		count_offers(c, events);
	}
	for (guint i = 0; i < events->len; i++)
		count_event(c, lead, src, events->pdata[i]);
	return TRUE;
}

/* cmp_double - qsort order for doubles. */
static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* median_secs - the median time to ACCEPT, or -1 when none. */
static double median_secs(Row *r)
{
	GArray *a = r->accept_secs;

	if (a->len == 0)
		return -1;
	qsort(a->data, a->len, sizeof(double), cmp_double);
	if (a->len % 2)
		return g_array_index(a, double, a->len / 2);
	return (g_array_index(a, double, a->len / 2 - 1) + g_array_index(a, double, a->len / 2)) / 2;
}

/* by_key - rows in key order. */
static gint by_key(gconstpointer a, gconstpointer b)
{
	return g_strcmp0((*(Row *const *)a)->key, (*(Row *const *)b)->key);
}

/* print_text - a table for people. */
static void print_text(GPtrArray *rows, const char *what, FILE *out)
{
	fprintf(out, "%-16s %6s %8s %8s %8s %9s %5s %5s %12s %10s\n", what, "LEADS", "ACCEPTED",
		"REJECTED", "TIMEOUTS", "CONTACTED", "WON", "LOST", "TO-ACCEPT", "WON-AMOUNT");
	for (guint i = 0; i < rows->len; i++) {
		Row *r = rows->pdata[i];
		double m = median_secs(r);
		g_autofree char *median = m < 0 ? g_strdup("-") : g_strdup_printf("%.0fs", m);
		g_autofree char *key = report_safe(r->key, FALSE);
		fprintf(out, "%-16s %6u %8u %8u %8u %9u %5u %5u %12s %10.2f\n", key, r->leads,
			r->accepted, r->rejected, r->timeouts, r->contacted, r->won, r->lost, median,
			r->won_amount);
	}
}

/* print_csv - RFC 4180 rows with a header. */
static void print_csv(GPtrArray *rows, const char *what, FILE *out)
{
	fprintf(out, "%s,leads,accepted,rejected,timeouts,contacted,won,lost,"
		     "median_seconds_to_accept,won_amount\r\n", what);
	for (guint i = 0; i < rows->len; i++) {
		Row *r = rows->pdata[i];
		g_autofree char *safe = report_safe(r->key, FALSE);
		g_autoptr(GString) key = g_string_new(safe);
		g_string_replace(key, "\"", "\"\"", 0);
		double m = median_secs(r);
		g_autofree char *median = m < 0 ? g_strdup("") : g_strdup_printf("%.0f", m);
		fprintf(out, "\"%s\",%u,%u,%u,%u,%u,%u,%u,%s,%.2f\r\n", key->str, r->leads,
			r->accepted, r->rejected, r->timeouts, r->contacted, r->won, r->lost, median,
			r->won_amount);
	}
}

/* row_json - one row as a JSON object. */
static JsonNode *row_json(Row *r, const char *what)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	double m = median_secs(r);

	json_builder_begin_object(b);
	json_builder_set_member_name(b, what);
	json_builder_add_string_value(b, r->key);
#define MEMBER(name, value)                            \
	json_builder_set_member_name(b, name);         \
	json_builder_add_int_value(b, (gint64)(value));
	MEMBER("leads", r->leads);
	MEMBER("accepted", r->accepted);
	MEMBER("rejected", r->rejected);
	MEMBER("timeouts", r->timeouts);
	MEMBER("contacted", r->contacted);
	MEMBER("won", r->won);
	MEMBER("lost", r->lost);
#undef MEMBER
	json_builder_set_member_name(b, "median_seconds_to_accept");
	if (m < 0)
		json_builder_add_null_value(b);
	else
		json_builder_add_double_value(b, m);
	json_builder_set_member_name(b, "won_amount");
	json_builder_add_double_value(b, r->won_amount);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

/* print_json - an array of rows. */
static void print_json(GPtrArray *rows, const char *what, FILE *out)
{
	g_autoptr(JsonArray) arr = json_array_new();
	g_autoptr(JsonNode) node = NULL;
	g_autofree char *text = NULL, *safe = NULL;

	for (guint i = 0; i < rows->len; i++)
		json_array_add_element(arr, row_json(rows->pdata[i], what));
	node = json_node_init_array(json_node_alloc(), arr);
	text = json_to_string(node, TRUE);
	safe = report_safe_json(text);
	fprintf(out, "%s\n", safe);
}

/* report_run - collect and print. */
gboolean report_run(LrQueue *q, LrReportBy by, gint64 since, LrReportFormat format, FILE *out,
		    GError **error)
{
	Collect c = {q, by, since, g_hash_table_new_full(g_str_hash, g_str_equal, NULL, row_free)};
	g_autoptr(GHashTable) rows = c.rows;
	g_autoptr(GPtrArray) list = NULL;
	const char *what = by == REPORT_BY_SOURCE ? "source" : "user";

	if (!queue_leads_foreach(q, collect_lead, &c, error))
		return FALSE;
	list = g_ptr_array_new();
	g_autoptr(GList) values = g_hash_table_get_values(rows);
	for (GList *l = values; l; l = l->next)
		g_ptr_array_add(list, l->data);
	g_ptr_array_sort(list, by_key);
	if (format == REPORT_CSV)
		print_csv(list, what, out);
	else if (format == REPORT_JSON)
		print_json(list, what, out);
	else
		print_text(list, what, out);
	return TRUE;
}
