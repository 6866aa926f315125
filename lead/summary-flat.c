/* summary-flat.c - the version-2 record of a lead summary: flat, with
 * explicit little-endian fields, so that a report decodes a million of
 * them without a parser.
 *
 * Layout (offsets in bytes; integers little-endian, times in µs):
 *    0 u8  version (2)          1 u8  flags (1 is_lead, 2 erased)
 *    2 u16 0                    4 u32 stages      8 u32 users
 *   12 u32 rejected            16 u32 forwarded  20 u32 timeouts
 *   24 u32 recalled            28 u32 0
 *   32 u64 id                  40 i64 received   48 i64 offered_at
 *   56 i64 accepted_at         64 i64 contacted_at
 *   72 i64 won_at              80 i64 lost_at    88 i64 deadline
 *   96 f64 won_amount (IEEE 754 bits)
 *  104 strings source, medium, campaign, assignee, server: each a u32
 *      length (0xffffffff: none) and the bytes, no terminator
 *      then per stage: u8 stage, i64 at, string actor
 *      then per user: string user, u32 offered accepted rejected
 *      forwarded timeouts contacted won lost pending.
 * A later version keeps the version byte first; readers go by it. */
#include "config.h"

#include <string.h>

#include "lead/lr-error.h"
#include "lead/summary.h"

#define FLAT_HEADER 104
#define FLAT_NONE 0xffffffffu

/* put_u32 / put_u64 / put_str - append little-endian fields. */
static void put_u32(GByteArray *b, guint32 v)
{
	guint32 le = GUINT32_TO_LE(v);

	g_byte_array_append(b, (const guint8 *)&le, 4);
}

static void put_u64(GByteArray *b, guint64 v)
{
	guint64 le = GUINT64_TO_LE(v);

	g_byte_array_append(b, (const guint8 *)&le, 8);
}

static void put_str(GByteArray *b, const char *s)
{
	gsize len = s ? strlen(s) : 0;

	put_u32(b, s ? (guint32)MIN(len, FLAT_NONE - 1) : FLAT_NONE);
	if (s)
		g_byte_array_append(b, (const guint8 *)s, (guint)MIN(len, FLAT_NONE - 1));
}

/* put_header - the fixed part. */
static void put_header(GByteArray *b, const LrSummary *s)
{
	guint8 head[4] = {SUMMARY_FORMAT_VERSION, (guint8)((s->is_lead ? 1 : 0) | (s->erased ? 2 : 0)),
	                  0, 0};
	const gint64 times[] = {s->received,     s->offered_at, s->accepted_at, s->contacted_at,
	                        s->won_at,       s->lost_at,    s->deadline};
	guint64 amount;

	g_byte_array_append(b, head, 4);
	put_u32(b, s->stages->len);
	put_u32(b, s->users->len);
	put_u32(b, s->rejected);
	put_u32(b, s->forwarded);
	put_u32(b, s->timeouts);
	put_u32(b, s->recalled);
	put_u32(b, 0);
	put_u64(b, s->id);
	for (guint i = 0; i < G_N_ELEMENTS(times); i++)
		put_u64(b, (guint64)times[i]);
	memcpy(&amount, &s->won_amount, 8);
	put_u64(b, amount);
}

/* summary_serialize - write the version-2 record. */
GBytes *summary_serialize(const LrSummary *s)
{
	GByteArray *b = g_byte_array_sized_new(FLAT_HEADER + 64 + 24 * s->stages->len);

	put_header(b, s);
	put_str(b, s->source ? s->source : "(none)");
	put_str(b, s->medium ? s->medium : "(none)");
	put_str(b, s->campaign ? s->campaign : "(none)");
	put_str(b, s->assignee);
	put_str(b, s->server);
	for (guint i = 0; i < s->stages->len; i++) {
		const LrTransition *t = &g_array_index(s->stages, LrTransition, i);
		guint8 stage = (guint8)t->stage;
		g_byte_array_append(b, &stage, 1);
		put_u64(b, (guint64)t->at);
		put_str(b, t->actor);
	}
	for (guint i = 0; i < s->users->len; i++) {
		const LrInvolvement *v = s->users->pdata[i];
		const guint n[] = {v->offered,  v->accepted,  v->rejected, v->forwarded, v->timeouts,
		                   v->contacted, v->won,      v->lost,     v->pending};
		put_str(b, v->user);
		for (guint k = 0; k < G_N_ELEMENTS(n); k++)
			put_u32(b, n[k]);
	}
	return g_byte_array_free_to_bytes(b);
}

/* A reader over one record: ok turns FALSE at the first short read. */
typedef struct {
	const guint8 *p;
	gsize len, at;
	gboolean ok;
} Reader;

/* take - the next n bytes, or NULL (and !ok) when the record is shorter. */
static const guint8 *take(Reader *r, gsize n)
{
	const guint8 *p = r->p + r->at;

	if (!r->ok || r->len - r->at < n) {
		r->ok = FALSE;
		return NULL;
	}
	r->at += n;
	return p;
}

/* get_u32 / get_u64 / get_str - read little-endian fields (0 / NULL when
 * short). */
static guint32 get_u32(Reader *r)
{
	const guint8 *p = take(r, 4);
	guint32 v = 0;

	if (p)
		memcpy(&v, p, 4);
	return GUINT32_FROM_LE(v);
}

static guint64 get_u64(Reader *r)
{
	const guint8 *p = take(r, 8);
	guint64 v = 0;

	if (p)
		memcpy(&v, p, 8);
	return GUINT64_FROM_LE(v);
}

static char *get_str(Reader *r)
{
	guint32 len = get_u32(r);
	const guint8 *p;

	if (len == FLAT_NONE || !r->ok)
		return NULL;
	p = take(r, len);
	return p ? g_strndup((const char *)p, len) : NULL;
}

/* get_header - the fixed part into s; the list lengths out. */
static void get_header(Reader *r, LrSummary *s, guint32 *stages, guint32 *users)
{
	const guint8 *head = take(r, 4);
	gint64 *times[] = {&s->received, &s->offered_at, &s->accepted_at, &s->contacted_at,
	                   &s->won_at,   &s->lost_at,    &s->deadline};
	guint64 amount;

	if (head == NULL)
		return;
	s->is_lead = (head[1] & 1) != 0;
	s->erased = (head[1] & 2) != 0;
	*stages = get_u32(r);
	*users = get_u32(r);
	s->rejected = get_u32(r);
	s->forwarded = get_u32(r);
	s->timeouts = get_u32(r);
	s->recalled = get_u32(r);
	get_u32(r);
	s->id = get_u64(r);
	for (guint i = 0; i < G_N_ELEMENTS(times); i++)
		*times[i] = (gint64)get_u64(r);
	amount = get_u64(r);
	memcpy(&s->won_amount, &amount, 8);
}

/* get_lists - the stages and users. */
static void get_lists(Reader *r, LrSummary *s, guint32 stages, guint32 users)
{
	for (guint32 i = 0; r->ok && i < stages; i++) {
		const guint8 *stage = take(r, 1);
		LrTransition t = {stage ? (LrStage)*stage : SUMMARY_NEW, 0, NULL};
		t.at = (gint64)get_u64(r);
		t.actor = get_str(r);
		if (t.actor == NULL)
			t.actor = g_strdup("");
		g_array_append_val(s->stages, t);
	}
	for (guint32 i = 0; r->ok && i < users; i++) {
		LrInvolvement *v = g_new0(LrInvolvement, 1);
		guint *n[] = {&v->offered,   &v->accepted, &v->rejected, &v->forwarded, &v->timeouts,
		              &v->contacted, &v->won,      &v->lost,     &v->pending};
		g_ptr_array_add(s->users, v);
		v->user = get_str(r);
		if (v->user == NULL)
			v->user = g_strdup("");
		for (guint k = 0; k < G_N_ELEMENTS(n); k++)
			*n[k] = get_u32(r);
	}
}

/* summary_clear - empty a summary for reuse. */
void summary_clear(LrSummary *s)
{
	GArray *stages = s->stages;
	GPtrArray *users = s->users;

	g_free(s->source);
	g_free(s->medium);
	g_free(s->campaign);
	g_free(s->assignee);
	g_free(s->team);
	g_free(s->server);
	g_array_set_size(stages, 0);
	g_ptr_array_set_size(users, 0);
	memset(s, 0, sizeof(*s));
	s->stages = stages;
	s->users = users;
}

/* read_v2 - a version-2 record into the empty s. */
static gboolean read_v2(LrSummary *s, const void *data, gsize len)
{
	Reader r = {data, len, 0, TRUE};
	guint32 stages = 0, users = 0;

	get_header(&r, s, &stages, &users);
	s->source = get_str(&r);
	s->medium = get_str(&r);
	s->campaign = get_str(&r);
	s->assignee = get_str(&r);
	s->server = get_str(&r);
	if (r.ok && (s->source == NULL || s->medium == NULL || s->campaign == NULL))
		r.ok = FALSE;
	get_lists(&r, s, stages, users);
	s->format = 2;
	return r.ok && r.at == len;
}

/* summary_read_into - a record of either version into s. */
gboolean summary_read_into(LrSummary *s, const void *data, gsize len, GError **error)
{
	const guint8 *p = data;

	summary_clear(s);
	if (len >= FLAT_HEADER && p[0] == 2 && read_v2(s, data, len))
		return TRUE;
	if (len > 0 && p[0] == 1) {
		g_autoptr(GBytes) bytes = g_bytes_new(data, len);
		g_autoptr(LrSummary) old = summary_deserialize_v1(bytes, NULL);
		if (old != NULL) {
			LrSummary empty = *s; /* swap: old takes the emptied lists */
			*s = *old;
			*old = empty;
			return TRUE;
		}
	}
	summary_clear(s);
	g_set_error(error, LR_ERROR, LR_ERROR_PERM, "corrupt summary record (version %u)",
	            len ? p[0] : 0);
	return FALSE;
}

/* summary_deserialize - a new summary from a record of either version. */
LrSummary *summary_deserialize(GBytes *bytes, GError **error)
{
	LrSummary *s = summary_empty();
	gsize len;
	const void *data = g_bytes_get_data(bytes, &len);

	if (!summary_read_into(s, data, len, error))
		return summary_free(s), NULL;
	return s;
}

/* summary_equal - the same record, whatever it was read from. */
gboolean summary_equal(const LrSummary *a, const LrSummary *b)
{
	g_autoptr(GBytes) x = summary_serialize(a);
	g_autoptr(GBytes) y = summary_serialize(b);

	return g_bytes_equal(x, y);
}
