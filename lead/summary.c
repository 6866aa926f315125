/* summary.c - one lead and its events folded into a compact summary. */
#include "config.h"

#include <string.h>

#include "lead/rawmsg.h"
#include "lead/summary.h"

static const char *const stage_names[SUMMARY_N_STAGES] = {
    "new", "offered", "accepted", "contacted", "won", "lost", "not-lead", "federated", "recalled"};

/* summary_stage_name - the name of a stage. */
const char *summary_stage_name(LrStage stage)
{
	return stage < SUMMARY_N_STAGES ? stage_names[stage] : "?";
}

/* transition_clear - free one transition's actor. */
static void transition_clear(gpointer p)
{
	g_free(((LrTransition *)p)->actor);
}

/* involvement_free - destroy one user's involvement. */
static void involvement_free(gpointer p)
{
	LrInvolvement *v = p;

	g_free(v->user);
	g_free(v);
}

/* summary_free - destroy a summary. */
void summary_free(LrSummary *s)
{
	if (s == NULL)
		return;
	g_free(s->source);
	g_free(s->medium);
	g_free(s->campaign);
	g_free(s->assignee);
	g_free(s->team);
	g_free(s->server);
	g_array_unref(s->stages);
	g_ptr_array_unref(s->users);
	g_free(s);
}

/* first_field - the first of names the lead has a non-empty field for. */
static const char *first_field(const LrLead *lead, const char *a, const char *b)
{
	const char *v = lead_field_get(lead, a);

	if ((v == NULL || *v == '\0') && b != NULL)
		v = lead_field_get(lead, b);
	return v != NULL && *v != '\0' ? v : NULL;
}

/* set_origin - source, medium and campaign, "(none)" where absent.  The
 * source is utm_source, the source field, the address extension, or the
 * lead's own source when it is not the campaign. */
static void set_origin(LrSummary *s, const LrLead *lead)
{
	const char *src = first_field(lead, "utm_source", "source");
	const char *campaign = first_field(lead, "utm_campaign", "campaign");
	const char *medium = first_field(lead, "utm_medium", NULL);
	g_autofree char *ext = NULL;

	if (src == NULL && lead->recipient != NULL && *lead->recipient != '\0')
		src = ext = rawmsg_addr_extension(lead->recipient);
	if (src == NULL && lead->source != NULL && *lead->source != '\0' &&
	    g_strcmp0(lead->source, campaign) != 0)
		src = lead->source;
	s->source = g_strdup(src ? src : "(none)");
	s->campaign = g_strdup(campaign ? campaign : "(none)");
	s->medium = g_strdup(medium ? medium : "(none)");
}

/* add_stage - record a transition. */
static void add_stage(LrSummary *s, LrStage stage, gint64 at, const char *actor)
{
	LrTransition t = {stage, at, g_strdup(actor ? actor : "")};

	g_array_append_val(s->stages, t);
}

/* is_user - an actor that is a person (not the program or a server). */
static gboolean is_user(const char *actor)
{
	static const char *const robots[] = {"workflow", "router", "parser", "intake", "mailer"};

	if (actor == NULL || *actor == '\0' || g_str_has_prefix(actor, "server:"))
		return FALSE;
	for (gsize i = 0; i < G_N_ELEMENTS(robots); i++)
		if (strcmp(actor, robots[i]) == 0)
			return FALSE;
	return TRUE;
}

/* involvement - user's record in s, created on first use; NULL for robots. */
static LrInvolvement *involvement(LrSummary *s, const char *user)
{
	LrInvolvement *v;

	if (!is_user(user))
		return NULL;
	for (guint i = 0; i < s->users->len; i++)
		if (strcmp(((LrInvolvement *)s->users->pdata[i])->user, user) == 0)
			return s->users->pdata[i];
	v = g_new0(LrInvolvement, 1);
	v->user = g_strdup(user);
	g_ptr_array_add(s->users, v);
	return v;
}

/* fold_offer - a "notified" event: an offer when it is a new-lead mail. */
static void fold_offer(LrSummary *s, const LrEvent *e)
{
	g_auto(GStrv) w = NULL;
	LrInvolvement *v;

	if (e->detail == NULL || !g_str_has_prefix(e->detail, "new-lead to "))
		return;
	w = g_strsplit(e->detail + strlen("new-lead to "), " ", 2);
	if ((v = involvement(s, w[0])) == NULL)
		return;
	v->offered++;
	v->pending++;
	if (s->offered_at == 0)
		s->offered_at = e->at;
	g_free(s->assignee);
	s->assignee = g_strdup(v->user);
	add_stage(s, SUMMARY_OFFERED, e->at, v->user);
}

/* clear_pending - the current offer is over (routed on, forwarded). */
static void clear_pending(LrSummary *s)
{
	for (guint i = 0; i < s->users->len; i++)
		((LrInvolvement *)s->users->pdata[i])->pending = 0;
}

/* fold_timeout - a missed deadline counts against everyone offered (once
 * per offer they had). */
static void fold_timeout(LrSummary *s)
{
	s->timeouts++;
	for (guint i = 0; i < s->users->len; i++) {
		LrInvolvement *v = s->users->pdata[i];
		v->timeouts += v->pending;
		v->pending = 0;
	}
}

/* fold_outcome - accepted, contacted, won, lost by a user (or partner). */
static void fold_outcome(LrSummary *s, const LrEvent *e, LrInvolvement *v)
{
	const char *t = e->type;

	if (strcmp(t, "accepted") == 0) {
		if (s->accepted_at == 0)
			s->accepted_at = e->at;
		if (v) {
			v->accepted++;
			g_free(s->assignee);
			s->assignee = g_strdup(v->user);
		}
		add_stage(s, SUMMARY_ACCEPTED, e->at, e->actor);
	} else if (strcmp(t, "contacted") == 0) {
		if (s->contacted_at == 0)
			s->contacted_at = e->at;
		if (v)
			v->contacted++;
		add_stage(s, SUMMARY_CONTACTED, e->at, e->actor);
	} else if (strcmp(t, "won") == 0) {
		s->won_at = e->at;
		s->won_amount += g_ascii_strtod(e->detail ? e->detail : "0", NULL);
		if (v)
			v->won++;
		add_stage(s, SUMMARY_WON, e->at, e->actor);
	} else if (strcmp(t, "lost") == 0) {
		s->lost_at = e->at;
		if (v)
			v->lost++;
		add_stage(s, SUMMARY_LOST, e->at, e->actor);
	}
}

/* fold_routing - not-lead, federated, recalled, rejected, forwarded. */
static void fold_routing(LrSummary *s, const LrEvent *e, LrInvolvement *v)
{
	const char *t = e->type;

	if (strcmp(t, "not-lead") == 0) {
		add_stage(s, SUMMARY_NOT_LEAD, e->at, e->actor);
	} else if (strcmp(t, "federated") == 0) {
		g_autofree char *actor = g_strconcat("server:", e->detail ? e->detail : "", NULL);
		g_free(s->server);
		s->server = g_strdup(e->detail ? e->detail : "");
		add_stage(s, SUMMARY_FEDERATED, e->at, actor);
	} else if (strcmp(t, "recalled") == 0) {
		s->recalled++;
		add_stage(s, SUMMARY_RECALLED, e->at, e->actor);
	} else if (strcmp(t, "rejected") == 0) {
		s->rejected++;
		if (v)
			v->rejected++;
	} else if (strcmp(t, "forwarded") == 0) {
		s->forwarded++;
		if (v)
			v->forwarded++;
		clear_pending(s);
	} else if (strcmp(t, "routed") == 0) {
		clear_pending(s);
	} else if (strcmp(t, "erased") == 0) {
		s->erased = TRUE;
	}
}

/* is_closing - an outcome credited to the lead's holder, whoever
 * recorded it (a rep by mail, an admin with `lead close`/`lead status`). */
static gboolean is_closing(const char *type)
{
	return strcmp(type, "won") == 0 || strcmp(type, "lost") == 0 ||
	       strcmp(type, "contacted") == 0;
}

/* credited - whose involvement an event counts for: an outcome a person
 * recorded counts for the holder at that time (the assignee) when there
 * is one; anything else for its actor (none for robots and servers). */
static LrInvolvement *credited(LrSummary *s, const LrEvent *e)
{
	if (is_closing(e->type) && is_user(e->actor) && is_user(s->assignee))
		return involvement(s, s->assignee);
	return involvement(s, e->actor);
}

/* summary_fold - one event into the summary. */
void summary_fold(LrSummary *s, const LrEvent *e)
{
	if (strcmp(e->type, "received") == 0)
		add_stage(s, SUMMARY_NEW, e->at, e->actor);
	else if (strcmp(e->type, "notified") == 0)
		fold_offer(s, e);
	else if (strcmp(e->type, "timeout") == 0)
		fold_timeout(s);
	else {
		LrInvolvement *v = credited(s, e);
		fold_outcome(s, e, v);
		fold_routing(s, e, v);
	}
}

/* summary_empty - a summary with empty stage and user lists. */
LrSummary *summary_empty(void)
{
	LrSummary *s = g_new0(LrSummary, 1);

	s->stages = g_array_new(FALSE, FALSE, sizeof(LrTransition));
	g_array_set_clear_func(s->stages, transition_clear);
	s->users = g_ptr_array_new_with_free_func(involvement_free);
	return s;
}

/* summary_set_lead - what the summary takes from the lead record. */
void summary_set_lead(LrSummary *s, const LrLead *lead)
{
	const char *deadline = lead_meta_get(lead, "deadline");

	s->id = lead->id;
	s->received = lead->received;
	s->is_lead = lead->is_lead;
	/* Erasure is for good: an "erased" event folded in stays. */
	s->erased = s->erased || lead_meta_get(lead, "erased") != NULL;
	g_free(s->source);
	g_free(s->medium);
	g_free(s->campaign);
	set_origin(s, lead);
	s->deadline = deadline ? g_ascii_strtoll(deadline, NULL, 10) : 0;
}

/* summary_new - fold lead and its events. */
LrSummary *summary_new(const LrLead *lead, const GPtrArray *events)
{
	LrSummary *s = summary_empty();

	summary_set_lead(s, lead);
	if (events == NULL || events->len == 0 ||
	    strcmp(((LrEvent *)events->pdata[0])->type, "received") != 0)
		add_stage(s, SUMMARY_NEW, lead->received, "intake");
	for (guint i = 0; events != NULL && i < events->len; i++)
		summary_fold(s, events->pdata[i]);
	return s;
}

/* summary_stage - the latest stage reached. */
LrStage summary_stage(const LrSummary *s)
{
	return s->stages->len ? g_array_index(s->stages, LrTransition, s->stages->len - 1).stage
	                      : SUMMARY_NEW;
}
