/* lr-config-int.h - what lr-config.c and its sibling files share; not a public header. */
#ifndef LR_LR_CONFIG_INT_H
#define LR_LR_CONFIG_INT_H

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <libconfig.h>
#include "lead/lr-error.h"
#include "rules/lr-config.h"
#include "rules/suggest.h"

/* One problem, sortable by file and line. */
typedef struct {
	int rank; /* the file's order of first appearance */
	int line;
	char *text;
} Problem;

/* Everything one load needs besides the configuration itself. */
typedef struct {
	LrConfig *cfg;
	GPtrArray *problems; /* Problem * */
	GHashTable *ranks;   /* file -> rank */
	char *base;          /* folder of the main file, "" for the current one */
	GArray *weights;     /* scratch: a route's weights */
	const LrUser *owner; /* whose rule file is being read, or NULL */
} Loader;

const char *parse_span(const char *text, LrHours *h);
void at(Loader *ld, const config_setting_t *s, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
void at(Loader *ld, const config_setting_t *s, const char *fmt, ...);
extern const char *const top_keys[];
void user_free(LrUser *u);
void server_free(LrServer *s);
void load_users(Loader *ld, const config_setting_t *root);
void load_servers(Loader *ld, const config_setting_t *root);
int file_rank(Loader *ld, const char *file);
void note(Loader *ld, const char *file, int line, const char *fmt, ...) G_GNUC_PRINTF(4, 5);
void note(Loader *ld, const char *file, int line, const char *fmt, ...);
const char *file_of(Loader *ld, const config_setting_t *s, const char *fallback);
int line_of(const config_setting_t *s);
void unknown_key(Loader *ld, const config_setting_t *m, const char *const *known,
                 const char *where);
void check_keys(Loader *ld, const config_setting_t *s, const char *const *known, const char *where);
config_setting_t *get_list(Loader *ld, const config_setting_t *s, const char *name);
const char *get_str(Loader *ld, const config_setting_t *s, const char *name);
gboolean get_num(Loader *ld, const config_setting_t *s, const char *name, double *out);
char **get_strv(Loader *ld, const config_setting_t *s, const char *name);
void load_hours(Loader *ld, LrUser *u, const config_setting_t *s);
void load_workflow(Loader *ld, const config_setting_t *parent, LrWorkflow *wf);
void load_digest(Loader *ld, const config_setting_t *root);
void digest_config_free(LrDigestConfig *d);
char *path_of(Loader *ld, const char *name);
gboolean read_conf(Loader *ld, config_t *conf, const char *file);

/* note_report - LrConfigReport over a Loader (data): note the problem. */
void note_report(gpointer data, const char *file, int line, const char *message);
void ruleset_free(LrRuleSet *set);
LrRuleSet *load_ruleset(Loader *ld, const config_setting_t *root, const LrUser *owner,
                        const char *file);

config_setting_t *get_group(Loader *ld, const config_setting_t *s, const char *name);
char **strv_of(Loader *ld, const config_setting_t *m, const char *name);
const LrTable *cfg_table(gpointer data, const char *name);
void load_sources(Loader *ld, const config_setting_t *root);

#endif
