/* aliases.h - the form-label aliases of a configuration file, read
 * without loading (or checking) the rest of it. */
#ifndef LR_ALIASES_H
#define LR_ALIASES_H

#include <glib.h>

/* lr_config_read_aliases - fields.aliases of the libconfig file path:
 * a new table label -> field name (the caller's), or NULL with
 * LR_ERROR_CONFIG "file:line: text" when the file does not read. */
GHashTable *lr_config_read_aliases(const char *path, GError **error);

#endif
