/* signature.h - free text from a person: the message without quoted mail
 * and signature, and what the signature block says (phone, company,
 * title, name). */
#ifndef LR_SIGNATURE_H
#define LR_SIGNATURE_H

#include <glib.h>

/* Lines of a signature block that are read, and the longest line read. */
#define SIGNATURE_MAX_LINES 12
#define SIGNATURE_MAX_LINE 300

typedef struct {
	char *message; /* the text the person wrote, never NULL */
	char *name;    /* the name under the closing, or NULL */
	char *phone;   /* the first phone number, as written */
	char *company;
	char *title;
} SignatureInfo;

/* signature_split - split text (UTF-8) into message and signature.  The
 * signature starts after a "-- " line, else after a closing ("Best,",
 * "Kind regards", "Mit freundlichen Grüßen", "Cordialement", "Saludos",
 * ...), else it is a short last paragraph that starts with sender_name
 * (may be NULL) or holds a phone number.  Quoted earlier mail and "Sent
 * from my phone" lines are dropped.  Fills out; release with
 * signature_info_clear(). */
void signature_split(const char *text, const char *sender_name, SignatureInfo *out);
void signature_info_clear(SignatureInfo *info);

#endif
