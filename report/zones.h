/* zones.h - UTC offsets of time zones remembered for a report: a working
 * hours walk over a million leads asks for the same zones at the same
 * times again and again, and GLib finds each by a walk of the zone's
 * transitions.
 *
 * An offset is remembered per zone and 15-minute block of UTC (every
 * zone's transitions fall on such a block's start). */
#ifndef LR_REPORT_ZONES_H
#define LR_REPORT_ZONES_H

#include <glib.h>

#include "rules/lr-config.h"

typedef struct LrZones LrZones;

/* report_zones_new / _free - an empty memory of offsets. */
LrZones *report_zones_new(void);
void report_zones_free(LrZones *z);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LrZones, report_zones_free)

/* report_zones_offset - tz's UTC offset (seconds) at secs. */
gint32 report_zones_offset(LrZones *z, GTimeZone *tz, gint64 secs);

/* report_zones_memo - memo filled with the offsets at now (µs) of user's
 * zones, for lr_config_user_in_hours_memo. */
void report_zones_memo(LrZones *z, const LrUser *user, gint64 now, LrTzMemo *memo);

#endif
