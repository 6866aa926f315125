/* fedrecv.c - federation exchanges that arrive: verified, then a lead
 * from an origin, a status report from a partner, or a recall. */
#include "config.h"

#include <string.h>

#include "federation/exchange.h"
#include "lead/lr-error.h"
#include "lead/rawmsg.h"
#include "mailer/exchange.h"
#include "router/federate.h"
#include "router/fedstatus.h"

/* The exchange in hand: its record (s->lead) and what it says. */
typedef struct {
	Step *s;
	FedExchange *x;
	char *peer; /* the verified sender */
} Recv;

/* fed_is_exchange - the signature header is there. */
gboolean fed_is_exchange(GBytes *raw)
{
	gsize len = 0;
	const char *data = g_bytes_get_data(raw, &len);
	g_autofree char *sig = rawmsg_header(data, len, FED_SIG_HEADER);

	return sig != NULL;
}

/* mark_record - the exchange mail's own record is not a lead. */
static gboolean mark_record(Step *s, const char *reason, GError **error)
{
	s->lead->is_lead = FALSE;
	lead_set_str(&s->lead->reason, reason);
	lead_set_str(&s->lead->status, LEAD_STATUS_NOT_LEAD);
	lead_set_str(&s->lead->format, "leadroute-exchange");
	return step_event(s, "not-lead", "router", reason, error);
}

/* refuse - an exchange that is not obeyed: logged, kept as not-a-lead
 * with the reason, nothing else changes (intake said 250 already). */
static gboolean refuse(Step *s, const char *why, GError **error)
{
	g_autofree char *reason = g_strdup_printf("exchange refused: %s", why);

	step_log(s, TRUE, s->lead->id, "federation %s", reason);
	return mark_record(s, reason, error) &&
	       step_event(s, "exchange-refused", "router", why, error);
}

/* verified - the signed document of raw, or NULL with *why. */
static FedExchange *verified(Step *s, GBytes *raw, char **peer, char **why)
{
	gsize len = 0;
	const char *data = g_bytes_get_data(raw, &len);
	g_autofree char *sig = rawmsg_header(data, len, FED_SIG_HEADER);
	g_autoptr(GBytes) xml = NULL;
	g_autoptr(GError) error = NULL;
	GBytes *const *keys;
	FedExchange *x;

	*peer = fed_sig_peer(sig);
	keys = *peer && s->r->peers ? g_hash_table_lookup(s->r->peers, *peer) : NULL;
	if (keys != NULL)
		keys = (GBytes *const *)((GPtrArray *)keys)->pdata;
	if (keys == NULL) {
		*why = g_strdup_printf("unknown peer %s", *peer ? *peer : "(unreadable signature)");
		return NULL;
	}
	xml = mailer_exchange_part(raw, FED_MIME_TYPE);
	if (xml == NULL || !fed_verify(sig, xml, keys, s->now / G_USEC_PER_SEC, &error) ||
	    (x = fed_exchange_parse(xml, &error)) == NULL) {
		*why = g_strdup(error ? error->message : "no exchange document");
		return NULL;
	}
	if (g_strcmp0(x->from, *peer) != 0 || g_strcmp0(x->to, s->cfg->server->name) != 0) {
		*why =
		    g_strdup_printf("exchange from %s to %s, signed by %s", x->from, x->to, *peer);
		fed_exchange_free(x);
		return NULL;
	}
	return x;
}

/* seen_before - has this peer's exchange id been obeyed already?  Marks
 * it seen (in the same transaction) when not. */
static gboolean seen_before(Recv *rv, gboolean *seen, GError **error)
{
	g_autofree char *key = g_strdup_printf("fedx:%s:%s", rv->peer, rv->x->id);
	g_autofree char *value = NULL;
	/* The value says when it was first seen, for fed_replay_prune. */
	g_autofree char *id = g_strdup_printf("%" G_GUINT64_FORMAT " %" G_GINT64_FORMAT,
	                                      rv->s->lead->id, rv->s->now / G_USEC_PER_SEC);
	GError *local = NULL;

	*seen = queue_state_get(rv->s->r->q, rv->s->txn, key, &value, &local);
	if (local != NULL) {
		g_propagate_error(error, local);
		return FALSE;
	}
	return *seen || queue_state_put(rv->s->txn, key, id, error);
}

/* import_key - the state key naming the lead an offer became here. */
static char *import_key(const char *origin, guint64 lead, guint32 assignment)
{
	return g_strdup_printf("fedlead:%s:%" G_GUINT64_FORMAT ":%u", origin, lead, assignment);
}

/* take_lead - the record becomes the lead the origin sent, with its
 * origin, and is routed under our own rules. */
static gboolean take_lead(Recv *rv, GError **error)
{
	Step *s = rv->s;
	const FedExchange *x = rv->x;
	g_autofree char *key = import_key(rv->peer, x->origin_lead, x->assignment);
	g_autofree char *id = g_strdup_printf("%" G_GUINT64_FORMAT, s->lead->id);
	g_autofree char *actor = g_strconcat("server:", rv->peer, NULL);
	g_autofree char *detail = NULL;

	g_ptr_array_add(x->chain, NULL);
	lead_meta_set(s->lead, META_FED_CHAIN, NULL);
	for (guint i = 0; x->chain->pdata[i]; i++)
		step_list_add(s->lead, META_FED_CHAIN, x->chain->pdata[i]);
	g_ptr_array_remove_index(x->chain, x->chain->len - 1);
	/* The lead is what the origin sent, not what intake saw of the mail. */
	g_ptr_array_set_size(s->lead->fields, 0);
	for (guint i = 0; i < x->names->len; i++)
		lead_field_set(s->lead, x->names->pdata[i], x->values->pdata[i]);
	lead_set_str(&s->lead->source, x->source);
	lead_set_str(&s->lead->subject, x->subject);
	lead_set_str(&s->lead->format, "leadroute");
	lead_meta_set(s->lead, META_FED_ORIGIN, rv->peer);
	step_meta_set_uint(s->lead, META_FED_ORIGIN_LEAD, x->origin_lead);
	step_meta_set_uint(s->lead, META_FED_ORIGIN_ASG, x->assignment);
	lead_meta_set(s->lead, META_FED_REPLY,
	              strchr(s->lead->sender ? s->lead->sender : "", '@') ? s->lead->sender : NULL);
	detail = g_strdup_printf("from server:%s lead %" G_GUINT64_FORMAT " offer %u chain=%s "
	                         "fields=%u",
	                         rv->peer, x->origin_lead, x->assignment,
	                         lead_meta_get(s->lead, META_FED_CHAIN), x->names->len);
	return queue_state_put(s->txn, key, id, error) &&
	       step_event(s, "parsed", actor, detail, error) && step_route(s, error) &&
	       (!fed_imported(s->lead) || fed_report_received(s, error));
}

/* target_of - the lead a status or recall names (locked), or NULL with
 * *why (error set only when the store failed). */
static LrLead *target_of(Recv *rv, guint64 id, char **why, GError **error)
{
	LrLead *t =
	    id && id != rv->s->lead->id ? queue_lead_get(rv->s->r->q, rv->s->txn, id, error) : NULL;

	if (t == NULL && (error == NULL || *error == NULL))
		*why = g_strdup_printf("no lead %" G_GUINT64_FORMAT " here", id);
	return t;
}

/* on_target - obey a status or recall on the lead it names. */
static gboolean on_target(Recv *rv, GError **error)
{
	Step *s = rv->s;
	const FedExchange *x = rv->x;
	g_autofree char *why = NULL, *key = NULL, *value = NULL, *reason = NULL;
	guint64 id = x->origin_lead;
	g_autoptr(LrLead) target = NULL;
	Step t = *s;

	if (x->kind == FED_RECALL && g_strcmp0(x->origin_server, rv->peer) != 0) {
		return refuse(s, "recall of a lead of another origin", error);
	} else if (x->kind == FED_RECALL) {
		key = import_key(rv->peer, x->origin_lead, x->assignment);
		id = queue_state_get(s->r->q, s->txn, key, &value, error)
		         ? g_ascii_strtoull(value, NULL, 10)
		         : 0;
		if (error && *error)
			return FALSE;
	} else if (g_strcmp0(x->origin_server, s->cfg->server->name) != 0) {
		return refuse(s, "status about a lead of another server", error);
	}
	target = target_of(rv, id, &why, error);
	if (target == NULL)
		return error && *error ? FALSE : refuse(s, why, error);
	reason = g_strdup_printf("%s %s from server:%s for lead %" G_GUINT64_FORMAT,
	                         fed_kind_name(x->kind), x->id, rv->peer, target->id);
	t.lead = target;
	if (x->kind == FED_RECALL)
		return mark_record(s, reason, error) && fedrecv_recall(&t, x, rv->peer, error) &&
		       queue_lead_put(s->txn, target, error);
	if (!fedrecv_status(&t, x, rv->peer, &why, error))
		return FALSE;
	if (why != NULL)
		return refuse(s, why, error);
	return mark_record(s, reason, error) && queue_lead_put(s->txn, target, error);
}

/* fed_receive - verify, refuse replays, obey. */
gboolean fed_receive(Step *s, GBytes *raw, GError **error)
{
	g_autofree char *why = NULL;
	Recv rv = {s, NULL, NULL};
	gboolean seen = FALSE, ok;

	rv.x = verified(s, raw, &rv.peer, &why);
	if (rv.x == NULL) {
		ok = refuse(s, why, error);
	} else if (!seen_before(&rv, &seen, error)) {
		ok = FALSE;
	} else if (seen) {
		ok = refuse(s, "replayed exchange (already obeyed)", error);
	} else if (rv.x->kind == FED_LEAD) {
		ok = g_strcmp0(rv.x->origin_server, rv.peer) == 0
		         ? take_lead(&rv, error)
		         : refuse(s, "lead exchange for another origin", error);
	} else {
		ok = on_target(&rv, error);
	}
	fed_exchange_free(rv.x);
	g_free(rv.peer);
	return ok;
}
