/* mimetext.c - the bytes and the UTF-8 text of one MIME leaf part. */
#include "config.h"

#include <string.h>

#include "parser/charset.h"
#include "parser/mimetext.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(GMimeStream, g_object_unref)

/* mimetext_part_bytes - decoded content of a leaf part, at most max bytes. */
GBytes *mimetext_part_bytes(GMimePart *part, gsize max)
{
	GMimeDataWrapper *content = g_mime_part_get_content(part);
	g_autoptr(GMimeStream) mem = NULL;
	GByteArray *array;

	if (content == NULL)
		return g_bytes_new(NULL, 0);
	mem = g_mime_stream_mem_new();
	g_mime_data_wrapper_write_to_stream(content, mem);
	array = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE); /* the array is ours */
	if (array->len > max)
		g_byte_array_set_size(array, max);
	return g_byte_array_free_to_bytes(array);
}

/* mimetext_has_8bit - TRUE when data has a byte above 0x7F. */
static gboolean mimetext_has_8bit(const char *data, gsize len)
{
	for (gsize i = 0; i < len; i++)
		if ((guchar)data[i] & 0x80)
			return TRUE;
	return FALSE;
}

/* mimetext_is_latin - charsets that mean "8-bit text of some western kind"
 * for which undeclared-text rules apply. */
static gboolean mimetext_is_latin(const char *charset, gboolean *ascii)
{
	const char *name = charset != NULL ? g_mime_charset_canon_name(charset) : NULL;

	*ascii = name == NULL || *name == '\0' || g_ascii_strcasecmp(name, "us-ascii") == 0 ||
	         g_ascii_strcasecmp(name, "ascii") == 0;
	return *ascii || g_ascii_strcasecmp(name, "iso-8859-1") == 0 ||
	       g_ascii_strcasecmp(name, "latin1") == 0 ||
	       g_ascii_strcasecmp(name, "windows-1252") == 0 ||
	       g_ascii_strcasecmp(name, "cp1252") == 0;
}

/* mimetext_decode - the charset decision, before line-end clean-up. */
static GString *mimetext_decode(const char *data, gsize len, const char *charset)
{
	gboolean ascii = FALSE;

	if (!mimetext_has_8bit(data, len)) {
		if (charset_is_7bit_stateful(charset))
			return charset_decode(data, len, charset, NULL);
		return g_string_new_len(data, len);
	}
	if (mimetext_is_latin(charset, &ascii)) {
		if (ascii && g_utf8_validate(data, len, NULL))
			return g_string_new_len(data, len);
		return charset_convert(data, len, "windows-1252", NULL);
	}
	if (g_ascii_strcasecmp(g_mime_charset_canon_name(charset), "utf-8") == 0 ||
	    g_ascii_strcasecmp(charset, "utf8") == 0) {
		if (g_utf8_validate(data, len, NULL))
			return g_string_new_len(data, len);
		return charset_convert(data, len, "windows-1252", NULL); /* mislabelled */
	}
	return charset_decode(data, len, charset, NULL);
}

/* mimetext_to_utf8 - decode, drop NULs, make line ends LF. */
char *mimetext_to_utf8(const char *data, gsize len, const char *charset)
{
	g_autoptr(GString) decoded = mimetext_decode(data, len, charset);
	GString *out;

	if (memchr(decoded->str, '\r', decoded->len) == NULL &&
	    memchr(decoded->str, '\0', decoded->len) == NULL) {
		if (g_utf8_validate(decoded->str, decoded->len, NULL))
			return g_string_free(g_steal_pointer(&decoded), FALSE);
		return g_utf8_make_valid(decoded->str, decoded->len);
	}
	out = g_string_sized_new(decoded->len);

	for (gsize i = 0; i < decoded->len; i++) {
		char c = decoded->str[i];

		if (c == '\0')
			continue;
		if (c == '\r') {
			if (i + 1 < decoded->len && decoded->str[i + 1] == '\n')
				continue;
			c = '\n';
		}
		g_string_append_c(out, c);
	}
	if (!g_utf8_validate(out->str, out->len, NULL)) {
		char *valid = g_utf8_make_valid(out->str, out->len);

		g_string_free(out, TRUE);
		return valid;
	}
	return g_string_free(out, FALSE);
}

/* mimetext_bytes_text - decoded content of part as UTF-8 text. */
char *mimetext_bytes_text(GMimePart *part, GBytes *bytes)
{
	GMimeObject *object = GMIME_OBJECT(part);
	const char *charset = g_mime_object_get_content_type_parameter(object, "charset");
	const char *format = g_mime_object_get_content_type_parameter(object, "format");
	const char *delsp = g_mime_object_get_content_type_parameter(object, "delsp");
	gsize len = 0;
	const char *data = g_bytes_get_data(bytes, &len);
	char *text = mimetext_to_utf8(data != NULL ? data : "", len, charset);
	char *joined;

	if (format == NULL || g_ascii_strcasecmp(format, "flowed") != 0)
		return text;
	joined = mimetext_unflow(text, delsp != NULL && g_ascii_strcasecmp(delsp, "yes") == 0);
	g_free(text);
	return joined;
}

/* mimetext_part_text - a text part as UTF-8, flowed text joined. */
char *mimetext_part_text(GMimePart *part, gsize max)
{
	g_autoptr(GBytes) bytes = mimetext_part_bytes(part, max);

	return mimetext_bytes_text(part, bytes);
}

/* mimetext_quote_depth - number of leading '>' of a flowed line. */
static gsize mimetext_quote_depth(const char *line)
{
	gsize depth = 0;

	while (line[depth] == '>')
		depth++;
	return depth;
}

/* mimetext_unflow - RFC 3676 joining. */
char *mimetext_unflow(const char *text, gboolean delsp)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	GString *out = g_string_sized_new(strlen(text));
	gboolean open = FALSE; /* the last line was a soft break */
	gsize open_depth = 0;

	for (char **l = lines; *l != NULL; l++) {
		gsize depth = mimetext_quote_depth(*l);
		const char *body = *l + depth;
		gsize len;
		gboolean soft;

		if (*body == ' ')
			body++; /* space stuffing */
		len = strlen(body);
		soft = len > 0 && body[len - 1] == ' ' && strcmp(body, "-- ") != 0;
		if (soft && delsp)
			len--;
		if (!(open && depth == open_depth)) {
			if (l != lines)
				g_string_append_c(out, '\n');
			for (gsize i = 0; i < depth; i++)
				g_string_append_c(out, '>');
			if (depth > 0)
				g_string_append_c(out, ' ');
		}
		g_string_append_len(out, body, len);
		open = soft;
		open_depth = depth;
	}
	return g_string_free(out, FALSE);
}

/* mimetext_charset_note - see mimetext.h. */
char *mimetext_charset_note(GMimePart *part, GBytes *bytes)
{
	const char *charset =
	    g_mime_object_get_content_type_parameter(GMIME_OBJECT(part), "charset");
	gboolean ascii = FALSE;
	gsize len = 0;
	const char *data = g_bytes_get_data(bytes, &len);
	char *note = NULL;

	if (charset == NULL || data == NULL || mimetext_is_latin(charset, &ascii) ||
	    g_ascii_strcasecmp(g_mime_charset_canon_name(charset), "utf-8") == 0 ||
	    g_ascii_strcasecmp(charset, "utf8") == 0)
		return NULL;
	if (!mimetext_has_8bit(data, len) && !charset_is_7bit_stateful(charset))
		return NULL;
	g_string_free(charset_decode(data, len, charset, &note), TRUE);
	return note;
}
