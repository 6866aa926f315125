/* log.h - one small logging module: syslog(LOG_MAIL), or stderr.
 *
 * Every line about a lead starts with its id (0 for none), then key=value
 * pairs.  Never log withheld field values or secrets. */
#ifndef LR_LOG_H
#define LR_LOG_H

#include <glib.h>

/* lr_log_open - log under ident; to stderr when to_stderr, else syslog. */
void lr_log_open(const char *ident, gboolean to_stderr);

/* lr_log_set_verbose - also log LOG_DEBUG lines (leadrouted -v: the
 * router's steps and each LMTP session's protocol). */
void lr_log_set_verbose(gboolean verbose);

/* lr_log_verbose - TRUE when LOG_DEBUG lines are logged (to skip building
 * a debug line nobody reads). */
gboolean lr_log_verbose(void);

void lr_log_info(guint64 lead_id, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
void lr_log_warn(guint64 lead_id, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
void lr_log_error(guint64 lead_id, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
void lr_log_debug(guint64 lead_id, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

#endif
