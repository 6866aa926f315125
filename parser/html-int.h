/* html-int.h - what html.c and its sibling files share; not a public header. */
#ifndef LR_HTML_INT_H
#define LR_HTML_INT_H

#include <string.h>
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include "lead/lead.h"
#include "parser/html.h"

#define HTML_NEST_MAX 64         /* tables, cells and lists tracked at once */
#define HTML_DEPTH_MAX 256       /* open elements: the parse stops deeper */
#define HTML_FLOW_LINES_MAX 1024 /* lines a flow holds before it is read */
#define HTML_LABEL_MAX 80        /* bytes in a label */
#define HTML_COLON_LABEL_MAX 60  /* bytes in a "Label: value" label */
#define HTML_COLON_LABEL_WORDS 8 /* words in a "Label: value" label */
#define HTML_BREAKS_MAX 3        /* newlines in a row in html_to_text */

/* One open element, as the SAX layer tracks it for its handler. */
typedef struct {
	char *name;    /* lower case, as libxml2 reports it */
	guint depth;   /* 1 for the root element */
	int block;     /* html_block(): 0 inline, 1 line, 2 paragraph */
	gboolean bold; /* html_bold() */
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
	GPtrArray *stack; /* HtmlElem *: the open elements */
	guint hidden;     /* depth of the hidden element we are in, or 0 */
} HtmlSax;

typedef struct {
	GString *text;
	gboolean bold;
} HtmlRun;

typedef struct {
	GPtrArray *runs; /* HtmlRun * */
	guint para;      /* paragraph number within the flow */
} HtmlLine;

typedef struct {
	GPtrArray *lines; /* HtmlLine * */
	guint para;       /* paragraph of the next line */
	gboolean space;   /* a collapsed space is owed before the next text */
	gboolean newline; /* the next text starts a new line */
} HtmlFlow;

typedef enum { CTX_FLOW, CTX_TABLE, CTX_DL } HtmlCtxKind;

typedef struct {
	char *text;     /* visible text, lines joined by "\n" */
	HtmlFlow *flow; /* its lines, for cells that are not a plain value */
	gboolean th;
	gboolean layout; /* holds a nested table */
} HtmlCell;

typedef struct {
	HtmlCtxKind kind;
	guint depth; /* depth of the element that opened it; 0 for the body */
	/* CTX_FLOW: the body, a table cell, a dt or a dd. */
	HtmlFlow *flow;
	gboolean th;     /* a th cell */
	gboolean cell;   /* a td or th (else the body, a dt or a dd) */
	gboolean is_dt;  /* a dt */
	gboolean layout; /* a cell that holds a nested table */
	/* CTX_TABLE */
	guint row;          /* depth of the open tr, or 0 */
	GPtrArray *cells;   /* HtmlCell * of the open row */
	char *label;        /* a label row waiting for its value row */
	GPtrArray *headers; /* char *: column headers waiting for a value row */
	/* CTX_DL */
	char *term;    /* the last dt */
	int term_pair; /* index of the pair of the last dd, or -1 */
} HtmlCtx;

typedef struct {
	GPtrArray *pairs; /* LrField * */
	GPtrArray *stack; /* HtmlCtx *; [0] is the body flow */
	int bold;         /* depth of bold elements */
	gsize text_bytes; /* visible text read so far */
} HtmlPairs;

typedef struct {
	GString *label; /* NULL when no pair is open */
	GString *value;
	guint para;       /* paragraph the value comes from */
	gboolean crossed; /* the value moved to the paragraph after the label */
} HtmlOpen;

gboolean html_is(const HtmlElem *el, const char *name);
void html_sax(const char *html, gsize len, const HtmlHandler *handler, gpointer data);
HtmlFlow *flow_new(void);
void flow_free(HtmlFlow *flow);
void flow_clear(HtmlFlow *flow);
void flow_break(HtmlFlow *flow, gboolean br);
void flow_para(HtmlFlow *flow);
void flow_text(HtmlFlow *flow, const char *p, gsize len, gboolean bold);
char *line_text(const HtmlLine *line);
gboolean line_all_bold(const HtmlLine *line);
char *flow_text_all(const HtmlFlow *flow);
int label_colon_at(const char *p);
gboolean label_ends_colon(const char *text);
gboolean label_split(const char *text, const char **colon, const char **after);
gboolean label_has_value(const char *text);
char *label_clean(const char *label);

gboolean html_nbsp_at(const char *p, const char *end);

#endif
