/* imap.c - an IMAP source with libetpan: every message of the folder
 * stored as a lead (record "vUIDVALIDITY/UID") before it is flagged,
 * moved or deleted; IDLE while waiting when the server offers it. */
#include "config.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "intake/source-int.h"
#include "lead/log.h"
#include "lead/lr-error.h"

/* Uids per FETCH of their sizes; their bodies are fetched in pieces of at
 * most IMAP_BATCH_BYTES (one message at least), each stored in one
 * transaction, so that memory stays bounded whatever the sizes. */
#define IMAP_BATCH 100
#define IMAP_BATCH_BYTES (4 * 1024 * 1024)
/* Stored uids acted on together (a round's last ones earlier): Dovecot
 * rewrites its index on each EXPUNGE or MOVE, so that one per batch of
 * 50 in a mailbox of 10,000 took 2 s each; they wait in the store's
 * pending list meanwhile, which a restart completes. */
#define IMAP_ACT_GROUP 1000
#define IMAP_TIMEOUT 60
#define IMAP_IDLE_MAX (25 * 60)
#define LR_KEYWORD "$Leadroute"

typedef struct {
	LrSourceCtx *ctx;
	mailimap *imap;
	guint32 uidvalidity;
	gboolean fetch_failed; /* the last failure was a FETCH's */
	GArray *later;         /* uids stored, their action not done yet */
} Imap;

/* ok - libetpan's success codes. */
static gboolean ok(int r)
{
	return r == MAILIMAP_NO_ERROR || r == MAILIMAP_NO_ERROR_AUTHENTICATED ||
	       r == MAILIMAP_NO_ERROR_NON_AUTHENTICATED;
}

/* refresh_caps - ask for the capabilities again (after STARTTLS or LOGIN). */
static int refresh_caps(mailimap *imap)
{
	struct mailimap_capability_data *caps = NULL;
	int r = mailimap_capability(imap, &caps);

	if (caps != NULL)
		mailimap_capability_data_free(caps);
	return r;
}

/* imap_connect - TCP (and TLS), verified before anything else is said. */
static gboolean imap_connect(Imap *m, GError **error)
{
	const LrSource *src = m->ctx->src;
	mailstream *s;
	int r;

	mailimap_set_timeout(m->imap, IMAP_TIMEOUT);
	if ((s = source_net_open(m->ctx, IMAP_TIMEOUT, error)) == NULL)
		return FALSE;
	if (!ok(r = mailimap_connect(m->imap, s))) /* s is the session's now */
		return source_error(error, src, "connect", r);
	if (m->ctx->probe)
		m->ctx->probe->reachable = TRUE;
	if (src->tls == LR_TLS_STARTTLS) {
		if (!ok(r = refresh_caps(m->imap)))
			return source_error(error, src, "CAPABILITY", r);
		if (!ok(r = mailimap_socket_starttls(m->imap))) {
			g_set_error(error, LR_ERROR, LR_ERROR_TEMP,
			            "source=%s STARTTLS failed "
			            "(libetpan error %d); tls = \"none\" would allow plain text",
			            src->id, r);
			return FALSE;
		}
	}
	source_stream_guard(m->imap->imap_stream);
	if (src->tls != LR_TLS_NONE)
		return tls_verify_stream(m->ctx, m->imap->imap_stream, error);
	source_plain_warn(m->ctx);
	if (m->ctx->probe) {
		m->ctx->probe->cert_ok = TRUE;
		m->ctx->probe->cert_info = g_strdup("no TLS (tls = \"none\")");
	}
	return TRUE;
}

/* imap_login - the password, read when needed and never logged. */
static gboolean imap_login(Imap *m, GError **error)
{
	const LrSource *src = m->ctx->src;
	g_autofree char *pw = lr_source_password(src, error);
	int r;

	if (pw == NULL)
		return FALSE;
	r = mailimap_login(m->imap, src->user, pw);
	memset(pw, 0, strlen(pw));
	if (!ok(r)) {
		g_set_error(error, LR_ERROR, LR_ERROR_TEMP, "source=%s login as %s refused: %s",
		            src->id, src->user,
		            m->imap->imap_response ? m->imap->imap_response : "no answer");
		return FALSE;
	}
	return TRUE;
}

/* imap_select - the folder; its UIDVALIDITY. */
static gboolean imap_select(Imap *m, GError **error)
{
	int r = mailimap_select(m->imap, m->ctx->src->folder);

	if (!ok(r) || m->imap->imap_selection_info == NULL)
		return source_error(error, m->ctx->src, "SELECT", r);
	m->uidvalidity = m->imap->imap_selection_info->sel_uidvalidity;
	if (m->ctx->probe)
		m->ctx->probe->waiting = m->imap->imap_selection_info->sel_exists;
	return TRUE;
}

/* uid_set - an IMAP set of the uids, each run of consecutive ones a
 * range (SEARCH and FETCH give them ascending: 1:1000, not 1,2,...,1000). */
static struct mailimap_set *uid_set(GArray *uids)
{
	struct mailimap_set *set = mailimap_set_new_empty();

	for (guint i = 0; i < uids->len;) {
		guint32 first = g_array_index(uids, guint32, i), last = first;
		for (i++; i < uids->len && g_array_index(uids, guint32, i) == last + 1; i++)
			last++;
		if (first == last)
			mailimap_set_add_single(set, first);
		else
			mailimap_set_add_interval(set, first, last);
	}
	return set;
}

/* add_flags - STORE +FLAGS.SILENT of flags (\Seen, $Leadroute, \Deleted). */
static int add_flags(Imap *m, GArray *uids, gboolean seen, gboolean deleted)
{
	struct mailimap_flag_list *fl = mailimap_flag_list_new_empty();
	struct mailimap_set *set = uid_set(uids);
	struct mailimap_store_att_flags *sf;
	int r;

	if (seen) {
		mailimap_flag_list_add(fl, mailimap_flag_new_seen());
		mailimap_flag_list_add(fl, mailimap_flag_new_flag_keyword(strdup(LR_KEYWORD)));
	}
	if (deleted)
		mailimap_flag_list_add(fl, mailimap_flag_new_deleted());
	sf = mailimap_store_att_flags_new_add_flags_silent(fl);
	r = mailimap_uid_store(m->imap, set, sf);
	mailimap_store_att_flags_free(sf);
	mailimap_set_free(set);
	return r;
}

/* expunge - remove uids marked \Deleted (UID EXPUNGE when offered). */
static int expunge(Imap *m, GArray *uids)
{
	struct mailimap_set *set;
	int r;

	if (!mailimap_has_extension(m->imap, "UIDPLUS"))
		return mailimap_expunge(m->imap);
	set = uid_set(uids);
	r = mailimap_uid_expunge(m->imap, set);
	mailimap_set_free(set);
	return r;
}

/* move_to - uids into folder: MOVE, or COPY + \Deleted + expunge. */
static int move_to(Imap *m, GArray *uids, const char *folder)
{
	struct mailimap_set *set = uid_set(uids);
	int r;

	mailimap_create(m->imap, folder); /* exists already: NO, fine */
	if (mailimap_has_extension(m->imap, "MOVE")) {
		r = mailimap_uid_move(m->imap, set, folder);
		mailimap_set_free(set);
		return r;
	}
	r = mailimap_uid_copy(m->imap, set, folder);
	mailimap_set_free(set);
	if (ok(r))
		r = add_flags(m, uids, FALSE, TRUE);
	return ok(r) ? expunge(m, uids) : r;
}

/* act - the after action on stored uids. */
static gboolean act(Imap *m, GArray *uids, GError **error)
{
	const LrSource *src = m->ctx->src;
	int r = MAILIMAP_NO_ERROR;

	if (uids->len == 0)
		return TRUE;
	if (src->after == LR_AFTER_FLAG)
		r = add_flags(m, uids, TRUE, FALSE);
	else if (src->after == LR_AFTER_MOVE)
		r = move_to(m, uids, src->after_folder);
	else if (ok(r = add_flags(m, uids, FALSE, TRUE)))
		r = expunge(m, uids);
	return ok(r) ? TRUE : source_error(error, src, "the after action", r);
}

/* ukey_of - the record name of uid. */
static char *ukey_of(Imap *m, guint32 uid)
{
	return g_strdup_printf("v%u/%u", m->uidvalidity, uid);
}

/* done_uids - record the action done for uids. */
static void done_uids(Imap *m, GArray *uids)
{
	g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);

	for (guint i = 0; i < uids->len; i++)
		g_ptr_array_add(keys, ukey_of(m, g_array_index(uids, guint32, i)));
	g_ptr_array_add(keys, NULL);
	source_done(m->ctx, (const char *const *)keys->pdata);
}

/* finish_pending - actions left by a crash after the store: done now for
 * this UIDVALIDITY; for another one the message is found again by its
 * Message-ID, so the record is only dropped. */
static gboolean finish_pending(Imap *m, GError **error)
{
	g_auto(GStrv) pending = queue_source_pending(m->ctx->q, m->ctx->src->id, error);
	g_autofree char *prefix = g_strdup_printf("v%u/", m->uidvalidity);
	g_autoptr(GArray) uids = g_array_new(FALSE, FALSE, sizeof(guint32));

	if (pending == NULL)
		return FALSE;
	for (guint i = 0; pending[i]; i++)
		if (g_str_has_prefix(pending[i], prefix)) {
			guint32 uid =
			    (guint32)g_ascii_strtoull(pending[i] + strlen(prefix), NULL, 10);
			g_array_append_val(uids, uid);
		}
	if (uids->len > 0)
		lr_log_info(0, "source=%s completing %u actions left from before", m->ctx->src->id,
		            uids->len);
	if (!act(m, uids, error))
		return FALSE;
	source_done(m->ctx, (const char *const *)pending);
	return TRUE;
}

/* search - the uids still to take (flag mode: those without our keyword). */
static gboolean search(Imap *m, GArray *uids, GError **error)
{
	struct mailimap_search_key *key =
	    m->ctx->src->after == LR_AFTER_FLAG
	        ? mailimap_search_key_new_unkeyword(strdup(LR_KEYWORD))
	        : mailimap_search_key_new_all();
	clist *result = NULL;
	int r = mailimap_uid_search(m->imap, NULL, key, &result);

	mailimap_search_key_free(key);
	if (!ok(r))
		return source_error(error, m->ctx->src, "SEARCH", r);
	for (clistiter *it = clist_begin(result); it; it = clist_next(it))
		g_array_append_val(uids, *(guint32 *)clist_content(it));
	mailimap_search_result_free(result);
	return TRUE;
}

/* One message's attributes from a FETCH answer. */
typedef struct {
	guint32 uid;
	guint32 size;
	const char *body;
	gsize len;
} Att;

/* att_of - the UID, size and body of one FETCH answer. */
static Att att_of(struct mailimap_msg_att *ma)
{
	Att a = {0, 0, NULL, 0};

	for (clistiter *it = clist_begin(ma->att_list); it; it = clist_next(it)) {
		struct mailimap_msg_att_item *item = clist_content(it);
		struct mailimap_msg_att_static *st;
		if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
			continue;
		st = item->att_data.att_static;
		if (st->att_type == MAILIMAP_MSG_ATT_UID)
			a.uid = st->att_data.att_uid;
		else if (st->att_type == MAILIMAP_MSG_ATT_RFC822_SIZE)
			a.size = st->att_data.att_rfc822_size;
		else if (st->att_type == MAILIMAP_MSG_ATT_BODY_SECTION) {
			a.body = st->att_data.att_body_section->sec_body_part;
			a.len = st->att_data.att_body_section->sec_length;
		}
	}
	return a;
}

/* fetch - UID FETCH of uids with (UID and) size, or the body. */
static clist *fetch(Imap *m, GArray *uids, gboolean body, GError **error)
{
	struct mailimap_fetch_type *ft = mailimap_fetch_type_new_fetch_att_list_empty();
	struct mailimap_set *set = uid_set(uids);
	clist *result = NULL;
	int r;

	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_uid());
	if (body)
		mailimap_fetch_type_new_fetch_att_list_add(
		    ft, mailimap_fetch_att_new_body_peek_section(mailimap_section_new(NULL)));
	else
		mailimap_fetch_type_new_fetch_att_list_add(ft,
		                                           mailimap_fetch_att_new_rfc822_size());
	r = mailimap_uid_fetch(m->imap, set, ft, &result);
	mailimap_fetch_type_free(ft);
	mailimap_set_free(set);
	if (!ok(r)) {
		m->fetch_failed = TRUE;
		source_error(error, m->ctx->src, "FETCH", r);
		return NULL;
	}
	return result;
}

/* quarantine - a message that can never be stored, or that failed
 * quarantine_after times: moved aside (its record then forgotten). */
static void quarantine(Imap *m, guint32 uid, const char *why)
{
	g_autoptr(GArray) one = g_array_new(FALSE, FALSE, sizeof(guint32));
	g_autofree char *ukey = ukey_of(m, uid);
	g_autofree char *where = g_strdup_printf("into=%s", m->ctx->src->quarantine);
	int r;

	g_array_append_val(one, uid);
	if (ok(r = move_to(m, one, m->ctx->src->quarantine)))
		source_quarantined(m->ctx, ukey, where, why, 0);
	else
		lr_log_warn(0,
		            "source=%s uid=%s cannot be moved into %s (libetpan error %d): "
		            "tried again next round",
		            m->ctx->src->id, ukey, m->ctx->src->quarantine, r);
}

/* sizes_ok - the uids of the batch within the size limit (into take,
 * their sizes into sizes); others go to quarantine without being
 * downloaded. */
static gboolean sizes_ok(Imap *m, GArray *batch, GArray *take, GArray *sizes, GError **error)
{
	clist *result = fetch(m, batch, FALSE, error);

	if (result == NULL)
		return FALSE;
	for (clistiter *it = clist_begin(result); it; it = clist_next(it)) {
		Att a = att_of(clist_content(it));
		if (m->ctx->max_size > 0 && a.size > m->ctx->max_size) {
			g_autofree char *why = g_strdup_printf("message of %u bytes exceeds the "
			                                       "limit of %zu",
			                                       a.size, m->ctx->max_size);
			quarantine(m, a.uid, why);
		} else if (a.uid != 0) {
			g_array_append_val(take, a.uid);
			g_array_append_val(sizes, a.size);
		}
	}
	mailimap_fetch_list_free(result);
	return TRUE;
}

/* fetched_of - the messages of a FETCH answer; uids answered without a
 * body go to incomplete. */
static void fetched_of(Imap *m, clist *result, GPtrArray *fetched, GArray *incomplete)
{
	for (clistiter *it = clist_begin(result); it; it = clist_next(it)) {
		Att a = att_of(clist_content(it));
		LrFetched *f;
		if (a.uid != 0 && a.body == NULL)
			g_array_append_val(incomplete, a.uid);
		if (a.uid == 0 || a.body == NULL)
			continue;
		f = g_new0(LrFetched, 1);
		f->ukey = ukey_of(m, a.uid);
		f->raw = g_bytes_new(a.body, a.len);
		g_ptr_array_add(fetched, f);
	}
}

/* act_later - the after action on the uids stored and not acted on yet,
 * then recorded done. */
static gboolean act_later(Imap *m, GError **error)
{
	if (!act(m, m->later, error))
		return FALSE;
	done_uids(m, m->later);
	g_array_set_size(m->later, 0);
	return TRUE;
}

/* take_bodies - fetch the bodies of uids and store them durably in one
 * transaction; the stored ones wait in m->later for their action (done
 * once IMAP_ACT_GROUP wait), those that can never be stored go to
 * quarantine; uids the server answered without their body go to
 * incomplete. */
static gboolean take_bodies(Imap *m, GArray *uids, GArray *incomplete, GError **error)
{
	g_autoptr(GPtrArray) fetched =
	    g_ptr_array_new_with_free_func((GDestroyNotify)source_fetched_free);
	clist *result = fetch(m, uids, TRUE, error);

	if (result == NULL)
		return FALSE;
	fetched_of(m, result, fetched, incomplete);
	mailimap_fetch_list_free(result);
	if (!source_store(m->ctx, fetched, error))
		return FALSE;
	for (guint i = 0; i < fetched->len; i++) {
		LrFetched *f = g_ptr_array_index(fetched, i);
		guint32 uid = (guint32)g_ascii_strtoull(strchr(f->ukey, '/') + 1, NULL, 10);
		if (f->refused)
			quarantine(m, uid, f->why);
		else
			g_array_append_val(m->later, uid);
	}
	return m->later->len < IMAP_ACT_GROUP || act_later(m, error);
}

/* piece_end - where the piece of uids that starts at i ends: at most
 * IMAP_BATCH_BYTES by their sizes, one message at least. */
static guint piece_end(GArray *sizes, guint i)
{
	guint64 bytes = g_array_index(sizes, guint32, i);
	guint end = i + 1;

	while (end < sizes->len && bytes + g_array_index(sizes, guint32, end) <= IMAP_BATCH_BYTES)
		bytes += g_array_index(sizes, guint32, end++);
	return end;
}

/* take_batch - the sizes of one batch of uids, then their bodies in
 * pieces (piece_end), each stored before the next is fetched; uids the
 * server answered without their body go to incomplete. */
static gboolean take_batch(Imap *m, GArray *batch, GArray *incomplete, GError **error)
{
	g_autoptr(GArray) take = g_array_new(FALSE, FALSE, sizeof(guint32));
	g_autoptr(GArray) sizes = g_array_new(FALSE, FALSE, sizeof(guint32));

	if (!sizes_ok(m, batch, take, sizes, error))
		return FALSE;
	for (guint i = 0, end; i < take->len; i = end) {
		g_autoptr(GArray) piece = g_array_new(FALSE, FALSE, sizeof(guint32));
		end = piece_end(sizes, i);
		g_array_append_vals(piece, &g_array_index(take, guint32, i), end - i);
		if (!take_bodies(m, piece, incomplete, error))
			return FALSE;
	}
	return TRUE;
}

/* One round's uids by how they are taken (source_plan). */
typedef struct {
	GArray *fresh, *alone, *retry, *again;
} Plan;

/* plan_round - sort the uids; those due go to quarantine at once. */
static void plan_round(Imap *m, GArray *uids, Plan *p)
{
	for (guint i = 0; i < uids->len; i++) {
		guint32 uid = g_array_index(uids, guint32, i);
		g_autofree char *ukey = ukey_of(m, uid);
		g_autofree char *why = NULL;
		switch (source_plan(m->ctx, ukey)) {
		case LR_TAKE_AGAIN:
			g_array_append_val(p->again, uid);
			break;
		case LR_TAKE_DUE:
		case LR_TAKE_SKIPPED:
			why = g_strdup_printf("%u tries failed", m->ctx->src->quarantine_after);
			quarantine(m, uid, why);
			break;
		case LR_TAKE_ALONE:
			g_array_append_val(p->alone, uid);
			break;
		case LR_TAKE_RETRY:
			g_array_append_val(p->retry, uid);
			break;
		case LR_TAKE_FRESH:
			g_array_append_val(p->fresh, uid);
			break;
		}
	}
}

/* take_fresh - the fresh uids in batches; when a batch's FETCH fails,
 * each of its uids is taken alone from then on. */
static gboolean take_fresh(Imap *m, GArray *fresh, GArray *alone, GError **error)
{
	for (guint i = 0; i < fresh->len && !source_stopping(m->ctx); i += IMAP_BATCH) {
		guint n = MIN(IMAP_BATCH, fresh->len - i);
		g_autoptr(GArray) batch = g_array_sized_new(FALSE, FALSE, sizeof(guint32), n);
		g_array_append_vals(batch, &g_array_index(fresh, guint32, i), n);
		m->fetch_failed = FALSE;
		if (take_batch(m, batch, alone, error))
			continue;
		for (guint k = 0; m->fetch_failed && k < batch->len; k++) {
			g_autofree char *ukey = ukey_of(m, g_array_index(batch, guint32, k));
			source_suspect(m->ctx, ukey);
		}
		return FALSE;
	}
	return TRUE;
}

/* take_alone - each uid that failed before, alone, its try counted first:
 * one that keeps failing cannot hold up the others. */
static gboolean take_alone(Imap *m, GArray *alone, GError **error)
{
	for (guint i = 0; i < alone->len && !source_stopping(m->ctx); i++) {
		g_autoptr(GArray) one = g_array_new(FALSE, FALSE, sizeof(guint32));
		g_autoptr(GArray) incomplete = g_array_new(FALSE, FALSE, sizeof(guint32));
		guint32 uid = g_array_index(alone, guint32, i);
		g_autofree char *ukey = ukey_of(m, uid);
		guint n = source_try(m->ctx, ukey);
		gboolean ok_now;
		if (n == 0) {
			g_set_error(error, LR_ERROR, LR_ERROR_TEMP,
			            "source=%s uid=%s its try cannot be counted", m->ctx->src->id,
			            ukey);
			return FALSE;
		}
		g_array_append_val(one, uid);
		m->fetch_failed = FALSE;
		ok_now = take_batch(m, one, incomplete, error);
		if (ok_now && incomplete->len == 0)
			continue;
		if (ok_now || m->fetch_failed) /* not a failure of the store or the action */
			source_try_failed(m->ctx, ukey, n,
			                  ok_now ? "the server sent no body" : (*error)->message);
		if (!ok_now)
			return FALSE;
	}
	return TRUE;
}

/* take_all - every message waiting in the folder: the fresh ones in
 * batches, then one by one those of a failed batch, and last those that
 * failed alone before (so that one which keeps failing holds up none). */
static gboolean take_all(Imap *m, GError **error)
{
	g_autoptr(GArray) uids = g_array_new(FALSE, FALSE, sizeof(guint32));
	g_autoptr(GArray) fresh = g_array_new(FALSE, FALSE, sizeof(guint32));
	g_autoptr(GArray) alone = g_array_new(FALSE, FALSE, sizeof(guint32));
	g_autoptr(GArray) retry = g_array_new(FALSE, FALSE, sizeof(guint32));
	g_autoptr(GArray) again = g_array_new(FALSE, FALSE, sizeof(guint32));
	Plan p = {fresh, alone, retry, again};

	if (!finish_pending(m, error) || !search(m, uids, error))
		return FALSE;
	plan_round(m, uids, &p);
	if (!take_fresh(m, fresh, alone, error) || !take_alone(m, alone, error) ||
	    !take_alone(m, retry, error) || !act_later(m, error))
		return FALSE;
	/* Stored before, yet still here: the action was lost; do it again. */
	if (again->len > 0 && !act(m, again, error))
		return FALSE;
	done_uids(m, again);
	return TRUE;
}

/* idle_wait - IDLE until the server says something, seconds pass, or
 * stopping; FALSE with error when IDLE failed. */
static gboolean idle_wait(Imap *m, gint64 seconds, GError **error)
{
	gint64 end = g_get_monotonic_time() + seconds * G_USEC_PER_SEC;
	int r = mailimap_idle(m->imap), fd;

	if (!ok(r))
		return source_error(error, m->ctx->src, "IDLE", r);
	fd = mailimap_idle_get_fd(m->imap);
	while (!source_stopping(m->ctx) && g_get_monotonic_time() < end) {
		struct pollfd p = {fd, POLLIN, 0};
		if (poll(&p, 1, 500) != 0)
			break;
	}
	r = mailimap_idle_done(m->imap);
	return ok(r) ? TRUE : source_error(error, m->ctx->src, "IDLE DONE", r);
}

/* session - connect, log in, select, take; then IDLE rounds while offered. */
static gboolean session(Imap *m, GError **error)
{
	const LrSource *src = m->ctx->src;
	gboolean idle;

	if (!imap_connect(m, error) || !imap_login(m, error))
		return FALSE;
	refresh_caps(m->imap);
	if (!imap_select(m, error))
		return FALSE;
	if (m->ctx->probe)
		return TRUE;
	idle = src->idle && mailimap_has_idle(m->imap);
	do {
		if (!take_all(m, error))
			return FALSE;
	} while (idle && !source_stopping(m->ctx) &&
	         idle_wait(m, MIN(src->poll * 10, IMAP_IDLE_MAX), error));
	return error == NULL || *error == NULL;
}

/* imap_run - one connection's life. */
gboolean imap_run(LrSourceCtx *ctx, GError **error)
{
	g_autoptr(GArray) later = g_array_new(FALSE, FALSE, sizeof(guint32));
	Imap m = {ctx, mailimap_new(0, NULL), 0, FALSE, later};
	gboolean r = session(&m, error);

	if (m.imap->imap_stream != NULL)
		mailimap_logout(m.imap);
	source_net_release(ctx);
	mailimap_free(m.imap);
	return r;
}
