/* process.c - what every leadroute program does first (process.h). */
#include "config.h"

#include "lead/process.h"

#include <glib.h>

void lr_process_init(void)
{
	/* Both make GLib's cached "C" locale (get_C_locale() in gstrfuncs.c)
	 * while this is the only thread. */
	(void)g_ascii_strtoull("0", NULL, 10);
	(void)g_ascii_strtod("0", NULL);
}
