/* country.h - ISO 3166-1 alpha-2 codes from the names people write.
 *
 * The names come from parser/countries.tsv (code TAB name, one name a line),
 * compiled into the library with glib-compile-resources, so the table works
 * wherever the program runs: installed, in the build tree, in distcheck. */
#ifndef LR_COUNTRY_H
#define LR_COUNTRY_H

#include <glib.h>

/* country_table_load - the folded name -> code table (codes, alpha-3 codes,
 * English, official and local names).  Returns a new table, or NULL with
 * LR_ERROR_PERM when the embedded data is missing or malformed. */
GHashTable *country_table_load(GError **error);

/* country_lookup - the alpha-2 code for text ("de", "Deutschland",
 * "Österreich", "U.K."), or NULL.  Borrowed from table. */
const char *country_lookup(GHashTable *table, const char *text);

#endif
