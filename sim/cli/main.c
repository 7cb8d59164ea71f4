/* capsim: the command line (sim/cli/cli_main.c). Only this layer prints errors
 * and exits. */
#include "capsim/types.h"
#include "cli.h"
#include "../hugemem.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* What a command printed must have reached standard output: a full disk
 * or a closed pipe is an error (exit 1), not a silent success. */
int main(int argc, char **argv)
{
	cs_huge_heap();
	int rc = cs_cli_main(argc, argv);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		char err[CS_ERRLEN];
		snprintf(err, sizeof err, "standard output: write error: %s", strerror(errno ? errno : EIO));
		cs_cli_die(1, err);
		return rc ? rc : 1;
	}
	return rc;
}
