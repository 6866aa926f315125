/* formtext.c - label/value pairs in the text of form notifications. */
#include "config.h"

#include <string.h>

#include "lead/lead.h"
#include "parser/formtext.h"
#include "parser/labels.h"
#include "parser/questions.h"

typedef struct {
	LabelsMemo *memo;
	FormtextResult *out;
	char *label; /* the open pair, or NULL */
	GString *value;
	gboolean long_field;   /* the open value may span paragraphs */
	gboolean blank;        /* a blank line since the last text line */
	const char *after_gap; /* the next non-blank line after a blank one, or NULL */
	gboolean single;       /* the open value is one line (a label alone above it) */
	gboolean footer;       /* a separator or footer line was seen */
	guint loose_pending;
} FormtextScan;

typedef struct {
	GRegex *colon;
	GRegex *banner;
	GRegex *separator;
	GRegex *footer;
} FormtextPatterns;

/* formtext_patterns - the line patterns, compiled once. */
static const FormtextPatterns *formtext_patterns(void)
{
	static FormtextPatterns patterns;
	static gsize once = 0;

	if (g_once_init_enter(&once)) {
		patterns.colon =
		    g_regex_new("^[ \\t]*[*_]{0,2}(\\p{L}[^:：\\n]{0,59}?)[*_]{0,2}[ \\t]*[:：]"
		                "[*_]{0,2}(?!//)[ \\t]*(.*)$",
		                G_REGEX_OPTIMIZE, 0, NULL);
		patterns.banner = g_regex_new(
		    "^[ \\t]*[-=*#~]{2,}[ \\t]*([^-=*#~ \\t].{0,58}?)[ \\t]*[-=*#~]{2,}[ \\t]*$",
		    G_REGEX_OPTIMIZE, 0, NULL);
		patterns.separator = g_regex_new("^[ \\t]*(--[ \\t]*|[-_=*~#]{3,}[ \\t]*)$",
		                                 G_REGEX_OPTIMIZE, 0, NULL);
		patterns.footer =
		    g_regex_new("^[ \\t]*(this (e-?mail|message|form) (was|has been) "
		                "(sent|submitted|generated)|"
		                "sent (via|with|by) |powered by |submitted (via|from) )",
		                G_REGEX_OPTIMIZE | G_REGEX_CASELESS, 0, NULL);
		g_once_init_leave(&once, 1);
	}
	return &patterns;
}

/* formtext_words - number of space-separated words in text. */
static guint formtext_words(const char *text)
{
	guint n = 0;
	gboolean in = FALSE;

	for (const char *p = text; *p != '\0'; p++) {
		gboolean space = *p == ' ' || *p == '\t';

		if (!space && !in)
			n++;
		in = !space;
	}
	return n;
}

/* formtext_label_ok - TRUE when label reads as a form label, not prose. */
static gboolean formtext_label_ok(const char *label, guint max_words)
{
	return formtext_words(label) <= max_words && strpbrk(label, "<>@\"[]{}") == NULL &&
	       strstr(label, "http") == NULL && strstr(label, "www.") == NULL;
}

/* formtext_colon - split a "Label: value" line; FALSE when it is not one. */
static gboolean formtext_colon(const char *line, char **label, char **value)
{
	g_autoptr(GMatchInfo) match = NULL;
	g_autofree char *l = NULL;
	g_autofree char *v = NULL;

	if (!g_regex_match(formtext_patterns()->colon, line, 0, &match))
		return FALSE;
	l = g_strstrip(g_match_info_fetch(match, 1));
	v = g_strstrip(g_match_info_fetch(match, 2));
	if (!formtext_label_ok(l, *v == '\0' ? 5 : 6))
		return FALSE;
	*label = g_steal_pointer(&l);
	*value = g_steal_pointer(&v);
	return TRUE;
}

/* formtext_tab - split a "Label<TAB>value" line (a table pasted as text);
 * FALSE when it is not one. */
static gboolean formtext_tab(const char *line, char **label, char **value)
{
	const char *tab = strchr(line, '\t');
	g_autofree char *l = NULL;
	g_autofree char *v = NULL;

	if (tab == NULL || tab == line || tab - line > 60 ||
	    !g_unichar_isalpha(g_utf8_get_char(line)))
		return FALSE;
	l = g_strstrip(g_strndup(line, tab - line));
	v = g_strstrip(g_strdup(tab + 1));
	if (*v == '\0' || strchr(v, '\t') != NULL || !formtext_label_ok(l, 6))
		return FALSE;
	*label = g_steal_pointer(&l);
	*value = g_steal_pointer(&v);
	return TRUE;
}

/* formtext_is_label_line - public check used by other scanners. */
gboolean formtext_is_label_line(const char *line, guint max_words)
{
	g_autofree char *label = NULL;
	g_autofree char *value = NULL;

	if (strlen(line) > FORMTEXT_MAX_LINE || !formtext_colon(line, &label, &value))
		return FALSE;
	return formtext_words(label) <= max_words;
}

/* formtext_banner - the label of a "--- Label ---" line, or NULL. */
static char *formtext_banner(const char *line)
{
	g_autoptr(GMatchInfo) match = NULL;
	g_autofree char *label = NULL;
	g_autofree char *folded = NULL;

	if (!g_regex_match(formtext_patterns()->banner, line, 0, &match))
		return NULL;
	label = g_strstrip(g_match_info_fetch(match, 1));
	folded = labels_fold(label, ' ');
	if (*folded == '\0' || formtext_words(label) > 5 || strstr(folded, "forward") != NULL ||
	    strstr(folded, "original") != NULL || strstr(folded, "weitergeleitet") != NULL ||
	    strstr(folded, "transfer") != NULL || strstr(folded, "reenviado") != NULL ||
	    strstr(folded, "inoltrato") != NULL || strstr(folded, "doorgestuurd") != NULL)
		return NULL;
	return g_steal_pointer(&label);
}

/* formtext_field_free - free one pair. */
static void formtext_field_free(gpointer data)
{
	LrField *field = data;

	g_free(field->name);
	g_free(field->value);
	g_free(field);
}

/* formtext_flush - close the open pair, keeping it when it has a value. */
static void formtext_flush(FormtextScan *s)
{
	LrField *field;

	if (s->label == NULL)
		return;
	g_strstrip(s->value->str);
	s->value->len = strlen(s->value->str);
	if (s->value->len > 0) {
		field = g_new0(LrField, 1);
		field->name = g_steal_pointer(&s->label);
		field->value = g_strdup(s->value->str);
		g_ptr_array_add(s->out->pairs, field);
	}
	g_clear_pointer(&s->label, g_free);
	g_string_truncate(s->value, 0);
}

/* formtext_open - start a new pair. */
static void formtext_open(FormtextScan *s, char *label, const char *value, gboolean long_field)
{
	formtext_flush(s);
	s->label = label;
	g_string_assign(s->value, value);
	s->long_field = long_field || labels_is_long(label);
	if (!s->long_field) {
		gboolean known;
		g_autofree char *field = labels_memo_field_name(s->memo, label, &known);

		s->long_field = labels_is_long(field);
	}
	s->single = FALSE;
	s->out->covered++;
	s->out->loose += s->loose_pending;
	s->loose_pending = 0;
	s->blank = FALSE;
}

/* formtext_continue - add line to the open value when it belongs there. */
static gboolean formtext_continue(FormtextScan *s, const char *line)
{
	if (s->label == NULL || s->footer)
		return FALSE;
	if (s->value->len > 0 && (s->blank || s->single) && !s->long_field)
		return FALSE;
	if (s->value->len > 0)
		g_string_append(s->value, s->blank ? "\n\n" : "\n");
	g_string_append(s->value, line);
	s->out->covered++;
	s->blank = FALSE;
	return TRUE;
}

/* formtext_is_bare_label - TRUE when line (perhaps with white space and
 * emphasis around it) is a known label alone: an alias of at most four
 * words ("Email", "Company name"). */
static gboolean formtext_is_bare_label(LabelsMemo *memo, const char *line)
{
	g_autofree char *label = g_strstrip(g_strdup(line));

	return strlen(label) <= 40 && formtext_words(label) <= 4 &&
	       labels_memo_lookup(memo, label) != NULL;
}

/* formtext_bare - a known label alone on a line ("Email") before its value. */
static gboolean formtext_bare(FormtextScan *s, const char *line, const char *next)
{
	gboolean question = questions_is_question(line);
	g_autofree char *label = question ? questions_clean(line) : g_strdup(line);

	if (next != NULL && strspn(next, " \t\r") == strlen(next))
		next = s->blank && !question ? s->after_gap : NULL; /* label, gap, value */
	if (next == NULL)
		return FALSE;
	if (!question && !formtext_is_bare_label(s->memo, label))
		return FALSE;
	if (questions_is_question(next) || formtext_is_label_line(next, 6) ||
	    formtext_is_bare_label(s->memo, next))
		return FALSE; /* a label without its value: never pair two labels */
	formtext_open(s, g_steal_pointer(&label), "", FALSE);
	s->single = !question;
	return TRUE;
}

/* formtext_text - a line that is neither label nor separator. */
static void formtext_text(FormtextScan *s, const char *line, const char *next)
{
	g_autofree char *trimmed = g_strstrip(g_strdup(line));

	if ((s->blank || questions_is_question(trimmed)) && formtext_bare(s, trimmed, next))
		return;
	if (s->label != NULL && s->value->len > 0 && !s->long_field &&
	    formtext_bare(s, trimmed, next))
		return; /* label and value in consecutive rows: the next label */
	if (formtext_continue(s, trimmed) || formtext_bare(s, trimmed, next))
		return;
	formtext_flush(s);
	s->loose_pending++;
}

/* formtext_line - one line of the scan; next is the following line. */
static void formtext_line(FormtextScan *s, const char *line, const char *next)
{
	const FormtextPatterns *p = formtext_patterns();
	char *label = NULL;
	char *value = NULL;

	gsize lead = strspn(line, " \t");
	char first = line[lead];
	gboolean rule = first != '\0' && strchr("-=*#~_", first) != NULL;

	if (first == '\0') {
		s->blank = TRUE;
		return;
	}
	if (rule && (label = formtext_banner(line)) != NULL) {
		formtext_open(s, label, "", TRUE);
		s->footer = FALSE;
	} else if ((rule && g_regex_match(p->separator, line, 0, NULL)) ||
	           (strchr("TtSsPp", first) != NULL && g_regex_match(p->footer, line, 0, NULL))) {
		formtext_flush(s);
		s->footer = TRUE;
	} else if (((strchr(line, ':') != NULL || strstr(line, "：") != NULL) &&
	            formtext_colon(line, &label, &value)) ||
	           formtext_tab(line, &label, &value)) {
		formtext_open(s, label, value, FALSE);
		g_free(value);
		s->footer = FALSE;
	} else {
		formtext_text(s, line, next);
	}
	s->blank = FALSE;
}

/* formtext_after_gap - the first non-blank line of rest when rest starts
 * with one or two blank lines, else NULL. */
static const char *formtext_after_gap(char **rest)
{
	for (guint i = 0; i < 3 && rest[i] != NULL; i++)
		if (strspn(rest[i], " \t\r") != strlen(rest[i]))
			return i > 0 && strlen(rest[i]) <= FORMTEXT_MAX_LINE ? rest[i] : NULL;
	return NULL;
}

/* formtext_scan - every line in turn, bounded. */
void formtext_scan(const char *text, LabelsMemo *memo, FormtextResult *out)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", FORMTEXT_MAX_LINES);
	FormtextScan s = {.memo = memo, .out = out};

	memset(out, 0, sizeof(*out));
	out->pairs = g_ptr_array_new_with_free_func(formtext_field_free);
	s.value = g_string_new(NULL);
	for (guint i = 0; lines[i] != NULL && i + 1 < FORMTEXT_MAX_LINES; i++) {
		if (strlen(lines[i]) > FORMTEXT_MAX_LINE) /* cut at a character */
			*g_utf8_find_prev_char(lines[i], lines[i] + FORMTEXT_MAX_LINE + 1) = '\0';
		g_strchomp(lines[i]);
		s.after_gap = formtext_after_gap(lines + i + 1);
		formtext_line(&s, lines[i], lines[i + 1]);
	}
	formtext_flush(&s);
	g_string_free(s.value, TRUE);
}

/* formtext_result_clear - free the pairs. */
void formtext_result_clear(FormtextResult *result)
{
	g_clear_pointer(&result->pairs, g_ptr_array_unref);
}
