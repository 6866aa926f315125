/* lead.h - the lead record, its fields and events, and their versioned
 * serialisation.  GLib only: every other module builds on this one.
 *
 * A lead is one inquiry.  Intake creates it (status "new") with the raw
 * message stored beside it; the parser fills fields, format and source; the
 * router sets priority, holders and assignees; the workflow moves status and
 * stage.  Module-specific state that has no field of its own lives in meta
 * (string -> string), which is serialised with the lead. */
#ifndef LR_LEAD_H
#define LR_LEAD_H

#include <glib.h>

/* Record format version written by lead_serialize(). */
#define LEAD_FORMAT_VERSION 1

/* Status: where the lead is in routing. */
#define LEAD_STATUS_NEW "new"             /* stored, not parsed or routed yet */
#define LEAD_STATUS_NOT_LEAD "not-lead"   /* auto-reply, bounce, empty: kept, not routed */
#define LEAD_STATUS_OFFERED "offered"     /* notified, waiting for ACCEPT */
#define LEAD_STATUS_ACCEPTED "accepted"   /* an assignee accepted it */
#define LEAD_STATUS_FEDERATED "federated" /* handed to a secondary server */
#define LEAD_STATUS_UNROUTED "unrouted"   /* no rule and nobody could take it */
#define LEAD_STATUS_CLOSED "closed"       /* won or lost */

/* Stage: the sales outcome, moved by CONTACTED / WON / LOST. */
#define LEAD_STAGE_NONE "none"
#define LEAD_STAGE_CONTACTED "contacted"
#define LEAD_STAGE_WON "won"
#define LEAD_STAGE_LOST "lost"

/* Lead meta keys (lead_meta_get/lead_meta_set): written by the router,
 * read by reports and the command line. */
#define META_ASSIGNMENT "assignment"     /* number of the current offer */
#define META_REJECTED "rejected_by"      /* comma list of user ids */
#define META_REJECTIONS "rejections"     /* count toward max_rejections */
#define META_WITHHELD "withheld"         /* comma list of field names */
#define META_BROADCAST "broadcast"       /* "1" when the first ACCEPT wins */
#define META_REASON "reason"             /* why the assignee got it */
#define META_ROUTE "route"               /* the routing trace, JSON */
#define META_MAILSEQ "mailseq"           /* notifications sent so far */
#define META_REPLY_TO "reply_to_lead"    /* on a reply's own record */
#define META_DEADLINE "deadline"         /* when the current offer runs out (µs) */
#define META_ATTACH_FILES "attach_files" /* documents to attach, comma list */
#define META_ATTACH_TEXT "attach_text"   /* text to add to the notification */
#define META_PARSE_NOTE "parse_note"     /* what the parser could not use */
/* Federation (router/federate.c, issue 10). */
/* At the origin: */
#define META_FED_SERVER "fed_server"  /* the partner that holds it now */
#define META_FED_SENT "fed_sent"      /* "SERVER:ASSIGNMENT,..." every offer sent */
#define META_FED_BY "fed_accepted_by" /* the partner rep's display name */
/* At the partner: */
#define META_FED_ORIGIN "fed_origin" /* the server that sent it here */
#define META_FED_ORIGIN_LEAD "fed_origin_lead"
#define META_FED_ORIGIN_ASG "fed_origin_assignment"
#define META_FED_CHAIN "fed_chain" /* servers it has been at, comma list */
#define META_FED_REPLY "fed_reply" /* where status goes, when the peer has no deliver */
#define META_FED_SEQ "fed_seq"     /* status reports sent so far */
#define META_FED_WHY "fed_why"     /* why the partner gives it back */
#define META_FED_DONE "fed_done"   /* "1": given back or recalled, reports stop */

typedef struct {
	char *name;  /* normalised label: "email", "phone", "budget" */
	char *value; /* UTF-8 text as written */
} LrField;

typedef struct {
	gint64 at;    /* microseconds since the epoch, UTC */
	char *type;   /* "received", "parsed", "routed", "notified", "accepted", ... */
	char *actor;  /* "intake", "router", a user id, "server:ID" */
	char *detail; /* free text, never a withheld value */
} LrEvent;

typedef struct {
	guint64 id;        /* > 0, assigned by the queue */
	gint64 received;   /* microseconds since the epoch, UTC */
	char *message_key; /* Message-ID, or "sha256:HEX" of the content */
	char *sender;      /* envelope sender ("" for the null sender) */
	char *recipient;   /* envelope recipient */
	char *subject;     /* Subject header, decoded when parsed */
	char *source;      /* campaign: address extension or form field */
	char *status;      /* LEAD_STATUS_* */
	char *stage;       /* LEAD_STAGE_* */
	char *format;      /* "form", "adf", "freeform", "forwarded"; NULL before parse */
	gboolean is_lead;  /* FALSE for auto-replies, bounces, empty mail */
	char *reason;      /* why not a lead, or NULL */
	int priority;
	GPtrArray *fields;    /* LrField *, in the order found */
	GPtrArray *holders;   /* char *: the routing chain in order */
	GPtrArray *assignees; /* char *: user ids, or "server:ID" */
	GHashTable *meta;     /* char * -> char *: module state */
} LrLead;

/* lead_new - an empty lead (status new, stage none, is_lead TRUE).
 * Returns a new lead; free with lead_free(). */
LrLead *lead_new(void);
void lead_free(LrLead *lead);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LrLead, lead_free)

/* lead_copy - deep copy, member by member (lead/lead-copy.c): equal to
 * lead by lead_equal, sharing no memory with it. */
LrLead *lead_copy(const LrLead *lead);

/* lead_equal - TRUE when a and b hold the same members: strings (NULL
 * equal only to NULL), numbers, fields and lists in order, meta as a set
 * of key-value pairs. */
gboolean lead_equal(const LrLead *a, const LrLead *b);

/* lead_set_str - replace one of the lead's string members (*slot) with a
 * copy of value (NULL allowed). */
void lead_set_str(char **slot, const char *value);

/* lead_field_get - the value of field name, or NULL (borrowed). */
const char *lead_field_get(const LrLead *lead, const char *name);

/* lead_field_set - set field name to value, replacing an earlier value in
 * place or appending a new field.  NULL value removes the field. */
void lead_field_set(LrLead *lead, const char *name, const char *value);

/* lead_meta_get / lead_meta_set - module state; NULL value removes. */
const char *lead_meta_get(const LrLead *lead, const char *key);
void lead_meta_set(LrLead *lead, const char *key, const char *value);

/* lead_list_set - replace holders or assignees (a char * array) with the
 * NULL-terminated list. */
void lead_list_set(GPtrArray *list, const char *const *items);

/* lead_serialize - the versioned record for storage.  Returns new bytes. */
GBytes *lead_serialize(const LrLead *lead);

/* lead_deserialize - read a record written by any known format version.
 * Returns a new lead, or NULL with LR_ERROR_PERM when the bytes are not a
 * lead record of a known version. */
LrLead *lead_deserialize(GBytes *bytes, GError **error);

/* lead_event_new - an event stamped now (at = g_get_real_time()). */
LrEvent *lead_event_new(const char *type, const char *actor, const char *detail);
void lead_event_free(LrEvent *event);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LrEvent, lead_event_free)

GBytes *lead_event_serialize(const LrEvent *event);
LrEvent *lead_event_deserialize(GBytes *bytes, GError **error);

/* lead_time_format - ISO 8601 UTC text ("2026-11-23T08:47:10Z") for a
 * microsecond time.  Returns a new string. */
char *lead_time_format(gint64 at);

#endif
