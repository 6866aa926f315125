/* selfservice.c - mail to a user's command address lead+u-TOKEN@domain:
 * the user (or their manager) asks for their open leads, goes away, comes
 * back, sets their capacity or reads their rules, without an admin. */
#include "config.h"

#include <string.h>

#include "lead/log.h"
#include "lead/lr-error.h"
#include "mailer/token.h"
#include "router/router-int.h"
#include "router/selfservice.h"
#include "router/step.h"
#include "router/workflow.h"

/* Lead 0 holds the events that are about users (see router/away.c). */
#define SELF_EVENT_LEAD 0

/* A rule file longer than this is cut in the RULES answer. */
#define SELF_RULES_MAX (64 * 1024)

/* The one answer to a command that cannot be verified. */
#define SELF_UNVERIFIED_TEXT "This command could not be verified."

/* The command mail in hand. */
typedef struct {
	Step *s; /* s->lead is the command mail's own record */
	const LrReply *reply;
	const LrUser *user;     /* the verified sender */
	const char *message_id; /* of the command mail, for threading the answer */
	char *word;             /* the command, upper case */
	char *arg;              /* the rest of its line, trimmed */
} SelfMail;

/* A walk over the open leads of one user or of a manager's team. */
typedef struct {
	SelfMail *sm;
	const LrUser *who;
	gboolean team;   /* the leads of the users who manages */
	GString *lines;  /* STATUS lines */
	GArray *offered; /* guint64 ids of leads offered to who (AWAY) */
	guint count;
} SelfScan;

/* self_first_word - the first word of the first non-blank line of text
 * (upper case, trailing punctuation dropped) and the rest of that line. */
static void self_first_word(const char *text, char **word, char **arg)
{
	g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);
	const char *line = "";
	char *sp;
	g_autofree char *copy = NULL;

	for (guint i = 0; lines[i]; i++) {
		if (*g_strstrip(lines[i])) {
			line = lines[i];
			break;
		}
	}
	copy = g_strdup(line);
	sp = strpbrk(copy, " \t");
	*arg = g_strstrip(g_strdup(sp ? sp : ""));
	if (sp)
		*sp = '\0';
	g_strchomp(g_strdelimit(copy, ".,:;!", ' '));
	*word = g_ascii_strup(copy, -1);
}

/* self_history - an event in user_id's history (lead 0, "user=ID ..."). */
static gboolean self_history(SelfMail *sm, const char *type, const char *user_id, const char *rest,
                             GError **error)
{
	g_autofree char *detail = rest && *rest ? g_strdup_printf("user=%s %s", user_id, rest)
	                                        : g_strdup_printf("user=%s", user_id);
	g_autoptr(LrEvent) ev = lead_event_new(type, sm->user->id, detail);

	ev->at = sm->s->now;
	step_log(sm->s, FALSE, sm->s->lead->id, "command=%s event=%s %s", sm->word, type, detail);
	return queue_event_add(sm->s->txn, SELF_EVENT_LEAD, ev, error);
}

/* self_answer - the command's answer to the sender, through the outbox. */
static gboolean self_answer(SelfMail *sm, const char *note, GError **error)
{
	return step_mail_to(sm->s, sm->user->email, "command", note, sm->message_id, error);
}

/* self_manages - does manager manage user (its derived manager)? */
static gboolean self_manages(const LrUser *manager, const LrUser *user)
{
	return user && user->manager && strcmp(user->manager, manager->id) == 0;
}

/* self_title - a short name for a lead: its subject, else its product. */
static const char *self_title(const LrLead *lead)
{
	const char *product = lead_field_get(lead, "product");

	if (lead->subject && *lead->subject)
		return lead->subject;
	return product && *product ? product : "New inquiry";
}

/* self_status_line - one open lead for STATUS: id, state, deadline, title
 * and the assignee's reply address for it. */
static void self_status_line(SelfScan *sc, const LrLead *lead, const char *assignee)
{
	Step *s = sc->sm->s;
	gsize len;
	const char *secret = g_bytes_get_data(s->r->secret, &len);
	const char *deadline = lead_meta_get(lead, META_DEADLINE);
	gboolean offered = g_strcmp0(lead->status, LEAD_STATUS_OFFERED) == 0;
	g_autofree char *when =
	    offered && deadline ? lead_time_format(g_ascii_strtoll(deadline, NULL, 10)) : NULL;
	g_autofree char *token = token_make(
	    secret, len, lead->id, (guint32)step_meta_uint(lead, META_ASSIGNMENT), assignee);

	if (sc->team)
		g_string_append_printf(sc->lines, "%s: ", assignee);
	g_string_append_printf(sc->lines, "Lead %" G_GUINT64_FORMAT " %s", lead->id, lead->status);
	if (when)
		g_string_append_printf(sc->lines, ", answer by %s", when);
	else if (lead->stage && *lead->stage)
		g_string_append_printf(sc->lines, ", stage %s", lead->stage);
	g_string_append_printf(sc->lines, ": %s - reply to lead+%s@%s\n", self_title(lead), token,
	                       s->r->mail.domain);
}

/* self_scan_one - QueueLeadFunc: note a lead open for the scanned user(s). */
static gboolean self_scan_one(const LrLead *lead, gpointer data)
{
	SelfScan *sc = data;
	gboolean offered = g_strcmp0(lead->status, LEAD_STATUS_OFFERED) == 0;

	if (!offered && g_strcmp0(lead->status, LEAD_STATUS_ACCEPTED) != 0)
		return TRUE;
	for (guint i = 0; i < lead->assignees->len; i++) {
		const char *a = lead->assignees->pdata[i];
		gboolean mine = strcmp(a, sc->who->id) == 0;

		if (sc->team ? !self_manages(sc->who, lr_config_user(sc->sm->s->cfg, a)) : !mine)
			continue;
		if (sc->lines)
			self_status_line(sc, lead, a);
		if (sc->offered && offered)
			g_array_append_val(sc->offered, lead->id);
		sc->count++;
	}
	return TRUE;
}

/* self_scan - walk the open leads (inside the job's transaction). */
static gboolean self_scan(SelfScan *sc, GError **error)
{
	return queue_leads_foreach_txn(sc->sm->s->r->q, sc->sm->s->txn, self_scan_one, sc, error);
}

/* self_status - STATUS (my open leads) or STATUS TEAM (my team's). */
static gboolean self_status(SelfMail *sm, GError **error)
{
	gboolean team = g_ascii_strncasecmp(sm->arg, "team", 4) == 0;
	g_autoptr(GString) lines = g_string_new(NULL);
	SelfScan sc = {sm, sm->user, team, lines, NULL, 0};
	g_autofree char *note = NULL;

	if (!self_scan(&sc, error) ||
	    !self_history(sm, "user-status", sm->user->id, team ? "team" : NULL, error))
		return FALSE;
	note = g_strdup_printf("%s: %u open lead%s.\n%s", team ? "Your team" : "You", sc.count,
	                       sc.count == 1 ? "" : "s", lines->str);
	return self_answer(sm, note, error);
}

/* self_away_target - AWAY's user: the sender, or a user the sender manages
 * named as the argument's first word (taken off *rest). */
static const LrUser *self_away_target(SelfMail *sm, const char **rest)
{
	g_autofree char *first = g_strdup(sm->arg);
	char *sp = strpbrk(first, " \t");
	const LrUser *named;

	*rest = sm->arg;
	if (sp)
		*sp = '\0';
	named = *first ? lr_config_user(sm->s->cfg, first) : NULL;
	if (named == NULL || named == sm->user)
		return sm->user;
	if (!self_manages(sm->user, named))
		return NULL;
	*rest = sm->arg + strlen(first);
	while (**rest == ' ' || **rest == '\t')
		(*rest)++;
	return named;
}

/* self_until - AWAY's return time: the date rest names, else
 * workflow.max_away from now; -1 for a date that is not in the future. */
static gint64 self_until(SelfMail *sm, const LrUser *target, const char *rest)
{
	g_autoptr(GDateTime) now = g_date_time_new_from_unix_local(sm->s->now / G_USEC_PER_SEC);
	g_autoptr(GDateTime) date = *rest ? reply_until(rest, now) : NULL;
	LrWorkflow wf = lr_config_workflow(sm->s->cfg, target);
	gint64 until;

	if (date == NULL)
		return sm->s->now + wf.max_away * G_USEC_PER_SEC;
	until = g_date_time_to_unix(date) * G_USEC_PER_SEC;
	return until > sm->s->now ? until : -1;
}

/* self_move_offer - give one offered lead of target back (AWAY). */
static gboolean self_move_offer(SelfMail *sm, const LrUser *target, guint64 id, GError **error)
{
	g_autoptr(LrLead) lead = queue_lead_get(sm->s->r->q, sm->s->txn, id, error);
	g_autofree char *detail = g_strdup_printf("user=%s by %s", target->id, sm->user->id);
	Step t = *sm->s;

	if (lead == NULL)
		return error == NULL || *error == NULL;
	if (g_strcmp0(lead->status, LEAD_STATUS_OFFERED) != 0 ||
	    !step_is_assignee(lead, target->id))
		return TRUE;
	t.lead = lead;
	return step_event(&t, "away", target->id, detail, error) &&
	       workflow_give_back(&t, target->id, error) && queue_lead_put(t.txn, lead, error);
}

/* self_away_note - what AWAY did, for the sender (and the user). */
static char *self_away_note(SelfMail *sm, const LrUser *target, gint64 until, guint moved)
{
	g_autofree char *when = lead_time_format(until);

	g_autofree char *who =
	    target == sm->user ? g_strdup("You are") : g_strdup_printf("%s is", target->id);

	return g_strdup_printf("%s away until %s: no new leads until then; %u open offer%s "
	                       "moved on. Mail BACK to the command address to come back sooner.",
	                       who, when, moved, moved == 1 ? "" : "s");
}

/* self_away - AWAY [USER] [until DATE] [note]: skipped until the date,
 * the open offers move on at once. */
static gboolean self_away(SelfMail *sm, GError **error)
{
	const char *rest = NULL;
	const LrUser *target = self_away_target(sm, &rest);
	g_autoptr(GArray) offered = g_array_new(FALSE, FALSE, sizeof(guint64));
	SelfScan sc = {sm, target, FALSE, NULL, offered, 0};
	g_autofree char *detail = NULL, *note = NULL;
	gint64 until;

	if (target == NULL)
		return self_answer(sm, "You can send away only yourself and the people you manage.",
		                   error);
	if ((until = self_until(sm, target, rest)) < 0)
		return self_answer(sm, "AWAY: that date is not in the future.", error);
	detail = g_strdup_printf("until %" G_GINT64_FORMAT " by mail%s%s", until / G_USEC_PER_SEC,
	                         *rest ? ": " : "", rest);
	if (!step_set_away(sm->s, target->id, until, error) ||
	    !self_history(sm, "user-away", target->id, detail, error) || !self_scan(&sc, error))
		return FALSE;
	for (guint i = 0; i < offered->len; i++)
		if (!self_move_offer(sm, target, g_array_index(offered, guint64, i), error))
			return FALSE;
	note = self_away_note(sm, target, until, offered->len);
	if (target != sm->user && !step_mail_to(sm->s, target->email, "command", note, NULL, error))
		return FALSE;
	return self_answer(sm, note, error);
}

/* self_back - BACK: available again. */
static gboolean self_back(SelfMail *sm, GError **error)
{
	return step_set_away(sm->s, sm->user->id, 0, error) &&
	       self_history(sm, "user-back", sm->user->id, "by mail", error) &&
	       self_answer(sm, "You are back: new leads are offered to you again.", error);
}

/* self_open_count - the user's open leads (the router's count). */
static guint64 self_open_count(SelfMail *sm)
{
	g_autofree char *key = g_strconcat("open:", sm->user->id, NULL);
	g_autofree char *value = NULL;

	if (!queue_state_get(sm->s->r->q, sm->s->txn, key, &value, NULL) || value == NULL)
		return 0;
	return g_ascii_strtoull(value, NULL, 10);
}

/* self_capacity_note - the answer to a CAPACITY that was obeyed. */
static char *self_capacity_note(SelfMail *sm, gboolean reset, guint64 n)
{
	guint64 open = self_open_count(sm);
	int cap = reset ? sm->user->capacity : (int)n;

	if (cap <= 0)
		return g_strdup_printf(
		    "Your capacity%s: no limit. You have %" G_GUINT64_FORMAT " open lead%s.",
		    reset ? " is the configured one again" : " is now", open, open == 1 ? "" : "s");
	return g_strdup_printf("Your capacity%s: %d open leads; no new leads while you have "
	                       "that many. You have %" G_GUINT64_FORMAT " open now.",
	                       reset ? " is the configured one again" : " is now", cap, open);
}

/* self_capacity - CAPACITY N: at most N open leads (0: no limit), or
 * CAPACITY DEFAULT: the configured capacity again. */
static gboolean self_capacity(SelfMail *sm, GError **error)
{
	g_autofree char *key = g_strconcat(ROUTER_CAPACITY_PREFIX, sm->user->id, NULL);
	g_autofree char *first = g_strdup(sm->arg), *value = NULL, *detail = NULL, *note = NULL;
	char *sp = strpbrk(first, " \t");
	gboolean reset;
	guint64 n = 0;

	if (sp != NULL)
		*sp = '\0';
	reset = g_ascii_strcasecmp(first, "default") == 0;
	if (!reset && !g_ascii_string_to_unsigned(first, 10, 0, ROUTER_CAPACITY_MAX, &n, NULL)) {
		note = g_strdup_printf("CAPACITY takes a number of open leads from 0 (no limit) "
		                       "to %d, or DEFAULT (the configured capacity); '%s' is "
		                       "neither. Nothing changed.",
		                       ROUTER_CAPACITY_MAX, first);
		return self_answer(sm, note, error);
	}
	value = reset ? NULL : g_strdup_printf("%" G_GUINT64_FORMAT, n);
	detail = g_strdup_printf("capacity=%s by mail", reset ? "default" : value);
	if (!queue_state_put(sm->s->txn, key, value, error) ||
	    !self_history(sm, "user-capacity", sm->user->id, detail, error))
		return FALSE;
	note = self_capacity_note(sm, reset, n);
	return self_answer(sm, note, error);
}

/* self_rules_path - the user's rule file as a path: relative to the
 * folder of the configuration file.  New string, or NULL. */
static char *self_rules_path(const LrConfig *cfg, const LrUser *user)
{
	g_autofree char *dir = NULL;

	if (user->rules_file == NULL)
		return NULL;
	if (g_path_is_absolute(user->rules_file) || cfg->file == NULL)
		return g_strdup(user->rules_file);
	dir = g_path_get_dirname(cfg->file);
	return g_build_filename(dir, user->rules_file, NULL);
}

/* self_rules - RULES: the user's rule file, read-only. */
static gboolean self_rules(SelfMail *sm, GError **error)
{
	g_autofree char *path = self_rules_path(sm->s->cfg, sm->user);
	g_autofree char *text = NULL, *note = NULL;
	gsize len = 0;

	if (!self_history(sm, "user-rules", sm->user->id, NULL, error))
		return FALSE;
	if (path == NULL)
		return self_answer(sm,
		                   "You have no rule file of your own: the server's rules "
		                   "route your leads.",
		                   error);
	if (!g_file_get_contents(path, &text, &len, NULL) || !g_utf8_validate(text, len, NULL)) {
		step_log(sm->s, TRUE, sm->s->lead->id, "rules=%s unreadable", path);
		return self_answer(sm, "Your rule file cannot be read just now; ask an admin.",
		                   error);
	}
	if (len > SELF_RULES_MAX) {
		const char *end = NULL;

		g_utf8_validate(text, SELF_RULES_MAX, &end);
		text[end - text] = '\0';
	}
	note = g_strdup_printf("Your rule file (%s; ask an admin to change it):\n\n%s",
	                       sm->user->rules_file, text);
	return self_answer(sm, note, error);
}

/* self_obey - run the verified command. */
static gboolean self_obey(SelfMail *sm, GError **error)
{
	const char *w = sm->word;

	if (strcmp(w, "STATUS") == 0)
		return self_status(sm, error);
	if (strcmp(w, "AWAY") == 0)
		return self_away(sm, error);
	if (strcmp(w, "BACK") == 0)
		return self_back(sm, error);
	if (strcmp(w, "RULES") == 0)
		return self_rules(sm, error);
	if (strcmp(w, "CAPACITY") == 0)
		return self_capacity(sm, error);
	if (!self_history(sm, "user-help", sm->user->id, NULL, error))
		return FALSE;
	return step_mail_to(sm->s, sm->user->email, "help",
	                    *w && strcmp(w, "HELP") != 0 ? "That command is not one of these."
	                                                 : NULL,
	                    sm->message_id, error);
}

/* self_unverified - a command that cannot be verified: a log line (never
 * an event), and one answer, only to a user's own address. */
static gboolean self_unverified(Step *s, const LrReply *reply, const char *envelope,
                                const char *message_id, const char *why, GError **error)
{
	const char *from = reply->sender;
	const LrUser *known = from ? lr_config_user_by_address(s->cfg, from) : NULL;

	step_log(s, TRUE, s->lead->id, "command unverified: from=<%s> envelope=<%s> %s",
	         from ? from : "", envelope ? envelope : "", why);
	if (known == NULL || envelope == NULL || reply->auto_reply || reply->bounce)
		return TRUE;
	return step_mail_to(s, known->email, "refused", SELF_UNVERIFIED_TEXT, message_id, error);
}

/* selfservice_mail - see selfservice.h. */
gboolean selfservice_mail(Step *s, LrReply *reply, const char *envelope, const char *message_id,
                          GError **error)
{
	gsize len;
	const char *secret = g_bytes_get_data(s->r->secret, &len);
	const char *why = "token not made for the sender";
	SelfMail sm = {s, reply, NULL, message_id, NULL, NULL};
	g_autofree char *reason = NULL, *detail = NULL;
	gboolean ok;

	if (reply->auto_reply || reply->bounce) {
		step_log(s, FALSE, s->lead->id, "command ignored: %s",
		         reply->bounce ? "bounce" : "auto-reply");
		return TRUE;
	}
	sm.user = workflow_sender(s->cfg, reply, envelope, &why);
	if (sm.user == NULL || !token_user_verify(secret, len, reply->token, sm.user->id))
		return self_unverified(s, reply, envelope, message_id,
		                       sm.user ? "token not made for the sender" : why, error);
	self_first_word(reply->text, &sm.word, &sm.arg);
	reason = g_strdup_printf("command from %s", sm.user->id);
	lead_set_str(&s->lead->reason, reason);
	detail = g_strdup_printf("%s from=<%s> user=%s", *sm.word ? sm.word : "(none)",
	                         reply->sender, sm.user->id);
	ok = step_event(s, "command", "workflow", detail, error) && self_obey(&sm, error);
	g_free(sm.word);
	g_free(sm.arg);
	return ok;
}
