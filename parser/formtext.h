/* formtext.h - label/value pairs in the text of a form notification:
 * "Label: value" lines, a label alone on a line with its value below,
 * "--- Label ---" blocks, and values that run over several lines. */
#ifndef LR_FORMTEXT_H
#define LR_FORMTEXT_H

#include <glib.h>

#include "parser/labels.h"

/* Bounds: lines looked at, and bytes of one line given to a pattern. */
#define FORMTEXT_MAX_LINES 20000
#define FORMTEXT_MAX_LINE 4096

typedef struct {
	GPtrArray *pairs; /* LrField *: label as written, value trimmed */
	guint covered;    /* non-blank lines that belong to a pair */
	guint loose;      /* other non-blank lines before the last pair */
} FormtextResult;

/* formtext_scan - the pairs in text (UTF-8).  memo (labels.h) tells a
 * known label written without a colon ("Email" over "ann@x") from prose.
 * Fills out; release with formtext_result_clear(). */
void formtext_scan(const char *text, LabelsMemo *memo, FormtextResult *out);
void formtext_result_clear(FormtextResult *result);

/* formtext_is_label_line - TRUE when line is a "Label: value" line with a
 * label of at most max_words words. */
gboolean formtext_is_label_line(const char *line, guint max_words);

#endif
