/* identity.h - who wrote an inquiry: From, or Reply-To when From is a form
 * robot or a no-reply address; or the From line of a forwarded block. */
#ifndef LR_IDENTITY_H
#define LR_IDENTITY_H

#include <glib.h>
#include <gmime/gmime.h>

typedef struct {
	char *name;     /* display name, "Last, First" turned round; or NULL */
	char *email;    /* address as written, or NULL */
	gboolean robot; /* a form robot or no-reply address, not a person */
} IdentityInfo;

/* identity_from_message - the person behind message: Reply-To when From is a
 * robot (or absent) and Reply-To names someone, else From.  options are
 * the parser's (may be NULL).  Fills out; release with identity_clear(). */
void identity_from_message(GMimeMessage *message, GMimeParserOptions *options, IdentityInfo *out);

/* identity_from_text - the person in a written address ("Ann Lee
 * <ann@x>", "Ann Lee [mailto:ann@x]", "*Ann Lee* <ann@x>", "ann@x").
 * Returns FALSE when text holds neither a name nor an address. */
gboolean identity_from_text(const char *text, GMimeParserOptions *options, IdentityInfo *out);

/* identity_is_robot - TRUE for a no-reply or form-robot address or name. */
gboolean identity_is_robot(const char *name, const char *email);

void identity_clear(IdentityInfo *info);

#endif
