/* admin.c - reassign, close and note a lead by hand (leadroute lead). */
#include "config.h"

#include <string.h>

#include "lead/lr-error.h"
#include "router/admin.h"
#include "router/router-int.h"
#include "router/step.h"

typedef enum { ADMIN_REASSIGN, ADMIN_CLOSE, ADMIN_NOTE } AdminOp;

/* One admin change: what, to which lead, by whom. */
typedef struct {
	LrRouter *r;
	AdminOp op;
	guint64 id;
	const char *arg;    /* the user, the stage or the note */
	const char *detail; /* close: the amount or the reason */
	const char *actor;
	GPtrArray *logs;
} Admin;

/* admin_refuse - set a permanent error about lead id; FALSE. */
static gboolean admin_refuse(GError **error, guint64 id, const char *why, const char *what)
{
	g_set_error(error, LR_ERROR, LR_ERROR_PERM, "lead %" G_GUINT64_FORMAT " %s%s", id, why,
	            what ? what : "");
	return FALSE;
}

/* admin_has - is item in list (a char * array)? */
static gboolean admin_has(const GPtrArray *list, const char *item)
{
	for (guint i = 0; i < list->len; i++)
		if (g_strcmp0(list->pdata[i], item) == 0)
			return TRUE;
	return FALSE;
}

/* admin_tell - mail kind with note to every person among the lead's
 * assignees but skip (NULL: none). */
static gboolean admin_tell(Step *s, const char *kind, const char *note, const char *skip,
                           GError **error)
{
	gboolean reveal = g_strcmp0(s->lead->status, LEAD_STATUS_OFFERED) != 0;
	g_autoptr(GPtrArray) told = g_ptr_array_new_with_free_func(g_free);

	for (guint i = 0; i < s->lead->assignees->len; i++)
		g_ptr_array_add(told, g_strdup(s->lead->assignees->pdata[i]));
	for (guint i = 0; i < told->len; i++) {
		const char *who = told->pdata[i];
		if (g_str_has_prefix(who, "server:") || g_strcmp0(who, skip) == 0)
			continue;
		if (!step_notify(s, who, kind, note, reveal, NULL, error))
			return FALSE;
	}
	return TRUE;
}

/* admin_reassign - take the lead from its assignees, offer it to one. */
static gboolean admin_reassign(const Admin *a, Step *s, GError **error)
{
	const LrUser *to = lr_config_user(s->cfg, a->arg);
	const char *to_list[] = {a->arg, NULL};
	const char *st = s->lead->status;
	g_autofree char *from = NULL, *detail = NULL, *why = NULL;

	if (to == NULL)
		return admin_refuse(error, a->id, "cannot go to an unknown user: ", a->arg);
	if (g_strcmp0(st, LEAD_STATUS_OFFERED) != 0 && g_strcmp0(st, LEAD_STATUS_ACCEPTED) != 0 &&
	    g_strcmp0(st, LEAD_STATUS_UNROUTED) != 0)
		return admin_refuse(error, a->id, "cannot be reassigned: it is ", st);
	if (s->lead->assignees->len == 1 && step_is_assignee(s->lead, a->arg))
		return admin_refuse(error, a->id, "is held by that user already: ", a->arg);
	g_ptr_array_add(s->lead->assignees, NULL);
	from = g_strjoinv(",", (char **)s->lead->assignees->pdata);
	g_ptr_array_remove_index(s->lead->assignees, s->lead->assignees->len - 1);
	detail = g_strdup_printf("from=%s to=%s", from, a->arg);
	why = g_strdup_printf("reassigned to %s by %s", to->name, a->actor);
	lead_meta_set(s->lead, META_REASON, why);
	if (!admin_has(s->lead->holders, a->arg))
		g_ptr_array_add(s->lead->holders, g_strdup(a->arg));
	return step_event(s, "reassigned", a->actor, detail, error) &&
	       admin_tell(s, "revoked", NULL, a->arg, error) &&
	       step_assign(s, to_list, "new-lead", NULL, error);
}

/* admin_close - won or lost, by hand. */
static gboolean admin_close(const Admin *a, Step *s, GError **error)
{
	g_autofree char *note =
	    g_strdup_printf("lead %" G_GUINT64_FORMAT " closed as %s%s%s by %s", a->id, a->arg,
	                    a->detail ? " " : "", a->detail ? a->detail : "", a->actor);

	if (g_strcmp0(s->lead->status, LEAD_STATUS_CLOSED) == 0 ||
	    g_strcmp0(s->lead->status, LEAD_STATUS_NOT_LEAD) == 0)
		return admin_refuse(error, a->id, "cannot be closed: it is ", s->lead->status);
	lead_set_str(&s->lead->stage, a->arg);
	if (a->detail != NULL)
		lead_meta_set(s->lead,
		              strcmp(a->arg, LEAD_STAGE_WON) == 0 ? "won_amount" : "lost_reason",
		              a->detail);
	for (guint i = 0; i < s->lead->assignees->len; i++)
		if (!step_open_adjust(s, s->lead->assignees->pdata[i], -1, error))
			return FALSE;
	lead_set_str(&s->lead->status, LEAD_STATUS_CLOSED);
	return step_event(s, a->arg, a->actor, a->detail, error) &&
	       admin_tell(s, "confirm", note, NULL, error);
}

/* admin_note - a note on the lead's history, told to its assignees. */
static gboolean admin_note(const Admin *a, Step *s, GError **error)
{
	g_autofree char *note = g_strdup_printf("note by %s: %s", a->actor, a->arg);

	return step_event(s, "note", a->actor, a->arg, error) &&
	       admin_tell(s, "confirm", note, NULL, error);
}

/* admin_txn - QueueTxnFunc: read the lead, change it, store it. */
static gboolean admin_txn(LrTxn *txn, gpointer data, GError **error)
{
	Admin *a = data;
	g_autoptr(LrLead) lead = queue_lead_get(a->r->q, txn, a->id, error);
	Step s = {.r = a->r,
	          .cfg = a->r->cfg,
	          .txn = txn,
	          .now = g_get_real_time(),
	          .logs = a->logs,
	          .lead = lead};
	gboolean ok;

	g_ptr_array_set_size(a->logs, 0); /* a retry tells its story afresh */
	if (lead == NULL)
		return error != NULL && *error != NULL
		           ? FALSE
		           : admin_refuse(error, a->id, "does not exist", NULL);
	if (g_strcmp0(lead->status, LEAD_STATUS_NEW) == 0)
		return admin_refuse(error, a->id, "is not routed yet", NULL);
	ok = a->op == ADMIN_REASSIGN ? admin_reassign(a, &s, error)
	     : a->op == ADMIN_CLOSE  ? admin_close(a, &s, error)
	                             : admin_note(a, &s, error);
	return ok && queue_lead_put(txn, lead, error);
}

/* admin_run - one change in one transaction; its log lines once done. */
static gboolean admin_run(Admin *a, GError **error)
{
	g_autoptr(GPtrArray) logs = g_ptr_array_new_with_free_func(step_log_free);
	gboolean ok;

	a->logs = logs;
	ok = queue_run(a->r->q, admin_txn, a, error);
	if (ok)
		step_logs_write(logs);
	return ok;
}

/* router_admin_reassign - see admin.h. */
gboolean router_admin_reassign(LrRouter *r, guint64 id, const char *user_id, const char *actor,
                               GError **error)
{
	Admin a = {.r = r, .op = ADMIN_REASSIGN, .id = id, .arg = user_id, .actor = actor};

	return admin_run(&a, error);
}

/* router_admin_close - see admin.h. */
gboolean router_admin_close(LrRouter *r, guint64 id, const char *stage, const char *arg,
                            const char *actor, GError **error)
{
	Admin a = {
	    .r = r, .op = ADMIN_CLOSE, .id = id, .arg = stage, .detail = arg, .actor = actor};

	return admin_run(&a, error);
}

/* router_admin_note - see admin.h. */
gboolean router_admin_note(LrRouter *r, guint64 id, const char *text, const char *actor,
                           GError **error)
{
	Admin a = {.r = r, .op = ADMIN_NOTE, .id = id, .arg = text, .actor = actor};

	return admin_run(&a, error);
}
