/* token.h - reply tokens: the TOKEN of a notification's Reply-To
 * lead+TOKEN@domain, naming a lead and one assignment of it to one user.
 *
 * A token is lower-case RFC 4648 base32 without padding (a-z, 2-7), so it is
 * url-safe, has no '+', '@', '.' or '-', and survives mail systems that fold
 * the case of local parts: upper-case tokens verify too.  It carries a format
 * version, the lead id and the assignment number (both as LEB128 varints) and
 * an 80-bit truncated HMAC-SHA256 over those bytes and the user id.  A lead
 * below 2^28 with a small assignment gives a 21-character token. */
#ifndef LR_TOKEN_H
#define LR_TOKEN_H

#include <glib.h>

/* The longest token token_peek/token_verify look at; longer is refused. */
#define TOKEN_MAX_LEN 48

/* The size of a secret token_secret_load creates, and the least it accepts. */
#define TOKEN_SECRET_SIZE 32
#define TOKEN_SECRET_MIN 16

/* token_make - the reply token for lead_id's assignment number assignment to
 * user_id, signed with secret.  Returns a new string. */
char *token_make(const char *secret, gsize secret_len, guint64 lead_id, guint32 assignment,
                 const char *user_id);

/* token_verify - TRUE and the ids (either pointer may be NULL) when token is
 * well-formed and its HMAC verifies for user_id under secret (compared in
 * constant time); FALSE otherwise.  Case-insensitive. */
gboolean token_verify(const char *secret, gsize secret_len, const char *token, const char *user_id,
                      guint64 *lead_id, guint32 *assignment);

/* token_peek - the lead id and assignment a well-formed token names, without
 * verifying it (to find which lead and user to verify against).  FALSE when
 * the token is not well-formed. */
gboolean token_peek(const char *token, guint64 *lead_id, guint32 *assignment);

/* token_secret_load - the HMAC secret from path (server.secret_file), or
 * from fallback_path (HOME/secret) when path is NULL.  A file that does not
 * exist is created first (O_EXCL, mode 0600, TOKEN_SECRET_SIZE random bytes
 * from getrandom) and the log says so.  The whole file (up to 4096 bytes)
 * is the secret.  Returns new bytes, or NULL with LR_ERROR_CONFIG (group or
 * others may read or write it, not a regular file, shorter than
 * TOKEN_SECRET_MIN bytes, cannot be created) or LR_ERROR_TEMP (I/O). */
GBytes *token_secret_load(const char *path, const char *fallback_path, GError **error);

/* token_secret_load_existing - like token_secret_load, for a secret that
 * another server shares (a federation peer's): never created; missing is
 * LR_ERROR_CONFIG. */
GBytes *token_secret_load_existing(const char *path, GError **error);

/* token_secret_check - for `leadroute check`: TRUE when path does not exist
 * (the daemon will make it) or is a secret token_secret_load accepts;
 * FALSE with its error otherwise.  Creates nothing. */
gboolean token_secret_check(const char *path, GError **error);

/* A user's command address is lead+u-TOKEN@domain: "u-" and the base32 of
 * an 80-bit truncated HMAC-SHA256 of the user id under the same secret (in
 * another context than reply tokens, so neither can pass for the other).
 * It names no lead; rotating the secret rotates it. */
#define TOKEN_USER_PREFIX "u-"

/* token_user_make - the command token of user_id ("u-" + 16 characters).
 * Returns a new string. */
char *token_user_make(const char *secret, gsize secret_len, const char *user_id);

/* token_user_verify - TRUE when token (case-insensitive) is user_id's
 * command token under secret (compared in constant time). */
gboolean token_user_verify(const char *secret, gsize secret_len, const char *token,
                           const char *user_id);

/* token_is_user - TRUE when token has the command-token prefix "u-". */
gboolean token_is_user(const char *token);

#endif
