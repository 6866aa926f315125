/* log.c - syslog(LOG_MAIL) or stderr logging with lead ids. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>
#include <unistd.h>

#include "lead/log.h"
#include "lead/lr-error.h"

static gboolean log_stderr = TRUE;
static gboolean log_verbose;
static char *log_ident;
static GMutex log_lock;

G_DEFINE_QUARK(leadroute - error - quark, lr_error)

/* lr_error_is_temp - classify an error for the edges. */
gboolean lr_error_is_temp(const GError *error)
{
	if (error == NULL || error->domain != LR_ERROR)
		return TRUE;
	return error->code == LR_ERROR_TEMP;
}

/* lr_log_open - choose the log destination. */
void lr_log_open(const char *ident, gboolean to_stderr)
{
	g_free(log_ident);
	log_ident = g_strdup(ident);
	log_stderr = to_stderr;
	if (!to_stderr)
		openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

/* lr_log_set_verbose - enable debug lines. */
void lr_log_set_verbose(gboolean verbose)
{
	log_verbose = verbose;
}

/* lr_log_verbose - whether LOG_DEBUG lines are logged. */
gboolean lr_log_verbose(void)
{
	return log_verbose;
}

/* log_line - format and emit one line at prio. */
static void log_line(int prio, guint64 lead_id, const char *fmt, va_list ap)
{
	g_autofree char *text = NULL;
	g_autofree char *id = NULL;

	if (prio == LOG_DEBUG && !log_verbose)
		return;
	text = g_strdup_vprintf(fmt, ap);
	id = lead_id ? g_strdup_printf("%" G_GUINT64_FORMAT ": ", lead_id) : g_strdup("");
	if (!log_stderr) {
		syslog(prio, "%s%s", id, text);
		return;
	}
	g_mutex_lock(&log_lock);
	fprintf(stderr, "%s[%d]: %s%s\n", log_ident ? log_ident : "leadroute", (int)getpid(), id,
	        text);
	g_mutex_unlock(&log_lock);
}

#define LOG_FN(name, prio)                                                                         \
	void name(guint64 lead_id, const char *fmt, ...)                                           \
	{                                                                                          \
		va_list ap;                                                                        \
		va_start(ap, fmt);                                                                 \
		log_line(prio, lead_id, fmt, ap);                                                  \
		va_end(ap);                                                                        \
	}

LOG_FN(lr_log_info, LOG_INFO)
LOG_FN(lr_log_warn, LOG_WARNING)
LOG_FN(lr_log_error, LOG_ERR)
LOG_FN(lr_log_debug, LOG_DEBUG)
