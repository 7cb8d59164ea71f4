/* capsim tests: shared helpers. */
#include "helpers.h"
#include "capsim/alloc.h"
#include "capsim/cluster.h"
#include "capsim/gen.h"
#include "capsim/native.h"
#include "capsim/report.h"
#include "capsim/trace.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

char *th_write_tmp(const char *text, const char *suffix)
{
	char *path = malloc(128);
	snprintf(path, 128, "/tmp/capsim-test-XXXXXX%s", suffix ? suffix : "");
	int fd = mkstemps(path, suffix ? (int)strlen(suffix) : 0);
	cr_assert(fd >= 0, "mkstemps failed");
	size_t n = strlen(text);
	cr_assert_eq(write(fd, text, n), (ssize_t)n);
	close(fd);
	return path;
}

void th_unlink(char *path)
{
	if (path)
		unlink(path);
	free(path);
}

void th_run_text(const char *swf, cs_run_opts *o, cs_run_result *r)
{
	char *p = th_write_tmp(swf, ".swf");
	o->workload = p;
	char err[CS_ERRLEN] = "";
	int rc = cs_run(o, r, err, sizeof err);
	th_unlink(p);
	o->workload = "(test)";
	cr_assert_eq(rc, 0, "cs_run failed: %s", err);
}

const cs_job *th_job(const cs_run_result *r, int64_t id)
{
	for (size_t i = 0; i < r->njobs; i++)
		if (r->jobs[i].id == id)
			return &r->jobs[i];
	cr_assert_fail("no job %lld in the result", (long long)id);
	return NULL;
}

cs_time th_start(const cs_run_result *r, int64_t id) { return th_job(r, id)->start_s; }

static const char *env_or(const char *k, const char *d)
{
	const char *v = getenv(k);
	return v && *v ? v : d;
}
const char *th_shared(void) { return env_or("CAPSIM_SHARED", "../shared"); }
const char *th_root(void) { return env_or("CAPSIM_ROOT", "."); }
const char *th_bin(void) { return env_or("CAPSIM_BIN", "build/capsim"); }
const char *th_plugins(void) { return env_or("CAPSIM_PLUGINS", "build/policies"); }

const char *th_plugin(const char *name)
{
	static char path[1100];
	snprintf(path, sizeof path, "%s/%s", th_plugins(), name);
	return path;
}

char *th_strip_meta(char *text)
{
	char *w = text;
	for (char *r = text; *r;) {
		char *nl = strchr(r, '\n');
		size_t n = nl ? (size_t)(nl - r) + 1 : strlen(r);
		if (*r != '#') {
			memmove(w, r, n);
			w += n;
		}
		r += n;
	}
	*w = 0;
	return text;
}

char *th_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	char *b = malloc(cap + 1);
	size_t k;
	while ((k = fread(b + n, 1, cap - n, f)) > 0) {
		n += k;
		if (n == cap) {
			cap *= 2;
			b = realloc(b, cap + 1);
		}
	}
	fclose(f);
	b[n] = 0;
	if (len)
		*len = n;
	return b;
}

int th_exec(const char *const *args, char **out, char **err)
{
	char *po = th_write_tmp("", ".out"), *pe = th_write_tmp("", ".err");
	pid_t pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		int fo = open(po, O_WRONLY | O_TRUNC), fe = open(pe, O_WRONLY | O_TRUNC);
		int fi = open("/dev/null", O_RDONLY);
		dup2(fo, 1);
		dup2(fe, 2);
		dup2(fi, 0);
		const char *argv[64];
		int n = 0;
		argv[n++] = th_bin();
		for (; args[n - 1] && n < 63; n++)
			argv[n] = args[n - 1];
		argv[n] = NULL;
		execv(th_bin(), (char *const *)argv);
		_exit(127);
	}
	int st;
	waitpid(pid, &st, 0);
	*out = th_slurp(po, NULL);
	*err = th_slurp(pe, NULL);
	th_unlink(po);
	th_unlink(pe);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

void th_run_on(const char *cluster_yaml, const char *workload, const char *suffix, cs_run_opts *o,
	       cs_run_result *r)
{
	char *y = th_write_tmp(cluster_yaml, ".yaml");
	char *w = th_write_tmp(workload, suffix);
	o->workload = w;
	o->cluster = y;
	char err[CS_ERRLEN] = "";
	int rc = cs_run(o, r, err, sizeof err);
	if (rc == 0 && o->out_dir)
		rc = cs_run_write_outputs(o, r, err, sizeof err);
	th_unlink(w);
	th_unlink(y);
	o->workload = "(test)";
	o->cluster = NULL;
	cr_assert_eq(rc, 0, "%s", err);
}

int th_read_native(const char *text, cs_trace *t, char *err)
{
	char *p = th_write_tmp(text, ".csv");
	cs_trace_init(t);
	int rc = cs_native_read(t, p, err, CS_ERRLEN);
	th_unlink(p);
	return rc;
}

char *th_trace_tmp(const struct cs_trace *t)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	cr_assert_not_null(f);
	cr_assert_eq(cs_native_write(t, f), 0);
	fclose(f);
	char *path = th_write_tmp(buf, ".csv");
	free(buf);
	return path;
}

/* CAPSIM_NO_BMI2 in the environment: the whole suite on the portable code. */
__attribute__((constructor)) static void th_portable(void)
{
	if (getenv("CAPSIM_NO_BMI2"))
		cs_alloc_portable(1);
}

int th_count_lines(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

void th_expect_usage_error(const char *const *args, const char *want)
{
	char *out, *err;
	int rc = th_exec(args, &out, &err);
	cr_assert_eq(rc, 2, "exit %d, stderr: %s", rc, err);
	cr_assert_str_empty(out);
	cr_assert(strstr(err, want), "stderr '%s' should contain '%s'", err, want);
	cr_assert_eq(th_count_lines(err), 1, "one line: %s", err);
	free(out);
	free(err);
}

size_t th_expect_same_file(const char *d1, const char *d2, const char *file)
{
	char p1[1024], p2[1024];
	snprintf(p1, sizeof p1, "%s/%s", d1, file);
	snprintf(p2, sizeof p2, "%s/%s", d2, file);
	size_t l1 = 0, l2 = 0;
	char *a = th_slurp(p1, &l1), *b = th_slurp(p2, &l2);
	cr_assert(a && b && l1 == l2 && memcmp(a, b, l1) == 0, "%s differs between runs", file);
	free(a);
	free(b);
	return l1;
}

size_t th_csv_split(char *line, char **f, size_t max)
{
	size_t n = 0;
	char *q = line;
	while (n < max) {
		char *w = q;
		f[n++] = w;
		if (*q == '"') {
			for (q++; *q; q++) {
				if (*q == '"' && q[1] == '"')
					q++;
				else if (*q == '"') {
					q++;
					break;
				}
				*w++ = *q;
			}
		}
		while (*q && *q != ',')
			*w++ = *q++;
		int more = *q == ',';
		*w = 0;
		if (!more)
			break;
		q++;
	}
	return n;
}

/* gpu: a-0..a-2, 4 GPUs and 8 cores each; cpu: b-0, b-1, 16 cores each */
const char th_cluster16_yaml[] = "name: sixteen\n"
				"site: {pue: 1}\n"
				"node_types:\n"
				"  - name: g\n"
				"    count: 4\n"
				"    topology: \"pack:1 core:8 pu:1\"\n"
				"    memory_gib: 64\n"
				"    gpus: {model: H100, count: 4}\n"
				"    power_w: {idle: 100, peak: 1000}\n"
				"partitions:\n"
				"  - {name: gpu, node_types: [g]}\n";

void th_expect_spec_ends_before(const char *cmd, const char *spec, const char *flag, const char *n,
				const char *want)
{
	char *o, *e;
	int rc = th_exec((const char *const[]){ cmd, spec, "--out", "/nonexistent", flag, n, NULL }, &o, &e);
	cr_expect_eq(rc, 2, "%s: exit %d: %s", spec, rc, e);
	cr_expect(strstr(e, want), "%s: expected '%s' in: %s", spec, want, e);
	free(o), free(e);
}

json_t *th_summary_json(const cs_run_result *r)
{
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.workload = "(test)";
	json_t *j = cs_run_summary_json(&o, r);
	cr_assert_not_null(j);
	return j;
}

double th_num_at(json_t *j, const char *path)
{
	char buf[256];
	snprintf(buf, sizeof buf, "%s", path);
	json_t *v = j;
	for (char *k = strtok(buf, "."); k && v; k = strtok(NULL, "."))
		v = json_object_get(v, k);
	cr_assert(v && json_is_number(v), "no number at %s", path);
	return json_number_value(v);
}

const char th_two_gpu_partitions_yaml[] =
	"name: twin\n"
	TH_TWO_GPU_TYPES_YAML
	"partitions:\n"
	"  - {name: a, node_types: [x]}\n"
	"  - {name: b, node_types: [y]}\n";

const char th_two_partitions_yaml[] =
	"name: two\n"
	"site: {pue: 1}\n"
	"node_types:\n"
	"  - name: a\n"
	"    count: 3\n"
	"    topology: \"pack:1 core:8 pu:1\"\n"
	"    memory_gib: 64\n"
	"    gpus: {model: H100-SXM5-80GB, count: 4, per_package: 4, peak_tflops: {fp64: 34}}\n"
	"    power_w: {idle: 100, peak: 500}\n"
	"  - name: b\n"
	"    count: 2\n"
	"    topology: \"pack:1 core:16 pu:1\"\n"
	"    memory_gib: 64\n"
	"    power_w: {idle: 50, peak: 250}\n"
	"partitions:\n"
	"  - {name: gpu, node_types: [a]}\n"
	"  - {name: cpu, node_types: [b]}\n";

void th_mkdtemp(char *dir)
{
	cr_assert_not_null(mkdtemp(dir), "mkdtemp %s", dir);
}

void th_in(char *out, size_t len, const char *dir, const char *name)
{
	int k = snprintf(out, len, "%s/%s", dir, name);
	cr_assert(k >= 0 && (size_t)k < len, "%s/%s is longer than %zu bytes", dir, name, len);
}

void th_swf_in(const char *dir, const char *swf, char *wl, char *od, const char *out_name)
{
	th_in(wl, TH_PATH, dir, "t.swf");
	th_in(od, TH_PATH, dir, out_name);
	FILE *f = fopen(wl, "w");
	cr_assert_not_null(f, "%s", wl);
	fputs(swf, f);
	fclose(f);
}

void th_files_in(char *dir, const char *cluster_yaml, const char *jobs, char *y, char *w)
{
	th_mkdtemp(dir);
	th_in(y, TH_PATH, dir, "c.yaml");
	th_in(w, TH_PATH, dir, "w.csv");
	const char *const text[] = { cluster_yaml, jobs }, *const path[] = { y, w };
	for (int i = 0; i < 2; i++) {
		FILE *f = fopen(path[i], "w");
		cr_assert_not_null(f, "%s", path[i]);
		fputs(text[i], f);
		fclose(f);
	}
}

void th_run_cli_on(char *dir, const char *cluster_yaml, const char *jobs, const char *const *extra, char *od,
		   size_t odlen, char **out)
{
	char y[TH_PATH], w[TH_PATH];
	th_files_in(dir, cluster_yaml, jobs, y, w);
	snprintf(od, odlen, "%s/out", dir);
	const char *args[40] = { "run", "--workload", w, "--cluster", y, "--out", od, "--no-progress" };
	size_t k = 8;
	for (size_t i = 0; extra && extra[i] && k < 39; i++)
		args[k++] = extra[i];
	args[k] = NULL;
	char *o, *err;
	cr_assert_eq(th_exec(args, &o, &err), 0, "%s", err);
	free(err);
	if (out)
		*out = o;
	else
		free(o);
}

void th_run_two_partitions(char *dir, const char *jobs, const char *const *extra, char *od, size_t odlen)
{
	th_run_cli_on(dir, th_two_partitions_yaml, jobs, extra, od, odlen, NULL);
}

char *th_slurp_in(const char *dir, const char *name)
{
	char p[TH_PATH + 64];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	char *s = th_slurp(p, NULL);
	cr_assert_not_null(s, "%s missing", p);
	return s;
}

void th_rm_rf(const char *dir)
{
	char cmd[TH_PATH + 16];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

void th_params(cs_run_opts *o, const char *const *params, char kv[][64])
{
	for (size_t i = 0; params && params[i]; i++) {
		cr_assert_lt(i, (size_t)CS_MAX_PARAMS);
		snprintf(kv[i], 64, "%s", params[i]);
		char *eq = strchr(kv[i], '=');
		cr_assert_not_null(eq, "'%s' is not key=value", params[i]);
		*eq = '\0';
		o->keys[i] = kv[i];
		o->vals[i] = eq + 1;
		o->nparams = i + 1;
	}
}

int th_sh(char **out, const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	char full[8300];
	snprintf(full, sizeof full, "{ %s; } 2>&1", cmd);
	FILE *p = popen(full, "r");
	cr_assert_not_null(p);
	size_t cap = 4096, n = 0, k;
	char *b = malloc(cap + 1);
	cr_assert_not_null(b);
	while ((k = fread(b + n, 1, cap - n, p)) > 0)
		if ((n += k) == cap) {
			char *nb = realloc(b, (cap *= 2) + 1);
			cr_assert_not_null(nb);
			b = nb;
		}
	b[n] = 0;
	int st = pclose(p);
	if (out)
		*out = b;
	else
		free(b);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

unsigned th_xorshift(unsigned long long *s, unsigned n)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (unsigned)(*s % n);
}

char *th_ruled_csv(double load, size_t *ruled)
{
	char err[CS_ERRLEN] = "";
	cs_gen_model *m;
	cr_assert_eq(cs_gen_model_load(&m, NULL, err, sizeof err), 0, "%s", err);
	cs_trace t;
	cs_trace_init(&t);
	cr_assert_eq(cs_gen_generate(m, 5, 4, load, &t, err, sizeof err), 0, "%s", err);
	cs_gen_model_free(m);
	size_t multi = 0, n = 0;
	for (size_t i = 0; i < t.n; i++) {
		cs_jrec *r = &t.jobs[i];
		if (r->nodes < 2 || r->nodes > 32)
			continue;
		if (multi % 3 == 0) {
			r->topo = CS_TOPO_ONE_LEAF;
			n++;
		} else if (multi % 3 == 1) {
			r->topo = CS_TOPO_MAX_LEAVES;
			r->max_leaves = 2;
			n++;
		}
		multi++;
	}
	char *path = th_trace_tmp(&t);
	cs_trace_free(&t);
	if (ruled)
		*ruled = n;
	return path;
}

char *th_backlog_csv(int days, int multi)
{
	char err[CS_ERRLEN];
	cs_gen_model *m;
	cs_trace t;
	cs_trace_init(&t);
	cr_assert_eq(cs_gen_model_load(&m, NULL, err, sizeof err), 0, "%s", err);
	cr_assert_eq(cs_gen_generate(m, 3, days, 1.5, &t, err, sizeof err), 0, "%s", err);
	cs_gen_model_free(m);
	char *path = th_trace_tmp(&t);
	cs_trace_free(&t);
	if (!multi)
		return path;
	size_t len;
	char *text = th_slurp(path, &len);
	cr_assert(text);
	FILE *f = fopen(path, "w");
	cr_assert(f);
	unsigned n = 0;
	for (char *line = text, *nl; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		cr_assert(nl);
		*nl = 0;
		char *h = strstr(line, ",h100,"), *t4 = strstr(line, ",t4,");
		if (h && n++ % 4 == 0)
			fprintf(f, "%.*s,h100|a100,%s\n", (int)(h - line), line, h + 6);
		else if (t4 && n++ % 3 == 0)
			fprintf(f, "%.*s,t4|a100|h100,%s\n", (int)(t4 - line), line, t4 + 4);
		else
			fprintf(f, "%s\n", line);
	}
	fclose(f);
	free(text);
	return path;
}

void th_kill_at_first_point(const char *cmd, const char *spec, const char *out)
{
	char first[1100];
	snprintf(first, sizeof first, "%s/points/000000.json", out);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		freopen("/dev/null", "w", stdout);
		freopen("/dev/null", "w", stderr);
		execl(th_bin(), th_bin(), cmd, spec, "--out", out, "-j", "1", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 6000 && access(first, F_OK) != 0; i++)
		usleep(5000);
	cr_assert_eq(access(first, F_OK), 0, "no point written in 30 s");
	kill(pid, SIGKILL);
	int st;
	waitpid(pid, &st, 0);
	cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "the %s ended before it was killed", cmd);
	usleep(100000); /* its worker dies with it (PR_SET_PDEATHSIG) */
}

void th_default_cluster_with(const char *path, const char *lines)
{
	size_t len;
	const char *text = cs_cluster_default_text(&len);
	const char *site = strstr(text, "\nsite:\n");
	cr_assert_not_null(site);
	site += strlen("\nsite:\n");
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f, "%s", path);
	fwrite(text, 1, (size_t)(site - text), f);
	fputs(lines, f);
	fputs(site, f);
	cr_assert_eq(fclose(f), 0, "%s", path);
}

void th_waiting_init(th_waiting *w, size_t njobs)
{
	w->in = calloc(njobs + 1, 1);
	cr_assert_not_null(w->in);
	w->lo = w->hi = 0;
}

void th_waiting_add(th_waiting *w, uint32_t jid)
{
	w->in[jid] = 1;
	w->lo = jid < w->lo ? jid : w->lo;
	w->hi = jid + 1u > w->hi ? jid + 1u : w->hi;
}

void th_waiting_trim(th_waiting *w)
{
	while (w->lo < w->hi && !w->in[w->lo])
		w->lo++;
}

void th_waiting_free(th_waiting *w)
{
	free(w->in);
	w->in = NULL;
}
