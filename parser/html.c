/* html.c - visible text and form pairs of HTML mail bodies (libxml2).
 *
 * Both entry points run libxml2's HTML parser (recovering, silent, no
 * network) in SAX mode: no tree is built, html_sax() tracks the open
 * elements, drops hidden ones (script, style, head, display:none) and
 * calls a handler per element start, end and piece of text, stopping the
 * parse once the handler's caps are reached.  html_to_text renders lines
 * the way a browser lays them out; html_form_pairs collects "lines of
 * runs" (text with a bold flag) per flow (the body, a table cell, a dt, a
 * dd) and reads label/value pairs from table rows, definition lists and
 * lines. */
#include "config.h"

#include <string.h>

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "lead/lead.h"
#include "parser/html.h"
#include "parser/html-int.h"

/* ---- classifying elements ---- */

/* A set of element names: the list, and its hash set built on first use
 * (never freed: static data). */
typedef struct {
	const char *const *names; /* NULL-terminated */
	GHashTable *set;
	gsize once;
} HtmlNames;

/* html_in - TRUE when name is one of names. */
static gboolean html_in(const char *name, HtmlNames *names)
{
	if (g_once_init_enter(&names->once)) {
		GHashTable *set = g_hash_table_new(g_str_hash, g_str_equal);

		for (const char *const *n = names->names; *n != NULL; n++)
			g_hash_table_add(set, (gpointer)*n);
		names->set = set;
		g_once_init_leave(&names->once, 1);
	}
	return g_hash_table_contains(names->set, name);
}

/* html_is - TRUE when el is called name. */
gboolean html_is(const HtmlElem *el, const char *name)
{
	return strcmp(el->name, name) == 0;
}

/* html_is_heading - TRUE for h1 to h6. */
static gboolean html_is_heading(const char *name)
{
	return name[0] == 'h' && name[1] >= '1' && name[1] <= '6' && name[2] == '\0';
}

/* html_attr - the value of attribute name in a SAX attribute list, or
 * NULL; *found tells whether the attribute is there at all. */
static const char *html_attr(const xmlChar **attrs, const char *name, gboolean *found)
{
	*found = FALSE;
	for (gsize i = 0; attrs != NULL && attrs[i] != NULL; i += 2) {
		if (g_ascii_strcasecmp((const char *)attrs[i], name) == 0) {
			*found = TRUE;
			return (const char *)attrs[i + 1];
		}
	}
	return NULL;
}

/* html_style_compact - the style attribute without blanks and in lower
 * case, or NULL when there is none.  Returns a new string. */
static char *html_style_compact(const xmlChar **attrs)
{
	gboolean found;
	const char *style = html_attr(attrs, "style", &found);
	char *compact;
	char *to;

	if (style == NULL)
		return NULL;
	compact = g_ascii_strdown(style, -1);
	to = compact;
	for (const char *from = compact; *from != '\0'; from++)
		if (!g_ascii_isspace(*from))
			*to++ = *from;
	*to = '\0';
	return compact;
}

/* html_style_has - TRUE when style (html_style_compact, may be NULL)
 * contains want ("display:none"). */
static gboolean html_style_has(const char *style, const char *want)
{
	return style != NULL && strstr(style, want) != NULL;
}

/* html_hidden - TRUE for elements whose content a mail reader never shows
 * (style: html_style_compact of attrs). */
static gboolean html_hidden(const char *name, const xmlChar **attrs, const char *style)
{
	static const char *const list[] = {"head",    "script",   "style",  "title",  "template",
	                                   "noembed", "noframes", "object", "select", NULL};
	static HtmlNames names = {.names = list};
	gboolean found;

	if (html_in(name, &names))
		return TRUE;
	html_attr(attrs, "hidden", &found);
	return found || html_style_has(style, "display:none");
}

/* html_block - 2 for elements set off by a blank line (paragraphs), 1 for
 * other block elements, 0 for inline ones. */
static int html_block(const char *name, const char *parent)
{
	static const char *const para_list[] = {"p",      "blockquote", "pre", "dl", "hr",
	                                        "figure", "listing",    "xmp", NULL};
	static const char *const line_list[] = {
	    "div",     "tr",       "li",       "dt",     "dd",       "table",      "caption",
	    "center",  "form",     "fieldset", "legend", "section",  "article",    "aside",
	    "header",  "footer",   "nav",      "main",   "address",  "figcaption", "details",
	    "summary", "thead",    "tbody",    "tfoot",  "body",     "html",       "menu",
	    "dir",     "frameset", "noscript", "option", "textarea", NULL};
	static HtmlNames paras = {.names = para_list};
	static HtmlNames lines = {.names = line_list};

	if (html_is_heading(name) || html_in(name, &paras))
		return 2;
	if (strcmp(name, "ul") == 0 || strcmp(name, "ol") == 0)
		return strcmp(parent, "li") == 0 ? 1 : 2;
	return html_in(name, &lines) ? 1 : 0;
}

/* html_bold - TRUE for elements that make their text bold (headings are
 * titles, not labels, and do not count; style: html_style_compact). */
static gboolean html_bold(const char *name, const char *style)
{
	static const char *const list[] = {"b", "strong", "th", NULL};
	static HtmlNames names = {.names = list};
	static const char *const weights[] = {"font-weight:bold",
	                                      "font-weight:bolder",
	                                      "font-weight:600",
	                                      "font-weight:700",
	                                      "font-weight:800",
	                                      "font-weight:900",
	                                      NULL};

	if (html_in(name, &names))
		return TRUE;
	for (const char *const *w = weights; *w != NULL; w++)
		if (html_style_has(style, *w))
			return TRUE;
	return FALSE;
}

/* ---- the SAX layer ---- */

/* sax_elem_free - destroy one tracked element. */
static void sax_elem_free(gpointer p)
{
	HtmlElem *el = p;

	g_free(el->name);
	g_free(el);
}

/* sax_check - stop the parse when the handler has all it may take. */
static void sax_check(HtmlSax *sax)
{
	if (sax->handler->full(sax->data))
		xmlStopParser(sax->ctxt);
}

/* sax_start - libxml2 opens an element. */
static void sax_start(void *ctx, const xmlChar *name, const xmlChar **attrs)
{
	HtmlSax *sax = ((xmlParserCtxtPtr)ctx)->_private;
	HtmlElem *el;
	const HtmlElem *parent = NULL;
	g_autofree char *style = NULL;

	if (sax->stack->len >= HTML_DEPTH_MAX) {
		/* As libxml2's tree builder does: hostile nesting ends the parse. */
		xmlStopParser(sax->ctxt);
		return;
	}
	if (sax->stack->len > 0)
		parent = g_ptr_array_index(sax->stack, sax->stack->len - 1);
	el = g_new0(HtmlElem, 1);
	el->name = g_ascii_strdown((const char *)name, -1);
	el->depth = sax->stack->len + 1;
	el->block = html_block(el->name, parent != NULL ? parent->name : "");
	style = html_style_compact(attrs);
	el->bold = html_bold(el->name, style);
	g_ptr_array_add(sax->stack, el);
	if (sax->hidden > 0)
		return;
	if (html_hidden(el->name, attrs, style)) {
		sax->hidden = el->depth;
		return;
	}
	sax->handler->start(el, sax->data);
	sax_check(sax);
}

/* sax_end - libxml2 closes an element (it balances every start). */
static void sax_end(void *ctx, const xmlChar *name)
{
	HtmlSax *sax = ((xmlParserCtxtPtr)ctx)->_private;
	HtmlElem *el;

	if (sax->stack->len == 0)
		return;
	el = g_ptr_array_index(sax->stack, sax->stack->len - 1);
	if (sax->hidden == 0)
		sax->handler->end(el, sax->data);
	else if (sax->hidden == el->depth)
		sax->hidden = 0;
	g_ptr_array_remove_index(sax->stack, sax->stack->len - 1);
	sax_check(sax);
}

/* sax_text - libxml2 reports text (in pieces of at most a few KB). */
static void sax_text(void *ctx, const xmlChar *text, int len)
{
	HtmlSax *sax = ((xmlParserCtxtPtr)ctx)->_private;

	if (sax->hidden > 0 || len <= 0)
		return;
	sax->handler->text((const char *)text, (gsize)len, sax->data);
	sax_check(sax);
}

/* html_sax - parse len bytes of UTF-8 HTML (recovering from errors,
 * silently, without network) and report it to handler without building a
 * tree: memory stays proportional to the nesting depth, and the parse
 * stops as soon as handler->full() says so. */
void html_sax(const char *html, gsize len, const HtmlHandler *handler, gpointer data)
{
	static gsize initialised;
	HtmlSax sax = {.handler = handler, .data = data};
	htmlDocPtr doc;

	if (g_once_init_enter(&initialised)) {
		xmlInitParser();
		g_once_init_leave(&initialised, 1);
	}
	if (html == NULL || len == 0 || (sax.ctxt = htmlNewParserCtxt()) == NULL)
		return;
	memset(sax.ctxt->sax, 0, sizeof(*sax.ctxt->sax));
	sax.ctxt->sax->startElement = sax_start;
	sax.ctxt->sax->endElement = sax_end;
	sax.ctxt->sax->characters = sax_text;
	sax.ctxt->sax->cdataBlock = sax_text;
	sax.ctxt->_private = &sax;
	sax.stack = g_ptr_array_new_with_free_func(sax_elem_free);
	doc = htmlCtxtReadMemory(sax.ctxt, html, (int)MIN(len, HTML_INPUT_MAX), NULL, "UTF-8",
	                         HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
	                             HTML_PARSE_RECOVER);
	if (doc != NULL)
		xmlFreeDoc(doc);
	htmlFreeParserCtxt(sax.ctxt);
	g_ptr_array_unref(sax.stack);
}

/* html_nbsp_at - TRUE when p starts a UTF-8 no-break space (U+00A0). */
gboolean html_nbsp_at(const char *p, const char *end)
{
	return end - p >= 2 && (guchar)p[0] == 0xc2 && (guchar)p[1] == 0xa0;
}

/* html_rtrim_lines - remove blanks at the end of every line and blank
 * lines at the end of the text. */
static void html_rtrim_lines(GString *text)
{
	gsize to = 0;
	gsize line_end = 0; /* length up to the last non-blank of this line */

	for (gsize from = 0; from < text->len; from++) {
		char c = text->str[from];

		if (c == '\n') {
			to = line_end;
			text->str[to++] = '\n';
			line_end = to;
			continue;
		}
		text->str[to++] = c;
		if (c != ' ' && c != '\t')
			line_end = to;
	}
	g_string_truncate(text, line_end);
	while (text->len > 0 && text->str[text->len - 1] == '\n')
		g_string_truncate(text, text->len - 1);
}

/* ---- html_to_text ---- */

typedef struct {
	GString *out;
	int breaks;          /* newlines owed before the next visible text */
	char sep;            /* ' ' or '\t' owed before the next text on this line */
	gboolean bol;        /* nothing written on the current line yet */
	int quote;           /* blockquote depth */
	int line_quote;      /* quote depth of the last line written */
	int pre;             /* pre depth: white space kept */
	int cells;           /* cells started in the current table row */
	gboolean bullet;     /* a list item's "- " is owed before its text */
	gboolean cell_fresh; /* a cell started and has no text yet */
} HtmlText;

/* text_prefix - the quote marks for depth levels. */
static void text_prefix(HtmlText *s, int depth)
{
	for (int i = 0; i < depth; i++)
		g_string_append(s->out, "> ");
}

/* text_begin - settle owed newlines, quote marks and separators before
 * visible text is written. */
static void text_begin(HtmlText *s)
{
	if (s->out->len > 0 && s->breaks > 0) {
		g_string_append_c(s->out, '\n');
		for (int i = 1; i < s->breaks; i++) {
			text_prefix(s, MIN(s->line_quote, s->quote));
			g_string_append_c(s->out, '\n');
		}
		s->bol = TRUE;
	}
	s->breaks = 0;
	s->cell_fresh = FALSE;
	if (s->bol) {
		text_prefix(s, s->quote);
		s->line_quote = s->quote;
		s->bol = FALSE;
		if (s->bullet)
			g_string_append(s->out, "- ");
		s->bullet = FALSE;
	} else if (s->sep != 0) {
		g_string_append_c(s->out, s->sep);
	}
	s->sep = 0;
}

/* text_break - owe at least n newlines (a block boundary). */
static void text_break(HtmlText *s, int n)
{
	if (n == 0 || s->cell_fresh)
		return;
	s->breaks = MAX(s->breaks, n);
	s->sep = 0;
}

/* text_newline - owe one more newline (br, or a newline inside pre). */
static void text_newline(HtmlText *s)
{
	s->breaks = MIN(s->breaks + 1, HTML_BREAKS_MAX);
	s->sep = 0;
}

/* text_pre - add the text of a pre element, white space as written. */
static void text_pre(HtmlText *s, const char *p, const char *end)
{
	for (; p < end; p++) {
		if (*p == '\n') {
			text_newline(s);
		} else if (*p != '\r') {
			text_begin(s);
			g_string_append_c(s->out, *p);
		}
	}
}

/* text_add - add a piece of text, white space collapsed. */
static void text_add(const char *p, gsize len, gpointer data)
{
	HtmlText *s = data;
	const char *end = p + len;

	if (s->pre > 0) {
		text_pre(s, p, end);
		return;
	}
	while (p < end && s->out->len <= HTML_TEXT_MAX) {
		const char *run = p;

		if (g_ascii_isspace(*p)) {
			if (s->sep == 0)
				s->sep = ' ';
			p++;
			continue;
		}
		while (p < end && !g_ascii_isspace(*p))
			p++;
		text_begin(s);
		for (; run < p; run++) {
			if (html_nbsp_at(run, p)) {
				g_string_append_c(s->out, ' ');
				run++;
			} else {
				g_string_append_c(s->out, *run);
			}
		}
	}
}

/* text_cell - a table cell starts: a tab after the row's earlier cells,
 * on the same line even when they ended with a block (a p in a cell). */
static void text_cell(HtmlText *s)
{
	if (s->cells++ > 0 && s->out->len > 0) {
		s->breaks = 0;
		s->sep = '\t';
	}
	s->cell_fresh = TRUE; /* blocks at its start do not break the row */
}

/* text_is_pre - TRUE for elements whose white space is kept. */
static gboolean text_is_pre(const HtmlElem *el)
{
	return html_is(el, "pre") || html_is(el, "textarea") || html_is(el, "xmp") ||
	       html_is(el, "listing");
}

/* text_start - an element opens, for html_to_text. */
static void text_start(const HtmlElem *el, gpointer data)
{
	HtmlText *s = data;

	if (html_is(el, "br")) {
		text_newline(s);
		return;
	}
	text_break(s, el->block);
	if (html_is(el, "blockquote"))
		s->quote++;
	else if (text_is_pre(el))
		s->pre++;
	else if (html_is(el, "tr"))
		s->cells = 0;
	else if (html_is(el, "td") || html_is(el, "th"))
		text_cell(s);
	s->bullet |= html_is(el, "li");
}

/* text_end - an element closes, for html_to_text. */
static void text_end(const HtmlElem *el, gpointer data)
{
	HtmlText *s = data;

	if (html_is(el, "td") || html_is(el, "th") || html_is(el, "tr"))
		s->cell_fresh = FALSE;
	text_break(s, el->block);
	if (html_is(el, "blockquote"))
		s->quote--;
	else if (text_is_pre(el))
		s->pre--;
	else if (html_is(el, "td") || html_is(el, "th"))
		s->cells = MAX(s->cells, 1);
	else if (html_is(el, "tr"))
		s->breaks = 1; /* rows are lines, whatever their cells ended with */
}

/* text_full - TRUE once the text reached its cap. */
static gboolean text_full(gpointer data)
{
	HtmlText *s = data;

	return s->out->len > HTML_TEXT_MAX;
}

/* html_to_text - the visible text of an HTML document or fragment. */
char *html_to_text(const char *html, gsize len)
{
	static const HtmlHandler handler = {text_start, text_end, text_add, text_full};
	HtmlText s = {.bol = TRUE};

	s.out = g_string_new(NULL);
	html_sax(html, len, &handler, &s);
	html_rtrim_lines(s.out);
	if (!g_utf8_validate_len(s.out->str, s.out->len, NULL)) {
		char *valid = g_utf8_make_valid(s.out->str, s.out->len);

		g_string_free(s.out, TRUE);
		return valid;
	}
	return g_string_free(s.out, FALSE);
}

/* ---- flows: lines of bold / plain runs ---- */

/* ---- labels ---- */

/* ---- html_form_pairs: state ---- */

/* ---- html_form_pairs: lines ---- */

/* ---- html_form_pairs: tables ---- */

/* ---- html_form_pairs: the walk ---- */
