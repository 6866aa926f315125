/* redact.h - mask every occurrence of a withheld value in a notification,
 * not only the field that holds it: the Subject, the text and HTML bodies
 * and the table rows attached as text.
 *
 * A withheld value is found
 *   - as a phone number (a value with at least 6 digits that looks like a
 *     phone, or whose field is named like one): any run of digits and
 *     " -./()+" whose digits are the same number, compared without leading
 *     zeros and a "(0)" trunk prefix, one ending the other when the shorter
 *     has at least 7 digits ("+49 30 1234582" = "030/123 45 82");
 *   - as an e-mail address: anywhere, in any case;
 *   - as other text (each line of it on its own): as a whole word, in any
 *     ASCII case; in HTML also in its HTML-escaped form.
 * Matches are replaced by mailer_mask() of what matched. */
#ifndef LR_REDACT_H
#define LR_REDACT_H

#include <glib.h>

#include "lead/lead.h"

typedef struct LrRedact LrRedact;

/* redact_new - the values of lead's fields named in withheld
 * (NULL-terminated; NULL or lead NULL: nothing to mask).  Returns a new
 * redactor (never NULL). */
LrRedact *redact_new(const LrLead *lead, const char *const *withheld);

/* redact_text - text (NULL: NULL) with every withheld value masked; html:
 * text is HTML, so escaped forms are masked too.  Returns a new string. */
char *redact_text(const LrRedact *r, const char *text, gboolean html);

void redact_free(LrRedact *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LrRedact, redact_free)

/* redact_html_escape - text with & < > " ' as HTML entities (' as &#39;,
 * which older mail clients know better than &apos;).  Returns a new string. */
char *redact_html_escape(const char *text);

#endif
