/* cmd-check.c - leadroute check (being built: see the open issue). */
#include "config.h"

#include <stdio.h>

#include "src/commands.h"

int cmd_check(int argc, char **argv)
{
	fprintf(stderr, "leadroute check: not built yet\n");
	return 70;
}
