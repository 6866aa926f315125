/* utm.c - utm_* parameters of a landing-page URL into fields. */
#include "config.h"

#include <string.h>

#include "parser/fields.h"
#include "parser/utm.h"

/* decode - a query value: '+' as space, %XX decoded; NULL when the
 * escapes are bad or it is empty. */
static char *decode(const char *value, gsize len)
{
	g_autofree char *raw = g_strndup(value, len);
	char *text;

	g_strdelimit(raw, "+", ' ');
	text = g_uri_unescape_string(raw, NULL);
	if (text != NULL && (*g_strstrip(text) == '\0' || !g_utf8_validate(text, -1, NULL)))
		g_clear_pointer(&text, g_free);
	return text;
}

/* utm_query_value - name's value in the first URL query of text. */
char *utm_query_value(const char *text, const char *name)
{
	const char *q = text ? strchr(text, '?') : NULL;
	gsize n = strlen(name);

	while (q != NULL) {
		const char *p = q + 1;
		while (*p && !g_ascii_isspace(*p) && *p != '#') {
			gsize len = strcspn(p, "&# \t\r\n");
			if (len > n && strncmp(p, name, n) == 0 && p[n] == '=')
				return decode(p + n + 1, len - n - 1);
			p += len;
			if (*p == '&')
				p++;
		}
		q = strchr(p, '?');
	}
	return NULL;
}

/* utm_extract - the tags of the first URL that has any. */
void utm_extract(LrLead *lead)
{
	static const char *const names[] = {"utm_source", "utm_medium", "utm_campaign"};

	for (guint i = 0; i < lead->fields->len; i++) {
		const LrField *f = lead->fields->pdata[i];
		gboolean found = FALSE;

		if (f->value == NULL || strstr(f->value, "utm_") == NULL ||
		    g_str_has_prefix(f->name, "utm_"))
			continue;
		for (gsize k = 0; k < G_N_ELEMENTS(names); k++) {
			g_autofree char *v = utm_query_value(f->value, names[k]);
			if (v != NULL) {
				fields_add(lead, names[k], v);
				found = TRUE;
			}
		}
		if (found)
			return;
	}
}
