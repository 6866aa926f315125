/* stream-guard.c - libetpan's IMAP parser reads a literal (a message's
 * body in a FETCH answer) until it has all its bytes and takes a read of
 * 0 bytes as "nothing yet": a server that drops the connection in the
 * middle of a FETCH leaves the source thread spinning on the dead socket
 * for ever.  The guard makes end of file on the stream an error, as any
 * other broken read is, so that the FETCH fails and is retried. */
#include "config.h"

#include <libetpan/mailstream_socket.h>
#include <libetpan/mailstream_ssl.h>

#include "intake/source-int.h"

/* libetpan exports its TLS driver but declares it only when its own build
 * defines USE_SSL. */
#ifndef USE_SSL
extern mailstream_low_driver *mailstream_ssl_driver;
#endif

static mailstream_low_driver guarded_socket, guarded_ssl;

/* read_socket - a plain read; end of file is an error. */
static ssize_t read_socket(mailstream_low *low, void *buf, size_t n)
{
	ssize_t r = mailstream_socket_driver->mailstream_read(low, buf, n);

	return r == 0 && n > 0 ? -1 : r;
}

/* read_ssl - a TLS read; end of file is an error. */
static ssize_t read_ssl(mailstream_low *low, void *buf, size_t n)
{
	ssize_t r = mailstream_ssl_driver->mailstream_read(low, buf, n);

	return r == 0 && n > 0 ? -1 : r;
}

/* guard_init - the guarded drivers: libetpan's own but for the read. */
static gpointer guard_init(gpointer data)
{
	(void)data;
	guarded_socket = *mailstream_socket_driver;
	guarded_socket.mailstream_read = read_socket;
	guarded_ssl = *mailstream_ssl_driver;
	guarded_ssl.mailstream_read = read_ssl;
	return NULL;
}

/* source_stream_guard - put the guarded driver under stream. */
void source_stream_guard(mailstream *stream)
{
	static GOnce once = G_ONCE_INIT;
	mailstream_low *low = stream ? mailstream_get_low(stream) : NULL;

	g_once(&once, guard_init, NULL);
	if (low == NULL)
		return;
	if (low->driver == mailstream_socket_driver)
		low->driver = &guarded_socket;
	else if (low->driver == mailstream_ssl_driver)
		low->driver = &guarded_ssl;
}
