/* capsim: topology.conf, read after slurm.conf: topology/tree switches
 * or topology/block blocks, resolved to node and switch indices. */
#include "slurmconf_int.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* ---- topology.conf ---------------------------------------------------------------- */

typedef struct topo {
	cs_slurm_switch *sw;
	const char **sw_children; /* Switches= hostlist per switch, NULL if none */
	const char **sw_nodes;
	int nsw, capsw, capchild, capswn;
	cs_slurm_block *bl;
	const char **bl_nodes;
	int nbl, capbl, capbln;
	int64_t *sizes;
	int nsizes, sizes_line;
} topo;

static int switch_line(ld *l, topo *t, const pair *pr, int np)
{
	if (t->nbl || t->nsizes)
		return cs_sc_fail(l, -CS_EPARSE, pr[0].line, "SwitchName",
				  "topology/tree switches mixed with topology/block blocks");
	if (!*pr[0].val)
		return cs_sc_fail(l, -CS_EPARSE, pr[0].line, "SwitchName", "empty, expected a name");
	if (cs_sc_grow(&t->sw, &t->capsw, t->nsw, sizeof *t->sw) ||
	    cs_sc_grow(&t->sw_children, &t->capchild, t->nsw, sizeof *t->sw_children) ||
	    cs_sc_grow(&t->sw_nodes, &t->capswn, t->nsw, sizeof *t->sw_nodes))
		return cs_sc_oom(l);
	cs_slurm_switch *s = &t->sw[t->nsw];
	*s = (cs_slurm_switch){ .name = cs_sc_own_str(l, pr[0].val), .line = pr[0].line, .link_speed = 1, .parent = -1 };
	if (!s->name)
		return cs_sc_oom(l);
	t->sw_children[t->nsw] = t->sw_nodes[t->nsw] = NULL;
	for (int i = 1; i < np; i++) {
		const pair *p = &pr[i];
		if (strcasecmp(p->key, "Switches") == 0)
			t->sw_children[t->nsw] = p->val;
		else if (strcasecmp(p->key, "Nodes") == 0)
			t->sw_nodes[t->nsw] = p->val;
		else if (strcasecmp(p->key, "LinkSpeed") == 0) {
			int rc = cs_sc_get_int(l, p, "LinkSpeed", 0, INT64_MAX, &s->link_speed);
			if (rc)
				return rc;
		} else
			return cs_sc_fail(l, -CS_EPARSE, p->line, p->key, "unknown key on a SwitchName line");
	}
	t->nsw++;
	return 0;
}

static int block_line(ld *l, topo *t, const pair *pr, int np)
{
	if (t->nsw)
		return cs_sc_fail(l, -CS_EPARSE, pr[0].line, pr[0].key[5] == 'S' || pr[0].key[5] == 's' ? "BlockSizes" : "BlockName",
				  "topology/block blocks mixed with topology/tree switches");
	if (strcasecmp(pr[0].key, "BlockSizes") == 0) {
		if (np > 1)
			return cs_sc_fail(l, -CS_EPARSE, pr[1].line, pr[1].key, "unknown key on a BlockSizes line");
		if (t->nsizes)
			return cs_sc_fail(l, -CS_EPARSE, pr[0].line, "BlockSizes", "given twice (first at line %d)", t->sizes_line);
		int cap = 1;
		for (const char *q = pr[0].val; *q; q++)
			cap += *q == ',';
		if (!(t->sizes = cs_sc_own(l, calloc((size_t)cap, sizeof *t->sizes))))
			return cs_sc_oom(l);
		char *buf = cs_sc_own_str(l, pr[0].val), *save = NULL;
		if (!buf)
			return cs_sc_oom(l);
		for (char *s = strtok_r(buf, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
			int64_t v;
			if (cs_slurm_uint(s, 1, INT_MAX, &v))
				return cs_sc_fail(l, -CS_EPARSE, pr[0].line, "BlockSizes", "expected integers >= 1, got \"%s\"", s);
			/* topology.conf(5): each size is a power-of-two multiple of the one before */
			int64_t prev = t->nsizes ? t->sizes[t->nsizes - 1] : 0;
			if (prev && (v <= prev || v % prev || ((v / prev) & (v / prev - 1))))
				return cs_sc_fail(l, -CS_EPARSE, pr[0].line, "BlockSizes",
						  "%lld is not a power-of-two multiple of %lld", (long long)v, (long long)prev);
			t->sizes[t->nsizes++] = v;
		}
		if (!t->nsizes)
			return cs_sc_fail(l, -CS_EPARSE, pr[0].line, "BlockSizes", "empty, expected N[,N...]");
		t->sizes_line = pr[0].line;
		return 0;
	}
	if (!*pr[0].val)
		return cs_sc_fail(l, -CS_EPARSE, pr[0].line, "BlockName", "empty, expected a name");
	if (cs_sc_grow(&t->bl, &t->capbl, t->nbl, sizeof *t->bl) || cs_sc_grow(&t->bl_nodes, &t->capbln, t->nbl, sizeof *t->bl_nodes))
		return cs_sc_oom(l);
	cs_slurm_block *b = &t->bl[t->nbl];
	*b = (cs_slurm_block){ .name = cs_sc_own_str(l, pr[0].val), .line = pr[0].line };
	if (!b->name)
		return cs_sc_oom(l);
	t->bl_nodes[t->nbl] = NULL;
	for (int i = 1; i < np; i++) {
		if (strcasecmp(pr[i].key, "Nodes") != 0)
			return cs_sc_fail(l, -CS_EPARSE, pr[i].line, pr[i].key, "unknown key on a BlockName line");
		t->bl_nodes[t->nbl] = pr[i].val;
	}
	t->nbl++;
	return 0;
}

static int topo_line(ld *l, const pair *pr, int np)
{
	topo *t = l->topo;
	for (int i = 0; i < np; i++)
		if (!pr[i].val)
			return cs_sc_fail(l, -CS_EPARSE, pr[i].line, pr[i].key, "expected Key=Value");
	/* the hostlists are resolved after the whole file: keep them */
	pair *own_pr = cs_sc_own(l, malloc((size_t)np * sizeof *own_pr));
	if (!own_pr)
		return cs_sc_oom(l);
	for (int i = 0; i < np; i++)
		if (!(own_pr[i].val = cs_sc_own_str(l, pr[i].val)) || !(own_pr[i].key = cs_sc_own_str(l, pr[i].key)))
			return cs_sc_oom(l);
		else
			own_pr[i].line = pr[i].line;
	if (strcasecmp(pr[0].key, "SwitchName") == 0)
		return switch_line(l, t, own_pr, np);
	if (strcasecmp(pr[0].key, "BlockName") == 0 || strcasecmp(pr[0].key, "BlockSizes") == 0)
		return block_line(l, t, own_pr, np);
	return cs_sc_fail(l, -CS_EPARSE, pr[0].line, pr[0].key, "unknown key, expected SwitchName, BlockName or BlockSizes");
}

static int resolve_switches(ld *l, topo *t)
{
	cs_slurmconf *c = l->c;
	name_idx *by = cs_sc_own(l, calloc((size_t)(t->nsw ? t->nsw : 1), sizeof *by));
	if (!by)
		return cs_sc_oom(l);
	for (int i = 0; i < t->nsw; i++)
		by[i] = (name_idx){ t->sw[i].name, i };
	qsort(by, (size_t)t->nsw, sizeof *by, cs_sc_name_cmp);
	for (int i = 1; i < t->nsw; i++)
		if (strcmp(by[i].name, by[i - 1].name) == 0)
			return cs_sc_fail(l, -CS_EINVAL, t->sw[by[i].idx].line, "SwitchName", "duplicate switch \"%s\" (first at line %d)",
					  by[i].name, t->sw[by[i - 1].idx].line);
	l->pv->switch_by_name = by;
	c->switches = t->sw;
	c->nswitches = t->nsw;
	for (int i = 0; i < t->nsw; i++) {
		cs_slurm_switch *s = &t->sw[i];
		if (t->sw_nodes[i]) {
			int rc = cs_sc_resolve_nodes(l, t->sw_nodes[i], s->line, "Nodes", &s->nodes, &s->nnodes);
			if (rc)
				return rc;
			for (int j = 0; j < s->nnodes; j++)
				if (l->nodes[s->nodes[j]].leaf_switch < 0)
					l->nodes[s->nodes[j]].leaf_switch = i;
		}
		if (!t->sw_children[i])
			continue;
		char **names;
		int n;
		char msg[320];
		int rc = cs_slurm_hostlist_expand(t->sw_children[i], &names, &n, msg, sizeof msg);
		if (rc)
			return rc == -CS_ENOMEM ? cs_sc_oom(l) : cs_sc_fail(l, rc, s->line, "Switches", "%s", msg);
		int *kids = cs_sc_own(l, calloc((size_t)(n ? n : 1), sizeof *kids));
		if (!kids)
			rc = cs_sc_oom(l);
		for (int j = 0; rc == 0 && j < n; j++) {
			int k = cs_slurmconf_switch_find(c, names[j]);
			if (k < 0)
				rc = cs_sc_fail(l, -CS_EINVAL, s->line, "Switches", "unknown switch \"%s\"", names[j]);
			else if (k == i)
				rc = cs_sc_fail(l, -CS_EINVAL, s->line, "Switches", "switch \"%s\" is its own child", names[j]);
			else if (t->sw[k].parent >= 0)
				rc = cs_sc_fail(l, -CS_EINVAL, s->line, "Switches", "switch \"%s\" already has parent \"%s\" (line %d)",
						names[j], t->sw[t->sw[k].parent].name, t->sw[t->sw[k].parent].line);
			else {
				t->sw[k].parent = i;
				kids[j] = k;
			}
		}
		cs_slurm_hostlist_free(names, n);
		if (rc)
			return rc;
		s->children = kids;
		s->nchildren = n;
	}
	/* Levels from the leaves up (Kahn's order): a switch is done once all
	 * its children are; one never done sits on a cycle. */
	int *pending = calloc((size_t)(t->nsw ? t->nsw : 1), sizeof *pending);
	int *queue = calloc((size_t)(t->nsw ? t->nsw : 1), sizeof *queue);
	if (!pending || !queue) {
		free(pending);
		free(queue);
		return cs_sc_oom(l);
	}
	int head = 0, tail = 0;
	for (int i = 0; i < t->nsw; i++)
		if (!(pending[i] = t->sw[i].nchildren))
			queue[tail++] = i;
	while (head < tail) {
		int s = queue[head++], p = t->sw[s].parent;
		if (t->sw[s].level + 1 > c->nlevels)
			c->nlevels = t->sw[s].level + 1;
		if (p < 0)
			continue;
		if (t->sw[p].level < t->sw[s].level + 1)
			t->sw[p].level = t->sw[s].level + 1;
		if (--pending[p] == 0)
			queue[tail++] = p;
	}
	int rc = 0;
	for (int i = 0; i < t->nsw && tail < t->nsw; i++)
		if (pending[i]) {
			rc = cs_sc_fail(l, -CS_EINVAL, t->sw[i].line, "Switches", "switch \"%s\" is on a cycle", t->sw[i].name);
			break;
		}
	free(pending);
	free(queue);
	return rc;
}

static int resolve_blocks(ld *l, topo *t)
{
	for (int i = 0; i < t->nbl; i++) {
		cs_slurm_block *b = &t->bl[i];
		for (int j = 0; j < i; j++)
			if (strcmp(t->bl[j].name, b->name) == 0)
				return cs_sc_fail(l, -CS_EINVAL, b->line, "BlockName", "duplicate block \"%s\" (first at line %d)",
						  b->name, t->bl[j].line);
		if (!t->bl_nodes[i])
			continue;
		int rc = cs_sc_resolve_nodes(l, t->bl_nodes[i], b->line, "Nodes", &b->nodes, &b->nnodes);
		if (rc)
			return rc;
		for (int j = 0; j < b->nnodes; j++) {
			cs_slurm_node *n = &l->nodes[b->nodes[j]];
			if (n->block >= 0)
				return cs_sc_fail(l, -CS_EINVAL, b->line, "Nodes", "node \"%s\" is already in block \"%s\" (line %d)",
						  n->name, t->bl[n->block].name, t->bl[n->block].line);
			n->block = i;
		}
	}
	l->c->blocks = t->bl;
	l->c->nblocks = t->nbl;
	l->c->block_sizes = t->sizes;
	l->c->nblock_sizes = t->nsizes;
	return 0;
}

int cs_sc_load_topology(ld *l)
{
	char path[PATH_MAX * 2];
	snprintf(path, sizeof path, "%s/topology.conf", l->dir);
	struct stat st;
	if (stat(path, &st) != 0 && errno == ENOENT)
		return 0; /* no topology: a flat network */
	topo t = { 0 };
	l->topo = &t;
	int rc = cs_sc_read_file(l, path, topo_line, 0);
	l->topo = NULL;
	/* the switch and block arrays become the model's whatever happens next */
	if ((t.sw && !cs_sc_own(l, t.sw)) || (t.bl && !cs_sc_own(l, t.bl)))
		rc = rc ? rc : cs_sc_oom(l);
	if (rc == 0) {
		l->c->topology_path = l->file = cs_sc_own_str(l, path);
		rc = l->file ? 0 : cs_sc_oom(l);
	}
	if (rc == 0)
		rc = resolve_switches(l, &t);
	if (rc == 0)
		rc = resolve_blocks(l, &t);
	free(t.sw_children);
	free(t.sw_nodes);
	free(t.bl_nodes);
	return rc;
}
