/* spool.h - the pipe deliverer's hand-off to the daemon, and its spool.
 *
 * leadroute-deliver does not open the store.  It hands the message to the
 * running daemon over a unix socket in server.home (SPOOL_SOCKET), whose
 * answer comes once the lead's transaction is durable (the daemon's group
 * commit); when no daemon answers there, it writes the message into the
 * spool folder (SPOOL_DIR/new, written and fsynced before exit 0), which
 * the daemon takes in at start and while it runs.  Both carry the same
 * envelope: the message bytes exactly as given (no line-end or dot
 * changes), the envelope sender and the recipients.
 *
 * Kept free of GMime and GIO so the slim deliverer links GLib alone. */
#ifndef LR_SPOOL_H
#define LR_SPOOL_H

#include <glib.h>

#define SPOOL_SOCKET "deliver.sock" /* in server.home */
#define SPOOL_DIR "spool"           /* in server.home: new/ (complete), tmp/, bad/ */

/* One message with its envelope. */
typedef struct {
	char *sender;     /* "" for the null sender, never NULL */
	GPtrArray *rcpts; /* char *, NULL-terminated */
	GBytes *raw;
} SpoolEnvelope;

/* spool_envelope_new - an envelope of copies of sender (NULL: "") and
 * recipients (NULL-terminated, may be NULL) over raw (a new reference). */
SpoolEnvelope *spool_envelope_new(const char *sender, const char *const *recipients, GBytes *raw);

/* spool_envelope_free - destroy an envelope; NULL is ignored. */
void spool_envelope_free(SpoolEnvelope *env);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SpoolEnvelope, spool_envelope_free)

/* spool_envelope_header - the text that precedes the message bytes on the
 * socket and in a spool file (a new string). */
char *spool_envelope_header(const SpoolEnvelope *env);

/* spool_envelope_parse - read an envelope from data (a header and the
 * message bytes; trailing bytes are not allowed).  Returns NULL with
 * LR_ERROR_PERM when data is no envelope. */
SpoolEnvelope *spool_envelope_parse(const guint8 *data, gsize len, GError **error);

/* spool_header_end - where the header in data ends (the offset of the
 * first message byte), or 0 when data holds no whole header yet. */
gsize spool_header_end(const guint8 *data, gsize len);

/* spool_header_size - the message size a whole header announces, or
 * G_MAXSIZE when it announces none. */
gsize spool_header_size(const guint8 *data, gsize header_len);

/* What the daemon answered on the socket. */
typedef enum {
	SPOOL_HANDED,    /* stored durably: *lead_id, *duplicate */
	SPOOL_REFUSED,   /* the daemon answered no: error says TEMP, PERM or TOO_BIG */
	SPOOL_NO_DAEMON, /* nobody answered, or the answer was lost: spool it */
} SpoolHandoff;

/* spool_hand_off - send env to the daemon listening on home's socket and
 * wait for its answer. */
SpoolHandoff spool_hand_off(const char *home, const SpoolEnvelope *env, guint64 *lead_id,
                            gboolean *duplicate, GError **error);

/* spool_write - write env into home's spool (creating the folders, mode
 * 0700) and make it durable: the file and its name are fsynced before
 * TRUE.  FALSE with LR_ERROR_TEMP when it cannot be written. */
gboolean spool_write(const char *home, const SpoolEnvelope *env, GError **error);

/* The store step the daemon uses for a handed-off or spooled message:
 * TRUE once durable (*lead_id, *duplicate), FALSE with an LR_ERROR. */
typedef gboolean (*SpoolStoreFunc)(const SpoolEnvelope *env, gpointer data, guint64 *lead_id,
                                   gboolean *duplicate, GError **error);

/* spool_take_in - store every complete file of home's spool through store
 * and remove each once stored; a file the store refuses for good (or that
 * is no envelope) moves to bad/ with an error in the log; a temporary
 * failure leaves it for the next call.  Returns how many were stored
 * (duplicates included). */
guint spool_take_in(const char *home, SpoolStoreFunc store, gpointer data);

/* spool_fd_path - "/proc/self/fd/DIRFD/NAME": a short socket path for a
 * folder whose own path is too long for one (a new string). */
char *spool_fd_path(int dirfd, const char *name);

/* spool_reply_line - the socket's answer for a store outcome (a new
 * string ending in "\n"): "250 ID stored|duplicate", or "451|554|552 text". */
char *spool_reply_line(gboolean ok, guint64 lead_id, gboolean duplicate, const GError *error);

#endif
