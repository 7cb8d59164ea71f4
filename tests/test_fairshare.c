/* The accounts file (sim/accounts.c), Slurm's Fair Tree (sched/fairtree.c)
 * and multifactor with them: QoS factor, GPU limits and budgets. */
#include <criterion/criterion.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capsim/accounts.h"
#include "capsim/fairtree.h"
#include "capsim/run.h"
#include "helpers.h"
#include "../sim/accounts_int.h"

/* sched/mf.h's test switch (mf.h itself names a parameter prio, the type here) */
void mf_charge_each_pass(int on);

/* ---- the file -------------------------------------------------------------- */

/* Load text named "acc.yaml"; return the error code, message in err. */
static int load(const char *text, char *err)
{
	cs_accounts *a = NULL;
	int rc = cs_accounts_load_text(&a, text, strlen(text), "acc.yaml", err, CS_ERRLEN);
	cs_accounts_free(a);
	return rc;
}

/* The file loader (in a child process, sim/accounts_child.c) gives the
 * error the text loader gives (in this one), named by the file's path. */
static void bad_as_a_file(const char *text, int want_rc, const char *want_err)
{
	char *p = th_write_tmp(text, ".yaml");
	char err[CS_ERRLEN] = "", want[CS_ERRLEN + 512];
	cs_accounts *a = NULL;
	int rc = cs_accounts_load(&a, p, err, sizeof err);
	cr_assert_null(a);
	cr_assert_eq(rc, want_rc, "rc %d: %s", rc, err);
	cr_assert_eq(strncmp(want_err, "acc.yaml", 8), 0, "%s", want_err);
	snprintf(want, sizeof want, "%s%s", p, want_err + 8);
	cr_assert_str_eq(err, want);
	th_unlink(p);
}

static void bad(const char *text, int want_rc, const char *want)
{
	char err[CS_ERRLEN] = "";
	int rc = load(text, err);
	cr_assert_eq(rc, want_rc, "rc %d for:\n%s\nmessage: %s", rc, text, err);
	cr_assert(strstr(err, want), "got '%s', want '%s'", err, want);
	bad_as_a_file(text, want_rc, err);
}

/* A QoS's grace_time (Slurm's QOS GraceTime) is whole seconds, 0 or more. */
Test(accounts, a_bad_grace_time_names_file_line_and_field)
{
	bad("qos:\n  - {name: low, priority: 0, grace_time: -5}\n", -CS_EINVAL,
	    "acc.yaml:2:42: qos[0].grace_time: must be >= 0, got -5");
	bad("qos:\n  - {name: low, priority: 0, grace_time: 1.5}\n", -CS_EPARSE,
	    "acc.yaml:2:42: qos[0].grace_time: expected an integer, got '1.5'");
	bad("qos:\n  - {name: low, priority: 0}\n  - {name: hi, priority: 1, grace_time: soon}\n", -CS_EPARSE,
	    "acc.yaml:3:41: qos[1].grace_time: expected an integer, got 'soon'");
	bad("partitions:\n  - {name: p, priority: 0, grace_time: 60}\n", -CS_EPARSE,
	    "acc.yaml:2:28: partitions[0].grace_time: unknown key, expected one of: name, priority");
	char err[CS_ERRLEN] = "";
	cr_expect_eq(load("qos:\n  - {name: low, priority: 0, grace_time: 600}\n", err), 0, "%s", err);
}

Test(accounts, every_mistake_names_file_line_and_column)
{
	bad("site: s\ncolour: red\n", -CS_EPARSE,
	    "acc.yaml:2:1: colour: unknown key, expected one of: site, accounts, qos, partitions");
	bad("accounts:\n  - name: a\n    share: 2\n", -CS_EPARSE,
	    "acc.yaml:3:5: accounts[0].share: unknown key, expected one of: name, shares, accounts, users");
	bad("accounts:\n  - name: a\n    shares: \"2\"\n", -CS_EPARSE,
	    "acc.yaml:3:14: accounts[0].shares: expected a number, got the quoted string \"2\"");
	bad("accounts:\n  - name: a\n    shares: [2]\n", -CS_EPARSE,
	    "acc.yaml:3:14: accounts[0].shares: expected a number, got a list");
	bad("accounts:\n  - name: a\n    shares: lots\n", -CS_EPARSE,
	    "acc.yaml:3:13: accounts[0].shares: expected a number, got 'lots'");
	bad("accounts:\n  - name: a\n    shares: -1\n", -CS_EINVAL,
	    "acc.yaml:3:13: accounts[0].shares: must be >= 0, got -1");
	bad("accounts: {name: a}\n", -CS_EPARSE, "acc.yaml:1:12: accounts: expected a list, got a mapping");
	bad("accounts:\n  - shares: 1\n", -CS_EPARSE, "acc.yaml:2:5: accounts[0].name: missing required key");
	bad("accounts:\n  - name: [a]\n", -CS_EPARSE, "acc.yaml:2:12: accounts[0].name: expected a string, got a list");
	bad("accounts:\n  - name: org\n    accounts:\n      - name: p1\n  - name: p1\n", -CS_EINVAL,
	    "acc.yaml:5:11: accounts[1].name: duplicate account name 'p1' (first at line 4)");
	bad("accounts:\n  - name: p1\n    users:\n      - {name: u1}\n      - {name: u1, shares: 2}\n", -CS_EINVAL,
	    "acc.yaml:5:16: accounts[0].users[1].name: duplicate user name 'u1' in this account");
	bad("accounts:\n  - name: p1\n    users:\n      - {name: u1, group: x}\n", -CS_EPARSE,
	    "acc.yaml:4:20: accounts[0].users[0].group: unknown key, expected one of: name, shares");
	bad("qos:\n  - {name: high, priority: 10}\n  - {name: high, priority: 1}\n", -CS_EINVAL,
	    "acc.yaml:3:12: qos[1].name: duplicate name 'high' (first at line 2)");
	bad("qos:\n  - {name: high, priority: -5}\n", -CS_EINVAL, "acc.yaml:2:28: qos[0].priority: must be >= 0, got -5");
	bad("qos:\n  - {name: high}\n", -CS_EPARSE, "acc.yaml:2:6: qos[0].priority: missing required key");
	bad("partitions: 3\n", -CS_EPARSE, "acc.yaml:1:13: partitions: expected a list, got a scalar");
	bad("accounts:\n  - name: a\n   shares: 1\n", -CS_EPARSE, "acc.yaml:3:");
	bad("- a\n- b\n", -CS_EPARSE, "acc.yaml:1:3: accounts file: expected a mapping");
	char err[CS_ERRLEN];
	cs_accounts *a;
	cr_assert_eq(cs_accounts_load(&a, "/nonexistent/acc.yaml", err, sizeof err), -CS_EIO);
	cr_assert(strstr(err, "/nonexistent/acc.yaml: cannot open"), "%s", err);
}

static void same_names(const cs_names *x, const cs_names *y)
{
	cr_assert_eq(x->n, y->n);
	for (size_t i = 0; i < x->n; i++)
		cr_assert_str_eq(x->v[i], y->v[i]);
	cr_assert_eq(x->hcap, y->hcap);
	cr_assert_eq(!x->hash, !y->hash);
	cr_assert(!x->hcap || memcmp(x->hash, y->hash, x->hcap * sizeof *x->hash) == 0);
}

static void same_blob(const void *x, const void *y, size_t n)
{
	cr_assert_eq(!x, !y);
	cr_assert(!x || memcmp(x, y, n) == 0);
}

static void same_prio(const prio *x, const prio *y)
{
	size_t n = x->names.n;
	same_names(&x->names, &y->names);
	same_blob(x->factor, y->factor, n * sizeof *x->factor);
	same_blob(x->preempts, y->preempts, n * n);
	same_blob(x->grace, y->grace, n * sizeof *x->grace);
}

/* A file is loaded in a child and handed back over a pipe: what comes
 * back is what loading its text here gives, every field, the names' hash
 * tables and which tables are absent included (a tree with limits,
 * grants, storage, QoS with preemption and grace; and one with none). */
Test(accounts, a_file_loaded_in_a_child_is_its_text_loaded_here)
{
	const char *texts[] = {
		"site: s\n"
		"accounts:\n"
		"  - name: org\n"
		"    shares: 2.5\n"
		"    GrpTRES: cpu=64,mem=2T\n"
		"    accounts:\n"
		"      - name: p1\n"
		"        grant: {hours: 100, from: 5, to: 900}\n"
		"        storage_tb: {project: 6, \"arch ive\": 0.5}\n"
		"        MaxJobs: 3\n"
		"        users: [{name: u1, shares: 3, MaxSubmitJobs: -1}, {name: \"u\\0x\"}]\n"
		"      - name: p2\n"
		"  - name: solo\n"
		"qos:\n"
		"  - {name: high, priority: 1000, grace_time: 60, preempt: [low]}\n"
		"  - {name: low, priority: 1}\n"
		"partitions: [{name: gpu, priority: 3}, {name: cpu, priority: 0}]\n",
		"accounts: []\nqos: []\n",
		"site: only\n",
	};
	for (size_t k = 0; k < sizeof texts / sizeof *texts; k++) {
		char *p = th_write_tmp(texts[k], ".yaml");
		char err[CS_ERRLEN] = "";
		cs_accounts *x = NULL, *y = NULL;
		cr_assert_eq(cs_accounts_load(&x, p, err, sizeof err), 0, "%s", err);
		cr_assert_eq(cs_accounts_load_text(&y, texts[k], strlen(texts[k]), p, err, sizeof err), 0, "%s", err);
		cr_assert_eq(x->n, y->n);
		for (uint32_t i = 0; i < x->n; i++) {
			const anode *a = &x->nodes[i], *b = &y->nodes[i];
			cr_assert_str_eq(a->name, b->name);
			cr_assert(a->shares == b->shares && a->parent == b->parent && a->kind == b->kind &&
				  a->lim == b->lim);
			cr_assert(a->grant.hours == b->grant.hours && a->grant.from == b->grant.from &&
				  a->grant.to == b->grant.to);
		}
		same_names(&x->accounts, &y->accounts);
		same_blob(x->acct_node, y->acct_node, x->accounts.n * sizeof *x->acct_node);
		same_prio(&x->qos, &y->qos);
		same_prio(&x->parts, &y->parts);
		cr_assert_eq(x->nlims, y->nlims);
		same_blob(x->lims, y->lims, x->nlims * sizeof *x->lims);
		cr_assert_eq(x->lim_line, y->lim_line);
		cr_assert_eq(x->ngrants, y->ngrants);
		cr_assert_eq(x->nstor, y->nstor);
		cr_assert_eq(!x->stor, !y->stor);
		for (uint32_t i = 0; i < x->nstor; i++) {
			const cs_storage_alloc *a = &x->stor[i], *b = &y->stor[i];
			cr_assert_str_eq(a->tier, b->tier);
			cr_assert(a->node == b->node && a->tb == b->tb && a->line == b->line && a->col == b->col);
		}
		cs_accounts_free(x);
		cs_accounts_free(y);
		th_unlink(p);
	}
}

/* The command: a bad file is exit 2 with the position. */
Test(accounts, capsim_run_reports_a_bad_file_and_exits_2)
{
	char *acc = th_write_tmp("accounts:\n  - name: a\n    shares: -2\n", ".yaml");
	char *w = th_write_tmp("; MaxProcs: 2\n" SWF_JOB(1, 0, 10, 1, 10), ".swf");
	char *out, *err;
	const char *args[] = { "run", "--workload", w, "--policy", "multifactor", "--accounts", acc, NULL };
	int st = th_exec(args, &out, &err);
	cr_assert_eq(st, 2, "%s", err);
	char want[256];
	snprintf(want, sizeof want, "%s:3:13: accounts[0].shares: must be >= 0", acc);
	cr_assert(strstr(err, want), "%s", err);
	free(out);
	free(err);
	th_unlink(acc);
	th_unlink(w);
}

/* The hand-worked tree:
 *   s
 *   +- A (2)  +- a1 (1): x (1), y (3)
 *   |         +- a2 (1): z (1)
 *   +- B (1)  +- b1 (1): w (1)
 * Nodes in file order: s A a1 x y a2 z B b1 w = 0..9. */
static const char tree_yaml[] = "site: s\n"
				"accounts:\n"
				"  - name: A\n"
				"    shares: 2\n"
				"    accounts:\n"
				"      - name: a1\n"
				"        users: [{name: x}, {name: y, shares: 3}]\n"
				"      - name: a2\n"
				"        users: [{name: z}]\n"
				"  - name: B\n"
				"    accounts:\n"
				"      - name: b1\n"
				"        users: [{name: w}]\n";
enum { S, A, A1, X, Y, A2, Z, B, B1, W };

static void tree_of(const char *yaml, cs_account_tree *t)
{
	char err[CS_ERRLEN] = "";
	cs_accounts *a;
	cr_assert_eq(cs_accounts_load_text(&a, yaml, strlen(yaml), "t.yaml", err, sizeof err), 0, "%s", err);
	cs_account_names nm = { 0 };
	cs_account_stats st;
	cr_assert_eq(cs_accounts_bind(a, NULL, 0, &nm, t, &st, err, sizeof err), 0, "%s", err);
	cs_accounts_free(a);
}

#define NEAR(a, b) (fabs((a) - (b)) < 1e-12)

/* Shares by hand: level = shares / siblings' shares; norm = product down
 * the path: x = 2/3 x 1/2 x 1/4 = 1/12, y = 2/3 x 1/2 x 3/4 = 1/4,
 * z = 2/3 x 1/2 = 1/3, w = 1/3 x 1 x 1 = 1/3. */
Test(accounts, shares_are_normalised_down_the_tree)
{
	cs_account_tree t;
	tree_of(tree_yaml, &t);
	cr_assert_eq(t.nnodes, 10);
	cr_assert_eq(t.nusers, 4);
	const char *names[] = { "s", "A", "a1", "x", "y", "a2", "z", "B", "b1", "w" };
	const int parent[] = { -1, S, A, A1, A1, A, A2, S, B, B1 };
	for (int i = 0; i < 10; i++) {
		cr_assert_str_eq(t.name[i], names[i]);
		cr_assert_eq(t.parent[i], parent[i]);
	}
	cr_assert_eq(t.kind[X], CS_ACCT_USER);
	cr_assert_eq(t.kind[A1], CS_ACCT_ACCOUNT);
	const double level[] = { 1, 2.0 / 3, 0.5, 0.25, 0.75, 0.5, 1, 1.0 / 3, 1, 1 };
	const double norm[] = { 1, 2.0 / 3, 1.0 / 3, 1.0 / 12, 0.25, 1.0 / 3, 1.0 / 3, 1.0 / 3, 1.0 / 3, 1.0 / 3 };
	for (int i = 0; i < 10; i++) {
		cr_assert(NEAR(t.share_level[i], level[i]), "node %d level %g want %g", i, t.share_level[i], level[i]);
		cr_assert(NEAR(t.share_norm[i], norm[i]), "node %d norm %g want %g", i, t.share_norm[i], norm[i]);
	}
	/* children in node order */
	cr_assert_eq(t.child_off[A1 + 1] - t.child_off[A1], 2);
	cr_assert_eq(t.child[t.child_off[A1]], X);
	cr_assert_eq(t.child[t.child_off[A1] + 1], Y);
	cr_assert_eq(t.child_off[S + 1] - t.child_off[S], 2);
	cs_account_tree_free(&t);
}

static void factors(const cs_account_tree *t, const double usage[10], double out[10], double lfs[10])
{
	cs_fairtree *f;
	cr_assert_eq(cs_fairtree_new(&f, t), 0);
	for (int i = 0; i < 10; i++)
		out[i] = -1;
	cs_fairtree_compute(f, usage, out);
	/* a second compute from the sorted order gives the same */
	double again[10];
	cs_fairtree_compute(f, usage, again);
	for (int i = 0; i < 10; i++) {
		if (t->kind[i] == CS_ACCT_USER)
			cr_assert_eq(again[i], out[i]);
		if (lfs)
			lfs[i] = cs_fairtree_level_fs(f, (uint32_t)i);
	}
	cs_fairtree_free(f);
}

/* Usage x 10, y 10, z 40, w 15 (root 75). Level Fairshare = S / U:
 *   A = (2/3) / (60/75) = 0.8333, B = (1/3) / (15/75) = 1.6667: B first;
 *   b1 = 1 / 1; w ranks 4 -> 4/4 = 1.
 *   a1 = 0.5 / (20/60) = 1.5, a2 = 0.5 / (40/60) = 0.75: a1 first;
 *   y = 0.75 / (10/20) = 1.5, x = 0.25 / 0.5 = 0.5: y 3/4, x 2/4;
 *   z = 1 / 1: 1/4. */
Test(fairtree, factors_on_a_hand_worked_tree)
{
	cs_account_tree t;
	tree_of(tree_yaml, &t);
	double u[10] = { 0 }, f[10], l[10];
	u[X] = 10, u[Y] = 10, u[Z] = 40, u[W] = 15;
	factors(&t, u, f, l);
	cr_assert(NEAR(l[A], 2.0 / 3 / 0.8) && NEAR(l[B], 5.0 / 3) && NEAR(l[A1], 1.5) && NEAR(l[A2], 0.75) &&
		  NEAR(l[X], 0.5) && NEAR(l[Y], 1.5) && NEAR(l[Z], 1) && NEAR(l[W], 1));
	cr_assert_eq(f[W], 1.0);
	cr_assert_eq(f[Y], 0.75);
	cr_assert_eq(f[X], 0.5);
	cr_assert_eq(f[Z], 0.25);
	cr_assert_eq(f[A], -1, "only users get a factor");
	cs_account_tree_free(&t);
}

/* An update's usage is what the next computation starts from (a user's
 * sum; not that of the last full computation): w goes 15 -> 100 in an
 * update (B's Level Fairshare (1/3) / (100/160) = 0.53 falls below A's
 * (2/3) / (60/160) = 1.78: w ranks last, 1/4) and back to 15 in a full
 * computation, which must see w moved (B first again: w 4/4) although
 * its usage is the one of the computation before; an update listing w
 * twice takes it once (as multifactor lists a user whose job stopped and
 * who still runs another), and one listing it with its usage unmoved
 * changes nothing. */
Test(fairtree, a_computation_after_an_update_starts_from_its_usage)
{
	cs_account_tree t;
	tree_of(tree_yaml, &t);
	double u[10] = { 0 }, f[10], want[10];
	u[X] = 10, u[Y] = 10, u[Z] = 40, u[W] = 15;
	cs_fairtree *b;
	cr_assert_eq(cs_fairtree_new(&b, &t), 0);
	cs_fairtree_compute(b, u, f);
	cr_assert_eq(f[W], 1.0);
	const uint32_t w = W, twice[2] = { W, W };
	u[W] = 100;
	cs_fairtree_update(b, u, f, twice, 2);
	factors(&t, u, want, NULL);
	cr_assert_eq(want[W], 0.25);
	for (int i = 0; i < 10; i++)
		cr_assert(t.kind[i] != CS_ACCT_USER || f[i] == want[i], "node %d after the update: %g want %g", i, f[i],
			  want[i]);
	cs_fairtree_update(b, u, f, &w, 1); /* (listed, not moved) */
	for (int i = 0; i < 10; i++)
		cr_assert(t.kind[i] != CS_ACCT_USER || f[i] == want[i], "node %d listed unmoved: %g want %g", i, f[i],
			  want[i]);
	u[W] = 15;
	cs_fairtree_compute(b, u, f);
	factors(&t, u, want, NULL);
	cr_assert_eq(want[W], 1.0);
	for (int i = 0; i < 10; i++)
		cr_assert(t.kind[i] != CS_ACCT_USER || f[i] == want[i], "node %d computed again: %g want %g", i, f[i],
			  want[i]);
	cs_fairtree_free(b);
	cs_account_tree_free(&t);
}

/* No usage at all: every Level Fairshare is infinite, all tie: every user
 * ranks 4 -> 1. Usage x 10, y 30, z 40, w 0: B has none (infinite), so w
 * is 1; a1 = 0.5 / (40/80) = 1 ties a2 = 1: they are merged, and x =
 * 0.25 / (10/40) = 1, y = 0.75 / (30/40) = 1, z = 1 / 1 = 1 tie too: all
 * three share rank 3 -> 0.75. */
Test(fairtree, ties_share_a_rank_and_tied_accounts_are_merged)
{
	cs_account_tree t;
	tree_of(tree_yaml, &t);
	double u[10] = { 0 }, f[10], l[10];
	factors(&t, u, f, l);
	cr_assert(isinf(l[A]) && isinf(l[W]));
	cr_assert(f[X] == 1 && f[Y] == 1 && f[Z] == 1 && f[W] == 1);
	u[X] = 10, u[Y] = 30, u[Z] = 40;
	factors(&t, u, f, NULL);
	cr_assert_eq(f[W], 1.0);
	cr_assert_eq(f[X], 0.75);
	cr_assert_eq(f[Y], 0.75);
	cr_assert_eq(f[Z], 0.75);
	cs_account_tree_free(&t);
}

/* A user with shares 0 gets factor 0 whatever its usage; its sibling with
 * shares 2 takes all of the account's share. */
Test(fairtree, zero_shares_give_factor_zero)
{
	cs_account_tree t;
	tree_of("accounts:\n  - name: p\n    users: [{name: a, shares: 0}, {name: b, shares: 2}]\n"
		"  - name: q\n    users: [{name: c}]\n", &t);
	cr_assert_eq(t.nusers, 3);
	cr_assert(NEAR(t.share_level[3], 1.0) && t.share_norm[2] == 0);
	double u[6] = { 0, 0, 0, 0, 0, 0 }, f[6];
	cs_fairtree *ft;
	cr_assert_eq(cs_fairtree_new(&ft, &t), 0);
	u[3] = 10, u[5] = 10; /* b and c: Level Fairshare 1 and 1 for p and q */
	cs_fairtree_compute(ft, u, f);
	cr_assert_eq(f[2], 0);
	cr_assert(f[3] > 0 && f[5] > 0);
	cs_fairtree_free(ft);
	cs_account_tree_free(&t);
}

/* Binding: project p2 and user v are not in the file: p2 goes under the
 * root (shares 1, beside org), v under p1 (shares 1); the QoS factor is priority /
 * the largest (high 1000 -> 1, normal 250 -> 0.25, other -> 0). */
Test(accounts, binding_adds_unlisted_projects_and_users)
{
	const char *yaml = "accounts:\n  - name: org\n    accounts:\n      - name: p1\n        users: [{name: u, shares: 3}]\n"
			   "qos: [{name: high, priority: 1000}, {name: normal, priority: 250}]\n";
	char err[CS_ERRLEN] = "";
	cs_accounts *a;
	cr_assert_eq(cs_accounts_load_text(&a, yaml, strlen(yaml), "b.yaml", err, sizeof err), 0, "%s", err);
	cs_names pr = { 0 }, us = { 0 }, qs = { 0 };
	cs_names_intern(&pr, "p1", 2);
	cs_names_intern(&pr, "p2", 2);
	cs_names_intern(&us, "u", 1);
	cs_names_intern(&us, "v", 1);
	cs_names_intern(&qs, "high", 4);
	cs_names_intern(&qs, "normal", 6);
	cs_names_intern(&qs, "low", 3);
	cs_job jobs[5];
	memset(jobs, 0, sizeof jobs);
	jobs[0].group = 0, jobs[0].user = 0, jobs[0].queue = 0, jobs[0].partition = -1; /* p1 u high */
	jobs[1].group = 0, jobs[1].user = 1, jobs[1].queue = 1, jobs[1].partition = -1; /* p1 v normal */
	jobs[2].group = 1, jobs[2].user = 1, jobs[2].queue = 2, jobs[2].partition = -1; /* p2 v low */
	jobs[3].group = 1, jobs[3].user = 1, jobs[3].queue = -1, jobs[3].partition = -1;
	jobs[4].group = 0, jobs[4].user = 1, jobs[4].queue = 1, jobs[4].partition = -1; /* p1 v again */
	cs_account_names nm = { &pr, &us, &qs, NULL, 0 };
	cs_account_tree t;
	cs_account_stats st;
	cr_assert_eq(cs_accounts_bind(a, jobs, 5, &nm, &t, &st, err, sizeof err), 0, "%s", err);
	/* file: root org p1 u = 0..3; then p2 (4) under the root... in job order: v under p1 (4), p2 (5), v under p2 (6) */
	cr_assert_eq(t.nnodes, 7);
	cr_assert_eq(st.projects_added, 1);
	cr_assert_eq(st.users_added, 2);
	cr_assert_eq(st.users, 3);
	cr_assert_eq(t.job_user[0], 3);
	cr_assert_str_eq(t.name[t.job_user[1]], "v");
	cr_assert_eq(t.parent[t.job_user[1]], 2);
	cr_assert_str_eq(t.name[t.job_account[2]], "p2");
	cr_assert_eq(t.parent[t.job_account[2]], 0);
	cr_assert_eq(t.job_account[2], t.job_account[3]);
	cr_assert_eq(t.job_user[2], t.job_user[3]);
	cr_assert_neq(t.job_user[1], t.job_user[2], "v in p1 and v in p2 are two users");
	cr_assert_eq(t.job_user[4], t.job_user[1], "v back in p1 is p1's v");
	cr_assert_eq(t.job_account[4], t.job_account[0]);
	cr_assert_eq(t.job_qos[4], 0.25);
	/* org and the added p2 split the root: u = 1/2 x 1 x 3/4, v = 1/2 x 1/4 */
	cr_assert(NEAR(t.share_norm[3], 0.375) && NEAR(t.share_norm[t.job_user[1]], 0.125));
	cr_assert_eq(t.job_qos[0], 1.0);
	cr_assert_eq(t.job_qos[1], 0.25);
	cr_assert_eq(t.job_qos[2], 0.0);
	cr_assert_eq(st.jobs_qos_unlisted, 2);
	cs_account_tree_free(&t);
	cs_names_free(&pr);
	cs_names_free(&us);
	cs_names_free(&qs);
	cs_accounts_free(a);
}

/* ---- multifactor with an accounts file on the node model ----------------- */


/* Run a native CSV on a cluster with an accounts file and parameters
 * (k=v strings). */
static void run_csv(const char *cluster, const char *csv, const char *accounts, const char *const *params,
		    cs_run_result *r)
{
	char *y = th_write_tmp(cluster, ".yaml");
	char *w = th_write_tmp(csv, ".csv");
	char *acc = accounts ? th_write_tmp(accounts, ".yaml") : NULL;
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.workload = w;
	o.cluster = y;
	o.policy = "multifactor";
	o.accounts = acc;
	char kv[CS_MAX_PARAMS][64];
	th_params(&o, params, kv);
	char err[CS_ERRLEN] = "";
	int rc = cs_run(&o, r, err, sizeof err);
	th_unlink(w);
	th_unlink(y);
	th_unlink(acc);
	cr_assert_eq(rc, 0, "%s", err);
}

/* Saturated demand on 16 GPUs: every 1000 s the projects pa1, pa2, pb
 * submit per[0], per[1], per[2] one-GPU jobs of 1000 s (more than their
 * target share of 16, so each always has jobs waiting), from two users
 * each, for 400 periods. Returns each project's share of the GPU-seconds
 * delivered in the second half. */
static void delivered(const char *accounts, const int per[3], double got[3])
{
	size_t cap = 400 * (size_t)(per[0] + per[1] + per[2]) * 80 + 256;
	char *csv = malloc(cap);
	size_t k = (size_t)snprintf(csv, cap, TH_CSV_HDR);
	static const char *const proj[] = { "pa1", "pa2", "pb" };
	int id = 1;
	for (long p = 0; p < 400; p++)
		for (int g = 0; g < 3; g++)
			for (int i = 0; i < per[g]; i++)
				k += (size_t)snprintf(csv + k, cap - k, "%d,%s,%s-u%d,%ld,1,1,1,0,1000,1000,normal,gpu,completed\n",
						      id++, proj[g], proj[g], i % 2, p * 1000 + g);
	const char *const params[] = { "half_life=86400", NULL };
	cs_run_result r;
	run_csv(th_cluster16_yaml, csv, accounts, params, &r);
	double all = 0;
	got[0] = got[1] = got[2] = 0;
	for (size_t i = 0; i < r.njobs; i++) {
		const cs_job *j = &r.jobs[i];
		if (j->start_s < 200000 || j->start_s >= 400000)
			continue;
		const char *pn = cs_names_get(&r.trace->projects, j->group);
		int g = pn[1] == 'b' ? 2 : pn[2] == '1' ? 0 : 1;
		got[g] += (double)j->size * (double)j->runtime_s;
		all += (double)j->size * (double)j->runtime_s;
	}
	for (int g = 0; g < 3; g++)
		got[g] /= all;
	cs_run_result_free(&r);
	free(csv);
}

/* Organisations A : B = 2 : 1, A's projects pa1 : pa2 = 1 : 1: each
 * project's share of the machine is 1/3. Delivered (measured 0.335,
 * 0.330, 0.335): within 0.01 of 1/3 each. */
Test(fairshare, converges_to_the_tree_shares_two_to_one)
{
	double got[3];
	delivered("accounts:\n"
		  "  - {name: A, shares: 2, accounts: [{name: pa1}, {name: pa2}]}\n"
		  "  - {name: B, shares: 1, accounts: [{name: pb}]}\n", (const int[3]){ 6, 6, 6 }, got);
	for (int g = 0; g < 3; g++)
		cr_assert(fabs(got[g] - 1.0 / 3) < 0.01, "project %d got %.4f, want 1/3 +- 0.01 (%.4f %.4f %.4f)", g,
			  got[g], got[0], got[1], got[2]);
}

/* Organisations 1 : 1: pa1 and pa2 share A's half (1/4 each), pb has B's
 * half, where flat fair-share over projects gives 1/3 each. Demand 6, 6,
 * 10 jobs per period: above 4, 4, 8 and above 16/3 each. Measured: 0.250,
 * 0.250, 0.500 with the tree; 0.325, 0.329, 0.346 flat. */
Test(fairshare, the_tree_splits_an_organisations_share_among_its_projects)
{
	double got[3], flat[3];
	delivered("accounts:\n"
		  "  - {name: A, accounts: [{name: pa1}, {name: pa2}]}\n"
		  "  - {name: B, accounts: [{name: pb}]}\n", (const int[3]){ 6, 6, 10 }, got);
	cr_assert(fabs(got[0] - 0.25) < 0.01 && fabs(got[1] - 0.25) < 0.01 && fabs(got[2] - 0.5) < 0.01,
		  "got %.4f %.4f %.4f, want 0.25 0.25 0.5 +- 0.01", got[0], got[1], got[2]);
	delivered(NULL, (const int[3]){ 6, 6, 10 }, flat);
	for (int g = 0; g < 3; g++)
		cr_assert(fabs(flat[g] - 1.0 / 3) < 0.02, "flat: project %d got %.4f", g, flat[g]);
}

/* One node of 4 GPUs. A (normal) holds it
 * 0..1000; B (normal) arrives at 10, C (high) at 20, same user, each 4
 * GPUs for 100 s. QoS high 1000, normal 100: factors 1 and 0.1. With
 * weight_qos 10000, at 1000 B = 1000 x 990/604800 + fs + 1000 = fs +
 * 1001.64, C = 1000 x 980/604800 + fs + 10000 = fs + 10001.62: C runs at
 * 1000, B at 1100. Without the weight B, older, runs first. */
Test(fairshare, a_high_qos_job_overtakes_an_earlier_normal_one)
{
	const char *cl = "name: four\nsite: {pue: 1}\nnode_types:\n  - name: g\n    count: 1\n"
			 "    topology: \"pack:1 core:8 pu:1\"\n    memory_gib: 64\n    gpus: {model: H100, count: 4}\n"
			 "    power_w: {idle: 100, peak: 1000}\npartitions:\n  - {name: gpu, node_types: [g]}\n";
	const char *csv = TH_CSV_HDR "1,p,u,0,1,4,1,0,1000,1000,normal,gpu,completed\n"
			      "2,p,u,10,1,4,1,0,100,100,normal,gpu,completed\n"
			      "3,p,u,20,1,4,1,0,100,100,high,gpu,completed\n";
	const char *acc = "qos: [{name: high, priority: 1000}, {name: normal, priority: 100}]\n";
	const char *const with[] = { "weight_qos=10000", NULL };
	cs_run_result r;
	run_csv(cl, csv, acc, with, &r);
	cr_assert_eq(r.machine.gpus, 4);
	cr_assert_eq(th_start(&r, 3), 1000);
	cr_assert_eq(th_start(&r, 2), 1100);
	cs_run_result_free(&r);
	run_csv(cl, csv, acc, NULL, &r);
	cr_assert_eq(th_start(&r, 2), 1000);
	cr_assert_eq(th_start(&r, 3), 1100);
	cs_run_result_free(&r);
}

/* Usage is charged to a job's end and decays after it. One node of 4
 * GPUs; projects pa, pb, pc under the root, equal shares, each job 4
 * GPUs: pa runs 0..100, pb 200..290, pc 295..1000; pb's job 4 and pa's
 * job 5 arrive at 300 and wait for pc. At 1000, with half_life 100, pa's
 * usage is 4 x 100/ln 2 x (2^-9 - 2^-10) = 0.56 GPU-s against pb's 4 x
 * 100/ln 2 x (2^-7.1 - 2^-8) = 1.95: pa ranks first and job 5 runs at
 * 1000, job 4 at 1010. With no decay to speak of (half_life 10^9) pa's
 * 400 against pb's 360 puts job 4 first (also the older, on a tie). So
 * both ended jobs must be charged (to their ends) and the charges
 * decayed. The same with every pass charging (mf_charge_each_pass). */
Test(fairshare, a_jobs_usage_is_charged_to_its_end_and_decays_after)
{
	const char *cl = "name: four\nsite: {pue: 1}\nnode_types:\n  - name: g\n    count: 1\n"
			 "    topology: \"pack:1 core:8 pu:1\"\n    memory_gib: 64\n    gpus: {model: H100, count: 4}\n"
			 "    power_w: {idle: 100, peak: 1000}\npartitions:\n  - {name: gpu, node_types: [g]}\n";
	const char *csv = TH_CSV_HDR "1,pa,ua,0,1,4,1,0,100,100,normal,gpu,completed\n"
			      "2,pb,ub,200,1,4,1,0,90,90,normal,gpu,completed\n"
			      "3,pc,uc,295,1,4,1,0,705,705,normal,gpu,completed\n"
			      "4,pb,ub,300,1,4,1,0,10,10,normal,gpu,completed\n"
			      "5,pa,ua,300,1,4,1,0,10,10,normal,gpu,completed\n";
	const char *acc = "accounts: [{name: pa}, {name: pb}, {name: pc}]\n";
	const char *const decays[] = { "half_life=100", "calc_period=1", NULL };
	const char *const keeps[] = { "half_life=1000000000", "calc_period=1", NULL };
	for (int each = 0; each < 2; each++) {
		mf_charge_each_pass(each);
		cs_run_result r;
		run_csv(cl, csv, acc, decays, &r);
		cr_assert_eq(th_start(&r, 3), 295);
		cr_assert_eq(th_start(&r, 5), 1000, "each pass %d", each);
		cr_assert_eq(th_start(&r, 4), 1010, "each pass %d", each);
		cs_run_result_free(&r);
		run_csv(cl, csv, acc, keeps, &r);
		cr_assert_eq(th_start(&r, 4), 1000, "each pass %d", each);
		cr_assert_eq(th_start(&r, 5), 1010, "each pass %d", each);
		cs_run_result_free(&r);
		mf_charge_each_pass(0);
	}
}

/* A mixed workload for the GPU limits: projects q0..q3, jobs of 1, 2, 4
 * or 8 GPUs (8 = 2 nodes x 4), run times 100..3000 s, limits 1.5 x the
 * run time, arriving every 600 s for 3 days (a fixed LCG): about 60 % of
 * the 16 GPUs, 14.6 GPU-hours per project per 6 hours. */
static char *mixed_csv(void)
{
	size_t cap = 4000 * 96;
	char *csv = malloc(cap);
	size_t k = (size_t)snprintf(csv, cap, TH_CSV_HDR);
	uint64_t x = 12345;
	for (int i = 0; i < 432; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		int proj = (int)((x >> 33) % 4), gi = (int)((x >> 40) % 4);
		long run = 100 + (long)((x >> 20) % 2901);
		int nodes = gi == 3 ? 2 : 1, gpn = gi == 3 ? 4 : 1 << gi;
		k += (size_t)snprintf(csv + k, cap - k, "%d,q%d,u%d,%d,%d,%d,1,0,%ld,%ld,normal,gpu,completed\n", i + 1,
				      proj, (int)((x >> 50) % 3), i * 600, nodes, gpn, run * 3 / 2, run);
	}
	return csv;
}

static int col(const char *hdr, const char *name)
{
	int c = 0;
	for (const char *s = hdr; *s && *s != '\n'; c++) {
		size_t n = strcspn(s, ",\n");
		if (n == strlen(name) && strncmp(s, name, n) == 0)
			return c;
		s += n;
		if (*s == ',')
			s++;
	}
	cr_assert_fail("no column %s", name);
	return -1;
}

/* budget_gpu_hours=12 per 21600 s period, on the tree (limits count per
 * project): from jobs.csv, the GPU-hours (size x run time / 3600) of the
 * jobs each project started in a period never pass 12; the budget binds
 * (jobs wait with AssocGrpGRESMinutes, the GPU form of AssocGrpCPUMinutesLimit). */
Test(fairshare, gpu_hour_budgets_are_never_exceeded)
{
	char *csv = mixed_csv();
	char *y = th_write_tmp(th_cluster16_yaml, ".yaml");
	char *w = th_write_tmp(csv, ".csv");
	char *acc = th_write_tmp("accounts:\n  - {name: org, accounts: [{name: q0}, {name: q1}]}\n", ".yaml");
	char dir[] = "/tmp/capsim-fs-XXXXXX";
	th_mkdtemp(dir);
	char *out, *err;
	const char *args[] = { "run", "--workload", w, "--cluster", y, "--policy", "multifactor", "--accounts", acc,
			       "--policy-opt", "budget_gpu_hours=12", "--policy-opt", "budget_period=21600",
			       "--out", dir, NULL };
	int st = th_exec(args, &out, &err);
	cr_assert_eq(st, 0, "%s", err);
	char path[256];
	th_in(path, sizeof path, dir, "jobs.csv");
	char *jc = th_slurp(path, NULL);
	cr_assert(jc);
	int cs = col(jc, "start"), cr = col(jc, "runtime"), cz = col(jc, "gpus"), cp = col(jc, "project"),
	    cw = col(jc, "reason");
	enum { P = 64 };
	double used[P][4] = { { 0 } };
	int held = 0, rows = 0;
	for (char *line = strchr(jc, '\n') + 1; *line; rows++) {
		char *end = strchr(line, '\n');
		*end = '\0';
		char *f[40];
		th_csv_split(line, f, 40);
		long start = atol(f[cs]);
		held += strcmp(f[cw], "AssocGrpGRESMinutes") == 0;
		if (start >= 0) {
			int per = (int)(start / 21600), pj = f[cp][1] - '0';
			cr_assert(per < P && pj >= 0 && pj < 4);
			used[per][pj] += atof(f[cz]) * atof(f[cr]) / 3600.0;
		}
		line = end + 1;
	}
	cr_assert_eq(rows, 432);
	for (int p = 0; p < P; p++)
		for (int q = 0; q < 4; q++)
			cr_assert_leq(used[p][q], 12.0 + 1e-9, "project q%d used %.3f GPU-hours in period %d", q,
				      used[p][q], p);
	cr_assert_gt(held, 0, "the budget should bind");
	th_in(path, sizeof path, dir, "summary.json");
	char *sj = th_slurp(path, NULL);
	cr_assert(strstr(sj, "\"projects_added\": 2"), "q2 and q3 are not in the file");
	free(sj);
	free(jc);
	free(out);
	free(err);
	const char *files[] = { "jobs.csv", "summary.json", "batsim_jobs.csv" };
	for (int i = 0; i < 3; i++) {
		th_in(path, sizeof path, dir, files[i]);
		remove(path);
	}
	th_rm_rf(dir);
	th_unlink(acc);
	th_unlink(w);
	th_unlink(y);
	free(csv);
}

/* max_running_gpus=6 per project: the GPUs a project's running jobs hold
 * never pass 6 (checked at every start); jobs of more are rejected. The
 * reason is AssocGrpGRES. */
Test(fairshare, max_running_gpus_holds_per_project)
{
	char *csv = mixed_csv();
	const char *const params[] = { "max_running_gpus=6", NULL };
	cs_run_result r;
	run_csv(th_cluster16_yaml, csv, "accounts: [{name: q0}]\n", params, &r);
	size_t held = 0, rejected = 0;
	for (size_t i = 0; i < r.njobs; i++) {
		const cs_job *a = &r.jobs[i];
		if (a->flags & CS_JOB_REJECTED) {
			cr_assert_gt(a->size, 6);
			rejected++;
			continue;
		}
		long used = a->size;
		for (size_t j = 0; j < r.njobs; j++) {
			const cs_job *b = &r.jobs[j];
			if (j != i && !(b->flags & CS_JOB_REJECTED) && b->group == a->group && b->start_s <= a->start_s &&
			    b->end_s > a->start_s && (b->start_s < a->start_s || j < i))
				used += b->size;
		}
		cr_assert_leq(used, 6, "job %lld starts with its project at %ld GPUs", (long long)a->id, used);
		/* a GPU limit holds with Slurm's GPU reason, not AssocGrpCpuLimit */
		held += a->reason == CS_WAIT_GRES_LIMIT;
		cr_assert_neq(a->reason, CS_WAIT_CPU_LIMIT);
		if (a->flags & CS_JOB_REJECTED)
			cr_assert_eq(a->reason, CS_WAIT_GRES_LIMIT);
	}
	cr_assert_gt(held, 0);
	cr_assert_gt(rejected, 0, "8-GPU jobs are over the limit on their own");
	cs_run_result_free(&r);
	free(csv);
}

Test(fairshare, limit_aliases_conflict_with_the_old_names)
{
	const char *const both[] = { "max_running_gpus=4", "max_running_procs=4", NULL };
	const char *const bud[] = { "budget_gpu_hours=4", "budget_procsec=4", NULL };
	const char *const sh[] = { "shares=1:2", NULL };
	const char *const *cases[] = { both, bud, sh };
	const char *want[] = { "max_running_gpus and max_running_procs", "budget_gpu_hours and budget_procsec",
			       "with an accounts file the shares are the file's" };
	for (int c = 0; c < 3; c++) {
		char *y = th_write_tmp(th_cluster16_yaml, ".yaml");
		char *w = th_write_tmp(TH_CSV_HDR "1,p,u,0,1,1,1,0,10,10,normal,gpu,completed\n", ".csv");
		char *acc = th_write_tmp("accounts: [{name: p}]\n", ".yaml");
		cs_run_opts o;
		cs_run_opts_default(&o);
		o.workload = w;
		o.cluster = y;
		o.accounts = acc;
		o.policy = "multifactor";
		static char kv[CS_MAX_PARAMS][64];
		th_params(&o, cases[c], kv);
		cs_run_result r;
		char err[CS_ERRLEN] = "";
		cr_assert_eq(cs_run(&o, &r, err, sizeof err), -CS_EINVAL);
		cr_assert(strstr(err, want[c]), "%s", err);
		th_unlink(acc);
		th_unlink(w);
		th_unlink(y);
	}
}

/* On an SWF replay (pooled) the projects are gN: the existing saturated
 * test of test_multifactor.c with groups 1 and 2 in organisation A and 3
 * in B (1 : 1): 1/4, 1/4, 1/2. */
Test(fairshare, swf_groups_in_a_tree)
{
	size_t cap = 400 * 16 * 96 + 64;
	char *t = malloc(cap);
	size_t k = (size_t)snprintf(t, cap, "; MaxProcs: 10\n");
	int id = 1;
	for (long p = 0; p < 400; p++)
		for (int g = 1; g <= 3; g++)
			for (int i = 0; i < 5; i++)
				k += (size_t)snprintf(t + k, cap - k, "%d %ld -1 1000 1 -1 -1 1 1000 -1 1 %d %d -1 -1 -1 -1 -1\n",
						      id++, p * 1000 + g, 100 + g, g);
	char *acc = th_write_tmp("accounts:\n  - {name: A, accounts: [{name: g1}, {name: g2}]}\n"
				 "  - {name: B, accounts: [{name: g3}]}\n", ".yaml");
	cs_run_opts o;
	cs_run_opts_default(&o);
	o.policy = "multifactor";
	o.accounts = acc;
	o.keys[0] = "half_life";
	o.vals[0] = "86400";
	o.nparams = 1;
	cs_run_result r;
	th_run_text(t, &o, &r);
	double got[4] = { 0 }, all = 0;
	for (size_t i = 0; i < r.njobs; i++) {
		const cs_job *j = &r.jobs[i];
		if (j->start_s >= 200000 && j->start_s < 400000) {
			got[j->group] += (double)j->size * (double)j->runtime_s;
			all += (double)j->size * (double)j->runtime_s;
		}
	}
	const double want[4] = { 0, 0.25, 0.25, 0.5 };
	for (int g = 1; g <= 3; g++)
		cr_assert(fabs(got[g] / all - want[g]) < 0.01, "group %d got %.4f, want %.2f", g, got[g] / all, want[g]);
	cr_assert_eq(r.acct.projects_added, 0);
	cr_assert_eq(r.acct.users_added, 3);
	cs_run_result_free(&r);
	th_unlink(acc);
	free(t);
}

static uint32_t node_named(const cs_account_tree *t, const char *name)
{
	for (uint32_t i = 0; i < t->nnodes; i++)
		if (strcmp(t->name[i], name) == 0)
			return i;
	cr_assert_fail("no node %s", name);
	return 0;
}

/* An account ranked inside a merged run, then alone with its usage
 * unchanged: the ranks below it must be worked out again (they were
 * relative to the merged list). Tree: a -> a1 -> users x, y; b -> user z.
 * No usage: a and b tie (infinite) and are merged; their children a1 and
 * z tie too, z a user so first: z rank 3, then a1 with x and y sharing
 * rank 2: z 3/3, x and y 2/3. Then z gets usage: b is finite, a (still
 * infinite, unchanged) ranks first alone: x and y 3/3, z 1/3. */
Test(fairtree, an_account_merged_then_alone_is_ranked_again)
{
	cs_account_tree t;
	tree_of("accounts:\n  - name: a\n    accounts:\n      - name: a1\n        users: [{name: x}, {name: y}]\n"
		"  - name: b\n    users: [{name: z}]\n", &t);
	uint32_t x = node_named(&t, "x"), y = node_named(&t, "y"), z = node_named(&t, "z");
	double u[16] = { 0 }, f[16];
	cr_assert_leq(t.nnodes, 16);
	cs_fairtree *ft;
	cr_assert_eq(cs_fairtree_new(&ft, &t), 0);
	cs_fairtree_compute(ft, u, f);
	cr_assert(f[z] == 1 && f[x] == 2.0 / 3 && f[y] == 2.0 / 3, "z %g x %g y %g", f[z], f[x], f[y]);
	u[z] = 5;
	uint32_t changed[] = { z };
	cs_fairtree_update(ft, u, NULL, changed, 1);
	cr_assert(cs_fairtree_factor(ft, x) == 1 && cs_fairtree_factor(ft, y) == 1 &&
		  cs_fairtree_factor(ft, z) == 1.0 / 3, "x %g y %g z %g", cs_fairtree_factor(ft, x),
		  cs_fairtree_factor(ft, y), cs_fairtree_factor(ft, z));
	cs_fairtree_free(ft);
	cs_account_tree_free(&t);
}

/* relocate's spans: account g's users p, q, a, b, c (usage 0.5, 0.6, 1,
 * 2, 3: in that order). Then p 0.7 and b 3: p moves behind q (the span
 * of places 0-1, so the list is relocated) while b stays alone between a
 * and c (a span of its own) and now ties c: its ties are worked out
 * there, and b and c share a rank as in the full computation. */
Test(fairtree, a_child_that_stays_beside_a_relocation_gets_its_ties)
{
	cs_account_tree t;
	tree_of("accounts:\n  - name: g\n    users: [{name: p}, {name: q}, {name: a}, {name: b}, {name: c}]\n", &t);
	uint32_t p = node_named(&t, "p"), q = node_named(&t, "q"), a = node_named(&t, "a"), b = node_named(&t, "b"),
		 c = node_named(&t, "c");
	double u[16] = { 0 }, f[16], full[16];
	cr_assert_leq(t.nnodes, 16);
	cs_fairtree *ft, *ref;
	cr_assert_eq(cs_fairtree_new(&ft, &t), 0);
	cr_assert_eq(cs_fairtree_new(&ref, &t), 0);
	u[p] = 0.5;
	u[q] = 0.6;
	u[a] = 1;
	u[b] = 2;
	u[c] = 3;
	cs_fairtree_compute(ft, u, f);
	u[p] = 0.7;
	u[b] = 3;
	uint32_t changed[] = { p, b };
	cs_fairtree_update(ft, u, f, changed, 2);
	cs_fairtree_compute(ref, u, full);
	uint32_t all[] = { p, q, a, b, c };
	for (size_t k = 0; k < 5; k++)
		cr_assert(f[all[k]] == full[all[k]], "user %zu: %g vs %g", k, f[all[k]], full[all[k]]);
	cr_assert(f[b] == f[c] && f[q] == 1, "b %g c %g q %g", f[b], f[c], f[q]);
	cs_fairtree_free(ft);
	cs_fairtree_free(ref);
	cs_account_tree_free(&t);
}

/* A dirty child that stays alone, in no span, keeps its before only when
 * it ties none, before or after the update, and is visited again if an
 * account. Account g's children: users p, q, a, b, c, e (usage 0.5, 0.6,
 * 1, 1, 3, 8: a and b tie, sharing a rank) and account k with users k1,
 * k2 (2.5 each: k 5, between c and e); e 9 in an update (g visited
 * alone). Then p 0.7 (it moves behind q: the list is relocated) and b 2:
 * b stays between a and c, no longer tied, its before one user more.
 * Then p 0.5 (ahead of q again) and k2 2: k (4.5) stays between c and e,
 * in no span, its before as it was, and below it k2 passes k1. The
 * factors must be the full computation's. */
Test(fairtree, a_child_that_stays_in_no_span_keeps_its_before_only_untied)
{
	cs_account_tree t;
	tree_of("accounts:\n  - name: g\n    users: [{name: p}, {name: q}, {name: a}, {name: b}, {name: c}, "
		"{name: e}]\n    accounts:\n      - name: k\n        users: [{name: k1}, {name: k2}]\n",
		&t);
	uint32_t all[] = { node_named(&t, "p"), node_named(&t, "q"), node_named(&t, "a"), node_named(&t, "b"),
			   node_named(&t, "c"), node_named(&t, "e"), node_named(&t, "k1"), node_named(&t, "k2") };
	double u[16] = { 0 }, f[16], full[16];
	cr_assert_leq(t.nnodes, 16);
	cs_fairtree *ft, *ref;
	cr_assert_eq(cs_fairtree_new(&ft, &t), 0);
	cr_assert_eq(cs_fairtree_new(&ref, &t), 0);
	const double before[] = { 0.5, 0.6, 1, 1, 3, 8, 2.5, 2.5 };
	for (size_t k = 0; k < 8; k++)
		u[all[k]] = before[k];
	cs_fairtree_compute(ft, u, f);
	u[all[5]] = 9;
	uint32_t first[] = { all[5] }, second[] = { all[0], all[3] }, third[] = { all[0], all[7] };
	cs_fairtree_update(ft, u, f, first, 1);
	cr_assert(f[all[2]] == f[all[3]], "a %g b %g", f[all[2]], f[all[3]]);
	u[all[0]] = 0.7;
	u[all[3]] = 2;
	cs_fairtree_update(ft, u, f, second, 2);
	cs_fairtree_compute(ref, u, full);
	for (size_t k = 0; k < 8; k++)
		cr_assert(f[all[k]] == full[all[k]], "user %zu: %g vs %g", k, f[all[k]], full[all[k]]);
	cr_assert(f[all[2]] > f[all[3]], "a %g b %g", f[all[2]], f[all[3]]);
	u[all[0]] = 0.5;
	u[all[7]] = 2;
	cs_fairtree_update(ft, u, f, third, 2);
	cs_fairtree_compute(ref, u, full);
	for (size_t k = 0; k < 8; k++)
		cr_assert(f[all[k]] == full[all[k]], "user %zu: %g vs %g", k, f[all[k]], full[all[k]]);
	cr_assert(f[all[7]] > f[all[6]], "k1 %g k2 %g", f[all[6]], f[all[7]]);
	cs_fairtree_free(ft);
	cs_fairtree_free(ref);
	cs_account_tree_free(&t);
}

/* A run of neighbouring dirty children in order with each other and
 * their neighbours stays in a relocation; it is a span when a tie among
 * them moved, else no span. Account g's users p, q, r, a, b, c, e
 * (usage 0.5, 0.6, 0.8, 1, 1, 4, 20: a and b tie, sharing a rank) and
 * accounts k (k1 2.5, k2 2.6: 5.1) and m (m1 3, m2 3.1: 6.1), between c
 * and e. Then p 0.7 (it moves behind q: the list is relocated), a 1.5
 * and b 2: a and b stay, no longer tied, b's before one user more. Then
 * p 0.5 (ahead of q again), k2 2.4 and m1 3.2: k and m stay, untied, in
 * no span, and below each the second user passes the first (both
 * visited again). The factors must be the full computation's. */
Test(fairtree, a_run_of_dirty_children_in_order_stays_with_its_ties)
{
	cs_account_tree t;
	tree_of("accounts:\n  - name: g\n    users: [{name: p}, {name: q}, {name: r}, {name: a}, {name: b}, "
		"{name: c}, {name: e}]\n    accounts:\n      - name: k\n        users: [{name: k1}, {name: k2}]\n"
		"      - name: m\n        users: [{name: m1}, {name: m2}]\n",
		&t);
	const char *names[] = { "p", "q", "r", "a", "b", "c", "e", "k1", "k2", "m1", "m2" };
	uint32_t all[11];
	for (size_t k = 0; k < 11; k++)
		all[k] = node_named(&t, names[k]);
	double u[32] = { 0 }, f[32], full[32];
	cr_assert_leq(t.nnodes, 32);
	cs_fairtree *ft, *ref;
	cr_assert_eq(cs_fairtree_new(&ft, &t), 0);
	cr_assert_eq(cs_fairtree_new(&ref, &t), 0);
	const double before[] = { 0.5, 0.6, 0.8, 1, 1, 4, 20, 2.5, 2.6, 3, 3.1 };
	for (size_t k = 0; k < 11; k++)
		u[all[k]] = before[k];
	cs_fairtree_compute(ft, u, f);
	cr_assert(f[all[3]] == f[all[4]], "a %g b %g", f[all[3]], f[all[4]]);
	u[all[0]] = 0.7;
	u[all[3]] = 1.5;
	u[all[4]] = 2;
	uint32_t first[] = { all[0], all[3], all[4] }, second[] = { all[0], all[8], all[9] };
	cs_fairtree_update(ft, u, f, first, 3);
	cs_fairtree_compute(ref, u, full);
	for (size_t k = 0; k < 11; k++)
		cr_assert(f[all[k]] == full[all[k]], "user %s: %g vs %g", names[k], f[all[k]], full[all[k]]);
	cr_assert(f[all[3]] > f[all[4]], "a %g b %g", f[all[3]], f[all[4]]);
	u[all[0]] = 0.5;
	u[all[8]] = 2.4;
	u[all[9]] = 3.2;
	cs_fairtree_update(ft, u, f, second, 3);
	cs_fairtree_compute(ref, u, full);
	for (size_t k = 0; k < 11; k++)
		cr_assert(f[all[k]] == full[all[k]], "user %s: %g vs %g", names[k], f[all[k]], full[all[k]]);
	cr_assert(f[all[8]] > f[all[7]] && f[all[10]] > f[all[9]], "k2 %g k1 %g m2 %g m1 %g", f[all[8]], f[all[7]],
		  f[all[10]], f[all[9]]);
	cs_fairtree_free(ft);
	cs_fairtree_free(ref);
	cs_account_tree_free(&t);
}

/* relocate's spans visited apart only where no tie crosses an end, before
 * or after: account g's users c, w, b, y, v, e (usage 2, 3, 3, 4, 5, 6: w
 * and b tie, sharing a rank). Then w 1 and y 5.5: w moves ahead of c (the
 * span of places 0-1) and y behind v (places 3-4), b alone between them,
 * its before still the rank it shared with w. Were the spans visited
 * apart (the first one's end tie w-b before the update not counted), the
 * second would count the users ahead of it from b's before, one short;
 * the factors must be the full computation's. */
Test(fairtree, spans_apart_only_where_no_tie_crosses_an_end)
{
	cs_account_tree t;
	tree_of("accounts:\n  - name: g\n    users: [{name: c}, {name: w}, {name: b}, {name: y}, {name: v}, "
		"{name: e}]\n",
		&t);
	uint32_t all[] = { node_named(&t, "c"), node_named(&t, "w"), node_named(&t, "b"),
			   node_named(&t, "y"), node_named(&t, "v"), node_named(&t, "e") };
	double u[16] = { 0 }, f[16], full[16];
	cr_assert_leq(t.nnodes, 16);
	cs_fairtree *ft, *ref;
	cr_assert_eq(cs_fairtree_new(&ft, &t), 0);
	cr_assert_eq(cs_fairtree_new(&ref, &t), 0);
	const double before[] = { 2, 3, 3, 4, 5, 6 };
	for (size_t k = 0; k < 6; k++)
		u[all[k]] = before[k];
	cs_fairtree_compute(ft, u, f);
	u[all[1]] = 1;
	u[all[3]] = 5.5;
	uint32_t changed[] = { all[1], all[3] };
	cs_fairtree_update(ft, u, f, changed, 2);
	cs_fairtree_compute(ref, u, full);
	for (size_t k = 0; k < 6; k++)
		cr_assert(f[all[k]] == full[all[k]], "user %zu: %g vs %g", k, f[all[k]], full[all[k]]);
	cr_assert(f[all[4]] == 3.0 / 6, "v %g", f[all[4]]);
	cs_fairtree_free(ft);
	cs_fairtree_free(ref);
	cs_account_tree_free(&t);
}

/* Usage a few ulps apart: account g's eight users (shares 1) hold usage
 * within three units in the last place of 1000 (their q's closer than
 * order_holds' margin, so the order and ties of neighbours come from their
 * Level Fairshares, whose rounding depends on g's usage: equal ones tie
 * under one sum and not under another), or equal to another's, or far
 * apart; a user of account h moves the root's usage. Each step moves a
 * few users; the factors must be the full computation's, and so must
 * those of an update read one user at a time. */
Test(fairtree, usage_a_few_ulps_apart_ranks_as_the_full_computation)
{
	cs_account_tree t;
	tree_of("accounts:\n  - name: g\n    users: [{name: a}, {name: b}, {name: c}, {name: d}, {name: e}, "
		"{name: f}, {name: k}, {name: l}]\n  - name: h\n    users: [{name: z}]\n",
		&t);
	const char *names[] = { "a", "b", "c", "d", "e", "f", "k", "l", "z" };
	uint32_t us[9];
	for (size_t i = 0; i < 9; i++)
		us[i] = node_named(&t, names[i]);
	double u[32] = { 0 }, f[32], full[32];
	cr_assert_leq(t.nnodes, 32);
	cs_fairtree *ft, *one, *ref;
	cr_assert_eq(cs_fairtree_new(&ft, &t), 0);
	cr_assert_eq(cs_fairtree_new(&one, &t), 0);
	cr_assert_eq(cs_fairtree_new(&ref, &t), 0);
	for (size_t i = 0; i < 9; i++)
		u[us[i]] = 1000 + (double)i;
	cs_fairtree_compute(ft, u, f);
	cs_fairtree_compute(one, u, f);
	unsigned long long r = 11;
#define RND(n) (r ^= r << 13, r ^= r >> 7, r ^= r << 17, (uint32_t)(r % (n)))
	for (int step = 0; step < 3000; step++) {
		uint32_t changed[4];
		size_t nc = 0;
		for (uint32_t k = 1 + RND(3); k > 0; k--) {
			uint32_t i = RND(9), x = us[i];
			uint32_t how = RND(8);
			if (how < 5)
				u[x] = 1000 + ((double)RND(7) - 3) * 0x1p-43; /* (the ulp of 1000) */
			else if (how < 7)
				u[x] = u[us[RND(9)]];
			else
				u[x] = 900 + RND(200);
			changed[nc++] = x;
		}
		cs_fairtree_update(ft, u, f, changed, nc);
		cs_fairtree_update(one, u, NULL, changed, nc);
		cs_fairtree_compute(ref, u, full);
		for (size_t i = 0; i < 9; i++) {
			uint32_t x = us[i];
			cr_assert(f[x] == full[x], "step %d user %s: %.17g vs %.17g", step, names[i], f[x], full[x]);
			if (RND(3) == 0) {
				double late = cs_fairtree_factor(one, x);
				cr_assert(late == full[x], "step %d user %s read alone: %.17g vs %.17g", step, names[i],
					  late, full[x]);
			}
		}
	}
#undef RND
	cs_fairtree_free(ft);
	cs_fairtree_free(one);
	cs_fairtree_free(ref);
	cs_account_tree_free(&t);
}

/* A dirty child stays in its place (relocate does not move it) only
 * between unchanged neighbours it is still in order with and whose
 * orders hold (q's more than 2^-40 apart): account g's twelve users, usage
 * far apart (100 times a slot, plus half the user's index: never equal).
 * A step sets a user x's usage an ulp or two below that of the next in
 * order, R (in order, but too close to hold: their tie and order come
 * from Level Fairshares whose rounding moves with g's usage), while
 * another user moves far (the list is relocated); the pair is left so
 * for a few steps in which others move, then x goes far again. Were x
 * kept in place with the pair not counted among those that do not hold,
 * a later update would keep x and R's order and tie when g's usage moves
 * them; the factors must be the full computation's. */
Test(fairtree, a_dirty_child_stays_only_beside_orders_that_hold)
{
	cs_account_tree t;
	tree_of("accounts:\n  - name: g\n    users: [{name: a}, {name: b}, {name: c}, {name: d}, {name: e}, "
		"{name: f}, {name: k}, {name: l}, {name: m}, {name: n}, {name: o}, {name: p}]\n",
		&t);
	const char *names[] = { "a", "b", "c", "d", "e", "f", "k", "l", "m", "n", "o", "p" };
	enum { NU = 12 };
	uint32_t us[NU];
	for (size_t i = 0; i < NU; i++)
		us[i] = node_named(&t, names[i]);
	double u[32] = { 0 }, f[32], full[32];
	cr_assert_leq(t.nnodes, 32);
	cs_fairtree *ft, *ref;
	cr_assert_eq(cs_fairtree_new(&ft, &t), 0);
	cr_assert_eq(cs_fairtree_new(&ref, &t), 0);
	unsigned long long r = 5;
#define RND(n) (r ^= r << 13, r ^= r >> 7, r ^= r << 17, (uint32_t)(r % (n)))
#define FAR(i) (100 * (double)(1 + RND(60)) + 0.5 * (double)(i))
	for (size_t i = 0; i < NU; i++)
		u[us[i]] = FAR(i);
	cs_fairtree_compute(ft, u, f);
	size_t cx = NU, cr = NU; /* the close pair, x (index) and the next in order */
	for (int step = 0; step < 4000; step++) {
		uint32_t changed[3];
		size_t nc = 0;
		if (cx < NU && RND(3) == 0) {
			u[us[cx]] = FAR(cx);
			changed[nc++] = us[cx];
			cx = cr = NU;
		} else if (cx == NU) {
			size_t i = RND(NU);
			uint32_t x = us[i];
			for (size_t j = 0; j < NU; j++) /* the next in order: usage up */
				if (u[us[j]] > u[x] && (cr == NU || u[us[j]] < u[us[cr]]))
					cr = j;
			if (cr < NU) {
				cx = i;
				u[x] = nextafter(u[us[cr]], 0);
				if (RND(2))
					u[x] = nextafter(u[x], 0);
				changed[nc++] = x;
			}
		}
		size_t i = RND(NU);
		if (i != cx && i != cr) {
			u[us[i]] = FAR(i);
			changed[nc++] = us[i];
		}
		cs_fairtree_update(ft, u, f, changed, nc);
		cs_fairtree_compute(ref, u, full);
		for (size_t k = 0; k < NU; k++)
			cr_assert(f[us[k]] == full[us[k]], "step %d user %s: %.17g vs %.17g", step, names[k], f[us[k]],
				  full[us[k]]);
	}
#undef FAR
#undef RND
	cs_fairtree_free(ft);
	cs_fairtree_free(ref);
	cs_account_tree_free(&t);
}

/* relocate over a list longer than a word of its bitmaps: account g's 300
 * users (usage apart, never equal) under a root with one more account;
 * each step moves a few users far (across many places, some past 64 or
 * 128 of them), nudges some by a little (they stay or pass a neighbour)
 * and now and then sets one equal to another's (a tie: the list is
 * sorted whole until one of them moves). The factors must be the full
 * computation's. */
/* Two updates between reads, a child's usage moved one way and then a
 * little back: refresh_children's check passes over a place next to it
 * (its tie kept) only when the two q's there are still apart now, whatever
 * they were at either update. Tree: six organisations of two users each
 * under the root, usage far apart; each round one user jumps (its
 * organisation too) and then goes back part of the way, with a few others
 * changed, read after the second update only. Failed when the check
 * passed over a place from the q a child had at an update. */
Test(fairtree, a_child_moved_twice_between_reads_is_checked_from_its_first_q)
{
	cs_account_tree t;
	tree_of("accounts:\n"
		"  - {name: o1, users: [{name: a}, {name: b}]}\n"
		"  - {name: o2, users: [{name: c}, {name: d}]}\n"
		"  - {name: o3, users: [{name: e}, {name: g}]}\n"
		"  - {name: o4, users: [{name: h}, {name: i}]}\n"
		"  - {name: o5, users: [{name: j}, {name: k}]}\n"
		"  - {name: o6, users: [{name: l}, {name: m}]}\n",
		&t);
	const char *names[] = { "a", "b", "c", "d", "e", "g", "h", "i", "j", "k", "l", "m" };
	enum { NU = 12 };
	uint32_t us[NU];
	for (size_t i = 0; i < NU; i++)
		us[i] = node_named(&t, names[i]);
	double u[32] = { 0 }, full[32];
	cr_assert_leq(t.nnodes, 32);
	cs_fairtree *ft, *ref;
	cr_assert_eq(cs_fairtree_new(&ft, &t), 0);
	cr_assert_eq(cs_fairtree_new(&ref, &t), 0);
	unsigned long long r = 11;
#define RND(n) (r ^= r << 13, r ^= r >> 7, r ^= r << 17, (uint32_t)(r % (n)))
	for (size_t i = 0; i < NU; i++)
		u[us[i]] = 100 * (double)(1 + RND(50));
	cs_fairtree_compute(ft, u, full);
	for (int round = 0; round < 3000; round++) {
		uint32_t changed[4];
		size_t x = RND(NU);
		double was = u[us[x]], to = 100 * (double)(1 + RND(50));
		u[us[x]] = to;
		changed[0] = us[x];
		cs_fairtree_update(ft, u, NULL, changed, 1);
		size_t nc = 0;
		u[us[x]] = to + (was - to) * (double)(1 + RND(3)) / 8; /* part of the way back */
		changed[nc++] = us[x];
		for (uint32_t k = RND(3); k > 0; k--) {
			size_t y = RND(NU);
			u[us[y]] += 1 + RND(200);
			changed[nc++] = us[y];
		}
		cs_fairtree_update(ft, u, NULL, changed, nc);
		cs_fairtree_compute(ref, u, full);
		for (size_t k = 0; k < NU; k++) {
			double got = cs_fairtree_factor(ft, us[k]);
			cr_assert(got == full[us[k]], "round %d user %s: %.17g vs %.17g", round, names[k], got,
				  full[us[k]]);
		}
	}
#undef RND
	cs_fairtree_free(ft);
	cs_fairtree_free(ref);
	cs_account_tree_free(&t);
}

/* A list put in order by sort_children (an update whose usage is out of
 * fast_ok's range: the root's usage above 2^900), then by an update in
 * range again: the dirty child's q0 must be the q that sort worked its
 * ties out with. Tree: g -> users l, r, x; h -> user d. Usage l 10, r
 * 60, x 100 (order l r x); then d 2^950 and x 50 (sorted: l x r, x apart
 * ahead of r); then d 1 and x 70: x falls behind r again, which a q0 left
 * at x's q of 100 would miss (70 is above it in q: its place behind
 * taken as standing). */
Test(fairtree, a_sort_out_of_range_leaves_each_child_its_q)
{
	cs_account_tree t;
	tree_of("accounts:\n"
		"  - {name: g, users: [{name: l}, {name: r}, {name: x}]}\n"
		"  - {name: h, users: [{name: d}]}\n",
		&t);
	uint32_t l = node_named(&t, "l"), r = node_named(&t, "r"), x = node_named(&t, "x"), d = node_named(&t, "d");
	double u[16] = { 0 }, f[16], full[16];
	cr_assert_leq(t.nnodes, 16);
	cs_fairtree *ft, *ref;
	cr_assert_eq(cs_fairtree_new(&ft, &t), 0);
	cr_assert_eq(cs_fairtree_new(&ref, &t), 0);
	u[l] = 10;
	u[r] = 60;
	u[x] = 100;
	u[d] = 1;
	cs_fairtree_compute(ft, u, f);
	const double ux[2] = { 50, 70 }, ud[2] = { 0x1p950, 1 };
	for (int step = 0; step < 2; step++) {
		uint32_t changed[2] = { x, d };
		u[x] = ux[step];
		u[d] = ud[step];
		cs_fairtree_update(ft, u, f, changed, 2);
		cs_fairtree_compute(ref, u, full);
		const uint32_t us[4] = { l, r, x, d };
		for (int k = 0; k < 4; k++)
			cr_assert(f[us[k]] == full[us[k]], "step %d user %u: %.17g vs %.17g", step, us[k], f[us[k]],
				  full[us[k]]);
	}
	cs_fairtree_free(ft);
	cs_fairtree_free(ref);
	cs_account_tree_free(&t);
}

/* The tree of the next two tests: g -> users l, x, r; h -> user d (us[],
 * in that order), with usage u: l 10, x 20, r 30, d 5 computed in ft;
 * ref for the full computations (into full). */
struct lxrd {
	cs_account_tree t;
	uint32_t us[4];
	double u[16], full[16];
	cs_fairtree *ft, *ref;
};

static void lxrd_open(struct lxrd *x)
{
	tree_of("accounts:\n"
		"  - {name: g, users: [{name: l}, {name: x}, {name: r}]}\n"
		"  - {name: h, users: [{name: d}]}\n",
		&x->t);
	cr_assert_leq(x->t.nnodes, 16);
	static const char *const names[4] = { "l", "x", "r", "d" };
	static const double start[4] = { 10, 20, 30, 5 };
	for (int k = 0; k < 16; k++)
		x->u[k] = 0;
	for (int k = 0; k < 4; k++) {
		x->us[k] = node_named(&x->t, names[k]);
		x->u[x->us[k]] = start[k];
	}
	cr_assert_eq(cs_fairtree_new(&x->ft, &x->t), 0);
	cr_assert_eq(cs_fairtree_new(&x->ref, &x->t), 0);
	cs_fairtree_compute(x->ft, x->u, NULL);
}

static void lxrd_close(struct lxrd *x)
{
	cs_fairtree_free(x->ft);
	cs_fairtree_free(x->ref);
	cs_account_tree_free(&x->t);
}

/* After an update (changed, n) of x->u: every user's factor read from
 * x->ft is the full computation's (into x->full), to the bit. */
static void update_as_full(struct lxrd *x, const uint32_t *changed, size_t n, int step)
{
	cs_fairtree_update(x->ft, x->u, NULL, changed, n);
	cs_fairtree_compute(x->ref, x->u, x->full);
	for (int k = 0; k < 4; k++) {
		double got = cs_fairtree_factor(x->ft, x->us[k]);
		cr_assert(got == x->full[x->us[k]], "step %d user %u: %.17g vs %.17g", step, x->us[k], got,
			  x->full[x->us[k]]);
	}
}

/* An update leaves a dirty child's q to the refresh that orders it (only
 * the accounts a read settles need one): a dirty child compared with a
 * dirty neighbour its parent's list comes to later works that one's q
 * out first. Tree lxrd's: usage l 10, x 20, r 30 (order l x r); then l
 * 25 and x 22, listed l then x: the list takes x first, and l, read with
 * the q of its old 10, would look still ahead of it (the order kept, l
 * ranked ahead of x though it used more). */
Test(fairtree, a_dirty_neighbour_is_compared_with_its_new_q)
{
	struct lxrd x;
	lxrd_open(&x);
	const uint32_t l = x.us[0], xu = x.us[1];
	cr_assert(cs_fairtree_factor(x.ft, l) > cs_fairtree_factor(x.ft, xu));
	x.u[l] = 25;
	x.u[xu] = 22;
	update_as_full(&x, (const uint32_t[]){ l, xu }, 2, 0);
	cr_assert(x.full[xu] > x.full[l]);
	lxrd_close(&x);
}

/* The same when an update's usage is out of fast_ok's range: the dirty
 * children's q's are worked out before sort_children, whose ties and
 * the later updates' comparisons read them. Tree lxrd's. Usage l 10, x
 * 20, r 30; then x 40 and d 2^950 (sorted: l r x); then d 1 and r 35: r,
 * dirty, is compared with x, unchanged since the sort, whose q left at
 * its 20 would put r behind it. */
Test(fairtree, a_sort_out_of_range_works_out_the_dirty_childrens_q)
{
	struct lxrd x;
	lxrd_open(&x);
	const uint32_t moved[2][2] = { { x.us[1], x.us[3] }, { x.us[2], x.us[3] } };
	const double to[2][2] = { { 40, 0x1p950 }, { 35, 1 } };
	for (int step = 0; step < 2; step++) {
		x.u[moved[step][0]] = to[step][0];
		x.u[moved[step][1]] = to[step][1];
		update_as_full(&x, moved[step], 2, step);
	}
	cr_assert(x.full[x.us[2]] > x.full[x.us[1]]); /* r ahead of x */
	lxrd_close(&x);
}

/* An update whose usage falls below fast_ok's range (a user's usage
 * 2^-1000, under 2^-900 and the root's times 2^-900): it must lower
 * minpos, so the order is sorted from the Level Fairshares. Tree: g1 ->
 * user a, g2 -> user b, h -> user d. Usage a 10, b 20, d 2^80; then a
 * 1.5 x 2^-1000 and b 2^-1000: g1's and g2's usage over the root's
 * rounds to 0, their Level Fairshares are equal (infinite) and tie (g1
 * first), while their q's (sh / usage) hold g2 apart ahead (an update
 * that left minpos at 10 would keep the order from the q's). */
Test(fairtree, an_update_below_the_range_sorts_as_the_full_computation)
{
	cs_account_tree t;
	tree_of("accounts:\n"
		"  - {name: g1, users: [{name: a}]}\n"
		"  - {name: g2, users: [{name: b}]}\n"
		"  - {name: h, users: [{name: d}]}\n",
		&t);
	uint32_t a = node_named(&t, "a"), b = node_named(&t, "b"), d = node_named(&t, "d");
	double u[16] = { 0 }, f[16], full[16];
	cr_assert_leq(t.nnodes, 16);
	cs_fairtree *ft, *ref;
	cr_assert_eq(cs_fairtree_new(&ft, &t), 0);
	cr_assert_eq(cs_fairtree_new(&ref, &t), 0);
	u[a] = 10;
	u[b] = 20;
	u[d] = 0x1p80;
	cs_fairtree_compute(ft, u, f);
	uint32_t changed[2] = { a, b };
	u[a] = 0x1.8p-1000;
	u[b] = 0x1p-1000;
	cs_fairtree_update(ft, u, f, changed, 2);
	cs_fairtree_compute(ref, u, full);
	const uint32_t us[3] = { a, b, d };
	for (int k = 0; k < 3; k++)
		cr_assert(f[us[k]] == full[us[k]], "user %u: %.17g vs %.17g", us[k], f[us[k]], full[us[k]]);
	cs_fairtree_free(ft);
	cs_fairtree_free(ref);
	cs_account_tree_free(&t);
}

/* A child that leaves the run ahead of it (those without usage, at the
 * list's head): the span from its old place ties that run's last child,
 * so relocate takes the first span from the list's first place and keeps
 * the others (the whole list visited before). Tree: g -> users a, b, c
 * (no usage: one run), d 10, e 20, f 30, v 40, w 50, y 60, z 70; h ->
 * user k 5. Then c 45 (from the run to between v and w: places 2 .. 7)
 * and y 75 (past z: places 9 .. 10, apart). */
Test(fairtree, a_child_that_leaves_the_run_ahead_ranks_as_the_full_computation)
{
	cs_account_tree t;
	tree_of("accounts:\n"
		"  - name: g\n"
		"    users: [{name: a}, {name: b}, {name: c}, {name: d}, {name: e}, {name: f}, {name: v},\n"
		"            {name: w}, {name: y}, {name: z}]\n"
		"  - {name: h, users: [{name: k}]}\n",
		&t);
	static const char *const names[11] = { "a", "b", "c", "d", "e", "f", "v", "w", "y", "z", "k" };
	static const double start[11] = { 0, 0, 0, 10, 20, 30, 40, 50, 60, 70, 5 };
	uint32_t us[11];
	double u[32] = { 0 }, full[32];
	cr_assert_leq(t.nnodes, 32);
	for (int k = 0; k < 11; k++) {
		us[k] = node_named(&t, names[k]);
		u[us[k]] = start[k];
	}
	cs_fairtree *ft, *ref;
	cr_assert_eq(cs_fairtree_new(&ft, &t), 0);
	cr_assert_eq(cs_fairtree_new(&ref, &t), 0);
	cs_fairtree_compute(ft, u, NULL);
	for (int k = 0; k < 11; k++) /* (each list settled, its order kept) */
		cs_fairtree_factor(ft, us[k]);
	u[us[2]] = 45;
	u[us[8]] = 75;
	cs_fairtree_update(ft, u, NULL, (const uint32_t[]){ us[2], us[8] }, 2);
	cs_fairtree_compute(ref, u, full);
	for (int k = 0; k < 11; k++)
		cr_assert(cs_fairtree_factor(ft, us[k]) == full[us[k]], "user %s: %.17g vs %.17g", names[k],
			  cs_fairtree_factor(ft, us[k]), full[us[k]]);
	cr_assert(full[us[2]] < full[us[6]] && full[us[2]] > full[us[7]]); /* c between v and w */
	cr_assert(full[us[8]] < full[us[9]]);                              /* y after z */
	cs_fairtree_free(ft);
	cs_fairtree_free(ref);
	cs_account_tree_free(&t);
}

/* cs_fairtree_factors reads a list of users (more than its reads ahead:
 * 30, in three accounts), in an order of its own, after an update, and
 * gives each its factor from the full computation, to the bit, in the
 * list's place: users u00 .. u29 of g0 .. g2, usage 3 x k + 1 (k 7: 0),
 * read all once, then u04, u17 and u25 moved, read from the last. */
Test(fairtree, factors_read_as_a_list_are_the_full_computations)
{
	char yaml[2048];
	size_t len = (size_t)snprintf(yaml, sizeof yaml, "accounts:\n");
	for (int g = 0; g < 3; g++) {
		len += (size_t)snprintf(yaml + len, sizeof yaml - len, "  - name: g%d\n    users:\n", g);
		for (int k = 10 * g; k < 10 * g + 10; k++)
			len += (size_t)snprintf(yaml + len, sizeof yaml - len, "      - {name: u%02d}\n", k);
	}
	cs_account_tree t;
	tree_of(yaml, &t);
	double u[64] = { 0 }, full[64];
	uint32_t us[30], rev[30];
	cr_assert_leq(t.nnodes, 64);
	for (int k = 0; k < 30; k++) {
		char name[8];
		snprintf(name, sizeof name, "u%02d", k);
		us[k] = node_named(&t, name);
		u[us[k]] = k == 7 ? 0 : 3.0 * k + 1;
		rev[29 - k] = us[k];
	}
	cs_fairtree *ft, *ref;
	cr_assert_eq(cs_fairtree_new(&ft, &t), 0);
	cr_assert_eq(cs_fairtree_new(&ref, &t), 0);
	double out[30];
	cs_fairtree_compute(ft, u, NULL);
	cs_fairtree_factors(ft, us, 30, out);
	u[us[4]] = 200;
	u[us[17]] = 2;
	u[us[25]] = 0.5;
	cs_fairtree_update(ft, u, NULL, (const uint32_t[]){ us[4], us[17], us[25] }, 3);
	cs_fairtree_compute(ref, u, full);
	cs_fairtree_factors(ft, rev, 30, out);
	int distinct = 0;
	for (int i = 0; i < 30; i++) {
		cr_assert(out[i] == full[rev[i]], "place %d (user %u): %.17g vs %.17g", i, rev[i], out[i], full[rev[i]]);
		distinct += i > 0 && out[i] != out[i - 1];
	}
	cr_assert_gt(distinct, 20); /* (a factor in the wrong place would show) */
	cs_fairtree_free(ft);
	cs_fairtree_free(ref);
	cs_account_tree_free(&t);
}

/* Users names[0 .. n) of g (h -> user k 5 beside it), usage start[];
 * then at each step, every list settled (its order kept), the usage of
 * users moved[step] (up to three, -1 none) set to to[step] in an update:
 * every factor read is the full computation's, to the bit, and the last
 * step's are left in full. */
static void g_steps_as_full(const char *const *names, const double *start, int n, const int (*moved)[3],
			    const double (*to)[3], int nsteps, double *full, uint32_t *us)
{
	char yaml[512];
	size_t len = (size_t)snprintf(yaml, sizeof yaml, "accounts:\n  - name: g\n    users:\n");
	for (int k = 0; k < n; k++)
		len += (size_t)snprintf(yaml + len, sizeof yaml - len, "      - {name: %s}\n", names[k]);
	snprintf(yaml + len, sizeof yaml - len, "  - {name: h, users: [{name: k}]}\n");
	cs_account_tree t;
	tree_of(yaml, &t);
	double u[16] = { 0 };
	cr_assert_leq(t.nnodes, 16);
	for (int k = 0; k < n; k++) {
		us[k] = node_named(&t, names[k]);
		u[us[k]] = start[k];
	}
	u[node_named(&t, "k")] = 5;
	cs_fairtree *ft, *ref;
	cr_assert_eq(cs_fairtree_new(&ft, &t), 0);
	cr_assert_eq(cs_fairtree_new(&ref, &t), 0);
	cs_fairtree_compute(ft, u, NULL);
	for (int step = 0; step < nsteps; step++) {
		for (int k = 0; k < n; k++)
			cs_fairtree_factor(ft, us[k]);
		uint32_t changed[3];
		size_t nc = 0;
		for (int k = 0; k < 3; k++)
			if (moved[step][k] >= 0) {
				changed[nc] = us[moved[step][k]];
				u[changed[nc++]] = to[step][k];
			}
		cs_fairtree_update(ft, u, NULL, changed, nc);
		cs_fairtree_compute(ref, u, full);
		for (int k = 0; k < n; k++)
			cr_assert(cs_fairtree_factor(ft, us[k]) == full[us[k]], "step %d user %s: %.17g vs %.17g", step,
				  names[k], cs_fairtree_factor(ft, us[k]), full[us[k]]);
	}
	cs_fairtree_free(ft);
	cs_fairtree_free(ref);
	cs_account_tree_free(&t);
}

/* Two children that become neighbours where a moving one leaves must
 * hold their order: where they do not and one is dirty, it moves too
 * (relocate, move_too), and the run's new ends are asked. Users a 10, l
 * 20, x 30, r 40 of g. Then l 42 and x 45: x is out of order with r and
 * moves, l stays in order with a and x, but l 42 and r 40 would become
 * neighbours out of order: l moves too (a r l x). Then r 8 and a 12 (r a
 * l x), and l 9 and x 11 (r l x a). */
Test(fairtree, a_dirty_child_beside_a_moving_run_moves_too_where_the_ends_do_not_hold)
{
	static const char *const names[4] = { "a", "l", "x", "r" };
	static const double start[4] = { 10, 20, 30, 40 };
	static const int moved[3][3] = { { 1, 2, -1 }, { 3, 0, -1 }, { 1, 2, -1 } };
	static const double to[3][3] = { { 42, 45 }, { 8, 12 }, { 9, 11 } };
	double full[16];
	uint32_t us[4];
	g_steps_as_full(names, start, 4, moved, to, 1, full, us);
	cr_assert(full[us[0]] > full[us[3]] && full[us[3]] > full[us[1]] && full[us[1]] > full[us[2]]); /* a r l x */
	g_steps_as_full(names, start, 4, moved, to, 3, full, us);
}

/* The run's new end asked again: a dirty one made to move may bring the
 * next one beside the run out of order too. Users a 10, x 20, r 30, s
 * 40, t 50 of g. Then x 5, r 6 and s 7 in one update: x moves (out of
 * order with a); r, in order with x and s, stays but not in order with
 * a: r moves too; then the same with s, beside the run x r; t holds
 * (x r s a t). */
Test(fairtree, a_run_whose_dirty_end_moves_too_is_asked_again)
{
	static const char *const names[5] = { "a", "x", "r", "s", "t" };
	static const double start[5] = { 10, 20, 30, 40, 50 };
	static const int moved[1][3] = { { 1, 2, 3 } };
	static const double to[1][3] = { { 5, 6, 7 } };
	double full[16];
	uint32_t us[5];
	g_steps_as_full(names, start, 5, moved, to, 1, full, us);
	cr_assert(full[us[1]] > full[us[2]] && full[us[2]] > full[us[3]] && full[us[3]] > full[us[0]]); /* x r s a */
}

Test(fairtree, a_long_list_relocates_as_the_full_computation)
{
	enum { NU = 300 };
	static char yaml[NU * 24 + 128];
	size_t len = (size_t)snprintf(yaml, sizeof yaml, "accounts:\n  - name: g\n    users:\n");
	for (int i = 0; i < NU; i++)
		len += (size_t)snprintf(yaml + len, sizeof yaml - len, "      - {name: u%d}\n", i);
	snprintf(yaml + len, sizeof yaml - len, "  - name: h\n    users: [{name: z}]\n");
	cs_account_tree t;
	tree_of(yaml, &t);
	static uint32_t us[NU + 1], changed[16];
	static double u[NU + 8], f[NU + 8], full[NU + 8];
	cr_assert_leq(t.nnodes, NU + 8);
	char name[16];
	for (int i = 0; i < NU; i++) {
		snprintf(name, sizeof name, "u%d", i);
		us[i] = node_named(&t, name);
	}
	us[NU] = node_named(&t, "z");
	cs_fairtree *ft, *ref;
	cr_assert_eq(cs_fairtree_new(&ft, &t), 0);
	cr_assert_eq(cs_fairtree_new(&ref, &t), 0);
	unsigned long long r = 3;
#define RND(n) (r ^= r << 13, r ^= r >> 7, r ^= r << 17, (uint32_t)(r % (n)))
	for (int i = 0; i <= NU; i++)
		u[us[i]] = 1000 + 10 * (double)RND(1000) + (double)i / 1024;
	cs_fairtree_compute(ft, u, f);
	for (int step = 0; step < 600; step++) {
		size_t nc = 0;
		for (uint32_t k = 1 + RND(4); k > 0; k--) {
			uint32_t i = RND(NU + 1), how = RND(40);
			if (how < 20)
				u[us[i]] = 1000 + 10 * (double)RND(1000) + (double)i / 1024;
			else if (how < 39) {
				double whole = 10 * (double)RND(3); /* (two draws: one a statement) */
				u[us[i]] += whole + (double)RND(2) / 2048;
			}
			else
				u[us[i]] = u[us[RND(NU)]];
			changed[nc++] = us[i];
		}
		cs_fairtree_update(ft, u, f, changed, nc);
		cs_fairtree_compute(ref, u, full);
		for (int i = 0; i <= NU; i++)
			cr_assert(f[us[i]] == full[us[i]], "step %d user %d: %.17g vs %.17g", step, i, f[us[i]],
				  full[us[i]]);
	}
#undef RND
	cs_fairtree_free(ft);
	cs_fairtree_free(ref);
	cs_account_tree_free(&t);
}

/* A run of tied accounts ranked again when usage moved below its every
 * account, though it is the same run. Tree: a -> users x1, x2; b ->
 * users y1, y2. Usage x1 1, y1 1: a and b tie (1 each) and are merged;
 * x2 and y2 (infinite) share rank 4, x1 and y1 (0.5) rank 2: 1 and 0.5.
 * Then x2 1, y2 1: a and b still tie, and all four users too (1 each):
 * every factor 1. */
Test(fairtree, a_tied_run_with_usage_moved_below_is_ranked_again)
{
	cs_account_tree t;
	tree_of("accounts:\n  - name: a\n    users: [{name: x1}, {name: x2}]\n"
		"  - name: b\n    users: [{name: y1}, {name: y2}]\n", &t);
	uint32_t x1 = node_named(&t, "x1"), x2 = node_named(&t, "x2"), y1 = node_named(&t, "y1"),
		 y2 = node_named(&t, "y2");
	double u[16] = { 0 }, f[16];
	cr_assert_leq(t.nnodes, 16);
	cs_fairtree *ft;
	cr_assert_eq(cs_fairtree_new(&ft, &t), 0);
	u[x1] = u[y1] = 1;
	cs_fairtree_compute(ft, u, f);
	cr_assert(f[x2] == 1 && f[y2] == 1 && f[x1] == 0.5 && f[y1] == 0.5, "x1 %g x2 %g y1 %g y2 %g", f[x1], f[x2],
		  f[y1], f[y2]);
	u[x2] = u[y2] = 1;
	uint32_t changed[] = { x2, y2 };
	cs_fairtree_update(ft, u, f, changed, 2);
	cr_assert(f[x1] == 1 && f[x2] == 1 && f[y1] == 1 && f[y2] == 1, "x1 %g x2 %g y1 %g y2 %g", f[x1], f[x2], f[y1],
		  f[y2]);
	cs_fairtree_free(ft);
	cs_account_tree_free(&t);
}

/* cs_fairtree_update against cs_fairtree_compute: random trees (accounts
 * holding users, sub-accounts or both, some shares 0), usage growing on a
 * few users at a time in whole units (so equal Level Fairshares, ties, and
 * users without usage occur), now and then every usage halved (the scale
 * folded in: changed = NULL). The factors must be the same doubles, also
 * when read one user at a time (cs_fairtree_factor) from an update that
 * writes no array: some users each step, so a user read after several
 * updates finds its cached factor out of date; and when only two users
 * are read a step, the lists above the others left for a read through
 * many updates (their dirty children refreshed together), now and then
 * a full computation instead of the update (its lists out of date). */
Test(fairtree, update_gives_the_full_computation)
{
	enum { N = 400, STEPS = 300 };
	static int32_t parent[N];
	static uint8_t kind[N];
	static double shares[N], level[N], norm[N], usage[N], full[N], inc[N], ssum[N], again[N];
	static uint32_t off[N + 1], child[N], changed[N];
	unsigned long long r = 42;
#define RND(n) (r ^= r << 13, r ^= r >> 7, r ^= r << 17, (uint32_t)(r % (n)))
	for (int seed = 0; seed < 4; seed++) {
		uint32_t nusers = 0;
		parent[0] = -1;
		kind[0] = CS_ACCT_ACCOUNT;
		for (uint32_t i = 1; i < N; i++) {
			uint32_t p;
			do
				p = RND(i < 40 ? i : 40 + (i - 40) / 2); /* deeper trees as it grows */
			while (kind[p] == CS_ACCT_USER);
			parent[i] = (int32_t)p;
			kind[i] = RND(10) < 6 ? CS_ACCT_USER : CS_ACCT_ACCOUNT;
			nusers += kind[i] == CS_ACCT_USER;
			shares[i] = RND(20) == 0 ? 0 : 1 + RND(3);
		}
		memset(off, 0, sizeof off);
		memset(ssum, 0, sizeof ssum);
		for (uint32_t i = 1; i < N; i++) {
			off[parent[i] + 1]++;
			ssum[parent[i]] += shares[i];
		}
		for (uint32_t i = 0; i < N; i++)
			off[i + 1] += off[i];
		uint32_t fill[N];
		memcpy(fill, off, sizeof fill);
		for (uint32_t i = 1; i < N; i++)
			child[fill[parent[i]]++] = i;
		level[0] = norm[0] = 1;
		for (uint32_t i = 1; i < N; i++) {
			double s = ssum[parent[i]];
			level[i] = s > 0 ? shares[i] / s : 0;
			norm[i] = norm[parent[i]] * level[i];
		}
		cs_account_tree t = { .nnodes = N, .parent = parent, .kind = kind, .shares = shares,
				      .share_level = level, .share_norm = norm, .child_off = off, .child = child,
				      .nusers = nusers };
		cs_fairtree *a, *b, *c, *e;
		cr_assert_eq(cs_fairtree_new(&a, &t), 0);
		cr_assert_eq(cs_fairtree_new(&b, &t), 0);
		cr_assert_eq(cs_fairtree_new(&c, &t), 0);
		cr_assert_eq(cs_fairtree_new(&e, &t), 0);
		memset(usage, 0, sizeof usage);
		memset(inc, 0, sizeof inc);
		for (int step = 0; step < STEPS; step++) {
			size_t nc = 0;
			int halve = step > 0 && RND(20) == 0;
			if (halve) {
				for (uint32_t i = 0; i < N; i++)
					usage[i] *= 0.5;
			} else {
				for (uint32_t k = RND(6); k > 0; k--) {
					uint32_t u = 1 + RND(N - 1);
					if (kind[u] != CS_ACCT_USER)
						continue;
					usage[u] += 1 + RND(3);
					changed[nc++] = u;
				}
			}
			cs_fairtree_compute(a, usage, full);
			cs_fairtree_update(b, usage, inc, halve ? NULL : changed, nc);
			cs_fairtree_update(c, usage, NULL, halve ? NULL : changed, nc);
			if (step % 37 == 36) {
				cs_fairtree_compute(e, usage, again);
				for (uint32_t i = 0; i < N; i++)
					cr_assert(kind[i] != CS_ACCT_USER || full[i] == again[i],
						  "seed %d step %d user %u computed after late reads: %.17g vs %.17g", seed,
						  step, i, full[i], again[i]);
			} else {
				cs_fairtree_update(e, usage, NULL, halve ? NULL : changed, nc);
			}
			for (int k = 0; k < 2; k++) {
				uint32_t u = 1 + RND(N - 1);
				if (kind[u] != CS_ACCT_USER)
					continue;
				double late = cs_fairtree_factor(e, u);
				cr_assert(full[u] == late,
					  "seed %d step %d user %u read late: %.17g vs %.17g", seed, step, u, full[u], late);
			}
			for (uint32_t i = 0; i < N; i++) {
				if (kind[i] != CS_ACCT_USER)
					continue;
				cr_assert(full[i] == inc[i], "seed %d step %d user %u: %.17g vs %.17g", seed, step, i,
					  full[i], inc[i]);
				if (RND(4) == 0) {
					double one = cs_fairtree_factor(c, i);
					cr_assert(full[i] == one, "seed %d step %d user %u read alone: %.17g vs %.17g", seed,
						  step, i, full[i], one);
				}
			}
		}
		cs_fairtree_free(a);
		cs_fairtree_free(b);
		cs_fairtree_free(c);
		cs_fairtree_free(e);
	}
#undef RND
}

/* cs_fairtree_update's kept orders (refresh_children: the unchanged
 * children keep their order, dirty ones checked in place or moved by a
 * binary search) against cs_fairtree_compute's full sort, on a wide tree
 * as a generated workload's (4 types, 120 organisations, 480 projects, 2
 * to 5 users each; a few shares 0) with usage in fractions, so that most
 * updates take the kept orders: a few users at a time gain usage, some
 * never run (infinite, tied), some gain exactly what a sibling has (equal
 * Level Fairshares, merged runs), now and then every usage is halved
 * (changed = NULL). The factors must be the same doubles, also read one
 * at a time, and when the update is told the changed users in another
 * order among users whose usage did not change (as multifactor lists the
 * users of its running jobs). */
Test(fairtree, kept_orders_give_the_full_computation)
{
	enum { NT = 4, NO = 120, NP = 480, MAXN = 1 + NT + NO + NP + NP * 5, STEPS = 400 };
	static int32_t parent[MAXN];
	static uint8_t kind[MAXN];
	static double shares[MAXN], level[MAXN], norm[MAXN], usage[MAXN], full[MAXN], inc[MAXN], ssum[MAXN];
	static uint32_t off[MAXN + 1], child[MAXN], changed[MAXN], users[MAXN], more[2 * MAXN];
	unsigned long long r = 7;
#define RND(n) (r ^= r << 13, r ^= r >> 7, r ^= r << 17, (uint32_t)(r % (n)))
	uint32_t n = 1, nusers = 0;
	parent[0] = -1;
	kind[0] = CS_ACCT_ACCOUNT;
	for (uint32_t i = 0; i < NT; i++, n++) {
		parent[n] = 0;
		kind[n] = CS_ACCT_ACCOUNT;
		shares[n] = 10 + RND(40);
	}
	for (uint32_t i = 0; i < NO; i++, n++) {
		parent[n] = (int32_t)(1 + RND(NT));
		kind[n] = CS_ACCT_ACCOUNT;
		shares[n] = RND(30) == 0 ? 0 : 1 + RND(9000);
	}
	for (uint32_t i = 0; i < NP; i++, n++) {
		parent[n] = (int32_t)(1 + NT + (i < NO ? i : RND(NO)));
		kind[n] = CS_ACCT_ACCOUNT;
		shares[n] = 1 + RND(500);
	}
	for (uint32_t p = 1 + NT + NO; p < 1 + NT + NO + NP; p++)
		for (uint32_t k = 2 + RND(4); k > 0; k--, n++) {
			parent[n] = (int32_t)p;
			kind[n] = CS_ACCT_USER;
			shares[n] = 1;
			users[nusers++] = n;
		}
	memset(off, 0, sizeof off);
	for (uint32_t i = 1; i < n; i++) {
		off[parent[i] + 1]++;
		ssum[parent[i]] += shares[i];
	}
	for (uint32_t i = 0; i < n; i++)
		off[i + 1] += off[i];
	static uint32_t fill[MAXN];
	memcpy(fill, off, sizeof fill);
	for (uint32_t i = 1; i < n; i++)
		child[fill[parent[i]]++] = i;
	level[0] = norm[0] = 1;
	for (uint32_t i = 1; i < n; i++) {
		double s = ssum[parent[i]];
		level[i] = s > 0 ? shares[i] / s : 0;
		norm[i] = norm[parent[i]] * level[i];
	}
	cs_account_tree t = { .nnodes = n, .parent = parent, .kind = kind, .shares = shares, .share_level = level,
			      .share_norm = norm, .child_off = off, .child = child, .nusers = nusers };
	static double other[MAXN];
	cs_fairtree *a, *b, *c, *d;
	cr_assert_eq(cs_fairtree_new(&a, &t), 0);
	cr_assert_eq(cs_fairtree_new(&b, &t), 0);
	cr_assert_eq(cs_fairtree_new(&c, &t), 0);
	cr_assert_eq(cs_fairtree_new(&d, &t), 0);
	for (int step = 0; step < STEPS; step++) {
		size_t nc = 0;
		int halve = step > 0 && RND(40) == 0;
		if (halve) {
			for (uint32_t i = 0; i < n; i++)
				usage[i] *= 0.5;
		} else {
			for (uint32_t k = RND(30); k > 0; k--) {
				uint32_t u = users[RND(nusers / 2)]; /* half never runs */
				uint32_t v = users[RND(nusers / 2)];
				usage[u] = RND(8) == 0 ? usage[v] : usage[u] + (1 + RND(1000)) / 7.0;
				changed[nc++] = u;
			}
		}
		cs_fairtree_compute(a, usage, full);
		cs_fairtree_update(b, usage, inc, halve ? NULL : changed, nc);
		cs_fairtree_update(c, usage, NULL, halve ? NULL : changed, nc);
		size_t nm = 0;
		for (size_t k = nc; k-- > 0;) {
			more[nm++] = changed[k];
			if (RND(2))
				more[nm++] = users[RND(nusers)];
		}
		cs_fairtree_update(d, usage, other, halve ? NULL : more, nm);
		for (uint32_t i = 0; i < n; i++) {
			if (kind[i] != CS_ACCT_USER)
				continue;
			cr_assert(full[i] == inc[i], "step %d user %u: %.17g vs %.17g", step, i, full[i], inc[i]);
			cr_assert(full[i] == other[i], "step %d user %u, more listed: %.17g vs %.17g", step, i, full[i],
				  other[i]);
			if (RND(4) == 0) {
				double one = cs_fairtree_factor(c, i);
				cr_assert(full[i] == one, "step %d user %u read alone: %.17g vs %.17g", step, i, full[i],
					  one);
			}
		}
		for (uint32_t i = 1; i < n; i++)
			cr_assert(cs_fairtree_level_fs(a, i) == cs_fairtree_level_fs(b, i), "step %d node %u", step, i);
	}
	cs_fairtree_free(a);
	cs_fairtree_free(b);
	cs_fairtree_free(c);
	cs_fairtree_free(d);
#undef RND
}

/* A read keeps what an earlier read of the same computation worked out
 * on its path (an account's rank: the users ahead of its subtree), never
 * one of an earlier computation. A tree of 3 types, 12 organisations, 40
 * projects and 1 to 3 users each; a few users at a time gain usage (so
 * most paths keep their befores, but an account's moves every few
 * steps), and each step a few users are read, chosen so that a project's
 * or an organisation's second user is often read some computations after
 * the first: each factor must be the double that a tree made now and
 * computed from scratch gives. */
Test(fairtree, a_path_read_in_an_earlier_computation_is_worked_out_again)
{
	enum { NT = 3, NO = 12, NP = 40, MAXN = 1 + NT + NO + NP + NP * 3, STEPS = 600 };
	static int32_t parent[MAXN];
	static uint8_t kind[MAXN];
	static double shares[MAXN], level[MAXN], norm[MAXN], usage[MAXN], full[MAXN], ssum[MAXN];
	static uint32_t off[MAXN + 1], child[MAXN], changed[MAXN], users[MAXN], fill[MAXN];
	unsigned long long r = 11;
#define RND(n) (r ^= r << 13, r ^= r >> 7, r ^= r << 17, (uint32_t)(r % (n)))
	uint32_t n = 1, nusers = 0;
	parent[0] = -1;
	kind[0] = CS_ACCT_ACCOUNT;
	for (uint32_t i = 0; i < NT; i++, n++) {
		parent[n] = 0;
		kind[n] = CS_ACCT_ACCOUNT;
		shares[n] = 1 + RND(4);
	}
	for (uint32_t i = 0; i < NO; i++, n++) {
		parent[n] = (int32_t)(1 + i % NT);
		kind[n] = CS_ACCT_ACCOUNT;
		shares[n] = 1 + RND(5);
	}
	for (uint32_t i = 0; i < NP; i++, n++) {
		parent[n] = (int32_t)(1 + NT + i % NO);
		kind[n] = CS_ACCT_ACCOUNT;
		shares[n] = 1 + RND(5);
	}
	for (uint32_t p = 1 + NT + NO; p < 1 + NT + NO + NP; p++)
		for (uint32_t k = 1 + RND(3); k > 0; k--, n++) {
			parent[n] = (int32_t)p;
			kind[n] = CS_ACCT_USER;
			shares[n] = 1;
			users[nusers++] = n;
		}
	for (uint32_t i = 1; i < n; i++) {
		off[parent[i] + 1]++;
		ssum[parent[i]] += shares[i];
	}
	for (uint32_t i = 0; i < n; i++)
		off[i + 1] += off[i];
	memcpy(fill, off, sizeof fill);
	for (uint32_t i = 1; i < n; i++)
		child[fill[parent[i]]++] = i;
	level[0] = norm[0] = 1;
	for (uint32_t i = 1; i < n; i++) {
		level[i] = shares[i] / ssum[parent[i]];
		norm[i] = norm[parent[i]] * level[i];
	}
	cs_account_tree t = { .nnodes = n, .parent = parent, .kind = kind, .shares = shares, .share_level = level,
			      .share_norm = norm, .child_off = off, .child = child, .nusers = nusers };
	cs_fairtree *ft;
	cr_assert_eq(cs_fairtree_new(&ft, &t), 0);
	int stale = 0; /* reads whose factor moved since the user's last read */
	static double last[MAXN];
	for (int step = 0; step < STEPS; step++) {
		size_t nc = 0;
		for (uint32_t k = 1 + RND(3); k > 0; k--) {
			uint32_t u = users[RND(nusers)];
			usage[u] += 1 + RND(20);
			changed[nc++] = u;
		}
		cs_fairtree_update(ft, usage, NULL, changed, nc);
		cs_fairtree *ref;
		cr_assert_eq(cs_fairtree_new(&ref, &t), 0);
		cs_fairtree_compute(ref, usage, full);
		cs_fairtree_free(ref);
		for (uint32_t k = RND(6); k > 0; k--) {
			uint32_t u = users[RND(nusers)];
			double got = cs_fairtree_factor(ft, u);
			cr_assert(got == full[u], "step %d user %u: %.17g, from scratch %.17g", step, u, got, full[u]);
			stale += last[u] != 0 && last[u] != got;
			last[u] = got;
		}
	}
	cr_assert_gt(stale, 50, "only %d reads found their factor moved", stale);
	cs_fairtree_free(ft);
#undef RND
}

/* A chain of D accounts below the root, deeper than a node's 16-bit depth
 * holds (its depth then read from the full one): users a and b below the
 * deepest, c beside the chain's top. An update that moves a's usage, then
 * c's, must sum every account of the chain bottom-up and give the factors
 * of a full computation of the same usage. (In a thread of its own, whose
 * stack the visit's recursion, once a level, fits; it tells what it found
 * and the test asserts.) */
enum { DEEPCHAIN = 70000 };

struct deep_out {
	int made;             /* every allocation and cs_fairtree_new succeeded */
	double got[2][3];     /* after each update: a's, b's and c's factors */
	double want[2][3];    /* a full computation's */
};

static void *deep_chain(void *arg)
{
	struct deep_out *o = arg;
	enum { D = DEEPCHAIN, N = D + 4, UA = D + 1, UC = D + 3 };
	int32_t *parent = calloc(N, sizeof *parent);
	uint8_t *kind = calloc(N, sizeof *kind);
	double *shares = calloc(N, sizeof *shares), *level = calloc(N, sizeof *level);
	double *norm = calloc(N, sizeof *norm), *usage = calloc(N, sizeof *usage);
	double *fac = calloc(N, sizeof *fac);
	uint32_t *off = calloc(N + 1, sizeof *off), *child = calloc(N, sizeof *child), *fill = calloc(N, sizeof *fill);
	cs_fairtree *ft = NULL;
	if (!parent || !kind || !shares || !level || !norm || !usage || !fac || !off || !child || !fill)
		goto out;
	parent[0] = -1;
	level[0] = norm[0] = 1;
	for (uint32_t i = 1; i < N; i++) {
		parent[i] = i == UC ? 0 : i <= D ? (int32_t)i - 1 : D;
		kind[i] = i > D ? CS_ACCT_USER : CS_ACCT_ACCOUNT;
		shares[i] = 1;
		level[i] = i == 1 || i > D ? 0.5 : 1;
		norm[i] = norm[parent[i]] * level[i];
	}
	/* children in node order: the root's 1 and c, each chain account's
	 * next, the deepest's a and b */
	for (uint32_t i = 1; i < N; i++)
		off[parent[i] + 1]++;
	for (uint32_t i = 0; i < N; i++)
		off[i + 1] += off[i];
	memcpy(fill, off, N * sizeof *fill);
	for (uint32_t i = 1; i < N; i++)
		child[fill[parent[i]]++] = i;
	cs_account_tree t = { .nnodes = N, .parent = parent, .kind = kind, .shares = shares, .share_level = level,
			      .share_norm = norm, .child_off = off, .child = child, .nusers = 3 };
	if (cs_fairtree_new(&ft, &t) != 0)
		goto out;
	usage[UA] = 10, usage[UA + 1] = 30, usage[UC] = 20;
	cs_fairtree_compute(ft, usage, fac);
	const uint32_t moved[2] = { UA, UC };
	for (int k = 0; k < 2; k++) {
		usage[moved[k]] = k ? 100 : 50;
		cs_fairtree_update(ft, usage, fac, &moved[k], 1);
		cs_fairtree *full;
		if (cs_fairtree_new(&full, &t) != 0)
			goto out;
		cs_fairtree_compute(full, usage, fac);
		for (uint32_t u = 0; u < 3; u++) {
			o->got[k][u] = cs_fairtree_factor(ft, UA + u);
			o->want[k][u] = cs_fairtree_factor(full, UA + u);
		}
		cs_fairtree_free(full);
	}
	o->made = 1;
out:
	cs_fairtree_free(ft);
	free(parent), free(kind), free(shares), free(level), free(norm);
	free(usage), free(fac), free(off), free(child), free(fill);
	return NULL;
}

/* Rounds of Fair Tree updates on account g (nflat users of its own and
 * nsub accounts of per_sub users; with h, an account h of one user beside
 * it), the factors read against the full computation. Usage starts at
 * base + step * RND(spread) (+ i / idiv, apart); each round a user grows
 * by 1 + RND(grow) with chance 1 / grow_1in, 1 + RND(jumps) users jump by
 * jump + jump_step * RND(jump_n), one takes another's usage with chance
 * 1 / tie_1in, the update is left to the next round's with chance
 * 1 / lazy_1in (0: never), and then every factor is read with chance
 * 1 / all_1in, else each with chance 1 / read_1in. Returns the rounds in
 * which more than 3 users changed. */
struct churn {
	int nflat, nsub, per_sub, h;
	unsigned long long seed;
	double base, step, idiv;
	uint32_t spread, grow_1in, grow, jumps;
	double jump, jump_step;
	uint32_t jump_n, tie_1in, lazy_1in, all_1in, read_1in;
	int rounds;
};

static uint64_t churn_rounds(const struct churn *c)
{
	char yaml[8192];
	size_t at = (size_t)snprintf(yaml, sizeof yaml, "accounts:\n  - name: g\n    users: [");
	for (int i = 0; i < c->nflat; i++)
		at += (size_t)snprintf(yaml + at, sizeof yaml - at, "%s{name: u%d}", i ? ", " : "", i);
	at += (size_t)snprintf(yaml + at, sizeof yaml - at, "]\n    accounts:\n");
	for (int k = 0; k < c->nsub; k++) {
		at += (size_t)snprintf(yaml + at, sizeof yaml - at, "      - {name: k%d, users: [", k);
		for (int j = 0; j < c->per_sub; j++)
			at += (size_t)snprintf(yaml + at, sizeof yaml - at, "%s{name: k%d%c}", j ? ", " : "", k, 'a' + j);
		at += (size_t)snprintf(yaml + at, sizeof yaml - at, "]}\n");
	}
	if (c->h)
		at += (size_t)snprintf(yaml + at, sizeof yaml - at, "  - name: h\n    users: [{name: z}]\n");
	cr_assert_lt(at, sizeof yaml);
	cs_account_tree t;
	tree_of(yaml, &t);
	const size_t NU = (size_t)(c->nflat + c->nsub * c->per_sub + c->h);
	uint32_t *us = calloc(NU, sizeof *us), *changed = calloc(NU + 8, sizeof *changed);
	cr_assert(us && changed);
	size_t nu = 0;
	for (uint32_t x = 0; x < t.nnodes; x++)
		if (t.kind[x] == CS_ACCT_USER)
			us[nu++] = x;
	cr_assert_eq(nu, NU);
	double *u = calloc(t.nnodes, sizeof *u), *full = calloc(t.nnodes, sizeof *full);
	cr_assert(u && full);
	cs_fairtree *ft, *ref;
	cr_assert_eq(cs_fairtree_new(&ft, &t), 0);
	cr_assert_eq(cs_fairtree_new(&ref, &t), 0);
	unsigned long long r = c->seed;
#define RND(n) (r ^= r << 13, r ^= r >> 7, r ^= r << 17, (uint32_t)(r % (n)))
	for (size_t i = 0; i < NU; i++)
		u[us[i]] = c->base + c->step * (double)RND(c->spread) + (double)i / c->idiv;
	cs_fairtree_compute(ft, u, NULL);
	uint64_t busy = 0;
	for (int round = 0; round < c->rounds; round++) {
		size_t nc = 0;
		for (size_t i = 0; i < NU; i++)
			if (RND(c->grow_1in) == 0) {
				u[us[i]] += 1 + RND(c->grow);
				changed[nc++] = us[i];
			}
		for (uint32_t k = 1 + RND(c->jumps); k > 0; k--) {
			size_t y = RND(NU);
			u[us[y]] += c->jump + c->jump_step * (double)RND(c->jump_n);
			changed[nc++] = us[y];
		}
		if (RND(c->tie_1in) == 0) {
			size_t y = RND(NU), z = RND(NU);
			u[us[y]] = u[us[z]];
			changed[nc++] = us[y];
		}
		busy += nc > 3;
		cs_fairtree_update(ft, u, NULL, changed, nc);
		if (c->lazy_1in && RND(c->lazy_1in) == 0)
			continue; /* (refreshed with the next update's) */
		cs_fairtree_compute(ref, u, full);
		int all = RND(c->all_1in) == 0;
		for (size_t k = 0; k < NU; k++) {
			if (!all && RND(c->read_1in))
				continue;
			double got = cs_fairtree_factor(ft, us[k]);
			cr_assert(got == full[us[k]], "round %d user %zu: %.17g vs %.17g", round, k, got, full[us[k]]);
		}
	}
#undef RND
	free(u);
	free(full);
	free(us);
	free(changed);
	cs_fairtree_free(ft);
	cs_fairtree_free(ref);
	cs_account_tree_free(&t);
	return busy;
}

/* A relocation looks only at the dirty children next to a place
 * refresh_children's common case did not decide (loud); every other dirty
 * child is quiet and is passed over. Tree: g -> 60 users and 12 accounts
 * of 2 users. Each round most users grow a little (their q goes down but
 * stays apart from their neighbours': quiet), one to three jump far (a
 * moving range that passes quiet users and accounts), and now and then one
 * takes another's usage (a tie: spans not apart, the one range's
 * fallback). Factors are read for all users or some (several updates
 * refreshed at once), against the full computation. A quiet child keeps
 * ins NONE whatever an earlier relocation, in which it was loud, left
 * there (else an account in no span is not visited again); one a range
 * passes is in that span; the fallback reads the old ties next to a quiet
 * child in no span. */
Test(fairtree, a_relocation_passes_over_quiet_children_as_the_full_computation)
{
	churn_rounds(&(struct churn){ .nflat = 60, .nsub = 12, .per_sub = 2, .h = 1, .seed = 71, .base = 5000,
				      .step = 400, .spread = 100, .idiv = 128, .grow_1in = 2, .grow = 3, .jumps = 3,
				      .jump = 5000, .jump_step = 400, .jump_n = 100, .tie_1in = 5, .lazy_1in = 3,
				      .all_1in = 3, .read_1in = 4, .rounds = 3000 });
}

Test(fairtree, a_chain_deeper_than_16_bits_updates_as_the_full_computation)
{
	pthread_attr_t at;
	pthread_t th;
	struct deep_out o = { 0 };
	cr_assert_eq(pthread_attr_init(&at), 0);
	cr_assert_eq(pthread_attr_setstacksize(&at, (size_t)1 << 30), 0);
	cr_assert_eq(pthread_create(&th, &at, deep_chain, &o), 0);
	cr_assert_eq(pthread_join(th, NULL), 0);
	pthread_attr_destroy(&at);
	cr_assert(o.made);
	for (int k = 0; k < 2; k++)
		for (int u = 0; u < 3; u++)
			cr_assert_eq(o.got[k][u], o.want[k][u], "update %d, user %c: %g want %g", k, "abc"[u],
				     o.got[k][u], o.want[k][u]);
	/* a (50) used more than b (30): it ranks behind */
	cr_assert_lt(o.got[0][0], o.got[0][1]);
}

/* A dirty child that stays in a relocation tying none, before or after
 * (quiet), has no place in relocate's spans and keeps its before, unless
 * a moving one's range passes its place; its ties are still rewritten,
 * and an account among them is visited again below. Account g: 40 users
 * and 6 accounts of 3 users, usage apart; each round about a tenth of
 * the users grow a little (most stay in place, quiet), one or two jump
 * far (they move, their ranges passing quiet ones), now and then one is
 * set equal to another (a tie beside a dirty child: not quiet), and the
 * factors are read, all or a few, against the full computation. Fails
 * when a child beside a tie is taken as quiet or a quiet one's ties are
 * not rewritten. */
Test(fairtree, a_quiet_child_keeps_its_before_beside_a_relocation)
{
	uint64_t busy = churn_rounds(&(struct churn){ .nflat = 40, .nsub = 6, .per_sub = 3, .seed = 29, .base = 1000,
						      .step = 100, .spread = 400, .idiv = 64, .grow_1in = 10,
						      .grow = 50, .jumps = 2, .jump = 2000, .jump_step = 100,
						      .jump_n = 300, .tie_1in = 8, .all_1in = 4, .read_1in = 6,
						      .rounds = 4000 });
	cr_assert_gt(busy, 1000);
}

/* An update adds an account's children's sums from the last child to the
 * first, as cs_fairtree_compute adds them, so that every sum is the same
 * double (children_sum works through them eight at a time, then the
 * first m mod 8). Root: account A of m users (m = 1 .. 40, every
 * remainder of a block and several blocks), then account B of one user.
 * Usage spans 2^0 .. 2^60, where the order of the additions moves the
 * low bits; each round changes a few of A's users (and sometimes B's),
 * and A's Level Fairshare, which reads A's sum and the root's, must be
 * the full computation's bit for bit, as must every factor. Fails when a
 * block or the remainder is added in another order. */
Test(fairtree, an_accounts_sum_adds_its_children_from_the_last_as_the_full_computation)
{
	enum { MAXM = 40 };
	static int32_t parent[MAXM + 4];
	static uint8_t kind[MAXM + 4];
	static double shares[MAXM + 4], level[MAXM + 4], norm[MAXM + 4], usage[MAXM + 4], full[MAXM + 4],
		inc[MAXM + 4];
	static uint32_t off[MAXM + 5], child[MAXM + 4], changed[MAXM + 4];
	unsigned long long r = 7;
#define RND(n) (r ^= r << 13, r ^= r >> 7, r ^= r << 17, (uint32_t)(r % (n)))
	for (uint32_t m = 1; m <= MAXM; m++) {
		/* nodes: 0 root, 1 A, 2 B, 3 B's user, 4 .. 4 + m A's users */
		uint32_t n = 4 + m;
		parent[0] = -1;
		kind[0] = kind[1] = kind[2] = CS_ACCT_ACCOUNT;
		parent[1] = parent[2] = 0;
		parent[3] = 2;
		kind[3] = CS_ACCT_USER;
		for (uint32_t i = 4; i < n; i++) {
			parent[i] = 1;
			kind[i] = CS_ACCT_USER;
		}
		off[0] = 0;
		off[1] = 2;      /* root: A, B */
		off[2] = 2 + m;  /* A: its users */
		off[3] = 3 + m;  /* B: its user */
		for (uint32_t i = 3; i < n; i++)
			off[i + 1] = off[i];
		child[0] = 1;
		child[1] = 2;
		for (uint32_t k = 0; k < m; k++)
			child[2 + k] = 4 + k;
		child[2 + m] = 3;
		for (uint32_t i = 0; i < n; i++) {
			shares[i] = 1;
			level[i] = i == 0 ? 1 : i <= 2 ? 0.5 : i == 3 ? 1 : 1.0 / m;
			norm[i] = i == 0 ? 1 : i <= 2 ? 0.5 : i == 3 ? 0.5 : 0.5 / m;
		}
		cs_account_tree t = { .nnodes = n, .parent = parent, .kind = kind, .shares = shares,
				      .share_level = level, .share_norm = norm, .child_off = off, .child = child,
				      .nusers = m + 1 };
		cs_fairtree *a, *b;
		cr_assert_eq(cs_fairtree_new(&a, &t), 0);
		cr_assert_eq(cs_fairtree_new(&b, &t), 0);
		memset(usage, 0, sizeof usage);
		for (int round = 0; round < 60; round++) {
			size_t nc = 0;
			for (uint32_t k = 1 + RND(4); k > 0; k--) {
				uint32_t u = RND(5) == 0 ? 3 : 4 + RND(m);
				double mant = (double)(1 + RND(1000));
				usage[u] += mant * (double)(1ull << RND(51)) / 1024;
				changed[nc++] = u;
			}
			cs_fairtree_compute(a, usage, full);
			cs_fairtree_update(b, usage, inc, round ? changed : NULL, nc);
			double want = cs_fairtree_level_fs(a, 1), got = cs_fairtree_level_fs(b, 1);
			cr_assert(memcmp(&want, &got, sizeof want) == 0, "m %u round %d: A's Level Fairshare %a, want %a",
				  m, round, got, want);
			for (uint32_t i = 3; i < n; i++)
				cr_assert(full[i] == inc[i], "m %u round %d user %u: %.17g vs %.17g", m, round, i,
					  full[i], inc[i]);
		}
		cs_fairtree_free(a);
		cs_fairtree_free(b);
	}
#undef RND
}
