/* check.h - checks over the whole loaded configuration: route targets that
 * do not exist, permission of users' rule files, rules that can never
 * match, routing cycles, a missing admin.  Used by lr_config_check() (rules/load.c). */
#ifndef LR_CHECK_H
#define LR_CHECK_H

#include "rules/lr-config.h"

/* Receives one problem: file (borrowed), line (0: the whole file) and the
 * message without the location. */
typedef LrConfigReportFunc CheckReportFunc;

/* check_config - run every whole-configuration check on cfg and report
 * each problem found through report. */
void check_config(const LrConfig *cfg, CheckReportFunc report, gpointer data);

#endif
