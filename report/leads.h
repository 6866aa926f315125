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
	QueueQuery query; /* the filters, the order and the paging cursor */
	guint limit;      /* at most this many leads; 0 = all */
	gboolean json;
} LrListOptions;

/* report_list - print the leads matching opt->query in its order (newest
 * first, or by priority), at most opt->limit, as they are read: text lines
 * or a JSON array written element by element, in constant memory.  When
 * the limit cut a text list, "more: --before ID" goes to stderr.  FALSE
 * with LR_ERROR_TEMP when the store cannot be read or out fails. */
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
