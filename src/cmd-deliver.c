/* cmd-deliver.c - leadroute deliver: pipe(8) delivery (see deliver.h). */
#include "config.h"

#include "lead/log.h"
#include "src/commands.h"
#include "src/deliver.h"

int cmd_deliver(int argc, char **argv)
{
	lr_log_open("leadroute/deliver", FALSE);
	return deliver_main(argc, argv);
}
