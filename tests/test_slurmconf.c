/* slurm.conf and topology.conf: the fixtures in tests/data/slurm, hostlists,
 * time limits, and one defect per malformed input. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capsim/slurmconf.h"
#include "helpers.h"

static cs_slurmconf *load_fixture(const char *name)
{
	char path[4096], err[CS_ERRLEN] = "";
	snprintf(path, sizeof path, "%s/tests/data/slurm/%s/slurm.conf", th_root(), name);
	cs_slurmconf *c = NULL;
	int rc = cs_slurmconf_load(&c, path, err, sizeof err);
	cr_assert_eq(rc, 0, "cs_slurmconf_load(%s): %s", path, err);
	cr_assert_not_null(c);
	return c;
}

/* A scratch directory holding slurm.conf (and topology.conf if topo). */
typedef struct scratch {
	char dir[64], conf[128], topo[128];
} scratch;

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f, "cannot write %s", path);
	fputs(text, f);
	fclose(f);
}

static void scratch_make(scratch *s, const char *conf, const char *topo)
{
	snprintf(s->dir, sizeof s->dir, "/tmp/capsim-slurm-XXXXXX");
	th_mkdtemp(s->dir);
	snprintf(s->conf, sizeof s->conf, "%s/slurm.conf", s->dir);
	snprintf(s->topo, sizeof s->topo, "%s/topology.conf", s->dir);
	write_file(s->conf, conf);
	if (topo)
		write_file(s->topo, topo);
}

static void scratch_remove(scratch *s)
{
	unlink(s->conf);
	unlink(s->topo);
	rmdir(s->dir);
}

static cs_slurmconf *load_text(const char *conf, const char *topo)
{
	scratch s;
	scratch_make(&s, conf, topo);
	char err[CS_ERRLEN] = "";
	cs_slurmconf *c = NULL;
	int rc = cs_slurmconf_load(&c, s.conf, err, sizeof err);
	scratch_remove(&s);
	cr_assert_eq(rc, 0, "%s", err);
	return c;
}

/* Load text that must fail with rc and a message that is "<file>:" then
 * want (exactly, or starting so if prefix), <file> the scratch slurm.conf or
 * topology.conf. */
static void check_error(const char *conf, const char *topo, int want_rc, int in_topo, const char *want, int prefix)
{
	scratch s;
	scratch_make(&s, conf, topo);
	char err[CS_ERRLEN] = "", full[CS_ERRLEN];
	cs_slurmconf *c = (cs_slurmconf *)&s; /* must be reset to NULL */
	int rc = cs_slurmconf_load(&c, s.conf, err, sizeof err);
	snprintf(full, sizeof full, "%s:%s", in_topo ? s.topo : s.conf, want);
	scratch_remove(&s);
	cr_expect_eq(rc, want_rc, "rc %d, expected %d (%s)", rc, want_rc, err);
	cr_expect_null(c);
	if (prefix)
		cr_expect(strncmp(err, full, strlen(full)) == 0, "\"%s\" does not start with \"%s\"", err, full);
	else
		cr_expect_str_eq(err, full);
}

static void expect_error(const char *conf, const char *topo, int want_rc, int in_topo, const char *want)
{
	check_error(conf, topo, want_rc, in_topo, want, 0);
}

static void expect_error_prefix(const char *conf, const char *topo, int want_rc, int in_topo, const char *want)
{
	check_error(conf, topo, want_rc, in_topo, want, 1);
}

static const char *const *expand(const char *expr, int *n)
{
	static char **names;
	static int nnames;
	char err[CS_ERRLEN] = "";
	cs_slurm_hostlist_free(names, nnames);
	names = NULL;
	int rc = cs_slurm_hostlist_expand(expr, &names, &nnames, err, sizeof err);
	cr_assert_eq(rc, 0, "%s: %s", expr, err);
	*n = nnames;
	return (const char *const *)names;
}

static void expect_names(const char *expr, const char *const *want, int nwant)
{
	int n;
	const char *const *got = expand(expr, &n);
	cr_assert_eq(n, nwant, "%s: %d names, expected %d", expr, n, nwant);
	for (int i = 0; i < n; i++)
		cr_expect_str_eq(got[i], want[i], "%s: name %d", expr, i);
}

static void expect_bad_hostlist(const char *expr, const char *want)
{
	char **names = (char **)&names, err[CS_ERRLEN] = "";
	int n = -1;
	cr_expect_eq(cs_slurm_hostlist_expand(expr, &names, &n, err, sizeof err), -CS_EPARSE, "%s accepted", expr);
	cr_expect_null(names);
	cr_expect_eq(n, 0);
	cr_expect_str_eq(err, want);
}

/* ---- hostlists --------------------------------------------------------------- */

Test(slurmconf, hostlist_range_keeps_the_lower_bounds_zero_padding)
{
	int n;
	const char *const *h = expand("h100-[001-110]", &n);
	cr_assert_eq(n, 110);
	cr_expect_str_eq(h[0], "h100-001");
	cr_expect_str_eq(h[9], "h100-010");
	cr_expect_str_eq(h[109], "h100-110");
	expect_names("n[08-11]", (const char *const[]){ "n08", "n09", "n10", "n11" }, 4);
	/* the width is the lower bound's: 9 then 10, no padding */
	expect_names("n[9-10]", (const char *const[]){ "n9", "n10" }, 2);
}

Test(slurmconf, hostlist_mixes_ranges_and_single_numbers_in_order)
{
	expect_names("gpu[1-4,7,10-12]",
		     (const char *const[]){ "gpu1", "gpu2", "gpu3", "gpu4", "gpu7", "gpu10", "gpu11", "gpu12" }, 8);
}

Test(slurmconf, hostlist_bracket_groups_give_their_product_leftmost_slowest)
{
	expect_names("a[1-2]b[3-4]", (const char *const[]){ "a1b3", "a1b4", "a2b3", "a2b4" }, 4);
	expect_names("r[1-2]-ib", (const char *const[]){ "r1-ib", "r2-ib" }, 2);
}

Test(slurmconf, hostlist_commas_outside_brackets_separate_items)
{
	expect_names("n1,n2,c[1-2]", (const char *const[]){ "n1", "n2", "c1", "c2" }, 4);
	expect_names("login", (const char *const[]){ "login" }, 1);
}

Test(slurmconf, hostlist_rejects_malformed_expressions_with_the_reason)
{
	expect_bad_hostlist("n[5-3]", "n[5-3]: range 5-3 runs backwards");
	expect_bad_hostlist("n[1-", "n[1-: '[' without a closing ']'");
	expect_bad_hostlist("n[1", "n[1: '[' without a closing ']'");
	expect_bad_hostlist("n[a-b]", "n[a-b]: expected a number or a range in brackets at \"a-b]\"");
	expect_bad_hostlist("n[]", "n[]: expected a number or a range in brackets at \"]\"");
	expect_bad_hostlist("n1]", "n1]: ']' without an opening '['");
	expect_bad_hostlist("n[1[2]]", "n[1[2]]: unexpected '[' in brackets");
	expect_bad_hostlist("n1,,n2", "\"n1,,n2\": empty name in the list");
	expect_bad_hostlist("n[1-2000000]", "more than 1048576 names");
}

/* ---- time limits ------------------------------------------------------------- */

Test(slurmconf, time_limits_in_every_slurm_format)
{
	static const struct { const char *s; int64_t want; } cases[] = {
		{ "UNLIMITED", -1 }, { "infinite", -1 }, { "-1", -1 },
		{ "0", 0 },
		{ "30", 30 * 60 },                              /* minutes */
		{ "30:15", 30 * 60 + 15 },                      /* minutes:seconds */
		{ "2:30:15", 2 * 3600 + 30 * 60 + 15 },         /* hours:minutes:seconds */
		{ "2-12", 2 * 86400 + 12 * 3600 },              /* days-hours */
		{ "2-12:30", 2 * 86400 + 12 * 3600 + 30 * 60 }, /* days-hours:minutes */
		{ "1-00:00:01", 86400 + 1 },                    /* days-hours:minutes:seconds */
		{ "90", 90 * 60 },                              /* not range checked, as in Slurm */
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		int64_t got = -99;
		cr_expect_eq(cs_slurm_time_parse(cases[i].s, &got), 0, "%s rejected", cases[i].s);
		cr_expect_eq(got, cases[i].want, "%s: %lld s, expected %lld", cases[i].s, (long long)got,
			     (long long)cases[i].want);
	}
	static const char *const bad[] = { "", "1:2:3:4", "1-2-3", "1h", "-5", "1:", ":5", "1-", "1--2", "UNLIMITEDX" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		int64_t got;
		cr_expect_eq(cs_slurm_time_parse(bad[i], &got), -CS_EPARSE, "\"%s\" accepted", bad[i]);
	}
}

/* ---- the fixture site ------------------------------------------------------------ */

Test(slurmconf, site_nodes_field_by_field)
{
	cs_slurmconf *c = load_fixture("site");
	cr_expect_str_eq(c->cluster_name, "capsim-test");
	cr_assert_eq(c->nnodes, 12);
	const char *const names[] = { "h100-01", "h100-02", "h100-03", "h100-04", "cpu001", "cpu002",
				      "cpu003", "cpu004", "cpu005", "cpu006", "cpu007", "cpu008" };
	for (int i = 0; i < 12; i++) {
		cr_expect_str_eq(c->nodes[i].name, names[i]);
		cr_expect_eq(cs_slurmconf_node_find(c, names[i]), i);
		/* NodeName=DEFAULT State=UNKNOWN applies to both lines */
		cr_expect_str_eq(c->nodes[i].state, "UNKNOWN");
	}
	cr_expect_eq(cs_slurmconf_node_find(c, "h100-05"), -1);

	const cs_slurm_node *h = &c->nodes[3];
	cr_expect_eq(h->line, 17); /* the NodeName line, which continues on line 18 */
	cr_expect_eq(h->boards, 1);
	cr_expect_eq(h->sockets_per_board, 2);
	cr_expect_eq(h->sockets, 2);
	cr_expect_eq(h->cores_per_socket, 56);
	cr_expect_eq(h->threads_per_core, 2);
	cr_expect_eq(h->cpus, 224); /* 2 x 56 x 2 */
	cr_expect_eq(h->real_memory_mib, 2000000);
	cr_assert_eq(h->ngres, 1);
	cr_expect_str_eq(h->gres[0].type, "gpu");
	cr_expect_str_eq(h->gres[0].model, "h100");
	cr_expect_eq(h->gres[0].count, 8);
	cr_assert_eq(h->nfeatures, 2);
	cr_expect_str_eq(h->features[0], "h100");
	cr_expect_str_eq(h->features[1], "nvlink");
	cr_expect_eq(h->weight, 10);
	cr_expect_eq(h->leaf_switch, 0);
	cr_expect_eq(h->block, -1);

	const cs_slurm_node *p = &c->nodes[4];
	cr_expect_eq(p->line, 20);
	cr_expect_eq(p->cpus, 128);
	cr_expect_eq(p->sockets, 2); /* 128 / (64 x 1) */
	cr_expect_eq(p->cores_per_socket, 64);
	cr_expect_eq(p->threads_per_core, 1);
	cr_expect_eq(p->real_memory_mib, 512000);
	cr_expect_eq(p->ngres, 0);
	cr_assert_eq(p->nfeatures, 1);
	cr_expect_str_eq(p->features[0], "genoa");
	cr_expect_eq(p->weight, 1);
	cr_expect_eq(p->leaf_switch, 1);
	cs_slurmconf_free(c);
}

Test(slurmconf, site_partitions_field_by_field)
{
	cs_slurmconf *c = load_fixture("site");
	cr_assert_eq(c->npartitions, 3);
	const cs_slurm_partition *g = &c->partitions[0], *p = &c->partitions[1], *a = &c->partitions[2];
	cr_expect_str_eq(g->name, "gpu");
	cr_assert_eq(g->nnodes, 4);
	for (int i = 0; i < 4; i++)
		cr_expect_eq(g->nodes[i], i);
	cr_expect_eq(g->max_time_s, 2 * 86400);
	cr_expect_eq(g->default_time_s, 3600);
	cr_expect_eq(g->max_nodes, 4);
	cr_expect_eq(g->min_nodes, 0);
	cr_expect_eq(g->is_default, 0);
	cr_expect_str_eq(g->state, "UP"); /* from PartitionName=DEFAULT */
	cr_expect_eq(g->priority_tier, 10);
	cr_expect_eq(g->priority_job_factor, 1);

	cr_expect_str_eq(p->name, "cpu");
	cr_assert_eq(p->nnodes, 8);
	for (int i = 0; i < 8; i++)
		cr_expect_eq(p->nodes[i], 4 + i);
	cr_expect_eq(p->max_time_s, 86400 + 12 * 3600);
	cr_expect_eq(p->default_time_s, 30 * 60);
	cr_expect_eq(p->max_nodes, -1); /* DEFAULT's MaxNodes=UNLIMITED */
	cr_expect_eq(p->is_default, 1);
	cr_expect_eq(p->priority_tier, 1);

	/* lower-case keys, Nodes=ALL */
	cr_expect_str_eq(a->name, "all");
	cr_assert_eq(a->nnodes, 12);
	for (int i = 0; i < 12; i++)
		cr_expect_eq(a->nodes[i], i);
	cr_expect_eq(a->max_time_s, -1);
	cr_expect_eq(a->default_time_s, -1); /* no DefaultTime: the MaxTime */
	cr_expect_str_eq(a->state, "DOWN");
	cr_expect_eq(a->line, 26);
	cs_slurmconf_free(c);
}

Test(slurmconf, site_topology_is_two_leaves_under_a_spine)
{
	cs_slurmconf *c = load_fixture("site");
	cr_assert_not_null(c->topology_path);
	cr_expect(strstr(c->topology_path, "tests/data/slurm/site/topology.conf") != NULL, "%s", c->topology_path);
	cr_assert_eq(c->nswitches, 3);
	cr_expect_eq(c->nlevels, 2);
	const cs_slurm_switch *l1 = &c->switches[0], *l2 = &c->switches[1], *sp = &c->switches[2];
	cr_expect_str_eq(l1->name, "leaf1");
	cr_expect_eq(l1->line, 2);
	cr_expect_eq(l1->nnodes, 4);
	cr_expect_eq(l1->nodes[0], 0);
	cr_expect_eq(l1->nchildren, 0);
	cr_expect_eq(l1->link_speed, 400);
	cr_expect_eq(l1->parent, 2);
	cr_expect_eq(l1->level, 0);
	cr_expect_str_eq(l2->name, "leaf2");
	cr_expect_eq(l2->nnodes, 8);
	cr_expect_eq(l2->nodes[7], 11);
	cr_expect_eq(l2->link_speed, 200);
	cr_expect_eq(l2->parent, 2);
	cr_expect_str_eq(sp->name, "spine");
	cr_assert_eq(sp->nchildren, 2);
	cr_expect_eq(sp->children[0], 0);
	cr_expect_eq(sp->children[1], 1);
	cr_expect_eq(sp->nnodes, 0);
	cr_expect_eq(sp->link_speed, 1);
	cr_expect_eq(sp->parent, -1);
	cr_expect_eq(sp->level, 1);
	cr_expect_eq(cs_slurmconf_switch_find(c, "spine"), 2);
	cr_expect_eq(cs_slurmconf_switch_find(c, "leaf3"), -1);
	cr_expect_eq(c->nblocks, 0);
	cs_slurmconf_free(c);
}

Test(slurmconf, site_global_keys_are_recorded_as_ignored)
{
	cs_slurmconf *c = load_fixture("site");
	/* lines 4-13: SlurmctldHost .. GresTypes; ClusterName is kept, not ignored */
	cr_assert_eq(c->nignored, 10);
	cr_expect_str_eq(c->ignored[0].key, "SlurmctldHost");
	cr_expect_str_eq(c->ignored[0].value, "ctl01(10.0.0.1)");
	cr_expect_eq(c->ignored[0].line, 4);
	cr_expect_str_eq(c->ignored[1].key, "AuthType");
	cr_expect_str_eq(c->ignored[1].value, "auth/munge");
	cr_expect_eq(c->ignored[1].line, 5);
	cr_expect_str_eq(c->ignored[1].file, c->path);
	cr_expect_str_eq(c->ignored[9].key, "GresTypes");
	cs_slurmconf_free(c);
}

Test(slurmconf, block_topology_and_boards)
{
	cs_slurmconf *c = load_fixture("block");
	cr_assert_eq(c->nnodes, 16);
	const cs_slurm_node *n = &c->nodes[0];
	/* Boards=1 Sockets=2: Sockets means per board */
	cr_expect_eq(n->boards, 1);
	cr_expect_eq(n->sockets_per_board, 2);
	cr_expect_eq(n->sockets, 2);
	cr_expect_eq(n->cpus, 144);
	cr_expect_str_eq(n->gres[0].model, "gb200");
	cr_expect_eq(n->gres[0].count, 4);
	cr_expect_eq(c->nswitches, 0);
	cr_expect_eq(c->nlevels, 0);
	cr_assert_eq(c->nblocks, 2);
	cr_expect_str_eq(c->blocks[1].name, "nvl2");
	cr_expect_eq(c->blocks[1].nnodes, 8);
	cr_expect_eq(c->blocks[1].nodes[0], 8);
	cr_expect_eq(c->nodes[15].block, 1);
	cr_expect_eq(c->nodes[7].block, 0);
	cr_assert_eq(c->nblock_sizes, 2);
	cr_expect_eq(c->block_sizes[0], 8);
	cr_expect_eq(c->block_sizes[1], 16);
	cr_expect_eq(c->partitions[0].max_time_s, 4 * 3600);
	cs_slurmconf_free(c);
}

/* ---- syntax -------------------------------------------------------------------- */

Test(slurmconf, default_lines_merge_and_apply_to_later_lines_only)
{
	cs_slurmconf *c = load_text("NodeName=a1 CPUs=2\n"
				    "NodeName=DEFAULT CPUs=8 RealMemory=1000 Gres=gpu:2\n"
				    "NodeName=DEFAULT RealMemory=2000\n" /* merges: CPUs and Gres stay */
				    "NodeName=b[1-2]\n"
				    "NodeName=c1 CPUs=4 Gres=gpu:a100:1,nvme:no_consume:1K\n"
				    "PartitionName=DEFAULT MaxTime=10 State=DRAIN\n"
				    "PartitionName=p1 Nodes=a1\n"
				    "PartitionName=DEFAULT MaxTime=20\n"
				    "PartitionName=p2 Nodes=b1,c1 State=UP\n",
				    NULL);
	cr_assert_eq(c->nnodes, 4);
	cr_expect_eq(c->nodes[0].cpus, 2);
	cr_expect_eq(c->nodes[0].real_memory_mib, 1); /* Slurm's default */
	cr_expect_eq(c->nodes[0].ngres, 0);
	cr_expect_eq(c->nodes[1].cpus, 8);
	cr_expect_eq(c->nodes[1].real_memory_mib, 2000);
	cr_assert_eq(c->nodes[2].ngres, 1);
	cr_expect_str_eq(c->nodes[2].gres[0].type, "gpu");
	cr_expect_str_eq(c->nodes[2].gres[0].model, "");
	cr_expect_eq(c->nodes[2].gres[0].count, 2);
	cr_expect_eq(c->nodes[3].cpus, 4);
	cr_expect_eq(c->nodes[3].real_memory_mib, 2000);
	cr_assert_eq(c->nodes[3].ngres, 2); /* the line's Gres replaces the DEFAULT's */
	cr_expect_str_eq(c->nodes[3].gres[0].model, "a100");
	cr_expect_str_eq(c->nodes[3].gres[1].type, "nvme");
	cr_expect_eq(c->nodes[3].gres[1].count, 1024);
	cr_expect(c->topology_path == NULL);
	cr_expect_eq(c->partitions[0].max_time_s, 600);
	cr_expect_str_eq(c->partitions[0].state, "DRAIN");
	cr_expect_eq(c->partitions[1].max_time_s, 1200);
	cr_expect_str_eq(c->partitions[1].state, "UP");
	cr_assert_eq(c->partitions[1].nnodes, 2);
	cr_expect_eq(c->partitions[1].nodes[1], 3);
	cs_slurmconf_free(c);
}

Test(slurmconf, continuation_lines_comments_quotes_and_case_insensitive_keys)
{
	cs_slurmconf *c = load_text("# site\n"
				    "clustername=x # trailing comment\n"
				    "NODENAME=n[1-2] \\\n"
				    "    cpus=16 \\\n"
				    "    REALMEMORY=64000 reason=\"a # in quotes\"\n"
				    "\n"
				    "partitionNAME=p NODES=n[1-2] MAXTIME=1:00:00 default=yes\n",
				    NULL);
	cr_expect_str_eq(c->cluster_name, "x");
	cr_assert_eq(c->nnodes, 2);
	cr_expect_eq(c->nodes[1].cpus, 16);
	cr_expect_eq(c->nodes[1].real_memory_mib, 64000);
	cr_expect_eq(c->nodes[1].line, 3);
	cr_expect_eq(c->partitions[0].max_time_s, 3600);
	cr_expect_eq(c->partitions[0].is_default, 1);
	cs_slurmconf_free(c);
}

Test(slurmconf, include_reads_a_file_from_slurm_confs_directory)
{
	scratch s;
	scratch_make(&s, "ClusterName=inc\nInclude nodes.conf\nPartitionName=p Nodes=ALL\n", NULL);
	char inc[160], err[CS_ERRLEN] = "";
	th_in(inc, sizeof inc, s.dir, "nodes.conf");
	write_file(inc, "NodeName=n[1-3] CPUs=4\n");
	cs_slurmconf *c = NULL;
	int rc = cs_slurmconf_load(&c, s.conf, err, sizeof err);
	unlink(inc);
	scratch_remove(&s);
	cr_assert_eq(rc, 0, "%s", err);
	cr_expect_eq(c->nnodes, 3);
	cr_expect_eq(c->partitions[0].nnodes, 3);
	cr_expect(strstr(c->nodes[0].file, "/nodes.conf") != NULL);
	cs_slurmconf_free(c);
}

/* ---- errors -------------------------------------------------------------------- */

Test(slurmconf, missing_file_is_an_io_error)
{
	char err[CS_ERRLEN] = "";
	cs_slurmconf *c = NULL;
	cr_expect_eq(cs_slurmconf_load(&c, "/nonexistent/slurm.conf", err, sizeof err), -CS_EIO);
	cr_expect_null(c);
	cr_expect_str_eq(err, "/nonexistent/slurm.conf: cannot open: No such file or directory");
	expect_error_prefix("Include missing.conf\n", NULL, -CS_EIO, 0, "1: Include: /tmp/capsim-slurm-");
	/* a device never ends: Include /dev/zero read 2.1 GB before */
	expect_error("ClusterName=x\nInclude /dev/zero\n", NULL, -CS_EIO, 0,
		     "2: Include: /dev/zero: not a regular file");
	/* a line past the cap */
	size_t n = (1 << 20) + 16;
	char *big = malloc(n + 16);
	memcpy(big, "ClusterName=", 12);
	memset(big + 12, 'x', n - 12);
	strcpy(big + n, "\n");
	expect_error_prefix(big, NULL, -CS_EPARSE, 0, "1: line: longer than 1048576 bytes");
	free(big);
}

Test(slurmconf, malformed_node_values_name_file_line_and_key)
{
	expect_error("ClusterName=x\nNodeName=n1 CoresPerSocket=many\n", NULL, -CS_EPARSE, 0,
		     "2: CoresPerSocket: expected an integer from 1 to 65535, got \"many\"");
	expect_error("NodeName=n1 cpus=0\n", NULL, -CS_EPARSE, 0, "1: CPUs: expected an integer from 1 to 65535, got \"0\"");
	expect_error("NodeName=n1 RealMemory=2T\n", NULL, -CS_EPARSE, 0,
		     "1: RealMemory: expected an integer >= 0, got \"2T\"");
	expect_error("NodeName=n1 Gres=gpu:h100:x8\n", NULL, -CS_EPARSE, 0,
		     "1: Gres: \"gpu:h100:x8\": count \"x8\" is not a number");
	expect_error("NodeName=n1 Gres=gpu::8\n", NULL, -CS_EPARSE, 0,
		     "1: Gres: \"gpu::8\": empty field, expected NAME[:TYPE][:COUNT]");
	expect_error("NodeName=n1 Gres=gpu:a:b:8\n", NULL, -CS_EPARSE, 0,
		     "1: Gres: \"gpu:a:b:8\": too many fields, expected NAME[:TYPE][:COUNT]");
	expect_error("NodeName=n1 Sockets=2 SocketsPerBoard=2\n", NULL, -CS_EPARSE, 0,
		     "1: Sockets: Sockets and SocketsPerBoard are mutually exclusive");
	expect_error("NodeName=n1 Colour=blue\n", NULL, -CS_EPARSE, 0, "1: Colour: unknown key on a NodeName line");
	expect_error("NodeName=n[5-3] CPUs=2\n", NULL, -CS_EPARSE, 0, "1: NodeName: n[5-3]: range 5-3 runs backwards");
	expect_error("NodeName=n[1- CPUs=2\n", NULL, -CS_EPARSE, 0, "1: NodeName: n[1-: '[' without a closing ']'");
	expect_error_prefix("NodeName=n[1-2]\nNodeName=n2\n", NULL, -CS_EINVAL, 0,
			    "2: NodeName: duplicate node \"n2\" (first at /tmp/capsim-slurm-");
}

Test(slurmconf, an_error_on_a_continued_line_names_its_physical_line)
{
	expect_error("NodeName=n1 \\\n  CPUs=4 \\\n  Weight=heavy\n", NULL, -CS_EPARSE, 0,
		     "3: Weight: expected an integer from 0 to 4294967295, got \"heavy\"");
	expect_error("NodeName=n1 \\\n", NULL, -CS_EPARSE, 0, "1: \\: continuation at the end of the file");
	expect_error("NodeName=n1 Reason=\"open\n", NULL, -CS_EPARSE, 0, "1: Reason: value without its closing '\"'");
	expect_error("NodeName=n1 CPUs\n", NULL, -CS_EPARSE, 0, "1: CPUs: expected Key=Value");
}

Test(slurmconf, malformed_partition_values_name_file_line_and_key)
{
	const char *nodes = "NodeName=n[1-2]\n";
	char conf[256];
	static const struct { const char *line, *want; int rc; } cases[] = {
		{ "PartitionName=p Nodes=n1 MaxTime=1:2:3:4",
		  "2: MaxTime: expected UNLIMITED, MINUTES, MINUTES:SECONDS, HOURS:MINUTES:SECONDS, DAYS-HOURS, "
		  "DAYS-HOURS:MINUTES or DAYS-HOURS:MINUTES:SECONDS, got \"1:2:3:4\"", -CS_EPARSE },
		{ "PartitionName=p Nodes=n1 MaxNodes=lots", "2: MaxNodes: expected an integer >= 0 or UNLIMITED, got \"lots\"", -CS_EPARSE },
		{ "PartitionName=p Default=maybe", "2: Default: expected YES or NO, got \"maybe\"", -CS_EPARSE },
		{ "PartitionName=p State=OPEN", "2: State: expected UP, DOWN, DRAIN or INACTIVE, got \"OPEN\"", -CS_EPARSE },
		{ "PartitionName=p MaxWalltime=10", "2: MaxWalltime: unknown key on a PartitionName line", -CS_EPARSE },
		{ "PartitionName=p Nodes=n[1-3]", "2: Nodes: unknown node \"n3\"", -CS_EINVAL },
		{ "PartitionName=p Nodes=n[2-1]", "2: Nodes: n[2-1]: range 2-1 runs backwards", -CS_EPARSE },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		snprintf(conf, sizeof conf, "%s%s\n", nodes, cases[i].line);
		expect_error(conf, NULL, cases[i].rc, 0, cases[i].want);
	}
	expect_error_prefix("NodeName=n1\nPartitionName=p\nPartitionName=p\n", NULL, -CS_EINVAL, 0,
		     "3: PartitionName: duplicate partition \"p\" (first at ");
}

Test(slurmconf, malformed_topology_names_topology_conf_line_and_key)
{
	const char *conf = "NodeName=n[1-4]\n";
	expect_error(conf, "SwitchName=s1 Nodes=n[1-5]\n", -CS_EINVAL, 1, "1: Nodes: unknown node \"n5\"");
	expect_error(conf, "SwitchName=s1 Nodes=n[1-2]\nSwitchName=top Switches=s[1-2]\n", -CS_EINVAL, 1,
		     "2: Switches: unknown switch \"s2\"");
	expect_error(conf, "SwitchName=s1 Nodes=n[1-2]\nSwitchName=s1 Nodes=n[3-4]\n", -CS_EINVAL, 1,
		     "2: SwitchName: duplicate switch \"s1\" (first at line 1)");
	expect_error(conf, "SwitchName=s1 Nodes=n1\nSwitchName=a Switches=s1\nSwitchName=b Switches=s1\n", -CS_EINVAL, 1,
		     "3: Switches: switch \"s1\" already has parent \"a\" (line 2)");
	expect_error(conf, "SwitchName=a Switches=b\nSwitchName=b Switches=a\n", -CS_EINVAL, 1,
		     "1: Switches: switch \"a\" is on a cycle");
	expect_error(conf, "SwitchName=s1 Nodes=n1 Speed=100\n", -CS_EPARSE, 1, "1: Speed: unknown key on a SwitchName line");
	expect_error(conf, "SwitchName=s1 Nodes=n1 LinkSpeed=fast\n", -CS_EPARSE, 1,
		     "1: LinkSpeed: expected an integer >= 0, got \"fast\"");
	expect_error(conf, "Rack=r1 Nodes=n1\n", -CS_EPARSE, 1,
		     "1: Rack: unknown key, expected SwitchName, BlockName or BlockSizes");
	expect_error(conf, "SwitchName=s1 Nodes=n1\nBlockName=b1 Nodes=n2\n", -CS_EPARSE, 1,
		     "2: BlockName: topology/block blocks mixed with topology/tree switches");
	expect_error(conf, "BlockName=b1 Nodes=n[1-2]\nBlockName=b2 Nodes=n[2-3]\n", -CS_EINVAL, 1,
		     "2: Nodes: node \"n2\" is already in block \"b1\" (line 1)");
	expect_error(conf, "BlockName=b1 Nodes=n[1-4]\nBlockSizes=2,6\n", -CS_EPARSE, 1,
		     "2: BlockSizes: 6 is not a power-of-two multiple of 2");
}
