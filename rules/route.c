/* route.c - routing decisions through the chain of rule files. */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "lead/lr-error.h"
#include "rules/route-int.h"

/* Rotation: each candidate has a "pass" (stored under KEY\tID); the one
 * with the lowest pass is picked and its pass grows by STRIDE / weight.
 * KEY itself holds the pass of the last pick.  A candidate whose pass fell
 * behind it (away, unavailable, new to the list) rejoins as if just picked,
 * so the turn comes after the current round: nobody returns to a burst. */
#define ROUTE_STRIDE 1000000.0

/* Where routing is, for one lead. */
typedef struct {
	const LrConfig *cfg;
	const char *const *rejected;
	LrRouteState *state;
	LrRouteResult *res;
	LrCondCtx ctx;
	const LrUser *holder; /* NULL while in the global rules */
	GString *reason;
	GString *effect;      /* the current rule's */
	GString *escalation;  /* why it was escalated */
	GString *scratch;     /* rotation keys (cand_key) */
	const char *ix_value; /* the value ix_key was made from (index_key) */
	char *ix_key;
	LrTzMemo tz_memo;   /* time zone offsets at state->now */
	const LrUser *last; /* the last holder added (add_holder), or NULL */
} Router;

/* What a rule's route picked. */
typedef enum { PICK_NONE, PICK_ONE, PICK_BROADCAST, PICK_NOBODY } PickKind;

/* The texts are borrowed from the configuration. */
typedef struct {
	PickKind kind;
	const char *to;     /* PICK_ONE: user id or "server:ID" */
	const LrUser *user; /* PICK_ONE: `to` as a user, or NULL */
	gboolean final;     /* PICK_ONE: keeps it without reading their rules */
	const char *meant;  /* PICK_NOBODY: who it was meant for (a user) or NULL */
	GPtrArray *all;     /* PICK_BROADCAST: const char * ids */
} Pick;

/* trace_span - record rules [first, last] of set. */
static void trace_span(Router *rt, const LrRuleSet *set, guint first, guint last, gboolean matched,
                       const char *effect)
{
	Span s = {.set = set,
	          .first = first,
	          .last = last,
	          .matched = matched,
	          .effect = matched ? g_strdup(effect) : NULL};

	if (first <= last)
		g_array_append_val(rt->res->spans, s);
}

/* add_unique - append a copy of text to list unless it is there. */
static void add_unique(GPtrArray *list, const char *text)
{
	for (guint i = 0; i < list->len; i++)
		if (strcmp(g_ptr_array_index(list, i), text) == 0)
			return;
	g_ptr_array_add(list, g_strdup(text));
}

/* put - append text to s: g_string_append without its general case
 * (text is never inside s). */
static void put(GString *s, const char *text)
{
	gsize n = strlen(text), len = s->len;

	g_string_set_size(s, len + n);
	memcpy(s->str + len, text, n);
}

/* append - append each text up to NULL to s (cheaper than a format). */
static void append(GString *s, ...) G_GNUC_NULL_TERMINATED;
static void append(GString *s, ...)
{
	va_list ap;
	const char *text;

	va_start(ap, s);
	while ((text = va_arg(ap, const char *)) != NULL)
		put(s, text);
	va_end(ap);
}

/* sep - "; " between parts of a text once it has one. */
static const char *sep(const GString *s)
{
	return s->len > 0 ? "; " : "";
}

/* ---- availability ---- */

/* is_rejected - whether who rejected this lead. */
static gboolean is_rejected(const Router *rt, const char *who)
{
	return rt->rejected != NULL && g_strv_contains(rt->rejected, who);
}

/* unavailable_user - why who (a user id or "server:ID") cannot take the
 * lead now, or NULL when they can; u is who as a user (NULL: not one). */
static const char *unavailable_user(Router *rt, const char *who, const LrUser *u)
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

/* Candidate of a list route. */
typedef struct {
	const char *id;
	const LrUser *user; /* NULL: not a user ("server:ID") */
	double weight;
} Cand;

/* expand_team - add the members of team but the holder. */
static void expand_team(const Router *rt, const GPtrArray *team, double weight, GArray *cands)
{
	for (guint i = 0; team != NULL && i < team->len; i++) {
		const LrUser *u = g_ptr_array_index(team, i);
		Cand c = {u->id, u, weight};

		if (u != rt->holder)
			g_array_append_val(cands, c);
	}
}

/* expand_target - add the candidates one target names. */
static void expand_target(const Router *rt, const LrTarget *t, GArray *cands)
{
	Cand c = {t->to, t->user, t->weight};

	if (strcmp(t->to, "manager") == 0) {
		c.user = rt->holder ? lr_config_user(rt->cfg, rt->holder->manager) : NULL;
		c.id = c.user ? c.user->id : NULL;
		if (c.id != NULL)
			g_array_append_val(cands, c);
	} else if (g_str_has_prefix(t->to, "team:")) {
		expand_team(rt, t->team, t->weight, cands);
	} else {
		g_array_append_val(cands, c);
	}
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
			append(rt->effect, " [", c->id, ": outside hours, starts later]", NULL);
	}
	g_array_set_size(cands, n);
}

/* available_cands - the candidates who can take the lead: those inside
 * their working hours, or when none is, those whose hours begin first;
 * the others go into the effect text. */
static GArray *available_cands(Router *rt, const LrRoute *route, const char **first)
{
	g_autoptr(GArray) all = g_array_sized_new(FALSE, FALSE, sizeof(Cand), 16);
	g_autoptr(GArray) later = g_array_sized_new(FALSE, FALSE, sizeof(Cand), 16);
	GArray *ok = g_array_sized_new(FALSE, FALSE, sizeof(Cand), 16);

	for (guint i = 0; i < route->targets->len; i++)
		expand_target(rt, g_ptr_array_index(route->targets, i), all);
	*first = all->len > 0 ? g_array_index(all, Cand, 0).id : NULL;
	for (guint i = 0; i < all->len; i++) {
		Cand *c = &g_array_index(all, Cand, i);
		const char *why = unavailable_user(rt, c->id, c->user);

		if (why != NULL)
			append(rt->effect, " [", c->id, ": ", why, "]", NULL);
		else if (hours_start(rt, c->user) > rt->state->now)
			g_array_append_val(later, *c);
		else
			g_array_append_val(ok, *c);
	}
	if (ok->len > 0) {
		for (guint i = 0; i < later->len; i++)
			append(rt->effect, " [", g_array_index(later, Cand, i).id,
			       ": outside hours]", NULL);
		return ok;
	}
	soonest(rt, later);
	g_array_append_vals(ok, later->data, later->len);
	if (ok->len > 0)
		put(rt->effect, " [nobody inside hours: whose begin first]");
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
	g_autoptr(GArray) open = g_array_new(FALSE, FALSE, sizeof(guint));

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
	g_autoptr(GArray) cands = available_cands(rt, route, &first);
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

/* pick_route - what a matching rule's route names. */
static void pick_route(Router *rt, const LrRoute *route, Pick *pick)
{
	const LrTarget *t = g_ptr_array_index(route->targets, 0);

	put(rt->effect, route->strategy == LR_STRATEGY_SINGLE
	                                ? "route"
	                                : lr_config_strategies[route->strategy]);
	for (guint i = 0; i < route->targets->len; i++)
		append(rt->effect, i ? ", " : " ",
		       ((LrTarget *)g_ptr_array_index(route->targets, i))->to, NULL);
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
		append(rt->effect, i ? ", " : " -> ", (char *)g_ptr_array_index(pick->all, i),
		       NULL);
	if (pick->kind == PICK_ONE)
		append(rt->effect, " -> ", pick->to, NULL);
	else if (pick->kind == PICK_NOBODY)
		put(rt->effect, " -> nobody available");
}

/* ---- rule effects ---- */

/* add_priority - a priority rule's points. */
static void add_priority(Router *rt, const LrPriority *p)
{
	double add = p->points + p->base, x;
	char buf[32];

	for (guint i = 0; i < p->weights->len; i++) {
		const LrWeight *w = &g_array_index(p->weights, LrWeight, i);
		if (cond_number(cond_value_name(w->field, &rt->ctx, buf), &x))
			add += w->weight * x;
	}
	if (p->lookup != NULL && cond_number(cond_eval_borrow(p->lookup, &rt->ctx, buf), &x))
		add += x;
	rt->ctx.priority += add;
	append(rt->effect, sep(rt->effect), "priority ", cond_format_number(add, TRUE, buf), NULL);
}

/* strv_size - the bytes a copy of v takes: pointers and texts. */
static gsize strv_size(const char *const *v)
{
	gsize n = sizeof(char *);

	for (; v != NULL && *v != NULL; v++)
		n += sizeof(char *) + strlen(*v) + 1;
	return n;
}

/* copy_text - text copied at *at, which moves past it; NULL stays NULL. */
static char *copy_text(char **at, const char *text)
{
	gsize n;
	char *out = *at;

	if (text == NULL)
		return NULL;
	n = strlen(text) + 1;
	memcpy(out, text, n);
	*at += n;
	return out;
}

/* copy_strv - v copied: the pointers at *slots, the texts at *at. */
static char **copy_strv(char ***slots, char **at, const char *const *v)
{
	char **out = *slots;
	gsize n = 0;

	if (v == NULL)
		return NULL;
	for (; v[n] != NULL; n++)
		out[n] = copy_text(at, v[n]);
	out[n] = NULL;
	*slots += n + 1;
	return out;
}

/* attachment_new - an attachment in one block of memory (freed by
 * route_attachment_free with g_free): its texts and rows copied in. */
static LrAttachment *attachment_new(const char *kind, const char *name, const char *file,
                                    const char *table, const char *const *columns,
                                    const char *const *values)
{
	gsize size = sizeof(LrAttachment) + (columns ? strv_size(columns) : 0) +
	             (values ? strv_size(values) : 0) + (kind ? strlen(kind) + 1 : 0) +
	             (name ? strlen(name) + 1 : 0) + (file ? strlen(file) + 1 : 0) +
	             (table ? strlen(table) + 1 : 0);
	LrAttachment *a = g_malloc(size);
	char **slots = (char **)(a + 1), *at;
	gsize nslots = (columns ? g_strv_length((char **)columns) + 1 : 0) +
	               (values ? g_strv_length((char **)values) + 1 : 0);

	at = (char *)(slots + nslots);
	a->columns = copy_strv(&slots, &at, columns);
	a->values = copy_strv(&slots, &at, values);
	a->kind = copy_text(&at, kind);
	a->name = copy_text(&at, name);
	a->file = copy_text(&at, file);
	a->table = copy_text(&at, table);
	return a;
}

/* row_attachment - a table row (or the document it names) as an attachment. */
static LrAttachment *row_attachment(Router *rt, const LrAttach *a)
{
	char buf[32];
	const char *const *row = table_lookup(a->table, cond_eval_borrow(a->key, &rt->ctx, buf));
	g_autofree char *file = NULL;

	if (row == NULL || (a->column >= 0 && *row[a->column] == '\0'))
		return NULL;
	if (a->column >= 0) {
		file = g_path_is_absolute(row[a->column])
		           ? g_strdup(row[a->column])
		           : g_build_filename(rt->cfg->dir, row[a->column], NULL);
		return attachment_new(a->kind, a->name, file, NULL, NULL, NULL);
	}
	return attachment_new(a->kind, a->name, NULL, table_name(a->table),
	                      table_columns(a->table), row);
}

/* add_attachments - a rule's attachments, without repeats. */
static void add_attachments(Router *rt, const GPtrArray *attach)
{
	for (guint i = 0; i < attach->len; i++) {
		const LrAttach *a = g_ptr_array_index(attach, i);
		LrAttachment *out = a->file ? attachment_new(a->kind, a->name, a->file, NULL, NULL, NULL)
		                            : row_attachment(rt, a);
		gboolean dup = FALSE;

		if (out == NULL) {
			append(rt->effect, sep(rt->effect), "attach ", a->name, ": no row", NULL);
			continue;
		}
		for (guint j = 0; j < rt->res->attachments->len && !dup; j++) {
			const LrAttachment *o = g_ptr_array_index(rt->res->attachments, j);
			dup = g_strcmp0(o->name, out->name) == 0 &&
			      g_strcmp0(o->file, out->file) == 0;
		}
		append(rt->effect, sep(rt->effect), "attach ", out->name, NULL);
		if (dup)
			route_attachment_free(out);
		else
			g_ptr_array_add(rt->res->attachments, out);
	}
}

/* apply_rule - evaluate one rule; TRUE when it routed (pick filled). */
static gboolean apply_rule(Router *rt, const LrRuleSet *set, guint i, Pick *pick)
{
	const LrRule *r = g_ptr_array_index(set->rules, i);

	if (r->when != NULL && !cond_eval(r->when, &rt->ctx)) {
		trace_span(rt, set, i, i, FALSE, NULL);
		return FALSE;
	}
	g_string_truncate(rt->effect, 0);
	if (r->when != NULL)
		cond_describe_held(r->when, &rt->ctx, rt->reason);
	if (r->priority != NULL)
		add_priority(rt, r->priority);
	if (r->attach != NULL)
		add_attachments(rt, r->attach);
	for (int k = 0; r->withhold && r->withhold[k]; k++) {
		add_unique(rt->res->withheld, r->withhold[k]);
		append(rt->effect, sep(rt->effect), "withhold ", r->withhold[k], NULL);
	}
	if (r->route != NULL) {
		if (rt->effect->len > 0)
			put(rt->effect, "; ");
		pick_route(rt, r->route, pick);
	}
	trace_span(rt, set, i, i, TRUE, rt->effect->str);
	return r->route != NULL;
}

/* index_key - cond_index_form(value), kept for the rest of the decision
 * (runs of rules often test the same field).  value is the lead's own
 * text, unchanged while it is routed, unless it is buf. */
static const char *index_key(Router *rt, const char *value, const char *buf)
{
	if (value != rt->ix_value || value == buf) {
		g_free(rt->ix_key);
		rt->ix_key = cond_index_form(value);
		rt->ix_value = value == buf ? NULL : value;
	}
	return rt->ix_key;
}

/* apply_block - an indexed run of rules: only those whose key matches are
 * evaluated, the rest are traced as not matched. */
static gboolean apply_block(Router *rt, const LrRuleSet *set, const PlanStep *s, Pick *pick)
{
	char buf[32];
	const char *key = index_key(rt, cond_value_name(s->name, &rt->ctx, buf), buf);
	GArray *hits = g_hash_table_lookup(s->index, key);
	guint next = s->first;

	for (guint k = 0; hits != NULL && k < hits->len; k++) {
		guint i = g_array_index(hits, guint, k);

		if (i > next)
			trace_span(rt, set, next, i - 1, FALSE, NULL);
		next = i + 1;
		if (apply_rule(rt, set, i, pick))
			return TRUE;
	}
	trace_span(rt, set, next, s->last, FALSE, NULL);
	return FALSE;
}

/* apply_set - read a rule set until a rule routes. */
static gboolean apply_set(Router *rt, const LrRuleSet *set, Pick *pick)
{
	for (guint k = 0; k < set->steps->len; k++) {
		const PlanStep *s = g_ptr_array_index(set->steps, k);

		if (s->name != NULL ? apply_block(rt, set, s, pick)
		                    : apply_rule(rt, set, s->first, pick))
			return TRUE;
	}
	return FALSE;
}

/* ---- the chain ---- */

/* visited - whether who is in the chain already. */
static gboolean visited(const Router *rt, const char *who)
{
	for (guint i = 0; i < rt->res->holders->len; i++)
		if (strcmp(g_ptr_array_index(rt->res->holders, i), who) == 0)
			return TRUE;
	return FALSE;
}

/* add_holder - who (u as a user, or NULL) joins the chain unless there. */
static void add_holder(Router *rt, const char *who, const LrUser *u)
{
	if (visited(rt, who))
		return;
	g_ptr_array_add(rt->res->holders, g_strdup(who));
	rt->last = u;
}

/* escalate - nobody meant for the lead can take it: meant's manager (when
 * available), else the admin. */
static void escalate(Router *rt, const char *meant, const char *why)
{
	const LrUser *m = meant ? lr_config_user_manager(rt->cfg, meant) : NULL;

	if (m == NULL || unavailable_user(rt, m->id, m) != NULL)
		m = lr_config_admin(rt->cfg);
	g_string_append_printf(rt->escalation, "%s%s %s, escalated to %s",
	                       rt->escalation->len ? "; " : "", meant ? meant : "nobody", why,
	                       m->id);
	rt->res->escalated = TRUE;
	add_holder(rt, m->id, m);
	add_unique(rt->res->assignees, m->id);
}

/* keep - the lead stays with who (the end of the chain); u is who as a
 * user, or NULL. */
static void keep(Router *rt, const char *who, const LrUser *u)
{
	const char *why = unavailable_user(rt, who, u);

	add_holder(rt, who, u);
	if (why == NULL) { /* outside hours is soft: theirs, for when they begin */
		add_unique(rt->res->assignees, who);
		return;
	}
	escalate(rt, g_str_has_prefix(who, "server:") ? (rt->holder ? rt->holder->id : NULL) : who,
	         why);
}

/* step - follow one pick; TRUE when the chain goes on to a new holder. */
static gboolean step(Router *rt, Pick *pick)
{
	const LrUser *next;

	switch (pick->kind) {
	case PICK_NONE:
		if (rt->holder == NULL)
			escalate(rt, NULL, "matched no route");
		else
			keep(rt, rt->holder->id, rt->holder);
		return FALSE;
	case PICK_NOBODY:
		escalate(rt, pick->meant, "available: none");
		return FALSE;
	case PICK_BROADCAST:
		rt->res->broadcast = TRUE;
		for (guint i = 0; i < pick->all->len; i++)
			add_unique(rt->res->assignees, g_ptr_array_index(pick->all, i));
		return FALSE;
	case PICK_ONE:
		break;
	}
	next = pick->user;
	if (next == NULL || next->rules == NULL || visited(rt, pick->to) || pick->final) {
		keep(rt, pick->to, next);
		return FALSE;
	}
	add_holder(rt, pick->to, next);
	rt->holder = next;
	rt->ctx.user = next->attrs;
	return TRUE;
}

/* pick_clear - free a pick's members. */
static void pick_clear(Pick *pick)
{
	if (pick->all != NULL)
		g_ptr_array_free(pick->all, TRUE);
	memset(pick, 0, sizeof(*pick));
}

/* finish - priority, workflow, withheld fields and the reason. */
static void finish(Router *rt)
{
	LrRouteResult *res = rt->res;
	LrWorkflow wf = lr_config_workflow(rt->cfg, rt->last);
	g_autoptr(GPtrArray) withheld = g_ptr_array_new_with_free_func(g_free);

	res->priority = (int)lround(rt->ctx.priority);
	res->accept_within = wf.accept_within;
	res->remind_after = wf.remind_after;
	res->max_rejections = wf.max_rejections;
	for (int i = 0; wf.withhold && wf.withhold[i]; i++)
		add_unique(withheld, wf.withhold[i]);
	for (guint i = 0; i < res->withheld->len; i++)
		add_unique(withheld, g_ptr_array_index(res->withheld, i));
	for (guint i = 0; i < res->assignees->len; i++) {
		const char *a = g_ptr_array_index(res->assignees, i);
		const LrServer *s =
		    g_str_has_prefix(a, "server:") ? lr_config_server(rt->cfg, a + 7) : NULL;
		for (int k = 0; s && s->withhold && s->withhold[k]; k++)
			add_unique(withheld, s->withhold[k]);
	}
	g_ptr_array_free(res->withheld, TRUE);
	res->withheld = g_steal_pointer(&withheld);
	if (rt->escalation->len > 0)
		g_string_append_printf(rt->reason, "%s%s", rt->reason->len ? "; " : "",
		                       rt->escalation->str);
	res->reason = g_strdup(rt->reason->str);
}

/* route_lead - route one lead. */
LrRouteResult *route_lead(const LrConfig *cfg, const LrLead *lead, const char *const *rejected_by,
                          LrRouteState *state, GError **error)
{
	Router rt = {cfg,  rejected_by, state, NULL, {lead, 0, NULL}, NULL, NULL, NULL,
	             NULL, NULL,        NULL,  NULL, LR_TZ_MEMO_INIT, NULL};
	const LrRuleSet *set = cfg->rules;
	Pick pick = {0};

	if (lr_config_admin(cfg) == NULL) {
		g_set_error(error, LR_ERROR, LR_ERROR_CONFIG, "the configuration has no admin");
		return NULL;
	}
	rt.res = route_result_new();
	rt.reason = g_string_new(NULL);
	rt.effect = g_string_new(NULL);
	rt.escalation = g_string_new(NULL);
	rt.scratch = g_string_sized_new(64);
	for (;;) {
		if (!apply_set(&rt, set, &pick))
			pick.kind = PICK_NONE;
		if (!step(&rt, &pick))
			break;
		pick_clear(&pick);
		set = rt.holder->rules;
	}
	pick_clear(&pick);
	finish(&rt);
	g_string_free(rt.reason, TRUE);
	g_string_free(rt.effect, TRUE);
	g_string_free(rt.escalation, TRUE);
	g_string_free(rt.scratch, TRUE);
	g_free(rt.ix_key);
	return rt.res;
}
