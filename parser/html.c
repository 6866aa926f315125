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

#define HTML_NEST_MAX 64	/* tables, cells and lists tracked at once */
#define HTML_DEPTH_MAX 256	/* open elements: the parse stops deeper */
#define HTML_FLOW_LINES_MAX 1024 /* lines a flow holds before it is read */
#define HTML_LABEL_MAX 80	/* bytes in a label */
#define HTML_COLON_LABEL_MAX 60	/* bytes in a "Label: value" label */
#define HTML_COLON_LABEL_WORDS 8 /* words in a "Label: value" label */
#define HTML_BREAKS_MAX 3	/* newlines in a row in html_to_text */

/* One open element, as the SAX layer tracks it for its handler. */
typedef struct {
	char *name;		/* lower case, as libxml2 reports it */
	guint depth;		/* 1 for the root element */
	int block;		/* html_block(): 0 inline, 1 line, 2 paragraph */
	gboolean bold;		/* html_bold() */
} HtmlElem;

/* What html_sax() calls: start and end of each element that is not
 * hidden (nor inside a hidden one), its text, and full() after each of
 * those, to stop the parse once a cap is reached. */
typedef struct {
	void (*start)(const HtmlElem *el, gpointer data);
	void (*end)(const HtmlElem *el, gpointer data);
	void (*text)(const char *text, gsize len, gpointer data);
	gboolean (*full)(gpointer data);
} HtmlHandler;

typedef struct {
	const HtmlHandler *handler;
	gpointer data;
	xmlParserCtxtPtr ctxt;
	GPtrArray *stack;	/* HtmlElem *: the open elements */
	guint hidden;		/* depth of the hidden element we are in, or 0 */
} HtmlSax;

/* ---- classifying elements ---- */

/* html_in - TRUE when name is one of names. */
static gboolean html_in(const char *name, const char *const *names)
{
	for (; *names != NULL; names++)
		if (strcmp(name, *names) == 0)
			return TRUE;
	return FALSE;
}

/* html_is - TRUE when el is called name. */
static gboolean html_is(const HtmlElem *el, const char *name)
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

/* html_style_has - TRUE when the style attribute, without blanks and in
 * lower case, contains want ("display:none"). */
static gboolean html_style_has(const xmlChar **attrs, const char *want)
{
	gboolean found;
	const char *style = html_attr(attrs, "style", &found);
	g_autofree char *compact = NULL;
	char *to;

	if (style == NULL)
		return FALSE;
	compact = g_ascii_strdown(style, -1);
	to = compact;
	for (const char *from = compact; *from != '\0'; from++)
		if (!g_ascii_isspace(*from))
			*to++ = *from;
	*to = '\0';
	return strstr(compact, want) != NULL;
}

/* html_hidden - TRUE for elements whose content a mail reader never shows. */
static gboolean html_hidden(const char *name, const xmlChar **attrs)
{
	static const char *const names[] = {"head", "script", "style", "title", "template",
					    "noembed", "noframes", "object", "select", NULL};
	gboolean found;

	if (html_in(name, names))
		return TRUE;
	html_attr(attrs, "hidden", &found);
	return found || html_style_has(attrs, "display:none");
}

/* html_block - 2 for elements set off by a blank line (paragraphs), 1 for
 * other block elements, 0 for inline ones. */
static int html_block(const char *name, const char *parent)
{
	static const char *const paras[] = {"p", "blockquote", "pre", "dl", "hr", "figure",
					    "listing", "xmp", NULL};
	static const char *const lines[] = {
		"div", "tr", "li", "dt", "dd", "table", "caption", "center", "form", "fieldset",
		"legend", "section", "article", "aside", "header", "footer", "nav", "main",
		"address", "figcaption", "details", "summary", "thead", "tbody", "tfoot", "body",
		"html", "menu", "dir", "frameset", "noscript", "option", "textarea", NULL};

	if (html_is_heading(name) || html_in(name, paras))
		return 2;
	if (strcmp(name, "ul") == 0 || strcmp(name, "ol") == 0)
		return strcmp(parent, "li") == 0 ? 1 : 2;
	return html_in(name, lines) ? 1 : 0;
}

/* html_bold - TRUE for elements that make their text bold (headings are
 * titles, not labels, and do not count). */
static gboolean html_bold(const char *name, const xmlChar **attrs)
{
	static const char *const names[] = {"b", "strong", "th", NULL};
	static const char *const weights[] = {"font-weight:bold", "font-weight:bolder",
					      "font-weight:600", "font-weight:700",
					      "font-weight:800", "font-weight:900", NULL};

	if (html_in(name, names))
		return TRUE;
	for (const char *const *w = weights; *w != NULL; w++)
		if (html_style_has(attrs, *w))
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
	el->bold = html_bold(el->name, attrs);
	g_ptr_array_add(sax->stack, el);
	if (sax->hidden > 0)
		return;
	if (html_hidden(el->name, attrs)) {
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
static void html_sax(const char *html, gsize len, const HtmlHandler *handler, gpointer data)
{
	static gsize initialised;
	HtmlSax sax = {handler, data, NULL, NULL, 0};
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
static gboolean html_nbsp_at(const char *p, const char *end)
{
	return end - p >= 2 && (guchar)p[0] == 0xc2 && (guchar)p[1] == 0xa0;
}

/* html_rtrim_lines - remove blanks at the end of every line and blank
 * lines at the end of the text. */
static void html_rtrim_lines(GString *text)
{
	gsize to = 0;
	gsize line_end = 0;	/* length up to the last non-blank of this line */

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
	int breaks;	/* newlines owed before the next visible text */
	char sep;	/* ' ' or '\t' owed before the next text on this line */
	gboolean bol;	/* nothing written on the current line yet */
	int quote;	/* blockquote depth */
	int line_quote;	/* quote depth of the last line written */
	int pre;	/* pre depth: white space kept */
	int cells;	/* cells started in the current table row */
	gboolean bullet; /* a list item's "- " is owed before its text */
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
	s->cell_fresh = TRUE;	/* blocks at its start do not break the row */
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
		s->breaks = 1;	/* rows are lines, whatever their cells ended with */
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

typedef struct {
	GString *text;
	gboolean bold;
} HtmlRun;

typedef struct {
	GPtrArray *runs;	/* HtmlRun * */
	guint para;		/* paragraph number within the flow */
} HtmlLine;

typedef struct {
	GPtrArray *lines;	/* HtmlLine * */
	guint para;		/* paragraph of the next line */
	gboolean space;		/* a collapsed space is owed before the next text */
	gboolean newline;	/* the next text starts a new line */
} HtmlFlow;

/* run_free - destroy one run. */
static void run_free(gpointer p)
{
	HtmlRun *run = p;

	g_string_free(run->text, TRUE);
	g_free(run);
}

/* line_free - destroy one line. */
static void line_free(gpointer p)
{
	HtmlLine *line = p;

	g_ptr_array_unref(line->runs);
	g_free(line);
}

/* flow_new - an empty flow. */
static HtmlFlow *flow_new(void)
{
	HtmlFlow *flow = g_new0(HtmlFlow, 1);

	flow->lines = g_ptr_array_new_with_free_func(line_free);
	flow->newline = TRUE;
	return flow;
}

/* flow_free - destroy a flow. */
static void flow_free(HtmlFlow *flow)
{
	if (flow == NULL)
		return;
	g_ptr_array_unref(flow->lines);
	g_free(flow);
}

/* flow_clear - forget the lines of a flow (after they were read). */
static void flow_clear(HtmlFlow *flow)
{
	g_ptr_array_set_size(flow->lines, 0);
	flow->newline = TRUE;
	flow->space = FALSE;
	flow->para++;
}

/* flow_break - the next text starts a new line; a br on an empty line
 * (br after br or after a block) makes a blank line: a new paragraph. */
static void flow_break(HtmlFlow *flow, gboolean br)
{
	if (br && flow->newline)
		flow->para++;
	flow->newline = TRUE;
	flow->space = FALSE;
}

/* flow_para - the next text starts a new paragraph. */
static void flow_para(HtmlFlow *flow)
{
	flow->para++;
	flow->newline = TRUE;
	flow->space = FALSE;
}

/* flow_run - the run that text of weight bold goes to, on a new line
 * when one is owed. */
static HtmlRun *flow_run(HtmlFlow *flow, gboolean bold)
{
	HtmlLine *line;
	HtmlRun *run;

	if (flow->newline || flow->lines->len == 0) {
		line = g_new0(HtmlLine, 1);
		line->runs = g_ptr_array_new_with_free_func(run_free);
		line->para = flow->para;
		g_ptr_array_add(flow->lines, line);
		flow->newline = FALSE;
		flow->space = FALSE;
	}
	line = g_ptr_array_index(flow->lines, flow->lines->len - 1);
	if (line->runs->len > 0) {
		run = g_ptr_array_index(line->runs, line->runs->len - 1);
		if (run->bold == bold)
			return run;
	}
	run = g_new0(HtmlRun, 1);
	run->text = g_string_new(NULL);
	run->bold = bold;
	g_ptr_array_add(line->runs, run);
	return run;
}

/* flow_text - add a piece of text; white space and no-break spaces
 * collapse to one space between words. */
static void flow_text(HtmlFlow *flow, const char *p, gsize len, gboolean bold)
{
	const char *end = p + len;

	while (p < end) {
		const char *word = p;
		HtmlRun *run;

		if (g_ascii_isspace(*p) || html_nbsp_at(p, end)) {
			p += g_ascii_isspace(*p) ? 1 : 2;
			flow->space = TRUE;
			continue;
		}
		while (p < end && !g_ascii_isspace(*p) && !html_nbsp_at(p, end))
			p++;
		run = flow_run(flow, bold);
		if (flow->space)
			g_string_append_c(run->text, ' ');
		g_string_append_len(run->text, word, p - word);
		flow->space = FALSE;
	}
}

/* line_text - the text of a line, trimmed.  Returns a new string. */
static char *line_text(const HtmlLine *line)
{
	GString *text = g_string_new(NULL);

	for (guint i = 0; i < line->runs->len; i++) {
		const HtmlRun *run = g_ptr_array_index(line->runs, i);

		g_string_append_len(text, run->text->str, run->text->len);
	}
	return g_strstrip(g_string_free(text, FALSE));
}

/* line_all_bold - TRUE when every run of the line is bold. */
static gboolean line_all_bold(const HtmlLine *line)
{
	for (guint i = 0; i < line->runs->len; i++) {
		const HtmlRun *run = g_ptr_array_index(line->runs, i);

		if (!run->bold)
			return FALSE;
	}
	return line->runs->len > 0;
}

/* flow_text_all - the lines of a flow joined by newlines.  Returns a new
 * string. */
static char *flow_text_all(const HtmlFlow *flow)
{
	GString *text = g_string_new(NULL);

	for (guint i = 0; i < flow->lines->len; i++) {
		g_autofree char *one = line_text(g_ptr_array_index(flow->lines, i));

		if (*one == '\0')
			continue;
		if (text->len > 0)
			g_string_append_c(text, '\n');
		g_string_append(text, one);
	}
	return g_string_free(text, FALSE);
}

/* ---- labels ---- */

/* label_colon_at - length of the colon (":" or fullwidth U+FF1A) at p, or 0. */
static int label_colon_at(const char *p)
{
	if (*p == ':')
		return 1;
	if (strncmp(p, "\xef\xbc\x9a", 3) == 0)
		return 3;
	return 0;
}

/* label_ends_colon - TRUE when text ends with a colon. */
static gboolean label_ends_colon(const char *text)
{
	gsize len = strlen(text);

	return (len >= 1 && text[len - 1] == ':') ||
	       (len >= 3 && strcmp(text + len - 3, "\xef\xbc\x9a") == 0);
}

/* label_words - the number of blank-separated words in text. */
static guint label_words(const char *text)
{
	guint words = 0;
	gboolean in_word = FALSE;

	for (; *text != '\0'; text++) {
		if (g_ascii_isspace(*text))
			in_word = FALSE;
		else if (!in_word && (in_word = TRUE))
			words++;
	}
	return words;
}

/* label_split - split "Label: value" at its first colon.  Returns TRUE with
 * *colon at the colon and *after past it when the text before it can be a
 * label (short, a few words) and the colon is not part of a URL or a time. */
static gboolean label_split(const char *text, const char **colon, const char **after)
{
	const char *p = text;
	int n = 0;

	while (*p != '\0' && (n = label_colon_at(p)) == 0)
		p++;
	if (n == 0 || p == text || p - text > HTML_COLON_LABEL_MAX)
		return FALSE;
	if (strncmp(p + n, "//", 2) == 0)
		return FALSE;
	if (g_ascii_isdigit(p[n]) && g_ascii_isdigit(p[-1]))
		return FALSE;
	{
		g_autofree char *label = g_strndup(text, p - text);

		if (label_words(label) > HTML_COLON_LABEL_WORDS || label_words(label) == 0)
			return FALSE;
	}
	*colon = p;
	*after = p + n;
	return TRUE;
}

/* label_has_value - TRUE when text reads "Label: value" with a value. */
static gboolean label_has_value(const char *text)
{
	const char *colon;
	const char *after;

	if (!label_split(text, &colon, &after))
		return FALSE;
	while (g_ascii_isspace(*after))
		after++;
	return *after != '\0';
}

/* label_clean - a label as written: trimmed, a trailing colon removed.
 * Returns a new string. */
static char *label_clean(const char *label)
{
	char *clean = g_strstrip(g_strdup(label));
	gsize len = strlen(clean);

	if (len >= 1 && clean[len - 1] == ':')
		clean[len - 1] = '\0';
	else if (len >= 3 && strcmp(clean + len - 3, "\xef\xbc\x9a") == 0)
		clean[len - 3] = '\0';
	return g_strstrip(clean);
}

/* ---- html_form_pairs: state ---- */

typedef enum { CTX_FLOW, CTX_TABLE, CTX_DL } HtmlCtxKind;

typedef struct {
	char *text;		/* visible text, lines joined by "\n" */
	HtmlFlow *flow;		/* its lines, for cells that are not a plain value */
	gboolean th;
	gboolean layout;	/* holds a nested table */
} HtmlCell;

typedef struct {
	HtmlCtxKind kind;
	guint depth;		/* depth of the element that opened it; 0 for the body */
	/* CTX_FLOW: the body, a table cell, a dt or a dd. */
	HtmlFlow *flow;
	gboolean th;		/* a th cell */
	gboolean cell;		/* a td or th (else the body, a dt or a dd) */
	gboolean is_dt;		/* a dt */
	gboolean layout;	/* a cell that holds a nested table */
	/* CTX_TABLE */
	guint row;		/* depth of the open tr, or 0 */
	GPtrArray *cells;	/* HtmlCell * of the open row */
	char *label;		/* a label row waiting for its value row */
	GPtrArray *headers;	/* char *: column headers waiting for a value row */
	/* CTX_DL */
	char *term;		/* the last dt */
	int term_pair;		/* index of the pair of the last dd, or -1 */
} HtmlCtx;

typedef struct {
	GPtrArray *pairs;	/* LrField * */
	GPtrArray *stack;	/* HtmlCtx *; [0] is the body flow */
	int bold;		/* depth of bold elements */
	gsize text_bytes;	/* visible text read so far */
} HtmlPairs;

/* field_free - destroy one LrField. */
static void field_free(gpointer p)
{
	LrField *field = p;

	g_free(field->name);
	g_free(field->value);
	g_free(field);
}

/* cell_free - destroy one cell. */
static void cell_free(gpointer p)
{
	HtmlCell *cell = p;

	g_free(cell->text);
	flow_free(cell->flow);
	g_free(cell);
}

/* ctx_free - destroy one context. */
static void ctx_free(gpointer p)
{
	HtmlCtx *ctx = p;

	flow_free(ctx->flow);
	g_clear_pointer(&ctx->cells, g_ptr_array_unref);
	g_clear_pointer(&ctx->headers, g_ptr_array_unref);
	g_free(ctx->label);
	g_free(ctx->term);
	g_free(ctx);
}

/* ctx_push - open a context of kind for the element at depth. */
static HtmlCtx *ctx_push(HtmlPairs *p, HtmlCtxKind kind, guint depth)
{
	HtmlCtx *ctx = g_new0(HtmlCtx, 1);

	ctx->kind = kind;
	ctx->depth = depth;
	ctx->term_pair = -1;
	if (kind == CTX_FLOW)
		ctx->flow = flow_new();
	g_ptr_array_add(p->stack, ctx);
	return ctx;
}

/* ctx_top - the innermost context. */
static HtmlCtx *ctx_top(const HtmlPairs *p)
{
	return g_ptr_array_index(p->stack, p->stack->len - 1);
}

/* ctx_flow - the flow that text goes to now, or NULL (inside a table or a
 * dl but outside its cells, terms and descriptions). */
static HtmlFlow *ctx_flow(const HtmlPairs *p)
{
	HtmlCtx *top = ctx_top(p);

	return top->kind == CTX_FLOW ? top->flow : NULL;
}

/* pairs_add - append the pair label = value when both have text.
 * Returns the index of the pair, or -1. */
static int pairs_add(HtmlPairs *p, const char *label, const char *value)
{
	g_autofree char *name = label_clean(label);
	g_autofree char *text = g_strstrip(g_strdup(value));
	LrField *field;

	if (*name == '\0' || *text == '\0' || p->pairs->len >= HTML_PAIRS_MAX)
		return -1;
	field = g_new0(LrField, 1);
	field->name = g_steal_pointer(&name);
	field->value = g_steal_pointer(&text);
	g_ptr_array_add(p->pairs, field);
	return (int)p->pairs->len - 1;
}

/* ---- html_form_pairs: lines ---- */

typedef struct {
	GString *label;		/* NULL when no pair is open */
	GString *value;
	guint para;		/* paragraph the value comes from */
	gboolean crossed;	/* the value moved to the paragraph after the label */
} HtmlOpen;

/* open_finish - emit the open pair, if any, and close it. */
static void open_finish(HtmlPairs *p, HtmlOpen *open)
{
	if (open->label == NULL)
		return;
	pairs_add(p, open->label->str, open->value->str);
	g_string_free(open->label, TRUE);
	g_string_free(open->value, TRUE);
	open->label = NULL;
	open->value = NULL;
}

/* open_start - open a new pair label = value in paragraph para. */
static void open_start(HtmlPairs *p, HtmlOpen *open, const char *label, const char *value,
		       guint para)
{
	open_finish(p, open);
	open->label = g_string_new(label);
	open->value = g_string_new(value);
	g_strstrip(open->value->str);
	g_string_set_size(open->value, strlen(open->value->str));
	open->para = para;
	open->crossed = FALSE;
}

/* open_append - add a line to the open pair's value. */
static void open_append(HtmlOpen *open, const char *text)
{
	if (open->value->len > 0)
		g_string_append_c(open->value, '\n');
	g_string_append(open->value, text);
}

/* line_bold_label - TRUE when the line starts with a bold label (not a
 * bold "Label: value" sentence). */
static gboolean line_bold_label(const HtmlLine *line)
{
	const HtmlRun *first;
	g_autofree char *label = NULL;

	if (line->runs->len == 0)
		return FALSE;
	first = g_ptr_array_index(line->runs, 0);
	label = g_strstrip(g_strdup(first->text->str));
	return first->bold && *label != '\0' && strlen(label) <= HTML_LABEL_MAX &&
	       !label_has_value(label);
}

/* line_is_label - TRUE when the line starts a pair of its own. */
static gboolean line_is_label(const HtmlLine *line)
{
	const char *colon;
	const char *after;
	g_autofree char *text = NULL;

	if (line_bold_label(line))
		return TRUE;
	text = line_text(line);
	return label_split(text, &colon, &after);
}

/* run_starts_label - TRUE when a bold run in the middle of a line starts
 * a new label: it ends with a colon or the next run starts with one. */
static gboolean run_starts_label(const HtmlLine *line, guint i)
{
	const HtmlRun *run = g_ptr_array_index(line->runs, i);
	g_autofree char *text = g_strstrip(g_strdup(run->text->str));

	if (label_ends_colon(text))
		return TRUE;
	if (i + 1 < line->runs->len) {
		const HtmlRun *next = g_ptr_array_index(line->runs, i + 1);
		const char *p = next->text->str;

		while (g_ascii_isspace(*p))
			p++;
		return *p == ':';
	}
	return FALSE;
}

/* lines_bold - read a line of bold labels and their values:
 * "<b>Name:</b> Ann <b>Phone:</b> 123"; the last pair stays open. */
static void lines_bold(HtmlPairs *p, HtmlOpen *open, const HtmlLine *line)
{
	for (guint i = 0; i < line->runs->len; i++) {
		const HtmlRun *run = g_ptr_array_index(line->runs, i);
		const char *text = run->text->str;

		if (run->bold && (i == 0 || run_starts_label(line, i))) {
			open_start(p, open, text, "", line->para);
			continue;
		}
		if (open->value->len == 0) {
			while (g_ascii_isspace(*text))
				text++;
			if (label_colon_at(text) > 0)
				text += label_colon_at(text);
			while (g_ascii_isspace(*text))
				text++;
		}
		g_string_append(open->value, text);
	}
	g_strchomp(open->value->str);
	g_string_set_size(open->value, strlen(open->value->str));
}

/* lines_colon - read a "Label: value" line; the pair stays open. */
static void lines_colon(HtmlPairs *p, HtmlOpen *open, const char *text, guint para)
{
	const char *colon;
	const char *after;
	g_autofree char *label = NULL;

	if (!label_split(text, &colon, &after))
		return;
	label = g_strndup(text, colon - text);
	open_start(p, open, label, after, para);
}

/* lines_para - a line of a new paragraph: close the open pair unless its
 * label still waits for a value ("<p><b>Label</b></p><p>value</p>"). */
static void lines_para(HtmlPairs *p, HtmlOpen *open, const HtmlLine *line)
{
	if (open->label == NULL || line->para == open->para)
		return;
	if (open->value->len == 0 && !open->crossed && !line_is_label(line)) {
		open->para = line->para;
		open->crossed = TRUE;
		return;
	}
	open_finish(p, open);
}

/* flow_pairs - read the pairs of a flow's lines: bold labels, "Label:
 * value" lines, and the lines that continue an open value. */
static void flow_pairs(HtmlPairs *p, const HtmlFlow *flow)
{
	HtmlOpen open = {NULL, NULL, 0, FALSE};

	for (guint i = 0; i < flow->lines->len; i++) {
		const HtmlLine *line = g_ptr_array_index(flow->lines, i);
		g_autofree char *text = line_text(line);

		lines_para(p, &open, line);
		if (*text == '\0')
			continue;
		if (line_bold_label(line))
			lines_bold(p, &open, line);
		else if (line_is_label(line))
			lines_colon(p, &open, text, line->para);
		else if (open.label != NULL)
			open_append(&open, text);
	}
	open_finish(p, &open);
}

/* ---- html_form_pairs: tables ---- */

/* cell_labelish - TRUE when a lone cell reads as a label for the row
 * below: one short line that is a th, all bold, or ends with a colon, and
 * is not a "Label: value" of its own. */
static gboolean cell_labelish(const HtmlCell *cell)
{
	gsize len = strlen(cell->text);
	const HtmlLine *line;

	if (cell->flow->lines->len != 1 || len == 0 || len > HTML_LABEL_MAX)
		return FALSE;
	if (label_has_value(cell->text))
		return FALSE;
	line = g_ptr_array_index(cell->flow->lines, 0);
	return cell->th || line_all_bold(line) || label_ends_colon(cell->text);
}

/* row_count - the number of cells with text; *first gets the first one. */
static guint row_count(GPtrArray *cells, HtmlCell **first)
{
	guint n = 0;

	*first = NULL;
	for (guint i = 0; i < cells->len; i++) {
		HtmlCell *cell = g_ptr_array_index(cells, i);

		if (*cell->text == '\0')
			continue;
		if (n++ == 0)
			*first = cell;
	}
	return n;
}

/* row_all_th - TRUE when every cell of the row is a th. */
static gboolean row_all_th(GPtrArray *cells)
{
	for (guint i = 0; i < cells->len; i++) {
		const HtmlCell *cell = g_ptr_array_index(cells, i);

		if (!cell->th)
			return FALSE;
	}
	return TRUE;
}

/* row_flows - read each cell of the row as a flow of lines. */
static void row_flows(HtmlPairs *p, GPtrArray *cells)
{
	for (guint i = 0; i < cells->len; i++) {
		const HtmlCell *cell = g_ptr_array_index(cells, i);

		flow_pairs(p, cell->flow);
	}
}

/* row_headers - pair the column headers of the row above with this row. */
static void row_headers(HtmlPairs *p, HtmlCtx *table)
{
	for (guint i = 0; i < table->cells->len; i++) {
		const HtmlCell *cell = g_ptr_array_index(table->cells, i);

		pairs_add(p, g_ptr_array_index(table->headers, i), cell->text);
	}
}

/* row_pair - a row with several cells: the first is the label, the rest
 * the value (a cell holding only a colon is left out), unless the first is
 * no label at all (long or several lines). */
static void row_pair(HtmlPairs *p, GPtrArray *cells, HtmlCell *first)
{
	g_autoptr(GString) value = g_string_new(NULL);
	gboolean seen = FALSE;

	if (strlen(first->text) > HTML_LABEL_MAX || strchr(first->text, '\n') != NULL ||
	    label_has_value(first->text)) {
		row_flows(p, cells);
		return;
	}
	for (guint i = 0; i < cells->len; i++) {
		const HtmlCell *cell = g_ptr_array_index(cells, i);

		if (cell == first) {
			seen = TRUE;
			continue;
		}
		if (!seen || *cell->text == '\0' ||
		    (gsize)label_colon_at(cell->text) == strlen(cell->text))
			continue;
		if (value->len > 0)
			g_string_append_c(value, ' ');
		g_string_append(value, cell->text);
	}
	pairs_add(p, first->text, value->str);
}

/* row_single - a row with one cell of text: a label waiting for the next
 * row, the value of the label row above, or a flow of its own. */
static void row_single(HtmlPairs *p, HtmlCtx *table, HtmlCell *cell)
{
	if (table->label != NULL && !cell_labelish(cell)) {
		pairs_add(p, table->label, cell->text);
		g_clear_pointer(&table->label, g_free);
		return;
	}
	g_clear_pointer(&table->label, g_free);
	if (cell_labelish(cell))
		table->label = g_strdup(cell->text);
	else
		flow_pairs(p, cell->flow);
}

/* row_read - read the pairs of a finished table row. */
static void row_read(HtmlPairs *p, HtmlCtx *table)
{
	GPtrArray *cells = table->cells;
	HtmlCell *first;
	guint n = row_count(cells, &first);
	gboolean layout = FALSE;

	for (guint i = 0; i < cells->len; i++)
		layout |= ((HtmlCell *)g_ptr_array_index(cells, i))->layout;
	if (n == 0 && !layout)
		return;
	if (layout || n == 0) {
		g_clear_pointer(&table->label, g_free);
		row_flows(p, cells);
	} else if (n >= 2 && row_all_th(cells)) {
		g_clear_pointer(&table->headers, g_ptr_array_unref);
		table->headers = g_ptr_array_new_with_free_func(g_free);
		for (guint i = 0; i < cells->len; i++)
			g_ptr_array_add(table->headers,
					g_strdup(((HtmlCell *)g_ptr_array_index(cells, i))->text));
		return;
	} else if (table->headers != NULL && table->headers->len == cells->len &&
		   cells->len >= 3) {
		row_headers(p, table);
	} else if (n >= 2) {
		g_clear_pointer(&table->label, g_free);
		row_pair(p, cells, first);
	} else {
		row_single(p, table, first);
	}
	g_clear_pointer(&table->headers, g_ptr_array_unref);
}

/* ---- html_form_pairs: the walk ---- */

/* pairs_barrier - a table or list starts inside the current flow: read
 * the flow's lines so far, which cannot run on across it. */
static void pairs_barrier(HtmlPairs *p)
{
	HtmlCtx *top = ctx_top(p);

	if (top->kind != CTX_FLOW)
		return;
	flow_pairs(p, top->flow);
	flow_clear(top->flow);
	top->layout = TRUE;
}

/* pairs_open - an element that opens a context: table, tr, td, th, dl,
 * dt, dd.  Returns FALSE when el is none of those here. */
static gboolean pairs_open(HtmlPairs *p, const HtmlElem *el)
{
	HtmlCtx *top = ctx_top(p);
	HtmlCtx *ctx;

	if (p->stack->len >= HTML_NEST_MAX)
		return FALSE;
	if (html_is(el, "table") || html_is(el, "dl")) {
		pairs_barrier(p);
		ctx_push(p, html_is(el, "dl") ? CTX_DL : CTX_TABLE, el->depth);
	} else if (html_is(el, "tr") && top->kind == CTX_TABLE && top->row == 0) {
		top->row = el->depth;
		top->cells = g_ptr_array_new_with_free_func(cell_free);
	} else if ((html_is(el, "td") || html_is(el, "th")) && top->kind == CTX_TABLE &&
		   top->row != 0) {
		ctx = ctx_push(p, CTX_FLOW, el->depth);
		ctx->th = html_is(el, "th");
		ctx->cell = TRUE;
	} else if ((html_is(el, "dt") || html_is(el, "dd")) && top->kind == CTX_DL) {
		ctx_push(p, CTX_FLOW, el->depth)->is_dt = html_is(el, "dt");
	} else {
		return FALSE;
	}
	return TRUE;
}

/* pairs_start - an element opens, for html_form_pairs. */
static void pairs_start(const HtmlElem *el, gpointer data)
{
	HtmlPairs *p = data;
	HtmlFlow *flow = ctx_flow(p);

	if (el->bold)
		p->bold++;
	if (html_is(el, "br")) {
		if (flow != NULL)
			flow_break(flow, TRUE);
		return;
	}
	if (pairs_open(p, el))
		return;
	if (flow != NULL && el->block == 2)
		flow_para(flow);
	else if (flow != NULL && el->block == 1)
		flow_break(flow, FALSE);
}

/* pairs_text - a piece of text, for html_form_pairs. */
static void pairs_text(const char *text, gsize len, gpointer data)
{
	HtmlPairs *p = data;
	HtmlFlow *flow = ctx_flow(p);

	if (flow == NULL)
		return;
	p->text_bytes += len;
	flow_text(flow, text, len, p->bold > 0);
	if (flow->lines->len > HTML_FLOW_LINES_MAX) {
		/* Memory stays bounded; a pair may be cut at this line. */
		flow_pairs(p, flow);
		flow_clear(flow);
	}
}

/* pairs_close_cell - a td or th ends: add it to its row. */
static void pairs_close_cell(HtmlPairs *p, HtmlCtx *cell_ctx)
{
	HtmlCtx *table = g_ptr_array_index(p->stack, p->stack->len - 2);
	HtmlCell *cell = g_new0(HtmlCell, 1);

	if (cell_ctx->layout) {
		flow_pairs(p, cell_ctx->flow);
		flow_clear(cell_ctx->flow);
	}
	cell->flow = g_steal_pointer(&cell_ctx->flow);
	cell->text = flow_text_all(cell->flow);
	cell->th = cell_ctx->th;
	cell->layout = cell_ctx->layout;
	g_ptr_array_add(table->cells, cell);
}

/* pairs_close_term - a dt or dd ends: remember the term, or pair the
 * description with it (several dd of one dt make one multi-line value). */
static void pairs_close_term(HtmlPairs *p, HtmlCtx *term_ctx)
{
	HtmlCtx *dl = g_ptr_array_index(p->stack, p->stack->len - 2);
	g_autofree char *text = flow_text_all(term_ctx->flow);

	if (term_ctx->is_dt) {
		g_free(dl->term);
		dl->term = g_strdelimit(g_steal_pointer(&text), "\n", ' ');
		dl->term_pair = -1;
	} else if (dl->term_pair >= 0 && *text != '\0') {
		LrField *field = g_ptr_array_index(p->pairs, dl->term_pair);
		char *joined = g_strconcat(field->value, "\n", text, NULL);

		g_free(field->value);
		field->value = joined;
	} else if (dl->term != NULL) {
		dl->term_pair = pairs_add(p, dl->term, text);
	}
}

/* pairs_close - close the context that el opened, if it opened one.
 * Returns TRUE when it did. */
static gboolean pairs_close(HtmlPairs *p, const HtmlElem *el)
{
	HtmlCtx *top = ctx_top(p);

	if (top->kind == CTX_TABLE && top->row == el->depth) {
		row_read(p, top);
		g_clear_pointer(&top->cells, g_ptr_array_unref);
		top->row = 0;
		return TRUE;
	}
	if (top->depth != el->depth || p->stack->len < 2)
		return FALSE;
	if (top->kind == CTX_FLOW && top->cell)
		pairs_close_cell(p, top);
	else if (top->kind == CTX_FLOW)
		pairs_close_term(p, top);
	g_ptr_array_remove_index(p->stack, p->stack->len - 1);
	return TRUE;
}

/* pairs_end - an element closes, for html_form_pairs. */
static void pairs_end(const HtmlElem *el, gpointer data)
{
	HtmlPairs *p = data;
	HtmlFlow *flow;

	if (el->bold)
		p->bold--;
	if (pairs_close(p, el))
		return;
	flow = ctx_flow(p);
	if (flow != NULL && el->block == 2)
		flow_para(flow);
	else if (flow != NULL && el->block == 1)
		flow_break(flow, FALSE);
}

/* pairs_full - TRUE once the pairs or the text read reached their cap. */
static gboolean pairs_full(gpointer data)
{
	HtmlPairs *p = data;

	return p->pairs->len >= HTML_PAIRS_MAX || p->text_bytes > HTML_TEXT_MAX;
}

/* html_form_pairs - label/value pairs of an HTML form notification. */
GPtrArray *html_form_pairs(const char *html, gsize len)
{
	static const HtmlHandler handler = {pairs_start, pairs_end, pairs_text, pairs_full};
	HtmlPairs p = {NULL, NULL, 0, 0};

	p.pairs = g_ptr_array_new_with_free_func(field_free);
	p.stack = g_ptr_array_new_with_free_func(ctx_free);
	ctx_push(&p, CTX_FLOW, 0);
	html_sax(html, len, &handler, &p);
	flow_pairs(&p, ((HtmlCtx *)g_ptr_array_index(p.stack, 0))->flow);
	g_ptr_array_unref(p.stack);
	return p.pairs;
}
