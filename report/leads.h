/* leads.h - read-only views of stored leads: `list` and `show`.
 *
 * Text for people, JSON (json-glib) for programs: a lead has at least id,
 * received, source, status, stage, priority, assignees, holders, fields;
 * `show` adds events in order, each with at, type, actor, detail. */
#ifndef LR_REPORT_LEADS_H
#define LR_REPORT_LEADS_H

#include <stdio.h>

#include <glib.h>

#include "queue/queue.h"

typedef struct {
	const char *status;	/* only leads with this status, or NULL */
	const char *user;	/* only leads this user holds or is assigned */
	const char *source;	/* only leads from this source */
	gboolean json;
} LrListOptions;

/* report_list - print the leads matching opt, highest priority first, then
 * newest first.  FALSE with LR_ERROR_TEMP when the store cannot be read. */
gboolean report_list(LrQueue *q, const LrListOptions *opt, FILE *out, GError **error);

/* report_show - print lead id with its whole history (json or text), or
 * its raw message when raw.  FALSE with LR_ERROR_PERM when there is no such
 * lead. */
gboolean report_show(LrQueue *q, guint64 id, gboolean json, gboolean raw, FILE *out,
		     GError **error);

/* report_lead_json - one lead as a JSON object node (new); events may be
 * NULL (list) or the lead's events (show). */
struct _JsonNode *report_lead_json(const LrLead *lead, const GPtrArray *events);

#endif
