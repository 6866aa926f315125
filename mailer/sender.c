/* sender.c - SMTP submission of the outbox with libcurl. */
#include "config.h"

#include <string.h>

#include <curl/curl.h>

#include "lead/log.h"
#include "lead/lr-error.h"
#include "mailer/https.h"
#include "mailer/sender.h"

#define SENDER_REPLY_MAX 200 /* characters of the relay's reply kept for messages */

struct LrSender {
	CURL *curl;
	char *url, *user, *password;
	gint64 backoff_first, backoff_max;
	glong connect_timeout, total_timeout;
	const gint *cancel; /* a try under way ends when *cancel turns non-zero */
	/* The current transaction, as the debug callback sees it. */
	char verb[16];       /* the last SMTP command sent: "EHLO", "RCPT"... */
	GString *reply;      /* the relay's last reply line */
	char fail_verb[16];  /* the last command refused (4xx/5xx), "" when none */
	GString *fail_reply; /* and the reply that refused it */
	int fail_code;
	guint rcpt_soft;       /* RCPT commands answered 4xx */
	gboolean relay_failed; /* the last failure was the relay's, not the message's */
	char errbuf[CURL_ERROR_SIZE];
	LrSender *lanes[SENDER_LANES - 1]; /* more connections to the relay, made as needed */
};

typedef struct {
	const char *data;
	gsize len, pos;
} SenderUpload;

/* sender_global_init - curl_global_init once per process. */
static void sender_global_init(void)
{
	static gsize done;

	if (g_once_init_enter(&done)) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		g_once_init_leave(&done, 1);
	}
}

/* sender_new - a sender for one relay. */
LrSender *sender_new(const char *url, const char *user, const char *password)
{
	LrSender *s = g_new0(LrSender, 1);

	sender_global_init();
	s->curl = curl_easy_init();
	s->url = g_strdup(url);
	s->user = g_strdup(user);
	s->password = g_strdup(password);
	s->backoff_first = (gint64)60 * G_USEC_PER_SEC;
	s->backoff_max = (gint64)3600 * G_USEC_PER_SEC;
	s->connect_timeout = 30;
	s->total_timeout = 300;
	s->reply = g_string_new(NULL);
	s->fail_reply = g_string_new(NULL);
	return s;
}

/* sender_free - close the connection and forget the credentials. */
void sender_free(LrSender *s)
{
	if (s == NULL)
		return;
	for (guint i = 0; i < G_N_ELEMENTS(s->lanes); i++)
		sender_free(s->lanes[i]);
	if (s->curl)
		curl_easy_cleanup(s->curl);
	g_free(s->url);
	g_free(s->user);
	if (s->password)
		memset(s->password, 0, strlen(s->password));
	g_free(s->password);
	g_string_free(s->reply, TRUE);
	g_string_free(s->fail_reply, TRUE);
	g_free(s);
}

/* sender_set_backoff - change the retry delays. */
void sender_set_backoff(LrSender *s, gint64 first_us, gint64 max_us)
{
	s->backoff_first = MAX(first_us, 1);
	s->backoff_max = MAX(max_us, s->backoff_first);
}

/* sender_set_cancel - see sender.h. */
void sender_set_cancel(LrSender *s, const gint *cancel)
{
	s->cancel = cancel;
}

/* sender_set_timeouts - change the network time limits. */
void sender_set_timeouts(LrSender *s, glong connect_s, glong total_s)
{
	s->connect_timeout = MAX(connect_s, 1);
	s->total_timeout = MAX(total_s, 1);
}

/* sender_read - CURLOPT_READFUNCTION: the next piece of the message. */
static size_t sender_read(char *buf, size_t size, size_t n, void *data)
{
	SenderUpload *up = data;
	gsize k = MIN(size * n, up->len - up->pos);

	memcpy(buf, up->data + up->pos, k);
	up->pos += k;
	return k;
}

/* sender_last_line - the last non-empty line of data, trimmed, at most
 * SENDER_REPLY_MAX characters, into out. */
static void sender_last_line(const char *data, size_t size, GString *out)
{
	g_autofree char *text = g_strndup(data, size);
	g_auto(GStrv) lines = g_strsplit_set(text, "\r\n", -1);

	for (guint i = 0; lines[i]; i++) {
		g_strstrip(lines[i]);
		if (*lines[i] == '\0')
			continue;
		g_string_assign(out, lines[i]);
		if (out->len > SENDER_REPLY_MAX)
			g_string_truncate(out, SENDER_REPLY_MAX);
	}
}

/* sender_note_refusal - remember a final 4xx/5xx reply and what it
 * answered (curl goes on to QUIT, whose 221 would hide it). */
static void sender_note_refusal(LrSender *s)
{
	const char *r = s->reply->str;

	if (s->reply->len < 3 || (r[0] != '4' && r[0] != '5') || !g_ascii_isdigit(r[1]) ||
	    !g_ascii_isdigit(r[2]) || (r[3] != ' ' && r[3] != '\0'))
		return;
	s->fail_code = (r[0] - '0') * 100 + (r[1] - '0') * 10 + (r[2] - '0');
	g_strlcpy(s->fail_verb, s->verb[0] ? s->verb : "CONNECT", sizeof s->fail_verb);
	g_string_assign(s->fail_reply, r);
	if (strcmp(s->fail_verb, "RCPT") == 0 && r[0] == '4')
		s->rcpt_soft++;
}

/* sender_debug - CURLOPT_DEBUGFUNCTION: note the commands sent (the verb
 * only: AUTH lines carry secrets) and the relay's replies. */
static int sender_debug(CURL *curl, curl_infotype type, char *data, size_t size, void *ptr)
{
	LrSender *s = ptr;
	gsize n = 0;

	if (type == CURLINFO_HEADER_OUT) {
		while (n < size && n < sizeof s->verb - 1 && g_ascii_isalpha(data[n])) {
			s->verb[n] = g_ascii_toupper(data[n]);
			n++;
		}
		s->verb[n] = '\0';
		g_string_truncate(s->reply, 0);
	} else if (type == CURLINFO_HEADER_IN) {
		sender_last_line(data, size, s->reply);
		sender_note_refusal(s);
	}
	return 0;
}

/* sender_addr_ok - TRUE for an envelope address curl may send as <addr>:
 * no controls, spaces or angle brackets ("" is the null sender). */
static gboolean sender_addr_ok(const char *addr, gboolean may_be_empty)
{
	if (addr == NULL || (*addr == '\0' && !may_be_empty) || strlen(addr) > 254)
		return FALSE;
	for (const char *p = addr; *p; p++)
		if ((guchar)*p <= 0x20 || *p == 0x7f || *p == '<' || *p == '>')
			return FALSE;
	return TRUE;
}

/* sender_url_ok - TRUE for an smtp:// or smtps:// URL. */
static gboolean sender_url_ok(const char *url)
{
	return url && (g_ascii_strncasecmp(url, "smtp://", 7) == 0 ||
	               g_ascii_strncasecmp(url, "smtps://", 8) == 0);
}

/* sender_setup - the options of one transaction. */
static void sender_setup(LrSender *s, const char *from, struct curl_slist *rcpts, SenderUpload *up)
{
	g_autofree char *mail_from = g_strdup_printf("<%s>", from);
	CURL *c = s->curl;

	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, s->url);
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, mail_from); /* curl copies strings */
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpts);
#if LIBCURL_VERSION_NUM >= 0x080200
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT_ALLOWFAILS, 1L);
#elif LIBCURL_VERSION_NUM >= 0x074500
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT_ALLLOWFAILS, 1L);
#endif
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, sender_read);
	curl_easy_setopt(c, CURLOPT_READDATA, up);
	curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)up->len);
	curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
	if (s->user)
		curl_easy_setopt(c, CURLOPT_USERNAME, s->user);
	if (s->password)
		curl_easy_setopt(c, CURLOPT_PASSWORD, s->password);
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, s->connect_timeout);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, s->total_timeout);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, s->errbuf);
	curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);
	curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, sender_debug);
	curl_easy_setopt(c, CURLOPT_DEBUGDATA, s);
	mailer_curl_set_cancel(c, s->cancel);
	s->verb[0] = '\0';
	s->fail_verb[0] = '\0';
	s->fail_code = 0;
	g_string_truncate(s->fail_reply, 0);
	s->errbuf[0] = '\0';
	s->rcpt_soft = 0;
	s->relay_failed = FALSE;
	g_string_truncate(s->reply, 0);
}

/* sender_classify - turn a failed transaction into an error: PERM when the
 * relay refused this message for good, else TEMP; note whether the relay
 * rather than the message failed. */
static gboolean sender_classify(LrSender *s, CURLcode res, GError **error)
{
	const char *verb = s->fail_verb;
	gboolean about_message = strcmp(verb, "RCPT") == 0 || strcmp(verb, "DATA") == 0;
	gboolean perm = s->fail_code >= 500 && ((about_message && s->rcpt_soft == 0) ||
	                                        (strcmp(verb, "MAIL") == 0 && s->fail_code == 552));

	s->relay_failed = !about_message && !perm;
	if (s->fail_code != 0)
		g_set_error(error, LR_ERROR, perm ? LR_ERROR_PERM : LR_ERROR_TEMP,
		            "relay said \"%s\" to %s", s->fail_reply->str, verb);
	else
		g_set_error(error, LR_ERROR, LR_ERROR_TEMP, "relay: %s (at %s)",
		            s->errbuf[0] ? s->errbuf : curl_easy_strerror(res),
		            s->verb[0] ? s->verb : "connecting");
	return FALSE;
}

/* sender_check - refuse what cannot be sent at all. */
static gboolean sender_check(LrSender *s, const char *from, const char *const *rcpts,
                             GError **error)
{
	if (!sender_url_ok(s->url)) {
		s->relay_failed = TRUE;
		g_set_error(error, LR_ERROR, LR_ERROR_TEMP, "relay URL is not smtp:// or smtps://");
		return FALSE;
	}
	if (!sender_addr_ok(from, TRUE) || rcpts == NULL || rcpts[0] == NULL) {
		g_set_error(error, LR_ERROR, LR_ERROR_PERM, "bad envelope sender or no recipient");
		return FALSE;
	}
	for (guint i = 0; rcpts[i]; i++) {
		if (!sender_addr_ok(rcpts[i], FALSE)) {
			g_set_error(error, LR_ERROR, LR_ERROR_PERM, "bad recipient address");
			return FALSE;
		}
	}
	return TRUE;
}

/* sender_send - one SMTP transaction. */
gboolean sender_send(LrSender *s, const char *from, const char *const *rcpts, GBytes *message,
                     GError **error)
{
	SenderUpload up = {0};
	struct curl_slist *list = NULL;
	CURLcode res;

	s->relay_failed = FALSE;
	if (!sender_check(s, from, rcpts, error))
		return FALSE;
	for (guint i = 0; rcpts[i]; i++) {
		g_autofree char *rcpt = g_strdup_printf("<%s>", rcpts[i]);

		list = curl_slist_append(list, rcpt);
	}
	up.data = g_bytes_get_data(message, &up.len);
	sender_setup(s, from, list, &up);
	res = curl_easy_perform(s->curl);
	curl_slist_free_all(list);
	if (res == CURLE_OK && s->rcpt_soft > 0)
		lr_log_warn(0, "relay deferred %u of the recipients; they will not get it",
		            s->rcpt_soft);
	return res == CURLE_OK ? TRUE : sender_classify(s, res, error);
}

/* sender_delay - the back-off after a message's attempts-th failure
 * (attempts counts the earlier ones). */
static gint64 sender_delay(const LrSender *s, guint attempts)
{
	gint64 delay = s->backoff_first;

	while (attempts-- > 0 && delay < s->backoff_max)
		delay *= 2;
	return MIN(delay, s->backoff_max);
}

/* sender_defer - record a failed try of m and when to try again. */
static gboolean sender_defer(LrSender *s, LrQueue *q, const LrOutMail *m, const char *why,
                             GError **error)
{
	gint64 delay = sender_delay(s, m->attempts);
	g_autofree char *to = g_strjoinv(",", m->rcpts);

	lr_log_warn(m->lead_id,
	            "outbox=%" G_GUINT64_FORMAT " to=<%s> status=deferred "
	            "attempts=%u delay=%" G_GINT64_FORMAT "s why=%s",
	            m->id, to, m->attempts + 1, delay / G_USEC_PER_SEC, why);
	return queue_outbox_defer(q, m->id, g_get_real_time() + delay, why, error);
}

/* sender_post - an https item (its one recipient is the URL): POSTed
 * itself, never through the relay. */
static gboolean sender_post(LrSender *s, const LrOutMail *m, GError **error)
{
	long status = 0;

	return mailer_https_send(m->rcpts[0], m->message, s->connect_timeout, s->total_timeout, s->cancel,
	                         &status, error);
}

/* sender_is_https - is the outbox item a POST to an https endpoint? */
static gboolean sender_is_https(const LrOutMail *m)
{
	return m->rcpts && mailer_https_is_url(m->rcpts[0]);
}

/* The outcome of one message's try on a lane. */
typedef struct {
	gboolean tried, sent, relay_failed;
	GError *error;
} SenderTry;

/* One lane of a pass: its sender tries messages first, first + step, ...
 * until one finds the relay unusable (then every lane stops). */
typedef struct {
	LrSender *s;
	GPtrArray *due;
	SenderTry *tries;
	guint first, step;
	gint *down;
} SenderLane;

/* sender_lane_run - a lane's tries (a thread of its own but the first). */
static gpointer sender_lane_run(gpointer data)
{
	SenderLane *l = data;

	for (guint i = l->first; i < l->due->len; i += l->step) {
		const LrOutMail *m = g_ptr_array_index(l->due, i);
		SenderTry *t = &l->tries[i];
		gboolean https = sender_is_https(m);

		/* A relay that is down stops the mail, not the POSTs. */
		if (!https && g_atomic_int_get(l->down))
			continue;
		t->tried = TRUE;
		l->s->relay_failed = FALSE;
		t->sent = https ? sender_post(l->s, m, &t->error)
		                : sender_send(l->s, m->from, (const char *const *)m->rcpts, m->message,
		                              &t->error);
		t->relay_failed =
		    !https && !t->sent && lr_error_is_temp(t->error) && l->s->relay_failed;
		if (t->relay_failed)
			g_atomic_int_set(l->down, 1);
	}
	return NULL;
}

/* sender_lane - lane i of s: s itself, then senders like it. */
static LrSender *sender_lane(LrSender *s, guint i)
{
	LrSender **slot;

	if (i == 0)
		return s;
	slot = &s->lanes[i - 1];
	if (*slot == NULL) {
		*slot = sender_new(s->url, s->user, s->password);
		sender_set_backoff(*slot, s->backoff_first, s->backoff_max);
		sender_set_timeouts(*slot, s->connect_timeout, s->total_timeout);
		sender_set_cancel(*slot, s->cancel);
	}
	return *slot;
}

/* sender_try_all - try the due messages over up to SENDER_LANES
 * connections at once (one per SENDER_LANE_MIN messages). */
static void sender_try_all(LrSender *s, GPtrArray *due, SenderTry *tries)
{
	guint n = CLAMP(due->len / SENDER_LANE_MIN, 1, SENDER_LANES);
	SenderLane lanes[SENDER_LANES];
	GThread *threads[SENDER_LANES] = {0};
	gint down = 0;

	for (guint i = 0; i < n; i++) {
		lanes[i] = (SenderLane){sender_lane(s, i), due, tries, i, n, &down};
		if (i > 0)
			threads[i] = g_thread_try_new("sender-lane", sender_lane_run, &lanes[i], NULL);
	}
	sender_lane_run(&lanes[0]);
	for (guint i = 1; i < n; i++) {
		if (threads[i] != NULL)
			g_thread_join(threads[i]);
		else
			sender_lane_run(&lanes[i]); /* no thread: this one does it */
	}
}

/* sender_settle - record the outcome of m's try in the queue; *down is
 * set (the reason) when the relay itself was unusable. */
static gboolean sender_settle(LrSender *s, LrQueue *q, const LrOutMail *m, SenderTry *t,
                              guint *sent, char **down, GError **error)
{
	g_autofree char *to = g_strjoinv(",", m->rcpts);

	if (!t->tried)
		return sender_defer(s, q, m, *down ? *down : "relay unusable", error);
	if (t->sent) {
		(*sent)++;
		lr_log_info(m->lead_id,
		            "outbox=%" G_GUINT64_FORMAT " to=<%s> status=sent "
		            "attempts=%u",
		            m->id, to, m->attempts + 1);
		return queue_outbox_done(q, m->id, error);
	}
	if (!lr_error_is_temp(t->error)) {
		lr_log_error(m->lead_id,
		             "outbox=%" G_GUINT64_FORMAT " to=<%s> status=bounced "
		             "why=%s",
		             m->id, to, t->error->message);
		return queue_outbox_fail(q, m->id, t->error->message, error);
	}
	return sender_defer(s, q, m, t->error->message, error);
}

/* sender_wants - QueueOutboxWant: is an item to this recipient of the
 * kinds asked for? */
static gboolean sender_wants(const char *to, gpointer data)
{
	SenderKinds kinds = GPOINTER_TO_UINT(data);

	return (kinds & (mailer_https_is_url(to) ? SENDER_POSTS : SENDER_MAIL)) != 0;
}

/* sender_run_once - see sender.h. */
guint sender_run_once(LrSender *s, LrQueue *q, GError **error)
{
	return sender_run_kinds(s, q, SENDER_ALL, error);
}

/* sender_run_kinds - one pass over the due outbox. */
guint sender_run_kinds(LrSender *s, LrQueue *q, SenderKinds kinds, GError **error)
{
	g_autoptr(GPtrArray) due =
	    queue_outbox_due_where(q, g_get_real_time(), SENDER_BATCH,
	                           kinds == SENDER_ALL ? NULL : sender_wants, GUINT_TO_POINTER(kinds),
	                           error);
	g_autofree SenderTry *tries = NULL;
	g_autofree char *down = NULL;
	gboolean ok = TRUE;
	guint sent = 0;

	if (due == NULL || due->len == 0)
		return 0;
	tries = g_new0(SenderTry, due->len);
	sender_try_all(s, due, tries);
	/* The relay failing for one message defers those left untried. */
	for (guint i = 0; down == NULL && i < due->len; i++)
		if (tries[i].relay_failed)
			down = g_strdup(tries[i].error->message);
	for (guint i = 0; i < due->len; i++) {
		if (ok)
			ok = sender_settle(s, q, g_ptr_array_index(due, i), &tries[i], &sent, &down,
			                   error);
		g_clear_error(&tries[i].error);
	}
	/* The batch's removals reach the disk together: a crash before this
	 * re-sends at most this batch. */
	queue_flush(q, NULL);
	return sent;
}
