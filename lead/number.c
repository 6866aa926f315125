/* number.c - the one reader of written numbers (see number.h). */
#include "config.h"

#include <string.h>

#include "lead/number.h"

/* The longest run of digits and separators read. */
#define NUMBER_MAX 63

/* number_skip_currency - skip spaces and one currency sign or code at p. */
static const char *number_skip_currency(const char *p)
{
	static const char *const marks[] = {"€",   "$",   "£",   "¥",   "EUR", "USD",
	                                    "GBP", "CHF", "SEK", "NOK", "DKK", "JPY"};

	while (*p == ' ')
		p++;
	if (*p == '\0' || g_ascii_isdigit(*p)) /* no mark starts so */
		return p;
	for (gsize i = 0; i < G_N_ELEMENTS(marks); i++)
		if (g_str_has_prefix(p, marks[i])) {
			p += strlen(marks[i]);
			break;
		}
	while (*p == ' ')
		p++;
	return p;
}

/* number_span - the end of the digits and separators at start: a
 * separator (",", ".", or " " and "'" between digits) only before a digit. */
static const char *number_span(const char *start)
{
	const char *p = start;

	while (g_ascii_isdigit(*p) || ((*p == ',' || *p == '.') && g_ascii_isdigit(p[1])) ||
	       ((*p == ' ' || *p == '\'') && p > start && g_ascii_isdigit(p[-1]) &&
	        g_ascii_isdigit(p[1])))
		p++;
	return p;
}

/* number_decimal - which separator of [p, end) is the decimal point, or
 * NULL; *bad when the separators make no sense ("1.2.3,4,5"). */
static const char *number_decimal(const char *p, const char *end, gboolean *bad)
{
	const char *comma = NULL, *dot = NULL, *dec = NULL, *last;
	int commas = 0, dots = 0;

	for (const char *s = p; s < end; s++) {
		if (*s == ',')
			commas++, comma = s;
		else if (*s == '.')
			dots++, dot = s;
	}
	if (commas > 0 && dots > 0)
		dec = comma > dot ? comma : dot;
	else if (dots + commas == 1) {
		last = dot ? dot : comma;
		/* "1.000" and "1,000": thousands; "0.125", "3.5", ".5": a fraction. */
		if (end - last - 1 != 3 || last == p || (last - p == 1 && *p == '0'))
			dec = last;
	}
	*bad = dec != NULL && ((*dec == ',' && commas > 1) || (*dec == '.' && dots > 1));
	return dec;
}

/* number_scale - the factor of a scale word at *p ("k", "m", "mio", "bn",
 * "million"...), advancing *p past it; 1 when none. */
static double number_scale(const char **p)
{
	static const struct {
		const char *word;
		double factor;
	} scales[] = {{"thousand", 1e3}, {"million", 1e6}, {"billion", 1e9}, {"tsd", 1e3},
	              {"mio", 1e6},      {"mrd", 1e9},     {"mn", 1e6},      {"bn", 1e9},
	              {"k", 1e3},        {"m", 1e6},       {"b", 1e9}};
	const char *s = *p;

	while (*s == ' ')
		s++;
	if (*s == '\0')
		return 1;
	for (gsize i = 0; i < G_N_ELEMENTS(scales); i++) {
		gsize n = strlen(scales[i].word);

		if (g_ascii_strncasecmp(s, scales[i].word, n) == 0 &&
		    (s[n] == '\0' || s[n] == ' ')) {
			*p = s + n;
			return scales[i].factor;
		}
	}
	return 1;
}

/* number_plain - read text when it is nothing but 1 to 15 ASCII digits
 * (the common case: quantities, postal codes), the same value as the full
 * reader gives, without its scans; FALSE for anything else. */
static gboolean number_plain(const char *text, double *out)
{
	guint64 v = 0;
	int n = 0;

	for (; g_ascii_isdigit(text[n]); n++) {
		if (n == 15)
			return FALSE;
		v = v * 10 + (guint64)(text[n] - '0');
	}
	if (n == 0 || text[n] != '\0')
		return FALSE;
	*out = (double)v;
	return TRUE;
}

/* lead_number_read - see number.h. */
gboolean lead_number_read(const char *text, double *out)
{
	char norm[NUMBER_MAX + 2];
	const char *p, *start, *end, *dec;
	double sign = 1, scale;
	gboolean bad;
	int n = 0;

	if (text == NULL)
		return FALSE;
	if (number_plain(text, out))
		return TRUE;
	if (strpbrk(text, "0123456789") == NULL) /* no number without a digit: "DE", "Pumps" */
		return FALSE;
	p = number_skip_currency(text);
	if (*p == '-' || *p == '+')
		sign = *p++ == '-' ? -1 : 1;
	start = number_skip_currency(p);
	end = number_span(start);
	if (end == start || !g_ascii_isdigit(end[-1]) || end - start > NUMBER_MAX)
		return FALSE;
	dec = number_decimal(start, end, &bad);
	if (bad)
		return FALSE;
	for (const char *s = start; s < end; s++)
		if (s == dec)
			norm[n++] = '.';
		else if (g_ascii_isdigit(*s))
			norm[n++] = *s;
	norm[n] = '\0';
	p = end;
	scale = number_scale(&p);
	if (*number_skip_currency(p) != '\0')
		return FALSE;
	*out = sign * scale * g_ascii_strtod(norm, NULL);
	return TRUE;
}
