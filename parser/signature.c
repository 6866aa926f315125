/* signature.c - free text from a person: message and signature block. */
#include "config.h"

#include <string.h>

#include "parser/forward.h"
#include "parser/labels.h"
#include "parser/signature.h"

typedef struct {
	GRegex *closing; /* "Best regards," with an optional ", Name" */
	GRegex *phone;   /* an optional label and a phone number */
	GRegex *device;  /* "Sent from my iPhone" and kin */
	GRegex *title;   /* job title words */
	GRegex *company; /* legal forms and institution words */
	GRegex *split;   /* separators inside one signature line */
} SignaturePatterns;

/* signature_patterns - the patterns, compiled once. */
static const SignaturePatterns *signature_patterns(void)
{
	static SignaturePatterns p;
	static gsize once = 0;
	const GRegexCompileFlags f = G_REGEX_OPTIMIZE | G_REGEX_CASELESS;

	if (g_once_init_enter(&once)) {
		p.closing = g_regex_new(
		    "^[ \\t]*(?:best|best regards|best wishes|kind regards|regards|warm regards|"
		    "warmest regards|many thanks|thanks|thanks again|thanks in advance|thank you|"
		    "thx|cheers|sincerely|yours sincerely|sincerely yours|yours truly|"
		    "yours faithfully|cordially|respectfully|all the best|talk soon|"
		    "mit freundlichen grüßen|mit freundlichen grüssen|mit freundlichen gruessen|"
		    "freundliche grüße|viele grüße|beste grüße|liebe grüße|herzliche grüße|grüße|"
		    "gruß|mfg|lg|cordialement|bien cordialement|salutations|bien à vous|"
		    "saludos|saludos cordiales|un saludo|atentamente|un cordial saludo|"
		    "met vriendelijke groet|met vriendelijke groeten|vriendelijke groet|groeten|"
		    "cordiali saluti|distinti saluti|saluti|med vänlig hälsning|vänliga hälsningar|"
		    "hälsningar|med venlig hilsen|venlig hilsen|mvh|med vennlig hilsen|"
		    "ystävällisin terveisin|pozdrawiam|z poważaniem|atenciosamente|abraços|"
		    "cumprimentos)[ \\t]*[,.!:]*(?:[ \\t]+|[ \\t]*,[ \\t]*)?"
		    "(\\p{Lu}[\\p{L}.'-]*(?:[ \\t]+\\p{Lu}[\\p{L}.'-]*){0,2})?[ \\t]*$",
		    f, 0, NULL);
		p.phone = g_regex_new(
		    "^[ \\t]*(?:(tel|tel\\.|telephone|phone|ph|p|t|m|mob|mobile|cell|c|direct|d|"
		    "office|o|fon|telefon|tél|téléphone|teléfono|handy|mobil|fax|f|w|work)\\.?"
		    "[ \\t]*[:.]?[ \\t]*)?(\\+?[\\d(][\\d \\t().\\-/]{5,}\\d)"
		    "(?:[ \\t]*(?:ext\\.?|x)[ \\t]*\\d+)?[ \\t]*$",
		    f, 0, NULL);
		p.device = g_regex_new(
		    "^[ \\t]*(?:sent from my|sent from (?:outlook|mail) for|get outlook for|"
		    "von meinem .{1,40} gesendet|gesendet von meinem|envoyé de mon|"
		    "enviado desde mi|verzonden vanaf mijn|verstuurd vanaf mijn|inviato da)",
		    f, 0, NULL);
		p.title = g_regex_new(
		    "\\b(?:\\w*manager|\\w*director|\\w*direktor|\\w*chef|\\w*leiter|\\w*leiterin|"
		    "head of|ceo|cto|cfo|coo|cmo|cio|founder|co-founder|"
		    "owner|principal|president|vp|chairman|chairwoman|partner|engineer|buyer|"
		    "purchasing|procurement|officer|coordinator|consultant|specialist|"
		    "administrator|assistant|executive|analyst|architect|supervisor|"
		    "superintendent|secretary|treasurer|teacher|professor|geschäftsführer|"
		    "geschäftsführerin|leiter|leiterin|einkäufer|einkauf|inhaber|inhaberin|"
		    "vorstand|prokurist|directeur|directrice|gérant|responsable|gerente|"
		    "direttore|responsabile|eigenaar|inköpare|innkjøper)\\b",
		    f, 0, NULL);
		p.company = g_regex_new(
		    "\\b(?:ltd|limited|gmbh|inc|llc|llp|plc|corp|corporation|company|"
		    "s\\.?a\\.?s|sarl|s\\.?r\\.?l|s\\.?p\\.?a|pty|ohg|e\\.v|group|gruppe|holding|"
		    "holdings|school|university|college|hospital|clinic|council|institute|"
		    "foundation|associates|solutions|systems|technologies|industries|ltda)\\b|"
		    "\\b(?:as|asa|ag|sa|co|ab|oy|oyj|nv|bv|b\\.v|n\\.v|sl|s\\.l|kg|ug|aps|se)\\.?$",
		    f, 0, NULL);
		p.split = g_regex_new("[ \\t]*(?:\\||·|•|\\t)[ \\t]*", G_REGEX_OPTIMIZE, 0, NULL);
		g_once_init_leave(&once, 1);
	}
	return &p;
}

/* signature_blank - TRUE for an empty or white line. */
static gboolean signature_blank(const char *line)
{
	return strspn(line, " \t") == strlen(line);
}

/* signature_same_name - TRUE when a and b fold to the same words. */
static gboolean signature_same_name(const char *a, const char *b)
{
	g_autofree char *fa = NULL;
	g_autofree char *fb = NULL;

	if (a == NULL || b == NULL)
		return FALSE;
	fa = labels_fold(a, ' ');
	fb = labels_fold(b, ' ');
	return *fa != '\0' && strcmp(fa, fb) == 0;
}

/* signature_name_like - TRUE for "Ann Lee": 2-4 capitalised words. */
static gboolean signature_name_like(const char *text)
{
	g_auto(GStrv) words = g_strsplit(text, " ", -1);
	guint n = g_strv_length(words);

	if (n < 2 || n > 4 || strlen(text) > 40 || strpbrk(text, "0123456789,:@") != NULL)
		return FALSE;
	for (guint i = 0; i < n; i++)
		if (!g_unichar_isupper(g_utf8_get_char(words[i])))
			return FALSE;
	return TRUE;
}

/* signature_phone - a phone number in seg (fax numbers skipped). */
static gboolean signature_phone(SignatureInfo *info, const char *seg)
{
	g_autoptr(GMatchInfo) match = NULL;
	g_autofree char *label = NULL;
	g_autofree char *number = NULL;
	guint digits = 0;

	if (!g_regex_match(signature_patterns()->phone, seg, 0, &match))
		return FALSE;
	label = g_match_info_fetch(match, 1);
	number = g_match_info_fetch(match, 2);
	for (const char *p = number; *p != '\0'; p++)
		digits += g_ascii_isdigit(*p) ? 1 : 0;
	if (digits < 7 || digits > 16)
		return FALSE;
	if (info->phone == NULL && g_ascii_strcasecmp(label, "fax") != 0 &&
	    g_ascii_strcasecmp(label, "f") != 0)
		info->phone = g_strstrip(g_steal_pointer(&number));
	return TRUE;
}

/* signature_title - "Title", "Title, Company", "Title at Company". */
static gboolean signature_title(SignatureInfo *info, const char *seg)
{
	static const char *const seps[] = {", ", " at ", " - ", " – ", " bei ", " chez "};

	if (!g_regex_match(signature_patterns()->title, seg, 0, NULL))
		return FALSE;
	for (gsize i = 0; i < G_N_ELEMENTS(seps); i++) {
		const char *at = strstr(seg, seps[i]);
		g_autofree char *left = NULL;

		if (at == NULL)
			continue;
		left = g_strndup(seg, at - seg);
		if (!g_regex_match(signature_patterns()->title, left, 0, NULL))
			continue;
		if (info->title == NULL)
			info->title = g_strstrip(g_steal_pointer(&left));
		if (info->company == NULL)
			info->company = g_strstrip(g_strdup(at + strlen(seps[i])));
		return TRUE;
	}
	if (info->title == NULL)
		info->title = g_strdup(seg);
	return TRUE;
}

/* signature_segment - one piece of a signature line; *prev_named is TRUE
 * after a name or title line, when a plain line names the company. */
static void signature_segment(SignatureInfo *info, const char *seg, const char *sender,
                              gboolean *prev_named)
{
	gboolean named = FALSE;

	if (*seg == '\0' || signature_phone(info, seg) || strchr(seg, '@') != NULL ||
	    strstr(seg, "http") != NULL || g_str_has_prefix(seg, "www.")) {
	} else if (info->name == NULL && (signature_same_name(seg, sender) ||
	                                  (sender == NULL && signature_name_like(seg)))) {
		info->name = g_strdup(seg);
		named = TRUE;
	} else if (signature_title(info, seg)) {
		named = TRUE;
	} else if (g_regex_match(signature_patterns()->company, seg, 0, NULL) ||
	           (*prev_named && strpbrk(seg, "0123456789") == NULL && strlen(seg) <= 60)) {
		if (info->company == NULL)
			info->company = g_strdup(seg);
	}
	*prev_named = named;
}

/* signature_read - the facts in signature lines [from, to). */
static void signature_read(SignatureInfo *info, char **lines, guint from, guint to,
                           const char *sender)
{
	gboolean prev_named = info->name != NULL;

	for (guint i = from; i < to && i < from + SIGNATURE_MAX_LINES; i++) {
		g_auto(GStrv) segs = NULL;

		if (strlen(lines[i]) > SIGNATURE_MAX_LINE)
			continue;
		segs = g_regex_split(signature_patterns()->split, lines[i], 0);

		for (char **s = segs; *s != NULL; s++) {
			g_autofree char *seg = g_strstrip(g_strdup(*s));

			g_strdelimit(seg, "*", ' ');
			if (s == segs &&
			    (g_str_has_prefix(seg, "/ ") || g_str_has_prefix(seg, "- ")))
				seg[0] = ' '; /* "/ Ann Lee", "- Ann" */
			g_strstrip(seg);
			signature_segment(info, seg, sender, &prev_named);
		}
	}
}

/* signature_closing - index of the closing line among the last lines of
 * lines[0..n), with a name on the same line in *name; -1 when none. */
static int signature_closing(char **lines, guint n, char **name)
{
	for (guint i = n; i-- > 1 && i + 15 >= n;) {
		g_autoptr(GMatchInfo) match = NULL;

		if (strlen(lines[i]) > 120 ||
		    !g_regex_match(signature_patterns()->closing, lines[i], 0, &match))
			continue;
		*name = g_match_info_fetch(match, 1);
		if (*name != NULL && **name == '\0')
			g_clear_pointer(name, g_free);
		return (int)i;
	}
	return -1;
}

/* signature_trailing - start of a last paragraph that reads as a
 * signature (sender's name first, or a phone number), or -1. */
static int signature_trailing(char **lines, guint n, const char *sender)
{
	guint p = n;
	SignatureInfo probe = {0};
	gboolean phone = FALSE;

	while (p > 0 && !signature_blank(lines[p - 1]))
		p--;
	if (p == 0 || n - p > 6)
		return -1;
	if (signature_same_name(lines[p], sender))
		return (int)p;
	for (guint i = p; i < n && !phone && strlen(lines[i]) <= SIGNATURE_MAX_LINE; i++) {
		g_auto(GStrv) segs = g_regex_split(signature_patterns()->split, lines[i], 0);

		for (char **seg = segs; *seg != NULL && !phone; seg++)
			phone = signature_phone(&probe, *seg); /* "Name | Title | T +46 ..." */
	}
	signature_info_clear(&probe);
	return phone ? (int)p : -1;
}

/* signature_join - lines [0, n) joined, trimmed. */
static char *signature_join(char **lines, guint n)
{
	GString *out = g_string_new(NULL);

	for (guint i = 0; i < n; i++) {
		g_string_append(out, lines[i]);
		g_string_append_c(out, '\n');
	}
	g_strstrip(out->str);
	return g_string_free(out, FALSE);
}

/* signature_split - message and signature of free text. */
void signature_split(const char *text, const char *sender_name, SignatureInfo *out)
{
	g_autofree char *work = g_strndup(text, forward_quote_start(text));
	g_auto(GStrv) lines = g_strsplit(work, "\n", -1);
	guint n = g_strv_length(lines);
	int sig = -1;
	guint end;

	memset(out, 0, sizeof(*out));
	for (guint i = 0; i < n; i++)
		g_strchomp(lines[i]);
	while (n > 0 && (signature_blank(lines[n - 1]) ||
	                 g_regex_match(signature_patterns()->device, lines[n - 1], 0, NULL)))
		n--;
	for (guint i = 0; i < n && sig < 0; i++)
		if (strcmp(lines[i], "--") == 0)
			sig = (int)i;
	end = sig >= 0 ? (guint)sig++ : n;
	if (sig < 0 && (sig = signature_closing(lines, n, &out->name)) >= 0)
		end = (guint)sig++;
	if (sig < 0 && (sig = signature_trailing(lines, n, sender_name)) >= 0)
		end = (guint)sig;
	if (sig >= 0)
		signature_read(out, lines, (guint)sig, n, sender_name);
	out->message = signature_join(lines, end);
}

/* signature_info_clear - free the strings. */
void signature_info_clear(SignatureInfo *info)
{
	g_clear_pointer(&info->message, g_free);
	g_clear_pointer(&info->name, g_free);
	g_clear_pointer(&info->phone, g_free);
	g_clear_pointer(&info->company, g_free);
	g_clear_pointer(&info->title, g_free);
}
