/* vcard.c - vCard attachments as a source of contact fields. */
#include "config.h"

#include <string.h>

#include "parser/fields.h"
#include "parser/mimetext.h"
#include "parser/vcard.h"

/* One content line: its property name (upper case, group dropped), its
 * parameters (upper case) and its value (unescaped UTF-8). */
typedef struct {
	char *name;
	char *params;
	char *value;
} VcardLine;

/* vcard_is_card - TRUE when part is a vCard by type or file name. */
static gboolean vcard_is_card(GMimeObject *part)
{
	GMimeContentType *type = g_mime_object_get_content_type(part);
	const char *file = GMIME_IS_PART(part) ? g_mime_part_get_filename(GMIME_PART(part)) : NULL;

	if (!GMIME_IS_PART(part))
		return FALSE;
	return g_mime_content_type_is_type(type, "text", "vcard") ||
	       g_mime_content_type_is_type(type, "text", "x-vcard") ||
	       g_mime_content_type_is_type(type, "text", "directory") ||
	       (file != NULL && g_str_has_suffix(file, ".vcf"));
}

/* vcard_find_cb - g_mime_message_foreach callback: the first vCard part. */
static void vcard_find_cb(GMimeObject *parent, GMimeObject *part, gpointer data)
{
	GMimeObject **found = data;

	(void)parent;
	if (*found == NULL && vcard_is_card(part))
		*found = part;
}

/* vcard_unfold - text with folded lines joined: a line starting with a
 * space or tab continues the last one; a QUOTED-PRINTABLE line ending in
 * "=" continues on the next.  Returns a new string. */
static char *vcard_unfold(const char *text)
{
	GString *out = g_string_sized_new(strlen(text));

	for (const char *p = text; *p != '\0'; p++) {
		if (*p == '\n' && (p[1] == ' ' || p[1] == '\t')) {
			p++;
			continue;
		}
		if (*p == '=' && p[1] == '\n') {
			p++;
			while (p[1] == '\n') /* a soft break sent as "=\r\r\n" */
				p++;
			continue;
		}
		g_string_append_c(out, *p);
	}
	return g_string_free(out, FALSE);
}

/* vcard_unescape - a text value without its backslash escapes. */
static char *vcard_unescape(const char *value)
{
	GString *out = g_string_sized_new(strlen(value));

	for (const char *p = value; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0') {
			p++;
			g_string_append_c(out, (*p == 'n' || *p == 'N') ? ' ' : *p);
		} else {
			g_string_append_c(out, *p);
		}
	}
	return g_string_free(out, FALSE);
}

/* vcard_param - the value of parameter key ("CHARSET") in params (upper
 * case, ";"-separated), or NULL.  Returns a new string. */
static char *vcard_param(const char *params, const char *key)
{
	g_auto(GStrv) list = g_strsplit(params, ";", 16);
	gsize n = strlen(key);

	for (char **l = list; *l != NULL; l++)
		if (g_ascii_strncasecmp(*l, key, n) == 0 && (*l)[n] == '=')
			return g_strdup(*l + n + 1);
	return NULL;
}

/* vcard_decode - the raw value of a line in its 2.1 encoding and charset. */
static char *vcard_decode(const char *raw, const char *params)
{
	g_autofree char *charset = vcard_param(params, "CHARSET");
	g_autofree char *bytes = NULL;
	gsize len = strlen(raw);

	if (strstr(params, "QUOTED-PRINTABLE") != NULL) {
		int state = 0;
		guint32 save = 0;

		bytes = g_malloc(len + 1);
		len = g_mime_encoding_quoted_decode_step((const unsigned char *)raw, len,
		                                         (unsigned char *)bytes, &state, &save);
		return mimetext_to_utf8(bytes, len, charset != NULL ? charset : "UTF-8");
	}
	return g_strdup(raw); /* the part's own charset was decoded already */
}

/* vcard_line - split one content line; FALSE when it is none. */
static gboolean vcard_line(const char *line, VcardLine *out)
{
	const char *colon = NULL;
	gboolean quoted = FALSE;
	g_autofree char *head = NULL;
	char *dot, *semi;

	for (const char *p = line; *p != '\0' && colon == NULL; p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (*p == ':' && !quoted)
			colon = p;
	}
	if (colon == NULL || colon == line)
		return FALSE;
	head = g_ascii_strup(line, colon - line);
	semi = strchr(head, ';');
	out->params = g_strdup(semi != NULL ? semi + 1 : "");
	if (semi != NULL)
		*semi = '\0';
	dot = strrchr(head, '.');
	out->name = g_strdup(dot != NULL ? dot + 1 : head);
	out->value = vcard_decode(colon + 1, out->params);
	return TRUE;
}

/* vcard_component - component i of a structured value ("Lee;Ann;;;"),
 * unescaped and trimmed, or NULL when empty.  Returns a new string. */
static char *vcard_component(const char *value, guint i)
{
	g_auto(GStrv) parts = g_strsplit(value, ";", 8);
	char *text;

	if (g_strv_length(parts) <= i)
		return NULL;
	text = g_strstrip(vcard_unescape(parts[i]));
	if (*text == '\0')
		g_clear_pointer(&text, g_free);
	return text;
}

/* vcard_apply - one line's value into lead; returns the fields set. */
static guint vcard_apply(const VcardLine *l, LrLead *lead)
{
	g_autofree char *text = g_strstrip(vcard_unescape(l->value));
	g_autofree char *first = NULL;
	g_autofree char *last = NULL;
	const char *tel = text;

	if (strcmp(l->name, "FN") == 0)
		return fields_add(lead, "name", text);
	if (strcmp(l->name, "TITLE") == 0)
		return fields_add(lead, "title", text);
	if (strcmp(l->name, "EMAIL") == 0)
		return fields_add(lead, "email", text);
	if (strcmp(l->name, "ORG") == 0) {
		first = vcard_component(l->value, 0);
		return first != NULL && fields_add(lead, "company", first);
	}
	if (strcmp(l->name, "TEL") == 0 && strstr(l->params, "FAX") == NULL) {
		if (g_ascii_strncasecmp(tel, "tel:", 4) == 0)
			tel += 4;
		return fields_add(lead, "phone", tel);
	}
	if (strcmp(l->name, "N") != 0)
		return 0;
	last = vcard_component(l->value, 0);
	first = vcard_component(l->value, 1);
	return (last != NULL && fields_add(lead, "last_name", last)) +
	       (first != NULL && fields_add(lead, "first_name", first));
}

/* vcard_parse_into - see vcard.h. */
guint vcard_parse_into(const char *text, LrLead *lead)
{
	g_autofree char *unix_text = g_strdup(text);
	g_autofree char *unfolded = NULL;
	g_auto(GStrv) lines = NULL;
	guint set = 0;
	gboolean inside = FALSE;

	g_strdelimit(unix_text, "\r", '\n'); /* mimetext made CRLF LF; a lone CR ends a line */
	unfolded = vcard_unfold(unix_text);
	lines = g_strsplit(unfolded, "\n", 500);
	for (char **l = lines; *l != NULL; l++) {
		VcardLine line = {0};

		g_strstrip(*l);
		if (g_ascii_strcasecmp(*l, "BEGIN:VCARD") == 0)
			inside = TRUE;
		else if (g_ascii_strcasecmp(*l, "END:VCARD") == 0)
			break; /* the first card only */
		else if (inside && vcard_line(*l, &line))
			set += vcard_apply(&line, lead);
		g_free(line.name);
		g_free(line.params);
		g_free(line.value);
	}
	return set;
}

/* vcard_add - see vcard.h. */
gboolean vcard_add(GMimeMessage *message, LrLead *lead)
{
	GMimeObject *part = NULL;
	g_autofree char *text = NULL;

	g_mime_message_foreach(message, vcard_find_cb, &part);
	if (part == NULL)
		return FALSE;
	text = mimetext_part_text(GMIME_PART(part), VCARD_MAX);
	return vcard_parse_into(text, lead) > 0;
}
