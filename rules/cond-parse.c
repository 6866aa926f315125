/* cond-parse.c - the condition language: the lexer and the recursive
 * descent parser that compiles a condition into a tree (cond-int.h). */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lead/lr-error.h"
#include "lead/number.h"
#include "rules/cond-int.h"

typedef enum {
	T_END,
	T_STRING,
	T_NUMBER,
	T_NAME,
	T_OP,
	T_LPAREN,
	T_RPAREN,
	T_LBRACK,
	T_RBRACK,
	T_COMMA,
	T_DOT,
} TokKind;

typedef struct {
	const char *text;
	const char *p; /* next unread byte */
	TokKind kind;
	const char *start; /* the current token */
	char *value;       /* its text (strings unescaped) */
	char *shown;       /* found()'s last answer */
	int depth;
	CondTableFunc tables;
	gpointer data;
	GError **error;
	gboolean failed;
} Parser;

static Node *parse_or(Parser *ps);

/* ---- lexer ---- */

/* fail - record the first error at token position at. */
static void fail(Parser *ps, const char *at, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static void fail(Parser *ps, const char *at, const char *fmt, ...)
{
	g_autofree char *msg = NULL;
	va_list ap;

	if (ps->failed)
		return;
	ps->failed = TRUE;
	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error(ps->error, LR_ERROR, LR_ERROR_CONFIG, "condition column %ld: %s",
	            g_utf8_pointer_to_offset(ps->text, at) + 1, msg);
}

/* lex_string - a quoted string at ps->p. */
static void lex_string(Parser *ps)
{
	char quote = *ps->p++;
	GString *out = g_string_new(NULL);

	while (*ps->p && *ps->p != quote) {
		if (*ps->p == '\\' && ps->p[1] != '\0')
			ps->p++;
		g_string_append_c(out, *ps->p++);
	}
	if (*ps->p == '\0')
		fail(ps, ps->start, "text in quotes never ends (missing %c)", quote);
	else
		ps->p++;
	ps->kind = T_STRING;
	ps->value = g_string_free(out, FALSE);
}

/* lex_op - an operator or punctuation at ps->p. */
static void lex_op(Parser *ps)
{
	static const char *const two[] = {"==", "!=", "<=", ">=", "&&", "||", "!~", NULL};
	static const char punct[] = "()[],.";
	static const TokKind pkind[] = {T_LPAREN, T_RPAREN, T_LBRACK, T_RBRACK, T_COMMA, T_DOT};
	const char *hit;

	for (int i = 0; two[i] != NULL; i++)
		if (strncmp(ps->p, two[i], 2) == 0) {
			ps->kind = T_OP;
			ps->value = g_strndup(ps->p, 2);
			ps->p += 2;
			return;
		}
	if ((hit = strchr(punct, *ps->p)) != NULL) {
		ps->kind = pkind[hit - punct];
	} else if (strchr("<>!~", *ps->p) != NULL) {
		ps->kind = T_OP;
	} else if (*ps->p == '=') {
		fail(ps, ps->p, "use '==' to compare");
	} else if (*ps->p == '&' || *ps->p == '|') {
		fail(ps, ps->p, "use '%c%c'", *ps->p, *ps->p);
	} else if (*ps->p == '/') {
		fail(ps, ps->p, "a /regular expression/ goes after '~'");
	} else {
		fail(ps, ps->p, "unexpected character '%.*s'",
		     (int)(g_utf8_next_char(ps->p) - ps->p), ps->p);
	}
	ps->value = g_strndup(ps->p, 1);
	ps->p++;
}

/* next - read the next token. */
static void next(Parser *ps)
{
	g_clear_pointer(&ps->value, g_free);
	while (g_ascii_isspace(*ps->p))
		ps->p++;
	ps->start = ps->p;
	if (*ps->p == '\0') {
		ps->kind = T_END;
		ps->value = g_strdup("");
	} else if (*ps->p == '\'' || *ps->p == '"') {
		lex_string(ps);
	} else if (g_ascii_isdigit(*ps->p) || (*ps->p == '-' && g_ascii_isdigit(ps->p[1]))) {
		ps->p++;
		while (g_ascii_isdigit(*ps->p) || (*ps->p == '.' && g_ascii_isdigit(ps->p[1])))
			ps->p++;
		ps->kind = T_NUMBER;
		ps->value = g_strndup(ps->start, ps->p - ps->start);
	} else if (g_ascii_isalpha(*ps->p) || *ps->p == '_') {
		while (g_ascii_isalnum(*ps->p) || *ps->p == '_')
			ps->p++;
		ps->kind = T_NAME;
		ps->value = g_strndup(ps->start, ps->p - ps->start);
	} else {
		lex_op(ps);
	}
}

/* is_word - the current token is the name word. */
static gboolean is_word(const Parser *ps, const char *word)
{
	return ps->kind == T_NAME && strcmp(ps->value, word) == 0;
}

/* is_op - the current token is operator op. */
static gboolean is_op(const Parser *ps, const char *op)
{
	return ps->kind == T_OP && strcmp(ps->value, op) == 0;
}

/* found - how to name the current token in a message. */
static const char *found(Parser *ps)
{
	g_free(ps->shown);
	if (ps->kind == T_END)
		ps->shown = g_strdup("the end");
	else if (ps->kind == T_STRING)
		ps->shown = g_strndup(ps->start, MIN(ps->p - ps->start, 40));
	else
		ps->shown = g_strdup_printf("'%.*s'", (int)MIN(ps->p - ps->start, 40), ps->start);
	return ps->shown;
}

/* ---- parser ---- */

/* literal - a literal value from the current token. */
static Val *literal(Parser *ps)
{
	Val *v = g_new0(Val, 1);

	v->kind = V_LIT;
	v->text = g_strdup(ps->value);
	v->is_num = cond_number(v->text, &v->num);
	v->column = 0;
	next(ps);
	return v;
}

/* parse_table - TABLE "[" value "]" [ "." column ], at the "[". */
static Val *parse_table(Parser *ps, const char *name, const char *at);

/* parse_value - a value. */
static Val *parse_value(Parser *ps)
{
	g_autofree char *name = NULL;
	const char *at = ps->start;
	Val *v;

	if (ps->kind == T_STRING || ps->kind == T_NUMBER || is_word(ps, "true") ||
	    is_word(ps, "false"))
		return literal(ps);
	if (ps->kind != T_NAME || is_word(ps, "in") || is_word(ps, "contains") ||
	    is_word(ps, "and") || is_word(ps, "or") || is_word(ps, "not")) {
		fail(ps, ps->start, "expected a field name, 'text' or a number, found %s",
		     found(ps));
		return NULL;
	}
	name = g_strdup(ps->value);
	next(ps);
	if (ps->kind == T_LBRACK)
		return parse_table(ps, name, at);
	v = g_new0(Val, 1);
	if (strcmp(name, "user") == 0 && ps->kind == T_DOT) {
		next(ps);
		if (ps->kind != T_NAME)
			fail(ps, ps->start, "expected an attribute name after 'user.'");
		v->kind = V_USER;
		v->text = g_strdup(ps->value);
		v->label = g_strdup_printf("user.%s", ps->value);
		next(ps);
		return v;
	}
	v->kind = V_NAME;
	v->special = cond_special_of(name);
	v->label = g_strdup(name);
	v->text = g_steal_pointer(&name);
	return v;
}

/* parse_table - a table look-up, at its "[". */
static Val *parse_table(Parser *ps, const char *name, const char *at)
{
	const LrTable *table = ps->tables ? ps->tables(ps->data, name) : NULL;
	Val *v = g_new0(Val, 1);

	v->kind = V_TABLE;
	v->column = -1;
	v->text = g_strdup(name);
	v->label = g_strdup(name);
	if ((v->table = table) == NULL)
		fail(ps, at, "no table called '%s'", name);
	next(ps);
	if ((v->key = parse_value(ps)) == NULL)
		return v;
	if (ps->kind != T_RBRACK) {
		fail(ps, ps->start, "expected ']' after the table key, found %s", found(ps));
		return v;
	}
	next(ps);
	if (ps->kind != T_DOT)
		return v;
	next(ps);
	if (ps->kind != T_NAME) {
		fail(ps, ps->start, "expected a column name after '.'");
		return v;
	}
	if (table && (v->column = table_column(table, ps->value)) < 0)
		fail(ps, ps->start, "table '%s' has no column '%s'", name, ps->value);
	g_free(v->label);
	v->label = g_strdup_printf("%s.%s", name, ps->value);
	next(ps);
	return v;
}

/* parse_list - "[" values "]". */
static GPtrArray *parse_list(Parser *ps)
{
	GPtrArray *list = g_ptr_array_new_with_free_func((GDestroyNotify)cond_val_free);

	if (ps->kind != T_LBRACK) {
		fail(ps, ps->start, "expected '[' after 'in', found %s", found(ps));
		return list;
	}
	next(ps);
	while (!ps->failed && ps->kind != T_RBRACK) {
		Val *v = parse_value(ps);
		if (v != NULL)
			g_ptr_array_add(list, v);
		if (ps->kind == T_COMMA)
			next(ps);
		else if (ps->kind != T_RBRACK)
			fail(ps, ps->start, "expected ',' or ']' in the list, found %s", found(ps));
	}
	next(ps);
	return list;
}

/* cond_literal_of - a regex that is plain text. */
char *cond_literal_of(const char *pattern, GRegexCompileFlags flags, gboolean *caseless)
{
	if (*pattern == '\0' || (flags & ~(G_REGEX_OPTIMIZE | G_REGEX_CASELESS)) != 0)
		return NULL;
	for (const char *p = pattern; *p; p++)
		if (!g_ascii_isalnum(*p) && strchr(" -_,:@'", *p) == NULL)
			return NULL;
	*caseless = (flags & G_REGEX_CASELESS) != 0;
	return g_strdup(pattern);
}

/* parse_regex - /regex/flags after '~'; *literal gets cond_literal_of. */
static GRegex *parse_regex(Parser *ps, char **literal, gboolean *caseless)
{
	GRegexCompileFlags flags = G_REGEX_OPTIMIZE;
	g_autoptr(GString) re = g_string_new(NULL);
	g_autoptr(GError) error = NULL;
	const char *at = ps->p;
	GRegex *out;

	while (g_ascii_isspace(*at))
		at++;
	if (*at != '/') {
		fail(ps, at, "expected /regular expression/ after '~'");
		return NULL;
	}
	for (ps->p = at + 1; *ps->p && *ps->p != '/'; ps->p++) {
		if (*ps->p == '\\' && ps->p[1] == '/')
			ps->p++;
		else if (*ps->p == '\\' && ps->p[1] != '\0')
			g_string_append_c(re, *ps->p++);
		g_string_append_c(re, *ps->p);
	}
	if (*ps->p != '/') {
		fail(ps, at, "regular expression never ends (missing /)");
		return NULL;
	}
	for (ps->p++; g_ascii_isalpha(*ps->p); ps->p++) {
		if (*ps->p == 'i')
			flags |= G_REGEX_CASELESS;
		else if (*ps->p == 'x')
			flags |= G_REGEX_EXTENDED;
		else
			fail(ps, ps->p, "unknown regular expression flag '%c' (use i or x)",
			     *ps->p);
	}
	if ((out = g_regex_new(re->str, flags, 0, &error)) == NULL) {
		/* GLib says "Error while compiling regular expression X at char N: why". */
		const char *why = strstr(error->message, " at char ");
		why = why && strstr(why, ": ") ? strstr(why, ": ") + 2 : error->message;
		fail(ps, at, "bad regular expression: %s", why);
	} else {
		*literal = cond_literal_of(re->str, flags, caseless);
	}
	next(ps);
	return out;
}

/* cmp_op - the comparison the current token is, or -1. */
static int cmp_op(const Parser *ps)
{
	static const char *const ops[] = {"==", "!=", "<", "<=", ">", ">="};

	for (guint i = 0; ps->kind == T_OP && i < G_N_ELEMENTS(ops); i++)
		if (strcmp(ps->value, ops[i]) == 0)
			return (int)i;
	return -1;
}

/* parse_test_rest - what follows a test's first value. */
static void parse_test_rest(Parser *ps, Node *n)
{
	int op = cmp_op(ps);

	if (is_word(ps, "not")) {
		n->negate = TRUE;
		next(ps);
		if (!is_word(ps, "in") && !is_word(ps, "contains"))
			fail(ps, ps->start, "expected 'in' or 'contains' after 'not', found %s",
			     found(ps));
	}
	if (op >= 0) {
		n->kind = N_CMP, n->op = (CmpOp)op;
		next(ps);
		n->r = parse_value(ps);
	} else if (is_word(ps, "in")) {
		n->kind = N_IN;
		next(ps);
		n->list = parse_list(ps);
	} else if (is_word(ps, "contains")) {
		n->kind = N_CONTAINS;
		next(ps);
		n->r = parse_value(ps);
	} else if (is_op(ps, "~") || is_op(ps, "!~")) {
		n->kind = N_MATCH;
		n->negate = is_op(ps, "!~");
		n->re = parse_regex(ps, &n->literal, &n->caseless);
	}
}

/* parse_unary - "!" unary, "(" expr ")", or a test. */
static Node *parse_unary(Parser *ps)
{
	Node *n;

	if (++ps->depth > COND_MAX_DEPTH)
		fail(ps, ps->start, "nested too deeply");
	if (ps->failed)
		return NULL;
	if (is_op(ps, "!") || is_word(ps, "not")) {
		next(ps);
		n = g_new0(Node, 1);
		n->kind = N_NOT;
		n->a = parse_unary(ps);
	} else if (ps->kind == T_LPAREN) {
		const char *open = ps->start;
		next(ps);
		n = parse_or(ps);
		if (ps->kind != T_RPAREN)
			fail(ps, ps->kind == T_END ? open : ps->start,
			     ps->kind == T_END ? "'(' is never closed" : "expected ')', found %s",
			     found(ps));
		next(ps);
	} else {
		n = g_new0(Node, 1);
		n->kind = N_TRUTH;
		n->l = parse_value(ps);
		if (!ps->failed)
			parse_test_rest(ps, n);
	}
	ps->depth--;
	return n;
}

/* parse_and - unary { && unary }. */
static Node *parse_and(Parser *ps)
{
	Node *n = parse_unary(ps);

	while (!ps->failed && (is_op(ps, "&&") || is_word(ps, "and"))) {
		Node *both = g_new0(Node, 1);
		next(ps);
		both->kind = N_AND;
		both->a = n;
		both->b = parse_unary(ps);
		n = both;
	}
	return n;
}

/* parse_or - and { || and }. */
static Node *parse_or(Parser *ps)
{
	Node *n = parse_and(ps);

	while (!ps->failed && (is_op(ps, "||") || is_word(ps, "or"))) {
		Node *either = g_new0(Node, 1);
		next(ps);
		either->kind = N_OR;
		either->a = n;
		either->b = parse_and(ps);
		n = either;
	}
	return n;
}

/* cond_compile - compile a condition. */
LrCond *cond_compile(const char *text, CondTableFunc tables, gpointer data, GError **error)
{
	Parser ps = {.text = text,
	             .p = text,
	             .kind = T_END,
	             .start = text,
	             .tables = tables,
	             .data = data,
	             .error = error};
	Node *root;
	LrCond *cond;

	if (!g_utf8_validate(text, -1, NULL)) {
		g_set_error(error, LR_ERROR, LR_ERROR_CONFIG, "condition column 1: not UTF-8 text");
		return NULL;
	}
	next(&ps);
	if (ps.kind == T_END)
		fail(&ps, ps.start, "the condition is empty");
	root = parse_or(&ps);
	if (!ps.failed && ps.kind != T_END)
		fail(&ps, ps.start, "expected '&&', '||' or the end, found %s", found(&ps));
	g_free(ps.value);
	g_free(ps.shown);
	if (ps.failed) {
		cond_node_free(root);
		return NULL;
	}
	cond = g_new0(LrCond, 1);
	cond->text = g_strdup(text);
	cond->root = root;
	return cond;
}
