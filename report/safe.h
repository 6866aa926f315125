/* safe.h - lead text made safe for the admin's terminal.
 *
 * Lead fields come from strangers: an ESC sequence in a name could move
 * the cursor, rewrite the screen or set the window title when `leadroute
 * show` prints it.  Text output shows every control character as an
 * escape instead:
 *   C0 controls and DEL    \x1b, \x07, \x7f (two hex digits)
 *   C1 controls (U+0080..U+009F), bidirectional overrides and isolates
 *   (U+202A..U+202E, U+2066..U+2069), line and paragraph separators
 *                          \u009b, \u202e (four hex digits)
 *   bytes that are not UTF-8  \xff
 *   a backslash            \\ (so that an escape cannot be faked)
 * Tab is kept; newline is kept only where the output is multi-line. */
#ifndef LR_REPORT_SAFE_H
#define LR_REPORT_SAFE_H

#include <glib.h>

/* report_safe - text (NULL: "") with every control character escaped as
 * above; newlines kept when keep_newlines.  Returns a new string. */
char *report_safe(const char *text, gboolean keep_newlines);

/* report_safe_json - JSON text (json-glib escapes C0 controls itself) with
 * DEL, C1 controls and the bidirectional characters above written as
 * \u00XX / \u20XX escapes too: the same JSON, safe on a terminal.
 * Returns a new string. */
char *report_safe_json(const char *json);

#endif
