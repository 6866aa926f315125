/* forward.h - forwarded and quoted mail inside a text body: Gmail,
 * Outlook, Apple Mail and Thunderbird forward blocks and reply quotes, in
 * the common languages (English, German, French, Spanish, Dutch, Italian,
 * Portuguese, the Nordic languages, Polish). */
#ifndef LR_FORWARD_H
#define LR_FORWARD_H

#include <glib.h>

/* How many forwards inside forwards are followed. */
#define FORWARD_MAX_DEPTH 8

typedef struct {
	char *from;     /* the From line's value as written, or NULL */
	char *reply_to; /* a Reply-To line's value, or NULL */
	char *subject;  /* the Subject line's value, or NULL */
	char *body;     /* the text below the block's header lines */
} ForwardBlock;

/* forward_find - the innermost forwarded message in text: after a forward
 * marker ("---------- Forwarded message ---------", "Begin forwarded
 * message:", "-------- Weitergeleitete Nachricht --------", ...) and, when
 * reply_blocks, after a reply marker too ("-----Original Message-----", an
 * Outlook "From:/Sent:/To:/Subject:" block).  Fills out and returns TRUE
 * when a block with a From line is found; release with
 * forward_block_clear(). */
gboolean forward_find(const char *text, gboolean reply_blocks, ForwardBlock *out);
void forward_block_clear(ForwardBlock *block);

/* forward_subject - TRUE when subject starts with a forward prefix
 * ("Fwd:", "FW:", "WG:", "TR:", "RV:", "Doorst:", "I:", "VS:", "Enc:"). */
gboolean forward_subject(const char *subject);

/* forward_quote_start - the byte offset in text where quoted earlier mail
 * begins ("On ... wrote:", "Am ... schrieb ...:", "Le ... a écrit :", a
 * reply or forward marker, an Outlook header block, a run of "> " lines),
 * or strlen(text) when there is none. */
gsize forward_quote_start(const char *text);

#endif
