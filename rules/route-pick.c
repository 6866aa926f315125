/* route-pick.c - who can take a lead now (availability, working hours)
 * and the list strategies that pick among them (rotation, least-loaded,
 * first, broadcast). */
#include "config.h"

#include <string.h>

#include "rules/route-int.h"

/* Rotation: each candidate has a "pass" (stored under KEY\tID); the one
 * with the lowest pass is picked and its pass grows by STRIDE / weight.
 * KEY itself holds the pass of the last pick.  A candidate whose pass fell
 * behind it (away, unavailable, new to the list) rejoins as if just picked,
 * so the turn comes after the current round: nobody returns to a burst. */
#define ROUTE_STRIDE 1000000.0

/* ---- availability ---- */

/* is_rejected - whether who rejected this lead. */
static gboolean is_rejected(const Router *rt, const char *who)
{
	return rt->rejected != NULL && g_strv_contains(rt->rejected, who);
}

/* route_unavailable - why who (a user id or "server:ID") cannot take the
 * lead now, or NULL when they can; u is who as a user (NULL: not one). */
const char *route_unavailable(Router *rt, const char *who, const LrUser *u)
{
	LrRouteState *st = rt->state;
	int cap;

	if (is_rejected(rt, who))
		return "rejected";
	if (u == NULL)
		return g_str_has_prefix(who, "server:") ? NULL : "unknown";
	if (st->away_until != NULL && st->away_until(st->data, who) > st->now)
		return "away";
	cap = st->capacity != NULL ? st->capacity(st->data, who) : -1;
	if (cap < 0)
		cap = u->capacity;
	if (cap > 0 && st->open_leads != NULL && st->open_leads(st->data, who) >= (guint)cap)
		return "at capacity";
	return NULL;
}

/* hours_start - when who can take the lead by their working hours: now
 * inside them (or for a server), else when their hours begin.  Outside
 * hours is soft: such a candidate is offered a lead only when nobody is
 * inside their hours, and the deadline counts working hours only. */
static gint64 hours_start(Router *rt, const LrUser *u)
{
	return u ? lr_config_user_hours_start(u, rt->state->now, &rt->tz_memo) : rt->state->now;
}

/* ---- strategies ---- */

/* expand_team - add the members of team but the holder at out + *n. */
static void expand_team(const Router *rt, const GPtrArray *team, double weight, Cand *out,
                        guint *n)
{
	for (guint i = 0; team != NULL && i < team->len; i++) {
		const LrUser *u = g_ptr_array_index(team, i);

		if (u != rt->holder)
			out[(*n)++] = (Cand){u->id, u, weight};
	}
}

/* is_team - whether a target names a team ("team:X"). */
static gboolean is_team(const LrTarget *t)
{
	return t->to[0] == 't' && g_str_has_prefix(t->to, "team:");
}

/* expand_target - add the candidates one target names at out + *n. */
static void expand_target(const Router *rt, const LrTarget *t, Cand *out, guint *n)
{
	Cand c = {t->to, t->user, t->weight};

	if (t->to[0] == 'm' && strcmp(t->to, "manager") == 0) {
		c.user = rt->holder ? lr_config_user(rt->cfg, rt->holder->manager) : NULL;
		c.id = c.user ? c.user->id : NULL;
		if (c.id != NULL)
			out[(*n)++] = c;
	} else if (is_team(t)) {
		expand_team(rt, t->team, t->weight, out, n);
	} else {
		out[(*n)++] = c;
	}
}

/* expand_route - all the candidates route names, in order, into all. */
static void expand_route(const Router *rt, const LrRoute *route, GArray *all)
{
	guint most = 0, n = 0;

	for (guint i = 0; i < route->targets->len; i++) {
		const LrTarget *t = g_ptr_array_index(route->targets, i);
		most += is_team(t) && t->team != NULL ? t->team->len : 1;
	}
	g_array_set_size(all, most);
	for (guint i = 0; i < route->targets->len; i++)
		expand_target(rt, g_ptr_array_index(route->targets, i), (Cand *)(void *)all->data, &n);
	g_array_set_size(all, n);
}

/* soonest - keep the candidates whose working hours begin first. */
static void soonest(Router *rt, GArray *cands)
{
	gint64 first = G_MAXINT64;
	guint n = 0;

	for (guint i = 0; i < cands->len; i++)
		first = MIN(first, hours_start(rt, g_array_index(cands, Cand, i).user));
	for (guint i = 0; i < cands->len; i++) {
		Cand *c = &g_array_index(cands, Cand, i);
		if (hours_start(rt, c->user) == first)
			g_array_index(cands, Cand, n++) = *c;
		else
			route_append(rt->effect, " [", c->id, ": outside hours, starts later]", NULL);
	}
	g_array_set_size(cands, n);
}

/* available_cands - the candidates who can take the lead: those inside
 * their working hours, or when none is, those whose hours begin first;
 * the others go into the effect text. */
static GArray *available_cands(Router *rt, const LrRoute *route, const char **first)
{
	GArray *all = rt->sc->all, *later = rt->sc->later, *ok = rt->sc->ok;
	guint nok = 0, nlater = 0;

	expand_route(rt, route, all);
	*first = all->len > 0 ? g_array_index(all, Cand, 0).id : NULL;
	g_array_set_size(ok, all->len);
	g_array_set_size(later, all->len);
	for (guint i = 0; i < all->len; i++) {
		Cand *c = &g_array_index(all, Cand, i);
		const char *why = route_unavailable(rt, c->id, c->user);

		if (why != NULL)
			route_append(rt->effect, " [", c->id, ": ", why, "]", NULL);
		else if (hours_start(rt, c->user) > rt->state->now)
			g_array_index(later, Cand, nlater++) = *c;
		else
			g_array_index(ok, Cand, nok++) = *c;
	}
	g_array_set_size(ok, nok);
	g_array_set_size(later, nlater);
	if (ok->len > 0) {
		for (guint i = 0; i < later->len; i++)
			route_append(rt->effect, " [", g_array_index(later, Cand, i).id,
			             ": outside hours]", NULL);
		return ok;
	}
	soonest(rt, later);
	g_array_append_vals(ok, later->data, later->len);
	if (ok->len > 0)
		route_put(rt->effect, " [nobody inside hours: whose begin first]");
	return ok;
}

/* stride_of - how far a pick moves a candidate's pass. */
static guint64 stride_of(const Cand *c)
{
	return (guint64)MAX(1.0, ROUTE_STRIDE / c->weight);
}

/* cand_key - KEY\tID, a candidate's rotation key, in rt's scratch
 * string (valid until the next call), which holds "KEY\t" already: klen
 * is its length (see rotate). */
static const char *cand_key(Router *rt, gsize klen, const Cand *c)
{
	gsize n = strlen(c->id);

	g_string_set_size(rt->scratch, klen + n);
	memcpy(rt->scratch->str + klen, c->id, n + 1);
	return rt->scratch->str;
}

/* rotate - pick by rotation (see ROUTE_STRIDE) among cands. */
static const Cand *rotate(Router *rt, const char *key, GArray *cands)
{
	LrRouteState *st = rt->state;
	guint64 v = st->rr_get ? st->rr_get(st->data, key) : 0, best_pass = 0;
	const Cand *best = NULL;
	gsize klen = strlen(key) + 1;

	g_string_set_size(rt->scratch, klen);
	memcpy(rt->scratch->str, key, klen - 1);
	rt->scratch->str[klen - 1] = '\t';
	for (guint i = 0; i < cands->len; i++) {
		const Cand *c = &g_array_index(cands, Cand, i);
		const char *ckey = cand_key(rt, klen, c);
		guint64 pass = st->rr_get ? st->rr_get(st->data, ckey) : 0;

		if (pass < v) {
			pass = v + stride_of(c);
			if (st->rr_set != NULL)
				st->rr_set(st->data, ckey, pass);
		}
		if (best == NULL || pass < best_pass)
			best = c, best_pass = pass;
	}
	if (st->rr_set != NULL) {
		st->rr_set(st->data, key, best_pass);
		st->rr_set(st->data, cand_key(rt, klen, best), best_pass + stride_of(best));
	}
	return best;
}

/* least_loaded - keep only the candidates with the fewest open leads. */
static void least_loaded(Router *rt, GArray *cands)
{
	LrRouteState *st = rt->state;
	guint min = G_MAXUINT, n = 0;
	GArray *open = rt->sc->open;

	g_array_set_size(open, 0);

	for (guint i = 0; i < cands->len; i++) {
		guint o =
		    st->open_leads ? st->open_leads(st->data, g_array_index(cands, Cand, i).id) : 0;
		g_array_append_val(open, o);
		min = MIN(min, o);
	}
	for (guint i = 0; i < cands->len; i++)
		if (g_array_index(open, guint, i) == min)
			g_array_index(cands, Cand, n++) = g_array_index(cands, Cand, i);
	g_array_set_size(cands, n);
}

/* pick_list - apply a list strategy. */
static void pick_list(Router *rt, const LrRoute *route, Pick *pick)
{
	const char *first = NULL;
	GArray *cands = available_cands(rt, route, &first);
	const Cand *c;

	if (cands->len == 0) {
		pick->kind = PICK_NOBODY;
		pick->meant = first;
		return;
	}
	pick->kind = PICK_ONE;
	switch (route->strategy) {
	case LR_STRATEGY_BROADCAST:
		pick->kind = PICK_BROADCAST;
		pick->all = g_ptr_array_sized_new(cands->len);
		for (guint i = 0; i < cands->len; i++)
			g_ptr_array_add(pick->all, (char *)g_array_index(cands, Cand, i).id);
		return;
	case LR_STRATEGY_FIRST:
		pick->to = g_array_index(cands, Cand, 0).id;
		pick->user = g_array_index(cands, Cand, 0).user;
		return;
	case LR_STRATEGY_LEAST_LOADED:
		least_loaded(rt, cands);
		break;
	default:
		break;
	}
	c = rotate(rt, route->key, cands);
	pick->to = c->id;
	pick->user = c->user;
}

/* route_pick - what a matching rule's route names. */
void route_pick(Router *rt, const LrRoute *route, Pick *pick)
{
	const LrTarget *t = g_ptr_array_index(route->targets, 0);

	route_put(rt->effect, route->effect);
	if (route->strategy == LR_STRATEGY_SINGLE && strcmp(t->to, "manager") != 0) {
		pick->kind = PICK_ONE;
		pick->to = t->to;
		pick->user = t->user;
	} else if (route->strategy == LR_STRATEGY_SINGLE) {
		pick->kind = rt->holder && rt->holder->manager ? PICK_ONE : PICK_NOBODY;
		pick->to = rt->holder ? rt->holder->manager : NULL;
		pick->user = lr_config_user(rt->cfg, pick->to);
		pick->final = TRUE;
	} else {
		pick_list(rt, route, pick);
	}
	for (guint i = 0; pick->kind == PICK_BROADCAST && i < pick->all->len; i++)
		route_append(rt->effect, i ? ", " : " -> ", (char *)g_ptr_array_index(pick->all, i),
		       NULL);
	if (pick->kind == PICK_ONE)
		route_append(rt->effect, " -> ", pick->to, NULL);
	else if (pick->kind == PICK_NOBODY)
		route_put(rt->effect, " -> nobody available");
}

