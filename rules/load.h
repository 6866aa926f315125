/* load.h - loading a configuration: read, check whole, and prepare the
 * routing plans, in one call. */
#ifndef LR_LOAD_H
#define LR_LOAD_H

#include "rules/lr-config.h"

/* lr_config_check - read and check path (NULL: server_config_resolve's
 * choice, possibly the embedded default).  Returns the problems found
 * (never NULL, empty when clean; "file:line: message" each); *out (when
 * not NULL) gets the configuration when there were none, else NULL. */
GPtrArray *lr_config_check(const char *path, LrConfig **out);

/* lr_config_load - read a configuration that checks clean.  Returns a new
 * configuration, or NULL with LR_ERROR_CONFIG whose message holds every
 * problem, one per line; a daemon keeps its old configuration then. */
LrConfig *lr_config_load(const char *path, GError **error);

#endif
