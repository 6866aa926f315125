/* charset.c - declared charsets to UTF-8 through GMime's iconv. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <gmime/gmime.h>

#include "parser/charset.h"

/* charset_iconv - data converted by cd, U+FFFD for what does not decode;
 * *bad counts the bytes skipped. */
static GString *charset_iconv(GIConv cd, const char *data, gsize len, guint *bad)
{
	GString *out = g_string_sized_new(len + len / 4 + 16);
	char buf[4096];
	char *in = (char *)data;
	gsize left = len;

	while (left > 0) {
		char *outp = buf;
		gsize room = sizeof(buf);
		gsize r = g_iconv(cd, &in, &left, &outp, &room);

		g_string_append_len(out, buf, outp - buf);
		if (r != (gsize)-1 || errno == E2BIG)
			continue;
		g_string_append(out, "\xef\xbf\xbd"); /* EILSEQ, EINVAL: skip a byte */
		(*bad)++;
		in++;
		left--;
	}
	{
		char *outp = buf;
		gsize room = sizeof(buf);

		g_iconv(cd, NULL, NULL, &outp, &room); /* the final shift state */
		g_string_append_len(out, buf, outp - buf);
	}
	return out;
}

/* Converters are kept open, per thread, for this many charset names: an
 * iconv_open of a module no converter holds loads it (dlopen) and the last
 * iconv_close unloads it, which cost more than the parse of a message. */
#define CHARSET_CACHE_MAX 32

/* charset_cache_free - close a thread's converters (GPrivate's notify). */
static void charset_cache_free(gpointer table)
{
	g_hash_table_destroy(table);
}

/* charset_cd_close - close a cached converter (a failed open is cached too). */
static void charset_cd_close(gpointer cd)
{
	if ((GIConv)cd != (GIConv)-1)
		g_mime_iconv_close((GIConv)cd);
}

static GPrivate charset_cache = G_PRIVATE_INIT(charset_cache_free);

/* charset_open - a converter from charset to UTF-8 in its initial state,
 * borrowed from this thread's cache ((GIConv)-1 when iconv does not know
 * charset); *owned is set when it is not cached and the caller must close it. */
static GIConv charset_open(const char *charset, gboolean *owned)
{
	GHashTable *cache = g_private_get(&charset_cache);
	gpointer cd;

	*owned = FALSE;
	if (cache == NULL) {
		cache = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, charset_cd_close);
		g_private_set(&charset_cache, cache);
	}
	if (g_hash_table_lookup_extended(cache, charset, NULL, &cd)) {
		if ((GIConv)cd != (GIConv)-1)
			g_iconv((GIConv)cd, NULL, NULL, NULL, NULL); /* the initial state */
		return (GIConv)cd;
	}
	cd = g_mime_iconv_open("UTF-8", charset);
	if (g_hash_table_size(cache) >= CHARSET_CACHE_MAX) {
		*owned = (GIConv)cd != (GIConv)-1;
		return (GIConv)cd;
	}
	g_hash_table_insert(cache, g_strdup(charset), cd);
	return (GIConv)cd;
}

/* charset_is_hz - TRUE for the names of RFC 1843 HZ. */
static gboolean charset_is_hz(const char *charset)
{
	return g_ascii_strcasecmp(charset, "hz") == 0 ||
	       g_ascii_strcasecmp(charset, "hz-gb-2312") == 0 ||
	       g_ascii_strcasecmp(charset, "hz-gb2312") == 0;
}

/* charset_hz_to_euc - HZ text as EUC-CN (GB2312) bytes: inside "~{ ~}"
 * byte pairs get their high bits, "~~" is "~", "~" at a line end joins. */
static GString *charset_hz_to_euc(const char *data, gsize len)
{
	GString *out = g_string_sized_new(len);
	gboolean gb = FALSE;

	for (gsize i = 0; i < len; i++) {
		char c = data[i];

		if (c == '~' && i + 1 < len) {
			char n = data[++i];

			if (n == '{' || n == '}')
				gb = n == '{';
			else if (n == '~')
				g_string_append_c(out, '~');
			else if (n != '\n')
				g_string_append_c(out, n);
			continue;
		}
		if (gb && c != '\n' && c != '\r' && (guchar)c >= 0x21)
			c = (char)((guchar)c | 0x80);
		else if (c == '\n')
			gb = FALSE;
		g_string_append_c(out, c);
	}
	return out;
}

/* charset_convert - see charset.h. */
GString *charset_convert(const char *data, gsize len, const char *charset, guint *bad)
{
	g_autoptr(GString) hz = NULL;
	guint skipped = 0;
	gboolean owned;
	GIConv cd;
	GString *out;

	if (charset_is_hz(charset)) {
		hz = charset_hz_to_euc(data, len);
		data = hz->str;
		len = hz->len;
		charset = "GB2312";
	}
	cd = charset_open(charset, &owned);
	if (cd == (GIConv)-1)
		return NULL;
	out = charset_iconv(cd, data, len, &skipped);
	if (owned)
		g_mime_iconv_close(cd);
	if (bad != NULL)
		*bad = skipped;
	return out;
}

/* charset_is_7bit_stateful - see charset.h. */
gboolean charset_is_7bit_stateful(const char *charset)
{
	static const char *const prefixes[] = {
	    "iso-2022", "iso2022", "csiso2022", "utf-7",  "utf7",  "unicode-1-1-utf-7",
	    "hz",       "utf-16",  "utf16",     "utf-32", "utf32", "ucs-2",
	    "ucs2",     "ucs-4"};

	if (charset == NULL)
		return FALSE;
	for (gsize i = 0; i < G_N_ELEMENTS(prefixes); i++)
		if (g_ascii_strncasecmp(charset, prefixes[i], strlen(prefixes[i])) == 0)
			return TRUE;
	return FALSE;
}

/* charset_has_8bit - TRUE when data has a byte above 0x7F. */
static gboolean charset_has_8bit(const char *data, gsize len)
{
	for (gsize i = 0; i < len; i++)
		if ((guchar)data[i] & 0x80)
			return TRUE;
	return FALSE;
}

/* charset_fallback - undeclared-text reading: UTF-8 when valid, else
 * windows-1252. */
static GString *charset_fallback(const char *data, gsize len)
{
	GString *out;

	if (g_utf8_validate(data, len, NULL))
		return g_string_new_len(data, len);
	out = charset_convert(data, len, "windows-1252", NULL);
	return out != NULL ? out : g_string_new_len(data, len);
}

/* charset_decode - see charset.h. */
GString *charset_decode(const char *data, gsize len, const char *charset, char **note)
{
	g_autofree char *name = g_utf8_make_valid(charset, MIN(strlen(charset), 40));
	guint bad = 0;
	GString *out;

	out = charset_convert(data, len, charset, &bad);
	if (out == NULL) {
		if (note != NULL)
			*note = g_strdup_printf("charset %s unknown: read as UTF-8 or "
			                        "windows-1252",
			                        name);
		return charset_fallback(data, len);
	}
	if (charset_has_8bit(data, len) && g_utf8_validate(data, len, NULL)) {
		g_string_free(out, TRUE);
		if (note != NULL)
			*note = g_strdup_printf("text declared %s is UTF-8: read as UTF-8", name);
		return g_string_new_len(data, len);
	}
	if (bad == 0)
		return out;
	if (note != NULL)
		*note = g_strdup_printf("text not valid %s: %u bytes not readable", name, bad);
	return out;
}
