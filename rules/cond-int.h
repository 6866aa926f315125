/* cond-int.h - private to conditions: the compiled tree that the parser
 * (cond-parse.c) builds and the evaluator (cond.c) walks. */
#ifndef LR_COND_INT_H
#define LR_COND_INT_H

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

typedef enum { V_LIT, V_NAME, V_USER, V_TABLE } ValKind;

typedef struct Val {
	ValKind kind;
	char *text; /* literal, field name, user attribute */
	double num; /* literal read as a number */
	gboolean is_num;
	Special special;      /* V_NAME */
	const LrTable *table; /* V_TABLE */
	struct Val *key;
	int column;  /* -1: the row's existence */
	char *label; /* how cond_describe names it */
} Val;

typedef enum { N_OR, N_AND, N_NOT, N_CMP, N_IN, N_MATCH, N_CONTAINS, N_TRUTH } NodeKind;
typedef enum { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE } CmpOp;

typedef struct Node {
	NodeKind kind;
	CmpOp op;
	gboolean negate;    /* not in, !~, not contains */
	struct Node *a, *b; /* N_OR, N_AND, N_NOT */
	Val *l, *r;         /* tests */
	GPtrArray *list;    /* N_IN: Val * */
	GRegex *re;         /* N_MATCH */
	char *literal;      /* N_MATCH: the regex when it is plain ASCII text (cond_literal_of), or NULL */
	gboolean caseless;  /* N_MATCH: literal ignores case */
} Node;

struct LrCond {
	char *text;
	Node *root;
};

/* cond_val_free - destroy a value and what it owns; NULL is ignored. */
void cond_val_free(Val *v);

/* cond_node_free - destroy a tree; NULL is ignored. */
void cond_node_free(Node *n);

/* cond_literal_of - pattern (compiled with flags) as the text it matches
 * when it is nothing but ASCII letters, digits and a few signs that are
 * no metacharacter (new string), or NULL.  On ASCII text such a regex
 * matches exactly where the text holds it (ignoring ASCII case when
 * caseless): the evaluator then searches instead of running PCRE. */
char *cond_literal_of(const char *pattern, GRegexCompileFlags flags, gboolean *caseless);

/* cond_special_of - the special name text stands for, or S_FIELD. */
Special cond_special_of(const char *text);

#endif
