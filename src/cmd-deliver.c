/* cmd-deliver.c - leadroute deliver: pipe(8) delivery (see deliver.h). */
#include "config.h"

#include "lead/log.h"
#include "src/commands.h"
#include "src/deliver.h"

int cmd_deliver(int argc, char **argv)
{
	lr_log_open("leadroute/deliver", FALSE);
	/* GOption's --help and our usage line name the subcommand. */
	g_set_prgname("leadroute deliver");
	return deliver_main(argc, argv);
}
