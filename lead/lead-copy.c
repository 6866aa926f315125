/* lead-copy.c - a deep copy of a lead and the comparison of two, member by
 * member (cheaper than a round trip through the record format: the router
 * copies every lead it hands to a worker thread). */
#include "config.h"

#include "lead/lead.h"

/* LrLead as these functions know it: a member added to it must be added to
 * lead_copy and lead_equal too (tests/test-lead-copy.c sets every member). */
G_STATIC_ASSERT(sizeof(LrLead) == 136);

/* strv_copy - the strings of a GPtrArray of char * into another. */
static void strv_copy(GPtrArray *to, const GPtrArray *from)
{
	for (guint i = 0; i < from->len; i++)
		g_ptr_array_add(to, g_strdup(from->pdata[i]));
}

/* fields_copy - the fields of from into to, in order. */
static void fields_copy(GPtrArray *to, const GPtrArray *from)
{
	for (guint i = 0; i < from->len; i++) {
		const LrField *f = from->pdata[i];
		LrField *copy = g_new0(LrField, 1);

		copy->name = g_strdup(f->name);
		copy->value = g_strdup(f->value);
		g_ptr_array_add(to, copy);
	}
}

/* lead_copy - deep copy, member by member. */
LrLead *lead_copy(const LrLead *lead)
{
	LrLead *c = lead_new();
	GHashTableIter it;
	gpointer k, v;

	c->id = lead->id;
	c->received = lead->received;
	c->message_key = g_strdup(lead->message_key);
	c->sender = g_strdup(lead->sender);
	c->recipient = g_strdup(lead->recipient);
	c->subject = g_strdup(lead->subject);
	c->source = g_strdup(lead->source);
	lead_set_str(&c->status, lead->status);
	lead_set_str(&c->stage, lead->stage);
	c->format = g_strdup(lead->format);
	c->is_lead = lead->is_lead;
	c->reason = g_strdup(lead->reason);
	c->priority = lead->priority;
	fields_copy(c->fields, lead->fields);
	strv_copy(c->holders, lead->holders);
	strv_copy(c->assignees, lead->assignees);
	g_hash_table_iter_init(&it, lead->meta);
	while (g_hash_table_iter_next(&it, &k, &v))
		g_hash_table_replace(c->meta, g_strdup(k), g_strdup(v));
	return c;
}

/* strv_equal - the same strings in the same order? */
static gboolean strv_equal(const GPtrArray *a, const GPtrArray *b)
{
	if (a->len != b->len)
		return FALSE;
	for (guint i = 0; i < a->len; i++)
		if (g_strcmp0(a->pdata[i], b->pdata[i]) != 0)
			return FALSE;
	return TRUE;
}

/* fields_equal - the same fields in the same order? */
static gboolean fields_equal(const GPtrArray *a, const GPtrArray *b)
{
	if (a->len != b->len)
		return FALSE;
	for (guint i = 0; i < a->len; i++) {
		const LrField *fa = a->pdata[i], *fb = b->pdata[i];

		if (g_strcmp0(fa->name, fb->name) != 0 || g_strcmp0(fa->value, fb->value) != 0)
			return FALSE;
	}
	return TRUE;
}

/* meta_equal - the same meta table? */
static gboolean meta_equal(GHashTable *a, GHashTable *b)
{
	GHashTableIter it;
	gpointer k, v;
	gpointer other;

	if (g_hash_table_size(a) != g_hash_table_size(b))
		return FALSE;
	g_hash_table_iter_init(&it, a);
	while (g_hash_table_iter_next(&it, &k, &v))
		if (!g_hash_table_lookup_extended(b, k, NULL, &other) || g_strcmp0(v, other) != 0)
			return FALSE;
	return TRUE;
}

/* lead_equal - are a and b the same lead, member by member? */
gboolean lead_equal(const LrLead *a, const LrLead *b)
{
	const char *sa[] = {a->message_key, a->sender, a->recipient, a->subject, a->source,
	                    a->status,      a->stage,  a->format,    a->reason};
	const char *sb[] = {b->message_key, b->sender, b->recipient, b->subject, b->source,
	                    b->status,      b->stage,  b->format,    b->reason};

	for (guint i = 0; i < G_N_ELEMENTS(sa); i++)
		if (g_strcmp0(sa[i], sb[i]) != 0)
			return FALSE;
	if (a->id != b->id || a->received != b->received || a->is_lead != b->is_lead ||
	    a->priority != b->priority)
		return FALSE;
	return fields_equal(a->fields, b->fields) && strv_equal(a->holders, b->holders) &&
	       strv_equal(a->assignees, b->assignees) && meta_equal(a->meta, b->meta);
}
