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
	int ret;

	*key = dbt_out();
	key->data = strdup(from);
	key->size = (u_int32_t)strlen(from);
	key->flags = DB_DBT_REALLOC;
	*val = dbt_out();
	ret = c->get(c, key, val, DB_SET_RANGE);
	if (ret == 0 && after && key->size == strlen(after) && memcmp(key->data, after, key->size) == 0)
		ret = c->get(c, key, val, DB_NEXT);
	return ret;
}

/* queue_state_scan - a batch of one prefix's named values. */
GPtrArray *queue_state_scan(LrQueue *q, const char *prefix, const char *after, guint max,
                            GError **error)
{
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);
	gsize plen = strlen(prefix);
	DBT key = {0}, val = dbt_out();
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
	free(key.data);
	free(val.data);
	c->close(c);
	if (ret != 0 && ret != DB_NOTFOUND) {
		queue_db_error(error, ret, "state scan");
		return NULL;
	}
	return g_steal_pointer(&out);
}
