/* mimetype.h - the MIME type of a document the mailer attaches.
 *
 * The sales-document types leadroute attaches (PDF, Word, Excel,
 * PowerPoint, OpenDocument, CSV, text, HTML, images, ZIP) come from a
 * built-in table of file name extensions, so a minimal system without
 * shared-mime-info's database types them right.  Other files are typed by
 * GLib's g_content_type_guess (which needs that database); what neither
 * knows is application/octet-stream, and the caller is told so it can log
 * it. */
#ifndef LR_MAILER_MIMETYPE_H
#define LR_MAILER_MIMETYPE_H

#include <glib.h>

/* mimetype_from_table - the MIME type the built-in table gives the file
 * name's extension (case-insensitive; "report.PDF" is application/pdf),
 * or NULL when the table has no entry (or name has no extension).
 * Returns a static string. */
const char *mimetype_from_table(const char *name);

/* mimetype_guess - the MIME type to attach the file called name (a path
 * or a base name) with content data (len bytes, may be NULL/0): the
 * built-in table first, then GLib's guess from the name and content, else
 * "application/octet-stream".  *fallback (may be NULL) is TRUE when the
 * result is application/octet-stream because nothing knew the file.
 * Returns a new string "type/subtype". */
char *mimetype_guess(const char *name, const guchar *data, gsize len, gboolean *fallback);

#endif
