/* html-form.c - html_form_pairs: label/value pairs from HTML form mail (tables, bold labels,
 * colons). */
#include "config.h"

#include <string.h>
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "lead/lead.h"
#include "parser/html.h"
#include "parser/html-int.h"

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
	} else if (table->headers != NULL && table->headers->len == cells->len && cells->len >= 3) {
		row_headers(p, table);
	} else if (n >= 2) {
		g_clear_pointer(&table->label, g_free);
		row_pair(p, cells, first);
	} else {
		row_single(p, table, first);
	}
	g_clear_pointer(&table->headers, g_ptr_array_unref);
}

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
