/* capsim: a sweep's results directory, and one point run into it
 * (capsim/sweep.h, docs/sweep.md). A point's result is one file,
 * DIR/points/K.json, written beside it and renamed into place: it exists
 * whole or not at all, whenever the process writing it is killed. */
#define _XOPEN_SOURCE 700 /* nftw, open_memstream */
#include "capsim/sweep.h"
#include "capsim/cluster.h"
#include "capsim/gen.h"
#include "capsim/native.h"
#include "capsim/report.h"
#include "capsim/run.h"
#include "sweep_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static void rm_tree(const char *path) { nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS); }

int cs_sweep_dump_atomic(json_t *j, const char *path, size_t flags, char *err, size_t errlen)
{
	char tmp[4200];
	snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
	if (json_dump_file(j, tmp, flags) < 0) {
		snprintf(err, errlen, "%s: cannot write", tmp);
		remove(tmp);
		return -CS_EIO;
	}
	if (rename(tmp, path) < 0) {
		snprintf(err, errlen, "%s: cannot rename to %s: %s", tmp, path, strerror(errno));
		remove(tmp);
		return -CS_EIO;
	}
	return 0;
}

static json_t *sweep_json(const cs_sweep *s)
{
	json_t *axes = json_object(), *a;
	a = json_array();
	for (size_t i = 0; i < s->nscales; i++)
		json_array_append_new(a, json_string(s->scale_text[i]));
	json_object_set_new(axes, "scale", a);
	a = json_array();
	for (size_t i = 0; i < s->nwork; i++)
		json_array_append_new(a, json_string(s->work_label[i]));
	json_object_set_new(axes, "workload", a);
	a = json_array();
	for (size_t i = 0; i < s->npol; i++)
		json_array_append_new(a, json_string(s->pol[i].label));
	json_object_set_new(axes, "policy", a);
	a = json_array();
	for (size_t i = 0; i < s->nseeds; i++)
		json_array_append_new(a, json_integer((json_int_t)s->seeds[i]));
	json_object_set_new(axes, "seed", a);
	json_t *m = json_array();
	for (size_t i = 0; i < s->nmetrics; i++)
		json_array_append_new(m, json_string(s->metrics[i]));
	json_t *root = json_object();
	json_object_set_new(root, "capsim_sweep", json_integer(1));
	json_object_set_new(root, "spec_hash", json_string(s->hash));
	json_object_set_new(root, "points", json_integer((json_int_t)s->npoints));
	json_object_set_new(root, "cluster", json_string(s->cluster_text));
	json_object_set_new(root, "workload", json_string(s->gen ? "generate" : s->trace_text));
	json_object_set_new(root, "axes", axes);
	json_object_set_new(root, "metrics", m);
	return root;
}

/* Whether dir's sweep.json, if any, is this spec's (need: it must be there).
 * 0, or -CS_EINVAL with the reason in err. */
static int same_spec(const cs_sweep *s, const char *dir, int need, char *err, size_t errlen)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/sweep.json", dir);
	json_error_t je;
	json_t *old = json_load_file(path, 0, &je);
	if (!old && access(path, F_OK) == 0) {
		snprintf(err, errlen, "%s: unreadable (%s): not a sweep's results directory?", path, je.text);
		return -CS_EINVAL;
	}
	if (!old) {
		if (need)
			snprintf(err, errlen, "%s: not a results directory of this %s (no sweep.json): run it without %s "
				 "first, which prepares the directory", dir, s->what, s->one);
		return need ? -CS_EINVAL : 0;
	}
	const char *h = json_string_value(json_object_get(old, "spec_hash"));
	int same = h && !strcmp(h, s->hash);
	if (!same)
		snprintf(err, errlen, "%s: holds the results of another %s (spec hash %s, this spec's %s): the spec, or a "
			 "file it reads, changed; choose another --out or remove it", dir, s->noun, h ? h : "none", s->hash);
	json_decref(old);
	return same ? 0 : -CS_EINVAL;
}

int cs_sweep_dir_check(const cs_sweep *s, const char *dir, char *err, size_t errlen)
{
	return same_spec(s, dir, 1, err, errlen);
}

int cs_sweep_dir_prepare(const cs_sweep *s, const char *dir, int *lock_fd, char *err, size_t errlen)
{
	char path[4200];
	int rc;
	struct stat st;
	*lock_fd = -1;
	if (stat(dir, &st) < 0) {
		if (mkdir(dir, 0777) < 0) {
			snprintf(err, errlen, "%s: cannot create: %s", dir, strerror(errno));
			return -CS_EIO;
		}
	} else if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: not a directory", dir);
		return -CS_EIO;
	}
	snprintf(path, sizeof path, "%s/sweep.lock", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot create: %s", path, strerror(errno));
		return -CS_EIO;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		snprintf(err, errlen, "%s: another capsim sweep is writing there", dir);
		close(fd);
		return -CS_EIO;
	}
	if ((rc = same_spec(s, dir, 0, err, errlen)) < 0) {
		close(fd);
		return rc;
	}
	snprintf(path, sizeof path, "%s/points", dir);
	if (mkdir(path, 0777) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: cannot create: %s", path, strerror(errno));
		close(fd);
		return -CS_EIO;
	}
	/* what killed workers left: their inputs, and point files half written */
	snprintf(path, sizeof path, "%s/tmp", dir);
	rm_tree(path);
	snprintf(path, sizeof path, "%s/points", dir);
	DIR *d = opendir(path);
	for (struct dirent *de; d && (de = readdir(d));)
		if (strstr(de->d_name, ".json.tmp.")) {
			char stale[4500];
			snprintf(stale, sizeof stale, "%s/%s", path, de->d_name);
			remove(stale);
		}
	if (d)
		closedir(d);
	json_t *j = sweep_json(s);
	snprintf(path, sizeof path, "%s/sweep.json", dir);
	rc = j ? cs_sweep_dump_atomic(j, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER, err, errlen) : -CS_ENOMEM;
	if (!j)
		snprintf(err, errlen, "out of memory");
	json_decref(j);
	if (rc < 0) {
		close(fd);
		return rc;
	}
	*lock_fd = fd;
	return 0;
}

int cs_sweep_point_done(const char *dir, size_t k)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/points/%06zu.json", dir, k);
	return access(path, F_OK) == 0;
}

/* Every string in j with each `from` replaced by its `to`: a point's
 * result names the files as the spec does, not where this run put them. */
static void scrub(json_t *j, const char *const *from, const char *const *to, size_t n)
{
	if (json_is_object(j)) {
		const char *k;
		json_t *v;
		json_object_foreach(j, k, v)
			scrub(v, from, to, n);
		return;
	}
	if (json_is_array(j)) {
		size_t i;
		json_t *v;
		json_array_foreach(j, i, v)
			scrub(v, from, to, n);
		return;
	}
	if (!json_is_string(j))
		return;
	char buf[8192];
	snprintf(buf, sizeof buf, "%s", json_string_value(j));
	int changed = 0;
	for (size_t r = 0; r < n; r++) {
		size_t fl = strlen(from[r]), at = 0;
		char *hit;
		if (!fl || !strcmp(from[r], to[r]))
			continue;
		while ((hit = strstr(buf + at, from[r]))) {
			char rest[8192];
			snprintf(rest, sizeof rest, "%s", hit + fl);
			snprintf(hit, sizeof buf - (size_t)(hit - buf), "%s%s", to[r], rest);
			at = (size_t)(hit - buf) + strlen(to[r]);
			if (at >= strlen(buf))
				break;
			changed = 1;
		}
		changed |= at > 0;
	}
	if (changed)
		json_string_set(j, buf);
}

void cs_sweep_inputs_free(cs_sweep_inputs *in)
{
	cs_trace_free(&in->t);
	cs_accounts_free(in->acc);
	memset(in, 0, sizeof *in);
}

/* The accounts generated for t, loaded as their file would be (named
 * `name` in messages) */
static int gen_accounts(const cs_sweep *s, const cs_trace *t, const cs_gen_project *pr, const char *name,
			cs_accounts **acc, char *err, size_t errlen)
{
	double *billed = NULL;
	char *text = NULL;
	size_t len = 0;
	int rc = cs_gen_billed_hours(s->cluster, t, &billed, err, errlen);
	FILE *f = rc == 0 ? open_memstream(&text, &len) : NULL;
	if (rc == 0 && !f) {
		snprintf(err, errlen, "out of memory");
		rc = -CS_ENOMEM;
	}
	if (f) {
		rc = cs_gen_accounts_write(f, s->model, t, pr, billed, s->cluster, err, errlen);
		if (fclose(f) != 0 && rc == 0) {
			snprintf(err, errlen, "out of memory");
			rc = -CS_ENOMEM;
		}
	}
	if (rc == 0)
		rc = cs_accounts_load_text(acc, text, len, name, err, errlen);
	free(text);
	free(billed);
	return rc;
}

int cs_sweep_point_inputs(const cs_sweep *s, size_t k, char *err, size_t errlen)
{
	cs_sweep_point p;
	cs_sweep_point_get(s, k, &p);
	cs_sweep_inputs *in = s->keep;
	if (!s->gen || (in->have && in->workload_i == p.workload_i && in->seed == p.seed))
		return 0;
	cs_sweep_inputs_free(in);
	int rc = cs_sweep_point_prepare(s); /* done already when forked from a sweep or a plan */
	if (rc < 0) {
		snprintf(err, errlen, "out of memory");
		return rc;
	}
	cs_gen_project *pr = NULL;
	rc = cs_gen_generate_projects(s->model, p.seed, s->days, p.projects_scale, &in->t, s->accounts_gen ? &pr : NULL,
				      err, errlen);
	snprintf(in->acc_name, sizeof in->acc_name, "the accounts generated for %s (seed %llu)", p.workload,
		 (unsigned long long)p.seed);
	if (rc == 0 && s->accounts_gen)
		rc = gen_accounts(s, &in->t, pr, in->acc_name, &in->acc, err, errlen);
	free(pr);
	char why[CS_ERRLEN];
	if (rc == 0) {
		rc = cs_native_as_read(&in->t, why, sizeof why);
		in->in_mem = rc == 0;
		rc = rc == -CS_EINVAL ? 0 : rc;
	}
	if (rc < 0) {
		cs_sweep_inputs_free(in);
		return rc;
	}
	in->have = 1;
	in->workload_i = p.workload_i;
	in->seed = p.seed;
	return 0;
}

static int by_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

void cs_sweep_order_by_inputs(const cs_sweep *s, size_t *k, size_t n)
{
	uint64_t *key = malloc(n * sizeof *key);
	if (!key)
		return; /* left in number order: only slower */
	for (size_t i = 0; i < n; i++) {
		cs_sweep_point p;
		cs_sweep_point_get(s, k[i], &p);
		key[i] = ((uint64_t)p.workload_i * s->nseeds + p.seed_i) * s->npoints + k[i];
	}
	qsort(key, n, sizeof *key, by_u64);
	for (size_t i = 0; i < n; i++)
		k[i] = (size_t)(key[i] % s->npoints);
	free(key);
}

/* The point's workload and accounts: the trace's path (and the accounts
 * file's); or generated (cs_sweep_point_inputs), with wpath and apath only
 * their names: the workload copied into t as capsim's CSV would read it
 * back (cs_native_as_read), the accounts loaded (*acc, the sweep's; apath
 * the name they were loaded under). A
 * generated workload the CSV would change (a model whose names it cannot
 * hold) is written into tmp as wpath and read from there (t left
 * empty). */
static int point_inputs(const cs_sweep *s, const cs_sweep_point *p, const char *tmp, cs_trace *t, int *in_mem,
			const cs_accounts **acc, char *wpath, char *apath, size_t len, char *err, size_t errlen)
{
	*in_mem = 0;
	*acc = NULL;
	if (!s->gen) {
		snprintf(wpath, len, "%s", s->trace_path);
		if (s->accounts_path)
			snprintf(apath, len, "%s", s->accounts_path);
		return 0;
	}
	snprintf(wpath, len, "%s/workload.csv", tmp);
	int rc = cs_sweep_point_inputs(s, p->k, err, errlen);
	if (rc < 0)
		return rc;
	const cs_sweep_inputs *in = s->keep;
	*acc = in->acc;
	if (in->acc)
		snprintf(apath, len, "%s", in->acc_name);
	if (in->in_mem) {
		if ((rc = cs_trace_copy(t, &in->t)) < 0)
			snprintf(err, errlen, "out of memory");
		*in_mem = rc == 0;
		return rc;
	}
	/* the file, and the reader's verdict on it */
	FILE *f = fopen(wpath, "w");
	if (!f) {
		snprintf(err, errlen, "%s: cannot write: %s", wpath, strerror(errno));
		return -CS_EIO;
	}
	int bad = cs_native_write(&in->t, f) < 0;
	bad |= fclose(f) != 0;
	if (bad) {
		snprintf(err, errlen, "%s: cannot write", wpath);
		return -CS_EIO;
	}
	return 0;
}

int cs_sweep_point_prepare(const cs_sweep *s) { return s->gen ? cs_gen_model_calibrate(s->model) : 0; }

static json_t *config_json(const cs_sweep *s, const cs_sweep_point *p)
{
	json_t *c = json_object();
	json_object_set_new(c, "scale", json_string(p->scale));
	json_object_set_new(c, "workload", json_string(p->workload));
	json_object_set_new(c, "projects_scale", json_real(p->projects_scale));
	json_object_set_new(c, "load_scale", json_real(p->load_scale));
	json_object_set_new(c, "policy", json_string(p->policy));
	json_object_set_new(c, "policy_opts", json_string(p->policy_opts));
	json_object_set_new(c, "seed", json_integer((json_int_t)p->seed));
	(void)s;
	return c;
}

int cs_sweep_point_run(const cs_sweep *s, const char *dir, size_t k, char *err, size_t errlen)
{
	if (k >= s->npoints) {
		snprintf(err, errlen, "--point: %zu is not a point of this sweep (0 to %zu)", k, s->npoints - 1);
		return -CS_EINVAL;
	}
	cs_sweep_point p;
	cs_sweep_point_get(s, k, &p);
	char tmp[4200], wpath[4400] = "", apath[4400] = "", path[4200];
	snprintf(tmp, sizeof tmp, "%s/tmp", dir);
	mkdir(tmp, 0777);
	snprintf(tmp, sizeof tmp, "%s/tmp/%06zu.%ld", dir, k, (long)getpid());
	rm_tree(tmp);
	if (mkdir(tmp, 0777) < 0) {
		snprintf(err, errlen, "%s: cannot create: %s", tmp, strerror(errno));
		return -CS_EIO;
	}
	cs_trace t;
	cs_trace_init(&t);
	int in_mem;
	const cs_accounts *acc;
	int rc = point_inputs(s, &p, tmp, &t, &in_mem, &acc, wpath, apath, sizeof wpath, err, errlen);
	cs_run_opts o;
	cs_run_opts_default(&o);
	cs_cluster_scale_spec scale;
	char wlabel[512];
	if (s->gen)
		snprintf(wlabel, sizeof wlabel, "generate(days=%d,seed=%llu,projects_scale=%g)", s->days,
			 (unsigned long long)p.seed, p.projects_scale);
	else
		snprintf(wlabel, sizeof wlabel, "%s", s->trace_text);
	if (rc == 0) {
		o.workload = wpath;
		o.workload_in = in_mem ? &t : NULL;
		o.policy = p.policy;
		const cs_sweep_policy *pol = &s->pol[p.policy_i];
		o.nparams = pol->nopts;
		for (size_t i = 0; i < pol->nopts; i++) {
			o.keys[i] = pol->keys[i];
			o.vals[i] = pol->vals[i];
		}
		o.cluster = s->cluster_path;
		o.cluster_in = s->cluster;
		if (*p.scale) {
			if ((rc = cs_cluster_scale_parse(p.scale, &scale, err, errlen)) == 0)
				o.scale = &scale;
		}
		o.accounts = *apath ? apath : NULL;
		o.accounts_in = acc;
		o.tf.load_scale = p.load_scale;
		if (!s->gen) {
			o.tf.projects_scale = p.projects_scale;
			o.tf.seed = p.seed;
		}
		o.record = 1;
	}
	cs_run_result r;
	json_t *sum = NULL, *pt = NULL;
	if (rc == 0 && (rc = cs_run(&o, &r, err, errlen)) == 0) {
		sum = cs_run_summary_json(&o, &r);
		cs_run_result_free(&r);
		if (!sum) {
			snprintf(err, errlen, "out of memory");
			rc = -CS_ENOMEM;
		}
	}
	if (rc == 0) {
		const char *from[] = { wpath, *apath ? apath : "", s->cluster_path };
		const char *to[] = { wlabel, s->accounts_text ? s->accounts_text : "", s->cluster_text };
		scrub(sum, from, to, 3);
		pt = json_object();
		json_object_set_new(pt, "point", json_integer((json_int_t)k));
		json_object_set_new(pt, "spec_hash", json_string(s->hash));
		json_object_set_new(pt, "config", config_json(s, &p));
		json_object_set_new(pt, "summary", sum);
		snprintf(path, sizeof path, "%s/points/%06zu.json", dir, k);
		rc = cs_sweep_dump_atomic(pt, path, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17), err, errlen);
		json_decref(pt);
	}
	cs_trace_free(&t);
	rm_tree(tmp);
	if (rc < 0) {
		char msg[CS_ERRLEN];
		snprintf(msg, sizeof msg, "%s", err);
		snprintf(err, errlen, "point %zu (scale '%s', %s, policy %s, seed %llu): %s", k, p.scale, p.workload,
			 p.policy_label, (unsigned long long)p.seed, msg);
	}
	return rc;
}
