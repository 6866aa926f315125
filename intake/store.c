/* store.c - check and store one delivered message. */
#include "config.h"

#include "intake/store.h"
#include "lead/log.h"
#include "lead/lr-error.h"
#include "lead/rawmsg.h"

/* seed_lead - what intake knows of a lead before it is parsed. */
static LrLead *seed_lead(const char *raw, gsize len, const char *sender, const char *rcpt)
{
	LrLead *lead = lead_new();
	g_autofree char *subject = rawmsg_header(raw, len, "Subject");
	g_autofree char *from = rawmsg_header(raw, len, "From");
	g_autofree char *source = rawmsg_addr_extension(rcpt);

	lead_set_str(&lead->sender, sender ? sender : "");
	lead_set_str(&lead->recipient, rcpt);
	lead_set_str(&lead->subject, subject);
	lead_set_str(&lead->source, source);
	if (from != NULL)
		lead_field_set(lead, "from", from);
	return lead;
}

/* intake_store - check, then store durably once. */
gboolean intake_store(LrQueue *q, GBytes *raw, const char *sender,
		      const char *const *recipients, gsize max_size, guint64 *lead_id,
		      gboolean *duplicate, GError **error)
{
	gsize len;
	const char *data = g_bytes_get_data(raw, &len);
	const char *rcpt = recipients && recipients[0] ? recipients[0] : NULL;
	g_autoptr(LrLead) seed = NULL;
	g_autofree char *key = NULL;

	if (max_size > 0 && len > max_size) {
		g_set_error(error, LR_ERROR, LR_ERROR_TOO_BIG,
			    "message of %zu bytes exceeds the limit of %zu", len, max_size);
		return FALSE;
	}
	if (!rawmsg_check(data, len, error))
		return FALSE;
	seed = seed_lead(data, len, sender, rcpt);
	key = rawmsg_key(data, len);
	if (!queue_store_message(q, raw, key, seed, lead_id, duplicate, error))
		return FALSE;
	lr_log_info(*lead_id, "from=<%s> to=<%s> size=%zu key=%s status=%s",
		    sender ? sender : "", rcpt ? rcpt : "", len, key,
		    *duplicate ? "duplicate" : "stored");
	return TRUE;
}
