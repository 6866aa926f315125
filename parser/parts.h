/* parts.h - the parts of a message that the parser reads: the text and
 * HTML bodies, ADF/XML candidates, an attached message.  The walk is
 * bounded: PARTS_MAX_DEPTH levels of multipart nesting and PARTS_MAX
 * parts; whatever lies beyond is not looked at. */
#ifndef LR_PARTS_H
#define LR_PARTS_H

#include <glib.h>
#include <gmime/gmime.h>

#define PARTS_MAX_DEPTH 32 /* multipart levels walked */
#define PARTS_MAX 500      /* parts looked at */
#define PARTS_MAX_XML 4    /* ADF/XML candidates kept */

typedef struct {
	GMimePart *plain;       /* first text/plain body (not an attachment) */
	GMimePart *html;        /* first text/html body */
	GPtrArray *xml;         /* GMimePart *: lead.xml, application/xml, text/xml */
	GMimeMessage *attached; /* first message/rfc822 part's message */
	gboolean attachments;   /* anything else: files, images */
	gboolean truncated;     /* a limit stopped the walk */
	guint count;            /* parts looked at */
} PartsFound;

/* parts_collect - walk message; the pointers in out are borrowed from it.
 * Release with parts_clear(). */
void parts_collect(GMimeMessage *message, PartsFound *out);
void parts_clear(PartsFound *found);

#endif
