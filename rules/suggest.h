/* suggest.h - the likeliest intended word for a misspelt one. */
#ifndef LR_SUGGEST_H
#define LR_SUGGEST_H

#include <glib.h>

/* suggest_word - the word of known[] (NULL-terminated) that word most
 * likely meant (a small edit distance, case-insensitive), borrowed from
 * known, or NULL when none is close. */
const char *suggest_word(const char *word, const char *const *known);

#endif
