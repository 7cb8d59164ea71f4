/* capsim: Slurm's TRESBillingWeights (include/capsim/billing.h). */
#include "capsim/billing.h"
#include "capsim/types.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Mem's unit suffixes: the weight is per that unit, Slurm's base unit for
 * memory being the MB (MiB). K would be finer than the base unit. */
static int mem_unit(char c, double *per_mib)
{
	switch (toupper((unsigned char)c)) {
	case 'M': *per_mib = 1; return 0;
	case 'G': *per_mib = 1.0 / 1024; return 0;
	case 'T': *per_mib = 1.0 / (1024.0 * 1024); return 0;
	case 'P': *per_mib = 1.0 / (1024.0 * 1024 * 1024); return 0;
	default: return -1;
	}
}

static int bad(char *err, size_t errlen, const char *entry, size_t n, const char *fmt, const char *what)
{
	char e[96];
	snprintf(e, sizeof e, "%.*s", (int)(n < 80 ? n : 80), entry);
	snprintf(err, errlen, fmt, e, what);
	return -CS_EPARSE;
}

#define EXPECT "expected TRES=WEIGHT,... with TRES one of CPU, Mem, Node, GRES/gpu, GRES/gpu:TYPE"

int cs_billing_parse(const char *spec, cs_billing *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	unsigned seen = 0; /* 1 CPU, 2 Mem, 4 Node, 8 GRES/gpu */
	const char *s = spec;
	if (!*s) {
		snprintf(err, errlen, "empty, " EXPECT);
		return -CS_EPARSE;
	}
	for (;;) {
		const char *end = strchr(s, ',');
		size_t n = end ? (size_t)(end - s) : strlen(s);
		const char *eq = memchr(s, '=', n);
		if (n == 0)
			return bad(err, errlen, s, n, "an empty entry '%s'%s, " EXPECT, "");
		if (!eq)
			return bad(err, errlen, s, n, "'%s' has no '='%s, " EXPECT, "");
		size_t kn = (size_t)(eq - s);
		const char *v = eq + 1, *vend = s + n;
		char num[64];
		if ((size_t)(vend - v) >= sizeof num || vend == v)
			return bad(err, errlen, s, n, "'%s': %s", "expected a weight, a number >= 0");
		memcpy(num, v, (size_t)(vend - v));
		num[vend - v] = '\0';
		char *u;
		double w = strtod(num, &u);
		if (u == num || !isfinite(w) || !(w >= 0) || isspace((unsigned char)num[0]))
			return bad(err, errlen, s, n, "'%s': %s", "expected a weight, a number >= 0");
		unsigned bit;
		if (kn == 3 && strncasecmp(s, "CPU", 3) == 0) {
			bit = 1;
			out->cpu = w;
		} else if (kn == 3 && strncasecmp(s, "Mem", 3) == 0) {
			double per_mib = 1;
			if (*u && (u[1] || mem_unit(*u, &per_mib) < 0))
				return bad(err, errlen, s, n, "'%s': %s", "expected a weight with an optional unit M, G, T "
					   "or P (per MB, GB, ...; Slurm's base unit for memory is the MB)");
			bit = 2;
			out->mem_mib = w * per_mib;
			u = num + strlen(num);
		} else if (kn == 4 && strncasecmp(s, "Node", 4) == 0) {
			bit = 4;
			out->node = w;
		} else if (kn == 8 && strncasecmp(s, "GRES/gpu", 8) == 0) {
			bit = 8;
			out->gpu = w;
		} else if (kn > 9 && strncasecmp(s, "GRES/gpu:", 9) == 0) {
			bit = 0;
			size_t tn = kn - 9;
			if (tn >= sizeof out->type[0])
				return bad(err, errlen, s, n, "'%s': %s", "GPU type name too long (at most 63 characters)");
			for (int k = 0; k < out->ntypes; k++)
				if (strlen(out->type[k]) == tn && strncasecmp(out->type[k], s + 9, tn) == 0)
					return bad(err, errlen, s, n, "'%s': %s", "GRES/gpu of that type given twice");
			if (out->ntypes == CS_BILLING_MAX_TYPES)
				return bad(err, errlen, s, n, "'%s': %s", "more than 16 GRES/gpu:TYPE weights");
			memcpy(out->type[out->ntypes], s + 9, tn);
			out->type[out->ntypes][tn] = '\0';
			out->type_w[out->ntypes++] = w;
		} else {
			return bad(err, errlen, s, n, "'%s': %s", "unknown or unmodelled TRES; " EXPECT
				   " (capsim models no other TRES)");
		}
		if (*u)
			return bad(err, errlen, s, n, "'%s': %s", "expected a weight, a number >= 0 (only Mem takes a "
				   "unit suffix)");
		if (bit & seen)
			return bad(err, errlen, s, n, "'%s': %s", "this TRES is given twice");
		seen |= bit;
		if (!end)
			break;
		s = end + 1;
	}
	out->given = 1;
	return 0;
}

double cs_billing_type_weight(const cs_billing *b, const char *model)
{
	for (int k = 0; k < b->ntypes; k++)
		if (strcasecmp(b->type[k], model) == 0)
			return b->type_w[k];
	return -1;
}

double cs_billing_gpu_weight(const cs_billing *b, const char *model)
{
	double t = cs_billing_type_weight(b, model ? model : "");
	return b->gpu + (t > 0 ? t : 0);
}

double cs_billing_rate(const cs_billing *b, uint32_t nodes, uint32_t gpus_per_node, uint32_t cores_per_node,
		       uint64_t mem_per_node_mib, const char *model)
{
	double n = nodes;
	return b->cpu * n * cores_per_node + b->mem_mib * n * (double)mem_per_node_mib + b->node * n +
	       (gpus_per_node ? cs_billing_gpu_weight(b, model) * n * gpus_per_node : 0);
}

void cs_billing_format(const cs_billing *b, char *buf, size_t len)
{
	size_t o = 0;
	buf[0] = '\0';
	if (!b->given)
		return;
#define PUT(...) (o += (size_t)snprintf(buf + o, o < len ? len - o : 0, __VA_ARGS__))
	if (b->cpu > 0)
		PUT("%sCPU=%g", o ? "," : "", b->cpu);
	if (b->mem_mib > 0)
		PUT("%sMem=%gG", o ? "," : "", b->mem_mib * 1024);
	if (b->node > 0)
		PUT("%sNode=%g", o ? "," : "", b->node);
	if (b->gpu > 0)
		PUT("%sGRES/gpu=%g", o ? "," : "", b->gpu);
	for (int k = 0; k < b->ntypes; k++)
		PUT("%sGRES/gpu:%s=%g", o ? "," : "", b->type[k], b->type_w[k]);
#undef PUT
	if (o == 0)
		snprintf(buf, len, "(all weights 0)");
}
