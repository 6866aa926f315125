/* test-process - lr_process_init() (lead/process.h): after it, threads that
 * read numbers at the same moment all read them.  Without it GLib 2.74
 * builds its "C" locale under g_once_init_enter() in whichever thread comes
 * first, and one that waits can return with errno set to EAGAIN, which
 * g_ascii_string_to_unsigned() reports as an invalid number.  The race is
 * only at a process's first use, so the test runs itself as a child many
 * times: each child starts RACERS threads that read a port number at once
 * and exits 1 when any of them was refused. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "lead/process.h"

#define RACERS 4
#define CHILDREN 500

static gint go;
static gint refused;

static gpointer racer(gpointer unused)
{
	guint64 port = 0;

	(void)unused;
	while (!g_atomic_int_get(&go))
		; /* spin: all racers start together */
	if (!g_ascii_string_to_unsigned("55835", 10, 1, 65535, &port, NULL) || port != 55835)
		g_atomic_int_inc(&refused);
	return NULL;
}

/* One child: the race, with lr_process_init() first as every main() has. */
static int child(void)
{
	GThread *t[RACERS];

	lr_process_init();
	for (int i = 0; i < RACERS; i++)
		t[i] = g_thread_new("racer", racer, NULL);
	g_atomic_int_set(&go, 1);
	for (int i = 0; i < RACERS; i++)
		g_thread_join(t[i]);
	return g_atomic_int_get(&refused) ? 1 : 0;
}

static void test_threads_read_numbers(gconstpointer self)
{
	char *argv[] = {(char *)self, "--child", NULL};
	int failed = 0;

	for (int i = 0; i < CHILDREN; i++) {
		g_autoptr(GError) error = NULL;
		int status = 0;

		g_assert_true(g_spawn_sync(NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL,
		                           NULL, &status, &error));
		g_assert_no_error(error);
		if (!g_spawn_check_wait_status(status, NULL))
			failed++;
	}
	if (failed)
		g_test_message("%d of %d children had a valid number refused", failed, CHILDREN);
	g_assert_cmpint(failed, ==, 0);
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--child") == 0)
		return child();
	g_test_init(&argc, &argv, NULL);
	g_test_add_data_func("/process/threads-read-numbers", argv[0], test_threads_read_numbers);
	return g_test_run();
}
