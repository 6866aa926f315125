/* pipeline.h - the router's CPU work on worker threads: the parse of the
 * inquiries of a batch ahead of their turn, and the composition of the
 * notifications a batch queues (internal to router/).
 *
 * The decisions stay on the routing thread, one job after the other
 * (round-robin and capacity state are read and written in job order);
 * only pure work moves: parsing a raw message into a copy of its lead,
 * and rendering a notification from a snapshot of its lead.  Results are
 * taken in job order, so a batch writes exactly what it would write
 * doing the work itself. */
#ifndef LR_PIPELINE_H
#define LR_PIPELINE_H

#include <glib.h>

#include "lead/lead.h"
#include "mailer/compose.h"
#include "parser/parser.h"

typedef struct PipeGroup PipeGroup;
typedef struct PipeParse PipeParse;
typedef struct PipeMail PipeMail;

/* pipe_group_new - a set of work items handed to the worker threads,
 * which pipe_group_free waits for (a batch's, freed when it ends). */
PipeGroup *pipe_group_new(void);
void pipe_group_free(PipeGroup *g);

/* pipe_parse_start - parse raw for lead (read only here: it is copied)
 * on a worker thread.  The item belongs to g. */
PipeParse *pipe_parse_start(PipeGroup *g, const LrParser *parser, const LrLead *lead, GBytes *raw);

/* pipe_parse_raw - the raw message the parse is of. */
GBytes *pipe_parse_raw(PipeParse *p);

/* pipe_parse_take - wait for the parse; when lead is (still) the lead it
 * was started on, make lead the parsed lead and return TRUE with *ok and
 * *error as parser_parse_lead gave them; FALSE (lead untouched) when lead
 * changed meanwhile, and the caller parses it itself. */
gboolean pipe_parse_take(PipeParse *p, LrLead *lead, gboolean *ok, GError **error);

/* pipe_mail_compose - compose notice for a snapshot of lead with seq on a
 * worker thread, to be queued from envelope to address (see
 * pipe_mails_queue).  config must outlive g. */
void pipe_mail_compose(PipeGroup *g, const LrMailerConfig *config, const LrLead *lead,
                       const LrNotice *notice, guint seq, const char *envelope,
                       const char *address);

/* pipe_mail_ready - a message composed already, queued in its turn. */
void pipe_mail_ready(PipeGroup *g, guint64 lead_id, const char *envelope,
                     const char *const *rcpts, GBytes *message);

/* PipeQueueFunc - queue one finished message (queue_outbox_add). */
typedef gboolean (*PipeQueueFunc)(gpointer data, guint64 lead_id, const char *envelope,
                                  const char *const *rcpts, GBytes *message, GError **error);

/* pipe_mails_queue - wait for the group's messages and queue them with fn
 * in the order they were given; FALSE with the first composition's error
 * (nothing more queued) or fn's.  The list is emptied either way. */
gboolean pipe_mails_queue(PipeGroup *g, PipeQueueFunc fn, gpointer data, GError **error);

/* pipe_mails_pending - how many messages wait in the group. */
guint pipe_mails_pending(const PipeGroup *g);

/* pipe_items_run - how many items workers have done in this process (the
 * tests' proof that the work left the routing thread). */
guint64 pipe_items_run(void);

#endif
