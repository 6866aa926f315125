/* cmd-list.c - leadroute list (being built: see the open issue). */
#include "config.h"

#include <stdio.h>

#include "src/commands.h"

int cmd_list(int argc, char **argv)
{
	fprintf(stderr, "leadroute list: not built yet\n");
	return 70;
}
