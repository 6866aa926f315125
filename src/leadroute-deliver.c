/* leadroute-deliver - the slim pipe(8) entry point: the same as
 * `leadroute deliver`, linked with Berkeley DB, libconfig and GLib only, so
 * that Postfix's hot path does not pay for loading GMime and friends. */
#include "config.h"

#include "lead/log.h"
#include "lead/process.h"
#include "src/deliver.h"

int main(int argc, char **argv)
{
	lr_process_init();
	lr_log_open("leadroute/deliver", FALSE);
	return deliver_main(argc, argv);
}
