/* summary-record.c - the version-1 record of a lead summary, a GVariant,
 * as the previous store wrote it beside each lead: read still, written
 * only by the test of that store. */
#include "config.h"

#include "lead/lr-error.h"
#include "lead/summary.h"

/* Version 1: (version, id, received, is_lead, erased, source, medium,
 * campaign, assignee, server, stages, users, counts, times, amount,
 * deadline).  A later version appends members and keeps these. */
#define SUMMARY_RECORD_V1 "(utxbbsssmsmsa(uxs)a(suuuuuuuu)(uuuu)(xxxxx)dx)"
/* The same, with the two lists given as values (for g_variant_new). */
#define SUMMARY_RECORD_V1_NEW "(utxbbsssmsms@a(uxs)@a(suuuuuuuu)(uuuu)(xxxxx)dx)"

/* stages_variant - the transitions as a(uxs). */
static GVariant *stages_variant(const LrSummary *s)
{
	GVariantBuilder b;

	g_variant_builder_init(&b, G_VARIANT_TYPE("a(uxs)"));
	for (guint i = 0; i < s->stages->len; i++) {
		const LrTransition *t = &g_array_index(s->stages, LrTransition, i);
		g_variant_builder_add(&b, "(uxs)", (guint32)t->stage, t->at, t->actor);
	}
	return g_variant_builder_end(&b);
}

/* users_variant - the involvements as a(suuuuuuuu). */
static GVariant *users_variant(const LrSummary *s)
{
	GVariantBuilder b;

	g_variant_builder_init(&b, G_VARIANT_TYPE("a(suuuuuuuu)"));
	for (guint i = 0; i < s->users->len; i++) {
		const LrInvolvement *v = s->users->pdata[i];
		g_variant_builder_add(&b, "(suuuuuuuu)", v->user, v->offered, v->accepted,
		                      v->rejected, v->forwarded, v->timeouts, v->contacted, v->won,
		                      v->lost);
	}
	return g_variant_builder_end(&b);
}

/* summary_serialize_v1 - write the version-1 record. */
GBytes *summary_serialize_v1(const LrSummary *s)
{
	g_autoptr(GVariant) v = g_variant_ref_sink(g_variant_new(
	    SUMMARY_RECORD_V1_NEW, (guint32)1, s->id, s->received, s->is_lead,
	    s->erased, s->source ? s->source : "(none)", s->medium ? s->medium : "(none)",
	    s->campaign ? s->campaign : "(none)", s->assignee, s->server, stages_variant(s),
	    users_variant(s), s->rejected, s->forwarded, s->timeouts, s->recalled, s->offered_at,
	    s->accepted_at, s->contacted_at, s->won_at, s->lost_at, s->won_amount, s->deadline));

	return g_variant_get_data_as_bytes(v);
}

/* read_lists - the stages and users members into s. */
static void read_lists(LrSummary *s, GVariantIter *stages, GVariantIter *users)
{
	guint32 stage;
	gint64 at;
	const char *actor;
	LrInvolvement tmp;
	const char *user;

	while (g_variant_iter_next(stages, "(ux&s)", &stage, &at, &actor)) {
		LrTransition t = {(LrStage)stage, at, g_strdup(actor)};
		g_array_append_val(s->stages, t);
	}
	while (g_variant_iter_next(users, "(&suuuuuuuu)", &user, &tmp.offered, &tmp.accepted,
	                           &tmp.rejected, &tmp.forwarded, &tmp.timeouts, &tmp.contacted,
	                           &tmp.won, &tmp.lost)) {
		LrInvolvement *v = g_memdup2(&tmp, sizeof(tmp));
		v->user = g_strdup(user);
		g_ptr_array_add(s->users, v);
	}
}

/* summary_deserialize_v1 - read a version-1 record. */
LrSummary *summary_deserialize_v1(GBytes *bytes, GError **error)
{
	g_autoptr(GVariant) v = g_variant_ref_sink(
	    g_variant_new_from_bytes(G_VARIANT_TYPE(SUMMARY_RECORD_V1), bytes, FALSE));
	g_autoptr(GVariantIter) stages = NULL, users = NULL;
	LrSummary *s;
	guint32 version;

	if (!g_variant_is_normal_form(v)) {
		g_set_error(error, LR_ERROR, LR_ERROR_PERM, "corrupt summary record");
		return NULL;
	}
	g_variant_get_child(v, 0, "u", &version);
	if (version != 1) {
		g_set_error(error, LR_ERROR, LR_ERROR_PERM, "summary record of unknown version %u",
		            version);
		return NULL;
	}
	s = summary_empty();
	g_variant_get(v, SUMMARY_RECORD_V1, NULL, &s->id, &s->received, &s->is_lead, &s->erased,
	              &s->source, &s->medium, &s->campaign, &s->assignee, &s->server, &stages,
	              &users, &s->rejected, &s->forwarded, &s->timeouts, &s->recalled,
	              &s->offered_at, &s->accepted_at, &s->contacted_at, &s->won_at, &s->lost_at,
	              &s->won_amount, &s->deadline);
	read_lists(s, stages, users);
	s->format = 1;
	return s;
}
