/* adf-fields.c - the lead fields of ADF 1.0 (adf-fields.h). */
#include "config.h"

#include <stddef.h>

#include "lead/adf-fields.h"

/* Fields written in an element of their own (the rest go to the vehicle's
 * comments); the vendor fields name the previous recipient and are not
 * passed on. */
const char *const lead_adf_fields[] = {
    "name",
    "first_name",
    "middle_name",
    "last_name",
    "company",
    "email",
    "phone",
    "phone_mobile",
    "phone_fax",
    "phone_pager",
    "phone_work",
    "phone_home",
    "street",
    "city",
    "region",
    "postal_code",
    "country",
    "message",
    "timeframe",
    "request_date",
    "id",
    "id_source",
    "product",
    "vehicle_year",
    "vehicle_make",
    "vehicle_model",
    "vehicle_trim",
    "vehicle_vin",
    "vehicle_stock",
    "vehicle_odometer",
    "vehicle_bodystyle",
    "vehicle_transmission",
    "vehicle_color",
    "vehicle_interest",
    "vehicle_status",
    "vehicle_comments",
    "price",
    "price_currency",
    "trade_in",
    "provider",
    "provider_email",
    "provider_service",
    "provider_url",
    "provider_contact",
    "vendor",
    "vendor_contact",
    NULL,
};
