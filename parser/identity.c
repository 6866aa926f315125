/* identity.c - who wrote an inquiry. */
#include "config.h"

#include <string.h>

#include "parser/identity.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(InternetAddressList, g_object_unref)

/* identity_mailto - "[mailto:x]", "<mailto:x>", "(mailto:x)". */
static const GRegex *identity_mailto(void)
{
	static GRegex *mailto;
	static gsize once = 0;

	if (g_once_init_enter(&once)) {
		mailto = g_regex_new("[\\[<(]mailto:([^\\]>)]+)[\\]>)]", G_REGEX_CASELESS, 0, NULL);
		g_once_init_leave(&once, 1);
	}
	return mailto;
}

/* identity_robot_pattern - local parts and display names of robots. */
static const GRegex *identity_robot_pattern(gboolean name)
{
	static GRegex *local, *display;
	static gsize once = 0;
	const GRegexCompileFlags f = G_REGEX_OPTIMIZE | G_REGEX_CASELESS;

	if (g_once_init_enter(&once)) {
		local =
		    g_regex_new("^(?:no-?reply|do-?not-?reply|donotreply|noreply|mailer|"
		                "mailer-daemon|notifications?|notify|alerts?|forms?|formmail|"
		                "wordpress|wp|webmaster|www-data|www|apache|nginx|nobody|system|"
		                "automailer|postmaster|bounces?|daemon|root|website|contact-?form|"
		                "hubspot|typeform|jotform|wufoo)(?:[-+._].*)?@",
		                f, 0, NULL);
		display = g_regex_new("\\b(?:no-?reply|do not reply|contact form|website|"
		                      "wordpress|web form|form|notification|mailer)\\b",
		                      f, 0, NULL);
		g_once_init_leave(&once, 1);
	}
	return name ? display : local;
}

/* identity_is_robot - robots by address or display name. */
gboolean identity_is_robot(const char *name, const char *email)
{
	return (email != NULL && g_regex_match(identity_robot_pattern(FALSE), email, 0, NULL)) ||
	       (name != NULL && g_regex_match(identity_robot_pattern(TRUE), name, 0, NULL));
}

/* identity_name_turn - "Sandberg, Henrik" -> "Henrik Sandberg"; quotes and
 * stars stripped.  Returns a new string or NULL for an empty name. */
static char *identity_name_turn(const char *name)
{
	g_autofree char *clean = NULL;
	const char *comma;

	if (name == NULL)
		return NULL;
	clean = g_strstrip(g_strdelimit(g_strdup(name), "\"*", ' '));
	if (*clean == '\0')
		return NULL;
	comma = strchr(clean, ',');
	if (comma != NULL && strchr(comma + 1, ',') == NULL &&
	    strpbrk(clean, "0123456789") == NULL && comma > clean && comma[1] != '\0') {
		g_autofree char *last = g_strndup(clean, comma - clean);
		g_autofree char *first = g_strdup(comma + 1);

		return g_strjoin(" ", g_strstrip(first), g_strstrip(last), NULL);
	}
	return g_steal_pointer(&clean);
}

/* identity_mailbox - the first mailbox of list, or NULL. */
static InternetAddressMailbox *identity_mailbox(InternetAddressList *list)
{
	for (int i = 0; list != NULL && i < internet_address_list_length(list) && i < 50; i++) {
		InternetAddress *a = internet_address_list_get_address(list, i);

		if (INTERNET_ADDRESS_IS_MAILBOX(a))
			return INTERNET_ADDRESS_MAILBOX(a);
		if (INTERNET_ADDRESS_IS_GROUP(a))
			return identity_mailbox(
			    internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a)));
	}
	return NULL;
}

/* identity_fill - out from a mailbox. */
static void identity_fill(IdentityInfo *out, InternetAddressMailbox *mailbox)
{
	const char *addr = internet_address_mailbox_get_addr(mailbox);

	out->name = identity_name_turn(internet_address_get_name(INTERNET_ADDRESS(mailbox)));
	out->email = addr != NULL && strchr(addr, '@') != NULL ? g_strdup(addr) : NULL;
	out->robot = identity_is_robot(out->name, out->email);
	if (out->name != NULL && out->email != NULL &&
	    g_ascii_strcasecmp(out->name, out->email) == 0)
		g_clear_pointer(&out->name, g_free);
}

/* identity_from_message - From, or Reply-To for robots. */
void identity_from_message(GMimeMessage *message, GMimeParserOptions *options, IdentityInfo *out)
{
	InternetAddressMailbox *from = identity_mailbox(g_mime_message_get_from(message));
	InternetAddressMailbox *reply = identity_mailbox(g_mime_message_get_reply_to(message));

	memset(out, 0, sizeof(*out));
	if (from != NULL)
		identity_fill(out, from);
	if (reply != NULL && (from == NULL || out->robot || out->email == NULL)) {
		identity_clear(out);
		identity_fill(out, reply);
	}
}

/* identity_from_text - parse a written address. */
gboolean identity_from_text(const char *text, GMimeParserOptions *options, IdentityInfo *out)
{
	g_autofree char *fixed = g_regex_replace(identity_mailto(), text, -1, 0, "<\\1>", 0, NULL);
	g_autoptr(InternetAddressList) list = NULL;
	InternetAddressMailbox *mailbox;

	memset(out, 0, sizeof(*out));
	if (fixed == NULL)
		return FALSE;
	g_strdelimit(fixed, "*", ' ');
	list = internet_address_list_parse(options, fixed);
	mailbox = identity_mailbox(list);
	if (mailbox != NULL)
		identity_fill(out, mailbox);
	if (out->email == NULL && out->name == NULL && strchr(fixed, '@') == NULL)
		out->name = identity_name_turn(fixed); /* a name without an address */
	return out->email != NULL || out->name != NULL;
}

/* identity_clear - free the strings. */
void identity_clear(IdentityInfo *info)
{
	g_clear_pointer(&info->name, g_free);
	g_clear_pointer(&info->email, g_free);
	info->robot = FALSE;
}
