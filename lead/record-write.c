/* record-write.c - records in GVariant's serialised form, written
 * directly (see record-write.h).
 *
 * The form, as GLib writes it: numbers in host order at their alignment;
 * a string with its NUL; a variant as its value, a NUL and the value's
 * type string; a container's children in order, each aligned (from the
 * container's start, which is itself aligned), then, for every child
 * whose size is not fixed and that is not a tuple's last, its end as a
 * little-endian offset from the container's start; offsets are 1, 2, 4
 * or 8 bytes, the fewest for which the container with them fits. */
#include "config.h"

#include <string.h>

#include "lead/record-write.h"

/* recw_pad - zeros up to a multiple of align (1, 4 or 8). */
static void recw_pad(GByteArray *b, guint align)
{
	static const guint8 zero[8];

	g_byte_array_append(b, zero, (align - b->len % align) % align);
}

/* recw_cstr - s with its NUL. */
static void recw_cstr(GByteArray *b, const char *s)
{
	g_byte_array_append(b, (const guint8 *)s, strlen(s) + 1);
}

/* recw_offset_size - the bytes of each of n offsets after body bytes. */
static guint recw_offset_size(gsize body, gsize n)
{
	if (body + n <= G_MAXUINT8)
		return 1;
	if (body + 2 * n <= G_MAXUINT16)
		return 2;
	if (body + 4 * n <= G_MAXUINT32)
		return 4;
	return 8;
}

/* recw_offsets - the n offsets ends of the container begun at start. */
static void recw_offsets(GByteArray *b, gsize start, const gsize *ends, gsize n)
{
	guint size = recw_offset_size(b->len - start, n);

	for (gsize i = 0; i < n; i++) {
		guint64 le = GUINT64_TO_LE((guint64)ends[i]);

		g_byte_array_append(b, (const guint8 *)&le, size);
	}
}

/* recw_begin - see record-write.h. */
void recw_begin(RecwRecord *r, guint32 version)
{
	r->buf = g_byte_array_sized_new(1024);
	r->ends = g_array_sized_new(FALSE, FALSE, sizeof(gsize), 24);
	g_byte_array_append(r->buf, (const guint8 *)&version, sizeof version);
	recw_pad(r->buf, 8); /* the a{sv} starts at 8 */
}

/* recw_member - see record-write.h. */
void recw_member(RecwRecord *r, const char *name)
{
	recw_pad(r->buf, 8);
	r->entry = r->buf->len;
	recw_cstr(r->buf, name);
	r->key_end = r->buf->len - r->entry;
	recw_pad(r->buf, 8); /* a variant is 8-aligned */
}

/* recw_member_end - see record-write.h. */
void recw_member_end(RecwRecord *r, const char *type)
{
	gsize end;

	g_byte_array_append(r->buf, (const guint8 *)"", 1);
	g_byte_array_append(r->buf, (const guint8 *)type, strlen(type));
	recw_offsets(r->buf, r->entry, &r->key_end, 1);
	end = r->buf->len - 8;
	g_array_append_val(r->ends, end);
}

/* recw_u64 - see record-write.h. */
void recw_u64(RecwRecord *r, guint64 v)
{
	g_byte_array_append(r->buf, (const guint8 *)&v, sizeof v);
}

/* recw_i64 - see record-write.h. */
void recw_i64(RecwRecord *r, gint64 v)
{
	g_byte_array_append(r->buf, (const guint8 *)&v, sizeof v);
}

/* recw_i32 - see record-write.h. */
void recw_i32(RecwRecord *r, gint32 v)
{
	g_byte_array_append(r->buf, (const guint8 *)&v, sizeof v);
}

/* recw_bool - see record-write.h. */
void recw_bool(RecwRecord *r, gboolean v)
{
	guint8 byte = v ? 1 : 0;

	g_byte_array_append(r->buf, &byte, 1);
}

/* recw_str - see record-write.h. */
void recw_str(RecwRecord *r, const char *s)
{
	recw_cstr(r->buf, s);
}

/* recw_strv - see record-write.h. */
void recw_strv(RecwRecord *r, const GPtrArray *list)
{
	gsize start = r->buf->len;
	g_autofree gsize *ends = g_new(gsize, list->len + 1);

	for (guint i = 0; i < list->len; i++) {
		recw_cstr(r->buf, g_ptr_array_index(list, i));
		ends[i] = r->buf->len - start;
	}
	recw_offsets(r->buf, start, ends, list->len);
}

/* recw_pairs - see record-write.h. */
void recw_pairs(RecwRecord *r, const char *const *pairs, guint n)
{
	gsize start = r->buf->len;
	g_autofree gsize *ends = g_new(gsize, n + 1);

	for (guint i = 0; i < n; i++) {
		gsize pair = r->buf->len, first;

		recw_cstr(r->buf, pairs[2 * i]);
		first = r->buf->len - pair;
		recw_cstr(r->buf, pairs[2 * i + 1]);
		recw_offsets(r->buf, pair, &first, 1);
		ends[i] = r->buf->len - start;
	}
	recw_offsets(r->buf, start, ends, n);
}

/* recw_end - see record-write.h. */
GBytes *recw_end(RecwRecord *r)
{
	recw_offsets(r->buf, 8, (const gsize *)(void *)r->ends->data, r->ends->len);
	g_array_free(r->ends, TRUE);
	return g_byte_array_free_to_bytes(r->buf);
}
