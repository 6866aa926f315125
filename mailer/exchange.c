/* exchange.c - wrapping a federation exchange in mail, and unwrapping it. */
#include "config.h"

#include <string.h>

#include <gmime/gmime.h>

#include "lead/lr-error.h"
#include "mailer/exchange.h"
#include "mailer/https.h"

/* exchange_init - GMime once per process. */
static void exchange_init(void)
{
	static gsize done;

	if (g_once_init_enter(&done)) {
		g_mime_init();
		g_once_init_leave(&done, 1);
	}
}

/* text_part - the human summary. */
static GMimeObject *text_part(const char *text)
{
	GMimeTextPart *part = g_mime_text_part_new_with_subtype("plain");

	g_mime_text_part_set_text(part, text);
	g_mime_part_set_content_encoding(GMIME_PART(part), GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
	return GMIME_OBJECT(part);
}

/* xml_part - the document, base64, as an attachment named exchange.xml. */
static GMimeObject *xml_part(const MailerExchange *x)
{
	g_auto(GStrv) type = g_strsplit(x->mime_type, "/", 2);
	GMimePart *part = g_mime_part_new_with_type(type[0], type[1] ? type[1] : "octet-stream");
	gsize len = 0;
	const char *data = g_bytes_get_data(x->xml, &len);
	GMimeStream *stream = g_mime_stream_mem_new_with_buffer(data, len);
	GMimeDataWrapper *content =
	    g_mime_data_wrapper_new_with_stream(stream, GMIME_CONTENT_ENCODING_DEFAULT);

	g_mime_part_set_content(part, content);
	g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_BASE64);
	g_mime_part_set_filename(part, "exchange.xml");
	g_object_unref(content);
	g_object_unref(stream);
	return GMIME_OBJECT(part);
}

/* set_headers - From, To, Subject, Date, Message-ID and ours. */
static void set_headers(GMimeMessage *msg, const LrMailerConfig *config, const MailerExchange *x,
                        InternetAddressList *from)
{
	GMimeObject *o = GMIME_OBJECT(msg);
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();
	g_autofree char *msgid =
	    g_strdup_printf("fed.%s@%s", x->id, config->domain ? config->domain : "localhost");
	g_autofree char *what = g_strdup_printf("%s %s", x->kind, x->id);

	internet_address_list_append(g_mime_message_get_from(msg), from);
	internet_address_list_add(g_mime_message_get_to(msg),
	                          internet_address_mailbox_new(NULL, x->to));
	g_mime_message_set_subject(msg, x->subject, "utf-8");
	g_mime_message_set_date(msg, now);
	g_mime_message_set_message_id(msg, msgid);
	g_mime_object_set_header(o, "Auto-Submitted", "auto-generated", NULL);
	g_mime_object_set_header(o, MAILER_EXCHANGE_HEADER, what, NULL);
	if (x->sig_header && x->signature)
		g_mime_object_set_header(o, x->sig_header, x->signature, NULL);
}

/* to_bytes - the message with CRLF line ends. */
static GBytes *to_bytes(GMimeMessage *msg)
{
	GMimeFormatOptions *options = g_mime_format_options_new();
	char *text;

	g_mime_format_options_set_newline_format(options, GMIME_NEWLINE_FORMAT_DOS);
	text = g_mime_object_to_string(GMIME_OBJECT(msg), options);
	g_mime_format_options_free(options);
	return g_bytes_new_take(text, strlen(text));
}

/* mailer_exchange_compose - the exchange mail. */
GBytes *mailer_exchange_compose(const LrMailerConfig *config, const MailerExchange *x,
                                GError **error)
{
	InternetAddressList *from;
	GMimeMessage *msg;
	GMimeMultipart *mixed;
	GMimeObject *a, *b;
	GBytes *bytes;

	exchange_init();
	from = internet_address_list_parse(NULL, config->from ? config->from : "");
	if (from == NULL || internet_address_list_length(from) == 0) {
		g_set_error(error, LR_ERROR, LR_ERROR_PERM, "server.from has no address");
		g_clear_object(&from);
		return NULL;
	}
	msg = g_mime_message_new(TRUE);
	set_headers(msg, config, x, from);
	mixed = g_mime_multipart_new_with_subtype("mixed");
	a = text_part(x->summary);
	b = xml_part(x);
	g_mime_multipart_add(mixed, a);
	g_mime_multipart_add(mixed, b);
	g_mime_message_set_mime_part(msg, GMIME_OBJECT(mixed));
	bytes = to_bytes(msg);
	g_object_unref(a);
	g_object_unref(b);
	g_object_unref(mixed);
	g_object_unref(from);
	g_object_unref(msg);
	return bytes;
}

/* from_list - config's From as an address list, or NULL with an error. */
static InternetAddressList *from_list(const LrMailerConfig *config, GError **error)
{
	InternetAddressList *from =
	    internet_address_list_parse(NULL, config->from ? config->from : "");

	if (from == NULL || internet_address_list_length(from) == 0) {
		g_set_error(error, LR_ERROR, LR_ERROR_PERM, "server.from has no address");
		g_clear_object(&from);
	}
	return from;
}

/* single_body - the document as the whole body, charset utf-8, 8bit when
 * its lines allow, else quoted-printable (GMime picks). */
static GMimeObject *single_body(const MailerExchange *x)
{
	g_auto(GStrv) type = g_strsplit(x->mime_type, "/", 2);
	GMimePart *part = g_mime_part_new_with_type(type[0], type[1] ? type[1] : "octet-stream");
	gsize len = 0;
	const char *data = g_bytes_get_data(x->xml, &len);
	GMimeStream *stream = g_mime_stream_mem_new_with_buffer(data, len);
	GMimeDataWrapper *content =
	    g_mime_data_wrapper_new_with_stream(stream, GMIME_CONTENT_ENCODING_DEFAULT);

	g_mime_part_set_content(part, content);
	g_mime_object_set_content_type_parameter(GMIME_OBJECT(part), "charset", "utf-8");
	g_mime_part_set_content_encoding(
	    part, g_mime_part_get_best_content_encoding(part, GMIME_ENCODING_CONSTRAINT_8BIT));
	g_object_unref(content);
	g_object_unref(stream);
	return GMIME_OBJECT(part);
}

/* mailer_exchange_compose_single - the one-part exchange mail. */
GBytes *mailer_exchange_compose_single(const LrMailerConfig *config, const MailerExchange *x,
                                       GError **error)
{
	InternetAddressList *from;
	GMimeMessage *msg;
	GMimeObject *body;
	GBytes *bytes;

	exchange_init();
	if ((from = from_list(config, error)) == NULL)
		return NULL;
	msg = g_mime_message_new(TRUE);
	set_headers(msg, config, x, from);
	body = single_body(x);
	g_mime_message_set_mime_part(msg, body);
	bytes = to_bytes(msg);
	g_object_unref(body);
	g_object_unref(from);
	g_object_unref(msg);
	return bytes;
}

/* find_part - the first leaf of type mime_type under object. */
static GMimePart *find_part(GMimeObject *object, const char *mime_type)
{
	GMimeContentType *ct = g_mime_object_get_content_type(object);
	g_autofree char *type = ct ? g_mime_content_type_get_mime_type(ct) : NULL;

	if (GMIME_IS_MULTIPART(object)) {
		GMimeMultipart *mp = GMIME_MULTIPART(object);
		for (int i = 0; i < g_mime_multipart_get_count(mp); i++) {
			GMimePart *p = find_part(g_mime_multipart_get_part(mp, i), mime_type);
			if (p)
				return p;
		}
		return NULL;
	}
	if (GMIME_IS_PART(object) && type && g_ascii_strcasecmp(type, mime_type) == 0)
		return GMIME_PART(object);
	return NULL;
}

/* part_bytes - a part's decoded content. */
static GBytes *part_bytes(GMimePart *part)
{
	GMimeDataWrapper *content = g_mime_part_get_content(part);
	GMimeStream *out = g_mime_stream_mem_new();
	GByteArray *buf;
	GBytes *bytes;

	if (content == NULL || g_mime_data_wrapper_write_to_stream(content, out) < 0) {
		g_object_unref(out);
		return NULL;
	}
	buf = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out));
	bytes = g_bytes_new(buf->data, buf->len);
	g_object_unref(out);
	return bytes;
}

/* mailer_exchange_part - the document part of an exchange mail. */
GBytes *mailer_exchange_part(GBytes *raw, const char *mime_type)
{
	gsize len = 0;
	const char *data = g_bytes_get_data(raw, &len);
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMessage *msg;
	GMimePart *part;
	GBytes *bytes = NULL;

	exchange_init();
	stream = g_mime_stream_mem_new_with_buffer(data, len);
	parser = g_mime_parser_new_with_stream(stream);
	msg = g_mime_parser_construct_message(parser, NULL);
	part = msg ? find_part(g_mime_message_get_mime_part(msg), mime_type) : NULL;
	if (part)
		bytes = part_bytes(part);
	g_clear_object(&msg);
	g_object_unref(parser);
	g_object_unref(stream);
	return bytes;
}

/* mailer_exchange_request - the exchange as an https request. */
GBytes *mailer_exchange_request(const MailerExchange *x, const char *ca_file, GError **error)
{
	g_autofree char *sig =
	    x->sig_header && x->signature ? g_strdup_printf("%s: %s", x->sig_header, x->signature)
	                                  : NULL;
	g_autofree char *what = g_strdup_printf("%s: %s %s", MAILER_EXCHANGE_HEADER, x->kind, x->id);
	const char *headers[] = {what, sig, NULL};
	LrHttpsPost post = {.ca_file = ca_file, .content_type = x->mime_type, .headers = headers};

	return mailer_https_request(&post, x->xml, error);
}
