/* queue-job.c - jobs and timers: records keyed by due time, then job id. */
#include "config.h"

#include "lead/log.h"
#include "lead/lr-error.h"
#include "queue/queue-int.h"

/* job_serialize - a job record: (version, kind, lead, arg). */
static GBytes *job_serialize(const char *kind, guint64 lead_id, const char *arg)
{
	g_autoptr(GVariant) v = g_variant_ref_sink(g_variant_new(
	    "(ustss)", (guint32)QUEUE_RECORD_VERSION, kind, lead_id, arg ? arg : "", ""));

	return g_variant_get_data_as_bytes(v);
}

/* queue_job_add - schedule a job. */
gboolean queue_job_add(LrTxn *txn, const char *kind, guint64 lead_id, gint64 due, const char *arg,
                       GError **error)
{
	guint64 key[2], job_id = 0;
	g_autoptr(GBytes) rec = job_serialize(kind, lead_id, arg);
	gsize len;
	const void *data = g_bytes_get_data(rec, &len);

	if (!queue_seq_next(txn->q->job_seq, &job_id, error))
		return FALSE;
	key[0] = be64((guint64)MAX(due, 0)); /* 0: now, before any timer */
	key[1] = be64(job_id);
	if (!queue_put_bytes(txn->q->jobs, txn, key, sizeof(key), data, len, error))
		return FALSE;
	g_mutex_lock(&txn->q->wait_lock);
	txn->q->jobs_added++;
	g_cond_broadcast(&txn->q->wait_cond);
	g_mutex_unlock(&txn->q->wait_lock);
	return TRUE;
}

/* job_from - decode a job from its key and record. */
static LrJob *job_from(const DBT *key, GBytes *rec)
{
	g_autoptr(GVariant) v =
	    g_variant_ref_sink(g_variant_new_from_bytes(G_VARIANT_TYPE("(ustss)"), rec, FALSE));
	const guint64 *k = key->data;
	LrJob *job = g_new0(LrJob, 1);
	guint32 version;

	job->due = (gint64)GUINT64_FROM_BE(k[0]);
	job->job_id = GUINT64_FROM_BE(k[1]);
	g_variant_get(v, "(ustss)", &version, &job->kind, &job->lead_id, &job->arg, NULL);
	return job;
}

/* queue_job_next - the earliest due job, locked. */
LrJob *queue_job_next(LrTxn *txn, gint64 now, GError **error)
{
	DBC *c = queue_cursor_open(txn->q->jobs, txn, error);
	DBT key = dbt_out(), val = dbt_out();
	LrJob *job = NULL;
	int ret;

	if (c == NULL)
		return NULL;
	ret = c->get(c, &key, &val, DB_FIRST | DB_RMW);
	if (ret == 0 && key.size == 2 * sizeof(guint64) &&
	    (gint64)GUINT64_FROM_BE(((guint64 *)key.data)[0]) <= now) {
		g_autoptr(GBytes) rec = queue_dbt_bytes(&val);
		job = job_from(&key, rec);
	} else if (ret == 0) {
		free(val.data);
	}
	free(key.data);
	c->close(c);
	if (ret != 0 && ret != DB_NOTFOUND)
		queue_db_fail(error, ret, "jobs");
	return job;
}

/* job_get - one job by its key, locked for this transaction. */
static LrJob *job_get(LrTxn *txn, gint64 due, guint64 job_id, GError **error)
{
	guint64 k[2] = {be64((guint64)MAX(due, 0)), be64(job_id)};
	DBT key = dbt_in(k, sizeof(k)), val = dbt_out();
	int ret = txn->q->jobs->get(txn->q->jobs, txn->txn, &key, &val, DB_RMW);
	g_autoptr(GBytes) rec = NULL;

	if (ret == DB_NOTFOUND)
		return NULL;
	if (ret != 0) {
		queue_db_fail(error, ret, "jobs");
		return NULL;
	}
	rec = queue_dbt_bytes(&val);
	return job_from(&key, rec);
}

/* queue_job_postpone - move the job with job's key to a later time. */
gboolean queue_job_postpone(LrTxn *txn, const LrJob *job, gint64 later, gboolean *found,
                            GError **error)
{
	g_autoptr(LrJob) cur = job_get(txn, job->due, job->job_id, error);

	*found = cur != NULL;
	if (cur == NULL)
		return error == NULL || *error == NULL;
	return queue_job_delete(txn, cur, error) &&
	       queue_job_add(txn, cur->kind, cur->lead_id, later, cur->arg, error);
}

/* queue_job_delete - remove a finished job. */
gboolean queue_job_delete(LrTxn *txn, const LrJob *job, GError **error)
{
	guint64 k[2] = {be64((guint64)job->due), be64(job->job_id)};
	DBT key = dbt_in(k, sizeof(k));
	int ret = txn->q->jobs->del(txn->q->jobs, txn->txn, &key, 0);

	if (ret != 0 && ret != DB_NOTFOUND)
		return queue_db_fail(error, ret, "job delete");
	return TRUE;
}

/* queue_job_next_due - when the first job is due. */
gint64 queue_job_next_due(LrQueue *q)
{
	DBC *c = queue_cursor_open(q->jobs, NULL, NULL);
	DBT key = dbt_out(), val = dbt_out();
	gint64 due = G_MAXINT64;

	if (c == NULL)
		return g_get_real_time();
	if (c->get(c, &key, &val, DB_FIRST) == 0) {
		if (key.size == 2 * sizeof(guint64))
			due = (gint64)GUINT64_FROM_BE(((guint64 *)key.data)[0]);
		free(key.data);
		free(val.data);
	}
	c->close(c);
	return due;
}

/* queue_jobs_wait - sleep until this process adds a job, or timeout. */
void queue_jobs_wait(LrQueue *q, gint64 timeout_us)
{
	gint64 until = g_get_monotonic_time() + timeout_us;
	guint64 seen;

	g_mutex_lock(&q->wait_lock);
	seen = q->jobs_added;
	while (q->jobs_added == seen)
		if (!g_cond_wait_until(&q->wait_cond, &q->wait_lock, until))
			break;
	g_mutex_unlock(&q->wait_lock);
}

/* queue_job_free - destroy a job. */
void queue_job_free(LrJob *job)
{
	if (job == NULL)
		return;
	g_free(job->kind);
	g_free(job->arg);
	g_free(job);
}
