/* template.h - the notification template language (internal to mailer/).
 *
 * A template is UTF-8 text with placeholders:
 *   {{name}}                 the value of name
 *   {{#name}} ... {{/name}}  the inside only when name's value is not empty
 *   {{^name}} ... {{/name}}  the inside only when name's value is empty
 * Names are letters, digits and "_.-".  A value is inserted as it is and
 * never read as template text again.  What names exist and how values are
 * escaped is the caller's business (TemplateLookup); an unknown name, an
 * unclosed tag or section is an error "file:line: text". */
#ifndef LR_TEMPLATE_H
#define LR_TEMPLATE_H

#include <glib.h>

/* Templates larger than this are refused. */
#define TEMPLATE_MAX_SIZE (256 * 1024)

typedef struct {
	char *path; /* the file it came from, for messages */
	char *text; /* the whole file, NUL-terminated */
	gsize len;
} LrTemplate;

/* TemplateLookup - the value of name, ready to insert (escaped as the
 * caller's output needs), as a new string; NULL when name is unknown. */
typedef char *(*TemplateLookup)(const char *name, gpointer data);

/* template_load - read the template at path.  Returns a new template, or
 * NULL with LR_ERROR_PERM (missing, too big, not UTF-8, NUL bytes). */
LrTemplate *template_load(const char *path, GError **error);
void template_free(LrTemplate *tpl);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LrTemplate, template_free)

/* template_render - render the bytes [from, to) of tpl into out.  FALSE with
 * LR_ERROR_PERM "path:line: text" when the template is broken there. */
gboolean template_render(const LrTemplate *tpl, gsize from, gsize to, TemplateLookup lookup,
                         gpointer data, GString *out, GError **error);

#endif
