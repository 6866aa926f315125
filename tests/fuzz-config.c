/* fuzz-config.c - libFuzzer target: any bytes as leadroute.conf through the
 * configuration loader and its checks (lr_config_check, what `leadroute check`
 * runs) and the server-group reader.  Each input is written to
 * leadroute.conf in a sandbox folder: $FUZZ_CONFIG_DIR when set (tests/fuzz.sh
 * fills it with a copy of examples/, so that the users' rule files, tables
 * and documents an input names are there), else a new temporary folder.
 * Includes and attachments may name any file; they are only read.  Built
 * with clang's -fsanitize=fuzzer (configure's LR_FUZZER). */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "lead/lr-error.h"
#include "rules/load.h"
#include "rules/lr-config.h"
#include "rules/server-config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fuzz_path - the sandbox's leadroute.conf, made once. */
static const char *fuzz_path(void)
{
	static char *path;

	if (path == NULL) {
		const char *dir = g_getenv("FUZZ_CONFIG_DIR");
		char *made = NULL;

		if (dir == NULL || *dir == '\0')
			dir = made = g_dir_make_tmp("fuzz-config-XXXXXX", NULL);
		g_assert_nonnull(dir);
		path = g_build_filename(dir, "leadroute.conf", NULL);
		g_free(made);
	}
	return path;
}

/* fuzz_problems - every problem is "file:line: message" or names the file. */
static void fuzz_problems(const GPtrArray *problems)
{
	for (guint i = 0; i < problems->len; i++) {
		const char *p = g_ptr_array_index(problems, i);

		g_assert_nonnull(p);
		g_assert_nonnull(strchr(p, ':'));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_path();
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) problems = NULL;
	g_autoptr(LrConfig) cfg = NULL;
	g_autoptr(LrServerConfig) srv = NULL;

	/* No fsync: the file is thrown away with the next input. */
	if (!g_file_set_contents_full(path, (const char *)data, size, G_FILE_SET_CONTENTS_NONE,
	                              0644, &error))
		g_error("fuzz-config: %s", error->message);
	problems = lr_config_check(path, &cfg);
	g_assert_nonnull(problems);
	fuzz_problems(problems);
	/* Clean means loaded, and a problem means nothing loaded. */
	g_assert_true((problems->len == 0) == (cfg != NULL));
	srv = server_config_load(path, &error);
	g_assert_true(srv != NULL || error != NULL);
	return 0;
}
