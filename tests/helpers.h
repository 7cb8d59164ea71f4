/* capsim tests: shared helpers. */
#ifndef CAPSIM_TESTS_HELPERS_H
#define CAPSIM_TESTS_HELPERS_H

#include "capsim/run.h"

#include <stdint.h>

/* Write text to a fresh temporary file; returns its path (static storage
 * per call slot; free with th_unlink). */
char *th_write_tmp(const char *text, const char *suffix);
/* The native CSV's header line (its required columns). */
#define TH_CSV_HDR "id,project,user,submit,nodes,gpus_per_node,cores_per_node,mem_per_node,time_limit,runtime,qos,partition,state\n"
/* Read a native CSV given as text into t (initialised here); the reader's
 * return code, its message in err (CS_ERRLEN bytes). */
struct cs_trace;
int th_read_native(const char *text, struct cs_trace *t, char *err);
/* A trace written as a native CSV to a temporary file (th_unlink it). */
char *th_trace_tmp(const struct cs_trace *t);
void th_unlink(char *path);

/* A test policy's waiting jobs by index: in[jid] set while jid waits,
 * every waiting one in [lo, hi). */
typedef struct th_waiting {
	uint8_t *in;
	size_t lo, hi;
} th_waiting;
/* Room for njobs jobs, none waiting (asserts the memory). */
void th_waiting_init(th_waiting *w, size_t njobs);
/* jid waits (submitted). */
void th_waiting_add(th_waiting *w, uint32_t jid);
/* lo past the jobs at the front that no longer wait. */
void th_waiting_trim(th_waiting *w);
void th_waiting_free(th_waiting *w);

/* SWF job line: id submit runtime alloc_procs reqtime (req_procs = alloc). */
#define SWF_JOB(id, submit, run, procs, req) \
	#id " " #submit " -1 " #run " " #procs " -1 -1 " #procs " " #req " -1 1 1 1 -1 -1 -1 -1 -1\n"

/* Run an SWF text through cs_run; opts may be modified by the caller first
 * (o.workload is set here). Asserts success. */
void th_run_text(const char *swf, cs_run_opts *o, cs_run_result *r);
/* The default cluster's config written to path with `lines` (each
 * indented two spaces, ending in a newline) first under its site:. */
void th_default_cluster_with(const char *path, const char *lines);
/* Run a workload (any format, named by its suffix) on a cluster, both
 * given as text, with o as the caller set it (workload and cluster are set
 * here; outputs written when o->out_dir is set). Asserts success. */
void th_run_on(const char *cluster_yaml, const char *workload, const char *suffix, cs_run_opts *o,
	       cs_run_result *r);
/* o's policy parameters from "key=value" strings (NULL-terminated, or
 * NULL), copied into kv, which must outlive o's use. */
void th_params(cs_run_opts *o, const char *const *params, char kv[][64]);
/* Start time of the job with trace id `id` (asserts it exists). */
cs_time th_start(const cs_run_result *r, int64_t id);
const cs_job *th_job(const cs_run_result *r, int64_t id);

/* Paths from the environment set by the Makefile. */
const char *th_shared(void); /* ../shared */
const char *th_root(void);   /* repository root */
const char *th_bin(void);    /* the capsim binary */
const char *th_plugins(void); /* the example plugins (build/policies) */
/* The path of plugin `name` there (static storage, one at a time). */
const char *th_plugin(const char *name);
/* Drop text's metadata lines (those starting with '#'), in place; returns
 * text. */
char *th_strip_meta(char *text);

/* Run the capsim binary with argv (NULL-terminated, without argv[0]);
 * capture stdout and stderr (malloc'ed, NUL-terminated); return the exit
 * status (or 128+signal). */
int th_exec(const char *const *args, char **out, char **err);

/* `capsim CMD SPEC --out /nonexistent FLAG N` (sweep --point, plan
 * --search): the spec loads, and N, one past its last, is refused with
 * `want` on stderr and exit 2 once it has been read. */
void th_expect_spec_ends_before(const char *cmd, const char *spec, const char *flag, const char *n,
				const char *want);

/* Run a shell command (printf-style, at most 8 KiB) with its stdout and
 * stderr in *out (malloc'ed) unless out is NULL; returns its exit status
 * (128 if it did not exit). */
int th_sh(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Lines in s (its '\n's). */
int th_count_lines(const char *s);
/* Run the binary with args and expect a usage error: exit 2, nothing on
 * stdout, one line on stderr containing want. */
void th_expect_usage_error(const char *const *args, const char *want);

/* FILE in d1 and in d2 are byte-identical (asserts); returns its length. */
size_t th_expect_same_file(const char *d1, const char *d2, const char *file);

/* Slurp a file (malloc'ed) or NULL. */
char *th_slurp(const char *path, size_t *len);
/* The file dir/name whole (malloc'ed); asserts it is there. */
char *th_slurp_in(const char *dir, const char *name);

/* Split one CSV line in place into at most max fields (RFC 4180: a quoted
 * field loses its quotes); returns the count. */
size_t th_csv_split(char *line, char **f, size_t max);

/* A cluster of two partitions that share no nodes: gpu (a-0..a-2, 4 GPUs
 * and 8 cores each) and cpu (b-0, b-1, 16 cores each). */
extern const char th_two_partitions_yaml[];
/* A cluster named twin of two partitions of GPU nodes that share none: a
 * on type x (x-0, x-1), b on type y (y-0, y-1), 4 GPUs and 8 cores a
 * node. */
extern const char th_two_gpu_partitions_yaml[];
/* The node types of th_two_gpu_partitions_yaml (after its name line): x
 * and y, 2 nodes each of 8 cores and 4 H100s; for configs that partition
 * them otherwise. */
#define TH_TWO_GPU_TYPES_YAML \
	"site: {pue: 1}\n" \
	"node_types:\n" \
	"  - name: x\n" \
	"    count: 2\n" \
	"    topology: \"pack:1 core:8 pu:1\"\n" \
	"    memory_gib: 64\n" \
	"    gpus: {model: H100-SXM5-80GB, count: 4, per_package: 4, peak_tflops: {fp64: 34}}\n" \
	"    power_w: {idle: 100, peak: 500}\n" \
	"  - name: y\n" \
	"    count: 2\n" \
	"    topology: \"pack:1 core:8 pu:1\"\n" \
	"    memory_gib: 64\n" \
	"    gpus: {model: H100-SXM5-80GB, count: 4, per_package: 4, peak_tflops: {fp64: 34}}\n" \
	"    power_w: {idle: 100, peak: 500}\n"

/* A cluster named sixteen: 4 nodes of type g, 4 H100s and 8 cores each,
 * 100 W idle and 1,000 W peak, in partition gpu; PUE 1. */
extern const char th_cluster16_yaml[];

/* summary.json of r (as capsim run writes it, workload "(test)"), parsed;
 * the caller json_decref()s it. */
struct json_t;
struct json_t *th_summary_json(const cs_run_result *r);

/* The number at the dotted path ("staging.tiers.fast.moved_gb") in j; asserts there is one. */
double th_num_at(struct json_t *j, const char *path);

/* The cluster config and the native workload text written into dir (a
 * mkdtemp template, filled in) as c.yaml and w.csv, their paths into y
 * and w (TH_PATH bytes each). */
enum { TH_PATH = 600 };
void th_files_in(char *dir, const char *cluster_yaml, const char *jobs, char *y, char *w);
/* capsim run --no-progress of the native workload text `jobs` on
 * cluster_yaml with the extra options (NULL-terminated): files in dir
 * (th_files_in), the outputs in od (dir/out), stdout in *out (malloc'ed)
 * unless out is NULL. Asserts exit 0. */
void th_run_cli_on(char *dir, const char *cluster_yaml, const char *jobs, const char *const *extra, char *od,
		   size_t odlen, char **out);
/* th_run_cli_on th_two_partitions_yaml. */
void th_run_two_partitions(char *dir, const char *jobs, const char *const *extra, char *od, size_t odlen);
/* Make the directory named by the mkdtemp template dir (filled in;
 * asserts it was made). */
void th_mkdtemp(char *dir);
/* dir/name into out (len bytes); asserts it fits. */
void th_in(char *out, size_t len, const char *dir, const char *name);
/* The SWF text swf written to dir/t.swf (its path in wl), and an output
 * directory dir/out_name named in od; both TH_PATH bytes. */
void th_swf_in(const char *dir, const char *swf, char *wl, char *od, const char *out_name);
/* rm -rf dir (asserts it went). */
void th_rm_rf(const char *dir);

/* Generated days of the default workload at 1.5x the projects (a
 * backlog of hundreds), seed 3, as a native CSV (th_unlink it); with
 * `multi`, every fourth h100 job may also run on a100 and every third t4
 * job on a100 and h100 (jobs of several partitions). */
char *th_backlog_csv(int days, int multi);

/* Four generated days of the default workload at `load` times the
 * projects, seed 5, as a native CSV (th_unlink it), every third job of 2
 * to 32 nodes held to one leaf switch and every third to at most two
 * leaves; *ruled (if not NULL): how many jobs got a rule. */
char *th_ruled_csv(double load, size_t *ruled);

/* Marsaglia's xorshift64 step on *s (nonzero), reduced to [0, n): the
 * tests' reproducible random numbers. */
unsigned th_xorshift(unsigned long long *s, unsigned n);

/* capsim CMD SPEC --out OUT -j 1 (sweep or plan), SIGKILLed as soon as its
 * first point file (OUT/points/000000.json) exists; asserts it was. */
void th_kill_at_first_point(const char *cmd, const char *spec, const char *out);

#endif
