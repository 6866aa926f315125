/* fields.h - putting values into a lead: bounded, first value wins, and
 * the clean-up every lead gets whatever its format (e-mail validated and
 * its domain derived, country to ISO 3166-1 alpha-2, name from its parts,
 * the source). */
#ifndef LR_FIELDS_H
#define LR_FIELDS_H

#include <glib.h>

#include "lead/lead.h"
#include "parser/labels.h"

#define FIELDS_MAX 200               /* fields in one lead */
#define FIELDS_DERIVED 8             /* of them kept for derived fields */
#define FIELDS_MAX_VALUE (64 * 1024) /* bytes of one value (cut at a character) */

/* fields_add - set field name to value unless the lead already has a
 * non-empty value for it or FIELDS_MAX fields.  value is trimmed, cut to
 * FIELDS_MAX_VALUE, and (unless the field holds free text) its white space
 * runs become single spaces.  Returns TRUE when set. */
gboolean fields_add(LrLead *lead, const char *name, const char *value);

/* fields_add_pairs - add label/value pairs (LrField *, labels as written)
 * under their field names (labels.h, the memo's aliases), up to FIELDS_MAX -
 * FIELDS_DERIVED fields.  Returns the number of
 * pairs whose label is a known alias. */
guint fields_add_pairs(LrLead *lead, LabelsMemo *memo, GPtrArray *pairs);

/* fields_count_known - the number of pairs whose label is a known alias. */
guint fields_count_known(LabelsMemo *memo, GPtrArray *pairs);

/* fields_email_clean - the addr-spec in text ("Ann <ann@X.Example>",
 * "mailto:ann@x.example") with its domain lower-cased, or NULL when text
 * holds no valid address.  Returns a new string. */
char *fields_email_clean(const char *text);

/* fields_finish - the clean-up: email validated (an invalid one is moved to
 * "email_invalid" and noted), email_domain, country as a code (an unknown
 * one is moved to "country_name"), name from first_name + last_name,
 * phone from mobile, lead->source from a utm_campaign / campaign /
 * utm_source / source field, else from the recipient's address extension
 * (lead->recipient, else X-Original-To / Delivered-To / To given in
 * recipients). */
void fields_finish(LrLead *lead, GHashTable *countries, const char *const *recipients);

#endif
