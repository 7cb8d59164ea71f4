/* capsim: node names and Slurm-style host lists (include/capsim/hostlist.h). */
#include "capsim/hostlist.h"
#include "capsim/types.h"
#include "csvout_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cs_hostnames_init(cs_hostnames *h, uint32_t ntypes, const char *const *type_names,
		      const uint32_t *type_first)
{
	memset(h, 0, sizeof *h);
	for (uint32_t t = 0; t < ntypes; t++)
		if (type_first[t + 1] < type_first[t])
			return -CS_EINVAL;
	h->type_names = calloc(ntypes + 1, sizeof *h->type_names);
	h->type_first = malloc((ntypes + 1) * sizeof *h->type_first);
	h->width = calloc(ntypes + 1, 1);
	if (!h->type_names || !h->type_first || !h->width)
		goto oom;
	h->ntypes = ntypes;
	for (uint32_t t = 0; t < ntypes; t++) {
		size_t l = strlen(type_names[t]) + 1;
		if (!(h->type_names[t] = malloc(l)))
			goto oom;
		memcpy(h->type_names[t], type_names[t], l);
		uint32_t last = type_first[t + 1] > type_first[t] ? type_first[t + 1] - type_first[t] - 1 : 0;
		uint8_t w = 1;
		while (last >= 10) {
			last /= 10;
			w++;
		}
		h->width[t] = w;
		/* a node alone heads its type's part ("," name "-[" K "]"), or
		 * adds a range of its own ("," K1 "-" K2) */
		size_t room = (l - 1) + 2 * (size_t)w + 6;
		if (room > h->node_room)
			h->node_room = room;
	}
	memcpy(h->type_first, type_first, (ntypes + 1) * sizeof *h->type_first);
	h->nnodes = type_first[ntypes];
	return 0;
oom:
	cs_hostnames_free(h);
	return -CS_ENOMEM;
}

void cs_hostnames_free(cs_hostnames *h)
{
	for (uint32_t t = 0; h->type_names && t < h->ntypes; t++)
		free(h->type_names[t]);
	free(h->type_names);
	free(h->type_first);
	free(h->width);
	memset(h, 0, sizeof *h);
}

int32_t cs_hostnames_type(const cs_hostnames *h, uint32_t node)
{
	if (node >= h->nnodes)
		return -1;
	uint32_t lo = 0, hi = h->ntypes; /* the last t with type_first[t] <= node */
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (h->type_first[mid] <= node)
			lo = mid;
		else
			hi = mid;
	}
	while (lo + 1 < h->ntypes && h->type_first[lo + 1] <= node) /* empty types */
		lo++;
	return (int32_t)lo;
}

int cs_hostnames_name(const cs_hostnames *h, uint32_t node, char *buf, size_t len)
{
	int32_t t = cs_hostnames_type(h, node);
	if (t < 0) {
		if (len)
			*buf = 0;
		return -1;
	}
	return snprintf(buf, len, "%s-%0*u", h->type_names[t], (int)h->width[t], node - h->type_first[t]);
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* Node index v of a type as "%0*u" writes it with the type's width w:
 * exactly w digits, since v is at most the type's last index. */
static char *put_index(char *p, uint32_t v, int w)
{
	cs_put_width(p + w, v, w);
	return p + w;
}

/* The list of the sorted nodes s[0..n) (each a node of h) at p, which has
 * room for n x h->node_room bytes: its end (no NUL). */
static char *put_list(const cs_hostnames *h, const uint32_t *s, size_t n, char *p)
{
	for (size_t i = 0; i < n;) {
		int32_t t = cs_hostnames_type(h, s[i]);
		size_t e = i; /* [i, e): this type's nodes */
		while (e < n && s[e] < h->type_first[t + 1])
			e++;
		int w = h->width[t];
		uint32_t base = h->type_first[t];
		/* distinct nodes of the type: one name, or a bracketed list */
		size_t distinct = 1;
		for (size_t k = i + 1; k < e; k++)
			distinct += s[k] != s[k - 1];
		if (i)
			*p++ = ',';
		size_t l = strlen(h->type_names[t]);
		memcpy(p, h->type_names[t], l);
		p += l;
		*p++ = '-';
		if (distinct == 1) {
			p = put_index(p, s[i] - base, w);
		} else {
			*p++ = '[';
			for (size_t k = i; k < e;) {
				size_t z = k;
				while (z + 1 < e && s[z + 1] <= s[z] + 1)
					z++;
				if (k > i)
					*p++ = ',';
				p = put_index(p, s[k] - base, w);
				if (s[z] != s[k]) {
					*p++ = '-';
					p = put_index(p, s[z] - base, w);
				}
				k = z + 1;
			}
			*p++ = ']';
		}
		i = e;
	}
	return p;
}

long cs_hostnames_list(const cs_hostnames *h, const uint32_t *nodes, size_t n, uint32_t *scratch,
		       char *buf, size_t len)
{
	if (len)
		*buf = 0;
	memcpy(scratch, nodes, n * sizeof *nodes);
	size_t up = 1;
	while (up < n && scratch[up - 1] <= scratch[up])
		up++;
	if (up < n) /* (one node, or nodes in order, need no sort) */
		qsort(scratch, n, sizeof *scratch, u32_cmp);
	if (n && scratch[n - 1] >= h->nnodes)
		return -1;
	size_t room = n * h->node_room + 1;
	if (room <= len) {
		char *e = put_list(h, scratch, n, buf);
		*e = 0;
		return (long)(e - buf);
	}
	/* a buffer that may be short: the list written apart, what fits
	 * copied, as snprintf does */
	char small[256], *tmp = room <= sizeof small ? small : malloc(room);
	if (!tmp)
		return -CS_ENOMEM;
	size_t need = (size_t)(put_list(h, scratch, n, tmp) - tmp);
	if (len) {
		size_t c = need < len - 1 ? need : len - 1;
		memcpy(buf, tmp, c);
		buf[c] = 0;
	}
	if (tmp != small)
		free(tmp);
	return (long)need;
}

long cs_hostnames_list_grow(const cs_hostnames *h, const uint32_t *nodes, size_t n, uint32_t *scratch,
			    char **buf, size_t *cap)
{
	size_t room = n * h->node_room + 1; /* (what cs_hostnames_list writes in place) */
	if (room > *cap) {
		char *b = realloc(*buf, room);
		if (!b)
			return -CS_ENOMEM;
		*buf = b;
		*cap = room;
	}
	return cs_hostnames_list(h, nodes, n, scratch, *buf, *cap);
}
