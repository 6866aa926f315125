/* cond.h - the condition language of rules (`when = "..."`), compiled once
 * when the configuration loads and evaluated per lead.
 *
 * Grammar (a small recursive-descent parser; examples/README.md explains it
 * for administrators):
 *   expr    := and { ("||" | "or") and }
 *   and     := unary { ("&&" | "and") unary }
 *   unary   := ("!" | "not") unary | "(" expr ")" | test
 *   test    := value [ cmp value | ["not"] "in" list | ("~" | "!~") REGEX
 *                    | ["not"] "contains" value ]
 *   cmp     := "==" | "!=" | "<" | "<=" | ">" | ">="
 *   list    := "[" [ value { "," value } ] "]"
 *   value   := STRING | NUMBER | "true" | "false" | name
 *            | "user" "." attr | TABLE "[" value "]" [ "." column ]
 *   STRING  := '...' | "..." (backslash escapes the quote and itself)
 *   REGEX   := /.../ with flags i (ignore case) and x (extended); \/ is a /
 * Names: any lead field ("country", "product"...), and priority (so far),
 * source, email_domain (of the email field), subject, sender, recipient,
 * format.  A missing field is the empty string, never an error.
 *
 * Values are text.  When both sides of a comparison read as numbers
 * ("12", "240,000", "€85,000", "1.2k") they compare as numbers; otherwise
 * as text, ignoring case.  An ordering (< <= > >=) against a number is
 * false when the other side is not a number (a missing quantity is neither
 * small nor large).  A value on its own is true unless empty, "0" or
 * "false"; a table look-up on its own is true when the row exists. */
#ifndef LR_COND_H
#define LR_COND_H

#include <glib.h>

#include "lead/lead.h"
#include "rules/table.h"

typedef struct LrCond LrCond;

/* Finds a table by name while compiling (NULL when there is none). */
typedef const LrTable *(*CondTableFunc)(gpointer data, const char *name);

/* What a condition sees of one lead at one step of routing. */
typedef struct {
	const LrLead *lead;
	double priority;  /* so far */
	GHashTable *user; /* the current holder's attributes, or NULL */
} LrCondCtx;

/* cond_compile - compile text.  tables resolves TABLE[...] look-ups (may be
 * NULL: then no table exists).  Returns a new condition, or NULL with
 * LR_ERROR_CONFIG "condition column N: message" (N counts characters of
 * text from 1). */
LrCond *cond_compile(const char *text, CondTableFunc tables, gpointer data, GError **error);

/* cond_eval - TRUE when the condition holds for ctx. */
gboolean cond_eval(const LrCond *cond, const LrCondCtx *ctx);

/* cond_eval_text - the condition's value as text (for value expressions
 * such as "companies[email_domain].tier_points").  Returns a new string
 * ("" when missing). */
char *cond_eval_text(const LrCond *cond, const LrCondCtx *ctx);

/* cond_eval_borrow - cond_eval_text without the copy: the text is
 * borrowed from the lead, the holder, a table or the condition, or written
 * into buf; valid while they are unchanged. */
const char *cond_eval_borrow(const LrCond *cond, const LrCondCtx *ctx, char buf[32]);

/* cond_describe - append to reason, as "name value" pairs joined by ", ",
 * the tests on lead data that made cond hold ("country DE"); pairs already
 * present in reason are not repeated. */
void cond_describe(const LrCond *cond, const LrCondCtx *ctx, GString *reason);

/* cond_describe_held - cond_describe for a condition that holds for ctx
 * (cond_eval said so): the same text, without evaluating it again. */
void cond_describe_held(const LrCond *cond, const LrCondCtx *ctx, GString *reason);

/* cond_constant - TRUE when cond reads no lead data at all; *value is then
 * what it always gives. */
gboolean cond_constant(const LrCond *cond, gboolean *value);

/* cond_index_key - when cond is, or starts with (`... && ...`), a test
 * `NAME == LITERAL` or `NAME in [LITERAL, ...]`, give the name (borrowed)
 * and add each literal's cond_index_form (new strings) to keys, so that a
 * list of rules can be indexed by NAME: the condition can only hold when
 * cond_index_form of NAME's value is one of keys. */
gboolean cond_index_key(const LrCond *cond, const char **name, GPtrArray *keys);

/* cond_value_name - the value of name ("country", "source", "user.team")
 * for ctx: borrowed from the lead or the user, or "" when missing; numbers
 * (priority) are written into buf. */
const char *cond_value_name(const char *name, const LrCondCtx *ctx, char buf[32]);

/* A name read many times (an indexed run's): its kind found once. */
typedef struct LrCondName LrCondName;

/* cond_name_new - name ("country", "source", "user.team") compiled for
 * cond_name_value.  Returns a new name (free with cond_name_free). */
LrCondName *cond_name_new(const char *name);

/* cond_name_value - cond_value_name of the name. */
const char *cond_name_value(const LrCondName *name, const LrCondCtx *ctx, char buf[32]);

void cond_name_free(LrCondName *name);

/* cond_index_form - "#NUMBER" for text that reads as a number (the
 * comparison is then numeric: "010" == 10), else cond_fold(text).
 * Returns a new string. */
char *cond_index_form(const char *text);

/* cond_fold - the form in which text compares (trimmed, case-folded).
 * Returns a new string. */
char *cond_fold(const char *text);

/* cond_number - read text as a number: "12", "-3.5", "240,000", "1.234,5",
 * "€85,000", "$1.2k", "3M", "85 000 EUR".  Returns FALSE when it is not one. */
gboolean cond_number(const char *text, double *out);

/* cond_format_number - x as printf's "%g" writes it ("%+g" when sign),
 * into buf; returns buf.  Whole numbers below 1e6 are written without
 * printf (the same text, at a fraction of the cost). */
char *cond_format_number(double x, gboolean sign, char buf[32]);

/* cond_text - the source text (borrowed). */
const char *cond_text(const LrCond *cond);

void cond_free(LrCond *cond);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LrCond, cond_free)

#endif
