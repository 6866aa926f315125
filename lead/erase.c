/* erase.c - erasing a person's data from a lead and its events. */
#include "config.h"

#include <string.h>

#include "lead/erase.h"

static const char *const kept_fields[] = {"utm_source", "utm_medium", "utm_campaign", "source",
                                          "campaign"};
static const char *const kept_meta[] = {META_ASSIGNMENT, META_REJECTED, META_REJECTIONS,
                                        META_BROADCAST,  META_MAILSEQ,  META_DEADLINE};

/* in_list - is name one of list? */
static gboolean in_list(const char *name, const char *const *list, gsize n)
{
	for (gsize i = 0; i < n; i++)
		if (strcmp(name, list[i]) == 0)
			return TRUE;
	return FALSE;
}

/* erase_fields - drop every field but the origin ones. */
static void erase_fields(LrLead *lead)
{
	for (guint i = lead->fields->len; i-- > 0;) {
		const LrField *f = g_ptr_array_index(lead->fields, i);
		if (!in_list(f->name, kept_fields, G_N_ELEMENTS(kept_fields)))
			g_ptr_array_remove_index(lead->fields, i);
	}
}

/* erase_meta - drop the meta entries that may quote the message. */
static gboolean meta_drop(gpointer key, gpointer value, gpointer data)
{
	(void)value;
	(void)data;
	return !in_list(key, kept_meta, G_N_ELEMENTS(kept_meta));
}

/* lead_erase - erase in place. */
void lead_erase(LrLead *lead, gint64 at)
{
	g_autofree char *when = g_strdup_printf("%" G_GINT64_FORMAT, at);

	erase_fields(lead);
	g_hash_table_foreach_remove(lead->meta, meta_drop, NULL);
	lead_set_str(&lead->sender, "");
	lead_set_str(&lead->subject, NULL);
	lead_meta_set(lead, META_ERASED, when);
}

/* offer_detail - "KIND to USER" of a notification to a user, or NULL. */
static char *offer_detail(const char *detail)
{
	g_auto(GStrv) w = g_strsplit(detail, " ", 4);

	if (g_strv_length(w) < 3 || strcmp(w[1], "to") != 0 || w[2][0] == '<')
		return NULL;
	return g_strdup_printf("%s to %s", w[0], w[2]);
}

/* lead_event_scrub - keep only what the summary reads. */
void lead_event_scrub(LrEvent *event)
{
	char *keep = NULL;

	if (strcmp(event->type, "notified") == 0)
		keep = offer_detail(event->detail ? event->detail : "");
	else if (strcmp(event->type, "won") == 0 || strcmp(event->type, "federated") == 0)
		keep = g_strdup(event->detail);
	g_free(event->detail);
	event->detail = keep ? keep : g_strdup("");
}
