/* source-net.c - a source's connection, made here rather than inside
 * libetpan so that the thread that stops the source (a reload, SIGTERM)
 * can end it: a call blocked on a server that does not answer (the
 * greeting, a FETCH, a TLS handshake) fails when the socket is shut down,
 * at once instead of after libetpan's timeout of a minute, and the name
 * lookup before it ends when ctx->cancel is cancelled, at once instead of
 * after the resolver's timeout (resolv.conf's timeout and attempts, per
 * name server: 10 s and more). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "intake/source-int.h"
#include "lead/log.h"
#include "lead/lr-error.h"

/* How long a stopped thread may take to finish the message in hand
 * before its connection is shut down under it. */
#define STOP_GRACE_US (2 * G_USEC_PER_SEC)

/* net_register - fd becomes ctx's connection; FALSE when the source is
 * stopping already (then nothing is registered). */
static gboolean net_register(LrSourceCtx *ctx, int fd)
{
	gboolean ok;

	g_mutex_lock(&ctx->lock);
	ok = !ctx->stopping;
	if (ok)
		ctx->fd = fd;
	g_mutex_unlock(&ctx->lock);
	return ok;
}

/* source_net_release - ctx has no connection (before its fd is closed). */
void source_net_release(LrSourceCtx *ctx)
{
	g_mutex_lock(&ctx->lock);
	ctx->fd = -1;
	g_mutex_unlock(&ctx->lock);
}

/* connect_wait - connect fd (non-blocking) to sa within timeout seconds;
 * 0 or the errno.  A shutdown(2) by the stopping thread ends the wait. */
static int connect_wait(int fd, const struct sockaddr *sa, socklen_t salen, int timeout)
{
	struct pollfd p = {fd, POLLOUT, 0};
	int err = 0, r;
	socklen_t len = sizeof(err);

	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0)
		return errno;
	if (connect(fd, sa, salen) == 0)
		return 0;
	if (errno != EINPROGRESS)
		return errno;
	while ((r = poll(&p, 1, timeout * 1000)) < 0 && errno == EINTR)
		;
	if (r == 0)
		return ETIMEDOUT;
	if (r < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return errno;
	return err;
}

/* connect_one - a socket connected to addr and port and registered, or
 * -1 with the errno in *err (ECANCELED: the source is stopping). */
static int connect_one(LrSourceCtx *ctx, GInetAddress *addr, int timeout, int *err)
{
	g_autoptr(GSocketAddress) sa = g_inet_socket_address_new(addr, ctx->src->port);
	struct sockaddr_storage ss;
	socklen_t len = g_socket_address_get_native_size(sa);
	int fd;

	if (!g_socket_address_to_native(sa, &ss, sizeof(ss), NULL)) {
		*err = EAFNOSUPPORT;
		return -1;
	}
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		*err = errno;
		return -1;
	}
	if (!net_register(ctx, fd)) {
		close(fd);
		*err = ECANCELED;
		return -1;
	}
	if ((*err = connect_wait(fd, (struct sockaddr *)&ss, len, timeout)) == 0)
		return fd;
	source_net_release(ctx);
	close(fd);
	return -1;
}

/* resolver_reason - the resolver's reason in message, without GIO's
 * "Error resolving “HOST”: " before it (the log line names the host). */
static const char *resolver_reason(const char *message)
{
	const char *colon = g_strrstr(message, ": ");

	return colon ? colon + 2 : message;
}

/* net_resolve - the addresses of the source's host (GInetAddress *, the
 * caller's), or NULL: with LR_ERROR_TEMP when the name does not resolve,
 * with *err = ECANCELED when the source stopped during the lookup.
 *
 * GIO's resolver rather than getaddrinfo(3): its threaded lookup runs in
 * a worker thread with return-on-cancel, so source_ctx_stop's
 * g_cancellable_cancel makes this call return at once, and the worker,
 * which finishes the lookup on its own, owns all it writes (its task
 * holds the host name and a reference to the cancellable).  getaddrinfo_a
 * would need a gai_suspend loop polling ctx->stopping and a gaicb kept
 * alive past gai_cancel's EAI_NOTCANCELED: more code, the same result. */
static GList *net_resolve(LrSourceCtx *ctx, int *err, GError **error)
{
	g_autoptr(GResolver) resolver = g_resolver_get_default();
	g_autoptr(GError) local = NULL;
	const LrSource *src = ctx->src;
	GList *addrs = g_resolver_lookup_by_name(resolver, src->host, ctx->cancel, &local);

	if (addrs != NULL)
		return addrs;
	if (g_error_matches(local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		*err = ECANCELED;
	else
		g_set_error(error, LR_ERROR, LR_ERROR_TEMP, "source=%s connect failed (%s: %s)",
		            src->id, src->host, resolver_reason(local->message));
	return NULL;
}

/* tcp_connect - the source's host and port, each address in turn. */
static int tcp_connect(LrSourceCtx *ctx, int timeout, GError **error)
{
	const LrSource *src = ctx->src;
	int fd = -1, err = 0;
	GList *addrs = net_resolve(ctx, &err, error);

	if (addrs == NULL && err == 0)
		return -1;
	for (GList *a = addrs; a && fd < 0 && err != ECANCELED; a = a->next)
		fd = connect_one(ctx, a->data, timeout, &err);
	g_resolver_free_addresses(addrs);
	if (fd < 0)
		g_set_error(error, LR_ERROR, LR_ERROR_TEMP, "source=%s connect failed (%s port %u: %s)",
		            src->id, src->host, src->port, g_strerror(err));
	return fd;
}

/* source_net_open - connect (registered), then the stream. */
mailstream *source_net_open(LrSourceCtx *ctx, int timeout, GError **error)
{
	const LrSource *src = ctx->src;
	int fd = tcp_connect(ctx, timeout, error);
	mailstream *s;

	if (fd < 0)
		return NULL;
	if (src->tls == LR_TLS_IMPLICIT)
		s = mailstream_ssl_open_with_callback_timeout(fd, timeout, tls_sni_callback,
		                                              src->host);
	else
		s = mailstream_socket_open_timeout(fd, timeout);
	if (s == NULL) {
		source_net_release(ctx);
		close(fd);
		g_set_error(error, LR_ERROR, LR_ERROR_TEMP, "source=%s %s failed", src->id,
		            src->tls == LR_TLS_IMPLICIT ? "TLS handshake" : "opening the stream");
	}
	return s;
}

/* net_cut - shut down ctx's connection, if it has one. */
static void net_cut(LrSourceCtx *ctx)
{
	g_mutex_lock(&ctx->lock);
	if (ctx->fd >= 0 && ctx->running) {
		lr_log_warn(0, "source=%s still busy with its server after %d s: connection shut down",
		            ctx->src->id, (int)(STOP_GRACE_US / G_USEC_PER_SEC));
		shutdown(ctx->fd, SHUT_RDWR);
	}
	g_mutex_unlock(&ctx->lock);
}

/* wait_finished - until ctx's thread has ended, or end (monotonic time). */
static void wait_finished(LrSourceCtx *ctx, gint64 end)
{
	g_mutex_lock(&ctx->lock);
	while (ctx->running && g_cond_wait_until(&ctx->wake, &ctx->lock, end))
		;
	g_mutex_unlock(&ctx->lock);
}

/* source_ctxs_stop - stop every context of ctxs; those whose thread has
 * not ended after STOP_GRACE_US have their connection shut down. */
void source_ctxs_stop(GPtrArray *ctxs)
{
	gint64 end = g_get_monotonic_time() + STOP_GRACE_US;

	for (guint i = 0; i < ctxs->len; i++)
		source_ctx_stop(g_ptr_array_index(ctxs, i));
	for (guint i = 0; i < ctxs->len; i++) {
		LrSourceCtx *ctx = g_ptr_array_index(ctxs, i);
		wait_finished(ctx, end);
		net_cut(ctx);
	}
}
