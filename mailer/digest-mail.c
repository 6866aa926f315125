/* mailer/digest-mail.c - the manager's report mail, composed with GMime
 * for report/ (which knows no GMime). */
#include "config.h"

#include <string.h>

#include <gmime/gmime.h>

#include "mailer/digest-mail.h"

/* text_part - a text part of the given subtype. */
static GMimeObject *text_part(const char *subtype, const char *text, gboolean attachment)
{
	GMimeTextPart *p = g_mime_text_part_new_with_subtype(subtype);

	g_mime_text_part_set_text(p, text);
	g_mime_part_set_content_encoding(GMIME_PART(p),
	                                 attachment ? GMIME_CONTENT_ENCODING_BASE64
	                                            : GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
	if (attachment)
		g_mime_part_set_filename(GMIME_PART(p), "lead-report.html");
	else
		g_mime_object_set_disposition(GMIME_OBJECT(p), "inline");
	return GMIME_OBJECT(p);
}

/* mailer_digest_compose - the digest mail: text and page as alternatives,
 * the page again as an attachment. */
GBytes *mailer_digest_compose(const MailerDigest *d)
{
	GMimeMessage *m;
	GMimeMultipart *mixed, *alt;
	GMimeObject *parts[3];
	InternetAddressList *from;
	g_autoptr(GDateTime) date = g_date_time_new_from_unix_utc(d->now / G_USEC_PER_SEC);
	g_autofree char *id = NULL;
	char *bytes;

	g_mime_init();
	m = g_mime_message_new(TRUE);
	mixed = g_mime_multipart_new_with_subtype("mixed");
	alt = g_mime_multipart_new_with_subtype("alternative");
	id = g_mime_utils_generate_message_id(d->domain ? d->domain : "leadroute.invalid");
	g_mime_message_add_mailbox(m, GMIME_ADDRESS_TYPE_TO, d->to_name ? d->to_name : "",
	                           d->to_email);
	if ((from = internet_address_list_parse(NULL, d->from)) != NULL) {
		internet_address_list_append(g_mime_message_get_from(m), from);
		g_object_unref(from);
	}
	g_mime_message_set_subject(m, d->subject, "utf-8");
	g_mime_message_set_date(m, date);
	g_mime_message_set_message_id(m, id);
	g_mime_object_set_header(GMIME_OBJECT(m), "Auto-Submitted", "auto-generated", NULL);
	g_mime_object_set_header(GMIME_OBJECT(m), "X-Leadroute-Kind", "digest", NULL);
	parts[0] = text_part("plain", d->summary, FALSE);
	parts[1] = text_part("html", d->html, FALSE);
	parts[2] = text_part("html", d->html, TRUE);
	g_mime_multipart_add(alt, parts[0]);
	g_mime_multipart_add(alt, parts[1]);
	g_mime_multipart_add(mixed, GMIME_OBJECT(alt));
	g_mime_multipart_add(mixed, parts[2]);
	g_mime_message_set_mime_part(m, GMIME_OBJECT(mixed));
	bytes = g_mime_object_to_string(GMIME_OBJECT(m), NULL);
	for (guint i = 0; i < G_N_ELEMENTS(parts); i++)
		g_object_unref(parts[i]);
	g_object_unref(alt);
	g_object_unref(mixed);
	g_object_unref(m);
	return g_bytes_new_take(bytes, strlen(bytes));
}

/* mailer_address_bare - the bare address of from. */
char *mailer_address_bare(const char *from)
{
	InternetAddressList *list = internet_address_list_parse(NULL, from ? from : "");
	InternetAddress *a = list && internet_address_list_length(list) > 0
	                         ? internet_address_list_get_address(list, 0)
	                         : NULL;
	char *addr = g_strdup(a && INTERNET_ADDRESS_IS_MAILBOX(a)
	                          ? internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a))
	                          : "");

	if (list)
		g_object_unref(list);
	return addr;
}
