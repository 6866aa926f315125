/* cmd-parse.c - leadroute parse (being built: see the open issue). */
#include "config.h"

#include <stdio.h>

#include "src/commands.h"

int cmd_parse(int argc, char **argv)
{
	fprintf(stderr, "leadroute parse: not built yet\n");
	return 70;
}
