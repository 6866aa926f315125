/* test-reply.c - the reply parser against the corpus ($LR_CORPUS/replies,
 * tests/corpus/replies by default) and our own cases (tests/replies); the
 * command words and auto-reply detection are in test-reply-words.c. */
#include "config.h"

#include <string.h>

#include <gmime/gmime.h>

#include "lead/lr-error.h"
#include "parser/autoreply.h"
#include "parser/reply.h"
#include "tests/corpus.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(GMimeMessage, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GMimeParser, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GMimeStream, g_object_unref)

/* Commands a talon fixture's own text is replaced with, and what must come
 * out of each. */
/* clang-format off */
static const struct {
	const char *written, *command, *argument;
} talon_commands[] = {
	{"REJECT wrong region", "reject", "wrong region"},
	{"FORWARD anna call her today", "forward", "anna call her today"},
	{"ACCEPT", "accept", ""},
	{"WON 12000", "won", "12000"},
	{"Lost. went with a competitor", "lost", "went with a competitor"},
	{"contacted left a voicemail at 14:30", "contacted", "left a voicemail at 14:30"},
};
/* clang-format on */

/* The replier's own text in the HTML part when it differs from "Hello". */
/* clang-format off */
static const struct {
	const char *fixture, *html_own;
} talon_html_own[] = {
	{"outlook.eml", "Allo! Follow up MIME!"},
};
/* clang-format on */

/* source_dir - $LR_SRCDIR/sub (or the configured source tree). */
static char *source_dir(const char *sub)
{
	const char *srcdir = g_getenv("LR_SRCDIR");

	return g_build_filename(srcdir ? srcdir : LR_SRCDIR, sub, NULL);
}

/* read_file - the contents of path, or a test failure. */
static char *read_file(const char *path, gsize *len)
{
	g_autoptr(GError) error = NULL;
	char *data = NULL;

	if (!g_file_get_contents(path, &data, len, &error))
		g_error("%s: %s", path, error->message);
	return data;
}

/* list_files - the names in dir ending in suffix, sorted (at least one). */
static GPtrArray *list_files(const char *dir, const char *suffix)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GDir) d = g_dir_open(dir, 0, &error);
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	const char *name;

	g_assert_no_error(error);
	while ((name = g_dir_read_name(d)) != NULL)
		if (g_str_has_suffix(name, suffix))
			g_ptr_array_add(names, g_build_filename(dir, name, NULL));
	g_ptr_array_sort(names, (GCompareFunc)g_strcmp0);
	g_assert_cmpuint(names->len, >, 0);
	return names;
}

/* parse_bytes - reply_parse on data, which must succeed. */
static LrReply *parse_bytes(const char *data, gsize len, const char *recipient)
{
	g_autoptr(GBytes) raw = g_bytes_new(data, len);
	g_autoptr(GError) error = NULL;
	LrReply *reply = reply_parse(raw, recipient, &error);

	g_assert_no_error(error);
	g_assert_nonnull(reply);
	return reply;
}

/* bool_str - "true" / "false". */
static const char *bool_str(gboolean b)
{
	return b ? "true" : "false";
}

/* reply_member - the value of reply member key as a string (borrowed or
 * stored in *tmp), NULL when unset. */
static const char *reply_member(const LrReply *reply, const char *key, char **tmp)
{
	if (strcmp(key, "command") == 0)
		return reply->command;
	if (strcmp(key, "argument") == 0)
		return reply->argument;
	if (strcmp(key, "auto_reply") == 0)
		return bool_str(reply->auto_reply);
	if (strcmp(key, "bounce") == 0)
		return bool_str(reply->bounce);
	if (strcmp(key, "token") == 0)
		return reply->token;
	if (strcmp(key, "sender") == 0)
		return reply->sender;
	if (strcmp(key, "text") == 0)
		return reply->text;
	if (strcmp(key, "away_until") == 0 && reply->away_until != NULL)
		return *tmp = g_date_time_format(reply->away_until, "%Y-%m-%d");
	if (strcmp(key, "away_until") == 0)
		return NULL;
	g_error("unknown expectation key %s", key);
	return NULL;
}

/* check_expect_line - one "key=value" / "key~text" line against reply. */
static void check_expect_line(const char *eml, const LrReply *reply, const char *line)
{
	gsize k = strcspn(line, "=~");
	g_autofree char *key = g_strndup(line, k);
	g_autofree char *tmp = NULL;
	const char *want = line + k + 1, *got;

	if (line[k] == '\0' || strcmp(key, "recipient") == 0)
		return;
	got = reply_member(reply, key, &tmp);
	if (line[k] == '=' && g_strcmp0(got, want) != 0)
		g_error("%s: %s is \"%s\", want \"%s\"", eml, key, got ? got : "(null)", want);
	if (line[k] == '~' && (got == NULL || strstr(got, want) == NULL))
		g_error("%s: %s is \"%s\", want it to contain \"%s\"", eml, key,
		        got ? got : "(null)", want);
}

/* check_expect - parse eml (recipient from its expect file) and check it. */
static void check_expect(const char *eml)
{
	g_autofree char *base = g_strndup(eml, strlen(eml) - 4);
	g_autofree char *expect_path = g_strconcat(base, ".expect", NULL);
	gsize len;
	g_autofree char *data = read_file(eml, &len);
	g_autofree char *expect = read_file(expect_path, NULL);
	g_auto(GStrv) lines = g_strsplit(expect, "\n", -1);
	const char *recipient = NULL;
	g_autoptr(LrReply) reply = NULL;

	for (char **l = lines; *l != NULL; l++)
		if (g_str_has_prefix(*l, "recipient="))
			recipient = *l + strlen("recipient=");
	reply = parse_bytes(data, len, recipient);
	for (char **l = lines; *l != NULL; l++)
		check_expect_line(eml, reply, *l);
}

/* test_expect_dir - every .eml under dir satisfies its .expect. */
static void test_expect_dir(gconstpointer data)
{
	g_autofree char *dir = g_str_has_prefix(data, "corpus:")
	                           ? lr_test_corpus_path((char *)data + 7)
	                           : source_dir(data);
	g_autoptr(GPtrArray) files = NULL;

	if (dir == NULL)
		return;
	files = list_files(dir, ".eml");
	for (guint i = 0; i < files->len; i++)
		check_expect(g_ptr_array_index(files, i));
}

/* message_from - a GMime message parsed from data (must parse). */
static GMimeMessage *message_from(const char *data, gsize len)
{
	g_autoptr(GMimeStream) stream = g_mime_stream_mem_new_with_buffer(data, len);
	g_autoptr(GMimeParser) parser = g_mime_parser_new_with_stream(stream);
	GMimeMessage *message = g_mime_parser_construct_message(parser, NULL);

	g_assert_nonnull(message);
	return message;
}

/* Replace - replace the own text in every text part of a message. */
typedef struct {
	const char *own_plain, *own_html, *written;
	guint parts, replaced;
} Replace;

/* replace_own - g_mime_message_foreach callback: in one text part, put
 * written where the replier's own text was, keeping the part's transfer
 * encoding (quoted-printable, base64...). */
static void replace_own(GMimeObject *parent, GMimeObject *part, gpointer data)
{
	Replace *r = data;
	GMimeContentType *type = g_mime_object_get_content_type(part);
	const char *own;
	g_autofree char *text = NULL;
	g_autofree char *changed = NULL;
	GMimeContentEncoding encoding;
	char *hit;

	if (!GMIME_IS_TEXT_PART(part))
		return;
	own = g_mime_content_type_is_type(type, "text", "html") ? r->own_html : r->own_plain;
	text = g_mime_text_part_get_text(GMIME_TEXT_PART(part));
	r->parts++;
	if ((hit = strstr(text, own)) == NULL)
		return;
	*hit = '\0';
	changed = g_strconcat(text, r->written, hit + strlen(own), NULL);
	encoding = g_mime_part_get_content_encoding(GMIME_PART(part));
	g_mime_text_part_set_text(GMIME_TEXT_PART(part), changed);
	g_mime_part_set_content_encoding(GMIME_PART(part), encoding);
	r->replaced++;
}

/* find_html - g_mime_message_foreach callback: the first text/html part. */
static void find_html(GMimeObject *parent, GMimeObject *part, gpointer data)
{
	GMimeObject **html = data;

	if (*html == NULL && GMIME_IS_TEXT_PART(part) &&
	    g_mime_content_type_is_type(g_mime_object_get_content_type(part), "text", "html"))
		*html = part;
}

/* check_command - parse message and check the command and argument. */
static void check_command(GMimeMessage *message, const char *what, guint c)
{
	g_autofree char *raw = g_mime_object_to_string(GMIME_OBJECT(message), NULL);
	g_autoptr(LrReply) reply = parse_bytes(raw, strlen(raw), NULL);

	if (g_strcmp0(reply->command, talon_commands[c].command) != 0 ||
	    g_strcmp0(reply->argument, talon_commands[c].argument) != 0)
		g_error("%s with \"%s\": got %s \"%s\" (text \"%s\")", what,
		        talon_commands[c].written, reply->command, reply->argument, reply->text);
}

/* talon_case - one fixture, own text replaced by command c, whole message
 * and (when it has one) its HTML part alone. */
static void talon_case(const char *path, const char *own_plain, const char *own_html, guint c)
{
	gsize len;
	g_autofree char *data = read_file(path, &len);
	g_autoptr(GMimeMessage) message = message_from(data, len);
	Replace r = {own_plain, own_html, talon_commands[c].written, 0, 0};
	GMimeObject *html = NULL;
	g_autofree char *what = g_strdup_printf("%s (own text \"%s\")", path, own_plain);

	g_mime_message_foreach(message, replace_own, &r);
	g_assert_cmpuint(r.parts, >, 0);
	g_assert_cmpuint(r.replaced, ==, r.parts);
	check_command(message, what, c);
	g_mime_message_foreach(message, find_html, &html);
	if (html == NULL || GMIME_OBJECT(html) == g_mime_message_get_mime_part(message))
		return;
	g_object_ref(html);
	g_mime_message_set_mime_part(message, html);
	g_object_unref(html);
	g_free(what);
	what = g_strdup_printf("%s (HTML part alone)", path);
	check_command(message, what, c);
}

/* talon_own_html - the replier's own text in path's HTML part. */
static const char *talon_own_html(const char *path)
{
	g_autofree char *name = g_path_get_basename(path);

	for (gsize i = 0; i < G_N_ELEMENTS(talon_html_own); i++)
		if (strcmp(name, talon_html_own[i].fixture) == 0)
			return talon_html_own[i].html_own;
	return "Hello";
}

/* test_talon - every talon fixture, with each command written over the
 * replier's own text ("Hello", or NAME_reply_text, which holds the whole
 * own text with its signature), gives exactly that command and argument. */
static void test_talon(void)
{
	g_autofree char *dir = lr_test_corpus_path("replies/talon");
	g_autoptr(GPtrArray) files = NULL;

	if (dir == NULL)
		return;
	files = list_files(dir, ".eml");
	for (guint i = 0; i < files->len; i++) {
		const char *path = g_ptr_array_index(files, i);
		g_autofree char *base = g_strndup(path, strlen(path) - 4);
		g_autofree char *own_path = g_strconcat(base, "_reply_text", NULL);
		g_autofree char *own = NULL;

		if (g_file_get_contents(own_path, &own, NULL, NULL))
			g_strchomp(own);
		for (guint c = 0; c < G_N_ELEMENTS(talon_commands); c++) {
			talon_case(path, "Hello", talon_own_html(path), c);
			if (own != NULL)
				talon_case(path, own, talon_own_html(path), c);
		}
	}
}

/* The replier's visible text of email_reply_parser fixtures: those the
 * corpus README names, then cases that must not be mistaken for quotes or
 * signatures. */
/* clang-format off */
static const struct {
	const char *file, *visible;
} erp_cases[] = {
	{"email_2_1.txt", "Outlook with a reply"},
	{"email_2_2.txt", "Outlook with a reply directly above line"},
	{"email_2_3.txt", "Outlook with a reply directly above line"},
	{"email_iPhone.txt", "Here is another email"},
	{"email_BlackBerry.txt", "Here is another email"},
	{"email_multi_word_sent_from_my_mobile_device.txt", "Here is another email"},
	{"email_sent_from_my_not_signature.txt",
	 "Here is another email\n\nSent from my desk, is much easier then my mobile phone."},
	{"email_1_4.txt", "Awesome! I haven't had another problem with it."},
	{"correct_sig.txt", "this is an email with a correct -- signature."},
	{"email_1_7.txt", ":+1:"},
	{"email_1_8.txt", "I will reply under this one\n\nand under this."},
	{"email_sig_delimiter_in_middle_of_line.txt",
	 "Hi there!\n\nStuff happened.\n\nAnd here is a fix -- this is not a signature.\n\nkthxbai"},
	{"greedy_on.txt", "On your remote host you can run:\n\n     telnet 127.0.0.1 52698\n\n"
			  "This should connect to TextMate (on your Mac, via the tunnel). If that\n"
			  "fails, the tunnel is not working."},
};
/* clang-format on */

/* test_erp_visible - reply_visible_text of the header-less fixtures. */
static void test_erp_visible(void)
{
	g_autofree char *dir = lr_test_corpus_path("replies/email_reply_parser");

	if (dir == NULL)
		return;
	for (gsize i = 0; i < G_N_ELEMENTS(erp_cases); i++) {
		g_autofree char *path = g_build_filename(dir, erp_cases[i].file, NULL);
		g_autofree char *body = read_file(path, NULL);
		g_autofree char *visible = reply_visible_text(body);

		if (strcmp(visible, erp_cases[i].visible) != 0)
			g_error("%s: visible text \"%s\", want \"%s\"", erp_cases[i].file, visible,
			        erp_cases[i].visible);
	}
}

/* Reply bodies in the common languages and clients, and their own text. */
/* clang-format off */
static const struct {
	const char *body, *visible;
} language_cases[] = {
	{"ACCEPT\n\nLe lun. 16 nov. 2026 à 13:06, Lead Desk <lead+x@a.example> a écrit :\n> REJECT\n",
	 "ACCEPT"},
	{"ACCEPT\n\nAm Mo., 16. Nov. 2026 um 13:06 Uhr schrieb Lead Desk <\nlead+x@a.example>:\n> x\n",
	 "ACCEPT"},
	{"ACCEPT\nOp ma 16 nov. 2026 om 13:06 schreef Lead Desk <lead+x@a.example>:\n> x\n",
	 "ACCEPT"},
	{"ACCEPT\nIl giorno lun 16 nov 2026 alle ore 13:06 Lead Desk <lead+x@a.example> ha "
	 "scritto:\n> x\n", "ACCEPT"},
	{"ACCEPT\nEm seg., 16 de nov. de 2026 às 13:06, Lead Desk <lead+x@a.example> escreveu:\n"
	 "> x\n", "ACCEPT"},
	{"ACCEPT\nDen 16 nov. 2026 kl. 13:06 skrev Lead Desk <lead+x@a.example>:\n> x\n", "ACCEPT"},
	{"ACCEPT\nEl lun, 16 nov 2026 a las 13:06, Lead Desk (<lead+x@a.example>) escribió:\n> x\n",
	 "ACCEPT"},
	{"ACCEPT\n\n-----Ursprüngliche Nachricht-----\nVon: Lead Desk\nREJECT\n", "ACCEPT"},
	{"ACCEPT\n\n-----Message d'origine-----\nDe : Lead Desk\nREJECT\n", "ACCEPT"},
	{"ACCEPT\n\nDa: Lead Desk <lead+x@a.example>\nInviato: lunedì 16 novembre 2026 13:06\n"
	 "A: Anna\nOggetto: [Lead 1]\n\nREJECT\n", "ACCEPT"},
	{"ACCEPT\n\nDe: Lead Desk <lead+x@a.example>\nEnviado el: lunes, 16 de noviembre\n"
	 "Para: Anna\nAsunto: [Lead 1]\nREJECT\n", "ACCEPT"},
	{"ACCEPT\n\nVon meinem iPhone gesendet\n\n> REJECT\n", "ACCEPT"},
	{"ACCEPT\n\nEnvoyé de mon iPhone\n", "ACCEPT"},
	{"ACCEPT\r\n\r\nGet Outlook for Android<https://aka.ms/ghei36>\r\n", "ACCEPT"},
	{"ACCEPT\n\nBegin forwarded message:\n\nFrom: Lead Desk\nREJECT\n", "ACCEPT"},
	{"REJECT\nthe customer wrote:\n> x\n", "REJECT"},
	{"NOTE the customer said the following:\nbudget is 10k\n",
	 "NOTE the customer said the following:\nbudget is 10k"},
	{"From: the Munich office, ACCEPT\n", "From: the Munich office, ACCEPT"},
	/* A client that quotes without "> ": what follows "wrote:" is the quote. */
	{"On Tue, 1 Dec 2026 at 09:00, Lead Desk <lead+x@a.example> wrote:\n"
	 "ACCEPT - take the lead\nREJECT <reason>\n", ""},
	{"Busy this week.\n\nOn Tue, 1 Dec 2026, Lead Desk wrote:\n\nACCEPT - take the lead\n",
	 "Busy this week."},
	{"REJECT too far\nAm Di., 1. Dez. 2026 um 09:00 Uhr schrieb Lead Desk <\nlead+x@a.example>:\n"
	 "ACCEPT - take the lead\n", "REJECT too far"},
	/* Quoted with "> ": the replier's text may follow the quote. */
	{"On Tue, 1 Dec 2026, Lead Desk wrote:\n> ACCEPT - take the lead\n\nREJECT too far\n",
	 "REJECT too far"},
};
/* clang-format on */

/* test_languages - quotes, attributions, separators and signatures of the
 * common languages and clients are removed; the rep's own text is not. */
static void test_languages(void)
{
	for (gsize i = 0; i < G_N_ELEMENTS(language_cases); i++) {
		g_autofree char *visible = reply_visible_text(language_cases[i].body);

		if (strcmp(visible, language_cases[i].visible) != 0)
			g_error("\"%s\": visible text \"%s\", want \"%s\"", language_cases[i].body,
			        visible, language_cases[i].visible);
	}
}

/* visible_seconds - the seconds reply_visible_text takes on body. */
static double visible_seconds(const char *body)
{
	g_autoptr(GTimer) timer = g_timer_new();
	g_autofree char *visible = reply_visible_text(body);

	g_timer_stop(timer);
	g_assert_nonnull(visible);
	return g_timer_elapsed(timer, NULL);
}

/* time_bound - the seconds a body may take: 1, or 30 under valgrind, which
 * runs code some 30 times slower (its preload library gives it away). */
static double time_bound(void)
{
	const char *preload = g_getenv("LD_PRELOAD");

	return preload != NULL && strstr(preload, "vgpreload") != NULL ? 30.0 : 1.0;
}

/* linear_seconds - the seconds one linear pass over body takes (split into
 * lines, each casefolded): the baseline for a loaded machine. */
static double linear_seconds(const char *body)
{
	g_autoptr(GTimer) timer = g_timer_new();
	g_auto(GStrv) lines = g_strsplit(body, "\n", -1);

	for (char **l = lines; *l != NULL; l++)
		g_free(g_utf8_casefold(*l, -1));
	g_timer_stop(timer);
	return g_timer_elapsed(timer, NULL);
}

/* hostile_body - count copies of line, as one body (new string). */
static char *hostile_body(const char *line, guint count)
{
	GString *body = g_string_sized_new(strlen(line) * count + 1);

	for (guint i = 0; i < count; i++)
		g_string_append(body, line);
	return g_string_free(body, FALSE);
}

/* test_no_blowup - the pathological fixtures, and bodies built to hurt a
 * backtracking or quadratic scanner, finish in well under a second (a bound
 * on a blow-up, not a benchmark; the built bodies may also take up to 100
 * times a linear pass over them, for machines under load). */
static void test_no_blowup(void)
{
	static const char *const files[] = {"pathological.txt", "email_long_quote.txt"};
	/* clang-format off */
	static const char *const lines[] = {
		"On Mon, 1 Jan 2024 at 10:00, Someone Long Name <x@example.com> wrote:\n",
		"From: x\nSent: y\nTo: z\n",
		"On a b c d e f g h i j k l m n o p q r s t u v w x y z\n",
		"gmail_quote wrote: schrieb: -- --\n",
		">>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>",
	};
	/* clang-format on */
	g_autofree char *dir = lr_test_corpus_path("replies/email_reply_parser");

	for (gsize i = 0; i < G_N_ELEMENTS(files) && dir != NULL; i++) {
		g_autofree char *path = g_build_filename(dir, files[i], NULL);
		g_autofree char *body = read_file(path, NULL);

		g_assert_cmpfloat(visible_seconds(body), <, time_bound());
	}
	for (gsize i = 0; i < G_N_ELEMENTS(lines); i++) {
		g_autofree char *body = hostile_body(lines[i], 40000);
		double bound = MAX(time_bound(), 100 * linear_seconds(body));

		g_assert_cmpfloat(visible_seconds(body), <, bound);
	}
	{
		g_autofree char *longline = hostile_body("x", 4 * 1024 * 1024);
		g_autofree char *body = g_strconcat(longline, "\nOn Monday bob wrote:\n", NULL);

		g_assert_cmpfloat(visible_seconds(body), <, time_bound());
	}
}

/* test_not_mail - input that is no mail at all is a permanent error. */
static void test_not_mail(void)
{
	static const char *const junk[] = {"", "\x01\x02\x03 binary", "just some words\n"};

	for (gsize i = 0; i < G_N_ELEMENTS(junk); i++) {
		g_autoptr(GBytes) raw = g_bytes_new(junk[i], strlen(junk[i]));
		g_autoptr(GError) error = NULL;
		LrReply *reply = reply_parse(raw, NULL, &error);

		g_assert_null(reply);
		g_assert_error(error, LR_ERROR, LR_ERROR_PERM);
	}
}

/* test_json - the parse-reply --json object. */
static void test_json(void)
{
	static const char raw[] = "From: Ben <Ben@ACME.Example>\nTo: lead+tok9@x.example\n"
	                          "Subject: Re\n\nREJECT \"wrong\" region\n";
	g_autoptr(LrReply) reply = parse_bytes(raw, strlen(raw), NULL);
	g_autofree char *json = reply_to_json(reply);

	g_assert_cmpstr(json, ==,
	                "{\"command\":\"reject\",\"argument\":\"\\\"wrong\\\" region\","
	                "\"auto_reply\":false,\"bounce\":false,\"token\":\"tok9\","
	                "\"sender\":\"Ben@acme.example\",\"away_until\":null}");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_mime_init();
	g_test_add_data_func("/reply/corpus/ours", "corpus:replies/ours", test_expect_dir);
	g_test_add_data_func("/reply/own-cases", "tests/replies", test_expect_dir);
	g_test_add_func("/reply/corpus/talon", test_talon);
	g_test_add_func("/reply/corpus/email-reply-parser", test_erp_visible);
	g_test_add_func("/reply/languages", test_languages);
	g_test_add_func("/reply/no-blowup", test_no_blowup);
	g_test_add_func("/reply/not-mail", test_not_mail);
	g_test_add_func("/reply/json", test_json);
	return g_test_run();
}
