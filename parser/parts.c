/* parts.c - the parts of a message that the parser reads. */
#include "config.h"

#include <string.h>

#include "parser/parts.h"

/* parts_is_xml - TRUE for a part that may hold ADF/XML. */
static gboolean parts_is_xml(GMimePart *part)
{
	GMimeContentType *type = g_mime_object_get_content_type(GMIME_OBJECT(part));
	const char *name = g_mime_part_get_filename(part);
	const char *sub = g_mime_content_type_get_media_subtype(type);

	if (name != NULL && (g_str_has_suffix(name, ".xml") || g_str_has_suffix(name, ".XML") ||
	                     g_str_has_suffix(name, ".adf")))
		return TRUE;
	return sub != NULL &&
	       (g_ascii_strcasecmp(sub, "xml") == 0 || g_str_has_suffix(sub, "+xml"));
}

/* parts_leaf - sort one leaf part. */
static void parts_leaf(GMimePart *part, PartsFound *out)
{
	GMimeContentType *type = g_mime_object_get_content_type(GMIME_OBJECT(part));
	gboolean attachment = g_mime_part_is_attachment(part);

	if (parts_is_xml(part)) {
		if (out->xml->len < PARTS_MAX_XML)
			g_ptr_array_add(out->xml, part);
	} else if (!attachment && out->plain == NULL &&
	           g_mime_content_type_is_type(type, "text", "plain")) {
		out->plain = part;
	} else if (!attachment && out->html == NULL &&
	           g_mime_content_type_is_type(type, "text", "html")) {
		out->html = part;
	} else if (attachment || !g_mime_content_type_is_type(type, "text", "*")) {
		out->attachments = TRUE;
	}
}

/* parts_walk - depth-first, bounded. */
static void parts_walk(GMimeObject *object, PartsFound *out, guint depth)
{
	if (object == NULL)
		return;
	if (depth > PARTS_MAX_DEPTH || out->count >= PARTS_MAX) {
		out->truncated = TRUE;
		return;
	}
	out->count++;
	if (GMIME_IS_MULTIPART(object)) {
		GMimeMultipart *multi = GMIME_MULTIPART(object);
		int n = g_mime_multipart_get_count(multi);

		for (int i = 0; i < n && out->count < PARTS_MAX; i++)
			parts_walk(g_mime_multipart_get_part(multi, i), out, depth + 1);
		out->truncated = out->truncated || out->count >= PARTS_MAX;
	} else if (GMIME_IS_MESSAGE_PART(object)) {
		GMimeMessage *inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(object));

		if (out->attached == NULL)
			out->attached = inner;
		out->attachments = TRUE;
	} else if (GMIME_IS_PART(object)) {
		parts_leaf(GMIME_PART(object), out);
	}
}

/* parts_collect - the readable parts of message. */
void parts_collect(GMimeMessage *message, PartsFound *out)
{
	memset(out, 0, sizeof(*out));
	out->xml = g_ptr_array_new();
	parts_walk(g_mime_message_get_mime_part(message), out, 0);
}

/* parts_clear - release the list (the parts belong to the message). */
void parts_clear(PartsFound *found)
{
	g_clear_pointer(&found->xml, g_ptr_array_unref);
}
