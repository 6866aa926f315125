/* utm.h - campaign tags from a landing-page URL in a form.
 *
 * Web forms often pass the page the visitor came from ("Page URL:
 * https://example.com/offer?utm_source=google&utm_campaign=spring").  The
 * utm_source, utm_medium and utm_campaign parameters of such a URL in any
 * field become fields of their own unless the form gave them already. */
#ifndef LR_PARSER_UTM_H
#define LR_PARSER_UTM_H

#include "lead/lead.h"

/* utm_extract - add utm_source, utm_medium and utm_campaign from the first
 * field value holding a URL with them (percent-decoded, '+' as space). */
void utm_extract(LrLead *lead);

/* utm_query_value - the decoded value of parameter name in the query of the
 * URL somewhere in text, or NULL.  Returns a new string. */
char *utm_query_value(const char *text, const char *name);

#endif
