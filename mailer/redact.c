/* redact.c - mask withheld values wherever they appear in a notification. */
#include "config.h"

#include <string.h>

#include "mailer/compose.h"
#include "mailer/redact.h"

#define REDACT_PHONE_MIN 6  /* digits of a value read as a phone number */
#define REDACT_SUFFIX_MIN 7 /* digits of the shorter number when one ends the other */
#define REDACT_RUN_MAX 40   /* bytes of a phone number at most (bounds the work) */

typedef enum { REDACT_PHONE, REDACT_EMAIL, REDACT_WORDS } RedactKind;

/* One value to find. */
typedef struct {
	RedactKind kind;
	char *field;
	char *needle; /* lower case (email, words), or significant digits (phone) */
} RedactValue;

struct LrRedact {
	GPtrArray *values; /* RedactValue * */
};

/* redact_value_free - destroy a value. */
static void redact_value_free(RedactValue *v)
{
	g_free(v->field);
	g_free(v->needle);
	g_free(v);
}

/* redact_digits - the significant digits of a phone text: digits only,
 * without a "(0)" trunk prefix and leading zeros.  New string. */
static char *redact_digits(const char *p, gsize len)
{
	GString *out = g_string_new(NULL);

	for (gsize i = 0; i < len; i++) {
		if (p[i] == '(' && i + 2 < len && p[i + 1] == '0' && p[i + 2] == ')') {
			i += 2;
			continue;
		}
		if (g_ascii_isdigit(p[i]) && !(out->len == 0 && p[i] == '0'))
			g_string_append_c(out, p[i]);
	}
	return g_string_free(out, FALSE);
}

/* redact_phone_like - TRUE when value reads as a phone number of field. */
static gboolean redact_phone_like(const char *field, const char *value)
{
	static const char *const names[] = {"phone", "tel", "mobile", "fax", "cell", NULL};
	guint digits = 0, other = 0;

	for (const char *p = value; *p; p++) {
		if (g_ascii_isdigit(*p))
			digits++;
		else if (!strchr(" +-()./", *p))
			other++;
	}
	if (digits < REDACT_PHONE_MIN)
		return FALSE;
	for (guint i = 0; names[i]; i++)
		if (strstr(field, names[i]))
			return TRUE;
	return other == 0;
}

/* redact_add - remember one value (a line of a field) to find. */
static void redact_add(LrRedact *r, const char *field, const char *value)
{
	g_autofree char *text = g_strstrip(g_strdup(value));
	RedactValue *v;

	if (g_utf8_strlen(text, -1) < 2)
		return;
	v = g_new0(RedactValue, 1);
	v->field = g_strdup(field);
	if (redact_phone_like(field, text)) {
		v->kind = REDACT_PHONE;
		v->needle = redact_digits(text, strlen(text));
	} else {
		v->kind = strchr(text, '@') && !strchr(text, ' ') ? REDACT_EMAIL : REDACT_WORDS;
		v->needle = g_ascii_strdown(text, -1);
	}
	g_ptr_array_add(r->values, v);
}

/* redact_new - collect the withheld values of lead. */
LrRedact *redact_new(const LrLead *lead, const char *const *withheld)
{
	LrRedact *r = g_new0(LrRedact, 1);

	r->values = g_ptr_array_new_with_free_func((GDestroyNotify)redact_value_free);
	for (guint i = 0; lead && withheld && withheld[i]; i++) {
		const char *value = lead_field_get(lead, withheld[i]);
		g_auto(GStrv) lines = value ? g_strsplit(value, "\n", -1) : NULL;

		for (guint j = 0; lines && lines[j]; j++)
			redact_add(r, withheld[i], lines[j]);
	}
	return r;
}

/* redact_free - destroy a redactor. */
void redact_free(LrRedact *r)
{
	if (r == NULL)
		return;
	g_ptr_array_free(r->values, TRUE);
	g_free(r);
}

/* redact_same_number - TRUE when significant digits a and b are one number. */
static gboolean redact_same_number(const char *a, const char *b)
{
	gsize la = strlen(a), lb = strlen(b);
	const char *longer = la >= lb ? a : b, *shorter = la >= lb ? b : a;
	gsize ls = MIN(la, lb), ll = MAX(la, lb);

	if (ls == 0)
		return FALSE;
	if (ls == ll)
		return strcmp(a, b) == 0;
	return ls >= REDACT_SUFFIX_MIN && strcmp(longer + ll - ls, shorter) == 0;
}

/* redact_word_edge - TRUE when the byte at p (in text) is not a letter or
 * digit (so a match there starts or ends a word). */
static gboolean redact_word_edge(const char *text, const char *p, gboolean before)
{
	gunichar c;

	if (before) {
		if (p == text)
			return TRUE;
		c = g_utf8_get_char_validated(g_utf8_find_prev_char(text, p), -1);
	} else {
		if (*p == '\0')
			return TRUE;
		c = g_utf8_get_char_validated(p, -1);
	}
	return c == (gunichar)-1 || c == (gunichar)-2 || !g_unichar_isalnum(c);
}

/* redact_phone_run - the length of a phone-like run at p (digits and
 * separators, ending in a digit), or 0. */
static gsize redact_phone_run(const char *text, const char *p)
{
	gsize n = 0, end = 0;

	if (!(g_ascii_isdigit(*p) || *p == '+' || *p == '(') || !redact_word_edge(text, p, TRUE))
		return 0;
	if (p > text && (g_ascii_isdigit(p[-1]) || p[-1] == '+'))
		return 0;
	for (; n < REDACT_RUN_MAX && p[n] && (g_ascii_isdigit(p[n]) || strchr(" -./()+", p[n]));
	     n++)
		if (g_ascii_isdigit(p[n]))
			end = n + 1;
	return end > 0 && redact_word_edge(text, p + end, FALSE) ? end : 0;
}

/* redact_phone_at - the length of the longest number at p that is v's
 * (a phone-like run, cut at the end of one of its digit groups), or 0. */
static gsize redact_phone_at(const RedactValue *v, const char *text, const char *p)
{
	gsize run = redact_phone_run(text, p);

	for (gsize end = run; end > 0; end--) {
		g_autofree char *digits = NULL;

		if (!g_ascii_isdigit(p[end - 1]) || (end < run && g_ascii_isdigit(p[end])))
			continue;
		digits = redact_digits(p, end);
		if (redact_same_number(digits, v->needle))
			return end;
	}
	return 0;
}

/* redact_needle_at - the length of needle (lower case) found at p in
 * text (any ASCII case; words only whole), or 0. */
static gsize redact_needle_at(const RedactValue *v, const char *needle, const char *text,
                              const char *p)
{
	gsize n = strlen(needle);

	if (g_ascii_strncasecmp(p, needle, n) != 0)
		return 0;
	if (v->kind == REDACT_WORDS &&
	    (!redact_word_edge(text, p, TRUE) || !redact_word_edge(text, p + n, FALSE)))
		return 0;
	return n;
}

/* redact_candidate - the first byte at or after p where v may match
 * (redact_phone_at and redact_needle_at are 0 before it), or the end of
 * text: a phone number starts with a digit, "+" or "(", anything else
 * with the first byte of needle in any ASCII case. */
static const char *redact_candidate(const RedactValue *v, const char *needle, const char *p)
{
	const char *at;

	if (v->kind == REDACT_PHONE) {
		at = strpbrk(p, "0123456789+(");
		return at ? at : p + strlen(p);
	}
	if (*needle == '\0')
		return p + strlen(p);
	while (*p && g_ascii_tolower(*p) != *needle)
		p++;
	return p;
}

/* redact_one - text with v (as needle, for e-mail and words) masked.
 * Takes text; returns a new string. */
static char *redact_one(const RedactValue *v, const char *needle, char *text)
{
	GString *out = g_string_sized_new(strlen(text));

	for (const char *p = text; *p;) {
		const char *at = redact_candidate(v, needle, p);
		g_autofree char *match = NULL, *mask = NULL;
		gsize n;

		g_string_append_len(out, p, at - p);
		if (*at == '\0')
			break;
		n = v->kind == REDACT_PHONE ? redact_phone_at(v, text, at)
		                            : redact_needle_at(v, needle, text, at);
		if (n == 0) {
			g_string_append_c(out, *at);
			p = at + 1;
			continue;
		}
		match = g_strndup(at, n);
		mask = mailer_mask(v->kind == REDACT_PHONE ? "phone" : v->field, match);
		g_string_append(out, mask);
		p = at + n;
	}
	g_free(text);
	return g_string_free(out, FALSE);
}

/* redact_html_escape - text as compose.c writes it into HTML (& < > " '
 * as entities, ' as &#39;).  New string. */
char *redact_html_escape(const char *text)
{
	GString *out = g_string_new(NULL);

	for (const char *p = text; *p; p++) {
		switch (*p) {
		case '&':
			g_string_append(out, "&amp;");
			break;
		case '<':
			g_string_append(out, "&lt;");
			break;
		case '>':
			g_string_append(out, "&gt;");
			break;
		case '"':
			g_string_append(out, "&quot;");
			break;
		case '\'':
			g_string_append(out, "&#39;");
			break;
		default:
			g_string_append_c(out, *p);
		}
	}
	return g_string_free(out, FALSE);
}

/* redact_text - mask every withheld value in text. */
char *redact_text(const LrRedact *r, const char *text, gboolean html)
{
	char *out;

	if (text == NULL)
		return NULL;
	out = g_strdup(text);
	for (guint i = 0; i < r->values->len; i++) {
		const RedactValue *v = g_ptr_array_index(r->values, i);
		g_autofree char *escaped = NULL;

		out = redact_one(v, v->needle, out);
		if (!html || v->kind == REDACT_PHONE)
			continue;
		escaped = redact_html_escape(v->needle);
		if (strcmp(escaped, v->needle) != 0)
			out = redact_one(v, escaped, out);
	}
	return out;
}
