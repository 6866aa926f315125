/* adf.c - ADF/XML leads into lead fields (libxml2, entities never expanded).
 *
 * The document is checked for entity declarations, its XML declaration is
 * moved to the front when a vendor put it after <?adf?> or after blank
 * lines, and it is parsed by a parser context whose entity-declaration
 * handler stops the parse.  Text is read only from text and CDATA nodes, so
 * an entity reference that slipped through would still never be expanded. */
#include "config.h"

#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "lead/lead.h"
#include "lead/lr-error.h"
#include "parser/adf.h"

#define ADF_NUMBERED_MAX 20 /* phone_2.., email_2.., vehicle_2.. */

typedef struct {
	gsize start;   /* first byte after the prolog */
	gsize bom;     /* length of a UTF-8 byte order mark */
	gsize decl_at; /* the XML declaration, when decl_end > 0 */
	gsize decl_end;
} AdfProlog;

/* ---- the prolog ---- */

/* adf_find - the first occurrence of needle in [p, end), or NULL. */
static const char *adf_find(const char *p, const char *end, const char *needle)
{
	gsize n = strlen(needle);

	while (p != NULL && (gsize)(end - p) >= n) {
		p = memchr(p, needle[0], end - p - n + 1);
		if (p == NULL || memcmp(p, needle, n) == 0)
			return p;
		p++;
	}
	return NULL;
}

/* adf_skip_doctype - the end of a DOCTYPE that starts at p (its internal
 * subset in brackets included), or NULL when it does not end. */
static const char *adf_skip_doctype(const char *p, const char *end)
{
	int depth = 0;

	for (; p < end; p++) {
		if (*p == '[')
			depth++;
		else if (*p == ']' && depth > 0)
			depth--;
		else if (*p == '>' && depth == 0)
			return p + 1;
	}
	return NULL;
}

/* adf_prolog_item - skip one item of the prolog at p: white space, a
 * processing instruction, a comment or a DOCTYPE.  Returns the end of the
 * item, or NULL when p starts none (or it does not end). */
static const char *adf_prolog_item(const char *p, const char *end, AdfProlog *prolog,
                                   const char *data)
{
	const char *close;

	if (g_ascii_isspace(*p))
		return p + 1;
	if (end - p >= 2 && strncmp(p, "<?", 2) == 0) {
		close = adf_find(p + 2, end, "?>");
		if (close == NULL)
			return NULL;
		if (end - p > 5 && strncmp(p + 2, "xml", 3) == 0 && g_ascii_isspace(p[5])) {
			prolog->decl_at = p - data;
			prolog->decl_end = close + 2 - data;
		}
		return close + 2;
	}
	if (end - p >= 4 && strncmp(p, "<!--", 4) == 0) {
		close = adf_find(p + 4, end, "-->");
		return close == NULL ? NULL : close + 3;
	}
	if (end - p >= 9 && g_ascii_strncasecmp(p, "<!DOCTYPE", 9) == 0)
		return adf_skip_doctype(p + 9, end);
	return NULL;
}

/* adf_prolog - find where the first element starts, and the XML
 * declaration, in data. */
static void adf_prolog(const char *data, gsize len, AdfProlog *prolog)
{
	const char *p = data;
	const char *end = data + len;

	memset(prolog, 0, sizeof(*prolog));
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		prolog->bom = 3;
	p += prolog->bom;
	while (p < end) {
		const char *next = adf_prolog_item(p, end, prolog, data);

		if (next == NULL)
			break;
		p = next;
	}
	prolog->start = p - data;
}

/* adf_looks_like - TRUE when data starts with an <adf> root element. */
gboolean adf_looks_like(const char *data, gsize len)
{
	AdfProlog prolog;
	const char *p;

	if (data == NULL)
		return FALSE;
	adf_prolog(data, len, &prolog);
	if (len - prolog.start < 5)
		return FALSE;
	p = data + prolog.start;
	return g_ascii_strncasecmp(p, "<adf", 4) == 0 &&
	       (g_ascii_isspace(p[4]) || p[4] == '>' || p[4] == '/');
}

/* adf_normalise - the document with its XML declaration first: vendors
 * put it after <?adf?> or after blank lines, which XML forbids.  Returns a
 * new buffer in *out, or NULL when the document is fine as it is. */
static char *adf_normalise(const char *xml, gsize len, gsize *out_len)
{
	AdfProlog prolog;
	GString *out;

	adf_prolog(xml, len, &prolog);
	if (prolog.decl_end == 0 || prolog.decl_at == prolog.bom)
		return NULL;
	out = g_string_sized_new(len);
	g_string_append_len(out, xml + prolog.decl_at, prolog.decl_end - prolog.decl_at);
	g_string_append_len(out, xml + prolog.bom, prolog.decl_at - prolog.bom);
	g_string_append_len(out, xml + prolog.decl_end, len - prolog.decl_end);
	*out_len = out->len;
	return g_string_free(out, FALSE);
}

/* ---- parsing ---- */

/* adf_entity_decl - SAX handler for <!ENTITY>: refuse the document. */
static void adf_entity_decl(void *ctx, const xmlChar *name, int type, const xmlChar *public_id,
                            const xmlChar *system_id, xmlChar *content)
{
	xmlParserCtxtPtr ctxt = ctx;

	*(gboolean *)ctxt->_private = TRUE;
	xmlStopParser(ctxt);
}

/* adf_read_doc - parse xml without entities, DTDs or network.  Returns the
 * document, or NULL with LR_ERROR_PERM. */
static xmlDocPtr adf_read_doc(const char *xml, gsize len, GError **error)
{
	static gsize initialised;
	xmlParserCtxtPtr ctxt;
	xmlDocPtr doc;
	gboolean entities = FALSE;
	/* Text the caller decoded is UTF-8 whatever the declaration says;
	 * anything else (UTF-16 with a BOM) is left to the declaration. */
	const char *encoding = g_utf8_validate_len(xml, len, NULL) ? "UTF-8" : NULL;

	if (g_once_init_enter(&initialised)) {
		xmlInitParser();
		g_once_init_leave(&initialised, 1);
	}
	ctxt = xmlNewParserCtxt();
	if (ctxt == NULL) {
		g_set_error(error, LR_ERROR, LR_ERROR_PERM, "adf: out of memory");
		return NULL;
	}
	ctxt->sax->entityDecl = adf_entity_decl;
	ctxt->_private = &entities;
	doc = xmlCtxtReadMemory(ctxt, xml, (int)len, NULL, encoding,
	                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
	                            XML_PARSE_NOCDATA);
	if (doc == NULL || entities || !ctxt->wellFormed) {
		const xmlError *err = xmlCtxtGetLastError(ctxt);

		if (entities)
			g_set_error(error, LR_ERROR, LR_ERROR_PERM,
			            "adf: entity declarations are refused");
		else
			g_set_error(error, LR_ERROR, LR_ERROR_PERM,
			            "adf: malformed XML, line %d: %s", err != NULL ? err->line : 0,
			            err != NULL && err->message != NULL ? g_strchomp(err->message)
			                                                : "unknown error");
		g_clear_pointer(&doc, xmlFreeDoc);
	}
	xmlFreeParserCtxt(ctxt);
	return doc;
}

/* ---- reading the tree ---- */

/* adf_is - TRUE when node is an element called name (any letter case). */
static gboolean adf_is(const xmlNode *node, const char *name)
{
	return node != NULL && node->type == XML_ELEMENT_NODE &&
	       g_ascii_strcasecmp((const char *)node->name, name) == 0;
}

/* adf_next - node or the first sibling after it called name, or NULL. */
static xmlNode *adf_next(xmlNode *node, const char *name)
{
	for (; node != NULL; node = node->next)
		if (adf_is(node, name))
			return node;
	return NULL;
}

/* adf_child - the first child of parent called name, or NULL. */
static xmlNode *adf_child(const xmlNode *parent, const char *name)
{
	return parent == NULL ? NULL : adf_next(parent->children, name);
}

/* adf_raw - the text and CDATA directly inside node (entity references
 * skipped, never expanded).  Returns a new string. */
static char *adf_raw(const xmlNode *node)
{
	GString *text = g_string_new(NULL);

	for (const xmlNode *c = node != NULL ? node->children : NULL; c != NULL; c = c->next)
		if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) &&
		    c->content != NULL)
			g_string_append(text, (const char *)c->content);
	return g_string_free(text, FALSE);
}

/* adf_text - the text of node on one line: blanks collapsed, trimmed.
 * Returns a new string ("" when there is none). */
static char *adf_text(const xmlNode *node)
{
	g_autofree char *raw = adf_raw(node);
	g_auto(GStrv) words = g_strsplit_set(raw, " \t\r\n\f\v", -1);
	GString *text = g_string_new(NULL);

	for (char **w = words; *w != NULL; w++) {
		if (**w == '\0')
			continue;
		if (text->len > 0)
			g_string_append_c(text, ' ');
		g_string_append(text, *w);
	}
	return g_string_free(text, FALSE);
}

/* adf_block - the text of node with its lines kept: each line trimmed at
 * the end, blank lines at both ends dropped.  Returns a new string. */
static char *adf_block(const xmlNode *node)
{
	g_autofree char *raw = adf_raw(node);
	g_auto(GStrv) lines = NULL;
	GString *text = g_string_new(NULL);

	g_strdelimit(raw, "\r", '\n');
	lines = g_strsplit(raw, "\n", -1);
	for (char **l = lines; *l != NULL; l++) {
		g_strchomp(*l);
		if (text->len == 0 && **l == '\0')
			continue;
		g_string_append(text, *l);
		g_string_append_c(text, '\n');
	}
	while (text->len > 0 && g_ascii_isspace(text->str[text->len - 1]))
		g_string_truncate(text, text->len - 1);
	return g_strstrip(g_string_free(text, FALSE));
}

/* adf_attr - the value of node's attribute name (any letter case), or
 * NULL.  Returns a new string. */
static char *adf_attr(const xmlNode *node, const char *name)
{
	for (const xmlAttr *a = node->properties; a != NULL; a = a->next) {
		if (g_ascii_strcasecmp((const char *)a->name, name) != 0)
			continue;
		return g_strstrip(adf_raw((const xmlNode *)a));
	}
	return NULL;
}

/* adf_attr_is - TRUE when node's attribute name is value (any case). */
static gboolean adf_attr_is(const xmlNode *node, const char *name, const char *value)
{
	g_autofree char *got = adf_attr(node, name);

	return got != NULL && g_ascii_strcasecmp(got, value) == 0;
}

/* ---- setting fields ---- */

/* adf_set - set field name to value when value has text and the field
 * has none yet (the first value wins). */
static void adf_set(LrLead *lead, const char *name, const char *value)
{
	if (value == NULL || *value == '\0' || lead_field_get(lead, name) != NULL)
		return;
	lead_field_set(lead, name, value);
}

/* adf_set_text - adf_set with the one-line text of node. */
static void adf_set_text(LrLead *lead, const char *name, const xmlNode *node)
{
	g_autofree char *text = NULL;

	if (node == NULL)
		return;
	text = adf_text(node);
	adf_set(lead, name, text);
}

/* adf_set_numbered - set base_2, base_3... (the first free one). */
static void adf_set_numbered(LrLead *lead, const char *base, const char *value)
{
	for (int i = 2; i <= ADF_NUMBERED_MAX; i++) {
		g_autofree char *name = g_strdup_printf("%s_%d", base, i);

		if (lead_field_get(lead, name) == NULL) {
			lead_field_set(lead, name, value);
			return;
		}
	}
}

/* adf_join - "a b c" of the non-empty parts.  Returns a new string. */
static char *adf_join(const char *sep, const char *const *parts, int n)
{
	GString *text = g_string_new(NULL);

	for (int i = 0; i < n; i++) {
		if (parts[i] == NULL || *parts[i] == '\0')
			continue;
		if (text->len > 0)
			g_string_append(text, sep);
		g_string_append(text, parts[i]);
	}
	return g_string_free(text, FALSE);
}

/* ---- the customer ---- */

typedef struct {
	char *full;
	char *first;
	char *middle;
	char *last;
	char *suffix;
	char *business;
} AdfName;

/* adf_name_clear - free the parts of a name. */
static void adf_name_clear(AdfName *name)
{
	g_free(name->full);
	g_free(name->first);
	g_free(name->middle);
	g_free(name->last);
	g_free(name->suffix);
	g_free(name->business);
}

/* adf_name_slot - where a <name part=...> goes in name, or NULL. */
static char **adf_name_slot(AdfName *name, const xmlNode *node)
{
	g_autofree char *part = adf_attr(node, "part");

	if (adf_attr_is(node, "type", "business"))
		return &name->business;
	if (part == NULL || g_ascii_strcasecmp(part, "full") == 0)
		return &name->full;
	if (g_ascii_strcasecmp(part, "first") == 0)
		return &name->first;
	if (g_ascii_strcasecmp(part, "middle") == 0)
		return &name->middle;
	if (g_ascii_strcasecmp(part, "last") == 0 || g_ascii_strcasecmp(part, "surname") == 0)
		return &name->last;
	if (g_ascii_strcasecmp(part, "suffix") == 0)
		return &name->suffix;
	return NULL;
}

/* adf_name_read - the name parts of a contact (the first of each part). */
static void adf_name_read(const xmlNode *contact, AdfName *name)
{
	memset(name, 0, sizeof(*name));
	for (xmlNode *n = adf_child(contact, "name"); n != NULL; n = adf_next(n->next, "name")) {
		char **slot = adf_name_slot(name, n);
		g_autofree char *text = adf_text(n);

		if (slot != NULL && *slot == NULL && *text != '\0')
			*slot = g_steal_pointer(&text);
	}
}

/* adf_name_full - the full name: as written, else the parts joined, else
 * the business name.  Returns a new string ("" for none). */
static char *adf_name_full(const AdfName *name)
{
	const char *parts[] = {name->first, name->middle, name->last, name->suffix};

	if (name->full != NULL)
		return g_strdup(name->full);
	if (name->first == NULL && name->last == NULL)
		return g_strdup(name->business != NULL ? name->business : "");
	return adf_join(" ", parts, G_N_ELEMENTS(parts));
}

/* adf_customer_name - the name fields of the customer's contact. */
static void adf_customer_name(LrLead *lead, const xmlNode *contact)
{
	static const char *const companies[] = {"company", "companyname", "organization",
	                                        "organisation"};
	AdfName name;
	g_autofree char *full = NULL;

	adf_name_read(contact, &name);
	if (name.full != NULL || name.first != NULL || name.last != NULL) {
		full = adf_name_full(&name);
		adf_set(lead, "name", full);
	}
	adf_set(lead, "first_name", name.first);
	adf_set(lead, "middle_name", name.middle);
	adf_set(lead, "last_name", name.last);
	adf_set(lead, "company", name.business);
	adf_name_clear(&name);
	for (gsize i = 0; i < G_N_ELEMENTS(companies); i++)
		adf_set_text(lead, "company", adf_child(contact, companies[i]));
}

/* adf_emails - email: the preferred address, else the first; the others
 * as email_2, email_3... */
static void adf_emails(LrLead *lead, const xmlNode *contact)
{
	xmlNode *first = adf_child(contact, "email");
	xmlNode *primary = first;

	for (xmlNode *e = first; e != NULL; e = adf_next(e->next, "email"))
		if (adf_attr_is(e, "preferredcontact", "1")) {
			primary = e;
			break;
		}
	adf_set_text(lead, "email", primary);
	for (xmlNode *e = first; e != NULL; e = adf_next(e->next, "email")) {
		g_autofree char *text = adf_text(e);

		if (e != primary && *text != '\0')
			adf_set_numbered(lead, "email", text);
	}
}

/* adf_phone_slot - the field of a phone by its type ("phone_mobile"), or
 * NULL for a plain voice line. */
static const char *adf_phone_slot(const xmlNode *phone)
{
	static const char *const map[][2] = {
	    {"cellphone", "phone_mobile"}, {"cell", "phone_mobile"}, {"mobile", "phone_mobile"},
	    {"fax", "phone_fax"},          {"pager", "phone_pager"}, {"work", "phone_work"},
	    {"business", "phone_work"},    {"office", "phone_work"}, {"home", "phone_home"},
	};
	g_autofree char *type = adf_attr(phone, "type");

	for (gsize i = 0; type != NULL && i < G_N_ELEMENTS(map); i++)
		if (g_ascii_strcasecmp(type, map[i][0]) == 0)
			return map[i][1];
	return NULL;
}

/* adf_phones - phone: the first that is not a fax or pager; the others by
 * type (phone_mobile...) or as phone_2, phone_3... */
static void adf_phones(LrLead *lead, const xmlNode *contact)
{
	for (xmlNode *n = adf_child(contact, "phone"); n != NULL; n = adf_next(n->next, "phone")) {
		g_autofree char *text = adf_text(n);
		const char *slot = adf_phone_slot(n);
		gboolean dial = slot == NULL || (strcmp(slot, "phone_fax") != 0 &&
		                                 strcmp(slot, "phone_pager") != 0);
		gboolean used = FALSE;

		if (*text == '\0')
			continue;
		if (dial && lead_field_get(lead, "phone") == NULL) {
			lead_field_set(lead, "phone", text);
			used = TRUE;
		}
		if (slot != NULL && lead_field_get(lead, slot) == NULL) {
			lead_field_set(lead, slot, text);
			used = TRUE;
		}
		if (!used)
			adf_set_numbered(lead, "phone", text);
	}
}

/* adf_street - the street lines of an address and its apartment joined
 * by ", ".  Returns a new string. */
static char *adf_street(const xmlNode *address)
{
	GString *street = g_string_new(NULL);

	for (xmlNode *n = address->children; n != NULL; n = n->next) {
		g_autofree char *text = NULL;

		if (!adf_is(n, "street") && !adf_is(n, "apartment"))
			continue;
		text = adf_text(n);
		if (*text == '\0')
			continue;
		if (street->len > 0)
			g_string_append(street, ", ");
		g_string_append(street, text);
	}
	return g_string_free(street, FALSE);
}

/* adf_address - street, city, region, postal_code and country of the
 * contact's first address. */
static void adf_address(LrLead *lead, const xmlNode *contact)
{
	xmlNode *address = adf_child(contact, "address");
	g_autofree char *street = NULL;

	if (address == NULL)
		return;
	street = adf_street(address);
	adf_set(lead, "street", street);
	adf_set_text(lead, "city", adf_child(address, "city"));
	adf_set_text(lead, "region", adf_child(address, "regioncode"));
	adf_set_text(lead, "region", adf_child(address, "region"));
	adf_set_text(lead, "region", adf_child(address, "state"));
	adf_set_text(lead, "postal_code", adf_child(address, "postalcode"));
	adf_set_text(lead, "postal_code", adf_child(address, "zip"));
	adf_set_text(lead, "postal_code", adf_child(address, "postcode"));
	adf_set_text(lead, "country", adf_child(address, "country"));
}

/* adf_timeframe - the customer's timeframe: its description, else its
 * dates ("earliest - latest"), else its text. */
static void adf_timeframe(LrLead *lead, const xmlNode *customer)
{
	xmlNode *tf = adf_child(customer, "timeframe");
	g_autofree char *earliest = NULL;
	g_autofree char *latest = NULL;
	g_autofree char *dates = NULL;

	if (tf == NULL)
		return;
	adf_set_text(lead, "timeframe", adf_child(tf, "description"));
	earliest = adf_text(adf_child(tf, "earliestdate"));
	latest = adf_text(adf_child(tf, "latestdate"));
	dates = adf_join(" - ", (const char *const[]){earliest, latest}, 2);
	adf_set(lead, "timeframe", dates);
	adf_set_text(lead, "timeframe", tf);
}

/* adf_customer - the customer: its primary contact (primarycontact="1",
 * else the first), comments and timeframe. */
static void adf_customer(LrLead *lead, const xmlNode *customer)
{
	xmlNode *contact = adf_child(customer, "contact");
	g_autofree char *comments = NULL;

	for (xmlNode *c = contact; c != NULL; c = adf_next(c->next, "contact"))
		if (adf_attr_is(c, "primarycontact", "1")) {
			contact = c;
			break;
		}
	if (contact != NULL) {
		adf_customer_name(lead, contact);
		adf_emails(lead, contact);
		adf_phones(lead, contact);
		adf_address(lead, contact);
	}
	if (adf_child(customer, "comments") != NULL) {
		comments = adf_block(adf_child(customer, "comments"));
		adf_set(lead, "message", comments);
	}
	adf_timeframe(lead, customer);
}

/* ---- vehicles ---- */

/* adf_vehicle_summary - "year make model trim".  Returns a new string. */
static char *adf_vehicle_summary(const xmlNode *vehicle)
{
	static const char *const names[] = {"year", "make", "model", "trim"};
	char *parts[G_N_ELEMENTS(names)];
	char *summary;

	for (gsize i = 0; i < G_N_ELEMENTS(names); i++)
		parts[i] = adf_text(adf_child(vehicle, names[i]));
	summary = adf_join(" ", (const char *const *)parts, G_N_ELEMENTS(parts));
	for (gsize i = 0; i < G_N_ELEMENTS(names); i++)
		g_free(parts[i]);
	return summary;
}

/* adf_trade_in - TRUE for a vehicle the customer gives, not wants. */
static gboolean adf_trade_in(const xmlNode *vehicle)
{
	return adf_attr_is(vehicle, "interest", "trade-in") ||
	       adf_attr_is(vehicle, "interest", "sell");
}

/* adf_price - price and price_currency: the quote, else the offer, else
 * the first price of the vehicle. */
static void adf_price(LrLead *lead, const xmlNode *vehicle)
{
	static const char *const preferred[] = {"quote", "offer"};
	xmlNode *price = adf_child(vehicle, "price");
	g_autofree char *currency = NULL;

	for (gsize i = 0; i < G_N_ELEMENTS(preferred); i++) {
		xmlNode *p = adf_child(vehicle, "price");

		while (p != NULL && !adf_attr_is(p, "type", preferred[i]))
			p = adf_next(p->next, "price");
		if (p != NULL) {
			price = p;
			break;
		}
	}
	if (price == NULL)
		return;
	adf_set_text(lead, "price", price);
	currency = adf_attr(price, "currency");
	adf_set(lead, "price_currency", currency);
}

/* adf_vehicle_attr - set name from the vehicle's attribute attr. */
static void adf_vehicle_attr(LrLead *lead, const char *name, const xmlNode *vehicle,
                             const char *attr)
{
	g_autofree char *value = adf_attr(vehicle, attr);

	adf_set(lead, name, value);
}

/* adf_vehicle - the fields of the vehicle of interest. */
static void adf_vehicle(LrLead *lead, const xmlNode *vehicle)
{
	static const char *const map[][2] = {
	    {"year", "vehicle_year"},
	    {"make", "vehicle_make"},
	    {"model", "vehicle_model"},
	    {"trim", "vehicle_trim"},
	    {"vin", "vehicle_vin"},
	    {"stock", "vehicle_stock"},
	    {"odometer", "vehicle_odometer"},
	    {"bodystyle", "vehicle_bodystyle"},
	    {"transmission", "vehicle_transmission"},
	};
	g_autofree char *summary = adf_vehicle_summary(vehicle);
	xmlNode *colors = adf_child(vehicle, "colorcombination");
	xmlNode *comments = adf_child(vehicle, "comments");

	adf_set(lead, "product", summary);
	for (gsize i = 0; i < G_N_ELEMENTS(map); i++)
		adf_set_text(lead, map[i][1], adf_child(vehicle, map[i][0]));
	adf_vehicle_attr(lead, "vehicle_interest", vehicle, "interest");
	adf_vehicle_attr(lead, "vehicle_status", vehicle, "status");
	adf_set_text(lead, "vehicle_color", adf_child(colors, "exteriorcolor"));
	adf_price(lead, vehicle);
	if (comments != NULL) {
		g_autofree char *text = adf_block(comments);

		adf_set(lead, "vehicle_comments", text);
	}
}

/* adf_vehicles - the vehicle of interest (the first that is not a
 * trade-in, else the first), the trade-in, and the others. */
static void adf_vehicles(LrLead *lead, const xmlNode *prospect)
{
	xmlNode *first = adf_child(prospect, "vehicle");
	xmlNode *primary = first;

	for (xmlNode *v = first; v != NULL; v = adf_next(v->next, "vehicle"))
		if (!adf_trade_in(v)) {
			primary = v;
			break;
		}
	if (primary == NULL)
		return;
	adf_vehicle(lead, primary);
	for (xmlNode *v = first; v != NULL; v = adf_next(v->next, "vehicle")) {
		g_autofree char *summary = NULL;

		if (v == primary)
			continue;
		summary = adf_vehicle_summary(v);
		if (*summary == '\0')
			continue;
		if (adf_trade_in(v) && lead_field_get(lead, "trade_in") == NULL)
			lead_field_set(lead, "trade_in", summary);
		else
			adf_set_numbered(lead, "vehicle", summary);
	}
}

/* ---- vendor, provider, the prospect ---- */

/* adf_contact_name - the full name of a party's contact, if any. */
static void adf_contact_name(LrLead *lead, const char *field, const xmlNode *party)
{
	xmlNode *contact = adf_child(party, "contact");
	AdfName name;
	g_autofree char *full = NULL;

	if (contact == NULL)
		return;
	adf_name_read(contact, &name);
	full = adf_name_full(&name);
	adf_set(lead, field, full);
	adf_name_clear(&name);
}

/* adf_parties - the vendor (the dealer) and the provider (who sent it). */
static void adf_parties(LrLead *lead, const xmlNode *prospect)
{
	xmlNode *vendor = adf_child(prospect, "vendor");
	xmlNode *provider = adf_child(prospect, "provider");

	if (vendor != NULL) {
		adf_set_text(lead, "vendor", adf_child(vendor, "vendorname"));
		adf_contact_name(lead, "vendor_contact", vendor);
	}
	if (provider != NULL) {
		adf_set_text(lead, "provider", adf_child(provider, "name"));
		adf_set_text(lead, "provider_email", adf_child(provider, "email"));
		adf_set_text(lead, "provider_email",
		             adf_child(adf_child(provider, "contact"), "email"));
		adf_set_text(lead, "provider_service", adf_child(provider, "service"));
		adf_set_text(lead, "provider_url", adf_child(provider, "url"));
		adf_contact_name(lead, "provider_contact", provider);
	}
}

/* adf_prospect - all the fields of one prospect. */
static void adf_prospect(LrLead *lead, const xmlNode *prospect)
{
	xmlNode *id = adf_child(prospect, "id");
	xmlNode *customer = adf_child(prospect, "customer");

	adf_set_text(lead, "id", id);
	if (id != NULL && lead_field_get(lead, "id") != NULL) {
		g_autofree char *source = adf_attr(id, "source");

		adf_set(lead, "id_source", source);
	}
	adf_set_text(lead, "request_date", adf_child(prospect, "requestdate"));
	if (customer != NULL)
		adf_customer(lead, customer);
	adf_vehicles(lead, prospect);
	adf_set(lead, "message", lead_field_get(lead, "vehicle_comments"));
	adf_parties(lead, prospect);
}

/* adf_parse - read an ADF/XML lead into lead. */
gboolean adf_parse(const char *xml, gsize len, LrLead *lead, GError **error)
{
	g_autofree char *moved = NULL;
	gsize moved_len = 0;
	xmlDocPtr doc;
	xmlNode *root;
	xmlNode *prospect;

	if (xml == NULL || len == 0 || len > ADF_INPUT_MAX) {
		g_set_error(error, LR_ERROR, LR_ERROR_PERM, "adf: %s document",
		            len > ADF_INPUT_MAX ? "too big a" : "empty");
		return FALSE;
	}
	if (adf_find(xml, xml + len, "<!ENTITY") != NULL) {
		g_set_error(error, LR_ERROR, LR_ERROR_PERM, "adf: entity declarations are refused");
		return FALSE;
	}
	moved = adf_normalise(xml, len, &moved_len);
	doc = adf_read_doc(moved != NULL ? moved : xml, moved != NULL ? moved_len : len, error);
	if (doc == NULL)
		return FALSE;
	root = xmlDocGetRootElement(doc);
	prospect = adf_child(root, "prospect");
	if (!adf_is(root, "adf") || prospect == NULL) {
		g_set_error(error, LR_ERROR, LR_ERROR_PERM, "adf: not ADF (no <adf><prospect>)");
		xmlFreeDoc(doc);
		return FALSE;
	}
	adf_prospect(lead, prospect);
	lead_set_str(&lead->format, "adf");
	xmlFreeDoc(doc);
	return TRUE;
}
