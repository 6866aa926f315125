/* cmd-show.c - leadroute show (being built: see the open issue). */
#include "config.h"

#include <stdio.h>

#include "src/commands.h"

int cmd_show(int argc, char **argv)
{
	fprintf(stderr, "leadroute show: not built yet\n");
	return 70;
}
