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
#include "router/selfservice.h"
#include "router/step.h"
#include "router/workflow.h"

/* A user who sent an out-of-office or whose mail bounced is skipped this
 * long when the auto-reply names no return date. */
#define AWAY_DEFAULT (24LL * 3600 * G_USEC_PER_SEC)

/* The reply in hand, and the lead it is about. */
typedef struct {
	Step *s; /* s->lead is the reply's own record */
	LrReply *reply;
	LrLead *target;       /* the lead the token names, locked */
	const LrUser *user;   /* the verified replier */
	char *message_id;     /* the reply's Message-ID, for threading answers */
	const char *envelope; /* the envelope sender (MAIL FROM, -s), NULL when <> */
	GBytes *raw;          /* the reply as delivered */
} Reply;

/* The one answer to mail that cannot be verified (no token, a bad one, a
 * lead that is not there, a sender who is not the token's user): it tells
 * nobody which leads exist. */
#define UNVERIFIED_TEXT "This reply could not be verified."

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
	if (candidate == NULL ||
	    !token_verify(secret, len, rp->reply->token, candidate, NULL, NULL))
		return NULL;
	return lr_config_user(rp->s->cfg, candidate);
}

/* refuse - a verified reply that changes nothing: logged on its lead and
 * answered politely (robots get no answer). */
static gboolean refuse(Reply *rp, const char *why, GError **error)
{
	Step t = target_step(rp);
	const char *from = rp->reply->sender;
	g_autofree char *detail = g_strdup_printf("from=<%s> %s", from ? from : "", why);

	step_log(rp->s, TRUE, rp->target->id, "reply refused: %s", detail);
	if (!step_event(&t, "reply-refused", "workflow", detail, error))
		return FALSE;
	if (rp->reply->auto_reply || rp->reply->bounce)
		return TRUE;
	return step_mail_to(&t, rp->user->email, "refused", why, rp->message_id, error);
}

/* unverified - mail to a reply address that cannot be verified: a log
 * line (never an event: a stranger must not write on a lead by naming
 * it), and one answer for every case, only to a user's own address. */
static gboolean unverified(Reply *rp, const char *why, GError **error)
{
	const char *from = rp->reply ? rp->reply->sender : NULL;
	const LrUser *known = from ? lr_config_user_by_address(rp->s->cfg, from) : NULL;

	step_log(rp->s, TRUE, rp->s->lead->id, "reply unverified: from=<%s> envelope=<%s> %s",
	         from ? from : "", rp->envelope ? rp->envelope : "", why);
	if (known == NULL || rp->envelope == NULL || rp->reply->auto_reply || rp->reply->bounce)
		return TRUE;
	return step_mail_to(rp->s, known->email, "refused", UNVERIFIED_TEXT, rp->message_id, error);
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

/* do_reject - REJECT <reason>. */
static gboolean do_reject(Reply *rp, GError **error)
{
	Step t = target_step(rp);
	const char *why = rp->reply->argument;

	if (g_strcmp0(rp->target->status, LEAD_STATUS_OFFERED) != 0)
		return confirm(rp, "confirm", "This lead is no longer offered to you.", FALSE,
		               error);
	lead_meta_set(rp->target, META_FED_WHY, why && *why ? why : "rejected");
	return step_event(&t, "rejected", rp->user->id, why, error) &&
	       confirm(rp, "rejected", why, FALSE, error) && workflow_reroute(&t, rp->user->id, TRUE, error);
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
			lead_meta_set(
			    lead, strcmp(command, "won") == 0 ? "won_amount" : "lost_reason", arg);
		if (!step_open_adjust(&t, rp->user->id, -1, error))
			return FALSE;
	}
	return step_event(&t, command, rp->user->id, arg, error) &&
	       confirm(rp, "confirm", command, g_strcmp0(lead->status, LEAD_STATUS_OFFERED) != 0,
	               error);
}

/* away_until - when a user an auto-reply or bounce names is back: the
 * date it gives, else a day; never more than workflow.max_away ahead. */
static gint64 away_until(Reply *rp, gint64 now)
{
	LrWorkflow wf = lr_config_workflow(rp->s->cfg, rp->user);
	gint64 cap = now + wf.max_away * G_USEC_PER_SEC;
	gint64 until = rp->reply->away_until
	                   ? g_date_time_to_unix(rp->reply->away_until) * G_USEC_PER_SEC
	                   : now + AWAY_DEFAULT;

	return MIN(until, cap);
}

/* tell_away - tell a user who was just marked away, and how to come back
 * (their answer BACK to this mail's reply address). */
static gboolean tell_away(Step *t, const LrUser *user, gint64 until, const char *why,
                          GError **error)
{
	g_autofree char *when = lead_time_format(until);
	g_autofree char *note = g_strdup_printf("%s: you get no new leads until %s.", why, when);

	return step_notify(t, user->id, "away", note, FALSE, NULL, error);
}

/* do_unavailable - an out-of-office or a bounce of a notification: the
 * user is skipped until they are back (told so by mail, the first time),
 * and the lead goes on at once. */
static gboolean do_unavailable(Reply *rp, GError **error)
{
	Step t = target_step(rp);
	gint64 until = away_until(rp, t.now);
	gboolean newly = step_away(&t, rp->user->id) <= t.now;
	const char *what = rp->reply->bounce ? "bounce" : "auto-reply";
	g_autofree char *detail =
	    g_strdup_printf("%s until %" G_GINT64_FORMAT, what, until / G_USEC_PER_SEC);

	if (!step_set_away(&t, rp->user->id, until, error) ||
	    !step_event(&t, "unavailable", rp->user->id, detail, error))
		return FALSE;
	if (g_strcmp0(rp->target->status, LEAD_STATUS_OFFERED) == 0 &&
	    !workflow_reroute(&t, rp->user->id, FALSE, error))
		return FALSE;
	/* A bounce: mail to them does not arrive, telling them would bounce. */
	if (!newly || rp->reply->bounce)
		return TRUE;
	return tell_away(&t, rp->user, until, "You sent an out-of-office reply", error);
}

/* do_back - BACK: the user is available again. */
static gboolean do_back(Reply *rp, GError **error)
{
	Step t = target_step(rp);

	return step_set_away(&t, rp->user->id, 0, error) &&
	       step_event(&t, "back", rp->user->id, NULL, error) &&
	       confirm(rp, "confirm", "You are back: new leads are offered to you again.", FALSE,
	               error);
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

/* names_our_mail - does the body of a bounce (its delivery status or the
 * returned headers, not its own headers) name a notification about
 * lead_id, <lead-ID@domain> or <lead-ID.KIND.SEQ@domain>? */
static gboolean names_our_mail(GBytes *raw, guint64 lead_id, const char *domain)
{
	gsize len;
	const char *data = g_bytes_get_data(raw, &len);
	g_autofree char *text = g_ascii_strdown(data, (gssize)len);
	const char *body = strstr(text, "\n\n");
	g_autofree char *dom = g_ascii_strdown(domain ? domain : "", -1);
	g_autofree char *exact = g_strdup_printf("<lead-%" G_GUINT64_FORMAT "@%s>", lead_id, dom);
	g_autofree char *head = g_strdup_printf("<lead-%" G_GUINT64_FORMAT ".", lead_id);
	g_autofree char *tail = g_strdup_printf("@%s>", dom);

	body = body ? body : strstr(text, "\r\n\r\n");
	if (body == NULL || *dom == '\0')
		return FALSE;
	if (strstr(body, exact))
		return TRUE;
	for (const char *p = strstr(body, head); p; p = strstr(p + 1, head)) {
		const char *end = strchr(p, '>');
		const char *at = end ? g_strstr_len(p, end - p + 1, tail) : NULL;
		if (at && at + strlen(tail) == end + 1)
			return TRUE;
	}
	return FALSE;
}

/* find_bounced - a bounce counts for the assignee the token was made for
 * only when it names one of our notifications about the lead. */
static const LrUser *find_bounced(Reply *rp, guint64 lead_id)
{
	const LrUser *by_token = NULL;

	if (!names_our_mail(rp->raw, lead_id, rp->s->r->mail.domain))
		return NULL;
	for (guint i = 0; i < rp->s->cfg->users->len && by_token == NULL; i++)
		by_token = verify_user(rp, ((LrUser *)rp->s->cfg->users->pdata[i])->id);
	return by_token;
}

/* find_user - the replier, verified: From names a user, the envelope
 * sender (when not <>) has a domain of that user, and the token was made
 * for them.  A bounce is verified by find_bounced instead.  NULL with
 * *why set when it is not verified. */
static const LrUser *find_user(Reply *rp, guint64 lead_id, const char **why)
{
	const LrUser *user;

	if (rp->reply->bounce) {
		*why = "bounce names none of our notifications";
		return find_bounced(rp, lead_id);
	}
	if ((user = workflow_sender(rp->s->cfg, rp->reply, rp->envelope, why)) == NULL)
		return NULL;
	*why = "token not made for the sender";
	return verify_user(rp, user->id);
}

/* check_and_obey - the replier is verified for the lead; the command must
 * be about the current assignment, by an assignee (BACK excepted). */
static gboolean check_and_obey(Reply *rp, guint32 assignment, GError **error)
{
	if (g_strcmp0(rp->reply->command, "back") == 0 && !rp->reply->auto_reply &&
	    !rp->reply->bounce)
		return do_back(rp, error);
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
	lead_set_str(&s->lead->reason, target ? why : "unverified reply");
	lead_set_str(&s->lead->status, LEAD_STATUS_NOT_LEAD);
	if (target)
		step_meta_set_uint(s->lead, META_REPLY_TO, target);
}

/* reply_envelope - the envelope sender, NULL for <> (pipe(8) writes the
 * null sender as MAILER-DAEMON: anything without an @). */
static const char *reply_envelope(const LrLead *record)
{
	const char *e = record->sender;

	return e && strchr(e, '@') ? e : NULL;
}

/* workflow_reply - a reply to a notification.  Identity: the From address
 * must be a user's, the envelope sender's domain one of that user's, and
 * the token made for that user; the lead is looked at only after that. */
gboolean workflow_reply(Step *s, GBytes *raw, GError **error)
{
	g_autoptr(LrReply) reply = reply_parse(raw, s->lead->recipient, NULL);
	g_autoptr(LrLead) target = NULL;
	g_autofree char *mid = NULL, *detail = NULL;
	guint64 lead_id = 0;
	guint32 assignment = 0;
	const char *why = "no valid reply token";
	Reply rp = {.s = s, .reply = reply, .envelope = reply_envelope(s->lead), .raw = raw};

	mid = s->lead->message_key && !g_str_has_prefix(s->lead->message_key, "sha256:")
	          ? g_strdup(s->lead->message_key)
	          : NULL;
	rp.message_id = mid;
	mark_reply(s, 0);
	if (reply == NULL)
		return unverified(&rp, "not a mail message", error);
	if (token_is_user(reply->token))
		return selfservice_mail(s, reply, rp.envelope, mid, error);
	if (reply->token == NULL || !token_peek(reply->token, &lead_id, &assignment) ||
	    (rp.user = find_user(&rp, lead_id, &why)) == NULL)
		return unverified(&rp, why, error);
	if (lead_id == s->lead->id ||
	    (target = queue_lead_get(s->r->q, s->txn, lead_id, error)) == NULL)
		return error && *error ? FALSE : unverified(&rp, "no such lead", error);
	mark_reply(s, lead_id);
	detail = g_strdup_printf("%s from=<%s> envelope=<%s> user=%s", reply->command,
	                         reply->sender ? reply->sender : "", rp.envelope ? rp.envelope : "",
	                         rp.user->id);
	if (!step_event(s, "reply", "workflow", detail, error))
		return FALSE;
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
	return late->len == 0 || workflow_reroute(s, late->pdata[late->len - 1], TRUE, error);
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
	g_autofree char *detail =
	    g_strdup_printf("mail to <%s> refused: %s", parts[0] ? parts[0] : "",
	                    parts[0] && parts[1] ? parts[1] : "");

	gint64 cap = user ? lr_config_workflow(s->cfg, user).max_away * G_USEC_PER_SEC : 0;

	if (user == NULL)
		return step_event(s, "undeliverable", "mailer", detail, error);
	if (!step_set_away(s, user->id, s->now + MIN(AWAY_DEFAULT, cap), error) ||
	    !step_event(s, "unavailable", user->id, detail, error))
		return FALSE;
	/* The admin is where leads end when nobody else can take them: keep
	 * it there (and visible in `list`) rather than loop. */
	if (g_strcmp0(s->lead->status, LEAD_STATUS_OFFERED) != 0 ||
	    !step_is_assignee(s->lead, user->id) || user == lr_config_admin(s->cfg))
		return TRUE;
	return workflow_reroute(s, user->id, FALSE, error);
}
