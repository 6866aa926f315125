/* parser.c - the inquiry parser: which reading a mail gets (ADF, an
 * attached message, a form, free text, an inline forward), and the
 * public helpers for rules and the command line. */
#include "config.h"

#include <string.h>

#include <gmime/gmime.h>
#include <json-glib/json-glib.h>

#include "lead/lr-error.h"
#include "lead/number.h"
#include "lead/rawmsg.h"
#include "parser/adf.h"
#include "parser/autoreply.h"
#include "parser/country.h"
#include "parser/fields.h"
#include "parser/formtext.h"
#include "parser/forward.h"
#include "parser/html.h"
#include "parser/labels.h"
#include "parser/mimetext.h"
#include "parser/parser.h"
#include "parser/parts.h"
#include "parser/identity.h"
#include "parser/signature.h"
#include "parser/vcard.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(GMimeMessage, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GMimeParser, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GMimeStream, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(InternetAddressList, g_object_unref)

struct LrParser {
	GHashTable *aliases;   /* folded label -> field (labels.h) */
	GHashTable *countries; /* folded name -> alpha-2 (country.h) */
	GMimeParserOptions *options;
};

/* One parse: the lead being filled and what has been found. */
typedef struct {
	const LrParser *parser;
	LrLead *lead;
	gboolean content;  /* a form, ADF, text or an attachment was found */
	LabelsMemo labels; /* the look-ups of this parse's labels */
} ParserRun;

/* The bodies of one message, each decoded once: the text body's bytes at
 * the start, the HTML body's bytes and text when first asked for. */
typedef struct {
	const PartsFound *parts;
	GBytes *plain;      /* the text body's decoded bytes, or NULL */
	GBytes *html_bytes; /* the HTML body's, or NULL when not asked for yet */
	char *html;         /* the HTML body as UTF-8, or NULL likewise */
} ParserBodies;

/* parser_gmime_init - g_mime_init() once per process. */
static void parser_gmime_init(void)
{
	static gsize once = 0;

	if (g_once_init_enter(&once)) {
		g_mime_init();
		g_once_init_leave(&once, 1);
	}
}

/* parser_options_new - lenient GMime options with 8-bit header fallbacks. */
static GMimeParserOptions *parser_options_new(void)
{
	static const char *fallback[] = {"UTF-8", "windows-1252", NULL};
	GMimeParserOptions *options = g_mime_parser_options_new();

	g_mime_parser_options_set_rfc2047_compliance_mode(options, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_address_compliance_mode(options, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_parameter_compliance_mode(options, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_fallback_charsets(options, fallback);
	return options;
}

/* parser_new - tables and options. */
LrParser *parser_new(GHashTable *aliases, GError **error)
{
	g_autoptr(GHashTable) countries = country_table_load(error);
	LrParser *parser;

	if (countries == NULL)
		return NULL;
	parser_gmime_init();
	parser = g_new0(LrParser, 1);
	parser->countries = g_steal_pointer(&countries);
	parser->aliases = labels_table_new();
	parser->options = parser_options_new();
	if (aliases != NULL) {
		GHashTableIter iter;
		gpointer label, field;

		g_hash_table_iter_init(&iter, aliases);
		while (g_hash_table_iter_next(&iter, &label, &field))
			labels_table_add(parser->aliases, label, field);
	}
	return parser;
}

/* parser_free - release the parser. */
void parser_free(LrParser *parser)
{
	if (parser == NULL)
		return;
	g_hash_table_unref(parser->aliases);
	g_hash_table_unref(parser->countries);
	g_mime_parser_options_free(parser->options);
	g_free(parser);
}

/* parser_note - add a line to the lead's parse note. */
static void parser_note(LrLead *lead, const char *note)
{
	const char *old = lead_meta_get(lead, META_PARSE_NOTE);
	g_autofree char *joined = old != NULL ? g_strconcat(old, "; ", note, NULL) : NULL;

	lead_meta_set(lead, META_PARSE_NOTE, joined != NULL ? joined : note);
}

/* parser_try_adf - read data as ADF into the lead; a malformed document
 * leaves a note and FALSE. */
static gboolean parser_try_adf(ParserRun *run, const char *data, gsize len, const char *what)
{
	g_autoptr(LrLead) adf = NULL;
	g_autoptr(GError) error = NULL;

	if (!adf_looks_like(data, len))
		return FALSE;
	adf = lead_new();
	if (!adf_parse(data, len, adf, &error)) {
		g_autofree char *note = g_strdup_printf(
		    "unreadable ADF/XML in %s (%s): read as text", what, error->message);

		parser_note(run->lead, note);
		return FALSE;
	}
	for (guint i = 0; i < adf->fields->len; i++) {
		const LrField *field = g_ptr_array_index(adf->fields, i);

		fields_add(run->lead, field->name, field->value);
	}
	lead_set_str(&run->lead->format, "adf");
	run->content = TRUE;
	return TRUE;
}

/* parser_read_adf - ADF attachments first, then an ADF text body. */
static gboolean parser_read_adf(ParserRun *run, const ParserBodies *bodies)
{
	const PartsFound *parts = bodies->parts;
	gsize len = 0;
	const char *data;

	for (guint i = 0; i < parts->xml->len; i++) {
		GMimePart *part = g_ptr_array_index(parts->xml, i);
		g_autoptr(GBytes) bytes = mimetext_part_bytes(part, PARSER_MAX_TEXT);
		const char *name = g_mime_part_get_filename(part);

		data = g_bytes_get_data(bytes, &len);
		if (data != NULL &&
		    parser_try_adf(run, data, len, name != NULL ? name : "an XML part"))
			return TRUE;
	}
	if (bodies->plain == NULL)
		return FALSE;
	data = g_bytes_get_data(bodies->plain, &len);
	return data != NULL && parser_try_adf(run, data, len, "the body");
}

/* parser_html_bytes - the HTML body's decoded bytes (borrowed from
 * bodies), or NULL when there is no HTML body. */
static GBytes *parser_html_bytes(ParserBodies *bodies)
{
	if (bodies->parts->html != NULL && bodies->html_bytes == NULL)
		bodies->html_bytes = mimetext_part_bytes(bodies->parts->html, PARSER_MAX_TEXT);
	return bodies->html_bytes;
}

/* parser_html_source - the HTML body as UTF-8 HTML (borrowed from
 * bodies), or NULL. */
static const char *parser_html_source(ParserBodies *bodies)
{
	GBytes *bytes = parser_html_bytes(bodies);

	if (bytes != NULL && bodies->html == NULL)
		bodies->html = mimetext_bytes_text(bodies->parts->html, bytes);
	return bodies->html;
}

/* parser_bodies_clear - release what was decoded. */
static void parser_bodies_clear(ParserBodies *bodies)
{
	g_clear_pointer(&bodies->plain, g_bytes_unref);
	g_clear_pointer(&bodies->html_bytes, g_bytes_unref);
	g_clear_pointer(&bodies->html, g_free);
}

/* parser_body_text - the text body, else the HTML body as text. */
static char *parser_body_text(ParserBodies *bodies)
{
	const char *html;
	char *text = NULL;

	if (bodies->plain != NULL) {
		text = mimetext_bytes_text(bodies->parts->plain, bodies->plain);
		if (strspn(text, " \t\n") < strlen(text) || bodies->parts->html == NULL)
			return text;
		g_free(text);
	}
	html = parser_html_source(bodies);
	return html != NULL ? html_to_text(html, strlen(html)) : g_strdup("");
}

/* parser_add_sender - the sender's name and address where the form or
 * text gave none; robots are nobody. */
static void parser_add_sender(ParserRun *run, const IdentityInfo *sender)
{
	LrLead *lead = run->lead;

	if (sender->robot)
		return;
	if (lead_field_get(lead, "name") == NULL && lead_field_get(lead, "first_name") == NULL &&
	    lead_field_get(lead, "last_name") == NULL)
		fields_add(lead, "name", sender->name);
	fields_add(lead, "email", sender->email);
}

/* parser_form_pairs - the pairs of a form notification in text, else in
 * the HTML body of bodies (NULL: not looked at) when the text is empty,
 * short or holds pairs itself, else NULL.  Returns a new array. */
static GPtrArray *parser_form_pairs(ParserRun *run, const char *text, ParserBodies *bodies)
{
	LabelsMemo *labels = &run->labels;
	FormtextResult result;
	g_autoptr(GPtrArray) pairs = NULL;
	const char *html;
	gboolean try_html;

	formtext_scan(text, labels, &result);
	if (fields_count_known(labels, result.pairs) >= 2 && result.covered >= result.loose)
		return g_steal_pointer(&result.pairs);
	try_html = result.pairs->len > 0 || result.loose <= 3;
	formtext_result_clear(&result);
	if (bodies == NULL || !try_html || (html = parser_html_source(bodies)) == NULL)
		return NULL;
	pairs = html_form_pairs(html, strlen(html));
	if (fields_count_known(labels, pairs) >= 2)
		return g_steal_pointer(&pairs);
	return NULL;
}

/* parser_read_form - a form notification; FALSE when text is not one. */
static gboolean parser_read_form(ParserRun *run, const char *text, ParserBodies *bodies,
                                 const IdentityInfo *sender)
{
	g_autoptr(GPtrArray) pairs = parser_form_pairs(run, text, bodies);

	if (pairs == NULL)
		return FALSE;
	fields_add_pairs(run->lead, &run->labels, pairs);
	parser_add_sender(run, sender);
	lead_set_str(&run->lead->format, "form");
	run->content = TRUE;
	return TRUE;
}

/* parser_read_free - free text from a person: sender and signature. */
static void parser_read_free(ParserRun *run, const char *text, const IdentityInfo *sender,
                             gboolean files)
{
	SignatureInfo sig;
	LrLead *lead = run->lead;

	signature_split(text, sender->name, &sig);
	if (*sig.message != '\0' || files) {
		if (!sender->robot)
			fields_add(lead, "name", sender->name);
		fields_add(lead, "name", sig.name);
		if (!sender->robot)
			fields_add(lead, "email", sender->email);
		fields_add(lead, "phone", sig.phone);
		fields_add(lead, "company", sig.company);
		fields_add(lead, "title", sig.title);
		fields_add(lead, "message", sig.message);
		lead_set_str(&lead->format, "freeform");
		run->content = TRUE;
	}
	signature_info_clear(&sig);
}

/* parser_forward_sender - the original sender of an inline forward block,
 * into sender; FALSE (sender untouched) when the block names nobody. */
static gboolean parser_forward_sender(const ParserRun *run, const ForwardBlock *block,
                                      IdentityInfo *sender)
{
	IdentityInfo original;
	IdentityInfo reply;

	if (!identity_from_text(block->from, run->parser->options, &original))
		return FALSE;
	if (original.robot && block->reply_to != NULL &&
	    identity_from_text(block->reply_to, run->parser->options, &reply)) {
		identity_clear(&original);
		original = reply;
	}
	identity_clear(sender);
	*sender = original;
	return TRUE;
}

/* parser_read_body - the text of message: inline forward, form or free
 * text. */
static void parser_read_body(ParserRun *run, GMimeMessage *message, ParserBodies *bodies)
{
	g_autofree char *text = parser_body_text(bodies);
	const char *subject = g_mime_message_get_subject(message);
	const char *body = text;
	ForwardBlock block = {0};
	IdentityInfo sender;
	gboolean forwarded = FALSE;

	identity_from_message(message, run->parser->options, &sender);
	if (forward_find(text, forward_subject(subject), &block) &&
	    parser_forward_sender(run, &block, &sender)) {
		forwarded = TRUE;
		body = block.body;
	}
	if (!parser_read_form(run, body, forwarded ? NULL : bodies, &sender))
		parser_read_free(run, body, &sender, bodies->parts->attachments);
	if (run->content)
		vcard_add(message, run->lead);
	if (forwarded && run->content)
		lead_set_str(&run->lead->format, "forwarded");
	forward_block_clear(&block);
	identity_clear(&sender);
}

static void parser_read_message(ParserRun *run, GMimeMessage *message, guint depth);

/* parser_read_attached - an attached message (a forward as attachment):
 * its sender is the lead.  FALSE when it says nothing. */
static gboolean parser_read_attached(ParserRun *run, const PartsFound *parts, guint depth)
{
	gboolean before = run->content;

	if (parts->attached == NULL || depth + 1 >= PARSER_MAX_FORWARD)
		return FALSE;
	run->content = FALSE;
	parser_read_message(run, parts->attached, depth + 1);
	if (!run->content) {
		run->content = before;
		return FALSE;
	}
	lead_set_str(&run->lead->format, "forwarded");
	return TRUE;
}

/* parser_charset_note - note a body whose declared charset does not read. */
static void parser_charset_note(ParserRun *run, ParserBodies *bodies)
{
	GBytes *html = NULL;
	g_autofree char *note = NULL;

	if (bodies->plain != NULL)
		note = mimetext_charset_note(bodies->parts->plain, bodies->plain);
	else if ((html = parser_html_bytes(bodies)) != NULL)
		note = mimetext_charset_note(bodies->parts->html, html);
	if (note != NULL)
		parser_note(run->lead, note);
}

/* parser_read_message - one message: ADF, attached message, or its text. */
static void parser_read_message(ParserRun *run, GMimeMessage *message, guint depth)
{
	PartsFound parts;
	ParserBodies bodies = {.parts = &parts};

	parts_collect(message, &parts);
	if (parts.truncated)
		parser_note(run->lead,
		            "too many or too deeply nested parts: the rest was not read");
	if (parts.plain != NULL)
		bodies.plain = mimetext_part_bytes(parts.plain, PARSER_MAX_TEXT);
	parser_charset_note(run, &bodies);
	if (!parser_read_adf(run, &bodies) && !parser_read_attached(run, &parts, depth))
		parser_read_body(run, message, &bodies);
	parser_bodies_clear(&bodies);
	parts_clear(&parts);
}

/* parser_message_new - the GMime message of raw, or NULL with an error. */
static GMimeMessage *parser_message_new(const LrParser *parser, GBytes *raw, GError **error)
{
	gsize len = 0;
	const char *data = g_bytes_get_data(raw, &len);
	g_autoptr(GMimeStream) stream = NULL;
	g_autoptr(GMimeParser) mime = NULL;
	GMimeMessage *message;

	if (len > PARSER_MAX_MESSAGE) {
		g_set_error(error, LR_ERROR, LR_ERROR_TOO_BIG, "message of %zu bytes is over %d",
		            len, PARSER_MAX_MESSAGE);
		return NULL;
	}
	if (!rawmsg_check(data != NULL ? data : "", len, error))
		return NULL;
	stream = g_mime_stream_mem_new_with_buffer(data, len);
	mime = g_mime_parser_new_with_stream(stream);
	g_mime_parser_set_format(mime, GMIME_FORMAT_MESSAGE);
	message = g_mime_parser_construct_message(mime, parser->options);
	if (message == NULL)
		g_set_error(error, LR_ERROR, LR_ERROR_PERM, "not a mail message");
	return message;
}

/* parser_lead_reset - forget an earlier parse. */
static void parser_lead_reset(LrLead *lead)
{
	g_ptr_array_set_size(lead->fields, 0);
	lead_set_str(&lead->format, NULL);
	lead_set_str(&lead->reason, NULL);
	lead_set_str(&lead->subject, NULL);
	lead_set_str(&lead->source, NULL);
	lead_meta_set(lead, META_PARSE_NOTE, NULL);
	lead->is_lead = TRUE;
}

/* parser_subject - the decoded subject, bounded. */
static void parser_subject(LrLead *lead, GMimeMessage *message)
{
	const char *subject = g_mime_message_get_subject(message);
	g_autofree char *clean = NULL;
	gsize len;

	if (subject == NULL)
		return;
	len = strlen(subject);
	if (len > PARSER_MAX_SUBJECT) {
		const char *end = g_utf8_find_prev_char(subject, subject + PARSER_MAX_SUBJECT + 1);

		len = end != NULL ? (gsize)(end - subject) : PARSER_MAX_SUBJECT;
	}
	clean = g_strstrip(g_utf8_make_valid(subject, len));
	lead_set_str(&lead->subject, clean);
}

/* parser_recipients_add - the addresses of one header, at most a few. */
static void parser_recipients_add(GPtrArray *out, GMimeMessage *message, const char *header,
                                  GMimeParserOptions *options)
{
	const char *value = g_mime_object_get_header(GMIME_OBJECT(message), header);
	g_autoptr(InternetAddressList) list = NULL;

	if (value == NULL || strlen(value) > 10000)
		return;
	list = internet_address_list_parse(options, value);
	for (int i = 0; list != NULL && i < internet_address_list_length(list) && i < 20; i++) {
		InternetAddress *a = internet_address_list_get_address(list, i);

		if (INTERNET_ADDRESS_IS_MAILBOX(a))
			g_ptr_array_add(out, g_strdup(internet_address_mailbox_get_addr(
			                         INTERNET_ADDRESS_MAILBOX(a))));
	}
}

/* parser_recipients - where the mail went, for the address extension. */
static GPtrArray *parser_recipients(const LrParser *parser, GMimeMessage *message)
{
	static const char *const headers[] = {"X-Original-To", "Delivered-To", "To", "Cc"};
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);

	for (gsize i = 0; i < G_N_ELEMENTS(headers); i++)
		parser_recipients_add(out, message, headers[i], parser->options);
	g_ptr_array_add(out, NULL);
	return out;
}

/* parser_parse_lead - one raw mail into lead. */
gboolean parser_parse_lead(const LrParser *parser, GBytes *raw, LrLead *lead, GError **error)
{
	g_autoptr(GMimeMessage) message = NULL;
	g_autoptr(GPtrArray) recipients = NULL;
	ParserRun run = {.parser = parser, .lead = lead};
	const char *reason = NULL;

	parser_lead_reset(lead);
	message = parser_message_new(parser, raw, error);
	if (message == NULL)
		return FALSE;
	parser_subject(lead, message);
	recipients = parser_recipients(parser, message);
	if (autoreply_detect(message, &reason)) {
		lead->is_lead = FALSE;
		lead_set_str(&lead->reason, reason);
		fields_finish(lead, parser->countries, (const char *const *)recipients->pdata);
		return TRUE;
	}
	labels_memo_init(&run.labels, parser->aliases);
	parser_read_message(&run, message, 0);
	labels_memo_clear(&run.labels);
	fields_finish(lead, parser->countries, (const char *const *)recipients->pdata);
	if (!run.content) {
		lead->is_lead = FALSE;
		lead_set_str(&lead->reason, "empty");
		lead_set_str(&lead->format, NULL);
	}
	return TRUE;
}

/* parser_country_code - table lookup. */
const char *parser_country_code(const LrParser *parser, const char *text)
{
	return country_lookup(parser->countries, text);
}

/* parser_json_fields - the fields object, with source and subject. */
static void parser_json_fields(JsonBuilder *b, const LrLead *lead)
{
	json_builder_begin_object(b);
	for (guint i = 0; i < lead->fields->len; i++) {
		const LrField *field = g_ptr_array_index(lead->fields, i);

		json_builder_set_member_name(b, field->name);
		json_builder_add_string_value(b, field->value);
	}
	if (lead->source != NULL && lead_field_get(lead, "source") == NULL) {
		json_builder_set_member_name(b, "source");
		json_builder_add_string_value(b, lead->source);
	}
	if (lead->subject != NULL && lead_field_get(lead, "subject") == NULL) {
		json_builder_set_member_name(b, "subject");
		json_builder_add_string_value(b, lead->subject);
	}
	json_builder_end_object(b);
}

/* parser_lead_to_json - the parse --json object. */
char *parser_lead_to_json(const LrLead *lead)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) root = NULL;
	const char *note = lead_meta_get(lead, META_PARSE_NOTE);

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "is_lead");
	json_builder_add_boolean_value(b, lead->is_lead);
	json_builder_set_member_name(b, lead->is_lead ? "format" : "reason");
	json_builder_add_string_value(b, lead->is_lead ? lead->format : lead->reason);
	if (lead->is_lead) {
		json_builder_set_member_name(b, "fields");
		parser_json_fields(b, lead);
	}
	if (note != NULL) {
		json_builder_set_member_name(b, "note");
		json_builder_add_string_value(b, note);
	}
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	return json_to_string(root, FALSE);
}

/* parser_value_number - a written number as a double (lead/number.h). */
gboolean parser_value_number(const char *text, double *out)
{
	return lead_number_read(text, out);
}
