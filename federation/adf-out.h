/* adf-out.h - a lead written as ADF 1.0 (Auto-Lead Data Format) for a
 * dealer CRM: the `format = "adf"` of a `servers` entry.  libxml2 inside.
 *
 * The document is valid against federation/adf-1.0.dtd (shipped in the
 * project) and reads back through parser/adf.c into the same fields: the
 * customer's contact (name parts, email, phones by type, company,
 * address), message, timeframe, request_date, id and id_source, the
 * vehicle of interest (vehicle_year, vehicle_make, vehicle_model,
 * vehicle_trim, vehicle_vin, vehicle_stock, vehicle_odometer,
 * vehicle_bodystyle, vehicle_transmission, vehicle_color,
 * vehicle_interest, vehicle_status, price, price_currency,
 * vehicle_comments; product as the model when the lead names no vehicle
 * parts), trade_in, vehicle_2... and the provider.  Fields ADF has no
 * element for (email_2..., since a contact has one email in ADF 1.0) are
 * listed, "name: value" a line, in the vehicle's comments.
 *
 * Withheld fields are not in any byte of the output: a field named in
 * withhold is omitted (and with "name" also first_name, middle_name and
 * last_name; with "phone" or "email" also phone_* or email_*), and its
 * value is masked wherever it appears in another field's text. */
#ifndef LR_FEDERATION_ADF_OUT_H
#define LR_FEDERATION_ADF_OUT_H

#include <glib.h>

#include "lead/lead.h"

/* The parties of the prospect besides the customer.  vendor is the
 * partner the lead goes to; provider is this server, written when the lead
 * names no provider of its own (an ADF lead from a lead vendor keeps its
 * provider).  Any member may be NULL. */
typedef struct {
	const char *vendor_name;    /* the server's name, else its id */
	const char *vendor_email;   /* the deliver address without "mailto:" */
	const char *provider_name;  /* this server's name */
	const char *provider_email; /* this server's address */
} FedAdfParties;

/* fed_adf_write - append lead as one ADF 1.0 document (UTF-8, with the
 * <?adf version="1.0"?> instruction, no DOCTYPE) to out.  withhold:
 * field names, NULL-terminated (NULL: none).  parties may be NULL.
 * Returns FALSE with LR_ERROR_TEMP when libxml2 could not write (out of
 * memory); out is then unchanged. */
gboolean fed_adf_write(const LrLead *lead, const char *const *withhold,
                       const FedAdfParties *parties, GString *out, GError **error);

#endif
