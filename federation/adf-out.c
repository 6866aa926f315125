/* adf-out.c - a lead as an ADF 1.0 document (libxml2's xmlTextWriter).
 *
 * The elements are written in the order of federation/adf-1.0.dtd; every
 * value goes through one function (adf_value) that leaves out withheld
 * fields, masks withheld values in free text and keeps only characters
 * XML 1.0 allows.  The writer's first failure is remembered and reported
 * once at the end. */
#include "config.h"

#include <string.h>

#include <libxml/xmlwriter.h>

#include "federation/adf-out.h"
#include "lead/adf-fields.h"
#include "lead/lr-error.h"
#include "mailer/redact.h"

#define ADF_NUMBERED_MAX 20 /* email_2.., phone_2.., vehicle_2.. as the parser reads */

typedef struct {
	const LrLead *lead;
	GPtrArray *withheld; /* char *: every field left out, NULL-terminated */
	LrRedact *redact;
	xmlTextWriterPtr w;
	int rc; /* the first failure (< 0), else 0 */
} AdfOut;

/* Families: withholding the key withholds these too ("phone" the phone_*). */
static const char *const adf_name_parts[] = {"first_name", "middle_name", "last_name", NULL};

/* ---- what may be written ---- */

/* adf_numbered - TRUE when name is base_N (N a number). */
static gboolean adf_numbered(const char *name, const char *base)
{
	gsize n = strlen(base);

	if (strncmp(name, base, n) != 0 || name[n] != '_' || name[n + 1] == '\0')
		return FALSE;
	for (const char *p = name + n + 1; *p; p++)
		if (!g_ascii_isdigit(*p))
			return FALSE;
	return TRUE;
}

/* adf_in_family - TRUE when withholding w withholds field name. */
static gboolean adf_in_family(const char *w, const char *name)
{
	if (strcmp(w, name) == 0)
		return TRUE;
	if (strcmp(w, "name") == 0 && g_strv_contains(adf_name_parts, name))
		return TRUE;
	if (strcmp(w, "phone") == 0 || strcmp(w, "email") == 0)
		return g_str_has_prefix(name, w) && name[strlen(w)] == '_';
	return FALSE;
}

/* adf_withheld_list - the lead's fields that withhold leaves out, as a
 * NULL-terminated array of borrowed names. */
static GPtrArray *adf_withheld_list(const LrLead *lead, const char *const *withhold)
{
	GPtrArray *out = g_ptr_array_new();

	for (guint i = 0; withhold != NULL && i < lead->fields->len; i++) {
		const LrField *f = lead->fields->pdata[i];

		for (int k = 0; withhold[k]; k++)
			if (adf_in_family(withhold[k], f->name)) {
				g_ptr_array_add(out, f->name);
				break;
			}
	}
	g_ptr_array_add(out, NULL);
	return out;
}

/* adf_is_withheld - TRUE when field name is left out. */
static gboolean adf_is_withheld(const AdfOut *o, const char *name)
{
	return g_strv_contains((const char *const *)o->withheld->pdata, name);
}

/* adf_clean - text with only the characters XML 1.0 allows (valid UTF-8,
 * no control characters but tab and line ends).  Returns a new string. */
static char *adf_clean(const char *text)
{
	g_autofree char *valid = g_utf8_make_valid(text, -1);
	GString *out = g_string_sized_new(strlen(valid));

	for (const char *p = valid; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
			continue;
		if (c == 0xFFFE || c == 0xFFFF)
			continue;
		g_string_append_unichar(out, c);
	}
	return g_string_free(out, FALSE);
}

/* adf_text - text made safe to write: withheld values masked, only XML
 * characters.  Returns a new string. */
static char *adf_text(const AdfOut *o, const char *text)
{
	g_autofree char *masked = redact_text(o->redact, text, FALSE);

	return adf_clean(masked);
}

/* adf_value - the text of field name as it may be written, or NULL when
 * the lead has none or it is withheld.  Returns a new string. */
static char *adf_value(const AdfOut *o, const char *name)
{
	const char *v = lead_field_get(o->lead, name);

	if (v == NULL || *v == '\0' || adf_is_withheld(o, name))
		return NULL;
	return adf_text(o, v);
}

/* adf_has - TRUE when field name will be written. */
static gboolean adf_has(const AdfOut *o, const char *name)
{
	const char *v = lead_field_get(o->lead, name);

	return v != NULL && *v != '\0' && !adf_is_withheld(o, name);
}

/* ---- the writer ---- */

/* adf_rc - remember the writer's first failure. */
static void adf_rc(AdfOut *o, int rc)
{
	if (rc < 0 && o->rc == 0)
		o->rc = rc;
}

/* adf_start - open element name. */
static void adf_start(AdfOut *o, const char *name)
{
	adf_rc(o, xmlTextWriterStartElement(o->w, BAD_CAST name));
}

/* adf_end - close the open element. */
static void adf_end(AdfOut *o)
{
	adf_rc(o, xmlTextWriterEndElement(o->w));
}

/* adf_attr - an attribute of the open element (value NULL: none). */
static void adf_attr(AdfOut *o, const char *name, const char *value)
{
	g_autofree char *clean = value ? adf_clean(value) : NULL;

	if (clean != NULL)
		adf_rc(o, xmlTextWriterWriteAttribute(o->w, BAD_CAST name, BAD_CAST clean));
}

/* adf_element - <name>text</name>, text already made safe ("" or NULL:
 * an empty element). */
static void adf_element(AdfOut *o, const char *name, const char *text)
{
	adf_start(o, name);
	adf_rc(o, xmlTextWriterWriteString(o->w, BAD_CAST(text ? text : "")));
	adf_end(o);
}

/* adf_field - <name>value of field</name> when the field is written;
 * Returns TRUE when it was. */
static gboolean adf_field(AdfOut *o, const char *name, const char *field)
{
	g_autofree char *v = adf_value(o, field);

	if (v == NULL)
		return FALSE;
	adf_element(o, name, v);
	return TRUE;
}

/* adf_field_attrs - <name a="v">value of field</name>, attributes as
 * name/value pairs ended by NULL (a NULL value: left out). */
static gboolean adf_field_attrs(AdfOut *o, const char *name, const char *field,
                                const char *const *attrs)
{
	g_autofree char *v = adf_value(o, field);

	if (v == NULL)
		return FALSE;
	adf_start(o, name);
	for (int i = 0; attrs[i]; i += 2)
		adf_attr(o, attrs[i], attrs[i + 1]);
	adf_rc(o, xmlTextWriterWriteString(o->w, BAD_CAST v));
	adf_end(o);
	return TRUE;
}

/* adf_enum - value when it is one of the NULL-terminated choices, else
 * NULL (borrowed). */
static const char *adf_enum(const char *value, const char *const *choices)
{
	return value != NULL && g_strv_contains(choices, value) ? value : NULL;
}

/* ---- the prospect's parts ---- */

/* adf_other_text - the fields ADF has no element for, "name: value" a
 * line (withheld ones left out).  Returns a new string, or NULL. */
static char *adf_other_text(const AdfOut *o)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < o->lead->fields->len; i++) {
		const LrField *f = o->lead->fields->pdata[i];
		g_autofree char *v = NULL;

		if (g_strv_contains(lead_adf_fields, f->name) || adf_numbered(f->name, "phone") ||
		    adf_numbered(f->name, "vehicle"))
			continue;
		v = adf_value(o, f->name);
		if (v != NULL)
			g_string_append_printf(s, "%s%s: %s", s->len ? "\n" : "", f->name, v);
	}
	if (s->len == 0) {
		g_string_free(s, TRUE);
		return NULL;
	}
	return g_string_free(s, FALSE);
}

/* adf_vehicle_comments - vehicle_comments, then the other fields. */
static void adf_vehicle_comments(AdfOut *o)
{
	g_autofree char *comments = adf_value(o, "vehicle_comments");
	g_autofree char *other = adf_other_text(o);
	g_autofree char *all = NULL;

	if (comments == NULL && other == NULL)
		return;
	all = g_strjoin("\n\n", comments ? comments : other, comments ? other : NULL, NULL);
	adf_element(o, "comments", all);
}

/* adf_vehicle_names - year, make and model (required, possibly empty);
 * the product as the model when the lead names no vehicle parts. */
static void adf_vehicle_names(AdfOut *o)
{
	gboolean parts =
	    adf_has(o, "vehicle_year") || adf_has(o, "vehicle_make") || adf_has(o, "vehicle_model");

	if (!adf_field(o, "year", "vehicle_year"))
		adf_element(o, "year", NULL);
	if (!adf_field(o, "make", "vehicle_make"))
		adf_element(o, "make", NULL);
	if (!adf_field(o, "model", "vehicle_model") && (parts || !adf_field(o, "model", "product")))
		adf_element(o, "model", NULL);
}

/* adf_vehicle - the vehicle of interest, in the DTD's order. */
static void adf_vehicle(AdfOut *o)
{
	static const char *const interests[] = {"buy",      "lease",      "sell",
	                                        "trade-in", "test-drive", NULL};
	static const char *const statuses[] = {"new", "used", NULL};
	g_autofree char *interest = adf_value(o, "vehicle_interest");
	g_autofree char *status = adf_value(o, "vehicle_status");
	g_autofree char *currency = adf_value(o, "price_currency");
	g_autofree char *color = adf_value(o, "vehicle_color");

	adf_start(o, "vehicle");
	adf_attr(o, "interest", adf_enum(interest, interests));
	adf_attr(o, "status", adf_enum(status, statuses));
	adf_vehicle_names(o);
	adf_field(o, "vin", "vehicle_vin");
	adf_field(o, "stock", "vehicle_stock");
	adf_field(o, "trim", "vehicle_trim");
	adf_field(o, "bodystyle", "vehicle_bodystyle");
	adf_field(o, "transmission", "vehicle_transmission");
	adf_field(o, "odometer", "vehicle_odometer");
	if (color != NULL) {
		adf_start(o, "colorcombination");
		adf_element(o, "exteriorcolor", color);
		adf_element(o, "preference", "1");
		adf_end(o);
	}
	adf_field_attrs(o, "price", "price",
	                (const char *const[]){"type", "quote", "currency", currency, NULL});
	adf_vehicle_comments(o);
	adf_end(o);
}

/* adf_vehicle_other - a further vehicle named in one line (a trade-in, or
 * vehicle_2...), as its model. */
static void adf_vehicle_other(AdfOut *o, const char *field, const char *interest)
{
	g_autofree char *v = adf_value(o, field);

	if (v == NULL)
		return;
	adf_start(o, "vehicle");
	adf_attr(o, "interest", interest);
	adf_element(o, "year", NULL);
	adf_element(o, "make", NULL);
	adf_element(o, "model", v);
	adf_end(o);
}

/* adf_vehicles - the vehicle of interest, the trade-in, the others. */
static void adf_vehicles(AdfOut *o)
{
	adf_vehicle(o);
	adf_vehicle_other(o, "trade_in", "trade-in");
	for (int i = 2; i <= ADF_NUMBERED_MAX; i++) {
		g_autofree char *name = g_strdup_printf("vehicle_%d", i);

		adf_vehicle_other(o, name, "buy");
	}
}

/* adf_names - the customer's name parts and company (name+: an empty
 * full name when all are missing or withheld). */
static void adf_names(AdfOut *o)
{
	static const char *const parts[][2] = {
	    {"full", "name"},
	    {"first", "first_name"},
	    {"middle", "middle_name"},
	    {"last", "last_name"},
	};
	gboolean any = FALSE;

	for (gsize i = 0; i < G_N_ELEMENTS(parts); i++)
		any |= adf_field_attrs(o, "name", parts[i][1],
		                       (const char *const[]){"part", parts[i][0], NULL});
	any |= adf_field_attrs(o, "name", "company",
	                       (const char *const[]){"part", "full", "type", "business", NULL});
	if (!any)
		adf_element(o, "name", NULL);
}

/* adf_numbered_fields - <element>base_2</element>, base_3... */
static gboolean adf_numbered_fields(AdfOut *o, const char *element, const char *base)
{
	gboolean any = FALSE;

	for (int i = 2; i <= ADF_NUMBERED_MAX; i++) {
		g_autofree char *name = g_strdup_printf("%s_%d", base, i);

		any |= adf_field(o, element, name);
	}
	return any;
}

/* adf_phones - the phones: the main one, by type, then the numbered. */
static gboolean adf_phones(AdfOut *o)
{
	static const char *const typed[][2] = {
	    {"phone", "voice"},      {"phone_mobile", "cellphone"}, {"phone_work", "voice"},
	    {"phone_home", "voice"}, {"phone_fax", "fax"},          {"phone_pager", "pager"},
	};
	gboolean any = FALSE;

	for (gsize i = 0; i < G_N_ELEMENTS(typed); i++)
		any |= adf_field_attrs(o, "phone", typed[i][0],
		                       (const char *const[]){"type", typed[i][1], NULL});
	return adf_numbered_fields(o, "phone", "phone") || any;
}

/* adf_address - the customer's address, when any part is known. */
static void adf_address(AdfOut *o)
{
	if (!adf_has(o, "street") && !adf_has(o, "city") && !adf_has(o, "region") &&
	    !adf_has(o, "postal_code") && !adf_has(o, "country"))
		return;
	adf_start(o, "address");
	if (!adf_field(o, "street", "street"))
		adf_element(o, "street", NULL);
	adf_field(o, "city", "city");
	adf_field(o, "regioncode", "region");
	adf_field(o, "postalcode", "postal_code");
	adf_field(o, "country", "country");
	adf_end(o);
}

/* adf_customer - the customer's contact, timeframe and comments.  The DTD
 * allows one email (email_2... go to the other fields) and wants an email
 * or a phone: an empty email when both are missing or withheld. */
static void adf_customer(AdfOut *o)
{
	gboolean email;

	adf_start(o, "customer");
	adf_start(o, "contact");
	adf_attr(o, "primarycontact", "1");
	adf_names(o);
	email = adf_field(o, "email", "email");
	if (!adf_phones(o) && !email)
		adf_element(o, "email", NULL);
	adf_address(o);
	adf_end(o);
	if (adf_has(o, "timeframe")) {
		adf_start(o, "timeframe");
		adf_field(o, "description", "timeframe");
		adf_end(o);
	}
	adf_field(o, "comments", "message");
	adf_end(o);
}

/* adf_contact - <contact> with a full name and an email (both given as
 * configuration, not lead data; "" when NULL). */
static void adf_contact(AdfOut *o, const char *name, const char *email)
{
	g_autofree char *n = adf_text(o, name ? name : "");
	g_autofree char *e = adf_text(o, email ? email : "");

	adf_start(o, "contact");
	adf_start(o, "name");
	adf_attr(o, "part", "full");
	adf_rc(o, xmlTextWriterWriteString(o->w, BAD_CAST n));
	adf_end(o);
	adf_element(o, "email", e);
	adf_end(o);
}

/* adf_vendor - the partner the lead goes to. */
static void adf_vendor(AdfOut *o, const FedAdfParties *p)
{
	g_autofree char *name = adf_text(o, p->vendor_name ? p->vendor_name : "");

	adf_start(o, "vendor");
	adf_element(o, "vendorname", name);
	adf_contact(o, p->vendor_name, p->vendor_email);
	adf_end(o);
}

/* adf_provider - the lead's own provider, else this server. */
static void adf_provider(AdfOut *o, const FedAdfParties *p)
{
	g_autofree char *email = adf_value(o, "provider_email");
	g_autofree char *contact = adf_value(o, "provider_contact");

	if (!adf_has(o, "provider")) {
		if (p->provider_name == NULL)
			return;
		g_autofree char *name = adf_text(o, p->provider_name);

		adf_start(o, "provider");
		adf_element(o, "name", name);
		g_clear_pointer(&email, g_free);
		email = adf_text(o, p->provider_email ? p->provider_email : "");
		if (*email)
			adf_element(o, "email", email);
		adf_end(o);
		return;
	}
	adf_start(o, "provider");
	adf_field(o, "name", "provider");
	adf_field(o, "service", "provider_service");
	adf_field(o, "url", "provider_url");
	adf_field(o, "email", "provider_email");
	if (contact != NULL)
		adf_contact(o, contact, email);
	adf_end(o);
}

/* adf_request_date - the lead's request_date, else when it arrived. */
static void adf_request_date(AdfOut *o)
{
	gint64 at = o->lead->received ? o->lead->received : g_get_real_time();
	g_autofree char *when = NULL;

	if (adf_field(o, "requestdate", "request_date"))
		return;
	when = lead_time_format(at);
	adf_element(o, "requestdate", when);
}

/* adf_prospect - the one prospect, in the DTD's order. */
static void adf_prospect(AdfOut *o, const FedAdfParties *parties)
{
	g_autofree char *source = adf_value(o, "id_source");

	adf_start(o, "prospect");
	adf_attr(o, "status", "new");
	adf_field_attrs(o, "id", "id", (const char *const[]){"source", source, NULL});
	adf_request_date(o);
	adf_vehicles(o);
	adf_customer(o);
	adf_vendor(o, parties);
	adf_provider(o, parties);
	adf_end(o);
}

/* adf_document - the whole document into o's writer. */
static void adf_document(AdfOut *o, const FedAdfParties *parties)
{
	adf_rc(o, xmlTextWriterStartDocument(o->w, "1.0", "UTF-8", NULL));
	adf_rc(o, xmlTextWriterWritePI(o->w, BAD_CAST "adf", BAD_CAST "version=\"1.0\""));
	adf_start(o, "adf");
	adf_prospect(o, parties);
	adf_end(o);
	adf_rc(o, xmlTextWriterEndDocument(o->w));
}

/* fed_adf_write - a lead as one ADF 1.0 document. */
gboolean fed_adf_write(const LrLead *lead, const char *const *withhold,
                       const FedAdfParties *parties, GString *out, GError **error)
{
	static const FedAdfParties none = {NULL, NULL, NULL, NULL};
	g_autoptr(GPtrArray) withheld = adf_withheld_list(lead, withhold);
	g_autoptr(LrRedact) redact = redact_new(lead, (const char *const *)withheld->pdata);
	xmlBufferPtr buf = xmlBufferCreate();
	AdfOut o = {lead, withheld, redact, NULL, 0};

	o.w = buf ? xmlNewTextWriterMemory(buf, 0) : NULL;
	if (o.w == NULL) {
		if (buf != NULL)
			xmlBufferFree(buf);
		g_set_error(error, LR_ERROR, LR_ERROR_TEMP, "adf: cannot start the writer");
		return FALSE;
	}
	adf_rc(&o, xmlTextWriterSetIndent(o.w, 1));
	adf_document(&o, parties ? parties : &none);
	xmlFreeTextWriter(o.w);
	if (o.rc < 0) {
		xmlBufferFree(buf);
		g_set_error(error, LR_ERROR, LR_ERROR_TEMP, "adf: writing the document failed");
		return FALSE;
	}
	g_string_append_len(out, (const char *)xmlBufferContent(buf), xmlBufferLength(buf));
	xmlBufferFree(buf);
	return TRUE;
}
