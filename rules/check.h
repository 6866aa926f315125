/* check.h - checks over the whole loaded configuration: route targets that
 * do not exist, permission of users' rule files, rules that can never
 * match, routing cycles, a missing admin.  Used by config_check(). */
#ifndef LR_CHECK_H
#define LR_CHECK_H

#include "rules/lr-config.h"

/* Receives one problem: file (borrowed), line (0: the whole file) and the
 * message without the location. */
typedef void (*CheckReportFunc)(gpointer data, const char *file, int line, const char *message);

/* check_config - run every whole-configuration check on cfg and report
 * each problem found through report. */
void check_config(const LrConfig *cfg, CheckReportFunc report, gpointer data);

/* check_suggest - the word of known[] (NULL-terminated) that word most
 * likely misspells, or NULL (borrowed). */
const char *check_suggest(const char *word, const char *const *known);

#endif
