/* mimetext.h - the bytes and the UTF-8 text of one MIME leaf part. */
#ifndef LR_MIMETEXT_H
#define LR_MIMETEXT_H

#include <glib.h>
#include <gmime/gmime.h>

/* mimetext_part_bytes - the content of part with its transfer encoding
 * (base64, quoted-printable, uuencode) undone; broken encodings decode as
 * far as they go.  At most max bytes.  Returns new bytes (maybe empty). */
GBytes *mimetext_part_bytes(GMimePart *part, gsize max);

/* mimetext_to_utf8 - data in charset as UTF-8.  ISO-8859-1 and US-ASCII
 * (and no charset) that carry bytes 0x80-0x9F are read as windows-1252;
 * no charset or US-ASCII with 8-bit bytes is tried as UTF-8 first; a
 * charset iconv does not know is treated as undeclared; sequences a
 * charset cannot decode become U+FFFD.  NULs are dropped, CRLF becomes LF.
 * Returns a new, valid UTF-8 string. */
char *mimetext_to_utf8(const char *data, gsize len, const char *charset);

/* mimetext_part_text - the text of a text/ part in UTF-8 (as above, with
 * the part's charset), format=flowed joined.  At most max bytes of
 * content are read.  Returns a new string. */
char *mimetext_part_text(GMimePart *part, gsize max);

/* mimetext_bytes_text - as mimetext_part_text, for content bytes already
 * taken from part with mimetext_part_bytes(). */
char *mimetext_bytes_text(GMimePart *part, GBytes *bytes);

/* mimetext_unflow - join format=flowed lines (RFC 3676): a line ending in
 * a space continues on the next line of the same quote depth; space
 * stuffing removed; with delsp the soft-break space is deleted too.
 * Returns a new string. */
char *mimetext_unflow(const char *text, gboolean delsp);

/* mimetext_charset_note - a sentence for the parse note when the content
 * bytes of part (as from mimetext_part_bytes) do not read in the charset
 * the part declares (unknown, or wrong: see charset_decode in charset.h),
 * else NULL.  ASCII, Latin-1 and UTF-8 parts never get one.  Returns a
 * new string. */
char *mimetext_charset_note(GMimePart *part, GBytes *bytes);

#endif
