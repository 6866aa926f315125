/* forward.c - forwarded and quoted mail inside a text body. */
#include "config.h"

#include <string.h>

#include "parser/forward.h"
#include "parser/labels.h"

typedef enum {
	FWD_NONE,
	FWD_FROM,
	FWD_DATE,
	FWD_TO,
	FWD_SUBJECT,
	FWD_REPLY_TO,
} ForwardKind;

/* Header labels of forward blocks, folded (labels_fold), by kind. */
/* clang-format off */
static const struct {
	ForwardKind kind;
	const char *labels;
} forward_labels[] = {
	{FWD_FROM, "from|von|de|van|da|fran|fra|od|от|lahettaja|felado|expediteur|remitente"},
	{FWD_DATE, "sent|date|datum|gesendet|envoye|enviado|enviada|fecha|verzonden|inviato|"
		   "data|skickat|sendt|wyslano|lahetetty|date d envoi"},
	{FWD_TO, "to|an|a|para|aan|till|til|do|vastaanottaja|destinataire|destinatario|"
		 "cc|kopie|copie|kopia"},
	{FWD_SUBJECT, "subject|betreff|objet|sujet|asunto|onderwerp|oggetto|assunto|amne|emne|"
		      "temat|aihe|tema"},
	{FWD_REPLY_TO, "reply to|antwort an|repondre a|responder a|antwoord aan|rispondi a"},
};
/* clang-format on */

typedef struct {
	GRegex *header;    /* "Label: value" with an optional bold star */
	GRegex *forward;   /* forward marker lines */
	GRegex *reply;     /* reply marker lines */
	GRegex *wrote;     /* "On ... wrote:" in the common languages */
	GRegex *subject;   /* forward prefixes of subjects */
	GHashTable *kinds; /* folded header label -> ForwardKind */
} ForwardPatterns;

/* forward_patterns - the patterns, compiled once. */
static const ForwardPatterns *forward_patterns(void)
{
	static ForwardPatterns p;
	static gsize once = 0;
	const GRegexCompileFlags f = G_REGEX_OPTIMIZE | G_REGEX_CASELESS;

	if (g_once_init_enter(&once)) {
		p.header =
		    g_regex_new("^[ \\t>]*[*_]?([\\p{L}][\\p{L} '-]{0,24}?)[*_]?[ \\t]*:[*_]?"
		                "[ \\t]*(.*?)[ \\t]*$",
		                f, 0, NULL);
		p.forward = g_regex_new(
		    "^[ \\t>]*(?:[-_=]{2,}[ \\t]*)?(?:forwarded message|forwarded e-?mail|"
		    "weitergeleitete nachricht|message transf[ée]r[ée]|mensaje reenviado|"
		    "doorgestuurd bericht|messaggio inoltrato|mensagem encaminhada|"
		    "vidarebefordrat meddelande|videresendt (?:melding|meddelelse)|"
		    "välitetty viesti|przekazana wiadomość|wiadomość przekazana)[ \\t]*"
		    "(?:[-_=]{2,}[ \\t]*)?$|"
		    "^[ \\t>]*(?:begin forwarded message|anfang der weitergeleiteten nachricht|"
		    "début du message (?:réexpédié|transféré)|inicio del mensaje reenviado|"
		    "begin doorgestuurd bericht|inizio messaggio inoltrato|"
		    "início da mensagem reencaminhada)[ \\t]*:[ \\t]*$",
		    f, 0, NULL);
		p.reply = g_regex_new(
		    "^[ \\t>]*[-_=]{2,}[ \\t]*(?:original message|ursprüngliche nachricht|"
		    "originalnachricht|message d'origine|mensaje original|oorspronkelijk bericht|"
		    "messaggio originale|mensagem original|ursprungligt meddelande|"
		    "opprinnelig melding|oprindelig meddelelse|alkuperäinen viesti|"
		    "wiadomość oryginalna)[ \\t]*[-_=]{2,}[ \\t]*$",
		    f, 0, NULL);
		p.wrote = g_regex_new(
		    "^[ \\t]*(?:on|am|le|el|op|il|den|em|dnia)\\b.{0,200}?(?:wrote|schrieb|"
		    "a écrit|escribió|schreef|ha scritto|skrev|escreveu|napisał)[^\\n:]{0,80}:[ "
		    "\\t]*$",
		    f | G_REGEX_DOTALL, 0, NULL);
		p.subject = g_regex_new("^[ \\t]*(?:(?:re|aw|sv|antw)[ \\t]*:[ \\t]*)*"
		                        "(?:fwd?|wg|tr|rv|doorst|i|vs|enc|fs|vb|pd|rif)[ \\t]*:",
		                        f, 0, NULL);
		p.kinds = g_hash_table_new(g_str_hash, g_str_equal);
		for (gsize i = 0; i < G_N_ELEMENTS(forward_labels); i++) {
			char **names = g_strsplit(forward_labels[i].labels, "|", -1);

			for (char **n = names; *n != NULL; n++) /* kept for the process */
				g_hash_table_insert(p.kinds, *n,
				                    GINT_TO_POINTER(forward_labels[i].kind));
			g_free(names);
		}
		g_once_init_leave(&once, 1);
	}
	return &p;
}

/* forward_kind - the kind of a header line, with its value in *value. */
static ForwardKind forward_kind(const char *line, char **value)
{
	g_autoptr(GMatchInfo) match = NULL;
	g_autofree char *label = NULL;
	g_autofree char *folded = NULL;
	ForwardKind kind;

	if (strchr(line, ':') == NULL || strlen(line) > 4096 ||
	    !g_regex_match(forward_patterns()->header, line, 0, &match))
		return FWD_NONE;
	label = g_match_info_fetch(match, 1);
	folded = labels_fold(label, ' ');
	kind = GPOINTER_TO_INT(g_hash_table_lookup(forward_patterns()->kinds, folded));
	if (kind != FWD_NONE)
		*value = g_match_info_fetch(match, 2);
	return kind;
}

/* forward_is_kind - TRUE when line is a header line of kind. */
static gboolean forward_is_kind(const char *line, ForwardKind kind)
{
	g_autofree char *value = NULL;

	return forward_kind(line, &value) == kind;
}

/* forward_outlook_at - TRUE when lines[i] starts an Outlook-style header
 * block: From, then Sent/Date and Subject within the next few lines. */
static gboolean forward_outlook_at(char **lines, guint i)
{
	gboolean date = FALSE;
	gboolean subject = FALSE;

	if (!forward_is_kind(lines[i], FWD_FROM))
		return FALSE;
	for (guint j = i + 1; j <= i + 6 && lines[j] != NULL && *lines[j] != '\0'; j++) {
		date = date || forward_is_kind(lines[j], FWD_DATE);
		subject = subject || forward_is_kind(lines[j], FWD_SUBJECT);
	}
	return date && subject;
}

/* forward_marker_like - a cheap test before the marker patterns: a rule
 * of dashes, underscores or equals signs, or a line that ends in ":". */
static gboolean forward_marker_like(const char *line)
{
	gsize len = strlen(line);

	while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t'))
		len--;
	return (len > 0 && line[len - 1] == ':') || strstr(line, "--") != NULL ||
	       strstr(line, "__") != NULL || strstr(line, "==") != NULL;
}

/* forward_marker - the index of the first marker line at or after start
 * (the block's first header line is the next line, or the line itself for
 * an Outlook block: *headers says which), or -1. */
static int forward_marker(char **lines, guint start, gboolean reply_blocks, guint *headers)
{
	const ForwardPatterns *p = forward_patterns();

	for (guint i = start; lines[i] != NULL; i++) {
		gboolean like = strlen(lines[i]) <= 200 && forward_marker_like(lines[i]);

		if ((like && g_regex_match(p->forward, lines[i], 0, NULL)) ||
		    (like && reply_blocks && g_regex_match(p->reply, lines[i], 0, NULL))) {
			*headers = i + 1;
			return (int)i;
		}
		if (reply_blocks && forward_outlook_at(lines, i)) {
			*headers = i;
			return (int)i;
		}
	}
	return -1;
}

/* forward_set - keep the first value of one header kind. */
static void forward_set(ForwardBlock *block, ForwardKind kind, char *value)
{
	char **slot = kind == FWD_FROM       ? &block->from
	              : kind == FWD_SUBJECT  ? &block->subject
	              : kind == FWD_REPLY_TO ? &block->reply_to
	                                     : NULL;

	if (slot != NULL && *slot == NULL && *value != '\0')
		*slot = value;
	else
		g_free(value);
}

/* forward_headers - read the header lines from lines[i]; returns the index
 * of the first body line. */
static guint forward_headers(char **lines, guint i, ForwardBlock *block)
{
	gboolean seen = FALSE;

	while (lines[i] != NULL && !seen && strspn(lines[i], " \t>") == strlen(lines[i]))
		i++; /* blank lines between marker and headers */
	for (; lines[i] != NULL; i++) {
		char *value = NULL;
		ForwardKind kind = forward_kind(lines[i], &value);

		if (kind != FWD_NONE) {
			forward_set(block, kind, value);
			seen = TRUE;
			continue;
		}
		if (strspn(lines[i], " \t>") == strlen(lines[i]) || !seen)
			break;
		if (lines[i][0] != ' ' && lines[i][0] != '\t' && strchr(lines[i], '@') == NULL)
			break; /* not a wrapped address list: the body starts */
	}
	return i;
}

/* forward_body - the lines from i on, blank lead removed, one level of
 * "> " quoting removed when every line carries it. */
static char *forward_body(char **lines, guint i)
{
	GString *out = g_string_new(NULL);
	gboolean quoted = TRUE;

	while (lines[i] != NULL && strspn(lines[i], " \t>") == strlen(lines[i]))
		i++;
	for (guint j = i; lines[j] != NULL && quoted; j++)
		quoted = lines[j][0] == '>' || lines[j][0] == '\0';
	for (; lines[i] != NULL; i++) {
		const char *line = lines[i];

		if (quoted && *line == '>')
			line += line[1] == ' ' ? 2 : 1;
		g_string_append(out, line);
		g_string_append_c(out, '\n');
	}
	return g_string_free(out, FALSE);
}

/* forward_find_one - the outermost block in text. */
static gboolean forward_find_one(const char *text, gboolean reply_blocks, ForwardBlock *out)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	guint headers = 0;
	guint start = 0;
	int marker;

	while ((marker = forward_marker(lines, start, reply_blocks, &headers)) >= 0) {
		ForwardBlock block = {0};
		guint body = forward_headers(lines, headers, &block);

		if (block.from != NULL) {
			block.body = forward_body(lines, body);
			*out = block;
			return TRUE;
		}
		forward_block_clear(&block);
		start = (guint)marker + 1;
	}
	return FALSE;
}

/* forward_find - follow forwards inside forwards to the innermost one. */
gboolean forward_find(const char *text, gboolean reply_blocks, ForwardBlock *out)
{
	ForwardBlock inner = {0};

	memset(out, 0, sizeof(*out));
	if (!forward_find_one(text, reply_blocks, out))
		return FALSE;
	for (int depth = 1; depth < FORWARD_MAX_DEPTH; depth++) {
		if (!forward_find_one(out->body, reply_blocks, &inner))
			break;
		forward_block_clear(out);
		*out = inner;
	}
	return TRUE;
}

/* forward_block_clear - free the block's strings. */
void forward_block_clear(ForwardBlock *block)
{
	g_clear_pointer(&block->from, g_free);
	g_clear_pointer(&block->reply_to, g_free);
	g_clear_pointer(&block->subject, g_free);
	g_clear_pointer(&block->body, g_free);
}

/* forward_subject - a forward prefix on the subject. */
gboolean forward_subject(const char *subject)
{
	return subject != NULL && g_regex_match(forward_patterns()->subject, subject, 0, NULL);
}

/* forward_wrote_at - TRUE when lines[i] (or lines[i] and lines[i+1]) say
 * "On ... wrote:". */
static gboolean forward_wrote_at(char **lines, guint i)
{
	g_autofree char *two = NULL;
	const GRegex *wrote = forward_patterns()->wrote;

	if (strlen(lines[i]) > 300)
		return FALSE;
	if (strchr(lines[i], ':') == NULL &&
	    (lines[i + 1] == NULL || strchr(lines[i + 1], ':') == NULL))
		return FALSE;
	if (g_regex_match(wrote, lines[i], 0, NULL))
		return TRUE;
	if (lines[i + 1] == NULL || strlen(lines[i + 1]) > 300)
		return FALSE;
	two = g_strconcat(lines[i], " ", lines[i + 1], NULL);
	return g_regex_match(wrote, two, 0, NULL);
}

/* forward_quote_start - where quoted earlier mail begins. */
gsize forward_quote_start(const char *text)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	const ForwardPatterns *p = forward_patterns();
	gsize offset = 0;

	for (guint i = 0; lines[i] != NULL; offset += strlen(lines[i]) + 1, i++) {
		gboolean quoted =
		    lines[i][0] == '>' && lines[i + 1] != NULL && lines[i + 1][0] == '>';

		gboolean like = strlen(lines[i]) <= 200 && forward_marker_like(lines[i]);

		if (quoted || forward_wrote_at(lines, i) || forward_outlook_at(lines, i) ||
		    (like && (g_regex_match(p->reply, lines[i], 0, NULL) ||
		              g_regex_match(p->forward, lines[i], 0, NULL))))
			return offset;
	}
	return strlen(text);
}
