/* route.c - routing decisions through the chain of rule files. */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "lead/lr-error.h"
#include "rules/route-int.h"

/* Each thread's scratch between decisions (scratch_take). */
static void scratch_free(gpointer p);
static GPrivate route_scratch = G_PRIVATE_INIT(scratch_free);

/* scratch_free - destroy a scratch. */
static void scratch_free(gpointer p)
{
	Scratch *sc = p;

	g_string_free(sc->reason, TRUE);
	g_string_free(sc->effect, TRUE);
	g_string_free(sc->escalation, TRUE);
	g_string_free(sc->keys, TRUE);
	g_string_free(sc->effects, TRUE);
	g_array_unref(sc->all);
	g_array_unref(sc->later);
	g_array_unref(sc->ok);
	g_array_unref(sc->open);
	g_free(sc);
}

/* scratch_take - this thread's scratch, emptied (taken away from the
 * thread until scratch_give, so that a route_lead within a state's
 * callback would make its own), or a new one. */
static Scratch *scratch_take(void)
{
	Scratch *sc = g_private_get(&route_scratch);

	if (sc == NULL) {
		sc = g_new0(Scratch, 1);
		sc->reason = g_string_sized_new(128);
		sc->effect = g_string_sized_new(128);
		sc->escalation = g_string_new(NULL);
		sc->keys = g_string_sized_new(64);
		sc->effects = g_string_sized_new(256);
		sc->all = g_array_sized_new(FALSE, FALSE, sizeof(Cand), 16);
		sc->later = g_array_sized_new(FALSE, FALSE, sizeof(Cand), 16);
		sc->ok = g_array_sized_new(FALSE, FALSE, sizeof(Cand), 16);
		sc->open = g_array_sized_new(FALSE, FALSE, sizeof(guint), 16);
		return sc;
	}
	g_private_set(&route_scratch, NULL);
	g_string_truncate(sc->reason, 0);
	g_string_truncate(sc->effect, 0);
	g_string_truncate(sc->escalation, 0);
	g_string_truncate(sc->effects, 0);
	return sc;
}

/* scratch_give - back to the thread for the next decision. */
static void scratch_give(Scratch *sc)
{
	if (g_private_get(&route_scratch) == NULL)
		g_private_set(&route_scratch, sc);
	else
		scratch_free(sc);
}

/* trace_span - record rules [first, last] of set (a matched rule's
 * effect into the scratch's effects, see keep_effects). */
static void trace_span(Router *rt, const LrRuleSet *set, guint first, guint last, gboolean matched,
                       const char *effect)
{
	GArray *spans = rt->res->spans;
	GString *all = rt->sc->effects;
	Span s = {.set = set, .first = first, .last = last, .matched = matched, .effect = -1};
	gsize n, len = all->len;

	if (first > last)
		return;
	if (matched) { /* the text and its NUL */
		n = strlen(effect) + 1;
		g_string_set_size(all, len + n);
		memcpy(all->str + len, effect, n);
		s.effect = (gssize)len;
	}
	g_array_append_val(spans, s);
}

/* keep_effects - the effects of the trace, into the result as one block. */
static void keep_effects(Router *rt)
{
	GString *all = rt->sc->effects;

	if (all->len > 0)
		rt->res->effects = g_memdup2(all->str, all->len);
}

/* add_unique - append a copy of text to list unless it is there. */
static void add_unique(GPtrArray *list, const char *text)
{
	for (guint i = 0; i < list->len; i++)
		if (strcmp(g_ptr_array_index(list, i), text) == 0)
			return;
	g_ptr_array_add(list, g_strdup(text));
}

/* route_put - append text to s: g_string_append without its general case
 * (text is never inside s). */
void route_put(GString *s, const char *text)
{
	gsize n = strlen(text), len = s->len;

	g_string_set_size(s, len + n);
	memcpy(s->str + len, text, n);
}

/* route_append - append each text up to NULL to s (cheaper than a format). */
void route_append(GString *s, ...)
{
	va_list ap;
	const char *text;

	va_start(ap, s);
	while ((text = va_arg(ap, const char *)) != NULL)
		route_put(s, text);
	va_end(ap);
}

/* route_sep - "; " between parts of a text once it has one. */
const char *route_sep(const GString *s)
{
	return s->len > 0 ? "; " : "";
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
	route_append(rt->effect, route_sep(rt->effect), "priority ", cond_format_number(add, TRUE, buf), NULL);
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
			route_append(rt->effect, route_sep(rt->effect), "attach ", a->name, ": no row", NULL);
			continue;
		}
		for (guint j = 0; j < rt->res->attachments->len && !dup; j++) {
			const LrAttachment *o = g_ptr_array_index(rt->res->attachments, j);
			dup = g_strcmp0(o->name, out->name) == 0 &&
			      g_strcmp0(o->file, out->file) == 0;
		}
		route_append(rt->effect, route_sep(rt->effect), "attach ", out->name, NULL);
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
		route_append(rt->effect, route_sep(rt->effect), "withhold ", r->withhold[k], NULL);
	}
	if (r->route != NULL) {
		if (rt->effect->len > 0)
			route_put(rt->effect, "; ");
		route_pick(rt, r->route, pick);
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
	const char *key = index_key(rt, cond_name_value(s->ref, &rt->ctx, buf), buf);
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

	if (m == NULL || route_unavailable(rt, m->id, m) != NULL)
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
	const char *why = route_unavailable(rt, who, u);

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

/* finish_withheld - the workflow's withheld fields, the rules', then the
 * servers' that are assignees. */
static void finish_withheld(Router *rt, LrWorkflow wf)
{
	LrRouteResult *res = rt->res;
	g_autoptr(GPtrArray) withheld = g_ptr_array_new_with_free_func(g_free);

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
}

/* finish_reason - the reason, with why it was escalated. */
static void finish_reason(Router *rt)
{
	LrRouteResult *res = rt->res;

	if (rt->escalation->len > 0)
		g_string_append_printf(rt->reason, "%s%s", rt->reason->len ? "; " : "",
		                       rt->escalation->str);
	res->reason = g_strndup(rt->reason->str, rt->reason->len);
	keep_effects(rt);
}

/* finish - priority, workflow, withheld fields and the reason. */
static void finish(Router *rt)
{
	LrRouteResult *res = rt->res;
	LrWorkflow wf = lr_config_workflow(rt->cfg, rt->last);
	gboolean more = wf.withhold != NULL && wf.withhold[0] != NULL;

	res->priority = (int)lround(rt->ctx.priority);
	res->accept_within = wf.accept_within;
	res->remind_after = wf.remind_after;
	res->max_rejections = wf.max_rejections;
	for (guint i = 0; !more && i < res->assignees->len; i++)
		more = g_str_has_prefix(g_ptr_array_index(res->assignees, i), "server:");
	if (more) /* else the rules' list stands as it is */
		finish_withheld(rt, wf);
	finish_reason(rt);
}

/* route_lead - route one lead. */
LrRouteResult *route_lead(const LrConfig *cfg, const LrLead *lead, const char *const *rejected_by,
                          LrRouteState *state, GError **error)
{
	Router rt = {.cfg = cfg,
	             .rejected = rejected_by,
	             .state = state,
	             .ctx = {lead, 0, NULL},
	             .tz_memo = LR_TZ_MEMO_INIT};
	const LrRuleSet *set = cfg->rules;
	Pick pick = {0};

	if (lr_config_admin(cfg) == NULL) {
		g_set_error(error, LR_ERROR, LR_ERROR_CONFIG, "the configuration has no admin");
		return NULL;
	}
	rt.res = route_result_new();
	rt.sc = scratch_take();
	rt.reason = rt.sc->reason;
	rt.effect = rt.sc->effect;
	rt.escalation = rt.sc->escalation;
	rt.scratch = rt.sc->keys;
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
	scratch_give(rt.sc);
	g_free(rt.ix_key);
	return rt.res;
}
