/* erase.h - erasing a person's data from a lead (an erasure request, or
 * retention), keeping what reports need: times, status and stage, source,
 * medium and campaign, holders and assignees, the amount won.
 *
 * Kept fields: utm_source, utm_medium, utm_campaign, source, campaign (the
 * origin reports group by).  Every other field goes, with the sender and
 * subject, and the meta entries that may quote the message (the routing
 * trace, the reason text, attachment text, parse notes).  Event details
 * are blanked except what the summary reads: the offer ("new-lead to
 * USER"), the amount won and the partner server. */
#ifndef LR_LEAD_ERASE_H
#define LR_LEAD_ERASE_H

#include "lead/lead.h"

/* Meta key set on an erased lead: when (µs since the epoch, decimal). */
#define META_ERASED "erased"

/* lead_erase - erase lead's personal data in place and mark it erased at
 * at (µs). */
void lead_erase(LrLead *lead, gint64 at);

/* lead_event_scrub - blank what an event's detail may say about the
 * person, in place. */
void lead_event_scrub(LrEvent *event);

#endif
