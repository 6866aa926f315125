/* workflow-sender.c - who a reply or a command mail comes from: the sender
 * checks before any token.  Used by workflow.c and selfservice.c. */
#include "config.h"

#include <string.h>

#include "router/workflow.h"

/* addr_domain - the domain of an address, lower case, or NULL. */
static char *addr_domain(const char *address)
{
	const char *at = address ? strrchr(address, '@') : NULL;
	g_autofree char *d = at ? g_ascii_strdown(at + 1, -1) : NULL;
	char *gt = d ? strchr(d, '>') : NULL;

	if (gt)
		*gt = '\0';
	return d && *d ? g_steal_pointer(&d) : NULL;
}

/* envelope_fits - may this envelope sender speak for user?  Its domain
 * must be the domain of one of the user's addresses (mail the user sends
 * through their own provider, a forwarder of their own domain). */
static gboolean envelope_fits(const LrUser *user, const char *envelope)
{
	g_autofree char *want = addr_domain(envelope);

	for (guint i = 0; want && user->addresses && user->addresses[i]; i++) {
		g_autofree char *have = addr_domain(user->addresses[i]);
		if (g_strcmp0(have, want) == 0)
			return TRUE;
	}
	return FALSE;
}

/* workflow_sender - see workflow.h. */
const LrUser *workflow_sender(const LrConfig *cfg, const LrReply *reply, const char *envelope,
                              const char **why)
{
	const LrUser *user = lr_config_user_by_address(cfg, reply->sender);

	if (envelope == NULL && !reply->auto_reply) {
		*why = "null envelope sender: never a command";
		return NULL;
	}
	*why = "From is nobody here";
	if (user == NULL)
		return NULL;
	*why = "envelope sender foreign to the user";
	if (envelope && !envelope_fits(user, envelope))
		return NULL;
	return user;
}
