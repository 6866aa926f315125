/* autoreply.c - auto-replies, bounces and list mail; out-of-office dates;
 * the main text of a message. */
#include "config.h"

#include <string.h>

#include "parser/autoreply.h"
#include "parser/html.h"
#include "parser/mimetext.h"

/* At most this much of a text part is read. */
#define AUTOREPLY_PART_MAX (8 * 1024 * 1024)

/* Subject prefixes that only auto-replies use (casefolded). */
/* clang-format off */
static const char *const strong_subjects[] = {
	"out of office", "out-of-office", "out of the office", "automatic reply",
	"auto-reply", "autoreply", "auto reply", "auto response", "auto-response",
	"autoresponse", "autoresponder", "automatische antwort", "abwesenheitsnotiz",
	"réponse automatique", "respuesta automática", "risposta automatica",
	"automatisch antwoord", "resposta automática", "autosvar", "automaattinen vastaus",
	"odpowiedź automatyczna", "automatická odpověď", "fuori sede", "fuera de la oficina",
	"afwezigheidsmelding", "autoantwort",
};
/* clang-format on */

/* Subject words that mean an auto-reply only when a colon follows. */
/* clang-format off */
static const char *const weak_subjects[] = {
	"absence", "absent", "vacation", "on vacation", "on leave", "abwesend",
	"abwesenheit", "urlaub", "ausencia", "ausente", "frånvaro", "fraværende",
	"fravær", "afwezig", "poissa", "congés", "en congé", "assente", "ferie",
};
/* clang-format on */

/* header_value - the first header name of message, trimmed, or NULL. */
static const char *header_value(GMimeMessage *message, const char *name)
{
	const char *value = g_mime_object_get_header(GMIME_OBJECT(message), name);

	while (value != NULL && g_ascii_isspace(*value))
		value++;
	return value;
}

/* header_has_word - TRUE when header name holds word (ASCII, any case). */
static gboolean header_has_word(GMimeMessage *message, const char *name, const char *word)
{
	const char *value = header_value(message, name);
	g_autofree char *lower = NULL;
	const char *hit;
	gsize n = strlen(word);

	if (value == NULL)
		return FALSE;
	lower = g_ascii_strdown(value, -1);
	for (hit = strstr(lower, word); hit != NULL; hit = strstr(hit + 1, word)) {
		gboolean start = hit == lower || !g_ascii_isalnum(hit[-1]);

		if (start && !g_ascii_isalnum(hit[n]) && hit[n] != '-' && hit[n] != '_')
			return TRUE;
	}
	return FALSE;
}

/* header_says_yes - TRUE when header name is present and not "no"/"false". */
static gboolean header_says_yes(GMimeMessage *message, const char *name)
{
	const char *value = header_value(message, name);

	if (value == NULL)
		return FALSE;
	return g_ascii_strncasecmp(value, "no", 2) != 0 &&
	       g_ascii_strncasecmp(value, "false", 5) != 0 && strcmp(value, "0") != 0;
}

/* subject_starts - TRUE when subject (casefolded) begins with phrase and no
 * letter follows it; when colon, only if a colon (or the end) follows. */
static gboolean subject_starts(const char *subject, const char *phrase, gboolean colon)
{
	gsize n = strlen(phrase);
	const char *rest = subject + n;

	if (strncmp(subject, phrase, n) != 0)
		return FALSE;
	if (*rest != '\0' && g_unichar_isalpha(g_utf8_get_char_validated(rest, -1)))
		return FALSE;
	if (!colon)
		return TRUE;
	while (*rest == ' ')
		rest++;
	return *rest == ':' || *rest == '\0';
}

/* subject_is_autoreply - TRUE for vacation / out-of-office subjects. */
static gboolean subject_is_autoreply(GMimeMessage *message)
{
	const char *raw = g_mime_message_get_subject(message);
	g_autofree char *subject = NULL;
	const char *s;

	if (raw == NULL || !g_utf8_validate(raw, -1, NULL))
		return FALSE;
	subject = g_utf8_casefold(raw, -1);
	for (s = subject; *s == ' ' || *s == '\t' || *s == '['; s++)
		;
	for (gsize i = 0; i < G_N_ELEMENTS(strong_subjects); i++)
		if (subject_starts(s, strong_subjects[i], FALSE))
			return TRUE;
	for (gsize i = 0; i < G_N_ELEMENTS(weak_subjects); i++)
		if (subject_starts(s, weak_subjects[i], TRUE))
			return TRUE;
	return FALSE;
}

/* find_report - g_mime_message_foreach callback: note delivery reports. */
static void find_report(GMimeObject *parent, GMimeObject *part, gpointer data)
{
	GMimeContentType *type = g_mime_object_get_content_type(part);
	gboolean *found = data;

	if (type == NULL)
		return;
	if (g_mime_content_type_is_type(type, "message", "delivery-status") ||
	    g_mime_content_type_is_type(type, "message", "global-delivery-status") ||
	    g_mime_content_type_is_type(type, "multipart", "report"))
		*found = TRUE;
}

/* from_is_daemon - TRUE when the From address is MAILER-DAEMON or postmaster. */
static gboolean from_is_daemon(GMimeMessage *message)
{
	InternetAddressList *from = g_mime_message_get_from(message);

	for (int i = 0; from != NULL && i < internet_address_list_length(from); i++) {
		InternetAddress *ia = internet_address_list_get_address(from, i);
		const char *addr;

		if (!INTERNET_ADDRESS_IS_MAILBOX(ia))
			continue;
		addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
		if (addr != NULL && (g_ascii_strncasecmp(addr, "mailer-daemon", 13) == 0 ||
		                     g_ascii_strncasecmp(addr, "postmaster@", 11) == 0 ||
		                     g_ascii_strcasecmp(addr, "postmaster") == 0))
			return TRUE;
	}
	return FALSE;
}

/* is_bounce - TRUE for delivery reports and mail from the mailer daemon. */
static gboolean is_bounce(GMimeMessage *message)
{
	gboolean found = FALSE;
	GMimeObject *body = g_mime_message_get_mime_part(message);

	if (body != NULL)
		find_report(NULL, body, &found);
	if (!found)
		g_mime_message_foreach(message, find_report, &found);
	return found || from_is_daemon(message);
}

/* is_autoreply - TRUE for RFC 3834 auto-replies and vacation messages. */
static gboolean is_autoreply(GMimeMessage *message)
{
	const char *auto_submitted = header_value(message, "Auto-Submitted");

	if (auto_submitted != NULL && g_ascii_strncasecmp(auto_submitted, "no", 2) != 0)
		return TRUE;
	if (header_says_yes(message, "X-Autoreply") || header_says_yes(message, "X-Autorespond") ||
	    header_says_yes(message, "X-Auto-Reply"))
		return TRUE;
	if (header_has_word(message, "Precedence", "bulk") ||
	    header_has_word(message, "Precedence", "junk") ||
	    header_has_word(message, "Precedence", "auto_reply"))
		return TRUE;
	if (header_has_word(message, "X-Auto-Response-Suppress", "oof"))
		return TRUE;
	return subject_is_autoreply(message);
}

/* is_null_sender - TRUE when Return-Path is the null sender <>. */
static gboolean is_null_sender(GMimeMessage *message)
{
	const char *path = header_value(message, "Return-Path");

	if (path == NULL)
		return FALSE;
	while (*path == '<' || g_ascii_isspace(*path))
		path++;
	return *path == '>' || *path == '\0';
}

/* autoreply_detect - see autoreply.h. */
gboolean autoreply_detect(GMimeMessage *message, const char **reason)
{
	const char *why = NULL;

	if (is_bounce(message))
		why = "bounce";
	else if (is_autoreply(message))
		why = "auto-reply";
	else if (is_null_sender(message))
		why = "bounce";
	else if (header_value(message, "List-Id") != NULL ||
	         (header_value(message, "List-Unsubscribe") != NULL &&
	          header_has_word(message, "Precedence", "list")))
		why = "mailing-list";
	if (reason != NULL)
		*reason = why;
	return why != NULL;
}

/* Month names (casefolded): English first (abbreviations match those),
 * then German, French, Spanish, Italian, Dutch, Swedish. */
/* clang-format off */
static const struct {
	const char *name;
	int month;
} month_names[] = {
	{"january", 1}, {"february", 2}, {"march", 3}, {"april", 4}, {"may", 5},
	{"june", 6}, {"july", 7}, {"august", 8}, {"september", 9}, {"october", 10},
	{"november", 11}, {"december", 12}, {"januar", 1}, {"jänner", 1}, {"februar", 2},
	{"märz", 3}, {"mai", 5}, {"juni", 6}, {"juli", 7}, {"oktober", 10}, {"dezember", 12},
	{"janvier", 1}, {"février", 2}, {"mars", 3}, {"avril", 4}, {"juin", 6},
	{"juillet", 7}, {"août", 8}, {"septembre", 9}, {"octobre", 10}, {"novembre", 11},
	{"décembre", 12}, {"enero", 1}, {"febrero", 2}, {"marzo", 3}, {"abril", 4},
	{"mayo", 5}, {"junio", 6}, {"julio", 7}, {"agosto", 8}, {"septiembre", 9},
	{"setiembre", 9}, {"octubre", 10}, {"noviembre", 11}, {"diciembre", 12},
	{"gennaio", 1}, {"febbraio", 2}, {"aprile", 4}, {"maggio", 5}, {"giugno", 6},
	{"luglio", 7}, {"settembre", 9}, {"ottobre", 10}, {"dicembre", 12},
	{"januari", 1}, {"februari", 2}, {"maart", 3}, {"mei", 5}, {"augustus", 8},
	{"maj", 5}, {"augusti", 8}, {"sept", 9}, {"dez", 12}, {"déc", 12}, {"févr", 2},
};
/* clang-format on */

/* Weekday names (casefolded); weekday = GLib's 1 (Monday) .. 7 (Sunday). */
/* clang-format off */
static const struct {
	const char *name;
	int weekday;
} weekday_names[] = {
	{"monday", 1}, {"tuesday", 2}, {"wednesday", 3}, {"thursday", 4}, {"friday", 5},
	{"saturday", 6}, {"sunday", 7}, {"montag", 1}, {"dienstag", 2}, {"mittwoch", 3},
	{"donnerstag", 4}, {"freitag", 5}, {"samstag", 6}, {"sonntag", 7}, {"lundi", 1},
	{"mardi", 2}, {"mercredi", 3}, {"jeudi", 4}, {"vendredi", 5}, {"samedi", 6},
	{"dimanche", 7}, {"lunes", 1}, {"martes", 2}, {"miércoles", 3}, {"jueves", 4},
	{"viernes", 5}, {"maandag", 1}, {"dinsdag", 2}, {"woensdag", 3}, {"donderdag", 4},
	{"vrijdag", 5}, {"måndag", 1}, {"tisdag", 2}, {"onsdag", 3}, {"torsdag", 4},
	{"fredag", 5},
};
/* clang-format on */

/* Words after which a return date follows (casefolded). */
/* clang-format off */
static const char *const until_words[] = {
	"until", "till", "through", "thru", "back", "return", "returning", "bis", "zurück",
	"jusqu'au", "jusqu’au", "jusqu'à", "jusqu’à", "retour", "hasta", "regreso", "fino",
	"rientro", "tot", "t/m", "terug", "tillbaka", "tilbage", "até",
};
/* clang-format on */

/* Filler words skipped between an until-word and the date. */
/* clang-format off */
static const char *const filler_words[] = {
	"on", "the", "in", "office", "to", "work", "zum", "zur", "dem", "am", "einschließlich",
	"le", "el", "al", "a", "il", "en", "met", "och", "med", "de", "i", "du", "au", "and",
	"including", "inclusive", "büro", "bureau", "ab", "und", "op", "of", "at",
};
/* clang-format on */

/* DateScan - a cursor over casefolded text while reading a date. */
typedef struct {
	const char *p;
	int day, month, year, weekday;
} DateScan;

/* scan_word - the letters (and ' ’ /) at p as a new string; p moves past. */
static char *scan_word(const char **p)
{
	const char *s = *p;

	while (**p != '\0' && *p - s < 64) {
		gunichar c = g_utf8_get_char(*p);

		if (!g_unichar_isalpha(c) && c != '\'' && c != 0x2019 && c != '/')
			break;
		*p = g_utf8_next_char(*p);
	}
	return g_strndup(s, *p - s);
}

/* lookup_month - month number of word (exact, or a 3+ letter prefix of an
 * English/German name), or 0. */
static int lookup_month(const char *word)
{
	gsize n = strlen(word);

	for (gsize i = 0; i < G_N_ELEMENTS(month_names); i++)
		if (strcmp(word, month_names[i].name) == 0)
			return month_names[i].month;
	for (gsize i = 0; n >= 3 && i < 12; i++)
		if (strncmp(word, month_names[i].name, n) == 0)
			return month_names[i].month;
	return 0;
}

/* lookup_weekday - GLib weekday of word, or 0. */
static int lookup_weekday(const char *word)
{
	for (gsize i = 0; i < G_N_ELEMENTS(weekday_names); i++)
		if (strcmp(word, weekday_names[i].name) == 0)
			return weekday_names[i].weekday;
	return 0;
}

/* in_list - TRUE when word is one of list. */
static gboolean in_list(const char *word, const char *const *list, gsize n)
{
	for (gsize i = 0; i < n; i++)
		if (strcmp(word, list[i]) == 0)
			return TRUE;
	return FALSE;
}

/* scan_number - up to 4 digits at p, or -1; sets *digits. */
static int scan_number(const char **p, int *digits)
{
	int value = 0;

	*digits = 0;
	while (g_ascii_isdigit(**p) && *digits < 4) {
		value = value * 10 + (**p - '0');
		(*p)++;
		(*digits)++;
	}
	if (*digits == 0 || g_ascii_isdigit(**p))
		return -1;
	return value;
}

/* skip_blanks - move p over spaces, commas and tabs. */
static void skip_blanks(const char **p)
{
	while (**p == ' ' || **p == ',' || **p == '\t' || **p == '\n' || **p == '\r')
		(*p)++;
}

/* scan_ordinal - skip an ordinal ending after a day number ("st", ".", "er"). */
static void scan_ordinal(const char **p)
{
	static const char *const endings[] = {"st", "nd", "rd", "th", "er", "."};

	for (gsize i = 0; i < G_N_ELEMENTS(endings); i++) {
		gsize n = strlen(endings[i]);

		if (strncmp(*p, endings[i], n) == 0 && !g_ascii_isalpha((*p)[n])) {
			*p += n;
			return;
		}
	}
}

/* scan_year - an optional year after a day and month. */
static void scan_year(DateScan *ds)
{
	const char *q = ds->p;
	int digits, year;

	skip_blanks(&q);
	year = scan_number(&q, &digits);
	if (digits == 4 && year > 1900) {
		ds->year = year;
		ds->p = q;
	}
}

/* scan_numeric_date - "2026-12-01", "30.11.2026", "30.11.", "30/11", "11/30",
 * "30 November 2026", "30. November"; ds->p just after the first number. */
static gboolean scan_numeric_date(DateScan *ds, int first, int digits)
{
	char sep = *ds->p;
	int n2, n3 = -1, d2, d3 = 0;

	if ((sep == '-' || sep == '.' || sep == '/') && g_ascii_isdigit(ds->p[1])) {
		ds->p++;
		n2 = scan_number(&ds->p, &d2);
		if (*ds->p == sep && g_ascii_isdigit(ds->p[1])) {
			ds->p++;
			n3 = scan_number(&ds->p, &d3);
		}
		if (digits == 4 && sep == '-') {
			ds->year = first, ds->month = n2, ds->day = n3;
			return n3 > 0;
		}
		if (sep == '/' && first <= 12 && n2 > 12)
			ds->month = first, ds->day = n2;
		else
			ds->day = first, ds->month = n2;
		ds->year = d3 == 2 ? 2000 + n3 : d3 == 4 ? n3 : 0;
		return n2 > 0 && (d3 == 0 || d3 == 2 || d3 == 4);
	}
	scan_ordinal(&ds->p);
	skip_blanks(&ds->p);
	{
		g_autofree char *word = scan_word(&ds->p);

		if (strcmp(word, "de") == 0 || strcmp(word, "of") == 0) {
			skip_blanks(&ds->p);
			g_free(word);
			word = scan_word(&ds->p);
		}
		ds->day = first;
		ds->month = lookup_month(word);
	}
	if (*ds->p == '.')
		ds->p++;
	scan_year(ds);
	return ds->month != 0 && digits <= 2;
}

/* scan_month_first - "November 30", "Nov. 30th, 2026"; ds->month is set. */
static gboolean scan_month_first(DateScan *ds)
{
	int digits;

	if (*ds->p == '.')
		ds->p++;
	skip_blanks(&ds->p);
	ds->day = scan_number(&ds->p, &digits);
	if (digits == 0 || digits > 2)
		return FALSE;
	scan_ordinal(&ds->p);
	scan_year(ds);
	return TRUE;
}

/* scan_date - read a date (or a weekday) at ds->p, skipping filler words. */
static gboolean scan_date(DateScan *ds)
{
	for (int tokens = 0; tokens < 8; tokens++) {
		g_autofree char *word = NULL;
		int digits, number;

		skip_blanks(&ds->p);
		if (g_ascii_isdigit(*ds->p)) {
			number = scan_number(&ds->p, &digits);
			return number >= 0 && scan_numeric_date(ds, number, digits);
		}
		word = scan_word(&ds->p);
		if (*word == '\0')
			break;
		if ((ds->month = lookup_month(word)) != 0)
			return scan_month_first(ds);
		if (lookup_weekday(word) != 0)
			ds->weekday = lookup_weekday(word);
		else if (!in_list(word, filler_words, G_N_ELEMENTS(filler_words)))
			break;
		if (*ds->p == '.' && ds->weekday != 0)
			break;
	}
	ds->day = ds->month = 0;
	return ds->weekday != 0;
}

/* date_resolve - the date ds names, seen from now; NULL when invalid. */
static GDateTime *date_resolve(const DateScan *ds, GDateTime *now)
{
	GTimeZone *tz = g_date_time_get_timezone(now);
	int year = ds->year;
	g_autoptr(GDateTime) today =
	    g_date_time_new(tz, g_date_time_get_year(now), g_date_time_get_month(now),
	                    g_date_time_get_day_of_month(now), 0, 0, 0);
	GDateTime *date;

	if (ds->month == 0) {
		int ahead = (ds->weekday - g_date_time_get_day_of_week(now) + 7) % 7;

		return g_date_time_add_days(today, ahead == 0 ? 7 : ahead);
	}
	if (year == 0)
		year = g_date_time_get_year(now);
	if (ds->day < 1 || ds->month > 12 || !g_date_valid_dmy(ds->day, ds->month, year))
		return NULL;
	date = g_date_time_new(tz, year, ds->month, ds->day, 0, 0, 0);
	if (ds->year == 0 && g_date_time_difference(today, date) > 7 * G_TIME_SPAN_DAY) {
		g_date_time_unref(date);
		if (!g_date_valid_dmy(ds->day, ds->month, year + 1))
			return NULL;
		date = g_date_time_new(tz, year + 1, ds->month, ds->day, 0, 0, 0);
	}
	return date;
}

/* word_at - TRUE when word occurs at hit as a whole word of text. */
static gboolean word_at(const char *text, const char *hit, gsize n)
{
	if (hit > text) {
		const char *prev = g_utf8_find_prev_char(text, hit);

		if (prev != NULL && g_unichar_isalpha(g_utf8_get_char(prev)))
			return FALSE;
	}
	return hit[n] == '\0' || !g_unichar_isalpha(g_utf8_get_char(hit + n));
}

/* until_in_text - the first return date named in casefolded text, or NULL. */
static GDateTime *until_in_text(const char *text, GDateTime *now)
{
	const char *best = NULL;
	GDateTime *found = NULL;

	for (gsize i = 0; i < G_N_ELEMENTS(until_words); i++) {
		gsize n = strlen(until_words[i]);

		for (const char *hit = strstr(text, until_words[i]); hit != NULL;
		     hit = strstr(hit + n, until_words[i])) {
			DateScan ds = {.p = hit + n};
			GDateTime *date;

			if (best != NULL && hit > best)
				break;
			if (!word_at(text, hit, n) || !scan_date(&ds))
				continue;
			if ((date = date_resolve(&ds, now)) == NULL)
				continue;
			g_clear_pointer(&found, g_date_time_unref);
			found = date;
			best = hit;
			break;
		}
	}
	return found;
}

/* autoreply_until_text - see autoreply.h. */
GDateTime *autoreply_until_text(const char *text, GDateTime *now)
{
	g_autofree char *valid = g_utf8_make_valid(text ? text : "", -1);
	g_autofree char *folded = g_utf8_casefold(valid, -1);

	return until_in_text(folded, now);
}

/* autoreply_until - see autoreply.h. */
GDateTime *autoreply_until(GMimeMessage *message, GDateTime *now)
{
	g_autofree char *body = autoreply_message_text(message);
	const char *subject = g_mime_message_get_subject(message);
	g_autofree char *text = g_strconcat(subject ? subject : "", "\n", body, NULL);
	g_autofree char *valid = g_utf8_make_valid(text, -1);
	g_autofree char *folded = g_utf8_casefold(valid, -1);

	return until_in_text(folded, now);
}

/* Markers of the quoted part in HTML replies (lower case): Outlook's
 * divRplyFwdMsg / appendonsend and border-top separators, Gmail's and
 * Yahoo's quote containers. */
/* clang-format off */
static const char *const html_quote_markers[] = {
	"divrplyfwdmsg", "appendonsend", "gmail_quote", "yahoo_quoted",
	"border-top:solid #e1e1e1", "border-top:solid #b5c4df", "border-top: solid #e1e1e1",
	"border-top: solid #b5c4df",
};
/* clang-format on */

/* in_tag - TRUE when offset pos of html lies inside a tag: a '<' comes
 * before it with no '>' between (looking back at most 4 KB). */
static gboolean in_tag(const char *html, gsize pos, gsize *lt)
{
	for (gsize i = pos, steps = 0; i > 0 && steps < 4096; i--, steps++) {
		if (html[i - 1] == '>')
			return FALSE;
		if (html[i - 1] == '<') {
			*lt = i - 1;
			return TRUE;
		}
	}
	return FALSE;
}

/* html_quote_start - offset of the tag that opens the quoted part of html,
 * or len when there is none.  Only markers inside a tag count. */
static gsize html_quote_start(const char *html, gsize len)
{
	g_autofree char *lower = g_ascii_strdown(html, len);
	gsize cut = len, lt;

	for (gsize i = 0; i < G_N_ELEMENTS(html_quote_markers); i++) {
		const char *hit = strstr(lower, html_quote_markers[i]);

		for (; hit != NULL && (gsize)(hit - lower) < cut;
		     hit = strstr(hit + 1, html_quote_markers[i])) {
			if (in_tag(lower, hit - lower, &lt)) {
				cut = lt;
				break;
			}
		}
	}
	return cut;
}

/* find_text_part - the first text/subtype part under object that is not an
 * attachment, not looking inside attached messages; borrowed or NULL. */
static GMimeTextPart *find_text_part(GMimeObject *object, const char *subtype)
{
	if (GMIME_IS_MULTIPART(object)) {
		GMimeMultipart *multi = GMIME_MULTIPART(object);

		for (int i = 0; i < g_mime_multipart_get_count(multi); i++) {
			GMimeTextPart *found =
			    find_text_part(g_mime_multipart_get_part(multi, i), subtype);

			if (found != NULL)
				return found;
		}
		return NULL;
	}
	if (!GMIME_IS_TEXT_PART(object) || g_mime_part_is_attachment(GMIME_PART(object)))
		return NULL;
	if (!g_mime_content_type_is_type(g_mime_object_get_content_type(object), "text", subtype))
		return NULL;
	return GMIME_TEXT_PART(object);
}

/* html_text - the visible text of an HTML part before its quoted part. */
static char *html_text(GMimeTextPart *part)
{
	g_autofree char *html = mimetext_part_text(GMIME_PART(part), AUTOREPLY_PART_MAX);
	gsize len = strlen(html);

	return html_to_text(html, html_quote_start(html, len));
}

/* is_blank - TRUE when text holds nothing but white space. */
static gboolean is_blank(const char *text)
{
	for (; *text != '\0'; text++)
		if (!g_ascii_isspace(*text))
			return FALSE;
	return TRUE;
}

/* autoreply_message_text - see autoreply.h. */
char *autoreply_message_text(GMimeMessage *message)
{
	GMimeObject *body = g_mime_message_get_mime_part(message);
	GMimeTextPart *plain, *html;
	g_autofree char *text = NULL;

	if (body == NULL)
		return g_strdup("");
	plain = find_text_part(body, "plain");
	if (plain != NULL) {
		text = mimetext_part_text(GMIME_PART(plain), AUTOREPLY_PART_MAX);
		if (!is_blank(text))
			return g_steal_pointer(&text);
	}
	html = find_text_part(body, "html");
	if (html != NULL) {
		char *converted = html_text(html);

		if (converted != NULL)
			return converted;
	}
	return text != NULL ? g_steal_pointer(&text) : g_strdup("");
}
