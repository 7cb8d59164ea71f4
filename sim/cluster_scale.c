/* capsim: a cluster with other node counts (`--scale`; capsim/cluster.h,
 * docs/clusters.md#scaling). The scaled cluster is a new cs_cluster that
 * shares its base's strings, topologies, fabric levels and storage and owns
 * only what the counts change: the node types, the partitions' lists of
 * them, the GPU models and the totals. */
#include "cluster_int.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCALE_SYNTAX "expected TYPE=F (F times the nodes), TYPE:=N (N nodes) or TYPE=+N / TYPE=-N " \
		     "(nodes added or removed), parts joined by ','"

/* A whole number of nodes, digits only (the sign is the caller's). */
static int whole(const char *s, double *out)
{
	if (!*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 9)
		return -1;
	*out = (double)strtol(s, NULL, 10);
	return 0;
}

/* A factor: a plain decimal number (digits, '.', an exponent), finite, >= 0. */
static int factor(const char *s, double *out)
{
	if (!*s || !(isdigit((unsigned char)*s) || *s == '.') || strspn(s, "0123456789.eE+-") != strlen(s))
		return -1;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (*end || errno || !isfinite(v) || v < 0)
		return -1;
	*out = v;
	return 0;
}

/* One part, NAME=VALUE or NAME:=VALUE, into *it. */
static int parse_part(const char *part, cs_cluster_scale_item *it, char *err, size_t errlen)
{
	const char *eq = strchr(part, '=');
	if (!eq) {
		snprintf(err, errlen, "--scale: '%s': no '=', %s", part, SCALE_SYNTAX);
		return -CS_EINVAL;
	}
	size_t nlen = (size_t)(eq - part);
	it->op = CS_SCALE_FACTOR;
	if (nlen > 0 && part[nlen - 1] == ':') {
		it->op = CS_SCALE_SET;
		nlen--;
	}
	if (nlen == 0) {
		snprintf(err, errlen, "--scale: '%s': no node type before '%s', %s", part,
			 it->op == CS_SCALE_SET ? ":=" : "=", SCALE_SYNTAX);
		return -CS_EINVAL;
	}
	if (nlen >= sizeof it->type) {
		snprintf(err, errlen, "--scale: '%.40s...': a node type name is at most %d bytes", part,
			 CS_CLUSTER_SCALE_NAME_MAX - 1);
		return -CS_EINVAL;
	}
	memcpy(it->type, part, nlen);
	it->type[nlen] = '\0';
	const char *v = eq + 1;
	int rc;
	if (it->op == CS_SCALE_SET) {
		rc = whole(v, &it->value);
		if (rc < 0)
			snprintf(err, errlen, "--scale: '%s': '%s' is not a node count (a whole number >= 0)", part, v);
	} else if (*v == '+' || *v == '-') {
		it->op = CS_SCALE_ADD;
		rc = whole(v + 1, &it->value);
		if (rc == 0 && *v == '-')
			it->value = -it->value;
		if (rc < 0)
			snprintf(err, errlen, "--scale: '%s': '%s' is not a whole number of nodes to add or remove (a "
				 "factor is a number >= 0 without a sign)", part, v);
	} else {
		rc = factor(v, &it->value);
		if (rc < 0)
			snprintf(err, errlen, "--scale: '%s': '%s' is not a factor (a finite number >= 0, such as 1.5 or "
				 "0)", part, v);
	}
	return rc < 0 ? -CS_EINVAL : 0;
}

int cs_cluster_scale_parse(const char *text, cs_cluster_scale_spec *spec, char *err, size_t errlen)
{
	spec->n = 0;
	if (!*text) {
		snprintf(err, errlen, "--scale: empty, %s (e.g. h100=1.5,a100=0)", SCALE_SYNTAX);
		return -CS_EINVAL;
	}
	const char *p = text;
	for (int k = 1;; k++) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (len == 0) {
			snprintf(err, errlen, "--scale: '%s': part %d is empty, %s", text, k, SCALE_SYNTAX);
			return -CS_EINVAL;
		}
		if (spec->n == CS_CLUSTER_SCALE_MAX) {
			snprintf(err, errlen, "--scale: more than %d parts", CS_CLUSTER_SCALE_MAX);
			return -CS_EINVAL;
		}
		char part[CS_CLUSTER_SCALE_NAME_MAX + 64];
		if (len >= sizeof part) {
			snprintf(err, errlen, "--scale: '%.40s...': part %d is too long", p, k);
			return -CS_EINVAL;
		}
		memcpy(part, p, len);
		part[len] = '\0';
		cs_cluster_scale_item *it = &spec->item[spec->n];
		int rc = parse_part(part, it, err, errlen);
		if (rc < 0)
			return rc;
		for (int j = 0; j < spec->n; j++)
			if (strcmp(spec->item[j].type, it->type) == 0) {
				snprintf(err, errlen, "--scale: '%s': node type '%s' is named twice (part %d and part %d)",
					 part, it->type, j + 1, k);
				return -CS_EINVAL;
			}
		spec->n++;
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

static void format_item(const cs_cluster_scale_item *it, char *buf, size_t len)
{
	switch (it->op) {
	case CS_SCALE_SET: snprintf(buf, len, "%s:=%.0f", it->type, it->value); break;
	case CS_SCALE_ADD: snprintf(buf, len, "%s=%+.0f", it->type, it->value); break;
	default: snprintf(buf, len, "%s=%.15g", it->type, it->value); break;
	}
}

void cs_cluster_scale_format(const cs_cluster_scale_spec *spec, char *buf, size_t len)
{
	size_t k = 0;
	if (len)
		buf[0] = '\0';
	for (int i = 0; i < spec->n && k + 1 < len; i++) {
		char one[CS_CLUSTER_SCALE_NAME_MAX + 64];
		format_item(&spec->item[i], one, sizeof one);
		int w = snprintf(buf + k, len - k, "%s%s", i ? "," : "", one);
		k = w < 0 ? len : k + (size_t)w;
	}
}

/* The new count of a node type of `count` nodes under item it; -1 with the
 * message in err if it is out of range. Factors round half up: products
 * within 1e-9 of a half count as the half, so that 45 x 0.7
 * (31.499999999999996 in binary) gives 32 as it does on paper. */
static int64_t new_count(int count, const cs_cluster_scale_item *it, char *err, size_t errlen)
{
	double x;
	switch (it->op) {
	case CS_SCALE_SET: x = it->value; break;
	case CS_SCALE_ADD: x = count + it->value; break;
	default: x = floor((double)count * it->value + 0.5 + 1e-9); break;
	}
	if (x < 0 || x > CS_CLUSTER_SCALE_MAX_NODES) {
		char one[CS_CLUSTER_SCALE_NAME_MAX + 64];
		format_item(it, one, sizeof one);
		snprintf(err, errlen, "--scale: '%s': %.0f nodes of %s (it has %d): a count must be 0 to %d", one, x,
			 it->type, count, CS_CLUSTER_SCALE_MAX_NODES);
		return -1;
	}
	return (int64_t)x;
}

/* The counts the spec gives each of in's node types, into count[]. */
static int scaled_counts(const cs_cluster *in, const cs_cluster_scale_spec *spec, int *count, char *err,
			 size_t errlen)
{
	for (int t = 0; t < in->ntypes; t++)
		count[t] = in->types[t].count;
	for (int i = 0; i < spec->n; i++) {
		const cs_cluster_scale_item *it = &spec->item[i];
		int t = cs_cluster_node_type_find(in, it->type);
		if (t < 0) {
			char list[1024] = "";
			for (int j = 0; j < in->ntypes; j++)
				snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", j ? ", " : "",
					 in->types[j].name);
			snprintf(err, errlen, "--scale: no node type '%s' in cluster %s (%s); its node types: %s", it->type,
				 in->name, in->path, list);
			return -CS_EINVAL;
		}
		int64_t n = new_count(in->types[t].count, it, err, errlen);
		if (n < 0)
			return -CS_EINVAL;
		count[t] = (int)n;
	}
	int64_t total = 0;
	for (int t = 0; t < in->ntypes; t++)
		total += count[t];
	if (total == 0) {
		snprintf(err, errlen, "--scale: every node type of cluster %s is scaled to 0 nodes: nothing to run on",
			 in->name);
		return -CS_EINVAL;
	}
	for (int p = 0; p < in->nparts; p++) {
		const cs_cluster_partition *pt = &in->parts[p];
		int left = 0;
		char list[1024] = "";
		for (int k = 0; k < pt->nnode_types; k++) {
			left += count[pt->node_types[k]] > 0;
			snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", k ? ", " : "",
				 in->types[pt->node_types[k]].name);
		}
		if (!left) {
			snprintf(err, errlen, "--scale: partition '%s' would have no nodes (its node type%s %s %s scaled to "
				 "0) and its jobs could never start: keep a node of %s", pt->name,
				 pt->nnode_types > 1 ? "s" : "", list, pt->nnode_types > 1 ? "are all" : "is",
				 pt->nnode_types > 1 ? "one of them" : "it");
			return -CS_EINVAL;
		}
	}
	return 0;
}

int cs_cluster_scale(const cs_cluster *in, const cs_cluster_scale_spec *spec, cs_cluster **out, char *err,
		     size_t errlen)
{
	*out = NULL;
	int *count = malloc(((size_t)in->ntypes + 1) * sizeof *count);
	int *remap = malloc(((size_t)in->ntypes + 1) * sizeof *remap);
	cs_cluster *c = calloc(1, sizeof *c);
	int rc = -CS_ENOMEM;
	if (!count || !remap || !c)
		goto fail;
	atomic_init(&c->refs, 1);
	if ((rc = scaled_counts(in, spec, count, err, errlen)) < 0)
		goto fail;
	rc = -CS_ENOMEM;
	if (!(c->path = strdup(in->path)))
		goto fail;
	/* the base is held from here on, so that cs_cluster_free releases it */
	c->base = cs_cluster_share(in);
	c->name = in->name;
	c->site = in->site;
	c->levels = in->levels;
	c->nlevels = in->nlevels;
	c->block_nodes = in->block_nodes;
	c->storage = in->storage;
	c->nstorage = in->nstorage;
	c->fail = in->fail; /* its node names are resolved against the scaled cluster by each run */
	if (!(c->types = cs_cluster__own(c, calloc((size_t)in->ntypes + 1, sizeof *c->types))) ||
	    !(c->parts = cs_cluster__own(c, calloc((size_t)in->nparts + 1, sizeof *c->parts))))
		goto fail;
	for (int t = 0; t < in->ntypes; t++) {
		remap[t] = -1;
		if (count[t] == 0)
			continue;
		remap[t] = c->ntypes;
		c->types[c->ntypes] = in->types[t];
		c->types[c->ntypes++].count = count[t];
	}
	for (int p = 0; p < in->nparts; p++) {
		const cs_cluster_partition *pt = &in->parts[p];
		cs_cluster_partition *q = &c->parts[p];
		int *idx = cs_cluster__own(c, calloc((size_t)pt->nnode_types, sizeof *idx));
		if (!idx)
			goto fail;
		*q = *pt;
		q->node_types = idx;
		q->nnode_types = 0;
		q->billing_gpu_model = "";
		for (int k = 0; k < pt->nnode_types; k++) {
			int t = remap[pt->node_types[k]];
			if (t < 0)
				continue;
			idx[q->nnode_types++] = t;
			/* the GPU model its GPU weight is for: its first node type with GPUs left */
			if (!q->billing_gpu_model[0] && c->types[t].gpus)
				q->billing_gpu_model = pt->billing.given ? c->types[t].gpu_model : "";
		}
	}
	c->nparts = in->nparts;
	char text[4096];
	cs_cluster_scale_format(spec, text, sizeof text);
	const char *before = cs_cluster_scaled_by(in);
	size_t len = strlen(before) + strlen(text) + 8;
	char *by = cs_cluster__own(c, malloc(len));
	if (!by)
		goto fail;
	snprintf(by, len, "%s%s%s", before, *before ? " then " : "", text);
	c->scaled_by = by;
	if ((rc = cs_cluster__totals(c)) < 0)
		goto fail;
	free(count);
	free(remap);
	*out = c;
	return 0;
fail:
	if (rc == -CS_ENOMEM)
		snprintf(err, errlen, "--scale: out of memory");
	free(count);
	free(remap);
	cs_cluster_free(c);
	return rc;
}
