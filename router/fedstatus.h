/* fedstatus.h - obeying a verified status report or recall on the lead it
 * names (t->lead, locked; the caller stores it).  Internal to router/. */
#ifndef LR_ROUTER_FEDSTATUS_H
#define LR_ROUTER_FEDSTATUS_H

#include "federation/exchange.h"
#include "router/step.h"

/* fedrecv_status - at the origin: peer reports on t->lead.  A report on an
 * offer that is not the current one (recalled, rejected, routed on) is
 * recorded and changes nothing; one about an offer never sent to peer is
 * refused (*why set, nothing recorded on the lead). */
gboolean fedrecv_status(Step *t, const FedExchange *x, const char *peer, char **why,
                        GError **error);

/* fedrecv_recall - at the partner: the origin withdraws its offer; the
 * people here who hold it are told, and reports stop. */
gboolean fedrecv_recall(Step *t, const FedExchange *x, const char *peer, GError **error);

#endif
