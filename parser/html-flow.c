/* html-flow.c - flows (lines of bold and plain runs) and labels, for html_form_pairs. */
#include "config.h"

#include <string.h>
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "lead/lead.h"
#include "parser/html.h"
#include "parser/html-int.h"

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
HtmlFlow *flow_new(void)
{
	HtmlFlow *flow = g_new0(HtmlFlow, 1);

	flow->lines = g_ptr_array_new_with_free_func(line_free);
	flow->newline = TRUE;
	return flow;
}

/* flow_free - destroy a flow. */
void flow_free(HtmlFlow *flow)
{
	if (flow == NULL)
		return;
	g_ptr_array_unref(flow->lines);
	g_free(flow);
}

/* flow_clear - forget the lines of a flow (after they were read). */
void flow_clear(HtmlFlow *flow)
{
	g_ptr_array_set_size(flow->lines, 0);
	flow->newline = TRUE;
	flow->space = FALSE;
	flow->para++;
}

/* flow_break - the next text starts a new line; a br on an empty line
 * (br after br or after a block) makes a blank line: a new paragraph. */
void flow_break(HtmlFlow *flow, gboolean br)
{
	if (br && flow->newline)
		flow->para++;
	flow->newline = TRUE;
	flow->space = FALSE;
}

/* flow_para - the next text starts a new paragraph. */
void flow_para(HtmlFlow *flow)
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
void flow_text(HtmlFlow *flow, const char *p, gsize len, gboolean bold)
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
char *line_text(const HtmlLine *line)
{
	GString *text = g_string_new(NULL);

	for (guint i = 0; i < line->runs->len; i++) {
		const HtmlRun *run = g_ptr_array_index(line->runs, i);

		g_string_append_len(text, run->text->str, run->text->len);
	}
	return g_strstrip(g_string_free(text, FALSE));
}

/* line_all_bold - TRUE when every run of the line is bold. */
gboolean line_all_bold(const HtmlLine *line)
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
char *flow_text_all(const HtmlFlow *flow)
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

/* label_colon_at - length of the colon (":" or fullwidth U+FF1A) at p, or 0. */
int label_colon_at(const char *p)
{
	if (*p == ':')
		return 1;
	if (strncmp(p, "\xef\xbc\x9a", 3) == 0)
		return 3;
	return 0;
}

/* label_ends_colon - TRUE when text ends with a colon. */
gboolean label_ends_colon(const char *text)
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
gboolean label_split(const char *text, const char **colon, const char **after)
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
gboolean label_has_value(const char *text)
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
char *label_clean(const char *label)
{
	char *clean = g_strstrip(g_strdup(label));
	gsize len = strlen(clean);

	if (len >= 1 && clean[len - 1] == ':')
		clean[len - 1] = '\0';
	else if (len >= 3 && strcmp(clean + len - 3, "\xef\xbc\x9a") == 0)
		clean[len - 3] = '\0';
	return g_strstrip(clean);
}
