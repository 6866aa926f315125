/* lead.c - the lead record and its versioned GVariant serialisation. */
#include "config.h"

#include <string.h>

#include "lead/lead.h"
#include "lead/lr-error.h"

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

/* dict_add_str - add a string member when set. */
static void dict_add_str(GVariantBuilder *b, const char *key, const char *value)
{
	if (value != NULL)
		g_variant_builder_add(b, "{sv}", key, g_variant_new_string(value));
}

/* strv_variant - an "as" from a char * array. */
static GVariant *strv_variant(const GPtrArray *list)
{
	GVariantBuilder b;

	g_variant_builder_init(&b, G_VARIANT_TYPE("as"));
	for (guint i = 0; i < list->len; i++)
		g_variant_builder_add(&b, "s", (const char *)g_ptr_array_index(list, i));
	return g_variant_builder_end(&b);
}

/* fields_variant - the fields as "a(ss)" in order. */
static GVariant *fields_variant(const LrLead *lead)
{
	GVariantBuilder b;

	g_variant_builder_init(&b, G_VARIANT_TYPE("a(ss)"));
	for (guint i = 0; i < lead->fields->len; i++) {
		const LrField *f = g_ptr_array_index(lead->fields, i);
		g_variant_builder_add(&b, "(ss)", f->name, f->value);
	}
	return g_variant_builder_end(&b);
}

/* meta_variant - the meta table as "a{ss}". */
static GVariant *meta_variant(const LrLead *lead)
{
	GVariantBuilder b;
	GHashTableIter it;
	gpointer k, v;

	g_variant_builder_init(&b, G_VARIANT_TYPE("a{ss}"));
	g_hash_table_iter_init(&it, lead->meta);
	while (g_hash_table_iter_next(&it, &k, &v))
		g_variant_builder_add(&b, "{ss}", (const char *)k, (const char *)v);
	return g_variant_builder_end(&b);
}

/* lead_serialize - write the versioned record. */
GBytes *lead_serialize(const LrLead *lead)
{
	GVariantBuilder b;
	g_autoptr(GVariant) record = NULL;

	g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_add(&b, "{sv}", "id", g_variant_new_uint64(lead->id));
	g_variant_builder_add(&b, "{sv}", "received", g_variant_new_int64(lead->received));
	dict_add_str(&b, "message_key", lead->message_key);
	dict_add_str(&b, "sender", lead->sender);
	dict_add_str(&b, "recipient", lead->recipient);
	dict_add_str(&b, "subject", lead->subject);
	dict_add_str(&b, "source", lead->source);
	dict_add_str(&b, "status", lead->status);
	dict_add_str(&b, "stage", lead->stage);
	dict_add_str(&b, "format", lead->format);
	dict_add_str(&b, "reason", lead->reason);
	g_variant_builder_add(&b, "{sv}", "is_lead", g_variant_new_boolean(lead->is_lead));
	g_variant_builder_add(&b, "{sv}", "priority", g_variant_new_int32(lead->priority));
	g_variant_builder_add(&b, "{sv}", "fields", fields_variant(lead));
	g_variant_builder_add(&b, "{sv}", "holders", strv_variant(lead->holders));
	g_variant_builder_add(&b, "{sv}", "assignees", strv_variant(lead->assignees));
	g_variant_builder_add(&b, "{sv}", "meta", meta_variant(lead));
	record = g_variant_ref_sink(
	    g_variant_new("(u@a{sv})", (guint32)LEAD_FORMAT_VERSION, g_variant_builder_end(&b)));
	return g_variant_get_data_as_bytes(record);
}

/* dict_str - copy a string member of dict into *slot when present. */
static void dict_str(GVariantDict *dict, const char *key, char **slot)
{
	const char *value;

	if (g_variant_dict_lookup(dict, key, "&s", &value))
		lead_set_str(slot, value);
}

/* dict_strv - fill a char * array from an "as" member. */
static void dict_strv(GVariantDict *dict, const char *key, GPtrArray *list)
{
	g_autoptr(GVariantIter) iter = NULL;
	const char *s;

	if (!g_variant_dict_lookup(dict, key, "as", &iter))
		return;
	while (g_variant_iter_next(iter, "&s", &s))
		g_ptr_array_add(list, g_strdup(s));
}

/* dict_fields_meta - read the fields and meta members. */
static void dict_fields_meta(GVariantDict *dict, LrLead *lead)
{
	g_autoptr(GVariantIter) iter = NULL;
	const char *a, *b;

	if (g_variant_dict_lookup(dict, "fields", "a(ss)", &iter)) {
		while (g_variant_iter_next(iter, "(&s&s)", &a, &b))
			lead_field_set(lead, a, b);
		g_clear_pointer(&iter, g_variant_iter_free);
	}
	if (g_variant_dict_lookup(dict, "meta", "a{ss}", &iter)) {
		while (g_variant_iter_next(iter, "{&s&s}", &a, &b))
			lead_meta_set(lead, a, b);
	}
}

/* record_open - check the envelope of a record and return its dictionary. */
static GVariantDict *record_open(GBytes *bytes, const char *what, GError **error)
{
	g_autoptr(GVariant) record = NULL;
	g_autoptr(GVariant) body = NULL;
	guint32 version;

	record = g_variant_ref_sink(
	    g_variant_new_from_bytes(G_VARIANT_TYPE(LEAD_RECORD_TYPE), bytes, FALSE));
	if (!g_variant_is_normal_form(record)) {
		g_set_error(error, LR_ERROR, LR_ERROR_PERM, "corrupt %s record", what);
		return NULL;
	}
	g_variant_get(record, "(u@a{sv})", &version, &body);
	if (version < 1 || version > LEAD_FORMAT_VERSION) {
		g_set_error(error, LR_ERROR, LR_ERROR_PERM, "%s record of unknown version %u", what,
		            version);
		return NULL;
	}
	return g_variant_dict_new(body);
}

/* lead_deserialize - read a lead record. */
LrLead *lead_deserialize(GBytes *bytes, GError **error)
{
	g_autoptr(GVariantDict) dict = record_open(bytes, "lead", error);
	LrLead *lead;

	if (dict == NULL)
		return NULL;
	lead = lead_new();
	g_variant_dict_lookup(dict, "id", "t", &lead->id);
	g_variant_dict_lookup(dict, "received", "x", &lead->received);
	dict_str(dict, "message_key", &lead->message_key);
	dict_str(dict, "sender", &lead->sender);
	dict_str(dict, "recipient", &lead->recipient);
	dict_str(dict, "subject", &lead->subject);
	dict_str(dict, "source", &lead->source);
	dict_str(dict, "status", &lead->status);
	dict_str(dict, "stage", &lead->stage);
	dict_str(dict, "format", &lead->format);
	dict_str(dict, "reason", &lead->reason);
	g_variant_dict_lookup(dict, "is_lead", "b", &lead->is_lead);
	g_variant_dict_lookup(dict, "priority", "i", &lead->priority);
	dict_strv(dict, "holders", lead->holders);
	dict_strv(dict, "assignees", lead->assignees);
	dict_fields_meta(dict, lead);
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
	GVariantBuilder b;
	g_autoptr(GVariant) record = NULL;

	g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_add(&b, "{sv}", "at", g_variant_new_int64(event->at));
	dict_add_str(&b, "type", event->type);
	dict_add_str(&b, "actor", event->actor);
	dict_add_str(&b, "detail", event->detail);
	record = g_variant_ref_sink(
	    g_variant_new("(u@a{sv})", (guint32)LEAD_FORMAT_VERSION, g_variant_builder_end(&b)));
	return g_variant_get_data_as_bytes(record);
}

/* lead_event_deserialize - read an event record. */
LrEvent *lead_event_deserialize(GBytes *bytes, GError **error)
{
	g_autoptr(GVariantDict) dict = record_open(bytes, "event", error);
	LrEvent *event;

	if (dict == NULL)
		return NULL;
	event = g_new0(LrEvent, 1);
	g_variant_dict_lookup(dict, "at", "x", &event->at);
	dict_str(dict, "type", &event->type);
	dict_str(dict, "actor", &event->actor);
	dict_str(dict, "detail", &event->detail);
	return event;
}

/* lead_time_format - ISO 8601 UTC text. */
char *lead_time_format(gint64 at)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(at / G_USEC_PER_SEC);

	return dt ? g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ") : g_strdup("?");
}
