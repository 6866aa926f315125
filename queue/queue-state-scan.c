/* queue-state-scan.c - reading the named values of one prefix in key
 * order, a batch at a time (for periodic clean-ups such as the
 * federation's replay keys). */
#include "config.h"

#include "lead/lr-error.h"
#include "queue/queue-int.h"

/* scan_start - put c on the first key after `after` (or the first key of
 * prefix); the DB_SET_RANGE result. */
static int scan_start(DBC *c, const char *prefix, const char *after, DBT *key, DBT *val)
{
	const char *from = after ? after : prefix;
	gsize len = strlen(from);
	int ret;

	if (len > key->ulen)
		return DB_BUFFER_SMALL;
	memcpy(key->data, from, len);
	key->size = (u_int32_t)len;
	ret = c->get(c, key, val, DB_SET_RANGE);
	if (ret == 0 && after && key->size == len && memcmp(key->data, after, len) == 0) {
		free(val->data);
		*val = dbt_out();
		ret = c->get(c, key, val, DB_NEXT);
	}
	return ret;
}

GPtrArray *queue_state_scan(LrQueue *q, const char *prefix, const char *after, guint max,
                            GError **error)
{
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);
	gsize plen = strlen(prefix);
	/* The key in a buffer of ours (no allocation to lose): state keys
	 * are short, a longer one ends the scan with DB_BUFFER_SMALL. */
	char kbuf[1024];
	DBT key = {.data = kbuf, .ulen = sizeof(kbuf), .flags = DB_DBT_USERMEM}, val = dbt_out();
	DBC *c = queue_cursor_open(q->state, NULL, error);
	int ret;

	if (c == NULL)
		return NULL;
	for (ret = scan_start(c, prefix, after, &key, &val); ret == 0 && out->len < 2 * max;
	     ret = c->get(c, &key, &val, DB_NEXT)) {
		if (key.size < plen || memcmp(key.data, prefix, plen) != 0)
			break;
		g_ptr_array_add(out, g_strndup(key.data, key.size));
		g_ptr_array_add(out, g_strndup(val.data, val.size));
		free(val.data);
		val = dbt_out();
	}
	free(val.data);
	c->close(c);
	if (ret != 0 && ret != DB_NOTFOUND) {
		queue_db_error(error, ret, "state scan");
		return NULL;
	}
	return g_steal_pointer(&out);
}
