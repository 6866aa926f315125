/* token.c - reply tokens: base32 of version, lead id, assignment and a
 * truncated HMAC-SHA256; the secret file. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/random.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "lead/log.h"
#include "lead/lr-error.h"
#include "mailer/token.h"

#define TOKEN_VERSION 1
#define TOKEN_MAC_LEN 10 /* bytes of HMAC-SHA256 kept: 80 bits */
#define TOKEN_RAW_MAX 32 /* version + 10 + 5 varint bytes + mac, rounded up */

static const char token_alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";

/* token_varint_put - append v as an LEB128 varint to buf at *len. */
static void token_varint_put(guint8 *buf, gsize *len, guint64 v)
{
	do {
		guint8 b = v & 0x7f;

		v >>= 7;
		buf[(*len)++] = v ? b | 0x80 : b;
	} while (v);
}

/* token_varint_get - read a canonical LEB128 varint from buf[*pos..len). */
static gboolean token_varint_get(const guint8 *buf, gsize len, gsize *pos, guint64 *v)
{
	guint shift = 0;

	*v = 0;
	while (*pos < len && shift < 64) {
		guint8 b = buf[(*pos)++];

		if (shift == 63 && (b & 0x7e))
			return FALSE; /* overflows 64 bits */
		*v |= (guint64)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return b != 0 || shift == 0; /* no redundant zero byte */
		shift += 7;
	}
	return FALSE;
}

/* token_base32_encode - lower-case unpadded base32 of data. */
static char *token_base32_encode(const guint8 *data, gsize len)
{
	GString *out = g_string_sized_new(len * 8 / 5 + 2);
	guint32 acc = 0;
	guint bits = 0;

	for (gsize i = 0; i < len; i++) {
		acc = (acc << 8) | data[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			g_string_append_c(out, token_alphabet[(acc >> bits) & 31]);
		}
	}
	if (bits > 0)
		g_string_append_c(out, token_alphabet[(acc << (5 - bits)) & 31]);
	return g_string_free(out, FALSE);
}

/* token_base32_value - the 5-bit value of one token character, or -1. */
static int token_base32_value(char c)
{
	c = g_ascii_tolower(c);
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= '2' && c <= '7')
		return c - '2' + 26;
	return -1;
}

/* token_base32_decode - decode text into out (room for max bytes); only a
 * canonical encoding (unused trailing bits zero) is accepted. */
static gboolean token_base32_decode(const char *text, guint8 *out, gsize max, gsize *out_len)
{
	guint32 acc = 0;
	guint bits = 0;
	gsize n = 0;

	for (const char *p = text; *p; p++) {
		int v = token_base32_value(*p);

		if (v < 0)
			return FALSE;
		acc = (acc << 5) | (guint32)v;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			if (n == max)
				return FALSE;
			out[n++] = (acc >> bits) & 0xff;
		}
	}
	if (bits >= 5 || (acc & ((1u << bits) - 1)) != 0)
		return FALSE;
	*out_len = n;
	return TRUE;
}

/* token_mac - the truncated HMAC of the token's id bytes for user_id. */
static void token_mac(const char *secret, gsize secret_len, const guint8 *ids, gsize ids_len,
                      const char *user_id, guint8 mac[TOKEN_MAC_LEN])
{
	static const char context[] = "leadroute-reply-token";
	g_autoptr(GHmac) hmac = g_hmac_new(G_CHECKSUM_SHA256, (const guchar *)secret, secret_len);
	guint8 digest[32];
	gsize digest_len = sizeof digest;

	g_hmac_update(hmac, (const guchar *)context, sizeof context); /* with its NUL */
	g_hmac_update(hmac, ids, ids_len);
	g_hmac_update(hmac, (const guchar *)(user_id ? user_id : ""), -1);
	g_hmac_get_digest(hmac, digest, &digest_len);
	memcpy(mac, digest, TOKEN_MAC_LEN);
}

/* token_make - build the token for lead_id/assignment/user_id. */
char *token_make(const char *secret, gsize secret_len, guint64 lead_id, guint32 assignment,
                 const char *user_id)
{
	guint8 raw[TOKEN_RAW_MAX];
	gsize len = 0;

	raw[len++] = TOKEN_VERSION;
	token_varint_put(raw, &len, lead_id);
	token_varint_put(raw, &len, assignment);
	token_mac(secret, secret_len, raw, len, user_id, raw + len);
	len += TOKEN_MAC_LEN;
	return token_base32_encode(raw, len);
}

/* token_split - decode token into its id bytes and its MAC; the ids too. */
static gboolean token_split(const char *token, guint8 *raw, gsize *ids_len, guint64 *lead_id,
                            guint32 *assignment)
{
	gsize len = 0, pos = 1;
	guint64 lead = 0, asg = 0;

	if (token == NULL || strlen(token) > TOKEN_MAX_LEN)
		return FALSE;
	if (!token_base32_decode(token, raw, TOKEN_RAW_MAX, &len))
		return FALSE;
	if (len < 1 + 2 + TOKEN_MAC_LEN || raw[0] != TOKEN_VERSION)
		return FALSE;
	if (!token_varint_get(raw, len, &pos, &lead) || !token_varint_get(raw, len, &pos, &asg))
		return FALSE;
	if (asg > G_MAXUINT32 || pos + TOKEN_MAC_LEN != len)
		return FALSE;
	*ids_len = pos;
	if (lead_id)
		*lead_id = lead;
	if (assignment)
		*assignment = (guint32)asg;
	return TRUE;
}

/* token_peek - the ids of a well-formed token, unverified. */
gboolean token_peek(const char *token, guint64 *lead_id, guint32 *assignment)
{
	guint8 raw[TOKEN_RAW_MAX];
	gsize ids_len;

	return token_split(token, raw, &ids_len, lead_id, assignment);
}

/* token_verify - check token's HMAC for user_id in constant time. */
gboolean token_verify(const char *secret, gsize secret_len, const char *token, const char *user_id,
                      guint64 *lead_id, guint32 *assignment)
{
	guint8 raw[TOKEN_RAW_MAX], mac[TOKEN_MAC_LEN];
	guint64 lead;
	guint32 asg;
	gsize ids_len;
	guint8 diff = 0;

	if (!token_split(token, raw, &ids_len, &lead, &asg))
		return FALSE;
	token_mac(secret, secret_len, raw, ids_len, user_id, mac);
	for (gsize i = 0; i < TOKEN_MAC_LEN; i++)
		diff |= mac[i] ^ raw[ids_len + i];
	if (diff != 0)
		return FALSE;
	if (lead_id)
		*lead_id = lead;
	if (assignment)
		*assignment = asg;
	return TRUE;
}

/* token_secret_fd_check - the secret open at fd must be a regular file
 * that neither group nor others may read or write, of at least
 * TOKEN_SECRET_MIN bytes.  FALSE with LR_ERROR_CONFIG otherwise. */
static gboolean token_secret_fd_check(int fd, const char *path, GError **error)
{
	struct stat st;

	if (fstat(fd, &st) != 0) {
		g_set_error(error, LR_ERROR, LR_ERROR_TEMP, "secret file %s: %s", path,
		            g_strerror(errno));
		return FALSE;
	}
	if (!S_ISREG(st.st_mode)) {
		g_set_error(error, LR_ERROR, LR_ERROR_CONFIG, "secret file %s: not a regular file",
		            path);
		return FALSE;
	}
	if (st.st_mode & 0066) {
		g_set_error(error, LR_ERROR, LR_ERROR_CONFIG,
		            "secret file %s: mode %04o lets group or others read it (chmod 600)",
		            path, (unsigned)(st.st_mode & 07777));
		return FALSE;
	}
	if (st.st_size < TOKEN_SECRET_MIN) {
		g_set_error(error, LR_ERROR, LR_ERROR_CONFIG,
		            "secret file %s: %lld bytes, at least %d needed", path,
		            (long long)st.st_size, TOKEN_SECRET_MIN);
		return FALSE;
	}
	return TRUE;
}

/* token_secret_read - read a checked secret file; *missing when it does
 * not exist. */
static GBytes *token_secret_read(const char *path, gboolean *missing, GError **error)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	guint8 buf[4096];
	ssize_t n;

	*missing = fd < 0 && errno == ENOENT;
	if (fd < 0) {
		g_set_error(error, LR_ERROR,
		            *missing || errno == EACCES ? LR_ERROR_CONFIG : LR_ERROR_TEMP,
		            "secret file %s: %s", path, g_strerror(errno));
		return NULL;
	}
	if (!token_secret_fd_check(fd, path, error)) {
		close(fd);
		return NULL;
	}
	n = read(fd, buf, sizeof buf);
	close(fd);
	if (n < TOKEN_SECRET_MIN) {
		g_set_error(error, LR_ERROR, n < 0 ? LR_ERROR_TEMP : LR_ERROR_CONFIG,
		            "secret file %s: %s", path, n < 0 ? g_strerror(errno) : "too short");
		return NULL;
	}
	return g_bytes_new(buf, (gsize)n);
}

/* token_secret_create - write a new random secret to path (mode 0600),
 * unless the file appeared meanwhile. */
static gboolean token_secret_create(const char *path, GError **error)
{
	guint8 secret[TOKEN_SECRET_SIZE];
	int fd;
	gboolean ok;

	if (getrandom(secret, sizeof secret, 0) != sizeof secret) {
		g_set_error(error, LR_ERROR, LR_ERROR_TEMP, "getrandom: %s", g_strerror(errno));
		return FALSE;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 && errno == EEXIST)
		return TRUE;
	if (fd < 0) {
		g_set_error(error, LR_ERROR, LR_ERROR_CONFIG, "cannot create secret file %s: %s",
		            path, g_strerror(errno));
		return FALSE;
	}
	ok = write(fd, secret, sizeof secret) == sizeof secret && fsync(fd) == 0;
	if (!ok)
		g_set_error(error, LR_ERROR, LR_ERROR_TEMP, "cannot write secret file %s: %s", path,
		            g_strerror(errno));
	close(fd);
	if (!ok)
		g_unlink(path);
	else
		lr_log_info(0, "secret_file=%s status=created mode=0600 bytes=%d", path,
		            TOKEN_SECRET_SIZE);
	return ok;
}

/* token_secret_load - the configured secret (else the default one), made
 * when missing. */
GBytes *token_secret_load(const char *path, const char *fallback_path, GError **error)
{
	const char *file = path ? path : fallback_path;
	gboolean missing = FALSE;
	GBytes *secret;

	if (file == NULL) {
		g_set_error(error, LR_ERROR, LR_ERROR_CONFIG, "no secret file");
		return NULL;
	}
	secret = token_secret_read(file, &missing, error);
	if (secret != NULL || !missing)
		return secret;
	g_clear_error(error);
	if (!token_secret_create(file, error))
		return NULL;
	return token_secret_read(file, &missing, error);
}

/* token_secret_load_existing - a shared secret that must exist. */
GBytes *token_secret_load_existing(const char *path, GError **error)
{
	gboolean missing = FALSE;

	return token_secret_read(path, &missing, error);
}

/* token_secret_check - an existing secret file must be private and long
 * enough; a missing one will be made. */
gboolean token_secret_check(const char *path, GError **error)
{
	gboolean missing = FALSE;
	g_autoptr(GBytes) secret = token_secret_read(path, &missing, error);

	if (secret == NULL && missing)
		g_clear_error(error);
	return secret != NULL || missing;
}

/* token_user_mac - the truncated HMAC that names user_id's command address. */
static void token_user_mac(const char *secret, gsize secret_len, const char *user_id,
                           guint8 mac[TOKEN_MAC_LEN])
{
	static const char context[] = "leadroute-user-token";
	g_autoptr(GHmac) hmac = g_hmac_new(G_CHECKSUM_SHA256, (const guchar *)secret, secret_len);
	guint8 digest[32];
	gsize digest_len = sizeof digest;

	g_hmac_update(hmac, (const guchar *)context, sizeof context); /* with its NUL */
	g_hmac_update(hmac, (const guchar *)(user_id ? user_id : ""), -1);
	g_hmac_get_digest(hmac, digest, &digest_len);
	memcpy(mac, digest, TOKEN_MAC_LEN);
}

/* token_user_make - "u-" and the base32 MAC of user_id. */
char *token_user_make(const char *secret, gsize secret_len, const char *user_id)
{
	guint8 mac[TOKEN_MAC_LEN];
	g_autofree char *text = NULL;

	token_user_mac(secret, secret_len, user_id, mac);
	text = token_base32_encode(mac, TOKEN_MAC_LEN);
	return g_strconcat(TOKEN_USER_PREFIX, text, NULL);
}

/* token_user_verify - compare token with user_id's in constant time. */
gboolean token_user_verify(const char *secret, gsize secret_len, const char *token,
                           const char *user_id)
{
	guint8 raw[TOKEN_RAW_MAX], mac[TOKEN_MAC_LEN];
	gsize len = 0;
	guint8 diff = 0;

	if (!token_is_user(token) || strlen(token) > TOKEN_MAX_LEN ||
	    !token_base32_decode(token + strlen(TOKEN_USER_PREFIX), raw, TOKEN_RAW_MAX, &len) ||
	    len != TOKEN_MAC_LEN)
		return FALSE;
	token_user_mac(secret, secret_len, user_id, mac);
	for (gsize i = 0; i < TOKEN_MAC_LEN; i++)
		diff |= mac[i] ^ raw[i];
	return diff == 0;
}

/* token_is_user - does token have the command-address prefix? */
gboolean token_is_user(const char *token)
{
	gsize n = strlen(TOKEN_USER_PREFIX);

	return token && g_ascii_strncasecmp(token, TOKEN_USER_PREFIX, n) == 0;
}
