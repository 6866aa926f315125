/* server-config-int.h - the libconfig side of the server group, shared by
 * the full reader (rules/lr-config.c), the form-label reader
 * (rules/aliases.c) and the slim one (server_config_load); not a public
 * header: libconfig types stay inside rules/. */
#ifndef LR_SERVER_CONFIG_INT_H
#define LR_SERVER_CONFIG_INT_H

#include <libconfig.h>

#include "rules/server-config.h"

/* lr_conf_read - parse file (NULL: the embedded default) into conf, which
 * the caller has config_init'ed.  @include paths are taken from the
 * folder of file (the current folder for the embedded default), never
 * from the process's working folder.  A problem goes to report as
 * (file, line, text), line 0 when the file cannot be read at all.
 * Returns FALSE when the file did not parse. */
gboolean lr_conf_read(config_t *conf, const char *file, LrServerReportFunc report, gpointer data);

/* server_config_fill - the server group of a parsed file (file as read,
 * NULL for the embedded default): every key of the key table typed and
 * range-checked, each problem reported at its file:line and the default
 * used in its place.  Keys that are not in the table are left to the
 * caller (lr-config.c reports them with a suggestion).  Returns a new
 * configuration, never NULL. */
LrServerConfig *server_config_fill(const config_t *conf, const char *file,
                                   LrServerReportFunc report, gpointer data);

#endif
