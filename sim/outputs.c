/* capsim: a run's files in --out: jobs.csv and grants.csv here, every other
 * module's own files, report.html, all written into a new directory that
 * then takes --out's place. */
#define _GNU_SOURCE /* renameat2: put --out in place in one step */
#include "capsim/report.h"
#include "capsim/csvout.h"
#include "csvout_int.h"
#include "capsim/failures.h"
#include "capsim/stage.h"
#include "capsim/power.h"
#include "capsim/recorder.h"
#include "capsim/storage.h"
#include "hugemem.h"
#include "report_data.h"
#include "report_int.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

/* grants.csv: one row per granted account (docs/outputs.md); each row
 * built in memory (csvout.h: "%.6f"'s and "%lld"'s bytes). */
static int write_grants(const char *path, const cs_run_result *r, char *err, size_t errlen)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
		return -CS_EIO;
	}
	fputs("account,grant_hours,from,to,jobs,demand_hours,delivered_hours,delivery\n", f);
	cs_wbuf w;
	cs_wbuf_init(&w, f);
	int rc = 0;
	for (size_t k = 0; k < r->grants.n; k++) {
		const cs_grant_row *g = &r->grants.rows[k];
		double asked = g->demand_h < g->grant.hours ? g->demand_h : g->grant.hours;
		double got = g->delivered_h < asked ? g->delivered_h : asked;
		size_t nl = strlen(g->account);
		char *p = cs_wbuf_room_in(&w, 2 * nl + 2 + 5 * (CS_PUT_FIXED_MAX + 1) + 3 * (CS_PUT_INT_MAX + 1) + 1);
		if (!p) {
			rc = -CS_ENOMEM;
			break;
		}
		p = cs_put_field(p, g->account, nl);
		*p++ = ',';
		p = cs_put_fixed(p, g->grant.hours, 6);
		*p++ = ',';
		p = cs_put_int_in(p, g->grant.from);
		*p++ = ',';
		p = cs_put_int_in(p, g->grant.to);
		*p++ = ',';
		p = cs_put_u64_in(p, g->jobs);
		const double tail[] = { g->demand_h, g->delivered_h, asked > 0 ? got / asked : 1.0 };
		for (size_t i = 0; i < 3; i++) {
			*p++ = ',';
			p = cs_put_fixed(p, tail[i], 6);
		}
		*p++ = '\n';
		w.p = p;
	}
	if (cs_wbuf_finish(&w) < 0)
		rc = -CS_ENOMEM;
	int bad = ferror(f);
	if (fclose(f) != 0 || bad) {
		snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
		return -CS_EIO;
	}
	if (rc < 0)
		snprintf(err, errlen, "out of memory");
	return rc;
}

/* What became of the job, in sacct's words (docs/outputs.md): what the
 * simulation did first, then what the trace recorded for its run. */
enum { ST_REJECTED, ST_CANCELLED, ST_PREEMPTED, ST_NODE_FAIL, ST_TIMEOUT, ST_FAILED, ST_COMPLETED, ST_N };
static const char *const state_names[ST_N] = { "REJECTED", "CANCELLED", "PREEMPTED", "NODE_FAIL",
						"TIMEOUT", "FAILED", "COMPLETED" };
static int job_state(const cs_job *j)
{
	if (j->flags & CS_JOB_REJECTED)
		return ST_REJECTED;
	if (j->flags & CS_JOB_CANCELLED)
		return ST_CANCELLED;
	if (j->flags & CS_JOB_PREEMPT_KILLED)
		return ST_PREEMPTED;
	if (j->flags & CS_JOB_NODE_FAIL)
		return ST_NODE_FAIL;
	if (j->flags & (CS_JOB_KILLED | CS_JOB_TRACE_TIMEOUT))
		return ST_TIMEOUT;
	if (j->flags & CS_JOB_TRACE_FAILED)
		return ST_FAILED;
	if (j->flags & CS_JOB_TRACE_CANCELLED)
		return ST_CANCELLED;
	return ST_COMPLETED;
}

/* A job's project and partition columns in jobs.csv (a run with names). */
static const char *project_of(const cs_trace *t, const cs_job *j)
{
	return j->group >= 0 ? cs_names_get(&t->projects, j->group) : "";
}
static const char *partition_of(const cs_trace *t, const cs_job *j)
{
	return j->partition >= 0 ? cs_names_get(&t->partitions, j->partition) : "";
}

/* Job i's columns of jobs.csv the report draws (cs_report_rows), as
 * write_csv writes them. */
static int report_row(const void *ctx, size_t i, cs_time *wait, cs_time *runtime, const char **partition,
		      const char **project)
{
	const cs_run_result *r = ctx;
	const cs_job *j = &r->jobs[i];
	if (j->start_s < 0)
		return 0;
	*wait = j->start_s - j->submit_s;
	*runtime = j->runtime_s;
	*partition = partition_of(r->trace, j);
	*project = project_of(r->trace, j);
	return 1;
}

/* s at p, quoted as cs_csv_field quotes it. */
static char *put_name(char *p, const char *s) { return cs_put_field(p, s, strlen(s)); }

/* A column's texts as jobs.csv writes them (cs_put_field's bytes), made
 * once per name or node instead of once per job: text i is
 * text[off[i] .. off[i + 1]), the longest max bytes. */
typedef struct field_tab {
	char *text;
	size_t *off;
	size_t n, max;
} field_tab;

static void field_tab_free(field_tab *ft)
{
	free(ft->text);
	free(ft->off);
	*ft = (field_tab){ 0 };
}

/* Texts this long or shorter are copied as TAB_COPY bytes (a fixed copy,
 * no call); the table has that many bytes of room past its last. */
#define TAB_COPY 32

/* Room for n texts of up to len bytes each before quoting. */
static int field_tab_alloc(field_tab *ft, size_t n, size_t len)
{
	*ft = (field_tab){ .text = malloc(2 * len + 2 * n + 1 + TAB_COPY), .off = malloc((n + 1) * sizeof *ft->off),
			   .n = n };
	if (!ft->text || !ft->off) {
		field_tab_free(ft);
		return -CS_ENOMEM;
	}
	ft->off[0] = 0;
	return 0;
}

/* Text i of ft done (its bytes end at e). */
static void field_tab_end(field_tab *ft, size_t i, const char *e)
{
	ft->off[i + 1] = (size_t)(e - ft->text);
	if (ft->off[i + 1] - ft->off[i] > ft->max)
		ft->max = ft->off[i + 1] - ft->off[i];
}

/* ns's names, quoted as needed. */
static int field_tab_names(field_tab *ft, const cs_names *ns)
{
	size_t len = 0;
	for (size_t i = 0; i < ns->n; i++)
		len += strlen(ns->v[i]);
	if (field_tab_alloc(ft, ns->n, len) < 0)
		return -CS_ENOMEM;
	for (size_t i = 0; i < ns->n; i++)
		field_tab_end(ft, i, put_name(ft->text + ft->off[i], ns->v[i]));
	return 0;
}

/* Each node's host list of one (cs_hostnames_list's), quoted as needed. */
static int field_tab_nodes(field_tab *ft, const cs_hostnames *h)
{
	uint32_t scratch[1];
	size_t len = 0;
	for (uint32_t i = 0; i < h->nnodes; i++) {
		long l = cs_hostnames_list(h, &i, 1, scratch, NULL, 0); /* (a node of h: not -1) */
		if (l < 0)
			return -CS_ENOMEM;
		len += (size_t)l;
	}
	if (field_tab_alloc(ft, h->nnodes, len) < 0)
		return -CS_ENOMEM;
	char *name = malloc(len + 1);
	if (!name) {
		field_tab_free(ft);
		return -CS_ENOMEM;
	}
	for (uint32_t i = 0; i < h->nnodes; i++) {
		cs_hostnames_list(h, &i, 1, scratch, name, len + 1);
		field_tab_end(ft, i, put_name(ft->text + ft->off[i], name));
	}
	free(name);
	return 0;
}

/* Text i of ft at p; nothing for an i out of its range (cs_names_get's
 * ""). Texts of TAB_COPY bytes or fewer go as TAB_COPY bytes (p has
 * room for them: the row's room counts TAB_COPY bytes more than its
 * longest), the bytes past the text's end written over next. */
static inline char *put_tab(char *p, const field_tab *ft, int64_t i)
{
	if (i < 0 || (size_t)i >= ft->n)
		return p;
	size_t n = ft->off[i + 1] - ft->off[i];
	if (ft->max <= TAB_COPY)
		memcpy(p, ft->text + ft->off[i], TAB_COPY);
	else
		memcpy(p, ft->text + ft->off[i], n);
	return p + n;
}

/* Words of ours (a job's state, why it waited) with their lengths; one
 * of up to TAB_COPY bytes copied as TAB_COPY (the row has room). */
typedef struct word {
	const char *s;
	size_t len;
	char text[TAB_COPY];
} word;

static void word_of(word *w, const char *s)
{
	*w = (word){ .s = s, .len = strlen(s) };
	memcpy(w->text, s, w->len <= TAB_COPY ? w->len : TAB_COPY);
}

static inline char *put_word(char *p, const word *w)
{
	if (w->len <= TAB_COPY)
		memcpy(p, w->text, TAB_COPY);
	else
		memcpy(p, w->s, w->len);
	return p + w->len;
}

/* jobs.csv: one row per job, the same columns on every run (docs/outputs.md);
 * each row built in memory (csvout.h) and written with the next ones. */
static int write_csv(const char *path, const cs_run_result *r, char *err, size_t errlen)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
		return -CS_EIO;
	}
	uint32_t maxn = 0;
	for (size_t i = 0; i < r->njobs; i++)
		if (r->jobs[i].nodes > maxn)
			maxn = r->jobs[i].nodes;
	uint32_t *nodes = malloc(2 * ((size_t)maxn + 1) * sizeof *nodes);
	size_t hlcap = 0;
	char *hl = NULL; /* the node list, grown as needed */
	const cs_trace *t = r->trace;
	int nm = r->machine.node_model && r->placements;
	/* the name columns (project, user, qos, partition), and a node list
	 * of one node, from tables made once */
	field_tab tab[4] = { 0 }, node_tab = { 0 };
	int tabs_rc = 0;
	if (t) {
		const cs_names *ns[] = { &t->projects, &t->users, &t->qos, &t->partitions };
		for (size_t k = 0; k < 4 && tabs_rc == 0; k++)
			tabs_rc = field_tab_names(&tab[k], ns[k]);
		if (tabs_rc == 0 && nm)
			tabs_rc = field_tab_nodes(&node_tab, &r->hosts);
	}
	word states[ST_N], reasons[CS_WAIT_N];
	for (int k = 0; k < ST_N; k++)
		word_of(&states[k], state_names[k]);
	for (int k = 0; k < CS_WAIT_N; k++)
		word_of(&reasons[k], cs_wait_names[k]);
	if (!nodes || tabs_rc < 0) {
		free(nodes);
		for (size_t k = 0; k < 4; k++)
			field_tab_free(&tab[k]);
		field_tab_free(&node_tab);
		fclose(f);
		snprintf(err, errlen, "out of memory");
		return -CS_ENOMEM;
	}
	size_t names_room = 0;
	for (size_t k = 0; k < 4; k++)
		names_room += tab[k].max + 1;
	fputs("id,submit,start,end,wait,runtime,estimate,requested_time,submit_time,start_time,end_time,state,"
	      "gpus,cores,nodes,gpus_per_node,cores_per_node,mem_per_node_mib,node_list,project,user,qos,partition,"
	      "reason,reservation,backfilled,killed,preemptions,preempted_s,trace_line,billed_hours,energy_kwh", f);
	if (r->fail)
		cs_failsim_csv_header(f);
	if (r->stage)
		cs_stagesim_csv_header(f);
	fputc('\n', f);
	const double *energy = r->power ? cs_power_meter_job_energy(r->power) : NULL;
	int rc = 0;
	cs_wbuf w;
	cs_wbuf_init(&w, f);
	enum { DAYS = 16 };
	cs_utc_day days[3][DAYS]; /* submit, start, end */
	for (size_t k = 0; k < 3 * DAYS; k++)
		days[k / DAYS][k % DAYS] = (cs_utc_day){ .day = -1 };
	for (size_t i = 0; i < r->njobs && rc == 0; i++) {
		const cs_job *j = &r->jobs[i];
		int ran = j->start_s >= 0;
		const char *list = NULL;
		size_t list_len = 0;
		uint32_t one = UINT32_MAX; /* a list of one node: node_tab's */
		if (t && nm && ran && j->nodes == 1) {
			one = r->placements[r->placement_off[i]].node;
		} else if (t && nm && ran && j->nodes) {
			const cs_slot *sl = r->placements + r->placement_off[i];
			for (uint32_t k = 0; k < j->nodes; k++)
				nodes[k] = sl[k].node;
			long need = cs_hostnames_list_grow(&r->hosts, nodes, j->nodes, nodes + maxn + 1, &hl, &hlcap);
			if (need == -CS_ENOMEM) {
				rc = -CS_ENOMEM;
				break;
			}
			if (need > 0) {
				list = hl;
				list_len = (size_t)need;
			}
		}
		char *p = cs_wbuf_room_in(&w, 1024 + 2 * CS_PUT_FIXED_MAX + names_room + node_tab.max + TAB_COPY +
						   (list ? 2 * list_len + 2 : 0));
		if (!p) {
			rc = -CS_ENOMEM;
			break;
		}
		/* a job cancelled while it waited ends then, having run 0 s (as
		 * sacct gives it: End the cancellation's time, Elapsed 0) */
		const int64_t times[] = { j->submit_s, j->start_s, j->end_s, ran ? j->start_s - j->submit_s : -1,
					  ran || !(j->flags & CS_JOB_CANCELLED) ? j->runtime_s : 0, j->estimate_s,
					  j->reqtime_s };
		p = cs_put_int_in(p, j->id);
		_Pragma("GCC unroll 8")
		for (size_t k = 0; k < sizeof times / sizeof *times; k++) {
			*p++ = ',';
			p = cs_put_int_in(p, times[k]);
		}
		*p++ = ',';
		p = cs_put_utc_in(p, days[0], DAYS, r->epoch, j->submit_s);
		*p++ = ',';
		p = cs_put_utc_in(p, days[1], DAYS, r->epoch, j->start_s);
		*p++ = ',';
		p = cs_put_utc_in(p, days[2], DAYS, r->epoch, j->end_s);
		*p++ = ',';
		p = put_word(p, &states[job_state(j)]);
		*p++ = ',';
		if (t) {
			/* (readers bound the counts: the products fit) */
			const int64_t shape[] = { (int64_t)j->nodes * j->gpus_per_node, (int64_t)j->nodes * j->cores_per_node,
						  j->nodes, j->gpus_per_node, j->cores_per_node, j->mem_per_node_mib };
			_Pragma("GCC unroll 8")
			for (size_t k = 0; k < sizeof shape / sizeof *shape; k++) {
				p = cs_put_int_in(p, shape[k]);
				*p++ = ',';
			}
			if (list)
				p = cs_put_field(p, list, list_len);
			else if (one != UINT32_MAX)
				p = put_tab(p, &node_tab, one);
			const int32_t ids[] = { j->group, j->user, j->queue, j->partition };
			_Pragma("GCC unroll 4")
			for (size_t k = 0; k < 4; k++) {
				*p++ = ',';
				p = put_tab(p, &tab[k], ids[k]);
			}
		} else {
			/* a pooled SWF replay: processors are cores; the SWF's numbers */
			memcpy(p, "0,", 2);
			p = cs_put_int_in(p + 2, j->size);
			memcpy(p, ",,,,,,", 6);
			p += 6;
			*p++ = j->group >= 0 ? 'g' : 'u';
			p = cs_put_int_in(p, j->group >= 0 ? j->group : j->user);
			const int ids[] = { j->user, j->queue, j->partition };
			for (size_t k = 0; k < 3; k++) {
				*p++ = ',';
				if (ids[k] >= 0)
					p = cs_put_int_in(p, ids[k]);
			}
		}
		*p++ = ',';
		p = put_word(p, &reasons[j->reason < CS_WAIT_N ? j->reason : 0]);
		const int64_t tail[] = { j->reservation_s, !!(j->flags & CS_JOB_BACKFILLED), !!(j->flags & CS_JOB_KILLED),
					 j->preemptions, j->preempted_s, j->line };
		_Pragma("GCC unroll 8")
		for (size_t k = 0; k < sizeof tail / sizeof *tail; k++) {
			*p++ = ',';
			p = cs_put_int_in(p, tail[k]);
		}
		*p++ = ',';
		p = cs_put_fixed_in(p, cs_report_billed_s(r, i) / 3600.0, 6);
		*p++ = ',';
		if (energy)
			p = cs_put_fixed_in(p, energy[i] / 3.6e6, 6);
		if (r->fail || r->stage) {
			/* their columns go straight to the file, after the row so far */
			w.p = p;
			cs_wbuf_flush(&w);
			if (r->fail)
				cs_failsim_csv_row(f, r->fail, i);
			if (r->stage)
				cs_stagesim_csv_row(f, r->stage, i);
			p = cs_wbuf_room(&w, 1);
			if (!p) {
				rc = -CS_ENOMEM;
				break;
			}
		}
		*p++ = '\n';
		w.p = p;
	}
	free(nodes);
	free(hl);
	for (size_t k = 0; k < 4; k++)
		field_tab_free(&tab[k]);
	field_tab_free(&node_tab);
	return cs_wbuf_close(&w, rc, path, err, errlen);
}

/* The directory that holds `dir` ("." for a bare name). */
static void out_parent(const char *dir, char *parent, size_t len)
{
	snprintf(parent, len, "%s", dir);
	size_t n = strlen(parent);
	while (n > 1 && parent[n - 1] == '/')
		parent[--n] = 0;
	char *slash = strrchr(parent, '/');
	if (!slash)
		snprintf(parent, len, ".");
	else if (slash == parent)
		parent[1] = 0;
	else
		*slash = 0;
}

static mode_t current_umask(void)
{
	mode_t m = umask(022);
	umask(m);
	return m;
}

/* What `--out` holds: the files a run writes there, and nothing else. */
static const char *const out_files[] = { "summary.json", "jobs.csv", "batsim_jobs.csv", "timeseries.csv",
					 "projects.csv", "fairness.csv", "occupancy.csv", "grants.csv", "power.csv",
					 "storage.csv", "storage_allocations.csv", "report.html", NULL };

static int is_out_file(const char *name)
{
	for (int i = 0; out_files[i]; i++)
		if (strcmp(name, out_files[i]) == 0)
			return 1;
	return 0;
}

/* 0 if dir holds only files a run writes (an earlier run's output, or
 * nothing), else -CS_EIO naming the first other entry. */
static int only_out_files(const char *dir, char *err, size_t errlen)
{
	DIR *d = opendir(dir);
	if (!d) {
		snprintf(err, errlen, "%s: cannot read: %s", dir, strerror(errno));
		return -CS_EIO;
	}
	int rc = 0;
	struct dirent *e;
	while (rc == 0 && (e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char path[4096 + 256];
		struct stat st;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (is_out_file(e->d_name) && lstat(path, &st) == 0 && S_ISREG(st.st_mode))
			continue;
		snprintf(err, errlen, "%s: holds '%s', which capsim did not write: --out replaces the whole "
			 "directory, so give a new or empty one, or an earlier run's", dir, e->d_name);
		rc = -CS_EIO;
	}
	closedir(d);
	return rc;
}

/* Remove a directory holding only a run's files. */
static void remove_out_dir(const char *dir)
{
	char path[4096 + 32];
	for (int i = 0; out_files[i]; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, out_files[i]);
		unlink(path);
	}
	rmdir(dir);
}

int cs_run_check_out_dir(const char *dir, char *err, size_t errlen)
{
	struct stat st;
	if (stat(dir, &st) == 0) {
		int e = !S_ISDIR(st.st_mode) ? ENOTDIR : access(dir, W_OK | X_OK) < 0 ? errno : 0;
		if (e) {
			snprintf(err, errlen, "%s: cannot write into it: %s", dir, strerror(e));
			return -CS_EIO;
		}
		return only_out_files(dir, err, errlen);
	}
	if (errno != ENOENT) {
		snprintf(err, errlen, "%s: cannot create directory: %s", dir, strerror(errno));
		return -CS_EIO;
	}
	/* to be created: its parent must exist and take a new entry */
	char parent[4096];
	out_parent(dir, parent, sizeof parent);
	int e = stat(parent, &st) < 0 ? errno : !S_ISDIR(st.st_mode) ? ENOTDIR
		: access(parent, W_OK | X_OK) < 0 ? errno : 0;
	if (e) {
		snprintf(err, errlen, "%s: cannot create directory: %s", dir, strerror(e));
		return -CS_EIO;
	}
	return 0;
}

/* Every file of the run but report.html, into dir (path: room for a file's path). */
static int write_files(const cs_run_opts *o, const cs_run_result *r, const cs_rec_projects *rp, const char *dir,
		       char *path, size_t plen, char *err, size_t errlen)
{
	snprintf(path, plen, "%s/summary.json", dir);
	json_t *j = cs_report_summary_json(o, r, rp);
	int rc = json_dump_file(j, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
	json_decref(j);
	if (rc < 0) {
		snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
		return -CS_EIO;
	}
	snprintf(path, plen, "%s/jobs.csv", dir);
	rc = write_csv(path, r, err, errlen);
	if (rc < 0)
		return rc;
	if (r->grants.n) {
		snprintf(path, plen, "%s/grants.csv", dir);
		if ((rc = write_grants(path, r, err, errlen)) < 0)
			return rc;
	}
	snprintf(path, plen, "%s/batsim_jobs.csv", dir);
	rc = cs_run_write_batsim(path, r, err, errlen);
	if (rc < 0 || !r->rec)
		return rc;
	rc = cs_recorder_write_with(r->rec, rp, dir, r->epoch, err, errlen);
	if (rc == 0 && r->power)
		rc = cs_power_meter_write(r->power, dir, r->epoch, err, errlen);
	if (rc == 0 && r->storage)
		rc = cs_storage_write(r->storage, dir, r->epoch, err, errlen);
	return rc;
}

static int write_into(const cs_run_opts *o, const cs_run_result *r, const char *dir, const char *name, char *err,
		      size_t errlen)
{
	char path[4096 + 32];
	cs_rec_projects *rp = NULL;
	int rc = r->rec ? cs_recorder_projects_new(&rp, r->rec, r->trace, cs_report_shares(o, r), o->bsld_tau, err, errlen) : 0;
	if (rc < 0)
		return rc;
	rc = write_files(o, r, rp, dir, path, sizeof path, err, errlen);
	cs_rec_projects_free(rp);
	if (rc < 0 || !r->rec)
		return rc;
	/* the report's waits from the jobs here, not jobs.csv read back (a
	 * pooled replay's names are numbers jobs.csv writes: read it), its
	 * series from the recorder, the power meter and the storage */
	cs_report_rows rows = { r->njobs, r->trace ? report_row : NULL, r, r->rec, r->power, r->storage };
	return cs_report_html_rows(dir, name, &rows, err, errlen);
}

/* A message about the temporary directory, told of --out itself. */
static void name_out_dir(char *err, size_t errlen, const char *tmp, const char *dir)
{
	char *at = strstr(err, tmp);
	if (!at)
		return;
	size_t pre = (size_t)(at - err), tl = strlen(tmp), dl = strlen(dir), rl = strlen(at + tl);
	if (pre + dl + rl + 1 > errlen)
		return;
	memmove(err + pre + dl, at + tl, rl + 1);
	memcpy(err + pre, dir, dl);
}

/* Every file is written into a new directory beside --out, which then
 * takes --out's place in one rename (an exchange when --out exists, whose
 * old files are then removed). A run that fails leaves --out as it was. */
int cs_run_write_outputs(const cs_run_opts *o, const cs_run_result *r, char *err, size_t errlen)
{
	if (!o->out_dir)
		return 0;
	const char *dir = o->out_dir;
	cs_huge_heap_more();
	int rc = cs_run_check_out_dir(dir, err, errlen);
	if (rc < 0)
		return rc;
	char parent[4096], tmp[4096];
	out_parent(dir, parent, sizeof parent);
	char clean[4096];
	snprintf(clean, sizeof clean, "%s", dir);
	for (size_t n = strlen(clean); n > 1 && clean[n - 1] == '/';)
		clean[--n] = 0;
	const char *base = strrchr(clean, '/');
	base = base && base[1] ? base + 1 : clean;
	if (snprintf(tmp, sizeof tmp, "%s/.%.64s.capsim-XXXXXX", parent, base) >= (int)sizeof tmp) {
		snprintf(err, errlen, "%s: path too long", dir);
		return -CS_EIO;
	}
	for (char *c = tmp + strlen(parent) + 1; *c; c++)
		if (*c == '/')
			*c = '_';
	if (!mkdtemp(tmp)) {
		snprintf(err, errlen, "%s: cannot create a directory beside it: %s", dir, strerror(errno));
		return -CS_EIO;
	}
	chmod(tmp, 0777 & ~current_umask());
	rc = write_into(o, r, tmp, base, err, errlen);
	if (rc < 0) {
		name_out_dir(err, errlen, tmp, dir);
		remove_out_dir(tmp);
		return rc;
	}
	struct stat st;
	int exists = stat(dir, &st) == 0;
	if (exists ? renameat2(AT_FDCWD, tmp, AT_FDCWD, dir, RENAME_EXCHANGE) < 0 : rename(tmp, dir) < 0) {
		snprintf(err, errlen, "%s: cannot put the new output in place: %s", dir, strerror(errno));
		remove_out_dir(tmp);
		return -CS_EIO;
	}
	if (exists)
		remove_out_dir(tmp); /* the earlier run's files, now there */
	return 0;
}
