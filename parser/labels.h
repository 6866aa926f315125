/* labels.h - form labels: folding for comparison, the built-in alias set,
 * and field names for labels nobody taught us. */
#ifndef LR_LABELS_H
#define LR_LABELS_H

#include <glib.h>

/* labels_fold - text for comparison: compatibility-decomposed, accents
 * dropped, case-folded, every run of non-alphanumerics turned into one sep
 * (or dropped when sep is 0), trimmed.  "E-Mail Address:" -> "e mail
 * address" (sep ' '), "U.S.A." -> "usa" (sep 0).  Returns a new string. */
char *labels_fold(const char *text, char sep);

/* labels_table_new - the built-in aliases: folded label -> canonical field
 * name ("your email" -> "email").  Returns a new table (strings owned). */
GHashTable *labels_table_new(void);

/* labels_table_add - teach table that label (as written) means field. */
void labels_table_add(GHashTable *table, const char *label, const char *field);

/* labels_lookup - the canonical field for label (as written): the alias,
 * else the alias without a leading "your"/"please enter" or a trailing
 * "optional"/"required", else the field a question asks for ("Which
 * company are you with?" -> "company", questions.h), else NULL.  Borrowed
 * from table (or static). */
const char *labels_lookup(GHashTable *table, const char *label);

/* labels_field_name - the field name for label: the alias, else the label
 * folded with "_" ("Roof area (m²)" -> "roof_area_m2"), at most 64 bytes,
 * "field" when nothing is left.  Returns a new string. */
char *labels_field_name(GHashTable *table, const char *label);

/* labels_field_name_known - labels_field_name, and in *known whether label
 * is an alias (labels_lookup found it), from the one look-up. */
char *labels_field_name_known(GHashTable *table, const char *label, gboolean *known);

/* LabelsMemo - labels_lookup answers for one parse: a form's labels are
 * asked about several times (a line as the next line, then as the line;
 * a pair when it opens, when pairs are counted, when they are added).
 * The answers depend on the labels and the aliases only, and last as long
 * as the memo: one parse (parser.c). */
typedef struct {
	GHashTable *aliases; /* borrowed */
	GHashTable *answers; /* label as written -> field, or "" for none */
} LabelsMemo;

/* labels_memo_init - an empty memo over aliases (borrowed: it must
 * outlive the memo).  Release with labels_memo_clear(). */
void labels_memo_init(LabelsMemo *memo, GHashTable *aliases);
void labels_memo_clear(LabelsMemo *memo);

/* labels_memo_lookup - labels_lookup(memo->aliases, label), remembered. */
const char *labels_memo_lookup(LabelsMemo *memo, const char *label);

/* labels_memo_field_name - labels_field_name_known(memo->aliases, label,
 * known) with the look-up remembered.  Returns a new string. */
char *labels_memo_field_name(LabelsMemo *memo, const char *label, gboolean *known);

/* labels_is_long - TRUE when field (a canonical or custom name) holds
 * free text that may run over several lines and paragraphs. */
gboolean labels_is_long(const char *field);

#endif
