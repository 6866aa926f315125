/* confine.h - keep what a user's rule file names inside the folders the
 * admin allows: documents to attach, and files it @includes.
 *
 * Paths are resolved (realpath: "..", symbolic links and absolute paths
 * all end up where they really point) before they are compared, so a
 * path is inside a folder only when the file really lies under it. */
#ifndef LR_CONFINE_H
#define LR_CONFINE_H

#include <glib.h>

/* confine_path - the resolved path of path when it exists and lies inside
 * one of folders (NULL-terminated; each resolved too; a folder that does
 * not exist holds nothing).  Returns a new string, or NULL when path does
 * not exist or lies outside every folder. */
char *confine_path(const char *path, const char *const *folders);

/* How confine_includes reports a violation (rules/check.h's CheckReportFunc). */
typedef void (*ConfineReportFunc)(gpointer data, const char *file, int line, const char *message);

/* confine_includes - check every `@include "FILE"` of the libconfig file
 * at path, and of the files it includes (libconfig resolves them against
 * include_dir, as here): each must lie inside folder.  Calls report once
 * per violation.  TRUE when there is none.  A file that cannot be read is
 * left to the configuration reader to report. */
gboolean confine_includes(const char *path, const char *include_dir, const char *folder,
                          ConfineReportFunc report, gpointer data);

#endif
