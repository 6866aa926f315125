/* route-memory.c - routing state kept in memory, for `leadroute route`,
 * bench/rules and tests: rotations, who is away, open-lead counts.
 *
 * A rotation's keys are "KEY" (the rotation's own position) and "KEY\tID"
 * (each candidate's pass, see rotate in route-pick.c): rotate reads the
 * pass of every candidate on every decision, so they are kept by rotation
 * (one hash lookup for KEY) in an array in the order they were first
 * asked for, which is the order the next decision asks for them again. */
#include "config.h"

#include <string.h>

#include "rules/route.h"

/* A candidate's pass in a rotation. */
typedef struct {
	char *id;
	guint64 pass;
} MemPass;

/* A rotation: its own position and its candidates' passes. */
typedef struct {
	guint64 pos;
	GArray *passes;     /* MemPass, in the order first asked for */
	GHashTable *by_id;  /* id -> index + 1, once passes is long (MEM_INDEX_AT) */
	guint next;         /* where the next lookup starts */
} MemRotation;

/* Rotations longer than this also get an index by candidate. */
#define MEM_INDEX_AT 32

typedef struct {
	GHashTable *rr;     /* rotation key -> MemRotation * */
	MemRotation *last;  /* the rotation asked for last, */
	char *last_key;     /* under this key (rr's own copy) */
	GString *key;       /* a rotation key, NUL-terminated, for lookups */
	GHashTable *away;   /* user -> gint64 * */
	GHashTable *open;   /* user -> GUINT_TO_POINTER */
} MemState;

/* rotation_free - destroy a rotation. */
static void rotation_free(gpointer p)
{
	MemRotation *r = p;

	for (guint i = 0; i < r->passes->len; i++)
		g_free(g_array_index(r->passes, MemPass, i).id);
	g_array_free(r->passes, TRUE);
	if (r->by_id != NULL)
		g_hash_table_destroy(r->by_id);
	g_free(r);
}

/* rotation_of - the rotation of a state key (its part before a tab, of
 * length klen); create it when absent and create is TRUE, else NULL. */
static MemRotation *rotation_of(MemState *m, const char *key, gsize klen, gboolean create)
{
	gpointer found_key, found;
	MemRotation *r;

	if (m->last != NULL && strncmp(m->last_key, key, klen) == 0 && m->last_key[klen] == '\0')
		return m->last;
	g_string_truncate(m->key, 0);
	g_string_append_len(m->key, key, (gssize)klen);
	if (g_hash_table_lookup_extended(m->rr, m->key->str, &found_key, &found)) {
		r = found;
		m->last_key = found_key;
	} else if (!create) {
		return NULL;
	} else {
		r = g_new0(MemRotation, 1);
		r->passes = g_array_new(FALSE, FALSE, sizeof(MemPass));
		m->last_key = g_strdup(m->key->str);
		g_hash_table_insert(m->rr, m->last_key, r);
	}
	m->last = r;
	return r;
}

/* pass_of - a candidate's pass in r; create it (at 0) when absent and
 * create is TRUE, else NULL. */
static MemPass *pass_of(MemRotation *r, const char *id, gboolean create)
{
	guint n = r->passes->len;
	MemPass p;

	if (r->by_id != NULL) {
		guint at = GPOINTER_TO_UINT(g_hash_table_lookup(r->by_id, id));

		if (at > 0)
			return &g_array_index(r->passes, MemPass, at - 1);
	} else {
		for (guint k = 0, i = r->next; k < n; k++, i++) {
			MemPass *q;

			if (i >= n)
				i = 0;
			q = &g_array_index(r->passes, MemPass, i);
			if (strcmp(q->id, id) == 0) {
				r->next = i + 1;
				return q;
			}
		}
	}
	if (!create)
		return NULL;
	p = (MemPass){.id = g_strdup(id), .pass = 0};
	g_array_append_val(r->passes, p);
	if (r->by_id == NULL && r->passes->len > MEM_INDEX_AT) {
		r->by_id = g_hash_table_new(g_str_hash, g_str_equal);
		for (guint i = 0; i < r->passes->len; i++)
			g_hash_table_insert(r->by_id, g_array_index(r->passes, MemPass, i).id,
			                    GUINT_TO_POINTER(i + 1));
	} else if (r->by_id != NULL) {
		g_hash_table_insert(r->by_id, p.id, GUINT_TO_POINTER(r->passes->len));
	}
	r->next = r->passes->len;
	return &g_array_index(r->passes, MemPass, r->passes->len - 1);
}

/* mem_value - where key's value is kept, or NULL when unset and create is
 * FALSE. */
static guint64 *mem_value(MemState *m, const char *key, gboolean create)
{
	const char *tab = strchr(key, '\t');
	MemRotation *r = rotation_of(m, key, tab ? (gsize)(tab - key) : strlen(key), create);
	MemPass *p;

	if (r != NULL && tab == NULL)
		r->next = 0; /* rotate asks for the position, then the candidates in order */
	if (r == NULL || tab == NULL)
		return r ? &r->pos : NULL;
	p = pass_of(r, tab + 1, create);
	return p ? &p->pass : NULL;
}

/* mem_rr_get - LrRouteState.rr_get over memory. */
static guint64 mem_rr_get(gpointer data, const char *key)
{
	guint64 *v = mem_value(data, key, FALSE);

	return v ? *v : 0;
}

/* mem_rr_set - LrRouteState.rr_set over memory. */
static void mem_rr_set(gpointer data, const char *key, guint64 value)
{
	*mem_value(data, key, TRUE) = value;
}

/* mem_open - LrRouteState.open_leads over memory. */
static guint mem_open(gpointer data, const char *user)
{
	GHashTable *open = ((MemState *)data)->open;

	return g_hash_table_size(open) ? GPOINTER_TO_UINT(g_hash_table_lookup(open, user)) : 0;
}

/* mem_away - LrRouteState.away_until over memory. */
static gint64 mem_away(gpointer data, const char *user)
{
	GHashTable *away = ((MemState *)data)->away;
	gint64 *v = g_hash_table_size(away) ? g_hash_table_lookup(away, user) : NULL;

	return v ? *v : 0;
}

/* route_memory_state_new - an in-memory state. */
LrRouteState *route_memory_state_new(gint64 now)
{
	LrRouteState *st = g_new0(LrRouteState, 1);
	MemState *m = g_new0(MemState, 1);

	m->rr = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, rotation_free);
	m->key = g_string_new(NULL);
	m->away = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	m->open = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	*st = (LrRouteState){.rr_get = mem_rr_get,
	                     .rr_set = mem_rr_set,
	                     .open_leads = mem_open,
	                     .away_until = mem_away,
	                     .now = now,
	                     .data = m};
	return st;
}

/* route_memory_state_free - destroy an in-memory state. */
void route_memory_state_free(LrRouteState *state)
{
	MemState *m;

	if (state == NULL)
		return;
	m = state->data;
	g_hash_table_destroy(m->rr);
	g_string_free(m->key, TRUE);
	g_hash_table_destroy(m->away);
	g_hash_table_destroy(m->open);
	g_free(m);
	g_free(state);
}

/* route_memory_state_set_away - mark a user away until a time. */
void route_memory_state_set_away(LrRouteState *state, const char *user_id, gint64 until)
{
	MemState *m = state->data;

	g_hash_table_replace(m->away, g_strdup(user_id), g_memdup2(&until, sizeof(until)));
}

/* route_memory_state_set_open - set a user's open-lead count. */
void route_memory_state_set_open(LrRouteState *state, const char *user_id, guint open)
{
	MemState *m = state->data;

	g_hash_table_replace(m->open, g_strdup(user_id), GUINT_TO_POINTER(open));
}
