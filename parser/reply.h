/* reply.h - what a sales rep wrote when replying to a lead notification:
 * the command (ACCEPT, REJECT <reason>, FORWARD <user>...), the reply token
 * of the address it was sent to, and whether a person wrote it at all. */
#ifndef LR_REPLY_H
#define LR_REPLY_H

#include <glib.h>

typedef struct {
	char *command;         /* "accept" "reject" "forward" "contacted" "won" "lost" "note" "back"
	                        * "help" or "none" */
	char *argument;        /* rest of the command's paragraph, trimmed, "" when none */
	gboolean auto_reply;   /* an auto-reply or mailing-list message */
	gboolean bounce;       /* a bounce or delivery report */
	char *token;           /* TOKEN of lead+TOKEN@domain, or NULL */
	char *sender;          /* the From address with its domain lower-cased, or NULL */
	char *text;            /* the replier's own visible text (quotes, signature removed) */
	GDateTime *away_until; /* out-of-office return date, or NULL */
} LrReply;

/* reply_parse - parse the raw reply message.  recipient is the envelope
 * recipient (may be NULL); the token is looked for there first, then in
 * Delivered-To, X-Original-To, To and Cc.  The command is the first word of
 * the first non-blank line the replier wrote (see reply_visible_text), a
 * keyword in any case, perhaps followed by punctuation ("Accept."), or
 * the words people write for one (replywords.h: "Accepted", "Pass to
 * erik", "Übernehme"); a negation or a doubt ("Accept? not sure") and any
 * other text give "help", no text "none".  A forward's user loses a comma
 * after it ("erik, he covers AT" -> "erik he covers AT").  Auto-replies and bounces give
 * "none" with auto_reply or bounce set.  Returns a new LrReply, or NULL with
 * LR_ERROR_PERM only for input that is not a mail message at all. */
LrReply *reply_parse(GBytes *raw, const char *recipient, GError **error);

/* reply_visible_text - the replier's own text of a plain-text body: quoted
 * lines ("> "), attribution lines ("On ... wrote:" and its translations,
 * also when glued to the end of the replier's own line), and everything from an original-message
 * separator, an Outlook header block ("From:/Sent:/To:/Subject:" in the common languages), a
 * signature delimiter ("-- ") or a mobile signature ("Sent from my iPhone") on are removed; runs of
 * blank lines become one; trimmed.  Runs in time linear in the body.  Returns a new string. */
char *reply_visible_text(const char *body);

/* reply_command - fill reply->command and reply->argument from the visible
 * text (the first paragraph's first word and the rest of the paragraph). */
void reply_command(LrReply *reply, const char *text);

/* reply_until - the date text names the way an out-of-office does
 * ("until 24 December", "bis 3.1.", "until 2026-12-24"; a bare date is read
 * as "until DATE"), as a new GDateTime at midnight in now's time zone, or
 * NULL when it names none. */
GDateTime *reply_until(const char *text, GDateTime *now);

void reply_free(LrReply *reply);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LrReply, reply_free)

/* reply_to_json - the parse-reply --json object: {"command", "argument",
 * "auto_reply", "bounce", "token", "sender", "away_until"} (token, sender
 * and away_until null when unknown; away_until as YYYY-MM-DD).  Returns a
 * new string without a trailing newline. */
char *reply_to_json(const LrReply *reply);

#endif
