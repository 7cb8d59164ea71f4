/* capsim: the staging model's books (capsim/stage.h): what staging cost a
 * run, for summary.json, the printed summary and jobs.csv
 * (docs/storage.md#staging). */
#include "stage_int.h"
#include "capsim/csvout.h"
#include "capsim/native.h"

#include <jansson.h>

/* The books over the jobs: resources held while staging (every run), and
 * the last runs' stage-in and stage-out seconds of the jobs that ran. */
typedef struct books {
	double gpu_s, node_s, held_gpu_s;  /* held while staging; held at all (GPU-seconds) */
	double in_s, out_s, in_max, out_max;
	uint64_t jobs, ran;                 /* jobs that move data; of which ran */
} books;

static void close_books(const cs_stagesim *s, books *b)
{
	*b = (books){ 0 };
	for (size_t i = 0; i < s->njobs; i++) {
		const cs_job *j = &s->jobs[i];
		const sjob *sj = &s->j[i];
		double gpus = (double)j->nodes * j->gpus_per_node;
		b->held_gpu_s += gpus * (double)((j->start_s >= 0 ? j->end_s - j->start_s : 0) + j->preempted_s);
		if (!sj->in_b && !sj->out_b)
			continue;
		b->jobs++;
		b->gpu_s += gpus * (double)sj->staged_s;
		b->node_s += (double)j->nodes * (double)sj->staged_s;
		if (j->start_s < 0)
			continue;
		b->ran++;
		b->in_s += (double)sj->in_s;
		b->out_s += (double)sj->out_s;
		b->in_max = sj->in_s > b->in_max ? (double)sj->in_s : b->in_max;
		b->out_max = sj->out_s > b->out_max ? (double)sj->out_s : b->out_max;
	}
}

static json_t *ratio(double num, double den) { return den > 0 ? json_real(num / den) : json_null(); }

static json_t *tier_json(const stier *t)
{
	json_t *o = json_object();
	json_object_set_new(o, "bandwidth_gbs", json_real(t->gbs));
	json_object_set_new(o, "jobs", json_integer(t->jobs));
	json_object_set_new(o, "transfers", json_integer((json_int_t)t->transfers));
	json_object_set_new(o, "in_tb", json_real((double)t->in_b / 1e12));
	json_object_set_new(o, "out_tb", json_real((double)t->out_b / 1e12));
	json_object_set_new(o, "busy_h", json_real((double)t->busy_s / 3600.0));
	/* transfers under way on average while there was one, and at most */
	json_object_set_new(o, "mean_transfers", ratio(t->conc_s, (double)t->busy_s));
	json_object_set_new(o, "peak_transfers", json_integer(t->peak));
	/* the finished transfers' seconds over what they would have taken alone on the tier */
	json_object_set_new(o, "stretch", ratio(t->took_s, t->alone_s));
	return o;
}

json_t *cs_stagesim_summary_json(const cs_stagesim *s)
{
	books b;
	close_books(s, &b);
	json_t *o = json_object(), *tiers = json_object();
	json_object_set_new(o, "default_tier", s->default_tier ? json_string(s->default_tier) : json_null());
	json_object_set_new(o, "jobs", json_integer((json_int_t)b.jobs));
	json_object_set_new(o, "gpu_hours", json_real(b.gpu_s / 3600.0));
	json_object_set_new(o, "node_hours", json_real(b.node_s / 3600.0));
	json_object_set_new(o, "share_of_gpu_hours", ratio(b.gpu_s, b.held_gpu_s));
	json_object_set_new(o, "stage_in_s_mean", ratio(b.in_s, (double)b.ran));
	json_object_set_new(o, "stage_in_s_max", json_real(b.in_max));
	json_object_set_new(o, "stage_out_s_mean", ratio(b.out_s, (double)b.ran));
	json_object_set_new(o, "stage_out_s_max", json_real(b.out_max));
	json_object_set_new(o, "killed_at_time_limit", json_integer((json_int_t)s->killed));
	for (uint32_t k = 0; k < s->ntiers; k++)
		if (s->t[k].jobs) /* the tiers jobs stage through, keyed by name (sweeps tabulate them) */
			json_object_set_new(tiers, s->t[k].name, tier_json(&s->t[k]));
	json_object_set_new(o, "tiers", tiers);
	return o;
}

void cs_stagesim_print(FILE *out, const cs_stagesim *s)
{
	books b;
	close_books(s, &b);
	double in = 0, outb = 0;
	for (uint32_t k = 0; k < s->ntiers; k++) {
		in += (double)s->t[k].in_b;
		outb += (double)s->t[k].out_b;
	}
	fprintf(out, "  staging     %llu jobs staged %.2f TB in and %.2f TB out; %.1f GPU-hours held while staging "
		"(%.2f %% of those held), stage-in mean %.1f s, stage-out mean %.1f s; %llu killed at their time "
		"limit\n", (unsigned long long)b.jobs, in / 1e12, outb / 1e12, b.gpu_s / 3600.0,
		b.held_gpu_s > 0 ? 100.0 * b.gpu_s / b.held_gpu_s : 0.0, b.ran ? b.in_s / (double)b.ran : 0.0,
		b.ran ? b.out_s / (double)b.ran : 0.0, (unsigned long long)s->killed);
}

void cs_stagesim_csv_header(FILE *out) { fputs(",stage_tier,stage_in_gb,stage_out_gb,stage_in_s,stage_out_s", out); }

void cs_stagesim_csv_row(FILE *out, const cs_stagesim *s, size_t i)
{
	const sjob *j = &s->j[i];
	char a[32], b[32];
	int moves = j->in_b || j->out_b;
	fputc(',', out);
	cs_csv_field(out, moves ? s->t[j->tier].name : "");
	fprintf(out, ",%s,%s,%lld,%lld", cs_native_gb_text(j->in_b, a, sizeof a), cs_native_gb_text(j->out_b, b, sizeof b),
		(long long)j->in_s, (long long)j->out_s);
}
