/* test-reply-words.c - the words of a reply: the command and argument of
 * visible texts (inflections, synonyms, languages, negations), the words
 * the HELP template lists, auto-reply and bounce detection by headers, and
 * the return dates out-of-office texts name. */
#include "config.h"

#include <string.h>

#include <gmime/gmime.h>

#include "parser/autoreply.h"
#include "parser/reply.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(GMimeMessage, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GMimeParser, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GMimeStream, g_object_unref)

/* source_dir - $LR_SRCDIR/sub (or the configured source tree). */
static char *source_dir(const char *sub)
{
	const char *srcdir = g_getenv("LR_SRCDIR");

	return g_build_filename(srcdir ? srcdir : LR_SRCDIR, sub, NULL);
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

/* Visible texts and the command and argument they give. */
/* clang-format off */
static const struct {
	const char *text, *command, *argument;
} command_cases[] = {
	{"Accept.", "accept", ""},
	{"ACCEPT!", "accept", ""},
	{"accept", "accept", ""},
	{"*ACCEPT*", "accept", ""},
	{"Reject: wrong region\ncustomer is in AT\n\nthanks", "reject", "wrong region customer is in AT"},
	{"FORWARD anna please call", "forward", "anna please call"},
	{"forward, anna", "forward", "anna"},
	{"Won 12000 EUR", "won", "12000 EUR"},
	{"LOST - price", "lost", "price"},
	{"note: call back on Monday", "note", "call back on Monday"},
	{"help", "help", ""},
	{"Contacted", "contacted", ""},
	{"Won't have time", "help", ""},
	{"accepted", "accept", ""},
	{"Thanks, I'll take it", "help", ""},
	{"", "none", ""},
};
/* clang-format on */

/* test_commands - the command word and the argument of visible texts. */
static void test_commands(void)
{
	for (gsize i = 0; i < G_N_ELEMENTS(command_cases); i++) {
		LrReply reply = {0};

		reply_command(&reply, command_cases[i].text);
		g_assert_cmpstr(reply.command, ==, command_cases[i].command);
		g_assert_cmpstr(reply.argument, ==, command_cases[i].argument);
		g_free(reply.command);
		g_free(reply.argument);
	}
}

/* The words people write for each command (issue 14): inflections,
 * synonyms and the local words of the common languages, at least five
 * variants per command, and negations and doubts that must give help. */
/* clang-format off */
static const struct {
	const char *text, *command, *argument;
} word_cases[] = {
	/* accept */
	{"Accepted.", "accept", ""},
	{"Accepting", "accept", ""},
	{"Yes, I'll take it", "accept", ""},
	{"yes I\u2019ll take it, calling them now", "accept", "calling them now"},
	{"I'll take it!", "accept", ""},
	{"Mine.", "accept", ""},
	{"Annehmen", "accept", ""},
	{"Übernehme", "accept", ""},
	{"Ich übernehme.", "accept", ""},
	{"Angenommen, rufe heute an", "accept", "rufe heute an"},
	{"J'accepte", "accept", ""},
	{"Accepté !", "accept", ""},
	{"Acepto", "accept", ""},
	{"Aceptado, gracias", "accept", "gracias"},
	{"Accetto", "accept", ""},
	{"Accepteer", "accept", ""},
	{"Ik neem het over", "accept", ""},
	/* reject */
	{"Rejected \u2013 not my region", "reject", "not my region"},
	{"Declined", "reject", ""},
	{"Decline: too small", "reject", "too small"},
	{"No thanks, wrong territory", "reject", "wrong territory"},
	{"Ablehnen - falsches Gebiet", "reject", "falsches Gebiet"},
	{"Lehne ab, kein Kunde für uns", "reject", "kein Kunde für uns"},
	{"Refusé : hors secteur", "reject", "hors secteur"},
	{"Je refuse", "reject", ""},
	{"Rechazado, no es mi zona", "reject", "no es mi zona"},
	{"Rifiuto", "reject", ""},
	{"Afgewezen, verkeerde regio", "reject", "verkeerde regio"},
	/* forward */
	{"Fwd to erik", "forward", "erik"},
	{"Pass to erik", "forward", "erik"},
	{"Pass it on to anna please", "forward", "anna please"},
	{"Fwd to erik, he covers Austria", "forward", "erik he covers Austria"},
	{"fw: ben", "forward", "ben"},
	{"Hand over to ben", "forward", "ben"},
	{"Weiterleiten an anna", "forward", "anna"},
	{"Bitte weiterleiten an ben", "forward", "ben"},
	{"Transférer à erik", "forward", "erik"},
	{"transferer a erik", "forward", "erik"},
	{"Reenviar a anna", "forward", "anna"},
	{"Inoltra a ben", "forward", "ben"},
	{"Doorsturen naar erik", "forward", "erik"},
	/* the stage commands */
	{"Called them this morning", "contacted", "them this morning"},
	{"Kontaktiert", "contacted", ""},
	{"Contacté", "contacted", ""},
	{"Contactado", "contacted", ""},
	{"Gebeld", "contacted", ""},
	{"Closed won, 12 units", "won", "12 units"},
	{"Gewonnen", "won", ""},
	{"Gagné", "won", ""},
	{"Vinto", "won", ""},
	{"Sold 40 seats", "won", "40 seats"},
	{"Closed lost - price", "lost", "price"},
	{"Verloren", "lost", ""},
	{"Perdu", "lost", ""},
	{"Perdido: precio", "lost", "precio"},
	{"Perso", "lost", ""},
	{"Notiz: Rückruf Montag", "note", "Rückruf Montag"},
	{"Hilfe", "help", ""},
	{"Aide", "help", ""},
	{"Ayuda", "help", ""},
	/* negations and doubts: help, never the command */
	{"not accepted", "help", ""},
	{"Kann ich nicht annehmen", "help", ""},
	{"Übernehme ich nicht", "help", ""},
	{"Accepted? Not sure this is mine", "help", ""},
	{"Accept - not now", "help", ""},
	{"Accept? no", "help", ""},
	{"Je n'accepte pas", "help", ""},
	{"No acepto", "help", ""},
	{"Non accetto", "help", ""},
	{"Niet accepteren", "help", ""},
	{"Accepté ? Pas sûr", "help", ""},
	{"Nehme nicht an", "help", ""},
	{"Forward? No, keep it", "help", ""},
	{"Don't forward", "help", ""},
	{"Yes", "help", ""},
	{"Acceptable price range", "help", ""},
	{"Passt schon", "help", ""},
};
/* clang-format on */

/* test_words - the words people write, each as a reply_command text. */
static void test_words(void)
{
	for (gsize i = 0; i < G_N_ELEMENTS(word_cases); i++) {
		LrReply reply = {0};

		reply_command(&reply, word_cases[i].text);
		if (g_strcmp0(reply.command, word_cases[i].command) != 0 ||
		    g_strcmp0(reply.argument, word_cases[i].argument) != 0)
			g_error("\"%s\": %s \"%s\", want %s \"%s\"", word_cases[i].text,
			        reply.command, reply.argument, word_cases[i].command,
			        word_cases[i].argument);
		g_free(reply.command);
		g_free(reply.argument);
	}
}

/* test_help_words - every word the help template lists (its "- WORD:"
 * lines) gives that command, with "user" as the forward argument. */
static void test_help_words(void)
{
	g_autofree char *dir = source_dir("templates");
	g_autofree char *path = g_build_filename(dir, "help.txt", NULL);
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;
	guint checked = 0;

	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	lines = g_strsplit(text, "\n", -1);
	for (char **l = lines; *l != NULL; l++) {
		const char *colon = strchr(*l, ':');
		g_autofree char *command = NULL;
		g_auto(GStrv) words = NULL;

		if (!g_str_has_prefix(*l, "- ") || colon == NULL)
			continue;
		command = g_ascii_strdown(*l + 2, strcspn(*l + 2, " :"));
		words = g_strsplit(colon + 1, ",", -1);
		for (char **w = words; *w != NULL; w++) {
			LrReply reply = {0};

			reply_command(&reply, g_strstrip(*w));
			if (strcmp(reply.command, command) != 0 ||
			    strcmp(reply.argument, strstr(*w, " user") ? "user" : "") != 0)
				g_error("help lists \"%s\" for %s: parsed %s \"%s\"", *w, command,
				        reply.command, reply.argument);
			g_free(reply.command);
			g_free(reply.argument);
			checked++;
		}
	}
	g_assert_cmpuint(checked, >=, 40);
}

/* Header lines (and subject) and what autoreply_detect says of them. */
/* clang-format off */
static const struct {
	const char *headers, *reason;
} detect_cases[] = {
	{"Subject: Re: lead\n", NULL},
	{"Subject: Re: lead\nAuto-Submitted: auto-replied\n", "auto-reply"},
	{"Subject: Re: lead\nAuto-Submitted: no\n", NULL},
	{"Subject: Re: lead\nX-Autoreply: yes\n", "auto-reply"},
	{"Subject: Re: lead\nX-Autorespond: Out of office\n", "auto-reply"},
	{"Subject: Re: lead\nPrecedence: bulk\n", "auto-reply"},
	{"Subject: Re: lead\nPrecedence: junk\n", "auto-reply"},
	{"Subject: Re: lead\nX-Auto-Response-Suppress: DR, OOF, AutoReply\n", "auto-reply"},
	{"Subject: Out of Office: lead\n", "auto-reply"},
	{"Subject: Abwesenheitsnotiz: [Lead 1]\n", "auto-reply"},
	{"Subject: =?UTF-8?Q?R=C3=A9ponse_automatique_:_[Lead_1]?=\n", "auto-reply"},
	{"Subject: =?UTF-8?Q?Respuesta_autom=C3=A1tica:_[Lead_1]?=\n", "auto-reply"},
	{"Subject: Fuori sede: [Lead 1]\n", "auto-reply"},
	{"Subject: Autosvar: [Lead 1]\n", "auto-reply"},
	{"Subject: Absence: [Lead 1]\n", "auto-reply"},
	{"Subject: Absence of the customer\n", NULL},
	{"Subject: Re: Automatic reply wanted?\n", NULL},
	{"Subject: Re: lead\nList-Id: <team.acme.example>\n", "mailing-list"},
	{"Subject: Re: lead\nList-Unsubscribe: <mailto:x@y>\nPrecedence: list\n", "mailing-list"},
	{"Subject: Re: lead\nList-Unsubscribe: <mailto:x@y>\n", NULL},
	{"Subject: Re: lead\nReturn-Path: <>\n", "bounce"},
	{"Subject: failure\nFrom: MAILER-DAEMON@mx.example\n", "bounce"},
	{"Subject: failure\nFrom: postmaster@mx.example\n", "bounce"},
	{"Subject: x\nContent-Type: multipart/report; report-type=delivery-status; boundary=b\n",
	 "bounce"},
};
/* clang-format on */

/* test_detect - auto-replies, bounces and list mail by their headers. */
static void test_detect(void)
{
	for (gsize i = 0; i < G_N_ELEMENTS(detect_cases); i++) {
		g_autofree char *raw = g_strconcat(
		    strstr(detect_cases[i].headers, "From:") ? "" : "From: a@b.example\n",
		    detect_cases[i].headers, "\n--b\nContent-Type: text/plain\n\nACCEPT\n--b--\n",
		    NULL);
		g_autoptr(GMimeMessage) message = message_from(raw, strlen(raw));
		const char *reason = "unset";
		gboolean found = autoreply_detect(message, &reason);

		if (g_strcmp0(reason, detect_cases[i].reason) != 0)
			g_error("%s: reason %s, want %s", detect_cases[i].headers, reason,
			        detect_cases[i].reason);
		g_assert_cmpint(found, ==, detect_cases[i].reason != NULL);
	}
}

/* Out-of-office texts, the message date, and the return date they name. */
/* clang-format off */
static const struct {
	const char *text, *date, *until;
} until_cases[] = {
	{"I am away until 30 November.", "2026-11-20", "2026-11-30"},
	{"I will be back on 2026-12-01.", "2026-11-20", "2026-12-01"},
	{"Ich bin bis zum 30.11.2026 nicht im Büro.", "2026-11-20", "2026-11-30"},
	{"Je suis absent jusqu'au 30/11, merci.", "2026-11-20", "2026-11-30"},
	{"Je suis absente jusqu’au lundi 7 décembre.", "2026-11-20", "2026-12-07"},
	{"Estoy de vacaciones hasta el 2 de diciembre.", "2026-11-20", "2026-12-02"},
	{"Sono fuori sede fino al 3 dicembre 2026.", "2026-11-20", "2026-12-03"},
	{"Back in the office on December 3rd, 2026.", "2026-11-20", "2026-12-03"},
	{"Out until Nov. 25", "2026-11-20", "2026-11-25"},
	{"I am on leave until Monday.", "2026-11-20", "2026-11-23"},
	{"Ik ben terug op 4 januari.", "2026-12-20", "2027-01-04"},
	{"Away until 5 January", "2026-12-20", "2027-01-05"},
	{"I am away until further notice.", "2026-11-20", NULL},
	{"Thanks for your message, I will get back to you.", "2026-11-20", NULL},
	{"Away until 31 February.", "2026-11-20", NULL},
};
/* clang-format on */

/* until_of - autoreply_until for text in a message dated date (YYYY-MM-DD). */
static GDateTime *until_of(const char *text, const char *date)
{
	g_autofree char *raw =
	    g_strdup_printf("From: a@b.example\nSubject: Out of Office\nContent-Type: text/plain; "
	                    "charset=utf-8\n\n%s\n",
	                    text);
	g_autofree char *iso = g_strconcat(date, "T10:00:00Z", NULL);
	g_autoptr(GMimeMessage) message = message_from(raw, strlen(raw));
	g_autoptr(GDateTime) now = g_date_time_new_from_iso8601(iso, NULL);

	g_assert_nonnull(now);
	return autoreply_until(message, now);
}

/* test_until - return dates in the common languages and forms. */
static void test_until(void)
{
	for (gsize i = 0; i < G_N_ELEMENTS(until_cases); i++) {
		g_autoptr(GDateTime) until = until_of(until_cases[i].text, until_cases[i].date);
		g_autofree char *got = until ? g_date_time_format(until, "%Y-%m-%d") : NULL;

		if (g_strcmp0(got, until_cases[i].until) != 0)
			g_error("\"%s\": until %s, want %s", until_cases[i].text, got,
			        until_cases[i].until);
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_mime_init();
	g_test_add_func("/reply/commands", test_commands);
	g_test_add_func("/reply/words", test_words);
	g_test_add_func("/reply/help-words", test_help_words);
	g_test_add_func("/autoreply/detect", test_detect);
	g_test_add_func("/autoreply/until", test_until);
	return g_test_run();
}
