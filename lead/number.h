/* number.h - the one reader of written numbers, shared by the parser (what
 * a field's value is worth) and the condition language (comparisons), so
 * that a rule and `leadroute parse` never disagree about a value. */
#ifndef LR_NUMBER_H
#define LR_NUMBER_H

#include <glib.h>

/* lead_number_read - text as a number when the whole of it is one:
 * an optional sign, digits with thousands separators ("240,000",
 * "1.000.000", "85 000", "1'000") and an optional decimal point or comma
 * ("3.5", "2,5", "1.234,5", "€ 12.000,50"), an optional scale ("12k",
 * "3.5m", "2 Mio", "1 bn", "1.2 million") and currency signs or codes
 * before or after ("€", "$", "EUR", "USD" ...).  A lone "." or "," followed
 * by exactly three digits is a thousands separator ("1.000" and "1,000"
 * are 1000; "0.125" is a fraction).  Any other text, a unit included
 * ("40 m²", "12 pumps", "10-20"), makes it no number: returns FALSE and
 * leaves out untouched. */
gboolean lead_number_read(const char *text, double *out);

#endif
