/* rawmsg.h - a light look at a raw RFC 5322 message without a MIME parser.
 *
 * Used on the intake path (LMTP, the slim pipe deliverer), where the full
 * parser is not loaded: enough to find the Message-ID, the sender and the
 * subject, to key duplicates, and to refuse what is not mail at all. */
#ifndef LR_RAWMSG_H
#define LR_RAWMSG_H

#include <glib.h>

/* rawmsg_header - the first header called name (case-insensitive), unfolded
 * and trimmed, undecoded.  Returns a new string, or NULL when absent. */
char *rawmsg_header(const char *raw, gsize len, const char *name);

/* rawmsg_check - TRUE when raw starts with a header block of at least one
 * well-formed "Name: value" line.  Else FALSE with LR_ERROR_PERM saying why
 * (empty, binary, no header). */
gboolean rawmsg_check(const char *raw, gsize len, GError **error);

/* rawmsg_key - the duplicate key: the Message-ID without angle brackets or
 * spaces, or, without one, "sha256:HEX" of the message less its trace
 * headers (Received, Return-Path, Delivered-To, X-Original-To), so the same
 * mail delivered twice keys the same.  Returns a new string. */
char *rawmsg_key(const char *raw, gsize len);

/* rawmsg_addr_extension - the extension of a recipient address
 * ("leads+webinar@x" -> "webinar"), or NULL.  Returns a new string. */
char *rawmsg_addr_extension(const char *address);

#endif
