/* exchange.c - the exchange documents: build, validate, parse. */
#include "config.h"

#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>

#include "federation/exchange.h"
#include "federation/federation-resources.h"
#include "lead/lead.h"
#include "lead/lr-error.h"

static const char *const kind_names[] = {"lead", "status", "recall"};

/* fed_kind_name - the element name of a kind. */
const char *fed_kind_name(FedKind kind)
{
	return kind_names[kind];
}

/* fed_exchange_new - an empty exchange. */
FedExchange *fed_exchange_new(FedKind kind)
{
	FedExchange *x = g_new0(FedExchange, 1);

	x->kind = kind;
	x->chain = g_ptr_array_new_with_free_func(g_free);
	x->names = g_ptr_array_new_with_free_func(g_free);
	x->values = g_ptr_array_new_with_free_func(g_free);
	return x;
}

/* fed_exchange_free - destroy an exchange. */
void fed_exchange_free(FedExchange *x)
{
	if (x == NULL)
		return;
	g_free(x->id);
	g_free(x->from);
	g_free(x->to);
	g_free(x->origin_server);
	g_free(x->subject);
	g_free(x->source);
	g_ptr_array_unref(x->chain);
	g_ptr_array_unref(x->names);
	g_ptr_array_unref(x->values);
	g_free(x->event);
	g_free(x->by);
	g_free(x->amount);
	g_free(x->reason);
	g_free(x);
}

/* fed_exchange_add_field - append one field. */
void fed_exchange_add_field(FedExchange *x, const char *name, const char *value)
{
	g_ptr_array_add(x->names, g_strdup(name));
	g_ptr_array_add(x->values, g_strdup(value ? value : ""));
}

/* ---- the schema ---- */

/* Errors of libxml2 are collected here rather than printed. */
static void xml_quiet(void *ctx, const char *fmt, ...)
{
	(void)ctx;
	(void)fmt;
}

/* schema_load - the compiled-in schema, parsed once. */
static xmlSchemaPtr schema_load(void)
{
	static gsize once = 0;
	static xmlSchemaPtr schema = NULL;

	if (g_once_init_enter(&once)) {
		g_autoptr(GBytes) xsd = g_resource_lookup_data(
		    federation_res_get_resource(),
		    "/org/leadroute/federation/leadroute-exchange.xsd", 0, NULL);
		gsize len = 0;
		const char *data = xsd ? g_bytes_get_data(xsd, &len) : NULL;
		xmlSchemaParserCtxtPtr pc = data ? xmlSchemaNewMemParserCtxt(data, (int)len) : NULL;

		if (pc) {
			xmlSchemaSetParserErrors(pc, xml_quiet, xml_quiet, NULL);
			schema = xmlSchemaParse(pc);
			xmlSchemaFreeParserCtxt(pc);
		}
		g_once_init_leave(&once, 1);
	}
	return schema;
}

/* schema_first_error - keeps the first validation error's text. */
static void schema_first_error(void *ctx, xmlErrorPtr e)
{
	char **first = ctx;

	if (*first == NULL && e && e->message)
		*first = g_strstrip(g_strdup(e->message));
}

/* validate - is doc valid under the schema? */
static gboolean validate(xmlDocPtr doc, GError **error)
{
	xmlSchemaPtr schema = schema_load();
	xmlSchemaValidCtxtPtr vc = schema ? xmlSchemaNewValidCtxt(schema) : NULL;
	g_autofree char *why = NULL;
	int rc;

	if (vc == NULL) {
		g_set_error(error, LR_ERROR, LR_ERROR_TEMP, "exchange schema not loaded");
		return FALSE;
	}
	xmlSchemaSetValidStructuredErrors(vc, schema_first_error, &why);
	rc = xmlSchemaValidateDoc(vc, doc);
	xmlSchemaFreeValidCtxt(vc);
	if (rc == 0)
		return TRUE;
	g_set_error(error, LR_ERROR, LR_ERROR_PERM, "exchange not valid: %s",
	            why ? why : "schema validation failed");
	return FALSE;
}

/* ---- building ---- */

/* add_text - a child element with escaped text (skipped when NULL). */
static void add_text(xmlNodePtr parent, xmlNsPtr ns, const char *name, const char *text)
{
	if (text != NULL)
		xmlNewTextChild(parent, ns, BAD_CAST name, BAD_CAST text);
}

/* set_uint - a numeric attribute. */
static void set_uint(xmlNodePtr node, const char *name, guint64 value)
{
	g_autofree char *text = g_strdup_printf("%" G_GUINT64_FORMAT, value);

	xmlNewProp(node, BAD_CAST name, BAD_CAST text);
}

/* build_lead - the <lead> element's content. */
static void build_lead(xmlNodePtr body, xmlNsPtr ns, const FedExchange *x)
{
	g_autofree char *received = lead_time_format(x->received);
	g_autofree char *priority = g_strdup_printf("%d", x->priority);
	xmlNodePtr chain, fields;

	add_text(body, ns, "received", received);
	add_text(body, ns, "subject", x->subject);
	add_text(body, ns, "source", x->source);
	add_text(body, ns, "priority", priority);
	chain = xmlNewChild(body, ns, BAD_CAST "chain", NULL);
	for (guint i = 0; i < x->chain->len; i++)
		add_text(chain, ns, "server", x->chain->pdata[i]);
	fields = xmlNewChild(body, ns, BAD_CAST "fields", NULL);
	for (guint i = 0; i < x->names->len; i++) {
		xmlNodePtr f =
		    xmlNewTextChild(fields, ns, BAD_CAST "field", BAD_CAST x->values->pdata[i]);
		xmlNewProp(f, BAD_CAST "name", BAD_CAST x->names->pdata[i]);
	}
}

/* build_body - the one child of <exchange>: lead, status or recall. */
static void build_body(xmlNodePtr root, xmlNsPtr ns, const FedExchange *x)
{
	xmlNodePtr body = xmlNewChild(root, ns, BAD_CAST fed_kind_name(x->kind), NULL);

	xmlNewProp(body, BAD_CAST "origin-server", BAD_CAST x->origin_server);
	set_uint(body, "origin-lead", x->origin_lead);
	set_uint(body, "assignment", x->assignment);
	if (x->kind == FED_LEAD) {
		build_lead(body, ns, x);
		return;
	}
	if (x->kind == FED_STATUS) {
		xmlNewProp(body, BAD_CAST "event", BAD_CAST x->event);
		add_text(body, ns, "by", x->by);
		add_text(body, ns, "amount", x->amount);
	}
	add_text(body, ns, "reason", x->reason);
}

/* all_utf8 - are the exchange's texts valid UTF-8 (libxml2 would
 * otherwise write what it cannot read back)? */
static gboolean all_utf8(const FedExchange *x)
{
	const char *one[] = {x->id,     x->from,  x->to, x->origin_server, x->subject,
	                     x->source, x->event, x->by, x->amount,        x->reason};

	for (guint i = 0; i < G_N_ELEMENTS(one); i++)
		if (one[i] && !g_utf8_validate(one[i], -1, NULL))
			return FALSE;
	for (guint i = 0; i < x->names->len; i++)
		if (!g_utf8_validate(x->names->pdata[i], -1, NULL) ||
		    !g_utf8_validate(x->values->pdata[i], -1, NULL))
			return FALSE;
	return TRUE;
}

/* build_doc - the document tree of x. */
static xmlDocPtr build_doc(const FedExchange *x)
{
	xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
	xmlNodePtr root = xmlNewNode(NULL, BAD_CAST "exchange");
	xmlNsPtr ns = xmlNewNs(root, BAD_CAST FED_NS, NULL);
	g_autofree char *at = lead_time_format(x->at);

	xmlSetNs(root, ns);
	xmlDocSetRootElement(doc, root);
	set_uint(root, "version", FED_VERSION);
	xmlNewProp(root, BAD_CAST "id", BAD_CAST x->id);
	xmlNewProp(root, BAD_CAST "from", BAD_CAST x->from);
	xmlNewProp(root, BAD_CAST "to", BAD_CAST x->to);
	xmlNewProp(root, BAD_CAST "at", BAD_CAST at);
	build_body(root, ns, x);
	return doc;
}

/* fed_exchange_build - the document, checked against the schema. */
GBytes *fed_exchange_build(const FedExchange *x, GError **error)
{
	xmlDocPtr doc;
	xmlChar *out = NULL;
	int len = 0;
	GBytes *bytes = NULL;

	if (x->id == NULL || x->from == NULL || x->to == NULL || x->origin_server == NULL ||
	    !all_utf8(x)) {
		g_set_error(error, LR_ERROR, LR_ERROR_PERM, "exchange incomplete or not UTF-8");
		return NULL;
	}
	doc = build_doc(x);
	if (validate(doc, error)) {
		xmlDocDumpMemoryEnc(doc, &out, &len, "UTF-8");
		bytes = g_bytes_new(out, (gsize)len);
		xmlFree(out);
	}
	xmlFreeDoc(doc);
	return bytes;
}

/* ---- parsing ---- */

/* prop - an attribute's value (new string, or NULL). */
static char *prop(xmlNodePtr node, const char *name)
{
	xmlChar *v = xmlGetProp(node, BAD_CAST name);
	char *copy = v ? g_strdup((const char *)v) : NULL;

	xmlFree(v);
	return copy;
}

/* text_of - an element's text (new string). */
static char *text_of(xmlNodePtr node)
{
	xmlChar *v = xmlNodeGetContent(node);
	char *copy = g_strdup(v ? (const char *)v : "");

	xmlFree(v);
	return copy;
}

/* parse_time - an xs:dateTime as µs since the epoch (0 when unreadable). */
static gint64 parse_time(const char *text)
{
	g_autoptr(GTimeZone) utc = g_time_zone_new_utc();
	g_autoptr(GDateTime) dt = text ? g_date_time_new_from_iso8601(text, utc) : NULL;

	return dt ? g_date_time_to_unix(dt) * G_USEC_PER_SEC + g_date_time_get_microsecond(dt) : 0;
}

/* is_elem - is node the exchange element called name? */
static gboolean is_elem(xmlNodePtr node, const char *name)
{
	return node->type == XML_ELEMENT_NODE && strcmp((const char *)node->name, name) == 0;
}

/* parse_list - the children of <chain> or <fields>. */
static void parse_list(FedExchange *x, xmlNodePtr list)
{
	for (xmlNodePtr n = list->children; n; n = n->next) {
		g_autofree char *name = NULL, *value = NULL;

		if (is_elem(n, "server")) {
			g_ptr_array_add(x->chain, text_of(n));
		} else if (is_elem(n, "field")) {
			name = prop(n, "name");
			value = text_of(n);
			fed_exchange_add_field(x, name, value);
		}
	}
}

/* take_text - store an element's text in *slot. */
static void take_text(char **slot, xmlNodePtr n)
{
	g_free(*slot);
	*slot = text_of(n);
}

/* parse_body_child - one child of lead, status or recall. */
static void parse_body_child(FedExchange *x, xmlNodePtr n)
{
	g_autofree char *t = NULL;

	if (is_elem(n, "received") || is_elem(n, "priority")) {
		t = text_of(n);
		if (is_elem(n, "received"))
			x->received = parse_time(t);
		else
			x->priority = (int)g_ascii_strtoll(t, NULL, 10);
	} else if (is_elem(n, "chain") || is_elem(n, "fields")) {
		parse_list(x, n);
	} else if (is_elem(n, "subject")) {
		take_text(&x->subject, n);
	} else if (is_elem(n, "source")) {
		take_text(&x->source, n);
	} else if (is_elem(n, "by")) {
		take_text(&x->by, n);
	} else if (is_elem(n, "amount")) {
		take_text(&x->amount, n);
	} else if (is_elem(n, "reason")) {
		take_text(&x->reason, n);
	}
}

/* body_kind - the kind an element names (-1: none). */
static int body_kind(xmlNodePtr n)
{
	for (guint k = 0; k < G_N_ELEMENTS(kind_names); k++)
		if (is_elem(n, kind_names[k]))
			return (int)k;
	return -1;
}

/* parse_doc - a validated document into an exchange. */
static FedExchange *parse_doc(xmlDocPtr doc)
{
	xmlNodePtr root = xmlDocGetRootElement(doc), body = root->children;
	g_autofree char *at = prop(root, "at"), *lead = NULL, *asg = NULL;
	FedExchange *x;

	while (body && body_kind(body) < 0)
		body = body->next;
	x = fed_exchange_new(body ? (FedKind)body_kind(body) : FED_LEAD);
	x->id = prop(root, "id");
	x->from = prop(root, "from");
	x->to = prop(root, "to");
	x->at = parse_time(at);
	if (body == NULL)
		return x;
	x->origin_server = prop(body, "origin-server");
	lead = prop(body, "origin-lead");
	asg = prop(body, "assignment");
	x->origin_lead = lead ? g_ascii_strtoull(lead, NULL, 10) : 0;
	x->assignment = asg ? (guint32)g_ascii_strtoull(asg, NULL, 10) : 0;
	x->event = prop(body, "event");
	for (xmlNodePtr n = body->children; n; n = n->next)
		parse_body_child(x, n);
	return x;
}

/* has_dtd - does the text declare a document type or entities?  No
 * exchange does; refusing them before parsing keeps billion-laughs and
 * external entities out of the parser altogether. */
static gboolean has_dtd(const char *data, gsize len)
{
	return g_strstr_len(data, (gssize)len, "<!DOCTYPE") != NULL ||
	       g_strstr_len(data, (gssize)len, "<!ENTITY") != NULL;
}

/* fed_exchange_parse - bounded, entity-free, validated parse. */
FedExchange *fed_exchange_parse(GBytes *xml, GError **error)
{
	gsize len = 0;
	const char *data = xml ? g_bytes_get_data(xml, &len) : NULL;
	const int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
	xmlDocPtr doc;
	FedExchange *x = NULL;

	if (data == NULL || len == 0 || len > FED_MAX_XML) {
		g_set_error(error, LR_ERROR, LR_ERROR_PERM, "exchange empty or over %d bytes",
		            FED_MAX_XML);
		return NULL;
	}
	if (has_dtd(data, len)) {
		g_set_error(error, LR_ERROR, LR_ERROR_PERM, "exchange declares a DTD or entities");
		return NULL;
	}
	doc = xmlReadMemory(data, (int)len, "exchange.xml", NULL, opts);
	if (doc == NULL || doc->intSubset != NULL) {
		g_set_error(error, LR_ERROR, LR_ERROR_PERM, "exchange is not well-formed XML");
		xmlFreeDoc(doc);
		return NULL;
	}
	if (validate(doc, error))
		x = parse_doc(doc);
	xmlFreeDoc(doc);
	return x;
}
