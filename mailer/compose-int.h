/* compose-int.h - private to mailer/compose*.c: the rendering context and
 * the value helpers compose.c takes from compose-values.c. */
#ifndef LR_COMPOSE_INT_H
#define LR_COMPOSE_INT_H

#include <glib.h>

#include "mailer/compose.h"

/* What the placeholders of one rendering see. */
typedef struct {
	const LrMailerConfig *config;
	const LrLead *lead; /* NULL for mail about no lead */
	const LrNotice *notice;
	gboolean html; /* escape values for HTML */
} ComposeCtx;

/* compose_gmime_init - initialise GMime once per process. */
void compose_gmime_init(void);

/* compose_clean_text - value without control characters other than
 * newline and tab; CR LF and lone CR become newlines.  New string. */
char *compose_clean_text(const char *value);

/* compose_clean_header - one line for a header: every control character
 * becomes a space, runs of spaces one, at most max characters.  New string. */
char *compose_clean_header(const char *value, glong max);

/* compose_lookup - TemplateLookup: a placeholder's value, escaped for the
 * output of data (a ComposeCtx); NULL for an unknown name. */
char *compose_lookup(const char *name, gpointer data);

#endif
