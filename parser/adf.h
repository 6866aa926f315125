/* adf.h - ADF/XML leads (Auto-lead Data Format 1.0, as lead vendors send
 * it) read into a lead's canonical fields.  libxml2 inside.
 *
 * Safety: the XML is parsed without network access, without loading any
 * external DTD or entity, without substituting entities and without the
 * "huge" limits; a document that declares entities (<!ENTITY ...>, the
 * billion-laughs and external-entity attacks) is refused before and while
 * it is parsed, and entity references are never expanded.  Documents over
 * ADF_INPUT_MAX bytes are refused. */
#ifndef LR_PARSER_ADF_H
#define LR_PARSER_ADF_H

#include <glib.h>

#include "lead/lead.h"

#define ADF_INPUT_MAX (4 * 1024 * 1024) /* bytes of XML read */

/* adf_looks_like - TRUE when data, after a UTF-8 byte order mark, white
 * space, the XML declaration, processing instructions (<?adf
 * version="1.0"?>), comments and a DOCTYPE, starts with an <adf> root
 * element (any letter case).  Cheap: looks only at the prolog. */
gboolean adf_looks_like(const char *data, gsize len);

/* adf_parse - read the first prospect of an ADF document into lead with
 * lead_field_set, and set lead->format to "adf".  Fields, when present:
 * - the customer's primary contact: name (part="full", else the parts
 *   joined), first_name, last_name, middle_name, email (the preferred one,
 *   else the first; others email_2...), phone (the first that is not a fax
 *   or pager) and the others by type (phone_mobile, phone_work, phone_home,
 *   phone_fax, phone_pager) or as phone_2, phone_3...; company (a business
 *   name); street (lines joined by ", "), city, region, postal_code,
 *   country (as given: the caller normalises it);
 * - message (customer comments, else the vehicle's comments), timeframe,
 *   request_date, id and id_source (the lead id at the provider);
 * - the vehicle of interest (the first that is not a trade-in): product
 *   ("year make model trim", e.g. "2024 Honda Civic EX"), vehicle_year,
 *   vehicle_make, vehicle_model, vehicle_trim, vehicle_vin, vehicle_stock,
 *   vehicle_interest (buy, lease, trade-in...), vehicle_status (new, used),
 *   vehicle_odometer, vehicle_color, vehicle_comments, price (the quote
 *   or offer first) and price_currency; a trade-in as trade_in (its
 *   "year make model trim"), other vehicles as vehicle_2, vehicle_3...;
 * - provider, provider_email, provider_service, provider_url,
 *   provider_contact, vendor, vendor_contact.
 * The lead is untouched on failure.  Returns FALSE with LR_ERROR_PERM when
 * the XML is malformed, too big, declares entities, or is not ADF (no
 * <adf> root with a <prospect>); the caller then reads the body as text. */
gboolean adf_parse(const char *xml, gsize len, LrLead *lead, GError **error);

#endif
