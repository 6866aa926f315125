/* sign.c - the exchange signature: HMAC-SHA256 over a timestamp, the
 * sender and the exact document bytes. */
#include "config.h"

#include <string.h>

#include "federation/exchange.h"
#include "lead/lr-error.h"

#define SIG_CONTEXT "leadroute-exchange-v1\n"
#define SIG_HEX_LEN 64

/* sig_mac - the hex MAC of xml by peer at t under secret (new string). */
static char *sig_mac(GBytes *secret, const char *peer, gint64 t, GBytes *xml)
{
	gsize klen = 0, xlen = 0;
	const guint8 *key = g_bytes_get_data(secret, &klen);
	const guint8 *data = g_bytes_get_data(xml, &xlen);
	g_autoptr(GHmac) h = g_hmac_new(G_CHECKSUM_SHA256, key, klen);
	g_autofree char *head = g_strdup_printf(SIG_CONTEXT "%" G_GINT64_FORMAT "\n%s\n", t, peer);

	g_hmac_update(h, (const guchar *)head, (gssize)strlen(head));
	g_hmac_update(h, data, (gssize)xlen);
	return g_strdup(g_hmac_get_string(h));
}

/* fed_sign - the signature header value. */
char *fed_sign(GBytes *secret, const char *peer, gint64 t, GBytes *xml)
{
	g_autofree char *mac = sig_mac(secret, peer, t, xml);

	return g_strdup_printf("t=%" G_GINT64_FORMAT "; peer=%s; v1=%s", t, peer, mac);
}

/* Parts of a signature header. */
typedef struct {
	gint64 t;
	char *peer;
	char *mac;
} Sig;

/* sig_clear - free a parsed header's parts. */
static void sig_clear(Sig *sig)
{
	g_free(sig->peer);
	g_free(sig->mac);
}

/* valid_peer - a server name as the schema allows it. */
static gboolean valid_peer(const char *p)
{
	gsize n = strlen(p);

	if (n == 0 || n > 64 || !g_ascii_isalnum(p[0]))
		return FALSE;
	for (gsize i = 0; i < n; i++)
		if (!g_ascii_isalnum(p[i]) && !strchr("._-", p[i]))
			return FALSE;
	return TRUE;
}

/* sig_part - one "key=value" of the header into sig. */
static void sig_part(Sig *sig, const char *key, const char *value)
{
	if (strcmp(key, "t") == 0 && *value && strspn(value, "0123456789") == strlen(value))
		sig->t = g_ascii_strtoll(value, NULL, 10);
	else if (strcmp(key, "peer") == 0 && sig->peer == NULL && valid_peer(value))
		sig->peer = g_strdup(value);
	else if (strcmp(key, "v1") == 0 && sig->mac == NULL && strlen(value) == SIG_HEX_LEN)
		sig->mac = g_ascii_strdown(value, -1);
}

/* sig_parse - read "t=...; peer=...; v1=..." (any order). */
static gboolean sig_parse(const char *header, Sig *sig)
{
	g_auto(GStrv) parts = g_strsplit(header ? header : "", ";", 8);

	memset(sig, 0, sizeof *sig);
	sig->t = -1;
	for (int i = 0; parts[i]; i++) {
		g_auto(GStrv) kv = g_strsplit(g_strstrip(parts[i]), "=", 2);
		if (kv[0] && kv[1])
			sig_part(sig, g_strstrip(kv[0]), g_strstrip(kv[1]));
	}
	return sig->t >= 0 && sig->peer && sig->mac;
}

/* fed_sig_peer - who says they signed. */
char *fed_sig_peer(const char *header)
{
	Sig sig;
	char *peer = NULL;

	if (sig_parse(header, &sig))
		peer = g_steal_pointer(&sig.peer);
	sig_clear(&sig);
	return peer;
}

/* same_mac - constant-time comparison of two hex MACs of SIG_HEX_LEN. */
static gboolean same_mac(const char *a, const char *b)
{
	guint8 diff = 0;

	for (int i = 0; i < SIG_HEX_LEN; i++)
		diff |= (guint8)(a[i] ^ b[i]);
	return diff == 0;
}

/* any_secret_fits - does the MAC verify under one of secrets?  Every
 * secret is tried, so the time taken says nothing about which. */
static gboolean any_secret_fits(const Sig *sig, GBytes *xml, GBytes *const *secrets)
{
	gboolean ok = FALSE;

	for (int i = 0; secrets && secrets[i]; i++) {
		g_autofree char *want = sig_mac(secrets[i], sig->peer, sig->t, xml);
		ok |= same_mac(want, sig->mac);
	}
	return ok;
}

/* fed_verify - signature, then freshness. */
gboolean fed_verify(const char *header, GBytes *xml, GBytes *const *secrets, gint64 now,
                    GError **error)
{
	Sig sig;
	const char *why = NULL;

	if (!sig_parse(header, &sig))
		why = "signature header unreadable";
	else if (!any_secret_fits(&sig, xml, secrets))
		why = "signature does not verify";
	else if (sig.t < now - FED_MAX_AGE)
		why = "signature older than a day";
	else if (sig.t > now + FED_MAX_SKEW)
		why = "signature made in the future";
	sig_clear(&sig);
	if (why == NULL)
		return TRUE;
	g_set_error(error, LR_ERROR, LR_ERROR_PERM, "%s", why);
	return FALSE;
}
