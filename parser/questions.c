/* questions.c - question-style form labels, mapped by their meaning. */
#include "config.h"

#include <string.h>

#include "parser/labels.h"
#include "parser/questions.h"

/* What a question asks for: the words that say it (folded, whole words,
 * "|"-separated), tried in this order so that "What's your company
 * email?" is an email and "Which country is your company in?" a country. */
typedef struct {
	const char *field;
	const char *words;
} QuestionsMeaning;

/* clang-format off */
static const QuestionsMeaning questions_meanings[] = {
	{"email", "email|e mail|mail|email address|mailadres|e mailadres|emailadres|"
		  "courriel|correo|correo electronico|posta elettronica"},
	{"phone", "phone|phone number|telephone|telephone number|mobile|cell|whatsapp|"
		  "telefon|telefonnummer|handynummer|nummer|telefono|telefoon|"
		  "telefoonnummer|numero de telephone|numero di telefono|ring you|call you|"
		  "best number|number to reach|number to call"},
	{"quantity", "how many|number of|quantity|wie viele|wieviele|anzahl|combien|"
		     "cuantos|cuantas|quanti|quante|hoeveel"},
	{"budget", "budget|budget range|how much would you like to spend|how much can you spend"},
	{"country", "based|located|country|where are you|where do you|where is your|"
		    "which country|what country|land|wo sind sie|wo sitzen|wo bist du|"
		    "wo befindet|pays|ou etes vous|ou es tu|ou vous trouvez|pais|donde|"
		    "ubicado|ubicada|paese|dove|waar ben je|waar bent u|gevestigd|waar zit"},
	{"company", "company|organisation|organization|employer|work for|are you with|"
		    "business|firma|unternehmen|arbeitgeber|entreprise|societe|empresa|"
		    "compania|azienda|societa|bedrijf|organisatie"},
	{"first_name", "first name|given name|vorname|prenom|nombre de pila|voornaam"},
	{"last_name", "last name|surname|family name|nachname|nom de famille|apellido|"
		      "apellidos|cognome|achternaam"},
	{"title", "job title|role|position|job|funktion|poste|fonction|cargo|ruolo|functie"},
	{"product", "which product|what product|interested in|product|products|produkt|"
		    "produit|producto|prodotto|interessiert|interesse|interesa|interessa"},
	{"name", "name|full name|who are you|heissen|heisst|nom|nombre|llamas|llama|"
		 "nome|chiami|chiama|naam|heet"},
	{"message", "anything else|how can we help|help you|tell us|what can we do|"
		    "message|questions|question|comments|details|describe|project|"
		    "noch etwas|mitteilen|helfen|autre chose|nous dire|aider|algo mas|"
		    "contarnos|ayudar|altro|aiutare|nog iets|kwijt|helpen"},
};
/* clang-format on */

/* questions_strip - the bounds of line without white space and emphasis
 * marks around it; FALSE when nothing is left. */
static gboolean questions_strip(const char *line, const char **start, gsize *len)
{
	const char *s = line;
	gsize n;

	while (*s == ' ' || *s == '\t' || *s == '*' || *s == '_')
		s++;
	n = strlen(s);
	while (n > 0 && strchr(" \t*_", s[n - 1]) != NULL)
		n--;
	*start = s;
	*len = n;
	return n > 0;
}

/* questions_has_sentence_end - TRUE when the first n bytes of s end a
 * sentence inside (". ", "! ", "? "): prose, not a form's question. */
static gboolean questions_has_sentence_end(const char *s, gsize n)
{
	for (gsize i = 0; i + 1 < n; i++)
		if (strchr(".!?", s[i]) != NULL && s[i + 1] == ' ')
			return TRUE;
	return FALSE;
}

/* questions_is_question - see questions.h. */
gboolean questions_is_question(const char *line)
{
	const char *s;
	gsize n;
	guint words = 1;
	gunichar first;

	if (strlen(line) > 200 || !questions_strip(line, &s, &n))
		return FALSE;
	if (!(s[n - 1] == '?' || (n >= 3 && memcmp(s + n - 3, "\xef\xbc\x9f", 3) == 0)))
		return FALSE;
	first = g_utf8_get_char_validated(s, n);
	if (first != 0xbf && !g_unichar_isalpha(first)) /* ¿ */
		return FALSE;
	for (gsize i = 0; i < n; i++)
		words += s[i] == ' ' ? 1 : 0;
	return words <= 14 && memchr(s, ':', n) == NULL && strstr(line, "http") == NULL &&
	       !questions_has_sentence_end(s, n - 1);
}

/* questions_clean - see questions.h. */
char *questions_clean(const char *line)
{
	const char *s;
	gsize n;

	if (!questions_strip(line, &s, &n))
		return g_strdup("");
	return g_strndup(s, n);
}

/* questions_has - TRUE when the folded question (with a space at each end)
 * holds one of words (folded, "|"-separated) as whole words. */
static gboolean questions_has(const char *padded, const char *words)
{
	char needle[128]; /* " word " (the words are short; a longer one is cut) */

	for (const char *w = words; *w != '\0';) {
		gsize n = strcspn(w, "|"), k = MIN(n, sizeof(needle) - 3);

		needle[0] = ' ';
		memcpy(needle + 1, w, k);
		needle[k + 1] = ' ';
		needle[k + 2] = '\0';
		if (k == n && strstr(padded, needle) != NULL)
			return TRUE;
		w += n + (w[n] == '|');
	}
	return FALSE;
}

/* questions_field - see questions.h. */
const char *questions_field(const char *label)
{
	g_autofree char *folded = NULL;
	g_autofree char *padded = NULL;

	if (label == NULL || !questions_is_question(label))
		return NULL;
	folded = labels_fold(label, ' ');
	padded = g_strconcat(" ", folded, " ", NULL);
	for (gsize i = 0; i < G_N_ELEMENTS(questions_meanings); i++)
		if (questions_has(padded, questions_meanings[i].words))
			return questions_meanings[i].field;
	return NULL;
}
