/* mask.c - the shape-keeping masks of withheld values (mailer_mask), used
 * by the placeholders (compose-values.c) and the redactor (redact.c). */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "mailer/compose.h"

#define MASK_DOTS "\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2" /* "•••" */

/* mask_email - "anna@example.com" -> "a•••@example.com". */
static char *mask_email(const char *value)
{
	const char *at = strrchr(value, '@');
	const char *second = g_utf8_next_char(value);

	if (at == value)
		return g_strconcat(MASK_DOTS, at, NULL);
	return g_strdup_printf("%.*s" MASK_DOTS "%s", (int)(second - value), value, at);
}

/* mask_phone - keep a "+CC" prefix and the last two digits of a
 * long enough number: "+49 30 1234582" -> "+49 •••• ••82". */
static char *mask_phone(const char *value)
{
	GString *out = g_string_new(NULL);
	const char *p = value, *digits;
	char last[3] = "";
	guint n = 0, cc = 0;

	while (g_ascii_isspace(*p))
		p++;
	if (*p == '+') {
		for (digits = p + 1; g_ascii_isdigit(digits[cc]); cc++)
			;
		if (cc >= 1 && cc <= 3 && !g_ascii_isalnum(digits[cc]))
			g_string_append_printf(out, "+%.*s ", cc, digits);
		p = digits + (cc <= 3 ? cc : 0);
	}
	for (; *p; p++) {
		if (!g_ascii_isdigit(*p))
			continue;
		last[0] = last[1];
		last[1] = *p;
		n++;
	}
	if (n >= 6)
		g_string_append_printf(out, "\xe2\x80\xa2" MASK_DOTS " \xe2\x80\xa2\xe2\x80\xa2%s",
		                       last);
	else
		g_string_append(out, "\xe2\x80\xa2" MASK_DOTS " \xe2\x80\xa2" MASK_DOTS);
	return g_string_free(out, FALSE);
}

/* mask_words - each word's first character and "•••". */
static char *mask_words(const char *value)
{
	g_auto(GStrv) words = g_strsplit_set(value, " \t\r\n", -1);
	GString *out = g_string_new(NULL);

	for (guint i = 0; words[i]; i++) {
		if (words[i][0] == '\0')
			continue;
		if (out->len)
			g_string_append_c(out, ' ');
		g_string_append_len(out, words[i], g_utf8_next_char(words[i]) - words[i]);
		g_string_append(out, MASK_DOTS);
	}
	return g_string_free(out, FALSE);
}

/* mask_looks_phone - TRUE for a phone-like field name or value. */
static gboolean mask_looks_phone(const char *field, const char *value)
{
	static const char *const names[] = {"phone", "tel", "mobile", "fax", "cell", NULL};
	guint digits = 0;

	for (guint i = 0; field && names[i]; i++)
		if (strstr(field, names[i]))
			return TRUE;
	for (const char *p = value; *p; p++) {
		if (g_ascii_isdigit(*p))
			digits++;
		else if (!strchr(" +-()./", *p))
			return FALSE;
	}
	return digits >= 5;
}

/* mailer_mask - mask value by its kind (e-mail, phone, words). */
char *mailer_mask(const char *field, const char *value)
{
	if (value == NULL || !g_utf8_validate(value, -1, NULL))
		return g_strdup("");
	while (g_ascii_isspace(*value))
		value++;
	if (*value == '\0')
		return g_strdup("");
	if (strchr(value, '@') && !strpbrk(value, " \t\r\n"))
		return mask_email(value);
	if (mask_looks_phone(field, value))
		return mask_phone(value);
	return mask_words(value);
}
