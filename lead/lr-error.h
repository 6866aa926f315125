/* lr-error.h - the project's one error domain.
 *
 * Two codes matter at the edges: LR_ERROR_TEMP (try again later: the store
 * is busy or full, the relay is down, a deadlock) and LR_ERROR_PERM (this
 * input will never work).  When unsure, TEMP.  The edges translate: LMTP
 * 451 4.3.0 / 554 5.6.0, pipe EX_TEMPFAIL / EX_DATAERR, CLI exit 1. */
#ifndef LR_ERROR_H
#define LR_ERROR_H

#include <glib.h>

#define LR_ERROR (lr_error_quark())

typedef enum {
	LR_ERROR_TEMP,    /* try again later */
	LR_ERROR_PERM,    /* this will never work */
	LR_ERROR_CONFIG,  /* configuration problem (permanent until edited) */
	LR_ERROR_TOO_BIG, /* over a size limit (permanent) */
} LrErrorCode;

GQuark lr_error_quark(void);

/* lr_error_is_temp - TRUE when error says "retry later"; errors of other
 * domains count as temporary, since a retry costs little. */
gboolean lr_error_is_temp(const GError *error);

#endif
