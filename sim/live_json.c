/* capsim: a submission as a JSON object (live_json.h). */
#include "capsim/native.h"
#include "capsim/trace.h"
#include "live_json.h"

#include <stdio.h>
#include <string.h>

static const char *const job_keys[] = { "id", "project", "user", "qos", "partition", "submit", "nodes",
					"gpus_per_node", "cores_per_node", "mem_per_node", "time_limit", "runtime",
					"state", "topology", NULL };

static int listed(const char *const *names, const char *key)
{
	for (; names && *names; names++)
		if (strcmp(*names, key) == 0)
			return 1;
	return 0;
}

int cs_live_json_int(const json_t *o, const char *key, int64_t lo, int64_t hi, int64_t def, int req, int64_t *v,
		     char *err, size_t errlen)
{
	const json_t *x = json_object_get(o, key);
	*v = def;
	if (!x) {
		if (!req)
			return 0;
		snprintf(err, errlen, "%s: required", key);
		return -CS_EINVAL;
	}
	if (!json_is_integer(x)) {
		snprintf(err, errlen, "%s: must be an integer", key);
		return -CS_EINVAL;
	}
	*v = json_integer_value(x);
	if (*v < lo || *v > hi) {
		snprintf(err, errlen, "%s: %lld is out of range [%lld, %lld]", key, (long long)*v, (long long)lo,
			 (long long)hi);
		return -CS_EINVAL;
	}
	return 0;
}

/* A string member (absent: NULL); names hold no commas or line breaks, as
 * in capsim's CSV, but a list's commas (or '|') separate its names. */
static int str_or_list_of(const json_t *o, const char *key, int list, const char **v, char *err, size_t errlen)
{
	const json_t *x = json_object_get(o, key);
	*v = NULL;
	if (!x)
		return 0;
	if (!json_is_string(x)) {
		snprintf(err, errlen, "%s: must be a string", key);
		return -CS_EINVAL;
	}
	*v = json_string_value(x);
	if (strlen(*v) != json_string_length(x) || strpbrk(*v, list ? "\n\r" : ",\n\r|")) {
		snprintf(err, errlen, "%s: a name may not hold %sa line break or a NUL", key,
			 list ? "" : "a comma, a '|', ");
		return -CS_EINVAL;
	}
	return 0;
}

static int str_of(const json_t *o, const char *key, const char **v, char *err, size_t errlen)
{
	return str_or_list_of(o, key, 0, v, err, errlen);
}

int cs_live_job_parse(const json_t *o, cs_live_job *j, const char *const *extra, const char **field, char *err,
		      size_t errlen)
{
	*field = NULL;
	memset(j, 0, sizeof *j);
	if (!json_is_object(o)) {
		*field = "job";
		snprintf(err, errlen, "job: must be an object");
		return -CS_EINVAL;
	}
	const char *key;
	const json_t *val;
	json_object_foreach((json_t *)o, key, val) {
		if (!listed(job_keys, key) && !listed(extra, key)) {
			*field = "job";
			snprintf(err, errlen, "%s: not a job field (one of id, project, user, qos, partition, submit, nodes, "
				 "gpus_per_node, cores_per_node, mem_per_node, time_limit, runtime, state, topology)", key);
			return -CS_EINVAL;
		}
	}
	int64_t id, submit, nodes, gpus, cores, mem, tl, rt;
	const char *state = NULL, *topo = NULL;
	const int64_t T = CS_TIME_LIMIT;
	int rc;
	/* the field of the first check that fails names the message */
#define CHECK(name, call)          \
	if ((rc = (call)) < 0) {   \
		*field = name;     \
		return rc;         \
	}
	CHECK("id", cs_live_json_int(o, "id", 0, INT64_MAX - 1, -1, 0, &id, err, errlen));
	CHECK("submit", cs_live_json_int(o, "submit", 0, T, -1, 0, &submit, err, errlen));
	CHECK("nodes", cs_live_json_int(o, "nodes", 1, UINT32_MAX, 0, 1, &nodes, err, errlen));
	CHECK("gpus_per_node", cs_live_json_int(o, "gpus_per_node", 0, CS_NATIVE_MAX_GPUS_PER_NODE, 0, 0, &gpus, err,
						errlen));
	CHECK("cores_per_node", cs_live_json_int(o, "cores_per_node", 0, CS_NATIVE_MAX_CORES_PER_NODE, 0, 0, &cores,
						 err, errlen));
	CHECK("mem_per_node", cs_live_json_int(o, "mem_per_node", 0, INT64_MAX, 0, 0, &mem, err, errlen));
	CHECK("time_limit", cs_live_json_int(o, "time_limit", -1, T, -1, 0, &tl, err, errlen));
	CHECK("runtime", cs_live_json_int(o, "runtime", 1, T, 0, 1, &rt, err, errlen));
	CHECK("project", str_of(o, "project", &j->project, err, errlen));
	CHECK("user", str_of(o, "user", &j->user, err, errlen));
	CHECK("qos", str_of(o, "qos", &j->qos, err, errlen));
	CHECK("partition", str_or_list_of(o, "partition", 1, &j->partition, err, errlen)); /* a, or a,b */
	CHECK("state", str_of(o, "state", &state, err, errlen));
	CHECK("topology", str_of(o, "topology", &topo, err, errlen));
#undef CHECK
	j->state = CS_STATE_UNKNOWN;
	if (state && (j->state = cs_state_lookup(state, strlen(state))) < 0) {
		*field = "state";
		snprintf(err, errlen, "state: '%s' is not one of completed, failed, cancelled, timeout, node_fail, "
			 "out_of_memory, preempted, unknown", state);
		return -CS_EINVAL;
	}
	if (topo && cs_native_topology(topo, &j->topo, &j->max_leaves) < 0) {
		*field = "topology";
		snprintf(err, errlen, "topology: '%s' is not any, leaf, leaves:K or block", topo);
		return -CS_EINVAL;
	}
	if (tl == 0) {
		*field = "time_limit";
		snprintf(err, errlen, "time_limit: must be > 0, or -1 for none");
		return -CS_EINVAL;
	}
	j->id = id;
	j->submit_s = submit;
	j->nodes = (uint32_t)nodes;
	j->gpus_per_node = (uint32_t)gpus;
	j->cores_per_node = (uint32_t)cores;
	j->mem_per_node_mib = (uint64_t)mem;
	j->time_limit_s = tl;
	j->runtime_s = rt;
	return 0;
}
