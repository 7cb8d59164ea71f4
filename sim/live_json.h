/* capsim: a submission as a JSON object (sim/live_json.c): the protocol's
 * job (docs/serve.md) and the saved state's. Private to sim/. */
#ifndef CAPSIM_SIM_LIVE_JSON_H
#define CAPSIM_SIM_LIVE_JSON_H

#include "capsim/live.h"

#include <jansson.h>

/* The job fields of o into j (strings point into o): every field known
 * (or one of extra, NULL-terminated, skipped here), of its type and
 * range; nodes and runtime required. 0, or -CS_EINVAL with err
 * "FIELD: what is wrong" and *field the field's name (static). */
int cs_live_job_parse(const json_t *o, cs_live_job *j, const char *const *extra, const char **field, char *err,
		      size_t errlen);
/* An integer member of o in [lo, hi] into *v; absent: *v = def (required
 * with req). 0, or -CS_EINVAL with "KEY: ..." in err. */
int cs_live_json_int(const json_t *o, const char *key, int64_t lo, int64_t hi, int64_t def, int req, int64_t *v,
		     char *err, size_t errlen);

#endif
