/* questions.h - form fields labelled with a question (Typeform, Google
 * Forms, Jotform, Tally and survey tools: "What's your full name?", "And
 * your work email?", "Which company are you with?", "Where are you
 * based?", "How many seats do you need?"), in English, German, French,
 * Spanish, Italian and Dutch, mapped to our fields by their meaning. */
#ifndef LR_QUESTIONS_H
#define LR_QUESTIONS_H

#include <glib.h>

/* questions_is_question - TRUE when line (one line, as written) is a
 * question that can label a field: it ends with "?" (or a full-width
 * one), perhaps inside emphasis ("*...*", "**...**", "_..._"), opens with
 * a letter (or "¿"), is one sentence, and has at most 14 words and 200
 * bytes. */
gboolean questions_is_question(const char *line);

/* questions_clean - the question of line without its emphasis and
 * surrounding white space ("**Where are you based?**" -> "Where are you
 * based?").  Returns a new string. */
char *questions_clean(const char *line);

/* questions_field - the canonical field a question asks for ("email",
 * "phone", "quantity", "budget", "country", "company", "first_name", "last_name",
 * "title", "product", "name", "message"), or NULL when label is no
 * question (questions_is_question) or its meaning is none of those.
 * Static string. */
const char *questions_field(const char *label);

/* questions_field_folded - questions_field, for a caller that holds
 * folded, labels_fold(label, ' ') (labels.h), already. */
const char *questions_field_folded(const char *label, const char *folded);

#endif
