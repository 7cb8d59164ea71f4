/* capsim: a twin of a real Slurm (docs/serve.md): not built yet. */
#include "serve_int.h"

#include <stdio.h>

int cs_twin_start(srv *S, char *err, size_t errlen)
{
	(void)S;
	snprintf(err, errlen, "--follow: not built yet");
	return -CS_EINVAL;
}

void cs_twin_stop(srv *S) { (void)S; }
