/* capsim: workload formats: their names, the one a file name implies, and
 * reading a workload in any of them. See include/capsim/format.h. */
#include "capsim/format.h"
#include "capsim/gputrace.h"
#include "capsim/jsontrace.h"
#include "capsim/native.h"
#include "capsim/sacct.h"
#include "capsim/swf.h"

#include <stdio.h>
#include <string.h>

const char *const cs_format_names[CS_FMT_N] = { "auto", "native", "swf", "sacct",
						"batsim", "pai", "helios", "philly" };

static int ends_with(const char *s, const char *suf)
{
	size_t n = strlen(s), k = strlen(suf);
	return n >= k && strcmp(s + n - k, suf) == 0;
}

cs_format cs_format_guess(const char *path)
{
	char base[4096];
	snprintf(base, sizeof base, "%s", path);
	if (ends_with(base, ".gz"))
		base[strlen(base) - 3] = '\0';
	if (ends_with(base, ".swf"))
		return CS_FMT_SWF;
	if (ends_with(base, ".csv"))
		return CS_FMT_NATIVE;
	if (ends_with(base, ".json"))
		return CS_FMT_BATSIM;
	if (ends_with(base, ".sacct"))
		return CS_FMT_SACCT;
	return CS_FMT_AUTO;
}

static int32_t intern_num(cs_names *ns, char prefix, int64_t v)
{
	if (v < 0)
		return -1;
	char b[32];
	int n = snprintf(b, sizeof b, "%c%lld", prefix, (long long)v);
	return cs_names_intern(ns, b, (size_t)n);
}

static int swf_sink(void *ctx, const cs_swf_rec *s, char *err, size_t errlen)
{
	cs_trace *t = ctx;
	int64_t procs = s->alloc_procs > 0 ? s->alloc_procs : s->req_procs;
	cs_jrec r = { .id = s->job,
		      .submit_s = s->submit,
		      .start_s = s->wait >= 0 && s->submit >= 0 ? s->submit + s->wait : -1,
		      .runtime_s = s->runtime >= 0 ? s->runtime : -1,
		      .time_limit_s = s->req_time > 0 ? s->req_time : -1,
		      .nodes = procs > 0 && procs <= INT32_MAX ? (uint32_t)procs : 0,
		      .gpus_per_node = 0,
		      .cores_per_node = 1,
		      .mem_per_node_mib = s->req_mem > 0 ? (uint64_t)(s->req_mem / 1024) : 0,
		      .state = s->status == 1 ? CS_STATE_COMPLETED : s->status == 0 ? CS_STATE_FAILED
			       : s->status == 5 ? CS_STATE_CANCELLED : CS_STATE_UNKNOWN,
		      .line = s->line };
	if ((r.project = intern_num(&t->projects, 'g', s->group)) < -1 ||
	    (r.user = intern_num(&t->users, 'u', s->user)) < -1 ||
	    (r.qos = intern_num(&t->qos, 'q', s->queue)) < -1 ||
	    (r.partition = intern_num(&t->partitions, 'p', s->partition)) < -1 || cs_trace_push(t, &r) < 0) {
		snprintf(err, errlen, "out of memory");
		return -CS_ENOMEM;
	}
	return 0;
}

int cs_format_read(cs_trace *t, const char *path, cs_format fmt, char *err, size_t errlen)
{
	if (fmt == CS_FMT_AUTO) {
		fmt = cs_format_guess(path);
		if (fmt == CS_FMT_AUTO) {
			snprintf(err, errlen, "%s: cannot tell the format from the name (.swf, .csv, .json, "
				 ".sacct, each optionally .gz): give --format", path);
			return -CS_EINVAL;
		}
	}
	switch (fmt) {
	case CS_FMT_NATIVE:
		return cs_native_read(t, path, err, errlen);
	case CS_FMT_SWF: {
		cs_swf_header h;
		int rc = cs_swf_scan(path, &h, swf_sink, t, err, errlen);
		if (rc == 0 && h.unix_start > 0)
			t->epoch = h.unix_start;
		char b[32];
		if (rc == 0 && h.max_procs > 0) {
			snprintf(b, sizeof b, "%lld", (long long)h.max_procs);
			rc = cs_trace_meta_set(t, "swf_max_procs", b) < 0 ? -CS_ENOMEM : 0;
		}
		if (rc == 0 && h.max_nodes > 0) {
			snprintf(b, sizeof b, "%lld", (long long)h.max_nodes);
			rc = cs_trace_meta_set(t, "swf_max_nodes", b) < 0 ? -CS_ENOMEM : 0;
		}
		if (rc == 0)
			rc = cs_trace_meta_set(t, "source", path) < 0 ? -CS_ENOMEM : 0;
		return rc;
	}
	case CS_FMT_SACCT:
		return cs_sacct_read(t, path, err, errlen);
	case CS_FMT_BATSIM:
		return cs_batsim_read(t, path, err, errlen);
	case CS_FMT_PHILLY:
		return cs_philly_read(t, path, err, errlen);
	case CS_FMT_PAI:
		return cs_pai_read(t, path, err, errlen);
	case CS_FMT_HELIOS:
		return cs_helios_read(t, path, err, errlen);
	default:
		snprintf(err, errlen, "%s: unknown format %d", path, (int)fmt);
		return -CS_EINVAL;
	}
}
