/* charset.h - declared charsets to UTF-8 through GMime's iconv: the
 * stateful 7-bit encodings (ISO-2022-JP/KR/CN, UTF-7, HZ) and the East
 * Asian multibyte ones (Shift_JIS, EUC-JP, GB18030, Big5, EUC-KR) as much
 * as the western ones, and a note when a declared charset cannot be read. */
#ifndef LR_CHARSET_H
#define LR_CHARSET_H

#include <glib.h>

/* charset_convert - data in charset as UTF-8, with U+FFFD for each byte
 * that does not decode; *bad (may be NULL) gets their number.  HZ
 * (RFC 1843), which iconv lacks, is read as GB2312 between its "~{" and
 * "~}" shifts.  Returns a new string, or NULL when iconv does not know
 * charset. */
GString *charset_convert(const char *data, gsize len, const char *charset, guint *bad);

/* charset_is_7bit_stateful - TRUE when text in charset must be decoded
 * even if every byte is 7-bit: ISO-2022-*, UTF-7, HZ, and the 16/32-bit
 * Unicode forms. */
gboolean charset_is_7bit_stateful(const char *charset);

/* charset_decode - data declared as charset (neither ASCII, Latin-1 nor
 * UTF-8, which mimetext.h reads its own way) as UTF-8: through iconv when
 * it reads cleanly; a charset iconv does not know is read as undeclared
 * text (UTF-8 when valid, else windows-1252); 8-bit text that is valid
 * UTF-8 is read as UTF-8 (a wrong label: legacy multibyte text is almost
 * never valid UTF-8); else the bytes that do not decode become U+FFFD.  *note (may be NULL) gets a
 * new sentence for the parse note when the text did not read cleanly. Returns a new string. */
GString *charset_decode(const char *data, gsize len, const char *charset, char **note);

#endif
