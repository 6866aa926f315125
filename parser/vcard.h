/* vcard.h - vCard attachments (text/vcard, text/x-vcard, text/directory,
 * *.vcf; vCard 2.1, 3.0 and 4.0) as a source of the sender's name,
 * company, phone, title and e-mail. */
#ifndef LR_VCARD_H
#define LR_VCARD_H

#include <glib.h>
#include <gmime/gmime.h>

#include "lead/lead.h"

#define VCARD_MAX (256 * 1024) /* bytes of one vCard read */

/* vcard_add - the first vCard attached to message (not looking inside
 * attached messages) into lead: FN (else N) as name, N as first_name and
 * last_name, ORG's first unit as company, TITLE, the first TEL that is no
 * fax as phone, EMAIL as email; each only where the lead has no value
 * yet (fields.h).  Folded lines, escapes, and 2.1's QUOTED-PRINTABLE and
 * CHARSET parameters are read.  Returns TRUE when a vCard gave a field. */
gboolean vcard_add(GMimeMessage *message, LrLead *lead);

/* vcard_parse_into - the vCard text (UTF-8) into lead as vcard_add does.
 * Returns the number of fields set. */
guint vcard_parse_into(const char *text, LrLead *lead);

#endif
