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

/* One phrase of questions_meanings, filed under its first word. */
typedef struct {
	const char *phrase; /* folded words, one space apart */
	gsize len;
	guint meaning; /* index into questions_meanings */
} QuestionsPhrase;

/* questions_phrase_add - file the phrase of n bytes at w under its first
 * word in table (first word -> GPtrArray of QuestionsPhrase). */
static void questions_phrase_add(GHashTable *table, const char *w, gsize n, guint meaning)
{
	QuestionsPhrase *phrase = g_new(QuestionsPhrase, 1);
	g_autofree char *first = g_strndup(w, strcspn(w, " |"));
	GPtrArray *list = g_hash_table_lookup(table, first);

	g_assert(strlen(first) < 64); /* questions_meaning_at's buffer */
	phrase->phrase = g_strndup(w, n);
	phrase->len = n;
	phrase->meaning = meaning;
	if (list == NULL) {
		list = g_ptr_array_new();
		g_hash_table_insert(table, g_steal_pointer(&first), list);
	}
	g_ptr_array_add(list, phrase);
}

/* questions_phrases - every phrase of questions_meanings by its first
 * word, built once (never freed: static data). */
static GHashTable *questions_phrases(void)
{
	static GHashTable *table;
	static gsize once = 0;

	if (g_once_init_enter(&once)) {
		GHashTable *t = g_hash_table_new(g_str_hash, g_str_equal);

		for (guint i = 0; i < G_N_ELEMENTS(questions_meanings); i++)
			for (const char *w = questions_meanings[i].words; *w != '\0';) {
				gsize n = strcspn(w, "|");

				questions_phrase_add(t, w, n, i);
				w += n + (w[n] == '|');
			}
		table = t;
		g_once_init_leave(&once, 1);
	}
	return table;
}

/* questions_meaning_at - the lowest meaning with a phrase that starts at
 * word (inside folded text, whose words are one space apart) and ends at
 * a word's end; best when none is lower. */
static guint questions_meaning_at(GHashTable *phrases, const char *word, guint best)
{
	char first[64]; /* longer than any first word of a phrase */
	gsize n = strcspn(word, " ");
	GPtrArray *list;

	if (n >= sizeof(first))
		return best;
	memcpy(first, word, n);
	first[n] = '\0';
	list = g_hash_table_lookup(phrases, first);
	for (guint i = 0; list != NULL && i < list->len; i++) {
		const QuestionsPhrase *p = g_ptr_array_index(list, i);

		if (p->meaning < best && strncmp(word, p->phrase, p->len) == 0 &&
		    (word[p->len] == ' ' || word[p->len] == '\0'))
			best = p->meaning;
	}
	return best;
}

/* questions_field_folded - see questions.h. */
const char *questions_field_folded(const char *label, const char *folded)
{
	GHashTable *phrases = questions_phrases();
	guint best = G_N_ELEMENTS(questions_meanings);

	if (label == NULL || !questions_is_question(label))
		return NULL;
	for (const char *word = folded; *word != '\0'; word += *word == ' ') {
		best = questions_meaning_at(phrases, word, best);
		word += strcspn(word, " ");
	}
	return best < G_N_ELEMENTS(questions_meanings) ? questions_meanings[best].field : NULL;
}

/* questions_field - see questions.h. */
const char *questions_field(const char *label)
{
	g_autofree char *folded = NULL;

	if (label == NULL || !questions_is_question(label))
		return NULL;
	folded = labels_fold(label, ' ');
	return questions_field_folded(label, folded);
}
