/* router-int.h - the router's state, shared by the modules of router/;
 * not a public header. */
#ifndef LR_ROUTER_INT_H
#define LR_ROUTER_INT_H

#include "mailer/compose.h"
#include "parser/parser.h"
#include "router/pipeline.h"
#include "router/router.h"

struct LrRouter {
	LrQueue *q;
	LrConfig *cfg;
	LrConfig *pending; /* set by router_set_config, taken at the next job */
	GMutex lock;
	LrParser *parser;
	GBytes *secret;
	LrMailerConfig mail;
	gint64 fixed_now;
	gint64 batch_time; /* µs a batch may run (0: ROUTER_BATCH_TIME) */
	gint64 clock_shift;
	GHashTable *peers; /* federation: server id -> its secrets (federate.h) */
	PipeGroup *pipe;   /* the batch in hand's worker threads (NULL: none) */
	gint64 job_cost;   /* µs of the routing thread's CPU a job took lately */
};

#endif
