/* html.h - HTML mail bodies: their visible text, and the label/value pairs
 * of HTML form notifications.  libxml2's HTML parser inside; callers see
 * only UTF-8 strings and LrField pairs.
 *
 * Both functions take UTF-8 (the caller has decoded the MIME part), never
 * fail and never touch the network.  Hostile input is bounded:
 * - at most HTML_INPUT_MAX bytes are read (the rest is ignored);
 * - the HTML is parsed as a stream (SAX): no document tree is built, so
 *   memory follows the nesting depth and the caps below, not the input;
 *   the parse stops at 256 levels of nesting, and nothing here recurses;
 * - html_to_text returns at most about HTML_TEXT_MAX bytes;
 * - html_form_pairs returns at most HTML_PAIRS_MAX pairs and reads at most
 *   HTML_TEXT_MAX bytes of visible text;
 * - both stop parsing as soon as their cap is reached (a 50,000-row table
 *   takes about 0.1 s). */
#ifndef LR_PARSER_HTML_H
#define LR_PARSER_HTML_H

#include <glib.h>

#define HTML_INPUT_MAX (4 * 1024 * 1024) /* bytes of HTML read */
#define HTML_TEXT_MAX (1024 * 1024)      /* bytes of text produced */
#define HTML_PAIRS_MAX 1000              /* pairs returned by html_form_pairs */

/* html_to_text - the visible text of an HTML document or fragment, as a
 * browser shows it: block elements (p, div, br, tr, li, h1-h6, blockquote,
 * pre...) become line breaks (paragraphs and headings are followed by a
 * blank line), table cells in a row are separated by a tab, list items
 * start with "- ", links are reduced to their text, entities are decoded,
 * script, style, head and display:none elements are dropped, and white
 * space collapses as in a browser (except inside pre; a no-break space
 * becomes an ordinary space that does not collapse).  Lines inside a
 * blockquote start with "> " (once per level) so that a reply parser sees
 * them as quoted.  Trailing blanks are removed from every line.
 * Returns a new valid UTF-8 string (never NULL; "" for NULL or empty input). */
char *html_to_text(const char *html, gsize len);

/* html_form_pairs - the label/value pairs of an HTML form notification, in
 * document order:
 * - table rows with two cells (th/td or td/td), nested layout tables
 *   included; a row of column headers (all th) over a row of values;
 * - a label row (th, bold or "Label:") followed by a value row, as Gravity
 *   Forms and HubSpot lay them out;
 * - bold/strong labels followed by their value ("<b>Name:</b> Ann"),
 *   "<p><b>Label</b><br>value</p>", "<p><b>Label</b></p><p>value</p>";
 * - definition lists (dt/dd);
 * - br- or block-separated "Label: value" lines (Contact Form 7); a line
 *   "Label:" alone takes the lines after it as its value.
 * Labels are as written, trimmed, with a trailing colon removed; values are
 * the visible text, multi-line values keep their line breaks ("\n").  Pairs
 * with an empty label or value are left out.
 * Returns a new GPtrArray of LrField * (lead/lead.h) that frees its
 * elements; empty when the document holds no pairs. */
GPtrArray *html_form_pairs(const char *html, gsize len);

#endif
