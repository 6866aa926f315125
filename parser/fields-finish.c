/* fields-finish.c - the clean-up every lead gets whatever its format
 * (fields_finish in fields.h): e-mail, country, name, campaign tags and
 * source. */
#include "config.h"

#include <string.h>

#include "lead/rawmsg.h"
#include "parser/country.h"
#include "parser/fields.h"
#include "parser/utm.h"

/* fields_finish_email - validate email and derive email_domain. */
static void fields_finish_email(LrLead *lead)
{
	const char *email = lead_field_get(lead, "email");
	g_autofree char *clean = fields_email_clean(email);

	if (email == NULL)
		return;
	if (clean == NULL) {
		lead_field_set(lead, "email_invalid", email);
		lead_field_set(lead, "email", NULL);
		lead_meta_set(lead, META_PARSE_NOTE, "the e-mail address given is not valid");
		return;
	}
	lead_field_set(lead, "email", clean);
	lead_field_set(lead, "email_domain", strrchr(clean, '@') + 1);
}

/* fields_finish_country - the country as an alpha-2 code. */
static void fields_finish_country(LrLead *lead, GHashTable *countries)
{
	const char *country = lead_field_get(lead, "country");
	const char *code;

	if (country == NULL)
		return;
	code = country_lookup(countries, country);
	if (code == NULL) {
		fields_add(lead, "country_name", country);
		lead_field_set(lead, "country", NULL);
		return;
	}
	lead_field_set(lead, "country", code);
}

/* fields_finish_name - name from its parts, phone from mobile. */
static void fields_finish_name(LrLead *lead)
{
	const char *first = lead_field_get(lead, "first_name");
	const char *last = lead_field_get(lead, "last_name");

	if (lead_field_get(lead, "name") == NULL && (first != NULL || last != NULL)) {
		g_autofree char *name =
		    g_strjoin(" ", first != NULL ? first : "", last != NULL ? last : "", NULL);

		fields_add(lead, "name", name);
	}
	if (lead_field_get(lead, "phone") == NULL)
		fields_add(lead, "phone", lead_field_get(lead, "mobile"));
}

/* fields_finish_source - campaign field, else address extension. */
static void fields_finish_source(LrLead *lead, const char *const *recipients)
{
	static const char *const names[] = {"utm_campaign", "campaign", "utm_source", "source"};

	for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
		const char *value = lead_field_get(lead, names[i]);

		if (value != NULL) {
			lead_set_str(&lead->source, value);
			return;
		}
	}
	if (lead->recipient != NULL && *lead->recipient != '\0') {
		g_autofree char *ext = rawmsg_addr_extension(lead->recipient);

		lead_set_str(&lead->source, ext);
		return;
	}
	for (gsize i = 0; recipients != NULL && recipients[i] != NULL; i++) {
		g_autofree char *ext = rawmsg_addr_extension(recipients[i]);

		if (ext != NULL) {
			lead_set_str(&lead->source, ext);
			return;
		}
	}
}

/* fields_finish - the clean-up every lead gets. */
void fields_finish(LrLead *lead, GHashTable *countries, const char *const *recipients)
{
	fields_finish_name(lead);
	fields_finish_email(lead);
	fields_finish_country(lead, countries);
	utm_extract(lead);
	fields_finish_source(lead, recipients);
}
