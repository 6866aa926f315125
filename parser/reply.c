/* reply.c - the reply parser: a rep's reply to a notification -> command.
 *
 * The body is scanned line by line (no regular expression ever sees a whole
 * body): quoted lines and attribution lines are dropped, the first quote
 * header block, original-message separator or signature ends the text. */
#include "config.h"

#include <string.h>

#include <gmime/gmime.h>
#include <json-glib/json-glib.h>

#include "lead/lr-error.h"
#include "lead/rawmsg.h"
#include "parser/autoreply.h"
#include "parser/reply.h"
#include "parser/replywords.h"

/* GMime 3.2 declares no g_autoptr cleanups of its own. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GMimeMessage, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GMimeParser, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GMimeStream, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(InternetAddressList, g_object_unref)

/* Line kinds in a body being scanned. */
enum { LINE_TEXT, LINE_QUOTE, LINE_ATTRIBUTION };

/* Body - a plain-text body split into lines, each with its kind. */
typedef struct {
	char **lines;
	guint n;
	guint8 *kind;
} Body;

/* The reply commands, as they come out (lower case). */
/* clang-format off */
static const char *const reply_keywords[] = {
	"accept", "reject", "forward", "contacted", "won", "lost", "note", "help", "back",
};
/* clang-format on */

/* Words that open an attribution line ("On ... wrote:"), casefolded. */
/* clang-format off */
static const char *const attribution_openers[] = {
	"on", "am", "le", "el", "op", "il", "em", "den", "w", "dne", "dana", "в", "o",
};
/* clang-format on */

/* The "wrote" of attribution lines in the common languages, casefolded. */
/* clang-format off */
static const char *const attribution_verbs[] = {
	"wrote", "writes", "schrieb", "a écrit", "escribió", "escribio", "schreef",
	"ha scritto", "scrisse", "escreveu", "skrev", "skriver", "napisał", "napisała",
	"napsal", "napsala", "написал", "написала", "kirjoitti", "írta", "yazdı", "έγραψε",
	"写道", "寫道", "が書きました",
};
/* clang-format on */

/* Outlook quote header names: the first line ("From:") ... */
/* clang-format off */
static const char *const header_from_keys[] = {
	"from", "von", "de", "da", "van", "från", "fra", "od", "lähettäjä", "от", "expéditeur",
};
/* clang-format on */

/* ... and the lines that follow it. */
/* clang-format off */
static const char *const header_other_keys[] = {
	"sent", "date", "to", "cc", "subject", "reply-to", "gesendet", "datum", "an", "betreff",
	"envoyé", "à", "objet", "enviado", "fecha", "para", "asunto", "assunto", "data",
	"inviato", "a", "oggetto", "verzonden", "aan", "onderwerp", "skickat", "till", "ämne",
	"sendt", "til", "emne", "wysłano", "do", "temat", "lähetetty", "vastaanottaja", "aihe",
	"odesláno", "komu", "předmět", "отправлено", "кому", "тема", "дата", "kopie", "cci",
	"enviado el", "envoyé le",
};
/* clang-format on */

/* Words inside a "-----Original Message-----" separator, casefolded. */
/* clang-format off */
static const char *const separator_words[] = {
	"original", "ursprüngliche", "origine", "forwarded", "weitergeleitet", "mensaje",
	"nachricht", "message", "bericht", "messaggio", "mensagem", "meddelande", "melding",
	"viesti", "wiadomość", "zpráva", "сообщение",
};
/* clang-format on */

/* Lines that open a forwarded message, casefolded. */
/* clang-format off */
static const char *const forward_openers[] = {
	"begin forwarded message:", "anfang der weitergeleiteten nachricht:",
	"début du message réexpédié :", "inicio del mensaje reenviado:",
};
/* clang-format on */

/* Mobile signatures: a prefix followed by a few words ("Sent from my iPhone"). */
/* clang-format off */
static const char *const mobile_signatures[] = {
	"sent from my ", "sent from ", "sent with ", "get outlook for ", "von meinem ",
	"gesendet von ", "envoyé de mon ", "envoyé depuis mon ", "envoyé à partir de ",
	"enviado desde mi ", "enviado desde ", "enviado do meu ", "enviado de meu ",
	"verzonden vanaf mijn ", "verstuurd vanaf mijn ", "verzonden met ", "inviato da ",
	"inviato dal mio ", "skickat från min ", "sendt fra min ", "sendt fra ",
	"lähetetty ", "wysłane z ", "odesláno z ",
};
/* clang-format on */

/* str_in - TRUE when s is one of list. */
static gboolean str_in(const char *s, const char *const *list, gsize n)
{
	for (gsize i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return TRUE;
	return FALSE;
}

/* rstrip_len - the length of line without trailing blanks and no-break spaces. */
static gsize rstrip_len(const char *line)
{
	gsize n = strlen(line);

	for (;;) {
		if (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t' || line[n - 1] == '\r'))
			n--;
		else if (n > 1 && (guchar)line[n - 2] == 0xc2 && (guchar)line[n - 1] == 0xa0)
			n -= 2;
		else
			return n;
	}
}

/* lstrip - line after its leading blanks. */
static const char *lstrip(const char *line)
{
	while (*line == ' ' || *line == '\t')
		line++;
	return line;
}

/* is_blank - TRUE for a line of blanks only. */
static gboolean is_blank(const char *line)
{
	return rstrip_len(lstrip(line)) == 0;
}

/* trimmed_fold - line without surrounding blanks, casefolded (new string);
 * of a line longer than max bytes only the first max are folded. */
static char *trimmed_fold(const char *line, gsize max)
{
	const char *s = lstrip(line);
	gsize n = rstrip_len(s);

	if (n > max)
		n = g_utf8_find_prev_char(s, s + max + 1) - s;
	return g_utf8_casefold(s, n);
}

/* has_time - TRUE when line holds a time of day ("9:05", "14:20"). */
static gboolean has_time(const char *line)
{
	for (const char *p = strchr(line, ':'); p != NULL; p = strchr(p + 1, ':'))
		if (p > line && g_ascii_isdigit(p[-1]) && g_ascii_isdigit(p[1]) &&
		    g_ascii_isdigit(p[2]))
			return TRUE;
	return FALSE;
}

/* starts_attribution - TRUE when line can open an attribution: its first
 * word is an opener ("On", "Am", "Le"...) or it names a time. */
static gboolean starts_attribution(const char *line)
{
	g_autofree char *folded = trimmed_fold(line, 64);
	const char *space = strchr(folded, ' ');
	g_autofree char *word = g_strndup(folded, space ? (gsize)(space - folded) : strlen(folded));

	if (str_in(word, attribution_openers, G_N_ELEMENTS(attribution_openers)))
		return TRUE;
	return has_time(line);
}

/* is_letter_at - TRUE when a letter (not CJK) starts at p. */
static gboolean is_letter_at(const char *p)
{
	gunichar c = g_utf8_get_char(p);

	return g_unichar_isalpha(c) && g_unichar_get_script(c) != G_UNICODE_SCRIPT_HAN;
}

/* find_verb - TRUE when folded holds a "wrote" as a word; *at_end when one
 * ends the text (before the colon). */
static gboolean find_verb(const char *folded, gboolean *at_end)
{
	gsize len = strlen(folded);
	gboolean found = FALSE;

	while (len > 0 && (folded[len - 1] == ':' || folded[len - 1] == ' '))
		len--;
	*at_end = FALSE;
	for (gsize i = 0; i < G_N_ELEMENTS(attribution_verbs); i++) {
		const char *verb = attribution_verbs[i];
		gsize n = strlen(verb);

		for (const char *hit = strstr(folded, verb); hit != NULL;
		     hit = strstr(hit + 1, verb)) {
			const char *prev = hit > folded ? g_utf8_find_prev_char(folded, hit) : NULL;

			if ((prev != NULL && is_letter_at(prev)) || is_letter_at(hit + n))
				continue;
			found = TRUE;
			if ((gsize)(hit - folded) + n == len)
				*at_end = TRUE;
		}
	}
	return found;
}

/* ends_with_colon - TRUE when line ends with ':' (or a full-width one). */
static gboolean ends_with_colon(const char *line)
{
	gsize n = rstrip_len(line);

	if (n >= 1 && line[n - 1] == ':')
		return TRUE;
	return n >= 3 && memcmp(line + n - 3, "\xef\xbc\x9a", 3) == 0;
}

/* attribution_start - the first line of an attribution ending at line end:
 * the nearest of the two lines before it (or end itself) that can open
 * one, in one unbroken run of text lines; -1 when none can. */
static int attribution_start(const Body *body, guint end)
{
	for (guint s = end; s + 2 >= end; s--) {
		if (s < end && (body->kind[s] != LINE_TEXT || is_blank(body->lines[s]) ||
		                strlen(body->lines[s]) >= 1000))
			return -1;
		if (starts_attribution(body->lines[s]))
			return (int)s;
		if (s == 0)
			break;
	}
	return -1;
}

/* mark_attribution - mark the attribution (one to three lines) ending at
 * line end, if it is one. */
static void mark_attribution(Body *body, guint end)
{
	int start = attribution_start(body, end);
	guint first = start < 0 ? end : (guint)start;
	g_autoptr(GString) joined = g_string_new(NULL);
	g_autofree char *folded = NULL;
	gboolean at_end;

	for (guint i = first; i <= end; i++) {
		const char *s = lstrip(body->lines[i]);

		if (joined->len > 0)
			g_string_append_c(joined, ' ');
		g_string_append_len(joined, s, rstrip_len(s));
	}
	folded = g_utf8_casefold(joined->str, joined->len);
	if (!find_verb(folded, &at_end) || (start < 0 && !at_end))
		return;
	for (guint i = first; i <= end; i++)
		body->kind[i] = LINE_ATTRIBUTION;
}

/* glued_attribution - the offset in line where an attribution ("On Tue,
 * 1 Dec 2026 ... wrote:") starts after the replier's own words on the
 * same line (HTML replies whose quote opens on the reply's line), or 0
 * when it holds none. */
static gsize glued_attribution(const char *line)
{
	g_autofree char *first = trimmed_fold(line, 64);

	first[strcspn(first, " ")] = '\0';
	if (str_in(first, attribution_openers, G_N_ELEMENTS(attribution_openers)))
		return 0;
	for (const char *p = strchr(line, ' '); p != NULL && p - line < 1000;
	     p = strchr(p + 1, ' ')) {
		const char *word = p + 1;
		const char *end = strchr(word, ' ');
		g_autofree char *folded = NULL;
		gboolean at_end = FALSE;

		if (end == NULL)
			break;
		folded = g_utf8_casefold(word, end - word);
		if (!str_in(folded, attribution_openers, G_N_ELEMENTS(attribution_openers)) ||
		    strpbrk(word, "0123456789") == NULL)
			continue;
		g_free(folded);
		folded = g_utf8_casefold(word, -1);
		if (find_verb(folded, &at_end) && at_end)
			return (gsize)(p - line);
	}
	return 0;
}

/* body_mark - classify every line: quoted, attribution, or text. */
static void body_mark(Body *body)
{
	for (guint i = 0; i < body->n; i++)
		body->kind[i] = *lstrip(body->lines[i]) == '>' ? LINE_QUOTE : LINE_TEXT;
	for (guint i = 0; i < body->n; i++) {
		gsize glued;

		if (body->kind[i] != LINE_TEXT || !ends_with_colon(body->lines[i]) ||
		    strlen(body->lines[i]) >= 1000)
			continue;
		glued = glued_attribution(body->lines[i]);
		if (glued > 0)
			body->lines[i][glued] = '\0'; /* the replier's words stay text */
		else
			mark_attribution(body, i);
	}
}

/* line_key - the casefolded header name (one or two words) of a "Name:
 * value" line (leading '*' of "*From:*" ignored), or NULL when the line is
 * not one. */
static char *line_key(const char *line)
{
	const char *s = lstrip(line);
	const char *colon;
	gsize n;

	while (*s == '*' || *s == '_')
		s++;
	colon = strchr(s, ':');
	if (colon == NULL || colon - s > 40 || colon == s)
		return NULL;
	n = colon - s;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '*'))
		n--;
	for (gsize i = 0, spaces = 0; i < n; i++)
		if (s[i] == ' ' && ++spaces > 1)
			return NULL;
	if (n == 0)
		return NULL;
	return g_utf8_casefold(s, n);
}

/* key_in - TRUE when line is a header line named in keys. */
static gboolean key_in(const char *line, const char *const *keys, gsize n)
{
	g_autofree char *key = line_key(line);

	return key != NULL && str_in(key, keys, n);
}

/* is_header_block - TRUE when a quoted message's header block ("From:"
 * then at least two of "Sent:", "To:", "Subject:"...) starts at line i. */
static gboolean is_header_block(const Body *body, guint i)
{
	int others = 0;

	if (!key_in(body->lines[i], header_from_keys, G_N_ELEMENTS(header_from_keys)))
		return FALSE;
	for (guint j = i + 1; j < body->n && j <= i + 8 && others < 2; j++)
		if (key_in(body->lines[j], header_other_keys, G_N_ELEMENTS(header_other_keys)))
			others++;
	return others >= 2;
}

/* is_rule - TRUE for a line drawn with '-', '_' or '=' (10 or more);
 * *underscores counts its '_'. */
static gboolean is_rule(const char *line, gsize *underscores)
{
	const char *s = lstrip(line);
	gsize n = rstrip_len(s), i;

	*underscores = 0;
	for (i = 0; i < n && (s[i] == '-' || s[i] == '_' || s[i] == '='); i++)
		*underscores += s[i] == '_';
	return i == n && n >= 10;
}

/* is_separator - TRUE for "-----Original Message-----" and its kin. */
static gboolean is_separator(const char *line)
{
	g_autofree char *folded = trimmed_fold(line, 100);
	gsize n = strlen(folded);

	if (str_in(folded, forward_openers, G_N_ELEMENTS(forward_openers)))
		return TRUE;
	if (n < 6 || n > 80 || strncmp(folded, "--", 2) != 0 || strcmp(folded + n - 2, "--") != 0)
		return FALSE;
	for (gsize i = 0; i < G_N_ELEMENTS(separator_words); i++)
		if (strstr(folded, separator_words[i]) != NULL)
			return TRUE;
	return FALSE;
}

/* signature_tail_ok - TRUE when rest (after a mobile signature prefix) is a
 * few plain words, perhaps with a <link> ("iOS<https://aka.ms/o0ukef>"). */
static gboolean signature_tail_ok(const char *rest)
{
	int words = 0;
	gboolean in_word = FALSE;

	for (const char *p = rest; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (c == '<')
			return words > 0 && strchr(p, '>') != NULL && strchr(p, '>')[1] == '\0';
		if (c == ' ') {
			in_word = FALSE;
			continue;
		}
		if (!g_unichar_isalnum(c) && (c >= 128 || strchr("-'.()&", (int)c) == NULL))
			return FALSE;
		if (!in_word)
			words++;
		in_word = TRUE;
	}
	return words >= 1 && words <= 6;
}

/* is_mobile_signature - TRUE for "Sent from my iPhone" and its kin. */
static gboolean is_mobile_signature(const char *line)
{
	g_autofree char *folded = trimmed_fold(line, 101);

	if (strlen(folded) > 100)
		return FALSE;
	for (gsize i = 0; i < G_N_ELEMENTS(mobile_signatures); i++) {
		gsize n = strlen(mobile_signatures[i]);

		if (strncmp(folded, mobile_signatures[i], n) == 0 && signature_tail_ok(folded + n))
			return TRUE;
	}
	return FALSE;
}

/* is_sig_delimiter - TRUE for "-- " (or "--") alone on a line. */
static gboolean is_sig_delimiter(const char *line)
{
	return rstrip_len(line) == 2 && line[0] == '-' && line[1] == '-';
}

/* is_cut - TRUE when the replier's text ends before line i: a signature,
 * an original-message separator, or a quoted message's header block (also
 * when a rule line introduces it). */
static gboolean is_cut(const Body *body, guint i)
{
	const char *line = body->lines[i];
	gsize underscores;

	if (is_sig_delimiter(line) || is_mobile_signature(line) || is_separator(line) ||
	    is_header_block(body, i))
		return TRUE;
	if (!is_rule(line, &underscores))
		return FALSE;
	if (underscores >= 30)
		return TRUE;
	for (guint j = i + 1; j < body->n && j <= i + 3; j++)
		if (!is_blank(body->lines[j]))
			return is_header_block(body, j);
	return FALSE;
}

/* quote_unmarked - TRUE when line i ends an attribution and the next
 * non-blank line is not quoted: a client that quotes without "> " (the
 * original follows the "On ... wrote:" line as plain text), so that all
 * that follows belongs to the quote, not to the replier. */
static gboolean quote_unmarked(const Body *body, guint i)
{
	if (body->kind[i] != LINE_ATTRIBUTION || body->kind[i + 1] == LINE_ATTRIBUTION)
		return FALSE;
	for (guint j = i + 1; j < body->n; j++)
		if (!is_blank(body->lines[j]))
			return body->kind[j] == LINE_TEXT;
	return FALSE;
}

/* body_split - body as lines (line ends "\n" or "\r\n"), all marked text. */
static void body_split(Body *body, const char *text)
{
	body->lines = g_strsplit(text, "\n", -1);
	body->n = g_strv_length(body->lines);
	body->kind = g_new0(guint8, body->n + 1);
	for (guint i = 0; i < body->n; i++) {
		gsize n = strlen(body->lines[i]);

		if (n > 0 && body->lines[i][n - 1] == '\r')
			body->lines[i][n - 1] = '\0';
	}
}

/* reply_visible_text - see reply.h. */
char *reply_visible_text(const char *text)
{
	Body body;
	GString *out = g_string_new(NULL);
	gboolean pending_break = FALSE;

	body_split(&body, text != NULL ? text : "");
	body_mark(&body);
	for (guint i = 0; i < body.n; i++) {
		const char *line = body.lines[i];

		if (quote_unmarked(&body, i))
			break;
		if (body.kind[i] != LINE_TEXT || is_blank(line)) {
			pending_break = TRUE;
			continue;
		}
		if (is_cut(&body, i))
			break;
		if (pending_break && out->len > 0)
			g_string_append_c(out, '\n');
		pending_break = FALSE;
		g_string_append_len(out, line, rstrip_len(line));
		g_string_append_c(out, '\n');
	}
	g_strfreev(body.lines);
	g_free(body.kind);
	if (out->len > 0)
		g_string_truncate(out, out->len - 1);
	return g_string_free(out, FALSE);
}

/* first_paragraph - the first paragraph of text with its lines joined by
 * one space (new string). */
static char *first_paragraph(const char *text)
{
	const char *end = strstr(text, "\n\n");
	g_autofree char *para = g_strndup(text, end ? (gsize)(end - text) : strlen(text));
	g_auto(GStrv) lines = g_strsplit(para, "\n", -1);
	GString *out = g_string_new(NULL);

	for (char **l = lines; *l != NULL; l++) {
		g_strstrip(*l);
		if (**l == '\0')
			continue;
		if (out->len > 0)
			g_string_append_c(out, ' ');
		g_string_append(out, *l);
	}
	return g_string_free(out, FALSE);
}

/* keyword_of - the command word is names, or NULL: case-insensitive, with
 * emphasis ("*ACCEPT*") and trailing punctuation ("Accept.") ignored. */
static const char *keyword_of(const char *word, gsize n)
{
	while (n > 0 && strchr("*_\"'([", word[0]) != NULL)
		word++, n--;
	while (n > 0 && strchr("*_\"')].!,:;", word[n - 1]) != NULL)
		n--;
	for (gsize i = 0; i < G_N_ELEMENTS(reply_keywords); i++)
		if (strlen(reply_keywords[i]) == n &&
		    g_ascii_strncasecmp(word, reply_keywords[i], n) == 0)
			return reply_keywords[i];
	return NULL;
}

/* reply_command - see reply.h. */
void reply_command(LrReply *reply, const char *text)
{
	g_autofree char *para = first_paragraph(text != NULL ? text : "");
	const char *rest = para, *keyword;
	ReplywordsResult words = REPLYWORDS_NONE;

	while (*rest != '\0' && !g_ascii_isspace(*rest))
		rest++;
	keyword = keyword_of(para, rest - para);
	g_free(reply->command);
	g_free(reply->argument);
	if (keyword == NULL)
		words = replywords_match(para, &keyword, &rest);
	else if (strcmp(keyword, "accept") == 0 && replywords_negated(rest))
		words = REPLYWORDS_DOUBT;
	if (words == REPLYWORDS_DOUBT) {
		reply->command = g_strdup("help");
		reply->argument = g_strdup("");
		return;
	}
	if (keyword == NULL) {
		reply->command = g_strdup(*para != '\0' ? "help" : "none");
		reply->argument = g_strdup("");
		return;
	}
	while (*rest != '\0' && (g_ascii_isspace(*rest) || strchr("-:,;.!", *rest) != NULL))
		rest++;
	if (g_str_has_prefix(rest, "\xe2\x80\x93") || g_str_has_prefix(rest, "\xe2\x80\x94"))
		rest += 3;
	reply->command = g_strdup(keyword);
	reply->argument = g_strstrip(g_strdup(rest));
	if (strcmp(keyword, "forward") == 0) {
		/* "erik, he covers AT": the user is the first word, without its comma */
		char *end = reply->argument + strcspn(reply->argument, " \t");

		if (end > reply->argument && strchr(",;:.", end[-1]) != NULL)
			memmove(end - 1, end, strlen(end) + 1);
	}
}

/* mime_init - initialise GMime once per process. */
static void mime_init(void)
{
	static gsize done = 0;

	if (g_once_init_enter(&done)) {
		g_mime_init();
		g_once_init_leave(&done, 1);
	}
}

/* token_of_address - TOKEN when addr is lead+TOKEN@domain (new), else NULL. */
static char *token_of_address(const char *addr)
{
	const char *at = addr ? strrchr(addr, '@') : NULL;

	if (at == NULL || at - addr < 6 || g_ascii_strncasecmp(addr, "lead+", 5) != 0)
		return NULL;
	return g_strndup(addr + 5, at - addr - 5);
}

/* token_of_list - the first token in an address list value (new) or NULL. */
static char *token_of_list(const char *value)
{
	g_autoptr(InternetAddressList) list = NULL;
	char *token = NULL;

	if (value == NULL || (list = internet_address_list_parse(NULL, value)) == NULL)
		return NULL;
	for (int i = 0; token == NULL && i < internet_address_list_length(list); i++) {
		InternetAddress *ia = internet_address_list_get_address(list, i);

		if (INTERNET_ADDRESS_IS_MAILBOX(ia))
			token = token_of_address(
			    internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia)));
	}
	return token;
}

/* find_token - the reply token: from recipient, else the first found in
 * Delivered-To, X-Original-To, To, Cc (every occurrence of each). */
static char *find_token(GMimeMessage *message, const char *recipient)
{
	static const char *const names[] = {"Delivered-To", "X-Original-To", "To", "Cc"};
	GMimeHeaderList *headers = g_mime_object_get_header_list(GMIME_OBJECT(message));
	char *token = recipient ? token_of_list(recipient) : NULL;

	for (gsize k = 0; token == NULL && k < G_N_ELEMENTS(names); k++) {
		for (int i = 0; token == NULL && i < g_mime_header_list_get_count(headers); i++) {
			GMimeHeader *header = g_mime_header_list_get_header_at(headers, i);

			if (g_ascii_strcasecmp(g_mime_header_get_name(header), names[k]) == 0)
				token = token_of_list(g_mime_header_get_value(header));
		}
	}
	return token;
}

/* find_sender - the first From address with its domain lower-cased, or NULL. */
static char *find_sender(GMimeMessage *message)
{
	InternetAddressList *from = g_mime_message_get_from(message);

	for (int i = 0; from != NULL && i < internet_address_list_length(from); i++) {
		InternetAddress *ia = internet_address_list_get_address(from, i);
		const char *addr, *at;

		if (!INTERNET_ADDRESS_IS_MAILBOX(ia))
			continue;
		addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
		if (addr == NULL || *addr == '\0')
			continue;
		if ((at = strrchr(addr, '@')) == NULL)
			return g_strdup(addr);
		{
			g_autofree char *local = g_strndup(addr, at - addr);
			g_autofree char *domain = g_ascii_strdown(at, -1);

			return g_strconcat(local, domain, NULL);
		}
	}
	return NULL;
}

/* parse_message - the GMime message of raw, or NULL with LR_ERROR_PERM. */
static GMimeMessage *parse_message(GBytes *raw, GError **error)
{
	gsize len = 0;
	const char *data = raw ? g_bytes_get_data(raw, &len) : NULL;
	g_autoptr(GMimeStream) stream = NULL;
	g_autoptr(GMimeParser) parser = NULL;
	GMimeMessage *message;

	if (data == NULL || !rawmsg_check(data, len, error)) {
		if (error != NULL && *error == NULL)
			g_set_error(error, LR_ERROR, LR_ERROR_PERM, "empty message");
		return NULL;
	}
	mime_init();
	stream = g_mime_stream_mem_new_with_buffer(data, len);
	parser = g_mime_parser_new_with_stream(stream);
	message = g_mime_parser_construct_message(parser, NULL);
	if (message == NULL)
		g_set_error(error, LR_ERROR, LR_ERROR_PERM, "not a mail message");
	return message;
}

/* reply_parse - see reply.h. */
LrReply *reply_parse(GBytes *raw, const char *recipient, GError **error)
{
	g_autoptr(GMimeMessage) message = parse_message(raw, error);
	g_autofree char *body = NULL;
	const char *reason = NULL;
	LrReply *reply;

	if (message == NULL)
		return NULL;
	reply = g_new0(LrReply, 1);
	reply->token = find_token(message, recipient);
	reply->sender = find_sender(message);
	body = autoreply_message_text(message);
	reply->text = reply_visible_text(body);
	if (autoreply_detect(message, &reason)) {
		GDateTime *date = g_mime_message_get_date(message);
		g_autoptr(GDateTime) now =
		    date ? g_date_time_ref(date) : g_date_time_new_now_local();

		reply->bounce = strcmp(reason, "bounce") == 0;
		reply->auto_reply = !reply->bounce;
		reply->command = g_strdup("none");
		reply->argument = g_strdup("");
		if (strcmp(reason, "auto-reply") == 0)
			reply->away_until = autoreply_until(message, now);
		return reply;
	}
	reply_command(reply, reply->text);
	return reply;
}

/* reply_free - release reply and everything it holds. */
void reply_free(LrReply *reply)
{
	if (reply == NULL)
		return;
	g_free(reply->command);
	g_free(reply->argument);
	g_free(reply->token);
	g_free(reply->sender);
	g_free(reply->text);
	g_clear_pointer(&reply->away_until, g_date_time_unref);
	g_free(reply);
}

/* add_string - a string member of the object being built, null when NULL. */
static void add_string(JsonBuilder *builder, const char *name, const char *value)
{
	json_builder_set_member_name(builder, name);
	if (value != NULL)
		json_builder_add_string_value(builder, value);
	else
		json_builder_add_null_value(builder);
}

/* reply_to_json - see reply.h. */
char *reply_to_json(const LrReply *reply)
{
	g_autoptr(JsonBuilder) builder = json_builder_new();
	g_autoptr(JsonGenerator) generator = json_generator_new();
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *away = NULL;

	if (reply->away_until != NULL)
		away = g_date_time_format(reply->away_until, "%Y-%m-%d");
	json_builder_begin_object(builder);
	add_string(builder, "command", reply->command);
	add_string(builder, "argument", reply->argument);
	json_builder_set_member_name(builder, "auto_reply");
	json_builder_add_boolean_value(builder, reply->auto_reply);
	json_builder_set_member_name(builder, "bounce");
	json_builder_add_boolean_value(builder, reply->bounce);
	add_string(builder, "token", reply->token);
	add_string(builder, "sender", reply->sender);
	add_string(builder, "away_until", away);
	json_builder_end_object(builder);
	root = json_builder_get_root(builder);
	json_generator_set_root(generator, root);
	return json_generator_to_data(generator, NULL);
}

/* reply_until - see reply.h. */
GDateTime *reply_until(const char *text, GDateTime *now)
{
	g_autofree char *until = NULL;
	GDateTime *date = autoreply_until_text(text, now);

	if (date != NULL || text == NULL)
		return date;
	until = g_strconcat("until ", text, NULL);
	return autoreply_until_text(until, now);
}
