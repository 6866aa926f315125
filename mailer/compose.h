/* compose.h - notifications composed with GMime from editable templates.
 *
 * Each kind of notification has a template pair in the template folder:
 * KIND.txt (required; its first line is "Subject: ...", the rest is the
 * plain-text body) and KIND.html (optional; the HTML alternative).  The
 * placeholders (see templates/README) are filled from the lead and the
 * notice; withheld fields are masked until reveal.  Values are HTML-escaped
 * in HTML and never reach a header except through GMime's header API, with
 * CR/LF and control characters removed and RFC 2047 encoding.  GMime stays
 * inside mailer/: callers get the finished message as bytes (CRLF lines). */
#ifndef LR_COMPOSE_H
#define LR_COMPOSE_H

#include <glib.h>

#include "lead/lead.h"

typedef struct {
	const char *template_dir; /* folder with the templates (server.templates) */
	const char *from;         /* "Lead Desk <leads@acme.example>" */
	const char *domain;       /* reply domain: Reply-To lead+TOKEN@domain */
	const char *server_name;  /* {{server}} */
} LrMailerConfig;

typedef struct {
	const char *kind; /* template name: one of mailer_kinds, or any [a-z0-9-] name */
	const char *to_name, *to_address;
	const char *token;    /* reply token, or NULL for mail that takes no reply */
	const char *reason;   /* why they got it ("country DE, product pumps") */
	const char *deadline; /* human text, or NULL */
	const char *note;     /* free text: command obeyed, refusal reason, forwarder's note... */
	const char *const *withheld;    /* field names to mask (NULL-terminated) unless reveal */
	gboolean reveal;                /* TRUE after ACCEPT: show withheld fields */
	const char *const *attachments; /* file paths to attach (NULL-terminated) */
	const char *attach_text;        /* table rows etc. rendered as text, or NULL */
	const char *in_reply_to;        /* Message-ID of the mail this answers (help, confirm,
	                                 * refused), or NULL: added to In-Reply-To/References */
	const char *command_token;      /* the recipient user's command token ("u-..."), or
	                                 * NULL: the footer names lead+TOKEN@domain and its
	                                 * commands (STATUS, AWAY, BACK, ...) */
} LrNotice;

/* The kinds the default templates provide, NULL-terminated:
 * "new-lead" "reminder" "accepted" "rejected" "forwarded" "escalation" "taken"
 * "revoked" "help" "confirm" "refused" "away" "command". */
extern const char *const mailer_kinds[];

/* Attachments larger than this (each) make mailer_compose fail. */
#define MAILER_MAX_ATTACHMENT (10 * 1024 * 1024)

/* mailer_compose - render template kind for lead into a complete RFC 5322
 * message: From, To, Reply-To lead+TOKEN@domain (when token), Subject (RFC
 * 2047 encoded as needed), Date, Auto-Submitted (auto-generated; auto-replied
 * when in_reply_to is set), X-Leadroute-Lead / X-Leadroute-Kind, and a
 * stable Message-ID: <lead-ID@domain> when seq is 0 (the first notification
 * of a lead: give 0 to exactly one message per lead), otherwise
 * <lead-ID.KIND.SEQ@domain> with In-Reply-To and References <lead-ID@domain>,
 * so that one lead is one thread in a mail client.  lead may be NULL (or have
 * id 0) for mail about no lead; its Message-ID is then random.  The body is
 * multipart/alternative text + HTML (text alone without KIND.html), inside
 * multipart/mixed with attach_text (an inline text part) and the attachments.
 * Returns new bytes, or NULL with LR_ERROR_PERM (template missing or broken,
 * bad address, unreadable attachment). */
GBytes *mailer_compose(const LrMailerConfig *config, const LrLead *lead, const LrNotice *notice,
                       guint seq, GError **error);

/* mailer_envelope_from - the bare address of config->from, for the
 * envelope sender of the outbox ("leads@acme.example").  Returns a new
 * string, or NULL when from holds no usable mailbox. */
char *mailer_envelope_from(const LrMailerConfig *config);

/* mailer_mask - a shape-keeping mask of value for field:
 * "+49 30 1234582" -> "+49 •••• ••82", "anna@example.com" ->
 * "a•••@example.com", "Anna Berger" -> "A••• B•••".  Lengths are not kept.
 * Returns a new string. */
char *mailer_mask(const char *field, const char *value);

/* mailer_templates_check - render every template of mailer_kinds in
 * template_dir with a sample lead; append one "file:line: message" per
 * problem to problems (char *, caller frees).  TRUE when none. */
gboolean mailer_templates_check(const char *template_dir, GPtrArray *problems);

#endif
