/* workflow.c - replies (ACCEPT, REJECT, FORWARD, ...), deadlines and
 * reminders: what moves a lead once it has been offered. */
#include "config.h"

#include <string.h>

#include "lead/log.h"
#include "lead/lr-error.h"
#include "lead/rawmsg.h"
#include "mailer/token.h"
#include "parser/reply.h"
#include "router/router-int.h"
#include "router/step.h"
#include "router/workflow.h"

/* A user who sent an out-of-office or whose mail bounced is skipped this
 * long when the auto-reply names no return date. */
#define AWAY_DEFAULT (24LL * 3600 * G_USEC_PER_SEC)

/* The reply in hand, and the lead it is about. */
typedef struct {
	Step *s;		/* s->lead is the reply's own record */
	LrReply *reply;
	LrLead *target;		/* the lead the token names, locked */
	const LrUser *user;	/* the verified replier */
	char *message_id;	/* the reply's Message-ID, for threading answers */
} Reply;

/* names_notification - does a threading header name one of our
 * notifications, <lead-N@domain> or <lead-N.KIND.SEQ@domain>? */
static gboolean names_notification(const char *value, const char *domain)
{
	g_autofree char *folded = value ? g_ascii_strdown(value, -1) : NULL;
	g_autofree char *tail = g_ascii_strdown(domain ? domain : "", -1);
	gsize n = strlen(tail);

	for (const char *p = folded ? strstr(folded, "<lead-") : NULL; p;
	     p = strstr(p + 1, "<lead-")) {
		const char *end = strchr(p, '>');
		if (g_ascii_isdigit(p[6]) && end && n > 0 && (gsize)(end - p) > n + 7 &&
		    end[-(gssize)n - 1] == '@' && memcmp(end - n, tail, n) == 0)
			return TRUE;
	}
	return FALSE;
}

/* workflow_looks_like_reply - mail to lead+TOKEN@ (by envelope or header),
 * or a reply to one of our notifications that lost its token (sent to the
 * From address): a cheap test on the headers, never the body, so that an
 * inquiry that merely mentions such an address is still an inquiry. */
gboolean workflow_looks_like_reply(GBytes *raw, const char *recipient, const char *domain)
{
	static const char *const addressed[] = {"To", "Cc", "Delivered-To", "X-Original-To"};
	static const char *const threaded[] = {"In-Reply-To", "References"};
	gsize len;
	const char *data = g_bytes_get_data(raw, &len);

	if (recipient && g_ascii_strncasecmp(recipient, "lead+", 5) == 0)
		return TRUE;
	for (guint i = 0; i < G_N_ELEMENTS(addressed); i++) {
		g_autofree char *v = rawmsg_header(data, len, addressed[i]);
		g_autofree char *down = v ? g_ascii_strdown(v, -1) : NULL;
		if (down && strstr(down, "lead+"))
			return TRUE;
	}
	for (guint i = 0; i < G_N_ELEMENTS(threaded); i++) {
		g_autofree char *v = rawmsg_header(data, len, threaded[i]);
		if (names_notification(v, domain))
			return TRUE;
	}
	return FALSE;
}

/* target_step - a Step over the target lead (same transaction). */
static Step target_step(Reply *rp)
{
	Step t = *rp->s;

	t.lead = rp->target;
	return t;
}

/* verify_user - which current assignee the token was made for. */
static const LrUser *verify_user(Reply *rp, const char *candidate)
{
	gsize len;
	const char *secret = g_bytes_get_data(rp->s->r->secret, &len);
	guint64 lead_id;
	guint32 assignment;

	if (candidate == NULL ||
	    !token_verify(secret, len, rp->reply->token, candidate, &lead_id, &assignment) ||
	    lead_id != rp->target->id)
		return NULL;
	return lr_config_user(rp->s->cfg, candidate);
}

/* refuse - log a reply that changes nothing and answer it politely. */
static gboolean refuse(Reply *rp, const char *why, GError **error)
{
	Step t = target_step(rp);
	const char *from = rp->reply->sender;
	g_autofree char *detail = g_strdup_printf("from=<%s> %s", from ? from : "", why);

	lr_log_warn(rp->target ? rp->target->id : rp->s->lead->id, "reply refused: %s", detail);
	if (rp->target && !step_event(&t, "reply-refused", "workflow", detail, error))
		return FALSE;
	if (from == NULL || rp->reply->auto_reply || rp->reply->bounce)
		return TRUE;
	t.lead = rp->target ? rp->target : rp->s->lead;
	return step_mail_to(&t, from, "refused", why, rp->message_id, error);
}

/* confirm - tell the replier what was done. */
static gboolean confirm(Reply *rp, const char *kind, const char *note, gboolean reveal,
			GError **error)
{
	Step t = target_step(rp);

	return step_notify(&t, rp->user->id, kind, note, reveal, rp->message_id, error);
}

/* do_accept - the lead is theirs; in a broadcast, the others are told. */
static gboolean do_accept(Reply *rp, GError **error)
{
	Step t = target_step(rp);
	LrLead *lead = rp->target;
	const char *me[] = {rp->user->id, NULL};

	if (g_strcmp0(lead->status, LEAD_STATUS_ACCEPTED) == 0)
		return confirm(rp, "confirm", "This lead is already yours.", TRUE, error);
	for (guint i = 0; i < lead->assignees->len; i++) {
		const char *other = lead->assignees->pdata[i];
		if (g_strcmp0(other, rp->user->id) == 0)
			continue;
		if (!step_open_adjust(&t, other, -1, error) ||
		    !step_notify(&t, other, "taken", rp->user->name, FALSE, NULL, error))
			return FALSE;
	}
	lead_list_set(lead->assignees, me);
	lead_set_str(&lead->status, LEAD_STATUS_ACCEPTED);
	lead_meta_set(lead, META_DEADLINE, NULL);
	return step_event(&t, "accepted", rp->user->id, NULL, error) &&
	       confirm(rp, "accepted", NULL, TRUE, error);
}

/* escalate - after too many rejections: the manager of who rejected last,
 * else the admin. */
static gboolean escalate(Step *t, const char *last, GError **error)
{
	const LrUser *to = lr_config_user_manager(t->cfg, last);
	const char *one[2] = {NULL, NULL};

	if (to == NULL || g_strcmp0(to->id, last) == 0)
		to = lr_config_admin(t->cfg);
	if (to == NULL)
		return step_route(t, error);
	one[0] = to->id;
	if (!step_event(t, "escalated", "workflow", to->id, error))
		return FALSE;
	g_ptr_array_add(t->lead->holders, g_strdup(to->id));
	return step_assign(t, one, "escalation", "rejected too often", error);
}

/* remove_assignee - drop one user from the assignees. */
static void remove_assignee(LrLead *lead, const char *user_id)
{
	for (guint i = 0; i < lead->assignees->len; i++) {
		if (g_strcmp0(lead->assignees->pdata[i], user_id) == 0) {
			g_ptr_array_remove_index(lead->assignees, i);
			return;
		}
	}
}

/* reroute - the assignee gave the lead back (reject, timeout, away): drop
 * them from a broadcast, else route again or escalate. */
static gboolean reroute(Step *t, const char *user_id, gboolean counts, GError **error)
{
	LrLead *lead = t->lead;
	guint64 n = step_meta_uint(lead, META_REJECTIONS) + (counts ? 1 : 0);
	LrWorkflow wf = lr_config_workflow(t->cfg, lr_config_user(t->cfg, user_id));

	step_list_add(lead, META_REJECTED, user_id);
	step_meta_set_uint(lead, META_REJECTIONS, n);
	if (lead_meta_get(lead, META_BROADCAST) && lead->assignees->len > 1) {
		remove_assignee(lead, user_id);
		return step_open_adjust(t, user_id, -1, error);
	}
	if (counts && wf.max_rejections > 0 && n >= (guint64)wf.max_rejections)
		return escalate(t, user_id, error);
	return step_route(t, error);
}

/* do_reject - REJECT <reason>. */
static gboolean do_reject(Reply *rp, GError **error)
{
	Step t = target_step(rp);
	const char *why = rp->reply->argument;

	if (g_strcmp0(rp->target->status, LEAD_STATUS_OFFERED) != 0)
		return confirm(rp, "confirm", "This lead is no longer offered to you.", FALSE,
			       error);
	return step_event(&t, "rejected", rp->user->id, why, error) &&
	       confirm(rp, "rejected", why, FALSE, error) &&
	       reroute(&t, rp->user->id, TRUE, error);
}

/* forward_target - the user a FORWARD names (id or address). */
static const LrUser *forward_target(const LrConfig *cfg, const char *argument, char **note)
{
	g_auto(GStrv) words = g_strsplit_set(argument ? argument : "", " \t", 2);
	const LrUser *user;

	if (words[0] == NULL || *words[0] == '\0')
		return NULL;
	user = lr_config_user(cfg, words[0]);
	if (user == NULL)
		user = lr_config_user_by_address(cfg, words[0]);
	*note = g_strdup(words[1] ? g_strstrip(words[1]) : "");
	return user;
}

/* do_forward - FORWARD <user> [note], within the forwarder's scope. */
static gboolean do_forward(Reply *rp, GError **error)
{
	Step t = target_step(rp);
	g_autofree char *note = NULL;
	const LrUser *to = forward_target(rp->s->cfg, rp->reply->argument, &note);
	const char *one[2] = {NULL, NULL};
	g_autofree char *detail = NULL, *why = NULL;

	if (to == NULL) {
		why = g_strdup_printf("FORWARD needs a user: \"%s\" is nobody here.",
				      rp->reply->argument);
		return confirm(rp, "refused", why, FALSE, error);
	}
	if (!lr_config_may_route(rp->s->cfg, rp->user->id, to->id)) {
		why = g_strdup_printf("You may not forward leads to %s.", to->id);
		return step_event(&t, "forward-refused", rp->user->id, to->id, error) &&
		       confirm(rp, "refused", why, FALSE, error);
	}
	one[0] = to->id;
	detail = g_strdup_printf("to=%s note=%s", to->id, note);
	g_ptr_array_add(rp->target->holders, g_strdup(to->id));
	return step_event(&t, "forwarded", rp->user->id, detail, error) &&
	       confirm(rp, "forwarded", to->name, FALSE, error) &&
	       step_assign(&t, one, "new-lead", *note ? note : NULL, error);
}

/* do_stage - CONTACTED, WON, LOST, NOTE by the one who accepted. */
static gboolean do_stage(Reply *rp, const char *command, GError **error)
{
	Step t = target_step(rp);
	LrLead *lead = rp->target;
	const char *arg = rp->reply->argument;

	if (g_strcmp0(lead->status, LEAD_STATUS_ACCEPTED) != 0 &&
	    g_strcmp0(lead->status, LEAD_STATUS_CLOSED) != 0 && strcmp(command, "note") != 0)
		return confirm(rp, "confirm", "Please ACCEPT the lead first.", FALSE, error);
	if (strcmp(command, "contacted") == 0)
		lead_set_str(&lead->stage, LEAD_STAGE_CONTACTED);
	if (strcmp(command, "won") == 0 || strcmp(command, "lost") == 0) {
		lead_set_str(&lead->stage, command);
		lead_set_str(&lead->status, LEAD_STATUS_CLOSED);
		if (arg && *arg)
			lead_meta_set(lead, strcmp(command, "won") == 0 ? "won_amount" : "lost_reason",
				      arg);
		if (!step_open_adjust(&t, rp->user->id, -1, error))
			return FALSE;
	}
	return step_event(&t, command, rp->user->id, arg, error) &&
	       confirm(rp, "confirm", command, g_strcmp0(lead->status, LEAD_STATUS_OFFERED) != 0,
		       error);
}

/* do_unavailable - an out-of-office or a bounce of a notification: the
 * user is skipped until they are back, and the lead goes on at once. */
static gboolean do_unavailable(Reply *rp, GError **error)
{
	Step t = target_step(rp);
	gint64 until = rp->reply->away_until ? g_date_time_to_unix(rp->reply->away_until) *
						       G_USEC_PER_SEC
					     : t.now + AWAY_DEFAULT;
	g_autofree char *detail = g_strdup_printf("%s until %" G_GINT64_FORMAT,
						  rp->reply->bounce ? "bounce" : "auto-reply",
						  until / G_USEC_PER_SEC);

	if (!step_set_away(&t, rp->user->id, until, error) ||
	    !step_event(&t, "unavailable", rp->user->id, detail, error))
		return FALSE;
	if (g_strcmp0(rp->target->status, LEAD_STATUS_OFFERED) != 0)
		return TRUE;
	return reroute(&t, rp->user->id, FALSE, error);
}

/* obey - run a verified command. */
static gboolean obey(Reply *rp, GError **error)
{
	const char *c = rp->reply->command;

	if (rp->reply->auto_reply || rp->reply->bounce)
		return do_unavailable(rp, error);
	if (g_strcmp0(c, "accept") == 0)
		return do_accept(rp, error);
	if (g_strcmp0(c, "reject") == 0)
		return do_reject(rp, error);
	if (g_strcmp0(c, "forward") == 0)
		return do_forward(rp, error);
	if (g_strcmp0(c, "contacted") == 0 || g_strcmp0(c, "won") == 0 ||
	    g_strcmp0(c, "lost") == 0 || g_strcmp0(c, "note") == 0)
		return do_stage(rp, c, error);
	return confirm(rp, "help", NULL, FALSE, error);
}

/* find_user - the verified replier: the sender's user, or for an
 * auto-reply or bounce (sent by a robot), the assignee the token names. */
static const LrUser *find_user(Reply *rp)
{
	const LrUser *by_addr = lr_config_user_by_address(rp->s->cfg, rp->reply->sender);

	if (by_addr)
		return verify_user(rp, by_addr->id);
	if (!rp->reply->auto_reply && !rp->reply->bounce)
		return NULL;
	for (guint i = 0; i < rp->target->assignees->len; i++) {
		const LrUser *u = verify_user(rp, rp->target->assignees->pdata[i]);
		if (u)
			return u;
	}
	return NULL;
}

/* check_and_obey - the token must verify for the sender, name the current
 * assignment, and the sender must be an assignee. */
static gboolean check_and_obey(Reply *rp, guint32 assignment, GError **error)
{
	rp->user = find_user(rp);
	if (rp->user == NULL)
		return refuse(rp, "This reply could not be verified.", error);
	if (assignment != step_meta_uint(rp->target, META_ASSIGNMENT) ||
	    !step_is_assignee(rp->target, rp->user->id))
		return refuse(rp, "This lead is no longer assigned to you.", error);
	return obey(rp, error);
}

/* mark_reply - the reply's own record is not a lead. */
static void mark_reply(Step *s, guint64 target)
{
	g_autofree char *why = g_strdup_printf("reply to lead %" G_GUINT64_FORMAT, target);

	s->lead->is_lead = FALSE;
	lead_set_str(&s->lead->reason, why);
	lead_set_str(&s->lead->status, LEAD_STATUS_NOT_LEAD);
	step_meta_set_uint(s->lead, META_REPLY_TO, target);
}

/* workflow_reply - a reply to a notification. */
gboolean workflow_reply(Step *s, GBytes *raw, GError **error)
{
	g_autoptr(LrReply) reply = reply_parse(raw, s->lead->recipient, NULL);
	g_autoptr(LrLead) target = NULL;
	g_autofree char *mid = NULL;
	guint64 lead_id = 0;
	guint32 assignment = 0;
	Reply rp = {s, reply, NULL, NULL, NULL};

	mid = s->lead->message_key && !g_str_has_prefix(s->lead->message_key, "sha256:")
		      ? g_strdup(s->lead->message_key)
		      : NULL;
	rp.message_id = mid;
	if (reply == NULL || reply->token == NULL ||
	    !token_peek(reply->token, &lead_id, &assignment)) {
		mark_reply(s, 0);
		return step_event(s, "reply-refused", "workflow", "no valid reply token", error) &&
		       (reply == NULL ||
			refuse(&rp, "This reply was not sent to the reply address of a notification.", error));
	}
	mark_reply(s, lead_id);
	if (!step_event(s, "reply", "workflow", reply->command, error))
		return FALSE;
	if (lead_id == s->lead->id ||
	    (target = queue_lead_get(s->r->q, s->txn, lead_id, error)) == NULL)
		return error && *error ? FALSE : refuse(&rp, "This lead does not exist.", error);
	rp.target = target;
	return check_and_obey(&rp, assignment, error) && queue_lead_put(s->txn, target, error);
}

/* current_timer - is the step's timer about the current offer? */
static gboolean current_timer(Step *s)
{
	return g_strcmp0(s->lead->status, LEAD_STATUS_OFFERED) == 0 &&
	       g_strcmp0(s->job->arg, lead_meta_get(s->lead, META_ASSIGNMENT)) == 0;
}

/* workflow_deadline - nobody accepted in time: take it back, go on. */
gboolean workflow_deadline(Step *s, GError **error)
{
	g_autoptr(GPtrArray) late = NULL;

	if (!current_timer(s))
		return TRUE;
	late = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < s->lead->assignees->len; i++)
		g_ptr_array_add(late, g_strdup(s->lead->assignees->pdata[i]));
	if (!step_event(s, "timeout", "workflow", NULL, error))
		return FALSE;
	for (guint i = 0; i < late->len; i++)
		if (!step_notify(s, late->pdata[i], "revoked", "no answer in time", FALSE, NULL,
				 error))
			return FALSE;
	for (guint i = 0; i + 1 < late->len; i++)
		step_list_add(s->lead, META_REJECTED, late->pdata[i]);
	lead_meta_set(s->lead, META_BROADCAST, NULL);
	return late->len == 0 || reroute(s, late->pdata[late->len - 1], TRUE, error);
}

/* workflow_remind - still no answer: remind the assignees once. */
gboolean workflow_remind(Step *s, GError **error)
{
	if (!current_timer(s))
		return TRUE;
	for (guint i = 0; i < s->lead->assignees->len; i++)
		if (!step_notify(s, s->lead->assignees->pdata[i], "reminder", NULL, FALSE, NULL,
				 error))
			return FALSE;
	return step_event(s, "reminded", "workflow", NULL, error);
}

/* workflow_undeliverable - the relay refused a notification for good: the
 * person it was for cannot be reached, so they are skipped for a while and
 * a lead still offered to them goes on at once. */
gboolean workflow_undeliverable(Step *s, GError **error)
{
	g_auto(GStrv) parts = g_strsplit(s->job->arg ? s->job->arg : "", " ", 2);
	const LrUser *user = parts[0] ? lr_config_user_by_address(s->cfg, parts[0]) : NULL;
	g_autofree char *detail = g_strdup_printf("mail to <%s> refused: %s",
						  parts[0] ? parts[0] : "",
						  parts[0] && parts[1] ? parts[1] : "");

	if (user == NULL)
		return step_event(s, "undeliverable", "mailer", detail, error);
	if (!step_set_away(s, user->id, s->now + AWAY_DEFAULT, error) ||
	    !step_event(s, "unavailable", user->id, detail, error))
		return FALSE;
	/* The admin is where leads end when nobody else can take them: keep
	 * it there (and visible in `list`) rather than loop. */
	if (g_strcmp0(s->lead->status, LEAD_STATUS_OFFERED) != 0 ||
	    !step_is_assignee(s->lead, user->id) || user == lr_config_admin(s->cfg))
		return TRUE;
	return reroute(s, user->id, FALSE, error);
}
