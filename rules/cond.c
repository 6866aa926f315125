/* cond.c - the condition language: values, text folding, evaluation,
 * descriptions and index keys (the parser is in cond-parse.c).  See cond.h
 * for the grammar. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lead/lr-error.h"
#include "lead/number.h"
#include "rules/cond-int.h"

/* The special names, by Special. */
static const char *const special_names[] = {
    NULL, "priority", "source", "email_domain", "subject", "sender", "recipient", "format",
};

/* ---- values ---- */

/* cond_val_free - destroy a value. */
void cond_val_free(Val *v)
{
	if (v == NULL)
		return;
	g_free(v->text);
	g_free(v->label);
	cond_val_free(v->key);
	g_free(v);
}

/* cond_node_free - destroy a node and its children. */
void cond_node_free(Node *n)
{
	if (n == NULL)
		return;
	cond_node_free(n->a);
	cond_node_free(n->b);
	cond_val_free(n->l);
	cond_val_free(n->r);
	if (n->list != NULL)
		g_ptr_array_free(n->list, TRUE);
	if (n->re != NULL)
		g_regex_unref(n->re);
	g_free(n->literal);
	g_free(n);
}

/* cond_free - destroy a condition. */
void cond_free(LrCond *cond)
{
	if (cond == NULL)
		return;
	cond_node_free(cond->root);
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

/* write_digits - u in decimal at p (not terminated); returns the end. */
static char *write_digits(char *p, guint u)
{
	char digits[12], *d = digits + sizeof(digits);
	gsize n;

	do
		*--d = (char)('0' + u % 10);
	while ((u /= 10) > 0);
	n = digits + sizeof(digits) - d;
	memcpy(p, d, n);
	return p + n;
}

/* format_fraction - "%g" of |x| for 1 <= |x| < 1e6 by exact integer
 * arithmetic into p: the six significant digits printf writes (|x| times
 * 10^(5 - e) rounded to the nearest, e + 1 the integer digits), trailing
 * zeros dropped.  FALSE when printf must decide (a tie, or rounding that
 * carries into another digit). */
static gboolean format_fraction(double x, char *p)
{
#ifdef __SIZEOF_INT128__
	static const guint pow10[] = {1, 10, 100, 1000, 10000, 100000, 1000000};
	guint64 ip = (guint64)fabs(x), m, q;
	int e = 0, ex, n, shift;
	unsigned __int128 v, rem, half;
	guint frac;

	while (ip >= pow10[e + 1])
		e++;
	n = 5 - e;
	m = (guint64)ldexp(frexp(fabs(x), &ex), 53); /* |x| = m * 2^(ex - 53) exactly */
	shift = 53 - ex;
	v = (unsigned __int128)m * pow10[n];
	rem = v & (((unsigned __int128)1 << shift) - 1);
	half = (unsigned __int128)1 << (shift - 1);
	q = (guint64)(v >> shift) + (rem > half);
	if (rem == half || q >= 1000000)
		return FALSE;
	p = write_digits(p, (guint)(q / pow10[n]));
	frac = (guint)(q % pow10[n]);
	for (; n > 0 && frac % 10 == 0; n--)
		frac /= 10;
	if (n > 0) {
		*p++ = '.';
		for (int k = n - 1; k >= 0; k--)
			p[k] = (char)('0' + frac % 10), frac /= 10;
		p += n;
	}
	*p = '\0';
	return TRUE;
#else
	(void)x;
	(void)p;
	return FALSE;
#endif
}

/* cond_format_number - "%g" or "%+g" of x; whole numbers below 1e6 by
 * hand (%g writes them as their digits: six significant digits suffice),
 * others from 1 to 1e6 by format_fraction. */
char *cond_format_number(double x, gboolean sign, char buf[32])
{
	char *out = buf;

	if (signbit(x))
		*out++ = '-';
	else if (sign)
		*out++ = '+';
	if (x != floor(x) && fabs(x) >= 1 && fabs(x) < 1e6 && format_fraction(x, out))
		return buf;
	if (x != floor(x) || fabs(x) >= 1e6) {
		g_snprintf(buf, 32, sign ? "%+g" : "%g", x);
		return buf;
	}
	*write_digits(out, (guint)fabs(x)) = '\0';
	return buf;
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
static const char *name_value(Special sp, const char *field, const LrCondCtx *ctx, char buf[32])
{
	const LrLead *lead = ctx->lead;
	const char *v = NULL;

	switch (sp) {
	case S_PRIORITY:
		return cond_format_number(ctx->priority, FALSE, buf);
	case S_SOURCE:
		v = lead->source ? lead->source : lead_field_get(lead, "source");
		break;
	case S_EMAIL_DOMAIN:
		v = lead_field_get(lead, "email");
		v = v ? strrchr(v, '@') : NULL;
		v = v ? v + 1 : NULL;
		break;
	case S_SUBJECT:
		v = lead_field_get(lead, "subject") ? lead_field_get(lead, "subject")
		                                    : lead->subject;
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

/* cond_special_of - which special name text is (S_FIELD for a plain field). */
Special cond_special_of(const char *text)
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
	return name_value(cond_special_of(name), name, ctx, buf);
}

struct LrCondName {
	gboolean user; /* user.ATTR: field is ATTR */
	Special special;
	char *field;
};

/* cond_name_new - a name compiled. */
LrCondName *cond_name_new(const char *name)
{
	LrCondName *n = g_new0(LrCondName, 1);

	n->user = g_str_has_prefix(name, "user.");
	n->field = g_strdup(n->user ? name + 5 : name);
	n->special = n->user ? S_FIELD : cond_special_of(name);
	return n;
}

/* cond_name_value - a compiled name's value (as cond_value_name). */
const char *cond_name_value(const LrCondName *name, const LrCondCtx *ctx, char buf[32])
{
	const char *v;

	if (name->user) {
		v = ctx->user ? g_hash_table_lookup(ctx->user, name->field) : NULL;
		return v ? v : "";
	}
	return name_value(name->special, name->field, ctx, buf);
}

/* cond_name_free - destroy a compiled name. */
void cond_name_free(LrCondName *name)
{
	if (name == NULL)
		return;
	g_free(name->field);
	g_free(name);
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
static const char *operand_text(const Val *v, const LrCondCtx *ctx, char buf[32], const char *text)
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
	gboolean lnum, rnum;

	/* against a literal that is no number the comparison is of texts: the
	 * other side is not read as a number (the same answer, sooner) */
	if (n->r->kind == V_LIT && !n->r->is_num) {
		l = val_text(n->l, ctx, lb), r = n->r->text;
		lnum = rnum = FALSE;
	} else {
		lnum = operand(n->l, ctx, lb, &l, &x), rnum = operand(n->r, ctx, rb, &r, &y);
	}

	if (lnum && rnum)
		c = x < y ? -1 : x > y;
	else if (n->op >= OP_LT &&
	         ((n->l->kind == V_LIT && n->l->is_num) || (n->r->kind == V_LIT && n->r->is_num)))
		return FALSE;
	else
		c = text_cmp(operand_text(n->l, ctx, lb, l), operand_text(n->r, ctx, rb, r));
	switch (n->op) {
	case OP_EQ:
		return c == 0;
	case OP_NE:
		return c != 0;
	case OP_LT:
		return c < 0;
	case OP_LE:
		return c <= 0;
	case OP_GT:
		return c > 0;
	case OP_GE:
		return c >= 0;
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

/* find_ascii - whether hay holds needle (ASCII case ignored when caseless). */
static gboolean find_ascii(const char *hay, const char *needle, gboolean caseless)
{
	gsize n = strlen(needle);

	if (!caseless)
		return strstr(hay, needle) != NULL;
	for (; *hay; hay++)
		if (g_ascii_strncasecmp(hay, needle, n) == 0)
			return TRUE;
	return FALSE;
}

/* test_match - a regex test: a search when the regex is plain text and
 * text is ASCII (the same answer, see cond_literal_of), else GRegex. */
static gboolean test_match(const Node *n, const char *text)
{
	if (n->literal != NULL && is_ascii(text))
		return find_ascii(text, n->literal, n->caseless);
	return g_regex_match(n->re, text, 0, NULL);
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
	case N_OR:
		return node_eval(n->a, ctx) || node_eval(n->b, ctx);
	case N_AND:
		return node_eval(n->a, ctx) && node_eval(n->b, ctx);
	case N_NOT:
		return !node_eval(n->a, ctx);
	case N_CMP:
		return test_cmp(n, ctx);
	case N_IN:
		return test_in(n, ctx) != n->negate;
	case N_CONTAINS:
		return test_contains(n, ctx) != n->negate;
	case N_MATCH:
		return test_match(n, val_text(n->l, ctx, buf)) != n->negate;
	case N_TRUTH:
		return truthy(val_text(n->l, ctx, buf));
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

	return g_strdup(cond_eval_borrow(cond, ctx, buf));
}

/* cond_eval_borrow - a condition's value as text, without a copy. */
const char *cond_eval_borrow(const LrCond *cond, const LrCondCtx *ctx, char buf[32])
{
	if (cond->root->kind == N_TRUTH)
		return val_text(cond->root->l, ctx, buf);
	return node_eval(cond->root, ctx) ? "1" : "";
}

/* describe_val - append "label value" for a value read from the lead,
 * unless reason holds that pair already.  (The pair is appended, then
 * searched for in the text before it and taken back when found: no copy.) */
static void describe_val(const Val *v, const LrCondCtx *ctx, GString *reason)
{
	char buf[32];
	const char *text;
	gsize before = reason->len, start;

	if (v == NULL || v->kind == V_LIT || (v->kind == V_NAME && v->special == S_PRIORITY))
		return;
	text = val_text(v, ctx, buf);
	if (*text == '\0' || v->column < 0)
		return;
	if (before > 0)
		g_string_append(reason, ", ");
	start = reason->len;
	g_string_append(reason, v->label);
	g_string_append_c(reason, ' ');
	g_string_append(reason, text);
	if (before > 0) { /* the text before ends at the ", " for the search */
		char *comma = reason->str + before;
		gboolean seen;

		*comma = '\0';
		seen = strstr(reason->str, reason->str + start) != NULL;
		*comma = ',';
		if (seen)
			g_string_truncate(reason, before);
	}
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

/* cond_describe_held - why a condition that holds holds. */
void cond_describe_held(const LrCond *cond, const LrCondCtx *ctx, GString *reason)
{
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
