/* outcome.c - contacted / won / lost recorded by hand for a lead a
 * one-way (ADF) partner holds. */
#include "config.h"

#include <string.h>

#include "lead/log.h"
#include "lead/lr-error.h"
#include "router/outcome.h"

typedef struct {
	LrQueue *q;
	const LrConfig *cfg;
	guint64 id;
	const char *stage;
	const char *arg;
	const char *actor;
} Outcome;

/* outcome_holder - the one-way server holding lead, or NULL with
 * LR_ERROR_PERM saying why the lead cannot take a hand-recorded outcome. */
static const LrServer *outcome_holder(const Outcome *o, const LrLead *lead, GError **error)
{
	const char *who = lead->assignees->len ? lead->assignees->pdata[0] : NULL;
	const LrServer *srv =
	    who && g_str_has_prefix(who, "server:") ? lr_config_server(o->cfg, who + 7) : NULL;

	if (g_strcmp0(lead->status, LEAD_STATUS_FEDERATED) != 0 || who == NULL) {
		g_set_error(error, LR_ERROR, LR_ERROR_PERM,
		            "lead %" G_GUINT64_FORMAT " is %s, "
		            "not held by a partner server (its holder records the outcome by "
		            "reply)",
		            o->id, lead->status ? lead->status : "?");
		return NULL;
	}
	if (srv == NULL || g_strcmp0(srv->format, "adf") != 0) {
		g_set_error(error, LR_ERROR, LR_ERROR_PERM,
		            "lead %" G_GUINT64_FORMAT " is held "
		            "by %s, which %s",
		            o->id, who,
		            srv ? "reports its status itself "
		                  "(format leadroute)"
		                : "is no server of this configuration");
		return NULL;
	}
	return srv;
}

/* outcome_apply - set the stage (and close on won or lost). */
static void outcome_apply(const Outcome *o, LrLead *lead)
{
	lead_set_str(&lead->stage, o->stage);
	if (strcmp(o->stage, LEAD_STAGE_CONTACTED) == 0)
		return;
	lead_set_str(&lead->status, LEAD_STATUS_CLOSED);
	if (o->arg != NULL && *o->arg != '\0')
		lead_meta_set(lead,
		              strcmp(o->stage, LEAD_STAGE_WON) == 0 ? "won_amount" : "lost_reason",
		              o->arg);
}

/* outcome_txn - QueueTxnFunc: read, check, change, record. */
static gboolean outcome_txn(LrTxn *txn, gpointer data, GError **error)
{
	const Outcome *o = data;
	g_autoptr(LrLead) lead = queue_lead_get(o->q, txn, o->id, error);
	g_autoptr(LrEvent) ev = NULL;

	if (lead == NULL) {
		if (error != NULL && *error == NULL)
			g_set_error(error, LR_ERROR, LR_ERROR_PERM, "no lead %" G_GUINT64_FORMAT,
			            o->id);
		return FALSE;
	}
	if (outcome_holder(o, lead, error) == NULL)
		return FALSE;
	outcome_apply(o, lead);
	ev = lead_event_new(o->stage, o->actor, o->arg);
	return queue_lead_put(txn, lead, error) && queue_event_add(txn, o->id, ev, error);
}

/* router_outcome_record - see outcome.h. */
gboolean router_outcome_record(LrQueue *q, const LrConfig *cfg, guint64 id, const char *stage,
                               const char *arg, const char *actor, GError **error)
{
	Outcome o = {q, cfg, id, stage, arg, actor};

	if (!queue_run(q, outcome_txn, &o, error))
		return FALSE;
	lr_log_info(id, "event=%s actor=%s %s", stage, actor, arg ? arg : "");
	return TRUE;
}
