/* parser.h - the inquiry parser: one raw mail in, lead fields out.
 *
 * What it reads: form notifications in text ("Label: value" lines, a label
 * with its value on the next line or block, "--- Label ---" blocks, values
 * over several lines, question labels such as "*Where are you based?*" in
 * six languages: questions.h) and in HTML (tables, bold labels, lists,
 * label and value in consecutive rows or blocks); ADF/XML as the
 * body or as an attachment (lead.xml, application/xml, text/xml); free text
 * from a person (the sender is the lead, the signature gives phone,
 * company and title, an attached vCard fills what they left: vcard.h);
 * forwarded inquiries (message/rfc822 attachments and
 * inline forward blocks of Gmail, Outlook, Apple Mail and Thunderbird in
 * the common languages), where the lead is the original sender.  Form
 * labels are matched against a built-in alias set ("Your Email", "Company
 * name", "Postcode", ...) extended by the configuration; unknown labels
 * are kept under a normalised name ("Roof area (m²)" -> "roof_area_m2").
 * Text is decoded from every declared charset (ISO-8859-1 and US-ASCII
 * with 0x80-0x9F bytes as windows-1252; undeclared 8-bit as UTF-8, then
 * windows-1252; the stateful 7-bit ones such as ISO-2022-JP, UTF-7 and HZ
 * whatever the transfer encoding; an unknown or wrong charset is noted:
 * charset.h), RFC 2047/2231, format=flowed, base64/quoted-printable.
 *
 * Limits (hostile mail costs bounded time and memory):
 * - PARSER_MAX_MESSAGE bytes of raw message, else LR_ERROR_TOO_BIG;
 * - PARTS_MAX_DEPTH (32) multipart levels and PARTS_MAX (500) parts are
 *   walked (parts.h); PARSER_MAX_FORWARD attached messages inside each
 *   other are followed; FORWARD_MAX_DEPTH (8) inline forwards;
 * - PARSER_MAX_TEXT bytes of one body part's content are read as text;
 *   the HTML helpers read at most HTML_INPUT_MAX and return at most
 *   HTML_PAIRS_MAX pairs (html.h); ADF over ADF_INPUT_MAX is refused;
 * - FIELDS_MAX (200) fields per lead, FIELDS_MAX_VALUE (64 KB) per value
 *   (fields.h); PARSER_MAX_SUBJECT bytes of subject;
 * - FORMTEXT_MAX_LINES (20,000) lines are scanned for labels, lines are cut
 *   at FORMTEXT_MAX_LINE (4 KB) (formtext.h).
 *
 * A parser is read-only once made: threads may share one. */
#ifndef LR_PARSER_H
#define LR_PARSER_H

#include <glib.h>

#include "lead/lead.h"

#define PARSER_MAX_MESSAGE (64 * 1024 * 1024)
#define PARSER_MAX_FORWARD 4
#define PARSER_MAX_TEXT (2 * 1024 * 1024)
#define PARSER_MAX_SUBJECT 1000

typedef struct LrParser LrParser;

/* parser_new - a parser with the built-in aliases plus aliases: extra
 * "label" -> "field" entries from the configuration's fields.aliases (may
 * be NULL; labels are normalised here).  Initialises GMime once per
 * process.  Returns a new parser, or NULL with LR_ERROR_PERM when the
 * embedded country table is broken. */
LrParser *parser_new(GHashTable *aliases, GError **error);
void parser_free(LrParser *parser);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LrParser, parser_free)

/* parser_parse_lead - parse raw into lead: lead->fields (replaced, in the
 * order found), format ("form", "adf", "freeform", "forwarded"), is_lead,
 * reason ("auto-reply", "bounce", "mailing-list", "empty"), subject
 * (decoded), source (a utm_campaign / campaign / utm_source / source field,
 * else the address extension of lead->recipient, else of X-Original-To,
 * Delivered-To or To).  A note about what could not be read goes to
 * lead meta "parse_note".  Returns FALSE only on failure: LR_ERROR_PERM
 * when raw is not a mail message, LR_ERROR_TOO_BIG over
 * PARSER_MAX_MESSAGE.  A non-lead is TRUE with is_lead FALSE. */
gboolean parser_parse_lead(const LrParser *parser, GBytes *raw, LrLead *lead, GError **error);

/* parser_value_number - a number as rules see it, read by the one reader
 * the condition language uses too (lead_number_read, lead/number.h):
 * "240,000" -> 240000, "€85,000" -> 85000, "1.2k" -> 1200, "3.5m" ->
 * 3500000, "1.234,5" -> 1234.5, "1.000" -> 1000.  Returns FALSE (out
 * untouched) when the text is not a number as a whole ("40 m²", "12 pumps",
 * "10-20"). */
gboolean parser_value_number(const char *text, double *out);

/* parser_country_code - the ISO 3166-1 alpha-2 code of a code, an English
 * name or a common local name ("de", "Germany", "Deutschland",
 * "Österreich", "UK"), or NULL.  Borrowed, static for the parser's life. */
const char *parser_country_code(const LrParser *parser, const char *text);

/* parser_lead_to_json - the `leadroute parse --json` object for lead:
 * {"is_lead": true, "format": "...", "fields": {..., "source": ...,
 * "subject": ...}} or {"is_lead": false, "reason": "..."}; "note" when
 * the lead has a parse note.  Returns a new string (one line). */
char *parser_lead_to_json(const LrLead *lead);

#endif
