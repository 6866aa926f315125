/* record-write.h - the serialised GVariant form of a record "(u a{sv})",
 * written straight into bytes (internal to lead/).  The bytes are those
 * g_variant_get_data_as_bytes() gives for the same values built as
 * GVariants (tests/test-lead.c holds them to it), at a fraction of the
 * cost: no tree of values, no type strings parsed.
 *
 * A writer: recw_begin, then per member recw_member with one value
 * function (recw_u64, recw_i64, recw_i32, recw_bool, recw_str, recw_strv,
 * recw_pairs) and recw_member_end, then recw_end. */
#ifndef LR_RECORD_WRITE_H
#define LR_RECORD_WRITE_H

#include <glib.h>

typedef struct {
	GByteArray *buf;
	GArray *ends;  /* gsize: where each member ends (the a{sv} offsets) */
	gsize entry;   /* where the member in hand starts */
	gsize key_end; /* where its name ends, from entry */
} RecwRecord;

/* recw_begin - start a record of format version. */
void recw_begin(RecwRecord *r, guint32 version);

/* recw_member - start member name; recw_member_end ends it, type being
 * the GVariant type string of the value written in between. */
void recw_member(RecwRecord *r, const char *name);
void recw_member_end(RecwRecord *r, const char *type);

/* The value of the member in hand: t, x, i, b, s, as, and a(ss) or
 * a{ss} (the same bytes) of n pairs pairs[2i], pairs[2i+1]. */
void recw_u64(RecwRecord *r, guint64 v);
void recw_i64(RecwRecord *r, gint64 v);
void recw_i32(RecwRecord *r, gint32 v);
void recw_bool(RecwRecord *r, gboolean v);
void recw_str(RecwRecord *r, const char *s);
void recw_strv(RecwRecord *r, const GPtrArray *list);
void recw_pairs(RecwRecord *r, const char *const *pairs, guint n);

/* recw_end - the record's bytes (new); r is done. */
GBytes *recw_end(RecwRecord *r);

#endif
