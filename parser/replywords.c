/* replywords.c - the words people write for reply commands. */
#include "config.h"

#include <string.h>

#include "parser/labels.h"
#include "parser/replywords.h"

/* The phrases of each command, as people write them; they are compared
 * word by word after folding (labels_fold: case, accents and apostrophes
 * do not matter), and the longest phrase that opens the text wins.  The
 * plain keywords are in reply.c; these are what people write instead. */
typedef struct {
	const char *command;
	const char *phrases; /* "|"-separated */
} ReplywordsSet;

/* clang-format off */
static const ReplywordsSet replywords_sets[] = {
	{"accept", "accepted|accepting|accepts|i accept|i'll accept|i will accept|"
		   "yes i'll take it|yes i will take it|yes i take it|yes i'll take this|"
		   "yes mine|yes accept|ok accept|ok i'll take it|sure i'll take it|i'll take it|"
		   "i will take it|i'll take this|i take it|"
		   "taking it|take it|mine|claimed|claim|"
		   "annehmen|angenommen|nehme an|ich nehme an|ich nehme es|akzeptiert|"
		   "akzeptiere|akzeptieren|ich akzeptiere|übernehmen|übernehme|übernommen|"
		   "ich übernehme|ja ich übernehme|"
		   "accepter|accepté|acceptée|j'accepte|accepte|je prends|je le prends|"
		   "aceptar|acepto|aceptado|aceptada|lo acepto|lo tomo|me lo quedo|"
		   "accettare|accetto|accettato|accettata|lo prendo|prendo io|"
		   "accepteren|accepteer|geaccepteerd|aanvaarden|aanvaard|ik neem het|"
		   "neem ik|overnemen|ik neem het over|aceitar|aceito|aceite"},
	{"reject", "rejected|rejecting|rejects|decline|declined|declining|declines|"
		   "i decline|i reject|no thanks|no thank you|not for me|not mine|"
		   "ablehnen|abgelehnt|lehne ab|ich lehne ab|"
		   "refuser|refusé|refusée|refuse|je refuse|décliner|décliné|décline|"
		   "rechazar|rechazo|rechazado|rechazada|lo rechazo|"
		   "rifiutare|rifiuto|rifiutato|rifiutata|"
		   "afwijzen|afgewezen|wijs af|ik wijs af|weigeren|geweigerd|weiger|"
		   "recusar|recuso|rejeitar|rejeito"},
	{"forward", "fwd|fwd to|fw|fw to|forward to|forwarded to|forwarding to|forwarding|"
		    "pass to|pass on to|pass it to|pass it on to|hand to|hand over to|"
		    "hand it to|hand it over to|give to|give it to|send to|send it to|"
		    "reassign to|reassign|"
		    "weiterleiten an|weitergeleitet an|leite weiter an|weiter an|"
		    "bitte weiterleiten an|weitergeben an|"
		    "transférer à|transféré à|transfère à|transmettre à|transmis à|"
		    "reenviar a|reenvío a|reenviado a|reenviar|pasar a|pásalo a|"
		    "transferir a|"
		    "inoltra a|inoltrare a|inoltrato a|giro a|girare a|passa a|"
		    "doorsturen naar|doorsturen aan|stuur door naar|doorgestuurd naar|"
		    "encaminhar para|encaminhar a"},
	{"contacted", "called|reached|spoke to|spoken to|contacted them|"
		      "kontaktiert|angerufen|erreicht|contacté|contactée|appelé|"
		      "contactado|contactada|llamado|contattato|contattata|chiamato|"
		      "gecontacteerd|gebeld|contatado"},
	{"won", "closed won|deal won|sold|gewonnen|verkauft|gagné|vendu|ganado|"
		"ganada|vendido|vinto|venduto|verkocht"},
	{"lost", "closed lost|deal lost|verloren|perdu|perdido|perdida|perso|persa"},
	{"note", "notiz|remarque|nota|notitie"},
	{"help", "hilfe|aide|ayuda|aiuto|ajuda|commands|?"},
};
/* clang-format on */

/* Negation words, folded. */
/* clang-format off */
static const char *const replywords_negations[] = {
	"not", "no", "dont", "cannot", "cant", "wont", "never", "nicht", "kein", "keine",
	"nie", "niemals", "pas", "non", "ne", "jamais", "nunca", "nao", "niet", "geen",
	"nooit", "mai", "nein", "nee",
};
/* clang-format on */

#define REPLYWORDS_MAX 8 /* words of the longest phrase */

/* One word of the text: its folded form and where it ends in the text. */
typedef struct {
	char *folded;
	const char *end;
} ReplywordsWord;

/* replywords_is_word_char - TRUE for a letter, a digit, an apostrophe or
 * a '?' (the help phrase). */
static gboolean replywords_is_word_char(gunichar c)
{
	return g_unichar_isalnum(c) || g_unichar_ismark(c) || c == '\'' || c == 0x2019;
}

/* replywords_next - the next word at *p (advanced past it) into word;
 * FALSE at the end of text or of the sentence (".", "!", ";"). */
static gboolean replywords_next(const char **p, ReplywordsWord *word, gboolean sentence)
{
	const char *s = *p;
	const char *start;

	while (*s != '\0' && !replywords_is_word_char(g_utf8_get_char(s))) {
		if (*s == '?' && !sentence) {
			word->folded = g_strdup("?");
			word->end = *p = s + 1;
			return TRUE;
		}
		if (sentence && strchr(".!?;\n", *s) != NULL)
			return FALSE;
		s = g_utf8_next_char(s);
	}
	if (*s == '\0')
		return FALSE;
	start = s;
	while (*s != '\0' && replywords_is_word_char(g_utf8_get_char(s)))
		s = g_utf8_next_char(s);
	{
		g_autofree char *raw = g_strndup(start, s - start);

		word->folded = labels_fold(raw, 0);
	}
	word->end = *p = s;
	return TRUE;
}

/* replywords_phrase_len - the number of words of phrase that open words
 * (n of them), or 0 when it does not. */
static guint replywords_phrase_len(const char *phrase, ReplywordsWord *words, guint n)
{
	g_auto(GStrv) parts = g_strsplit(phrase, " ", REPLYWORDS_MAX + 1);
	guint k = 0;

	for (; parts[k] != NULL; k++) {
		g_autofree char *folded =
		    strcmp(parts[k], "?") == 0 ? g_strdup("?") : labels_fold(parts[k], 0);

		if (k >= n || strcmp(folded, words[k].folded) != 0)
			return 0;
	}
	return k;
}

/* replywords_best - the longest phrase of any set opening words; its set
 * in *set.  Returns its length in words, 0 when none. */
static guint replywords_best(ReplywordsWord *words, guint n, const ReplywordsSet **set)
{
	guint best = 0;

	for (gsize i = 0; i < G_N_ELEMENTS(replywords_sets); i++) {
		g_auto(GStrv) phrases = g_strsplit(replywords_sets[i].phrases, "|", -1);

		for (char **ph = phrases; *ph != NULL; ph++) {
			guint len = replywords_phrase_len(*ph, words, n);

			if (len > best) {
				best = len;
				*set = &replywords_sets[i];
			}
		}
	}
	return best;
}

/* replywords_negated - see replywords.h. */
gboolean replywords_negated(const char *text)
{
	const char *p = text;
	ReplywordsWord word;
	gboolean found = FALSE;

	for (guint i = 0; !found && i < 6 && replywords_next(&p, &word, TRUE); i++) {
		for (gsize j = 0; j < G_N_ELEMENTS(replywords_negations); j++)
			if (strcmp(word.folded, replywords_negations[j]) == 0)
				found = TRUE;
		g_free(word.folded);
	}
	return found;
}

/* replywords_match - see replywords.h. */
ReplywordsResult replywords_match(const char *text, const char **command, const char **rest)
{
	ReplywordsWord words[REPLYWORDS_MAX];
	const ReplywordsSet *set = NULL;
	const char *p = text;
	guint n = 0, len;

	while (n < REPLYWORDS_MAX && replywords_next(&p, &words[n], FALSE))
		n++;
	len = replywords_best(words, n, &set);
	if (len > 0) {
		*command = set->command;
		*rest = words[len - 1].end;
	}
	for (guint i = 0; i < n; i++)
		g_free(words[i].folded);
	if (len == 0)
		return REPLYWORDS_NONE;
	if (strcmp(*command, "help") == 0)
		return REPLYWORDS_COMMAND;
	if (*(*rest + strspn(*rest, " \t")) == '?' ||
	    (strcmp(*command, "reject") != 0 && replywords_negated(*rest)))
		return REPLYWORDS_DOUBT;
	return REPLYWORDS_COMMAND;
}
