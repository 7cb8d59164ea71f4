/* capsim: libFuzzer targets, one per reader, built by `make fuzz` with
 * clang -fsanitize=fuzzer,address,undefined against the library. Each
 * writes the input to a file (readers take paths; gzip is detected from the
 * bytes, so compressed inputs are fuzzed too) and reads it as a user's file
 * would be read. Any return code is fine; a crash, a leak, a hang or
 * runaway memory is a finding. FUZZ_TARGET selects the reader:
 *
 *   swf native sacct batsim philly pai helios   workload traces
 *   cluster accounts model                      YAML configs
 *   slurmconf   slurm.conf, then topology.conf after a line "%%"
 *   topo        an hwloc XML (input starting with '<'), else a synthetic
 *               description (its first line) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capsim/accounts.h"
#include "capsim/cluster.h"
#include "capsim/gen.h"
#include "capsim/gputrace.h"
#include "capsim/jsontrace.h"
#include "capsim/native.h"
#include "capsim/sacct.h"
#include "capsim/slurmconf.h"
#include "capsim/swf.h"
#include "capsim/topo.h"
#include "capsim/trace.h"

#ifndef FUZZ_TARGET
#error "build with -DFUZZ_TARGET=<name> (see the comment above)"
#endif
#define STR2(x) #x
#define STR(x) STR2(x)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

static void put(const char *path, const uint8_t *data, size_t size)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort(); /* the harness, not capsim */
}

static const char *file(const char *name)
{
	static char path[128];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	return path;
}

typedef int (*trace_reader)(cs_trace *t, const char *path, char *err, size_t errlen);

static void read_trace(trace_reader rd, const char *name, const uint8_t *data, size_t size)
{
	const char *p = file(name);
	put(p, data, size);
	cs_trace t;
	char err[CS_ERRLEN];
	cs_trace_init(&t);
	rd(&t, p, err, sizeof err);
	cs_trace_free(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!dir[0]) {
		snprintf(dir, sizeof dir, "/tmp/capsim-fuzz-XXXXXX");
		if (!mkdtemp(dir))
			abort();
	}
	const char *target = STR(FUZZ_TARGET);
	char err[CS_ERRLEN];
	if (!strcmp(target, "swf")) {
		const char *p = file("in.swf");
		put(p, data, size);
		cs_swf s;
		if (cs_swf_read(p, &s, err, sizeof err) == 0)
			cs_swf_free(&s);
	} else if (!strcmp(target, "native")) {
		read_trace(cs_native_read, "in.csv", data, size);
	} else if (!strcmp(target, "sacct")) {
		read_trace(cs_sacct_read, "in.sacct", data, size);
	} else if (!strcmp(target, "batsim")) {
		read_trace(cs_batsim_read, "in.json", data, size);
	} else if (!strcmp(target, "philly")) {
		read_trace(cs_philly_read, "in.json", data, size);
	} else if (!strcmp(target, "pai")) {
		read_trace(cs_pai_read, "in.csv", data, size);
	} else if (!strcmp(target, "helios")) {
		read_trace(cs_helios_read, "in.csv", data, size);
	} else if (!strcmp(target, "cluster")) {
		const char *p = file("cluster.yaml");
		put(p, data, size);
		cs_cluster *c = NULL;
		cs_cluster_load(&c, p, err, sizeof err);
		cs_cluster_free(c);
	} else if (!strcmp(target, "accounts")) {
		const char *p = file("accounts.yaml");
		put(p, data, size);
		cs_accounts *a = NULL;
		cs_accounts_load(&a, p, err, sizeof err);
		cs_accounts_free(a);
	} else if (!strcmp(target, "model")) {
		const char *p = file("model.yaml");
		put(p, data, size);
		cs_gen_model *m = NULL;
		cs_gen_model_load(&m, p, err, sizeof err);
		cs_gen_model_free(m);
	} else if (!strcmp(target, "slurmconf")) {
		const uint8_t *sep = NULL;
		for (size_t i = 0; i + 4 <= size && !sep; i++)
			if (!memcmp(data + i, "\n%%\n", 4))
				sep = data + i;
		size_t n1 = sep ? (size_t)(sep - data) + 1 : size;
		put(file("topology.conf"), sep ? sep + 4 : data, sep ? size - n1 - 3 : 0);
		const char *p = file("slurm.conf");
		put(p, data, n1);
		cs_slurmconf *c = NULL;
		cs_slurmconf_load(&c, p, err, sizeof err);
		cs_slurmconf_free(c);
	} else if (!strcmp(target, "topo")) {
		cs_topo *t = NULL;
		if (size && data[0] == '<') {
			const char *p = file("node.xml");
			put(p, data, size);
			cs_topo_load(&t, p, err, sizeof err);
		} else {
			/* a description, never a path (that would read any file) */
			char spec[257];
			size_t n = 0;
			while (n < size && n < 256 && data[n] != '\n' && data[n] != '/' && data[n])
				n++;
			memcpy(spec, data, n);
			spec[n] = 0;
			if (n && !strstr(spec, ".xml"))
				cs_topo_load(&t, spec, err, sizeof err);
		}
		cs_topo_free(t);
	} else {
		abort();
	}
	return 0;
}
