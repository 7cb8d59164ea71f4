/* capsim: node names and Slurm-style host lists (include/capsim/hostlist.h). */
#include "capsim/hostlist.h"
#include "capsim/types.h"

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

/* Appends to a buffer, counting what did not fit. */
typedef struct out {
	char *buf;
	size_t len;
	long need;
} out;

/* k bytes of s, as snprintf would append them (a list is written for
 * every job of a year: no format to read). */
static void put_n(out *o, const char *s, size_t k)
{
	size_t at = (size_t)o->need < o->len ? (size_t)o->need : o->len;
	if (at < o->len) {
		size_t c = k < o->len - at - 1 ? k : o->len - at - 1;
		memcpy(o->buf + at, s, c);
		o->buf[at + c] = 0;
	}
	o->need += (long)k;
}

static void put(out *o, const char *s)
{
	put_n(o, s, strlen(s));
}

/* One byte, as put_n appends it. */
static void put_c(out *o, char c)
{
	if ((size_t)o->need + 1 < o->len) {
		o->buf[o->need] = c;
		o->buf[o->need + 1] = 0;
	}
	o->need++;
}

/* v as "%0*u" writes it with width w. */
static void put_u(out *o, uint32_t v, int w)
{
	char b[16], *e = b + sizeof b, *c = e;
	do
		*--c = (char)('0' + v % 10);
	while (v /= 10);
	while (e - c < w && c > b)
		*--c = '0';
	put_n(o, c, (size_t)(e - c));
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
	out o = { .buf = buf, .len = len, .need = 0 };
	for (size_t i = 0; i < n;) {
		int32_t t = cs_hostnames_type(h, scratch[i]);
		size_t e = i; /* [i, e): this type's nodes */
		while (e < n && scratch[e] < h->type_first[t + 1])
			e++;
		int w = h->width[t];
		uint32_t base = h->type_first[t];
		/* distinct nodes of the type: one name, or a bracketed list */
		size_t distinct = 1;
		for (size_t k = i + 1; k < e; k++)
			distinct += scratch[k] != scratch[k - 1];
		if (i)
			put_c(&o, ',');
		put(&o, h->type_names[t]);
		put_c(&o, '-');
		if (distinct == 1) {
			put_u(&o, scratch[i] - base, w);
		} else {
			put_c(&o, '[');
			for (size_t k = i; k < e;) {
				size_t z = k;
				while (z + 1 < e && scratch[z + 1] <= scratch[z] + 1)
					z++;
				if (k > i)
					put_c(&o, ',');
				put_u(&o, scratch[k] - base, w);
				if (scratch[z] != scratch[k]) {
					put_c(&o, '-');
					put_u(&o, scratch[z] - base, w);
				}
				k = z + 1;
			}
			put_c(&o, ']');
		}
		i = e;
	}
	return o.need;
}

long cs_hostnames_list_grow(const cs_hostnames *h, const uint32_t *nodes, size_t n, uint32_t *scratch,
			    char **buf, size_t *cap)
{
	char one = 0;
	long need = cs_hostnames_list(h, nodes, n, scratch, *cap ? *buf : &one, *cap ? *cap : 1);
	if (need < 0 || (size_t)need < *cap)
		return need;
	char *b = realloc(*buf, (size_t)need + 1);
	if (!b)
		return -CS_ENOMEM;
	*buf = b;
	*cap = (size_t)need + 1;
	return cs_hostnames_list(h, nodes, n, scratch, *buf, *cap);
}
