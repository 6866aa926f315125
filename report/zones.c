/* zones.c - time zone offsets remembered per 15-minute block. */
#include "config.h"

#include "report/zones.h"

#define ZONES_SLOTS 4096
#define ZONES_BLOCK 900

typedef struct {
	GTimeZone *tz; /* borrowed from the configuration; NULL: empty slot */
	gint64 block;
	gint32 offset;
} Slot;

struct LrZones {
	Slot slot[ZONES_SLOTS];
};

/* report_zones_new - an empty memory. */
LrZones *report_zones_new(void)
{
	return g_new0(LrZones, 1);
}

/* report_zones_free - forget. */
void report_zones_free(LrZones *z)
{
	g_free(z);
}

/* report_zones_offset - the offset, from memory or from GLib. */
gint32 report_zones_offset(LrZones *z, GTimeZone *tz, gint64 secs)
{
	gint64 block = secs >= 0 ? secs / ZONES_BLOCK : (secs - ZONES_BLOCK + 1) / ZONES_BLOCK;
	guint i = (guint)(((guint64)block * 2654435761u) ^ ((guintptr)tz >> 4)) % ZONES_SLOTS;
	Slot *s = &z->slot[i];

	if (s->tz != tz || s->block != block) {
		int iv = g_time_zone_find_interval(tz, G_TIME_TYPE_UNIVERSAL, secs);
		s->tz = tz;
		s->block = block;
		s->offset = iv >= 0 ? g_time_zone_get_offset(tz, iv) : 0;
	}
	return s->offset;
}

/* report_zones_memo - the offsets of user's zones at now in memo. */
void report_zones_memo(LrZones *z, const LrUser *user, gint64 now, LrTzMemo *memo)
{
	gint64 secs = now / G_USEC_PER_SEC;

	memo->secs = secs;
	memo->n = 0;
	for (guint i = 0; user->hours && i < user->hours->len; i++) {
		GTimeZone *tz = g_array_index(user->hours, LrHours, i).tz;
		gboolean known = FALSE;
		for (guint k = 0; k < memo->n; k++)
			known = known || memo->tz[k] == tz;
		if (known || memo->n == LR_TZ_MEMO_SIZE)
			continue;
		memo->tz[memo->n] = tz;
		memo->offset[memo->n++] = report_zones_offset(z, tz, secs);
	}
}
