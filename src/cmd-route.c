/* cmd-route.c - leadroute route (being built: see the open issue). */
#include "config.h"

#include <stdio.h>

#include "src/commands.h"

int cmd_route(int argc, char **argv)
{
	fprintf(stderr, "leadroute route: not built yet\n");
	return 70;
}
