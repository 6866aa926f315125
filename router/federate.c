/* federate.c - federation steps that send: a lead to a partner, status
 * back to an origin, recalls; the peers' secrets. */
#include "config.h"

#include <string.h>

#include "federation/adf-out.h"
#include "federation/exchange.h"
#include "lead/lr-error.h"
#include "mailer/exchange.h"
#include "mailer/token.h"
#include "router/federate.h"
#include "router/workflow.h"

/* secret_trim - a secret without the line end an editor leaves, so that
 * both admins' copies of the same text agree. */
static GBytes *secret_trim(GBytes *raw)
{
	gsize len = 0;
	const char *data = g_bytes_get_data(raw, &len);

	while (len > 0 && g_ascii_isspace(data[len - 1]))
		len--;
	return g_bytes_new(data, len);
}

/* peer_secret - one secret file of a peer, checked like server.secret_file
 * (private, long enough), never created. */
static gboolean peer_secret(GPtrArray *keys, const char *path, GError **error)
{
	g_autoptr(GBytes) raw = token_secret_load_existing(path, error);

	if (raw == NULL)
		return FALSE;
	g_ptr_array_add(keys, secret_trim(raw));
	return TRUE;
}

/* fed_peers_load - every peer's secrets. */
GHashTable *fed_peers_load(const LrConfig *cfg, GError **error)
{
	g_autoptr(GHashTable) peers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	                                                    (GDestroyNotify)g_ptr_array_unref);

	for (guint i = 0; i < cfg->servers->len; i++) {
		const LrServer *srv = cfg->servers->pdata[i];
		GPtrArray *keys;

		if (srv->secret_file == NULL)
			continue;
		keys = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
		g_hash_table_insert(peers, g_strdup(srv->id), keys);
		if (!peer_secret(keys, srv->secret_file, error) ||
		    (srv->previous_secret_file &&
		     !peer_secret(keys, srv->previous_secret_file, error)))
			return NULL;
		g_ptr_array_add(keys, NULL);
	}
	return g_steal_pointer(&peers);
}

/* peer_keys - a peer's secrets (NULL-terminated, borrowed), or NULL. */
static GBytes *const *peer_keys(Step *s, const char *peer)
{
	GPtrArray *keys = s->r->peers ? g_hash_table_lookup(s->r->peers, peer) : NULL;

	return keys ? (GBytes *const *)keys->pdata : NULL;
}

/* me - this server's name, as its peers list it. */
static const char *me(Step *s)
{
	return s->cfg->server->name;
}

/* send_exchange - sign x, wrap it with summary, queue it to address. */
static gboolean send_exchange(Step *s, const char *peer, const char *address, const FedExchange *x,
                              const char *summary, GError **error)
{
	GBytes *const *keys = peer_keys(s, peer);
	g_autoptr(GBytes) xml = keys ? fed_exchange_build(x, error) : NULL;
	g_autofree char *sig = xml ? fed_sign(keys[0], me(s), s->now / G_USEC_PER_SEC, xml) : NULL;
	g_autofree char *subject =
	    g_strdup_printf("[leadroute %s] lead %" G_GUINT64_FORMAT " from %s",
	                    fed_kind_name(x->kind), x->origin_lead, x->origin_server);
	MailerExchange mx = {address, subject,       summary,        fed_kind_name(x->kind),
	                     x->id,   FED_MIME_TYPE, FED_SIG_HEADER, sig,
	                     xml};
	g_autofree char *envelope = mailer_envelope_from(&s->r->mail);
	g_autoptr(GBytes) msg = NULL;
	g_autofree char *detail = NULL;
	const char *rcpts[] = {address, NULL};

	if (keys == NULL)
		g_set_error(error, LR_ERROR, LR_ERROR_CONFIG, "server %s has no secret_file", peer);
	if (sig == NULL || (msg = mailer_exchange_compose(&s->r->mail, &mx, error)) == NULL)
		return FALSE;
	detail = g_strdup_printf("%s %s to server:%s <%s>", fed_kind_name(x->kind), x->id, peer,
	                         address);
	return queue_outbox_add(s->txn, s->lead->id, envelope ? envelope : "", rcpts, msg, error) &&
	       step_record(s, "exchange-sent", "router", detail, error);
}

/* in_list - is item in the comma list of meta key? */
static gboolean in_list(const LrLead *lead, const char *key, const char *item)
{
	g_auto(GStrv) items =
	    g_strsplit(lead_meta_get(lead, key) ? lead_meta_get(lead, key) : "", ",", -1);

	return g_strv_contains((const char *const *)items, item);
}

/* unusable - why srv cannot take this lead now, or NULL. */
static const char *unusable(Step *s, const LrServer *srv)
{
	if (srv == NULL)
		return "no such server";
	if (g_strcmp0(srv->format, "leadroute") != 0)
		return "format is not leadroute";
	if (srv->deliver == NULL)
		return "no deliver address";
	if (!g_str_has_prefix(srv->deliver, "mailto:"))
		return "https delivery is not supported yet";
	if (peer_keys(s, srv->id) == NULL)
		return "no secret_file";
	if (in_list(s->lead, META_FED_CHAIN, srv->id) ||
	    g_strcmp0(lead_meta_get(s->lead, META_FED_ORIGIN), srv->id) == 0)
		return "the lead came from there";
	return NULL;
}

/* withheld_by - is field name in the server's withhold list? */
static gboolean withheld_by(const LrServer *srv, const char *name)
{
	return srv->withhold && g_strv_contains((const char *const *)srv->withhold, name);
}

/* lead_exchange - the lead as an exchange to srv, without its withheld
 * fields (they are in no byte of what leaves). */
static FedExchange *lead_exchange(Step *s, const LrServer *srv, guint32 assignment)
{
	FedExchange *x = fed_exchange_new(FED_LEAD);
	g_auto(GStrv) chain = g_strsplit(
	    lead_meta_get(s->lead, META_FED_CHAIN) ? lead_meta_get(s->lead, META_FED_CHAIN) : "",
	    ",", -1);

	x->id = g_strdup_printf("lead.%s.%" G_GUINT64_FORMAT ".%u", me(s), s->lead->id, assignment);
	x->from = g_strdup(me(s));
	x->to = g_strdup(srv->id);
	x->at = s->now;
	x->origin_server = g_strdup(me(s));
	x->origin_lead = s->lead->id;
	x->assignment = assignment;
	x->received = s->lead->received;
	x->subject = g_strdup(s->lead->subject);
	x->source = g_strdup(s->lead->source);
	x->priority = s->lead->priority;
	for (int i = 0; chain[i]; i++)
		if (*chain[i])
			g_ptr_array_add(x->chain, g_strdup(chain[i]));
	g_ptr_array_add(x->chain, g_strdup(me(s)));
	for (guint i = 0; i < s->lead->fields->len; i++) {
		const LrField *f = s->lead->fields->pdata[i];
		if (!withheld_by(srv, f->name))
			fed_exchange_add_field(x, f->name, f->value);
	}
	return x;
}

/* lead_summary - the text part of a lead exchange. */
static char *lead_summary(Step *s, const FedExchange *x, const LrServer *srv)
{
	return g_strdup_printf(
	    "This message offers a sales lead from the lead server %s to %s, in leadroute's\n"
	    "exchange format (the attached exchange.xml, signed). The receiving leadroute\n"
	    "server routes it to its own people by itself and reports back; nothing needs\n"
	    "to be done with this message by hand.\n\n"
	    "Lead %" G_GUINT64_FORMAT ", offer %u, source %s, %u fields%s.\n",
	    me(s), srv->name ? srv->name : srv->id, x->origin_lead, x->assignment,
	    x->source ? x->source : "(none)", x->names->len,
	    srv->withhold ? " (some withheld by the sender)" : "");
}

/* partner_sla - how long the partner has to accept (µs; 0: no limit). */
static gint64 partner_sla(Step *s, const LrServer *srv)
{
	gint64 within =
	    srv->accept_within >= 0 ? srv->accept_within : s->cfg->workflow.accept_within;

	return within > 0 ? within * G_USEC_PER_SEC : 0;
}

/* skip_server - the lead cannot go to srv: *route_on, so that the caller
 * routes on without it. */
static gboolean skip_server(Step *s, const char *server_id, const char *why, gboolean *route_on,
                            GError **error)
{
	g_autofree char *detail = g_strdup_printf("%s: %s", server_id, why);

	step_log(s, TRUE, s->lead->id, "federation skipped server=%s: %s", server_id, why);
	step_list_add(s->lead, META_REJECTED, server_id);
	*route_on = TRUE;
	return step_record(s, "federation-skipped", "router", detail, error);
}

/* adf_mail - the lead as one ADF document to srv, without its withheld
 * fields, as the single-part mail a dealer CRM takes; NULL on error. */
static GBytes *adf_mail(Step *s, const LrServer *srv, const char *address, const char *id,
                        GError **error)
{
	g_autofree char *provider = mailer_envelope_from(&s->r->mail);
	FedAdfParties parties = {srv->name ? srv->name : srv->id, address, me(s), provider};
	g_autoptr(GString) xml = g_string_new(NULL);
	g_autoptr(GBytes) body = NULL;
	g_autofree char *subject = g_strdup_printf("Lead %" G_GUINT64_FORMAT " from %s",
	                                           s->lead->id, me(s) ? me(s) : "leadroute");
	MailerExchange mx = {address,           subject, NULL, "adf", id,
	                     "application/xml", NULL,    NULL, NULL};

	if (!fed_adf_write(s->lead, (const char *const *)srv->withhold, &parties, xml, error))
		return NULL;
	body = g_bytes_new(xml->str, xml->len);
	mx.xml = body;
	return mailer_exchange_compose_single(&s->r->mail, &mx, error);
}

/* one_way - format "adf": the lead goes out as ADF and stays federated
 * here; its outcome is recorded by hand (leadroute lead status). */
static gboolean one_way(Step *s, const LrServer *srv, gboolean *route_on, GError **error)
{
	g_autofree char *id = g_strconcat("server:", srv->id, NULL);
	const char *one[] = {id, NULL};
	const char *address;
	guint32 asg = (guint32)step_meta_uint(s->lead, META_ASSIGNMENT) + 1;
	g_autofree char *xid = NULL, *envelope = NULL, *detail = NULL;
	g_autoptr(GBytes) msg = NULL;

	if (srv->deliver == NULL || !g_str_has_prefix(srv->deliver, "mailto:"))
		return skip_server(s, id,
		                   srv->deliver ? "https delivery is not supported yet"
		                                : "no deliver address",
		                   route_on, error);
	address = srv->deliver + strlen("mailto:");
	xid = g_strdup_printf("adf.%s.%" G_GUINT64_FORMAT ".%u", me(s), s->lead->id, asg);
	if ((msg = adf_mail(s, srv, address, xid, error)) == NULL)
		return FALSE;
	step_meta_set_uint(s->lead, META_ASSIGNMENT, asg);
	lead_list_set(s->lead->assignees, one);
	lead_set_str(&s->lead->status, LEAD_STATUS_FEDERATED);
	envelope = mailer_envelope_from(&s->r->mail);
	detail = g_strdup_printf("adf %s to %s <%s>", xid, id, address);
	return queue_outbox_add(s->txn, s->lead->id, envelope ? envelope : "",
	                        (const char *[]){address, NULL}, msg, error) &&
	       step_record(s, "federated", "router", srv->id, error) &&
	       step_record(s, "exchange-sent", "router", detail, error);
}

/* fed_send_lead - hand the lead to a partner. */
gboolean fed_send_lead(Step *s, const char *server_id, gboolean *route_on, GError **error)
{
	const LrServer *srv = lr_config_server(s->cfg, server_id + strlen("server:"));
	const char *why = unusable(s, srv);
	const char *one[] = {server_id, NULL};
	guint32 asg;
	g_autoptr(FedExchange) x = NULL;
	g_autofree char *summary = NULL, *sent = NULL, *arg = NULL;
	gint64 sla;

	if (srv && g_strcmp0(srv->format, "adf") == 0)
		return one_way(s, srv, route_on, error);
	if (why != NULL)
		return skip_server(s, server_id, why, route_on, error);
	asg = (guint32)step_meta_uint(s->lead, META_ASSIGNMENT) + 1;
	step_meta_set_uint(s->lead, META_ASSIGNMENT, asg);
	for (guint i = 0; i < s->lead->assignees->len; i++)
		if (!step_open_adjust(s, s->lead->assignees->pdata[i], -1, error))
			return FALSE;
	lead_list_set(s->lead->assignees, one);
	lead_set_str(&s->lead->status, LEAD_STATUS_FEDERATED);
	lead_meta_set(s->lead, META_FED_SERVER, srv->id);
	lead_meta_set(s->lead, META_FED_BY, NULL);
	sent = g_strdup_printf("%s:%u", srv->id, asg);
	step_list_add(s->lead, META_FED_SENT, sent);
	x = lead_exchange(s, srv, asg);
	summary = lead_summary(s, x, srv);
	if (!step_record(s, "federated", "router", srv->id, error) ||
	    !send_exchange(s, srv->id, srv->deliver + strlen("mailto:"), x, summary, error))
		return FALSE;
	sla = partner_sla(s, srv);
	arg = g_strdup_printf("%u", asg);
	step_meta_set_uint(s->lead, META_DEADLINE, (guint64)(s->now + sla));
	if (sla == 0)
		lead_meta_set(s->lead, META_DEADLINE, NULL);
	return sla == 0 ||
	       queue_job_add(s->txn, JOB_FED_RECALL, s->lead->id, s->now + sla, arg, error);
}

/* fed_recall_due - the partner did not accept in time. */
gboolean fed_recall_due(Step *s, gboolean *route_on, GError **error)
{
	const char *server = lead_meta_get(s->lead, META_FED_SERVER);
	const LrServer *srv = server ? lr_config_server(s->cfg, server) : NULL;
	g_autoptr(FedExchange) x = fed_exchange_new(FED_RECALL);
	g_autofree char *summary = NULL, *actor = NULL;

	if (g_strcmp0(s->lead->status, LEAD_STATUS_FEDERATED) != 0 || server == NULL ||
	    g_strcmp0(s->job->arg, lead_meta_get(s->lead, META_ASSIGNMENT)) != 0)
		return TRUE; /* accepted, closed or routed on meanwhile */
	x->id =
	    g_strdup_printf("recall.%s.%" G_GUINT64_FORMAT ".%s", me(s), s->lead->id, s->job->arg);
	x->from = g_strdup(me(s));
	x->to = g_strdup(server);
	x->origin_server = g_strdup(me(s));
	x->origin_lead = s->lead->id;
	x->assignment = (guint32)g_ascii_strtoull(s->job->arg, NULL, 10);
	x->at = s->now;
	x->reason = g_strdup("not accepted in time");
	summary = g_strdup_printf("The lead server %s withdraws lead %" G_GUINT64_FORMAT
	                          " (offer %u): it was not accepted in time.\n",
	                          me(s), x->origin_lead, x->assignment);
	actor = g_strconcat("server:", server, NULL);
	if (srv && srv->deliver && g_str_has_prefix(srv->deliver, "mailto:") &&
	    !send_exchange(s, server, srv->deliver + strlen("mailto:"), x, summary, error))
		return FALSE;
	step_list_add(s->lead, META_REJECTED, actor);
	lead_meta_set(s->lead, META_FED_SERVER, NULL);
	*route_on = TRUE;
	return step_record(s, "recalled", "router", actor, error);
}

/* fed_imported - a lead an origin sent here, still ours to report on. */
gboolean fed_imported(const LrLead *lead)
{
	return lead_meta_get(lead, META_FED_ORIGIN) != NULL &&
	       lead_meta_get(lead, META_FED_DONE) == NULL;
}

/* origin_address - where the origin takes status: its server entry's
 * deliver, else the envelope sender of the lead exchange. */
static const char *origin_address(Step *s, const char *origin)
{
	const LrServer *srv = lr_config_server(s->cfg, origin);

	if (srv && srv->deliver && g_str_has_prefix(srv->deliver, "mailto:"))
		return srv->deliver + strlen("mailto:");
	return lead_meta_get(s->lead, META_FED_REPLY);
}

/* status_exchange - a status report on the imported lead. */
static FedExchange *status_exchange(Step *s, const char *event)
{
	FedExchange *x = fed_exchange_new(FED_STATUS);
	const char *origin = lead_meta_get(s->lead, META_FED_ORIGIN);
	guint64 seq = step_meta_uint(s->lead, META_FED_SEQ) + 1;

	step_meta_set_uint(s->lead, META_FED_SEQ, seq);
	x->origin_server = g_strdup(origin);
	x->origin_lead = step_meta_uint(s->lead, META_FED_ORIGIN_LEAD);
	x->assignment = (guint32)step_meta_uint(s->lead, META_FED_ORIGIN_ASG);
	x->id = g_strdup_printf("status.%s.%s.%" G_GUINT64_FORMAT ".%u.%" G_GUINT64_FORMAT, me(s),
	                        origin, x->origin_lead, x->assignment, seq);
	x->from = g_strdup(me(s));
	x->to = g_strdup(origin);
	x->at = s->now;
	x->event = g_strdup(event);
	return x;
}

/* send_status - report event (by, amount, reason: may be NULL) to the
 * origin of the imported lead. */
static gboolean send_status(Step *s, const char *event, const char *by, const char *amount,
                            const char *reason, GError **error)
{
	const char *origin = lead_meta_get(s->lead, META_FED_ORIGIN);
	const char *address = origin_address(s, origin);
	g_autoptr(FedExchange) x = status_exchange(s, event);
	g_autofree char *summary = NULL;

	x->by = g_strdup(by);
	x->amount = g_strdup(amount);
	x->reason = g_strdup(reason);
	if (address == NULL) {
		step_log(s, TRUE, s->lead->id, "federation: no address for server %s", origin);
		return step_record(s, "exchange-unsent", "router", event, error);
	}
	summary = g_strdup_printf(
	    "The lead server %s reports on lead %" G_GUINT64_FORMAT " of %s: %s%s%s.\n", me(s),
	    x->origin_lead, origin, event, by ? " by " : "", by ? by : "");
	return send_exchange(s, origin, address, x, summary, error);
}

/* display_name - a user's display name, never an address or id alone. */
static const char *display_name(Step *s, const char *actor, const char *detail)
{
	const LrUser *u = lr_config_user(s->cfg, actor);

	if (u != NULL)
		return u->name ? u->name : u->id;
	/* A partner further down the chain: its report named the rep. */
	return g_str_has_prefix(actor, "server:") ? detail : NULL;
}

/* fed_report - the origin hears of what happens to its lead here. */
gboolean fed_report(Step *s, const char *type, const char *actor, const char *detail,
                    GError **error)
{
	static const char *const reported[] = {"accepted", "forwarded", "contacted",
	                                       "won",      "lost",      NULL};
	const char *by = NULL, *amount = NULL, *reason = NULL;

	if (!fed_imported(s->lead) || !g_strv_contains(reported, type))
		return TRUE;
	if (strcmp(type, "accepted") == 0)
		by = display_name(s, actor, detail);
	else if (strcmp(type, "won") == 0)
		amount = detail;
	else if (strcmp(type, "lost") == 0 || strcmp(type, "forwarded") == 0)
		reason = detail;
	if (strcmp(type, "forwarded") == 0 || strcmp(type, "contacted") == 0)
		by = display_name(s, actor, NULL);
	return send_status(s, type, by, amount, reason, error);
}

/* fed_report_received - the origin hears the lead arrived and was routed. */
gboolean fed_report_received(Step *s, GError **error)
{
	return send_status(s, "received", NULL, NULL, NULL, error);
}

/* fed_give_back - nobody here takes it: the origin decides. */
gboolean fed_give_back(Step *s, const char *why, GError **error)
{
	if (!send_status(s, "rejected", NULL, NULL, why, error))
		return FALSE;
	for (guint i = 0; i < s->lead->assignees->len; i++)
		if (!step_open_adjust(s, s->lead->assignees->pdata[i], -1, error))
			return FALSE;
	lead_meta_set(s->lead, META_FED_DONE, "1");
	lead_meta_set(s->lead, META_DEADLINE, NULL);
	g_ptr_array_set_size(s->lead->assignees, 0);
	lead_set_str(&s->lead->status, LEAD_STATUS_CLOSED);
	return step_record(s, "returned", "router", why, error);
}
