/* https.c - POST one document over https with libcurl, the answer sorted
 * into done, never (3xx/4xx) and later (5xx, no connection, TLS). */
#include "config.h"

#include <string.h>

#include <curl/curl.h>

#include "lead/lr-error.h"
#include "mailer/https.h"

#define HTTPS_ANSWER_MAX 4096 /* bytes of the answer kept for the log */

/* https_global_init - curl_global_init once per process. */
static void https_global_init(void)
{
	static gsize done;

	if (g_once_init_enter(&done)) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		g_once_init_leave(&done, 1);
	}
}

/* https_answer - CURLOPT_WRITEFUNCTION: keep the start of the answer. */
static size_t https_answer(char *data, size_t size, size_t n, void *user)
{
	GString *answer = user;
	gsize len = size * n;

	if (answer->len < HTTPS_ANSWER_MAX)
		g_string_append_len(answer, data, MIN(len, HTTPS_ANSWER_MAX - answer->len));
	return len;
}

/* https_progress - CURLOPT_XFERINFOFUNCTION: a non-zero answer ends the
 * transfer once *cancel is set. */
static int https_progress(void *cancel, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                          curl_off_t ulnow)
{
	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return g_atomic_int_get((const gint *)cancel) != 0;
}

/* mailer_curl_set_cancel - see https.h. */
void mailer_curl_set_cancel(void *curl, const gint *cancel)
{
	if (cancel == NULL)
		return;
	curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, https_progress);
	curl_easy_setopt(curl, CURLOPT_XFERINFODATA, (void *)cancel);
}

/* https_headers - the request's header list (new; curl_slist_free_all). */
static struct curl_slist *https_headers(const LrHttpsPost *post)
{
	g_autofree char *ctype =
	    g_strdup_printf("Content-Type: %s",
	                    post->content_type ? post->content_type : "application/octet-stream");
	struct curl_slist *list = curl_slist_append(NULL, ctype);

	list = curl_slist_append(list, "Expect:");
	for (int i = 0; post->headers && post->headers[i]; i++)
		list = curl_slist_append(list, post->headers[i]);
	return list;
}

/* https_setup - the handle's options for one POST. */
static void https_setup(CURL *c, const LrHttpsPost *post, GBytes *body, struct curl_slist *headers,
                        GString *answer, char *errbuf)
{
	gsize len = 0;
	const char *data = g_bytes_get_data(body, &len);

	curl_easy_setopt(c, CURLOPT_URL, post->url);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
#else
	curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTPS);
#endif
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, data ? data : "");
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (post->ca_file != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, post->ca_file);
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT,
	                 post->connect_timeout > 0 ? post->connect_timeout : 30L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, post->total_timeout > 0 ? post->total_timeout : 120L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "leadroute/" PACKAGE_VERSION);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, https_answer);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, answer);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	mailer_curl_set_cancel(c, post->cancel);
}

/* https_sort - the outcome of a finished request. */
static gboolean https_sort(const LrHttpsPost *post, CURLcode rc, long code, const char *errbuf,
                           GError **error)
{
	if (rc == CURLE_UNSUPPORTED_PROTOCOL) {
		g_set_error(error, LR_ERROR, LR_ERROR_PERM, "%s: only https is sent to", post->url);
		return FALSE;
	}
	if (rc != CURLE_OK) {
		g_set_error(error, LR_ERROR, LR_ERROR_TEMP, "%s: %s", post->url,
		            *errbuf ? errbuf : curl_easy_strerror(rc));
		return FALSE;
	}
	if (code >= 200 && code < 300)
		return TRUE;
	g_set_error(error, LR_ERROR, code >= 300 && code < 500 ? LR_ERROR_PERM : LR_ERROR_TEMP,
	            "%s: HTTP %ld%s", post->url, code,
	            code >= 300 && code < 400 ? " (redirects are not followed)" : "");
	return FALSE;
}

/* mailer_https_post - POST one document. */
gboolean mailer_https_post(const LrHttpsPost *post, GBytes *body, long *status, GError **error)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	g_autoptr(GString) answer = g_string_new(NULL);
	struct curl_slist *headers;
	CURL *c;
	CURLcode rc;
	long code = 0;
	gboolean ok;

	https_global_init();
	if ((c = curl_easy_init()) == NULL) {
		g_set_error(error, LR_ERROR, LR_ERROR_TEMP, "%s: cannot start curl", post->url);
		return FALSE;
	}
	headers = https_headers(post);
	https_setup(c, post, body, headers, answer, errbuf);
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	ok = https_sort(post, rc, code, errbuf, error);
	curl_slist_free_all(headers);
	curl_easy_cleanup(c);
	if (status != NULL)
		*status = code;
	return ok;
}

/* https_split - the header lines of an item (new, NULL-terminated) and
 * where its body starts; NULL when it is not an item. */
static char **https_split(GBytes *request, gsize *body_at)
{
	gsize len = 0;
	const char *data = g_bytes_get_data(request, &len);
	const char *end = data ? g_strstr_len(data, (gssize)len, "\n\n") : NULL;
	g_autofree char *head = end ? g_strndup(data, (gsize)(end - data)) : NULL;
	char **lines = head ? g_strsplit(head, "\n", -1) : NULL;

	if (lines == NULL || g_strcmp0(lines[0], MAILER_HTTPS_MAGIC) != 0) {
		g_strfreev(lines);
		return NULL;
	}
	*body_at = (gsize)(end - data) + 2;
	return lines;
}

/* mailer_https_send - POST an outbox item. */
gboolean mailer_https_send(const char *url, GBytes *request, long connect_timeout,
                           long total_timeout, const gint *cancel, long *status, GError **error)
{
	gsize at = 0;
	g_auto(GStrv) lines = https_split(request, &at);
	g_autoptr(GPtrArray) headers = g_ptr_array_new();
	g_autoptr(GBytes) body = NULL;
	LrHttpsPost post = {.url = url,
	                    .connect_timeout = connect_timeout,
	                    .total_timeout = total_timeout,
	                    .cancel = cancel};

	if (status != NULL)
		*status = 0;
	if (lines == NULL) {
		g_set_error(error, LR_ERROR, LR_ERROR_PERM, "%s: not an https outbox item", url);
		return FALSE;
	}
	for (int i = 1; lines[i]; i++) {
		if (g_ascii_strncasecmp(lines[i], "CA-File: ", 9) == 0)
			post.ca_file = lines[i] + 9;
		else if (g_ascii_strncasecmp(lines[i], "Content-Type: ", 14) == 0)
			post.content_type = lines[i] + 14;
		else
			g_ptr_array_add(headers, lines[i]);
	}
	g_ptr_array_add(headers, NULL);
	post.headers = (const char *const *)headers->pdata;
	body = g_bytes_new_from_bytes(request, at, g_bytes_get_size(request) - at);
	return mailer_https_post(&post, body, status, error);
}
