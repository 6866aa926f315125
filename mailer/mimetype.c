/* mimetype.c - the built-in table of attachment types, GLib's guess after. */
#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "mailer/mimetype.h"

/* One extension (lower case, without the dot) and its type. */
typedef struct {
	const char *ext;
	const char *type;
} MimetypeEntry;

/* The documents sales teams attach: offers, price lists, brochures,
 * data sheets, order forms (IANA-registered types). */
static const MimetypeEntry mimetype_table[] = {
    {"pdf", "application/pdf"},
    {"doc", "application/msword"},
    {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
    {"xls", "application/vnd.ms-excel"},
    {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    {"ppt", "application/vnd.ms-powerpoint"},
    {"pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
    {"odt", "application/vnd.oasis.opendocument.text"},
    {"ods", "application/vnd.oasis.opendocument.spreadsheet"},
    {"odp", "application/vnd.oasis.opendocument.presentation"},
    {"rtf", "application/rtf"},
    {"csv", "text/csv"},
    {"txt", "text/plain"},
    {"htm", "text/html"},
    {"html", "text/html"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"svg", "image/svg+xml"},
    {"zip", "application/zip"},
};

/* mimetype_from_table - look the extension up in the built-in table. */
const char *mimetype_from_table(const char *name)
{
	const char *base, *dot;

	if (name == NULL)
		return NULL;
	base = strrchr(name, '/');
	base = base ? base + 1 : name;
	dot = strrchr(base, '.');
	if (dot == NULL || dot == base || dot[1] == '\0')
		return NULL;
	for (gsize i = 0; i < G_N_ELEMENTS(mimetype_table); i++)
		if (g_ascii_strcasecmp(dot + 1, mimetype_table[i].ext) == 0)
			return mimetype_table[i].type;
	return NULL;
}

/* mimetype_from_glib - GLib's guess as a MIME type, or NULL when it does
 * not know better than application/octet-stream. */
static char *mimetype_from_glib(const char *name, const guchar *data, gsize len)
{
	g_autofree char *ctype = g_content_type_guess(name, data, len, NULL);
	g_autofree char *mime = ctype ? g_content_type_get_mime_type(ctype) : NULL;

	if (mime == NULL || strchr(mime, '/') == NULL ||
	    strcmp(mime, "application/octet-stream") == 0)
		return NULL;
	return g_steal_pointer(&mime);
}

/* mimetype_guess - the table, GLib, or application/octet-stream. */
char *mimetype_guess(const char *name, const guchar *data, gsize len, gboolean *fallback)
{
	const char *known = mimetype_from_table(name);
	char *guessed;

	if (fallback != NULL)
		*fallback = FALSE;
	if (known != NULL)
		return g_strdup(known);
	guessed = mimetype_from_glib(name, data, len);
	if (guessed != NULL)
		return guessed;
	if (fallback != NULL)
		*fallback = TRUE;
	return g_strdup("application/octet-stream");
}
