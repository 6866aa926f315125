/* fields.c - putting values into a lead: bounded, first value wins. */
#include "config.h"

#include <string.h>

#include "parser/fields.h"
#include "parser/labels.h"

/* fields_cut - value trimmed, bounded, spaces collapsed unless long. */
static char *fields_cut(const char *name, const char *value)
{
	gsize len = strlen(value);
	g_autofree char *text = NULL;
	gsize out = 0;

	if (len > FIELDS_MAX_VALUE) {
		const char *end = g_utf8_find_prev_char(value, value + FIELDS_MAX_VALUE + 1);

		len = end != NULL ? (gsize)(end - value) : FIELDS_MAX_VALUE;
	}
	text = g_strstrip(g_utf8_make_valid(value, len));
	if (labels_is_long(name))
		return g_steal_pointer(&text);
	for (const char *p = text; *p != '\0'; p++) { /* in place: never longer */
		gboolean space = g_ascii_isspace(*p);

		if (!space)
			text[out++] = *p;
		else if (out > 0 && text[out - 1] != ' ')
			text[out++] = ' ';
	}
	text[out] = '\0';
	return g_steal_pointer(&text);
}

/* fields_add - first non-empty value wins. */
gboolean fields_add(LrLead *lead, const char *name, const char *value)
{
	const char *old = lead_field_get(lead, name);
	g_autofree char *clean = NULL;

	if (value == NULL || (old != NULL && *old != '\0'))
		return FALSE;
	if (old == NULL && lead->fields->len >= FIELDS_MAX)
		return FALSE;
	clean = fields_cut(name, value);
	if (*clean == '\0')
		return FALSE;
	lead_field_set(lead, name, clean);
	return TRUE;
}

/* fields_count_known - pairs with a known label. */
guint fields_count_known(LabelsMemo *memo, GPtrArray *pairs)
{
	guint known = 0;

	for (guint i = 0; i < pairs->len; i++) {
		const LrField *pair = g_ptr_array_index(pairs, i);

		known += labels_memo_lookup(memo, pair->name) != NULL ? 1 : 0;
	}
	return known;
}

/* fields_add_pairs - every pair under its field name. */
guint fields_add_pairs(LrLead *lead, LabelsMemo *memo, GPtrArray *pairs)
{
	guint known = 0, i;

	for (i = 0; i < pairs->len && lead->fields->len < FIELDS_MAX - FIELDS_DERIVED; i++) {
		const LrField *pair = g_ptr_array_index(pairs, i);
		gboolean alias;
		g_autofree char *name = labels_memo_field_name(memo, pair->name, &alias);

		known += alias ? 1 : 0;
		fields_add(lead, name, pair->value);
	}
	for (; i < pairs->len; i++) /* the pairs past the limit count too */
		known += labels_memo_lookup(memo, ((LrField *)pairs->pdata[i])->name) != NULL;
	return known;
}

/* fields_email_pattern - an addr-spec, with international domains. */
static const GRegex *fields_email_pattern(void)
{
	static GRegex *pattern;
	static gsize once = 0;

	if (g_once_init_enter(&once)) {
		pattern =
		    g_regex_new("[A-Za-z0-9.!#$%&'*+/=?^_`{|}~\\p{L}-]{1,64}@"
		                "(?:[\\p{L}\\p{N}](?:[\\p{L}\\p{N}-]{0,61}[\\p{L}\\p{N}])?\\.)+"
		                "[\\p{L}]{2,63}(?![\\p{L}\\p{N}.-]*@)",
		                G_REGEX_OPTIMIZE, 0, NULL);
		g_once_init_leave(&once, 1);
	}
	return pattern;
}

/* fields_email_clean - the address in text, domain lower-cased. */
char *fields_email_clean(const char *text)
{
	g_autoptr(GMatchInfo) match = NULL;
	g_autofree char *addr = NULL;
	g_autofree char *domain = NULL;
	char *at;

	if (text == NULL || strlen(text) > 1000 ||
	    !g_regex_match(fields_email_pattern(), text, 0, &match))
		return NULL;
	addr = g_match_info_fetch(match, 0);
	at = strrchr(addr, '@');
	if (addr[0] == '.' || at[-1] == '.' || strstr(addr, "..") != NULL)
		return NULL;
	*at = '\0';
	domain = g_utf8_strdown(at + 1, -1);
	return g_strconcat(addr, "@", domain, NULL);
}
