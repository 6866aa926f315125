/* lr-config.h - the whole configuration: leadroute.conf and every user's rule
 * file, read once into typed structs and checked whole.
 *
 * leadroute.conf has the groups server, fields, tables, users, servers,
 * rules and workflow (examples/leadroute.conf and examples/README.md show
 * every key).  A user's rule file holds only `rules` and `workflow`; it may
 * route to that user, the users they manage, their own manager, and the
 * users, teams or servers the admin lists in the user's `may_route`.
 * It attaches files only from folders the admin names (server.documents,
 * the user's `documents`), @includes only files in its own folder, and its
 * workflow.withhold adds to the admin's (never lifts it).
 *
 * Every problem is reported as "file:line: message" (conditions as
 * "file:line: condition column N: message"), sorted by file (the main file
 * first, then user files in the order users are listed) and line. */
#ifndef LR_CONFIG_H
#define LR_CONFIG_H

#include <glib.h>

#include "lead/lead.h"
#include "rules/cond.h"
#include "rules/server-config.h"
#include "rules/sources.h"
#include "rules/table.h"

/* Deadlines and limits of the workflow; -1 / NULL when a file leaves a key
 * unset (the global workflow then gives it, or the built-in default). */
typedef struct {
	gint64 accept_within; /* seconds */
	gint64 remind_after;  /* seconds */
	int max_rejections;
	char **withhold;       /* fields masked until ACCEPT, NULL-terminated */
	gint64 max_away;       /* seconds an auto-reply or bounce may mark a user away */
	gint64 contact_within; /* seconds from arrival to CONTACTED (reports' SLA); -1 = none */
} LrWorkflow;

/* Built-in defaults when leadroute.conf has no workflow group. */
#define LR_DEFAULT_ACCEPT_WITHIN (4 * 3600)
#define LR_DEFAULT_REMIND_AFTER (2 * 3600)
#define LR_DEFAULT_MAX_REJECTIONS 2
#define LR_DEFAULT_MAX_AWAY (14 * 86400)
#define LR_MAX_AWAY_LIMIT (365 * 86400)

/* One span of working hours: days (bit 0 Monday .. bit 6 Sunday) and
 * minutes from midnight in tz; to <= from runs past midnight. */
typedef struct {
	guint8 days;
	int from, to;
	GTimeZone *tz;
} LrHours;

typedef struct LrRuleSet LrRuleSet;

typedef struct {
	char *id;
	char *name;
	char *email;
	char **addresses; /* every address that is this user, lower case */
	char *role;       /* "admin", "manager", "rep", ... or NULL */
	char **manages;   /* user ids, NULL-terminated */
	char *manager;    /* who manages this user (derived), or NULL */
	char *team;
	char *territory;
	int capacity;        /* open leads at most; 0 = no limit */
	GArray *hours;       /* LrHours; empty = always */
	char **may_route;    /* extra targets: ids, "team:X", "server:X" */
	char **documents;    /* folders the user's rule file may attach from, as
	                      * written (besides server.documents), or NULL */
	GHashTable *attrs;   /* every scalar attribute as text (user.<attr>) */
	char *rules_file;    /* as written in leadroute.conf, or NULL */
	LrRuleSet *rules;    /* the user's rules, or NULL */
	LrWorkflow workflow; /* the user's own overrides */
	const char *file;    /* where the user is defined */
	int line;
} LrUser;

typedef struct {
	char *id;
	char *deliver; /* "mailto:ADDRESS", "https://URL", or NULL: a peer that only sends */
	char *format;  /* "leadroute", "adf" */
	char **withhold;
	/* Federation (issue 10): the HMAC key shared with this peer, the one
	 * it replaces during a change-over (both verify), the partner's SLA
	 * (seconds; -1: workflow.accept_within), its display name. */
	char *secret_file, *previous_secret_file;
	gint64 accept_within;
	char *name;
	char *ca_file; /* PEM CAs that verify an https deliver, or NULL: the system's */
	const char *file;
	int line;
} LrServer;

typedef enum {
	LR_STRATEGY_SINGLE, /* one target */
	LR_STRATEGY_ROUND_ROBIN,
	LR_STRATEGY_LEAST_LOADED,
	LR_STRATEGY_WEIGHTED,
	LR_STRATEGY_BROADCAST,
	LR_STRATEGY_FIRST, /* the first available, in order */
} LrStrategy;

/* The strategy names as written in a route, indexed by LrStrategy and
 * NULL-terminated. */
extern const char *const lr_config_strategies[];

typedef struct {
	char *to;              /* "anna", "manager", "team:north", "server:north" */
	double weight;         /* for weighted; 1 otherwise */
	const LrUser *user;    /* `to` as a user, or NULL (set by route_plan_build) */
	const GPtrArray *team; /* "team:X": its LrUser * members, or NULL (likewise) */
} LrTarget;

typedef struct {
	LrStrategy strategy;
	GPtrArray *targets; /* LrTarget * */
	char *key;          /* state key for round-robin and weighted */
	char *effect;       /* "round-robin a, b": the route in the trace (route_plan_build) */
} LrRoute;

typedef struct {
	double points; /* added as is */
	double base;
	GArray *weights; /* LrWeight */
	LrCond *lookup;  /* a value expression such as companies[email_domain].tier_points */
} LrPriority;

typedef struct {
	char *field;
	double weight;
} LrWeight;

typedef struct {
	char *kind;           /* "table", "product-sheet", "sales-program", "document", ... */
	char *name;           /* shown in the notification */
	char *file;           /* a document, absolute; or NULL */
	const LrTable *table; /* a table row (kind "table"), or a document per row */
	LrCond *key;          /* the look-up key expression */
	int column;           /* >= 0: the row's cell names the document */
} LrAttach;

typedef struct {
	char *name; /* or NULL */
	const char *file;
	int line;
	LrCond *when;   /* NULL: always */
	LrRoute *route; /* NULL: the rule does not route */
	LrPriority *priority;
	GPtrArray *attach; /* LrAttach *, or NULL */
	char **withhold;
	gboolean broken; /* a part did not load (and was reported) */
} LrRule;

/* workflow.digest of the main file: the HTML report by mail to managers
 * (report/digest.c sends it; see digest.h there for the meaning). */
typedef struct {
	char **to;   /* user ids, or "managers" */
	guint8 days; /* bit 0 Monday .. bit 6 Sunday */
	int minute;  /* of the day, in tz */
	GTimeZone *tz;
	gint64 every;  /* seconds, instead of days/minute; 0 = not */
	gint64 period; /* seconds the report covers */
	char *by;      /* the report's view, one of lr_config_report_views */
} LrDigestConfig;

/* The report views a digest may name (report/compute.c knows each). */
extern const char *const lr_config_report_views[];

struct LrRuleSet {
	const char *file;
	const LrUser *owner; /* NULL for the global rules */
	GPtrArray *rules;    /* LrRule * in order */
	GPtrArray *steps;    /* the evaluation plan (route.c) */
};

typedef struct {
	LrServerConfig *server;
	char *file;             /* the main file as given */
	char *dir;              /* its folder, absolute: relative paths start here */
	GHashTable *aliases;    /* form label (lower case) -> field name */
	GPtrArray *tables;      /* LrTable * */
	GPtrArray *users;       /* LrUser * in file order */
	GHashTable *user_index; /* id -> LrUser * */
	GHashTable *addr_index; /* lower-case address -> LrUser * */
	GHashTable *team_index; /* team name -> GPtrArray of LrUser * */
	GPtrArray *servers;     /* LrServer * */
	LrRuleSet *rules;       /* the global rules */
	LrWorkflow workflow;    /* global, with defaults filled in */
	GStringChunk *strings;  /* file names */
	LrDigestConfig *digest; /* workflow.digest, or NULL */
	GPtrArray *sources;     /* LrSource * (rules/sources.h), mailboxes to fetch */
} LrConfig;

/* A problem report: file, line (0: the file as a whole) and text. */
typedef void (*LrConfigReportFunc)(gpointer data, const char *file, int line, const char *message);
/* A pass over a configuration that read cleanly; it reports what it finds
 * through report(data, ...). */
typedef void (*LrConfigPassFunc)(LrConfig *cfg, LrConfigReportFunc report, gpointer data);

/* lr_config_read - read path (NULL: server_config_resolve's choice, possibly
 * the embedded default) into typed structs and, when it read, run pass
 * (may be NULL) over it.  Returns the problems found (never NULL, empty
 * when clean; "file:line: message" each, sorted); *out (when not NULL)
 * gets the configuration when there were none, else NULL.  Callers use
 * lr_config_check/lr_config_load (rules/load.h), which add the checks. */
GPtrArray *lr_config_read(const char *path, LrConfigPassFunc pass, LrConfig **out);

/* lr_config_read_full - lr_config_read; when there were problems but the
 * file parsed, *server (when not NULL) gets its server group as read (the
 * defaults in place of bad values), else NULL (clean: (*out)->server). */
GPtrArray *lr_config_read_full(const char *path, LrConfigPassFunc pass, LrConfig **out,
                               LrServerConfig **server);

/* lr_config_read_fields - lr_config_read of the fields group alone (the
 * form-label aliases, for `leadroute parse -c`): the same reader, include
 * folder and problems, the other groups left out. */
GPtrArray *lr_config_read_fields(const char *path, LrConfig **out);

void lr_config_free(LrConfig *cfg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LrConfig, lr_config_free)

/* lr_config_user - the user with id, or NULL (borrowed). */
const LrUser *lr_config_user(const LrConfig *cfg, const char *id);

/* lr_config_user_by_address - the user one of whose addresses is addr (any
 * case, with or without "Name <...>"), or NULL. */
const LrUser *lr_config_user_by_address(const LrConfig *cfg, const char *addr);

/* lr_config_user_manager - the manager of user id, or NULL. */
const LrUser *lr_config_user_manager(const LrConfig *cfg, const char *id);

/* lr_config_admin - the first user with role "admin" (check ensures one). */
const LrUser *lr_config_admin(const LrConfig *cfg);

/* lr_config_server - the secondary server with id ("north", not
 * "server:north"), or NULL. */
const LrServer *lr_config_server(const LrConfig *cfg, const char *id);

/* lr_config_table - the table called name, or NULL. */
const LrTable *lr_config_table(const LrConfig *cfg, const char *name);

/* lr_config_team - the users whose team is name, in file order.  Returns a new
 * array (possibly empty) of borrowed users. */
GPtrArray *lr_config_team(const LrConfig *cfg, const char *name);

/* lr_config_may_route - TRUE when from_user may send a lead to `to` (a user
 * id, "team:X" or "server:X"): the admin anywhere; anyone to themselves,
 * the users they manage (directly or through other managers), their own
 * manager, and what their may_route lists.  Used for user rule files and
 * for FORWARD. */
gboolean lr_config_may_route(const LrConfig *cfg, const char *from_user, const char *to);

/* lr_config_field_aliases - form label -> field name, for parser_new()
 * (borrowed; labels lower case). */
GHashTable *lr_config_field_aliases(const LrConfig *cfg);

/* lr_config_user_in_hours - TRUE when user works at now (µs since the epoch);
 * always TRUE without hours. */
gboolean lr_config_user_in_hours(const LrUser *user, gint64 now);

/* UTC offsets of time zones at one instant, remembered by
 * lr_config_user_in_hours_memo so that checking many users at once finds each
 * zone's offset once.  Start from LR_TZ_MEMO_INIT. */
#define LR_TZ_MEMO_SIZE 4
typedef struct {
	gint64 secs; /* the instant the offsets are for */
	guint n;
	GTimeZone *tz[LR_TZ_MEMO_SIZE]; /* borrowed from the users' hours */
	gint32 offset[LR_TZ_MEMO_SIZE];
} LrTzMemo;
#define LR_TZ_MEMO_INIT                                                                            \
	{                                                                                          \
		G_MININT64, 0, {NULL},                                                             \
		{                                                                                  \
			0                                                                          \
		}                                                                                  \
	}

/* lr_config_user_in_hours_memo - lr_config_user_in_hours through memo (any
 * instant: memo starts over when now moves to another second). */
gboolean lr_config_user_in_hours_memo(const LrUser *user, gint64 now, LrTzMemo *memo);

/* lr_config_user_hours_start - when user's working hours next begin at or
 * after now (µs; now itself when they work at now or have no hours, to
 * the minute otherwise; G_MAXINT64 when their hours name no day). */
gint64 lr_config_user_hours_start(const LrUser *user, gint64 now, LrTzMemo *memo);

/* lr_config_workflow - the workflow for a lead kept by user (NULL: global):
 * the global one with the user's own keys over it.  withhold is borrowed. */
LrWorkflow lr_config_workflow(const LrConfig *cfg, const LrUser *user);

/* lr_config_duration - "90s", "30m", "4h", "2d", "1h30m" or a plain number of
 * seconds.  Returns seconds, or -1 when text is not a duration. */
gint64 lr_config_duration(const char *text);

#endif
