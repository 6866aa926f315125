/* labels.c - form labels: the built-in aliases, field names. */
#include "config.h"

#include <string.h>

#include "parser/labels.h"
#include "parser/questions.h"

/* The built-in aliases, by canonical field.  Each label is folded before it
 * is stored, so case, punctuation and spacing never matter. */
typedef struct {
	const char *field;
	const char *labels; /* "|"-separated */
} LabelsAlias;

/* clang-format off */
static const LabelsAlias labels_builtin[] = {
	{"email", "email|e-mail|e mail|email address|e-mail address|mail|mail address|"
		  "your email|your e-mail|your email address|contact email|work email|"
		  "business email|e-mail-adresse|emailadresse|courriel|adresse e-mail|"
		  "adresse email|correo|correo electronico|indirizzo email|e-mailadres"},
	{"name", "name|your name|full name|fullname|contact name|contact person|contact|"
		 "customer name|ihr name|vollstandiger name|nom complet|nombre completo|"
		 "nome completo|naam|volledige naam|ansprechpartner|kontaktperson"},
	{"first_name", "first name|firstname|first|given name|forename|your first name|"
		       "vorname|prenom|nombre|nome|voornaam|fornavn|fornamn"},
	{"last_name", "last name|lastname|last|surname|family name|your last name|"
		      "nachname|familienname|nom|nom de famille|apellido|apellidos|cognome|"
		      "achternaam|efternavn|efternamn|etternavn"},
	{"phone", "phone|phone number|telephone|telephone number|tel|tel no|phone no|"
		  "your phone|your phone number|contact number|contact phone|daytime phone|"
		  "business phone|work phone|telefon|telefonnummer|rufnummer|telephone fixe|"
		  "telefono|numero de telefono|numero di telefono|telefoon|telefoonnummer"},
	{"mobile", "mobile|mobile number|mobile phone|cell|cell phone|cellphone|handy|"
		   "mobil|mobilnummer|portable|movil|cellulare|mobiel"},
	{"company", "company|company name|organisation|organization|organisation name|"
		    "organization name|business|business name|employer|account name|firm|"
		    "your company|firma|firmenname|unternehmen|societe|entreprise|empresa|"
		    "azienda|societa|bedrijf|bedrijfsnaam|foretag|virksomhed"},
	{"title", "job title|title|position|role|job role|your role|job function|"
		  "funktion|position im unternehmen|fonction|poste|cargo|ruolo|functie"},
	{"country", "country|country region|country or region|your country|nation|land|"
		    "pays|pais|paese|staat"},
	{"region", "state|province|region|county|state province|state or province|"
		   "state region|bundesland|kanton|canton|provincia|provincie|departement"},
	{"city", "city|town|town city|city town|ort|stadt|wohnort|ville|ciudad|localidad|"
		 "citta|plaats|stad|locality"},
	{"postal_code", "zip|zip code|zipcode|postcode|post code|postal code|postalcode|"
			"plz|postleitzahl|code postal|cp|codigo postal|cap|postnummer"},
	{"address", "address|street|street address|address line 1|mailing address|"
		    "postal address|adresse|anschrift|strasse|strasse und hausnummer|"
		    "direccion|indirizzo|adres"},
	{"product", "product|products|product of interest|products of interest|"
		    "product interest|interested in|interest|area of interest|service|"
		    "services|solution|produkt|produit|producto|prodotto|interesse"},
	{"quantity", "quantity|qty|number of units|units|amount of units|menge|anzahl|"
		     "stuckzahl|quantite|cantidad|quantita|aantal"},
	{"message", "message|your message|comments|comment|enquiry|inquiry|your enquiry|"
		    "your inquiry|question|questions|your question|details|description|notes|"
		    "note|additional information|additional comments|more information|"
		    "how can we help|how can we help you|request|project details|"
		    "nachricht|ihre nachricht|mitteilung|anfrage|ihre anfrage|kommentar|"
		    "bemerkung|bemerkungen|anmerkungen|votre message|commentaire|commentaires|"
		    "mensaje|comentarios|consulta|messaggio|richiesta|bericht|opmerkingen|vraag"},
	{"website", "website|web site|url|homepage|company website|web|webseite|site web|"
		    "sitio web|sito web"},
	{"budget", "budget|estimated budget|your budget|budget range"},
	{"form_subject", "subject|topic|betreff|sujet|objet|asunto|oggetto|onderwerp"},
	{"utm_campaign", "utm campaign|campaign|campaign name"},
	{"utm_source", "utm source|lead source|source"},
};
/* clang-format on */

/* labels_table_add - store one alias under its folded label. */
void labels_table_add(GHashTable *table, const char *label, const char *field)
{
	char *key = labels_fold(label, ' ');

	if (*key == '\0') {
		g_free(key);
		return;
	}
	g_hash_table_replace(table, key, g_strdup(field));
}

/* labels_table_new - the built-in alias set; canonical names alias
 * themselves ("postal_code" and "Postal code" both work). */
GHashTable *labels_table_new(void)
{
	GHashTable *table = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

	for (gsize i = 0; i < G_N_ELEMENTS(labels_builtin); i++) {
		g_auto(GStrv) labels = g_strsplit(labels_builtin[i].labels, "|", -1);

		labels_table_add(table, labels_builtin[i].field, labels_builtin[i].field);
		for (char **l = labels; *l != NULL; l++)
			labels_table_add(table, *l, labels_builtin[i].field);
	}
	return table;
}

/* labels_strip - folded key without one polite prefix or optional suffix,
 * or NULL when it has none.  Returns a borrowed pointer into key or a new
 * string in *owned. */
static const char *labels_strip(const char *key, char **owned)
{
	static const char *const prefixes[] = {
	    "your ", "please enter your ", "enter your ", "please enter ", "ihre ", "votre ", "tu ",
	    "su "};
	static const char *const suffixes[] = {" optional", " required", " mandatory",
	                                       " pflichtfeld", " obligatoire"};

	for (gsize i = 0; i < G_N_ELEMENTS(prefixes); i++)
		if (g_str_has_prefix(key, prefixes[i]))
			return key + strlen(prefixes[i]);
	for (gsize i = 0; i < G_N_ELEMENTS(suffixes); i++)
		if (g_str_has_suffix(key, suffixes[i])) {
			*owned = g_strndup(key, strlen(key) - strlen(suffixes[i]));
			return *owned;
		}
	return NULL;
}

/* labels_lookup - canonical field of a label, or NULL. */
const char *labels_lookup(GHashTable *table, const char *label)
{
	g_autofree char *key = labels_fold(label, ' ');
	g_autofree char *owned = NULL;
	const char *field = g_hash_table_lookup(table, key);
	const char *shorter;

	if (field != NULL)
		return field;
	shorter = labels_strip(key, &owned);
	field = shorter != NULL ? g_hash_table_lookup(table, shorter) : NULL;
	return field != NULL ? field : questions_field_folded(label, key);
}

/* labels_field_name - alias or folded name of a label. */
char *labels_field_name(GHashTable *table, const char *label)
{
	gboolean known;

	return labels_field_name_known(table, label, &known);
}

/* labels_field_name_folded - the folded name of a label that is no alias. */
static char *labels_field_name_folded(const char *label)
{
	char *name = labels_fold(label, '_');

	if (*name == '\0') {
		g_free(name);
		return g_strdup("field");
	}
	if (strlen(name) > 64) {
		const char *end = g_utf8_find_prev_char(name, name + 64 + 1);

		*(char *)(end != NULL ? end : name + 64) = '\0';
	}
	return name;
}

/* labels_field_name_known - alias or folded name of a label, and which. */
char *labels_field_name_known(GHashTable *table, const char *label, gboolean *known)
{
	const char *field = labels_lookup(table, label);

	*known = field != NULL;
	return field != NULL ? g_strdup(field) : labels_field_name_folded(label);
}

/* labels_memo_init - an empty memo. */
void labels_memo_init(LabelsMemo *memo, GHashTable *aliases)
{
	memo->aliases = aliases;
	memo->answers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
}

/* labels_memo_clear - forget every answer. */
void labels_memo_clear(LabelsMemo *memo)
{
	g_clear_pointer(&memo->answers, g_hash_table_unref);
	memo->aliases = NULL;
}

/* labels_memo_lookup - the remembered answer, else labels_lookup's. */
const char *labels_memo_lookup(LabelsMemo *memo, const char *label)
{
	const char *field = g_hash_table_lookup(memo->answers, label);

	if (field == NULL) {
		field = labels_lookup(memo->aliases, label);
		if (field == NULL)
			field = ""; /* fields are never empty */
		g_hash_table_insert(memo->answers, g_strdup(label), (gpointer)field);
	}
	return *field != '\0' ? field : NULL;
}

/* labels_memo_field_name - alias or folded name, the look-up remembered. */
char *labels_memo_field_name(LabelsMemo *memo, const char *label, gboolean *known)
{
	const char *field = labels_memo_lookup(memo, label);

	*known = field != NULL;
	return field != NULL ? g_strdup(field) : labels_field_name_folded(label);
}

/* labels_is_long - fields of free text. */
gboolean labels_is_long(const char *field)
{
	static const char *const words[] = {"message",     "comment", "question",   "detail",
	                                    "description", "note",    "enquiry",    "inquiry",
	                                    "request",     "address", "information"};

	for (gsize i = 0; i < G_N_ELEMENTS(words); i++)
		if (strstr(field, words[i]) != NULL)
			return TRUE;
	return FALSE;
}
