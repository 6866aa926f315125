/* parser.h - the inquiry parser: a raw mail in, lead fields out. */
#ifndef LR_PARSER_H
#define LR_PARSER_H

#include <glib.h>

#include "lead/lead.h"

typedef struct LrParser LrParser;

/* parser_new - aliases: extra "label" -> "field" entries (may be NULL). */
LrParser *parser_new(GHashTable *aliases, GError **error);
void parser_free(LrParser *parser);

#endif
