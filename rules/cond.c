/* cond.c - the condition language: lexer, recursive-descent parser,
 * evaluator.  See cond.h for the grammar. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lead/lr-error.h"
#include "lead/number.h"
#include "rules/cond.h"

/* Deeper nesting than this is refused, so bad input cannot exhaust the stack. */
#define COND_MAX_DEPTH 64

/* Names with a meaning of their own; everything else is a lead field. */
typedef enum {
	S_FIELD,
	S_PRIORITY,
	S_SOURCE,
	S_EMAIL_DOMAIN,
	S_SUBJECT,
	S_SENDER,
	S_RECIPIENT,
	S_FORMAT,
} Special;

static const char *const special_names[] = {
	NULL, "priority", "source", "email_domain", "subject", "sender", "recipient", "format",
};

typedef enum { V_LIT, V_NAME, V_USER, V_TABLE } ValKind;

typedef struct Val {
	ValKind kind;
	char *text;		/* literal, field name, user attribute */
	double num;		/* literal read as a number */
	gboolean is_num;
	Special special;	/* V_NAME */
	const LrTable *table;	/* V_TABLE */
	struct Val *key;
	int column;		/* -1: the row's existence */
	char *label;		/* how cond_describe names it */
} Val;

typedef enum { N_OR, N_AND, N_NOT, N_CMP, N_IN, N_MATCH, N_CONTAINS, N_TRUTH } NodeKind;
typedef enum { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE } CmpOp;

typedef struct Node {
	NodeKind kind;
	CmpOp op;
	gboolean negate;	/* not in, !~, not contains */
	struct Node *a, *b;	/* N_OR, N_AND, N_NOT */
	Val *l, *r;		/* tests */
	GPtrArray *list;	/* N_IN: Val * */
	GRegex *re;		/* N_MATCH */
} Node;

struct LrCond {
	char *text;
	Node *root;
};

typedef enum {
	T_END, T_STRING, T_NUMBER, T_NAME, T_OP, T_LPAREN, T_RPAREN,
	T_LBRACK, T_RBRACK, T_COMMA, T_DOT,
} TokKind;

typedef struct {
	const char *text;
	const char *p;		/* next unread byte */
	TokKind kind;
	const char *start;	/* the current token */
	char *value;		/* its text (strings unescaped) */
	char *shown;		/* found()'s last answer */
	int depth;
	CondTableFunc tables;
	gpointer data;
	GError **error;
	gboolean failed;
} Parser;

static Node *parse_or(Parser *ps);

/* ---- values ---- */

/* val_free - destroy a value. */
static void val_free(Val *v)
{
	if (v == NULL)
		return;
	g_free(v->text);
	g_free(v->label);
	val_free(v->key);
	g_free(v);
}

/* node_free - destroy a node and its children. */
static void node_free(Node *n)
{
	if (n == NULL)
		return;
	node_free(n->a);
	node_free(n->b);
	val_free(n->l);
	val_free(n->r);
	if (n->list != NULL)
		g_ptr_array_free(n->list, TRUE);
	if (n->re != NULL)
		g_regex_unref(n->re);
	g_free(n);
}

/* cond_free - destroy a condition. */
void cond_free(LrCond *cond)
{
	if (cond == NULL)
		return;
	node_free(cond->root);
	g_free(cond->text);
	g_free(cond);
}

/* cond_text - the source text. */
const char *cond_text(const LrCond *cond)
{
	return cond->text;
}

/* ---- numbers ---- */

/* cond_number - read text as a number: the parser's reader (see
 * lead/number.h), so that rules and `leadroute parse` agree. */
gboolean cond_number(const char *text, double *out)
{
	return lead_number_read(text, out);
}

/* ---- folding and comparing text ---- */

/* trimmed - the bounds of s without surrounding white space. */
static void trimmed(const char *s, const char **b, const char **e)
{
	*e = s + strlen(s);
	while (*s && g_ascii_isspace(*s))
		s++;
	while (*e > s && g_ascii_isspace((*e)[-1]))
		(*e)--;
	*b = s;
}

/* cond_fold - trimmed and case-folded. */
char *cond_fold(const char *text)
{
	const char *b, *e;
	g_autofree char *copy = NULL;

	trimmed(text ? text : "", &b, &e);
	copy = g_strndup(b, e - b);
	for (const char *s = copy; *s; s++)
		if ((guchar)*s >= 0x80)
			return g_utf8_casefold(copy, -1);
	return g_ascii_strdown(copy, -1);
}

/* is_ascii - no byte of s is above 0x7f. */
static gboolean is_ascii(const char *s)
{
	for (; *s; s++)
		if ((guchar)*s >= 0x80)
			return FALSE;
	return TRUE;
}

/* text_cmp - compare two texts trimmed and ignoring case. */
static int text_cmp(const char *a, const char *b)
{
	const char *ab, *ae, *bb, *be;

	if (!is_ascii(a) || !is_ascii(b)) {
		g_autofree char *fa = cond_fold(a);
		g_autofree char *fb = cond_fold(b);
		return strcmp(fa, fb);
	}
	trimmed(a, &ab, &ae);
	trimmed(b, &bb, &be);
	for (; ab < ae && bb < be; ab++, bb++) {
		int d = g_ascii_tolower(*ab) - g_ascii_tolower(*bb);
		if (d != 0)
			return d;
	}
	return (ab < ae) - (bb < be);
}

/* ---- evaluation ---- */

/* name_value - the value of a lead name for ctx (borrowed, or in buf). */
static const char *name_value(Special sp, const char *field, const LrCondCtx *ctx,
			      char buf[32])
{
	const LrLead *lead = ctx->lead;
	const char *v = NULL;

	switch (sp) {
	case S_PRIORITY:
		g_snprintf(buf, 32, "%g", ctx->priority);
		return buf;
	case S_SOURCE:
		v = lead->source ? lead->source : lead_field_get(lead, "source");
		break;
	case S_EMAIL_DOMAIN:
		v = lead_field_get(lead, "email");
		v = v && strrchr(v, '@') ? strrchr(v, '@') + 1 : NULL;
		break;
	case S_SUBJECT:
		v = lead_field_get(lead, "subject") ? lead_field_get(lead, "subject") : lead->subject;
		break;
	case S_SENDER:
		v = lead->sender;
		break;
	case S_RECIPIENT:
		v = lead->recipient;
		break;
	case S_FORMAT:
		v = lead->format;
		break;
	case S_FIELD:
		v = lead_field_get(lead, field);
		break;
	}
	return v ? v : "";
}

/* special_of - which special name text is (S_FIELD for a plain field). */
static Special special_of(const char *text)
{
	for (guint i = 1; i < G_N_ELEMENTS(special_names); i++)
		if (strcmp(text, special_names[i]) == 0)
			return (Special)i;
	return S_FIELD;
}

/* cond_value_name - a named value. */
const char *cond_value_name(const char *name, const LrCondCtx *ctx, char buf[32])
{
	const char *v;

	if (g_str_has_prefix(name, "user.")) {
		v = ctx->user ? g_hash_table_lookup(ctx->user, name + 5) : NULL;
		return v ? v : "";
	}
	return name_value(special_of(name), name, ctx, buf);
}

/* val_text - a value's text for ctx (borrowed, or in buf). */
static const char *val_text(const Val *v, const LrCondCtx *ctx, char buf[32])
{
	const char *const *row;
	const char *s;

	switch (v->kind) {
	case V_LIT:
		return v->text;
	case V_NAME:
		return name_value(v->special, v->text, ctx, buf);
	case V_USER:
		s = ctx->user ? g_hash_table_lookup(ctx->user, v->text) : NULL;
		return s ? s : "";
	case V_TABLE:
		row = table_lookup(v->table, val_text(v->key, ctx, buf));
		if (v->column < 0)
			return row ? "1" : "";
		return row ? row[v->column] : "";
	}
	return "";
}

/* val_number - a value as a number, when it reads as one. */
static gboolean val_number(const Val *v, const char *text, const LrCondCtx *ctx, double *out)
{
	if (v->kind == V_LIT) {
		*out = v->num;
		return v->is_num;
	}
	if (v->kind == V_NAME && v->special == S_PRIORITY) {
		*out = ctx->priority;
		return TRUE;
	}
	return cond_number(text, out);
}

/* operand - a comparison's side as a number (TRUE when it reads as one)
 * and as text in *text, except for priority, whose text is only written
 * (into buf) when asked for by operand_text. */
static gboolean operand(const Val *v, const LrCondCtx *ctx, char buf[32], const char **text,
			double *out)
{
	if (v->kind == V_NAME && v->special == S_PRIORITY) {
		*text = NULL;
		*out = ctx->priority;
		return TRUE;
	}
	*text = val_text(v, ctx, buf);
	return val_number(v, *text, ctx, out);
}

/* operand_text - a side's text after operand(). */
static const char *operand_text(const Val *v, const LrCondCtx *ctx, char buf[32],
				const char *text)
{
	return text != NULL ? text : val_text(v, ctx, buf);
}

/* test_cmp - a comparison. */
static gboolean test_cmp(const Node *n, const LrCondCtx *ctx)
{
	char lb[32], rb[32];
	const char *l, *r;
	double x, y;
	int c;
	gboolean lnum = operand(n->l, ctx, lb, &l, &x), rnum = operand(n->r, ctx, rb, &r, &y);

	if (lnum && rnum)
		c = x < y ? -1 : x > y;
	else if (n->op >= OP_LT && ((n->l->kind == V_LIT && n->l->is_num) ||
				    (n->r->kind == V_LIT && n->r->is_num)))
		return FALSE;
	else
		c = text_cmp(operand_text(n->l, ctx, lb, l), operand_text(n->r, ctx, rb, r));
	switch (n->op) {
	case OP_EQ: return c == 0;
	case OP_NE: return c != 0;
	case OP_LT: return c < 0;
	case OP_LE: return c <= 0;
	case OP_GT: return c > 0;
	case OP_GE: return c >= 0;
	}
	return FALSE;
}

/* test_in - membership in a list. */
static gboolean test_in(const Node *n, const LrCondCtx *ctx)
{
	char lb[32], rb[32];
	const char *l = val_text(n->l, ctx, lb);
	double x, y;
	gboolean lnum = val_number(n->l, l, ctx, &x);

	for (guint i = 0; i < n->list->len; i++) {
		const Val *item = g_ptr_array_index(n->list, i);
		const char *r = val_text(item, ctx, rb);

		if (lnum && val_number(item, r, ctx, &y) ? x == y : text_cmp(l, r) == 0)
			return TRUE;
	}
	return FALSE;
}

/* test_contains - case-insensitive substring. */
static gboolean test_contains(const Node *n, const LrCondCtx *ctx)
{
	char lb[32], rb[32];
	g_autofree char *hay = cond_fold(val_text(n->l, ctx, lb));
	g_autofree char *needle = cond_fold(val_text(n->r, ctx, rb));

	return strstr(hay, needle) != NULL;
}

/* truthy - a value on its own. */
static gboolean truthy(const char *s)
{
	return *s != '\0' && strcmp(s, "0") != 0 && g_ascii_strcasecmp(s, "false") != 0;
}

/* node_eval - evaluate a node. */
static gboolean node_eval(const Node *n, const LrCondCtx *ctx)
{
	char buf[32];

	switch (n->kind) {
	case N_OR: return node_eval(n->a, ctx) || node_eval(n->b, ctx);
	case N_AND: return node_eval(n->a, ctx) && node_eval(n->b, ctx);
	case N_NOT: return !node_eval(n->a, ctx);
	case N_CMP: return test_cmp(n, ctx);
	case N_IN: return test_in(n, ctx) != n->negate;
	case N_CONTAINS: return test_contains(n, ctx) != n->negate;
	case N_MATCH:
		return g_regex_match(n->re, val_text(n->l, ctx, buf), 0, NULL) != n->negate;
	case N_TRUTH: return truthy(val_text(n->l, ctx, buf));
	}
	return FALSE;
}

/* cond_eval - evaluate a condition. */
gboolean cond_eval(const LrCond *cond, const LrCondCtx *ctx)
{
	return node_eval(cond->root, ctx);
}

/* cond_eval_text - a condition's value as text. */
char *cond_eval_text(const LrCond *cond, const LrCondCtx *ctx)
{
	char buf[32];

	if (cond->root->kind == N_TRUTH)
		return g_strdup(val_text(cond->root->l, ctx, buf));
	return g_strdup(node_eval(cond->root, ctx) ? "1" : "");
}

/* describe_val - append "label value" for a value read from the lead. */
static void describe_val(const Val *v, const LrCondCtx *ctx, GString *reason)
{
	char buf[32];
	const char *text;
	g_autofree char *pair = NULL;

	if (v == NULL || v->kind == V_LIT || (v->kind == V_NAME && v->special == S_PRIORITY))
		return;
	text = val_text(v, ctx, buf);
	if (*text == '\0' || v->column < 0)
		return;
	pair = g_strconcat(v->label, " ", text, NULL);
	if (strstr(reason->str, pair) != NULL)
		return;
	if (reason->len > 0)
		g_string_append(reason, ", ");
	g_string_append(reason, pair);
}

/* node_describe - the data behind a node that holds. */
static void node_describe(const Node *n, const LrCondCtx *ctx, GString *reason)
{
	switch (n->kind) {
	case N_AND:
		node_describe(n->a, ctx, reason);
		node_describe(n->b, ctx, reason);
		return;
	case N_OR:
		node_describe(node_eval(n->a, ctx) ? n->a : n->b, ctx, reason);
		return;
	case N_NOT:
		return;
	default:
		if (n->negate || (n->kind == N_CMP && n->op == OP_NE))
			return;
		describe_val(n->l, ctx, reason);
		describe_val(n->r, ctx, reason);
	}
}

/* cond_describe - why a condition holds. */
void cond_describe(const LrCond *cond, const LrCondCtx *ctx, GString *reason)
{
	if (node_eval(cond->root, ctx))
		node_describe(cond->root, ctx, reason);
}

/* node_constant - TRUE when no value under n reads lead data. */
static gboolean node_constant(const Node *n)
{
	if (n == NULL)
		return TRUE;
	if ((n->l && n->l->kind != V_LIT) || (n->r && n->r->kind != V_LIT))
		return FALSE;
	for (guint i = 0; n->list && i < n->list->len; i++)
		if (((Val *)g_ptr_array_index(n->list, i))->kind != V_LIT)
			return FALSE;
	return node_constant(n->a) && node_constant(n->b);
}

/* cond_constant - whether a condition ignores the lead. */
gboolean cond_constant(const LrCond *cond, gboolean *value)
{
	LrLead empty = {0};
	LrCondCtx ctx = {&empty, 0, NULL};

	if (!node_constant(cond->root))
		return FALSE;
	*value = node_eval(cond->root, &ctx);
	return TRUE;
}

/* index_val - the name a value reads, when indexable. */
static const char *index_name(const Val *v)
{
	if (v->kind == V_NAME && v->special != S_PRIORITY)
		return v->text;
	return NULL;
}

/* index_number - a number's index key, "#" and x as "%.17g" writes it
 * (whole numbers below 1e15 are written here without printf: the same
 * digits).  Returns a new string. */
static char *index_number(double x)
{
	char buf[24], *p = buf + sizeof(buf);
	guint64 u;

	if (x != floor(x) || fabs(x) >= 1e15 || (x == 0 && signbit(x)))
		return g_strdup_printf("#%.17g", x);
	u = (guint64)fabs(x);
	*--p = '\0';
	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) > 0);
	if (x < 0)
		*--p = '-';
	*--p = '#';
	return g_strdup(p);
}

/* cond_index_form - the index key of a value's text. */
char *cond_index_form(const char *text)
{
	double x;

	if (cond_number(text, &x))
		return index_number(x);
	return cond_fold(text);
}

/* index_lit - add a literal's index key to keys. */
static gboolean index_lit(const Val *v, GPtrArray *keys)
{
	if (v->kind != V_LIT)
		return FALSE;
	g_ptr_array_add(keys, v->is_num ? index_number(v->num) : cond_fold(v->text));
	return TRUE;
}

/* cond_index_key - an equality test the condition cannot hold without. */
gboolean cond_index_key(const LrCond *cond, const char **name, GPtrArray *keys)
{
	const Node *n = cond->root;
	guint before = keys->len;

	while (n->kind == N_AND)
		n = n->a;
	if (n->kind == N_CMP && n->op == OP_EQ && index_name(n->l) && index_lit(n->r, keys)) {
		*name = index_name(n->l);
		return TRUE;
	}
	if (n->kind != N_IN || n->negate || index_name(n->l) == NULL)
		return FALSE;
	for (guint i = 0; i < n->list->len; i++)
		if (!index_lit(g_ptr_array_index(n->list, i), keys)) {
			g_ptr_array_set_size(keys, before);
			return FALSE;
		}
	*name = index_name(n->l);
	return TRUE;
}

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
	v->special = special_of(name);
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
	GPtrArray *list = g_ptr_array_new_with_free_func((GDestroyNotify)val_free);

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

/* parse_regex - /regex/flags after '~'. */
static GRegex *parse_regex(Parser *ps)
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
			fail(ps, ps->p, "unknown regular expression flag '%c' (use i or x)", *ps->p);
	}
	if ((out = g_regex_new(re->str, flags, 0, &error)) == NULL) {
		/* GLib says "Error while compiling regular expression X at char N: why". */
		const char *why = strstr(error->message, " at char ");
		why = why && strstr(why, ": ") ? strstr(why, ": ") + 2 : error->message;
		fail(ps, at, "bad regular expression: %s", why);
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
		n->re = parse_regex(ps);
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
	Parser ps = {text, text, T_END, text, NULL, NULL, 0, tables, data, error, FALSE};
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
		node_free(root);
		return NULL;
	}
	cond = g_new0(LrCond, 1);
	cond->text = g_strdup(text);
	cond->root = root;
	return cond;
}
