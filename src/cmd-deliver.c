/* cmd-deliver.c - leadroute deliver (being built: see the open issue). */
#include "config.h"

#include <stdio.h>

#include "src/commands.h"

int cmd_deliver(int argc, char **argv)
{
	fprintf(stderr, "leadroute deliver: not built yet\n");
	return 70;
}
