/* replywords.h - the words people write for a reply command: inflections
 * and synonyms ("Accepted.", "Declined", "Pass to erik", "Yes, I'll take
 * it") and the local words of the common languages (German, French,
 * Spanish, Italian, Dutch, Portuguese), recognised only as the first
 * word(s) of the replier's text and never under a negation. */
#ifndef LR_REPLYWORDS_H
#define LR_REPLYWORDS_H

#include <glib.h>

/* What the first words of a reply say. */
typedef enum {
	REPLYWORDS_NONE,    /* no command words */
	REPLYWORDS_COMMAND, /* a command: *command and *rest are set */
	REPLYWORDS_DOUBT,   /* command words under a negation ("accepted? no") */
} ReplywordsResult;

/* replywords_match - the command the first word(s) of text stand for.
 * text is the replier's first paragraph in UTF-8.  Case, accents,
 * emphasis and punctuation do not matter.  On REPLYWORDS_COMMAND,
 * *command is the command ("accept", "reject", "forward", "contacted",
 * "won", "lost", "note", "help"; static) and *rest points into text after
 * the words (for forward, after a "to" / "an" / "à" / "a" / "naar").  A
 * command other than reject followed by a negation in the same sentence
 * ("Übernehme ich nicht", "Accepted, not now"), or any command but help
 * followed by a question mark ("Accepted?"), is REPLYWORDS_DOUBT. */
ReplywordsResult replywords_match(const char *text, const char **command, const char **rest);

/* replywords_negated - TRUE when the sentence at text (up to its first
 * '.', '!', '?' or ';', at most 6 words) holds a negation ("not", "nicht",
 * "pas", "no", "niet", ...). */
gboolean replywords_negated(const char *text);

#endif
