/* adf-fields.h - the lead fields of ADF 1.0 (Auto-Lead Data Format) that
 * have an element of their own: what parser/adf.c fills in, what
 * federation/adf-out.c writes in its own element (every other field goes to
 * the vehicle's comments), and what rules/check-servers.c accepts in a
 * server's withhold.  One list, so the three cannot disagree. */
#ifndef LR_LEAD_ADF_FIELDS_H
#define LR_LEAD_ADF_FIELDS_H

/* lead_adf_fields - the names, NULL-terminated.  vendor and vendor_contact
 * name the previous recipient of a lead and are not passed on. */
extern const char *const lead_adf_fields[];

#endif
