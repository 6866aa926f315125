/* lead.c - the lead record and its versioned GVariant serialisation. */
#include "config.h"

#include <string.h>

#include "lead/lead.h"
#include "lead/lr-error.h"
#include "lead/record-write.h"

/* Record layout: (version, dictionary).  New members are new dictionary
 * keys, so older readers skip them and newer readers default them. */
#define LEAD_RECORD_TYPE "(ua{sv})"

/* field_free - destroy one LrField. */
static void field_free(gpointer p)
{
	LrField *field = p;

	g_free(field->name);
	g_free(field->value);
	g_free(field);
}

/* lead_new - an empty lead. */
LrLead *lead_new(void)
{
	LrLead *lead = g_new0(LrLead, 1);

	lead->status = g_strdup(LEAD_STATUS_NEW);
	lead->stage = g_strdup(LEAD_STAGE_NONE);
	lead->is_lead = TRUE;
	lead->fields = g_ptr_array_new_with_free_func(field_free);
	lead->holders = g_ptr_array_new_with_free_func(g_free);
	lead->assignees = g_ptr_array_new_with_free_func(g_free);
	lead->meta = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	return lead;
}

/* lead_free - destroy a lead. */
void lead_free(LrLead *lead)
{
	if (lead == NULL)
		return;
	g_free(lead->message_key);
	g_free(lead->sender);
	g_free(lead->recipient);
	g_free(lead->subject);
	g_free(lead->source);
	g_free(lead->status);
	g_free(lead->stage);
	g_free(lead->format);
	g_free(lead->reason);
	g_ptr_array_unref(lead->fields);
	g_ptr_array_unref(lead->holders);
	g_ptr_array_unref(lead->assignees);
	g_hash_table_unref(lead->meta);
	g_free(lead);
}

/* lead_set_str - replace a string member. */
void lead_set_str(char **slot, const char *value)
{
	char *copy = g_strdup(value);

	g_free(*slot);
	*slot = copy;
}

/* field_find - index of the first field called name, or -1.  (The first
 * bytes are compared before the whole names: routing asks often.) */
static int field_find(const LrLead *lead, const char *name)
{
	for (guint i = 0; i < lead->fields->len; i++) {
		const char *fn = ((const LrField *)g_ptr_array_index(lead->fields, i))->name;

		if (fn == NULL || name == NULL) {
			if (fn == name)
				return (int)i;
		} else if (fn[0] == name[0] && strcmp(fn, name) == 0) {
			return (int)i;
		}
	}
	return -1;
}

/* lead_field_get - look a field up. */
const char *lead_field_get(const LrLead *lead, const char *name)
{
	int i = field_find(lead, name);

	return i < 0 ? NULL : ((LrField *)g_ptr_array_index(lead->fields, i))->value;
}

/* lead_field_set - set, replace or remove a field. */
void lead_field_set(LrLead *lead, const char *name, const char *value)
{
	int i = field_find(lead, name);
	LrField *field;

	if (value == NULL) {
		if (i >= 0)
			g_ptr_array_remove_index(lead->fields, i);
		return;
	}
	if (i >= 0) {
		field = g_ptr_array_index(lead->fields, i);
		lead_set_str(&field->value, value);
		return;
	}
	field = g_new0(LrField, 1);
	field->name = g_strdup(name);
	field->value = g_strdup(value);
	g_ptr_array_add(lead->fields, field);
}

/* lead_meta_get - module state lookup. */
const char *lead_meta_get(const LrLead *lead, const char *key)
{
	return g_hash_table_lookup(lead->meta, key);
}

/* lead_meta_set - module state update. */
void lead_meta_set(LrLead *lead, const char *key, const char *value)
{
	if (value == NULL)
		g_hash_table_remove(lead->meta, key);
	else
		g_hash_table_replace(lead->meta, g_strdup(key), g_strdup(value));
}

/* lead_list_set - replace a string list. */
void lead_list_set(GPtrArray *list, const char *const *items)
{
	g_ptr_array_set_size(list, 0);
	for (; items != NULL && *items != NULL; items++)
		g_ptr_array_add(list, g_strdup(*items));
}

/* member_str_add - a string member when set. */
static void member_str_add(RecwRecord *r, const char *name, const char *value)
{
	if (value == NULL)
		return;
	recw_member(r, name);
	recw_str(r, value);
	recw_member_end(r, "s");
}

/* member_strv_add - an "as" member. */
static void member_strv_add(RecwRecord *r, const char *name, const GPtrArray *list)
{
	recw_member(r, name);
	recw_strv(r, list);
	recw_member_end(r, "as");
}

/* member_fields_add - the fields as "a(ss)" in order. */
static void member_fields_add(RecwRecord *r, const LrLead *lead)
{
	g_autofree const char **pairs = g_new(const char *, 2 * lead->fields->len + 1);

	for (guint i = 0; i < lead->fields->len; i++) {
		const LrField *f = g_ptr_array_index(lead->fields, i);

		pairs[2 * i] = f->name;
		pairs[2 * i + 1] = f->value;
	}
	recw_member(r, "fields");
	recw_pairs(r, pairs, lead->fields->len);
	recw_member_end(r, "a(ss)");
}

/* member_meta_add - the meta table as "a{ss}" (in the table's order). */
static void member_meta_add(RecwRecord *r, const LrLead *lead)
{
	guint n = g_hash_table_size(lead->meta), i = 0;
	g_autofree const char **pairs = g_new(const char *, 2 * n + 1);
	GHashTableIter it;
	gpointer k, v;

	g_hash_table_iter_init(&it, lead->meta);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		pairs[i++] = k;
		pairs[i++] = v;
	}
	recw_member(r, "meta");
	recw_pairs(r, pairs, n);
	recw_member_end(r, "a{ss}");
}

/* lead_serialize - write the versioned record. */
GBytes *lead_serialize(const LrLead *lead)
{
	RecwRecord r;

	recw_begin(&r, LEAD_FORMAT_VERSION);
	recw_member(&r, "id");
	recw_u64(&r, lead->id);
	recw_member_end(&r, "t");
	recw_member(&r, "received");
	recw_i64(&r, lead->received);
	recw_member_end(&r, "x");
	member_str_add(&r, "message_key", lead->message_key);
	member_str_add(&r, "sender", lead->sender);
	member_str_add(&r, "recipient", lead->recipient);
	member_str_add(&r, "subject", lead->subject);
	member_str_add(&r, "source", lead->source);
	member_str_add(&r, "status", lead->status);
	member_str_add(&r, "stage", lead->stage);
	member_str_add(&r, "format", lead->format);
	member_str_add(&r, "reason", lead->reason);
	recw_member(&r, "is_lead");
	recw_bool(&r, lead->is_lead);
	recw_member_end(&r, "b");
	recw_member(&r, "priority");
	recw_i32(&r, lead->priority);
	recw_member_end(&r, "i");
	member_fields_add(&r, lead);
	member_strv_add(&r, "holders", lead->holders);
	member_strv_add(&r, "assignees", lead->assignees);
	member_meta_add(&r, lead);
	return recw_end(&r);
}

/* The members the readers know, in the order of LeadMember. */
typedef enum {
	M_ID, M_RECEIVED, M_MESSAGE_KEY, M_SENDER, M_RECIPIENT, M_SUBJECT, M_SOURCE, M_STATUS,
	M_STAGE, M_FORMAT, M_REASON, M_IS_LEAD, M_PRIORITY, M_HOLDERS, M_ASSIGNEES, M_FIELDS,
	M_META, M_AT, M_TYPE, M_ACTOR, M_DETAIL, M_COUNT
} LeadMember;

static const char *const lead_member_names[M_COUNT] = {
    "id",     "received", "message_key", "sender",  "recipient", "subject", "source",
    "status", "stage",    "format",      "reason",  "is_lead",   "priority", "holders",
    "assignees", "fields", "meta",       "at",      "type",      "actor",   "detail"};

/* A record's members by LeadMember (each the value inside its variant,
 * the last one when a name is there twice, as a dictionary would). */
typedef struct {
	GVariant *v[M_COUNT];
} RecordMembers;

/* members_clear - release the values. */
static void members_clear(RecordMembers *m)
{
	for (guint i = 0; i < M_COUNT; i++)
		g_clear_pointer(&m->v[i], g_variant_unref);
}

/* members_read - pick the known members of body (a{sv}) in one pass. */
static void members_read(RecordMembers *m, GVariant *body)
{
	gsize n = g_variant_n_children(body);

	for (gsize i = 0; i < n; i++) {
		g_autoptr(GVariant) entry = g_variant_get_child_value(body, i);
		g_autoptr(GVariant) key = g_variant_get_child_value(entry, 0);
		g_autoptr(GVariant) boxed = NULL;
		const char *name = g_variant_get_string(key, NULL);
		guint k = 0;

		while (k < M_COUNT && strcmp(name, lead_member_names[k]) != 0)
			k++;
		if (k == M_COUNT)
			continue;
		boxed = g_variant_get_child_value(entry, 1);
		g_clear_pointer(&m->v[k], g_variant_unref);
		m->v[k] = g_variant_get_variant(boxed);
	}
}

/* member_is - TRUE when member k is there with type. */
static gboolean member_is(const RecordMembers *m, LeadMember k, const GVariantType *type)
{
	return m->v[k] != NULL && g_variant_is_of_type(m->v[k], type);
}

/* member_str - copy string member k into *slot when present. */
static void member_str(const RecordMembers *m, LeadMember k, char **slot)
{
	if (member_is(m, k, G_VARIANT_TYPE_STRING))
		lead_set_str(slot, g_variant_get_string(m->v[k], NULL));
}

/* child_str - the string at index j of tuple or dict entry v (borrowed
 * from the serialised record, which outlives the call). */
static const char *child_str(GVariant *v, gsize j)
{
	g_autoptr(GVariant) child = g_variant_get_child_value(v, j);

	return g_variant_get_string(child, NULL);
}

/* member_strv - fill a char * array from "as" member k. */
static void member_strv(const RecordMembers *m, LeadMember k, GPtrArray *list)
{
	if (!member_is(m, k, G_VARIANT_TYPE_STRING_ARRAY))
		return;
	for (gsize i = 0, n = g_variant_n_children(m->v[k]); i < n; i++) {
		g_autoptr(GVariant) item = g_variant_get_child_value(m->v[k], i);
		g_ptr_array_add(list, g_strdup(g_variant_get_string(item, NULL)));
	}
}

/* members_fields_meta - read the fields and meta members. */
static void members_fields_meta(const RecordMembers *m, LrLead *lead)
{
	if (member_is(m, M_FIELDS, G_VARIANT_TYPE("a(ss)"))) {
		for (gsize i = 0, n = g_variant_n_children(m->v[M_FIELDS]); i < n; i++) {
			g_autoptr(GVariant) pair = g_variant_get_child_value(m->v[M_FIELDS], i);
			lead_field_set(lead, child_str(pair, 0), child_str(pair, 1));
		}
	}
	if (member_is(m, M_META, G_VARIANT_TYPE("a{ss}"))) {
		for (gsize i = 0, n = g_variant_n_children(m->v[M_META]); i < n; i++) {
			g_autoptr(GVariant) entry = g_variant_get_child_value(m->v[M_META], i);
			lead_meta_set(lead, child_str(entry, 0), child_str(entry, 1));
		}
	}
}

/* record_open - check the envelope of a record and read its members. */
static gboolean record_open(GBytes *bytes, const char *what, RecordMembers *m, GError **error)
{
	g_autoptr(GVariant) record = NULL;
	g_autoptr(GVariant) body = NULL;
	g_autoptr(GVariant) head = NULL;
	guint32 version;

	record = g_variant_ref_sink(
	    g_variant_new_from_bytes(G_VARIANT_TYPE(LEAD_RECORD_TYPE), bytes, FALSE));
	if (!g_variant_is_normal_form(record)) {
		g_set_error(error, LR_ERROR, LR_ERROR_PERM, "corrupt %s record", what);
		return FALSE;
	}
	head = g_variant_get_child_value(record, 0);
	version = g_variant_get_uint32(head);
	if (version < 1 || version > LEAD_FORMAT_VERSION) {
		g_set_error(error, LR_ERROR, LR_ERROR_PERM, "%s record of unknown version %u", what,
		            version);
		return FALSE;
	}
	body = g_variant_get_child_value(record, 1);
	members_read(m, body);
	return TRUE;
}

/* lead_deserialize - read a lead record. */
LrLead *lead_deserialize(GBytes *bytes, GError **error)
{
	RecordMembers m = {{NULL}};
	LrLead *lead;

	if (!record_open(bytes, "lead", &m, error))
		return NULL;
	lead = lead_new();
	if (member_is(&m, M_ID, G_VARIANT_TYPE_UINT64))
		lead->id = g_variant_get_uint64(m.v[M_ID]);
	if (member_is(&m, M_RECEIVED, G_VARIANT_TYPE_INT64))
		lead->received = g_variant_get_int64(m.v[M_RECEIVED]);
	member_str(&m, M_MESSAGE_KEY, &lead->message_key);
	member_str(&m, M_SENDER, &lead->sender);
	member_str(&m, M_RECIPIENT, &lead->recipient);
	member_str(&m, M_SUBJECT, &lead->subject);
	member_str(&m, M_SOURCE, &lead->source);
	member_str(&m, M_STATUS, &lead->status);
	member_str(&m, M_STAGE, &lead->stage);
	member_str(&m, M_FORMAT, &lead->format);
	member_str(&m, M_REASON, &lead->reason);
	if (member_is(&m, M_IS_LEAD, G_VARIANT_TYPE_BOOLEAN))
		lead->is_lead = g_variant_get_boolean(m.v[M_IS_LEAD]);
	if (member_is(&m, M_PRIORITY, G_VARIANT_TYPE_INT32))
		lead->priority = g_variant_get_int32(m.v[M_PRIORITY]);
	member_strv(&m, M_HOLDERS, lead->holders);
	member_strv(&m, M_ASSIGNEES, lead->assignees);
	members_fields_meta(&m, lead);
	members_clear(&m);
	return lead;
}

/* lead_event_new - an event stamped now. */
LrEvent *lead_event_new(const char *type, const char *actor, const char *detail)
{
	LrEvent *event = g_new0(LrEvent, 1);

	event->at = g_get_real_time();
	event->type = g_strdup(type);
	event->actor = g_strdup(actor ? actor : "");
	event->detail = g_strdup(detail ? detail : "");
	return event;
}

/* lead_event_free - destroy an event. */
void lead_event_free(LrEvent *event)
{
	if (event == NULL)
		return;
	g_free(event->type);
	g_free(event->actor);
	g_free(event->detail);
	g_free(event);
}

/* lead_event_serialize - write an event record. */
GBytes *lead_event_serialize(const LrEvent *event)
{
	RecwRecord r;

	recw_begin(&r, LEAD_FORMAT_VERSION);
	recw_member(&r, "at");
	recw_i64(&r, event->at);
	recw_member_end(&r, "x");
	member_str_add(&r, "type", event->type);
	member_str_add(&r, "actor", event->actor);
	member_str_add(&r, "detail", event->detail);
	return recw_end(&r);
}

/* lead_event_deserialize - read an event record. */
LrEvent *lead_event_deserialize(GBytes *bytes, GError **error)
{
	RecordMembers m = {{NULL}};
	LrEvent *event;

	if (!record_open(bytes, "event", &m, error))
		return NULL;
	event = g_new0(LrEvent, 1);
	if (member_is(&m, M_AT, G_VARIANT_TYPE_INT64))
		event->at = g_variant_get_int64(m.v[M_AT]);
	member_str(&m, M_TYPE, &event->type);
	member_str(&m, M_ACTOR, &event->actor);
	member_str(&m, M_DETAIL, &event->detail);
	members_clear(&m);
	return event;
}

/* lead_time_format - ISO 8601 UTC text. */
char *lead_time_format(gint64 at)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(at / G_USEC_PER_SEC);

	return dt ? g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ") : g_strdup("?");
}
