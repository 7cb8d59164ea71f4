/* The files `capsim run --out` writes (sim/outputs.c, sim/report.c, sim/recorder_out.c):
 * jobs.csv's and timeseries.csv's columns on the node model, with a
 * calendar, worked out by hand (docs/outputs.md). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* Day 0 is 2024-01-01T00:00:00Z. Job 1 takes a-0 and a-1 for 50 s; job 2
 * asks 30 s and runs 60: cut at 30 (TIMEOUT), on a-2; job 3, failed in the
 * trace after 40 s, takes both CPU nodes. */
static const char jobs[] =
	"# epoch: 1704067200\n"
	"id,project,user,submit,nodes,gpus_per_node,cores_per_node,mem_per_node,time_limit,runtime,qos,partition,state\n"
	"1,p1,u1,0,2,4,8,0,100,50,normal,gpu,completed\n"
	"2,p1,u2,10,1,2,4,0,30,60,normal,gpu,completed\n"
	"3,p2,u3,20,2,0,16,0,100,40,normal,cpu,failed\n";

static char *run_two_types(char *dir)
{
	char od[700];
	th_run_two_partitions(dir, jobs, ARGS("--policy", "fcfs", "--sample", "100"), od, sizeof od);
	return strdup(od);
}

Test(outputs, jobs_csv_gives_state_node_list_gpus_cores_and_calendar_times)
{
	char dir[] = "/tmp/capsim-outputs-XXXXXX";
	char *od = run_two_types(dir);
	char *csv = th_slurp_in(od, "jobs.csv");
	cr_assert_str_eq(csv,
		"id,submit,start,end,wait,runtime,estimate,requested_time,submit_time,start_time,end_time,state,"
		"gpus,cores,nodes,gpus_per_node,cores_per_node,mem_per_node_mib,node_list,project,user,qos,partition,"
		"reason,reservation,backfilled,killed,preemptions,preempted_s,trace_line,billed_hours,energy_kwh\n"
		"1,0,0,50,0,50,100,100,2024-01-01T00:00:00Z,2024-01-01T00:00:00Z,2024-01-01T00:00:50Z,COMPLETED,"
		"8,16,2,4,8,0,a-[0-1],p1,u1,normal,gpu,None,-1,0,0,0,0,3,0.111111,0.013889\n"
		"2,10,10,40,0,30,30,30,2024-01-01T00:00:10Z,2024-01-01T00:00:10Z,2024-01-01T00:00:40Z,TIMEOUT,"
		"2,4,1,2,4,0,a-2,p1,u2,normal,gpu,None,-1,0,1,0,0,4,0.016667,0.002083\n"
		"3,20,20,60,0,40,100,100,2024-01-01T00:00:20Z,2024-01-01T00:00:20Z,2024-01-01T00:01:00Z,FAILED,"
		"0,32,2,0,16,0,b-[0-1],p2,u3,normal,cpu,None,-1,0,0,0,0,5,0.355556,0.005556\n");
	/* no weights on this cluster: billed_hours = size x run / 3600, size the
	 * GPUs (8 x 50 s, 2 x 30 s) or, for the CPU-only job 3, its cores (32 x 40 s).
	 * energy_kwh (capsim/power.h): peak x the share held x run time: job 1 all
	 * of 2 a nodes (500 W) for 50 s, 50 kJ = 0.013889 kWh; job 2 half an a node
	 * for 30 s, 7.5 kJ = 0.002083 kWh; job 3 all of 2 b nodes (250 W) for 40 s,
	 * 20 kJ = 0.005556 kWh */
	free(csv);
	char cmd[700];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
	free(od);
}

/* jobs.csv writes each name (and a node list of one node) from a table
 * made once per name: quoted as cs_csv_field quotes it, its quotes
 * doubled; an empty name (no QoS) writes nothing. */
Test(outputs, jobs_csv_quotes_names_with_quotes_from_its_tables)
{
	static const char quoted[] = "# epoch: 1704067200\n"
				     "id,project,user,submit,nodes,gpus_per_node,cores_per_node,mem_per_node,time_limit,"
				     "runtime,qos,partition,state\n"
				     "1,\"p1,u1,0,1,4,8,0,100,50,normal,gpu,completed\n"
				     "2,p\"2,u\"\"2,10,1,2,4,0,30,20,,gpu,completed\n";
	char dir[] = "/tmp/capsim-outputs-XXXXXX", od[700];
	th_run_two_partitions(dir, quoted, ARGS("--policy", "fcfs"), od, sizeof od);
	char *csv = th_slurp_in(od, "jobs.csv");
	cr_assert(strstr(csv, ",COMPLETED,4,8,1,4,8,0,a-0,\"\"\"p1\",u1,normal,gpu,None,"), "%s", csv);
	cr_assert(strstr(csv, ",COMPLETED,2,4,1,2,4,0,a-1,\"p\"\"2\",\"u\"\"\"\"2\",,gpu,None,"), "%s", csv);
	free(csv);
	th_rm_rf(dir);
}

Test(outputs, timeseries_counts_gpus_and_cores_with_the_same_columns)
{
	char dir[] = "/tmp/capsim-outputs-XXXXXX";
	char *od = run_two_types(dir);
	char *ts = th_slurp_in(od, "timeseries.csv");
	/* one interval, [0, 60) (the last event): GPU-seconds 8 x 50 + 2 x 30 =
	 * 460; core-seconds 16 x 50 + 4 x 30 + 32 x 40 = 2,200, of them the CPU
	 * nodes' 1,280; nothing allocated or queued at its end */
	cr_assert(strstr(ts, "t,time,length_s,scope,name,gpus,cores,gpu_seconds,core_seconds,gpus_busy,cores_busy,"
			     "gpus_allocated,cores_allocated,running_jobs,queued_jobs,queued_gpus,queued_cores,"
			     "fragmented_gpus,fragmented_cores,power_w\n"
			     "0,2024-01-01T00:00:00Z,60,machine,all,12,56,460,2200,7.667,36.667,0,0,0,0,0,0,0,,"),
		  "%s", ts);
	cr_assert(strstr(ts, "\n0,2024-01-01T00:00:00Z,60,node_type,b,0,32,0,1280,0.000,21.333,0,0,,,,,0,,"), "%s",
		  ts);
	char *pj = th_slurp_in(od, "projects.csv");
	/* p1: 460 GPU-s and 920 core-s; p2: 1,280 core-s, no GPUs */
	cr_assert(strstr(pj, "project,jobs,gpu_seconds,core_seconds,gpu_hours,core_hours,share,weight,entitled_hours,"
			     "used_per_entitled,mean_wait_s,p95_wait_s,mean_bounded_slowdown,median_wait_s,"
			     "median_bounded_slowdown,p95_bounded_slowdown,demand_hours,fair_hours,service,"
			     "shortfall_hours,active_windows,short_windows,billed_hours,energy_kwh\n"
			     "p1,2,460,920,"), "%s", pj);
	/* p2 holds no GPU: no GPU demand, no fair share of GPUs, no service figure;
	 * energy: p1 57.5 kJ (jobs 1 and 2), p2 20 kJ (jobs.csv's test) */
	cr_assert(strstr(pj, "\np2,1,0,1280,") && strstr(pj, ",0.000000,0.000000,,0.000000,0,0,0.355556,0.005556\n"),
		  "%s", pj);
	cr_assert(strstr(pj, ",0.127778,0.015972\n"), "%s", pj);
	char *oc = th_slurp_in(od, "occupancy.csv");
	cr_assert(strstr(oc, "\na-0,a,") && strstr(oc, "\nb-1,b,"), "%s", oc);
	free(oc);
	free(pj);
	free(ts);
	char cmd[700];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
	free(od);
}

/* The calendar times of the outputs (cs_utc_string, by arithmetic for
 * four-digit years) are gmtime_r's and strftime's: 1970, the leap days
 * of 2000 and 2024 and 1900's missing one, the ends of years and of
 * 9999, then random times over those years. */
#include <time.h>
#include "capsim/csvout.h"
#include "../sim/field.h"
#include "../sim/fnv.h"

static void same_as_libc(int64_t epoch, int64_t t)
{
	char got[32], want[32] = "";
	cs_utc_string(got, sizeof got, epoch, t);
	time_t u = (time_t)(epoch + t);
	struct tm tm;
	cr_assert(gmtime_r(&u, &tm));
	strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%SZ", &tm);
	cr_assert_str_eq(got, want, "epoch %lld + %lld", (long long)epoch, (long long)t);
}

Test(outputs, calendar_times_are_the_c_librarys)
{
	static const int64_t at[] = { 1, 86399, 86400, 951782400, 951868799, 951868800, 1709164800, 1709251199,
				      1735689599, 1735689600, 253402300799, -2203891200 + 59 * 86400,
				      -2203891200 + 60 * 86400 };
	for (size_t i = 0; i < sizeof at / sizeof *at; i++) {
		same_as_libc(at[i], 0);
		same_as_libc(1704067200, at[i] - 1704067200 >= 0 ? at[i] - 1704067200 : 0);
	}
	unsigned long long x = 99;
	for (int k = 0; k < 100000; k++) {
		int64_t e = 1 + (int64_t)th_xorshift(&x, 2000000000u) * 125; /* up to the year 9890 */
		same_as_libc(e, th_xorshift(&x, 1u << 30));
	}
	char b[32] = "x";
	cs_utc_string(b, sizeof b, 0, 100); /* no epoch: no calendar */
	cr_assert_str_eq(b, "");
	cs_utc_string(b, sizeof b, 1704067200, -1); /* never */
	cr_assert_str_eq(b, "");
}

/* The writers' inlined fields (sim/csvout_int.h) are cs_put_utc's and
 * cs_put_fixed's bytes: a column's times with its days kept (one, and
 * sixteen by their low bits), over runs of times on one day, back and
 * forth over a few days, jumps, times before 1970 and past 9999 (no day
 * kept), no epoch and never; fixed decimals at the precisions the writers
 * name, on random and printf's-way values. */
#include "../sim/csvout_int.h"

static void utc_in_is_put_utc(cs_utc_day *m, int64_t epoch, int64_t t)
{
	char got[CS_PUT_UTC_MAX + 1], want[CS_PUT_UTC_MAX + 1];
	*cs_put_utc_in(got, m, 1, epoch, t) = 0;
	*cs_put_utc(want, epoch, t) = 0;
	cr_assert_str_eq(got, want, "epoch %lld + %lld", (long long)epoch, (long long)t);
	*cs_put_utc_in(got, m + 1, 16, epoch, t) = 0; /* (m[1..17): sixteen days kept) */
	cr_assert_str_eq(got, want, "epoch %lld + %lld, 16 days kept", (long long)epoch, (long long)t);
}

static void fixed_in_is_put_fixed(double x)
{
	char got[CS_PUT_FIXED_MAX + 1], want[CS_PUT_FIXED_MAX + 1];
	*cs_put_fixed_in(got, x, 6) = 0;
	*cs_put_fixed(want, x, 6) = 0;
	cr_assert_str_eq(got, want, "%.17g at 6", x);
	*cs_put_fixed_in(got, x, 3) = 0;
	*cs_put_fixed(want, x, 3) = 0;
	cr_assert_str_eq(got, want, "%.17g at 3", x);
	*cs_put_fixed_in(got, x, 1) = 0;
	*cs_put_fixed(want, x, 1) = 0;
	cr_assert_str_eq(got, want, "%.17g at 1", x);
}

Test(outputs, inlined_times_and_decimals_are_the_functions_bytes)
{
	unsigned long long x = 7;
	cs_utc_day m[17];
	for (size_t k = 0; k < 17; k++)
		m[k] = (cs_utc_day){ .day = -1 };
	int64_t epoch = 1704067200, t = 0;
	for (int k = 0; k < 200000; k++) {
		unsigned r = th_xorshift(&x, 100);
		/* on, back and forth over a few days, anywhere, far on */
		t = r < 50   ? t + th_xorshift(&x, 4000)
		    : r < 75 ? t + th_xorshift(&x, 86400 * 6) - th_xorshift(&x, 86400 * 6)
		    : r < 90 ? th_xorshift(&x, 1u << 26)
			     : t + 86400 * 400;
		utc_in_is_put_utc(m, epoch, t);
	}
	static const int64_t far[][2] = { { -2203891200, 59 * 86400 }, { -2203891200, 86399 }, { 253402300799, 0 },
					  { 253402300799, 1 }, { 253402300799, 86400 * 30 }, { 1704067200, 5 },
					  { 0, 100 }, { 1704067200, -1 }, { -100000, 50000 }, { 1704067200, 5 } };
	for (size_t i = 0; i < sizeof far / sizeof *far; i++) {
		utc_in_is_put_utc(m, far[i][0], far[i][1]);
		utc_in_is_put_utc(m, far[i][0], far[i][1]); /* again, with its day kept if it was */
	}
	static const double at[] = { 0.0, -0.0, 0.5, 2.5, -2.5, 5e-7, -5e-7, 0.0000025, 4294967295.9999995,
				     4294967296.0, -4294967296.0, 1e300, NAN, INFINITY, -INFINITY, 4.9e-324, 99.95 };
	for (size_t i = 0; i < sizeof at / sizeof *at; i++)
		fixed_in_is_put_fixed(at[i]);
	for (int k = 0; k < 200000; k++) {
		uint64_t bits = (uint64_t)th_xorshift(&x, 1u << 31) << 33 ^ (uint64_t)th_xorshift(&x, 1u << 31) << 2 ^
				(uint64_t)k;
		double d;
		memcpy(&d, &bits, sizeof d);
		fixed_in_is_put_fixed(d);
		fixed_in_is_put_fixed((double)th_xorshift(&x, 1u << 30) / (1 + th_xorshift(&x, 1000000)));
	}
}

/* cs_csv_int and cs_csv_ints write what printf's %lld does, whatever the
 * sign, size or count (more fields than one buffer holds). */
Test(outputs, integers_are_written_as_printf_writes_them)
{
	int64_t v[40] = { 0, 1, -1, 9, 10, -10, 99, 100, INT64_MAX, INT64_MIN, INT64_MIN + 1, 1234567890123LL };
	unsigned long long x = 7;
	for (size_t i = 12; i < 40; i++)
		v[i] = (int64_t)th_xorshift(&x, 1u << 30) * (i % 2 ? -1 : 1) * (int64_t)(1 + i * i * i * i * i);
	char *got = NULL, want[40 * 22] = "";
	size_t glen = 0, wl = 0;
	FILE *f = open_memstream(&got, &glen);
	cr_assert_not_null(f);
	cs_csv_int(f, v[0]);
	wl += (size_t)snprintf(want + wl, sizeof want - wl, "%lld", (long long)v[0]);
	cs_csv_ints(f, ';', v + 1, 39);
	for (size_t i = 1; i < 40; i++)
		wl += (size_t)snprintf(want + wl, sizeof want - wl, ";%lld", (long long)v[i]);
	cs_csv_ints(f, ',', v, 0); /* no fields: nothing */
	fclose(f);
	cr_assert_str_eq(got, want);
	free(got);
}

/* cs_put_int's bytes are printf's %lld: every value to +-200,000, each
 * side of every power of ten, the extremes, and 1,000,000 random values
 * of every length (the numbers below 10^8 take a path of their own). */
static void put_int_as_printf(int64_t v)
{
	char got[CS_PUT_INT_MAX + 1], want[32];
	char *e = cs_put_int(got, v);
	*e = 0;
	snprintf(want, sizeof want, "%lld", (long long)v);
	cr_assert_str_eq(got, want, "%lld", (long long)v);
}

Test(outputs, put_int_is_printf_at_every_length)
{
	for (int64_t v = -200000; v <= 200000; v++)
		put_int_as_printf(v);
	int64_t p = 1;
	for (int k = 0; k < 19; k++) {
		for (int64_t d = -2; d <= 2; d++) {
			put_int_as_printf(p + d);
			put_int_as_printf(-(p + d));
			put_int_as_printf(p * 9 + d);
		}
		if (k < 18)
			p *= 10;
	}
	put_int_as_printf(INT64_MAX);
	put_int_as_printf(INT64_MIN);
	put_int_as_printf(INT64_MIN + 1);
	unsigned long long x = 17;
	for (int k = 0; k < 1000000; k++) {
		uint64_t r = (uint64_t)th_xorshift(&x, 1u << 30) << 34 ^ (uint64_t)th_xorshift(&x, 1u << 30) << 4 ^
			     (uint64_t)th_xorshift(&x, 16);
		int64_t v = (int64_t)(r >> (1 + k % 63)); /* below 2^63: negated too */
		put_int_as_printf(k % 2 ? v : -v);
	}
}

/* cs_put_field quotes what cs_csv_field quotes: a field with each byte
 * value at its start, middle or end. */
/* Does cs_put_field write s (n bytes) as the stdio writer cs_csv_field does? */
static int put_field_as_stdio(const char *s, size_t n)
{
	char got[64], *want = NULL;
	size_t wl = 0;
	FILE *f = open_memstream(&want, &wl);
	cr_assert_not_null(f);
	cs_csv_field(f, s);
	fclose(f);
	char *e = cs_put_field(got, s, n);
	int same = wl == (size_t)(e - got) && !memcmp(got, want, wl);
	free(want);
	return same;
}

Test(outputs, put_field_quotes_as_the_stdio_writer)
{
	for (int c = 1; c < 256; c++)
		for (int at = 0; at < 3; at++) {
			char s[8] = "abcd";
			s[at == 0 ? 0 : at == 1 ? 2 : 3] = (char)c;
			cr_assert(put_field_as_stdio(s, strlen(s)), "byte %d at %d", c, at);
		}
}

/* ... and a field of several quotes, side by side or apart, among
 * commas and newlines: each doubled, the spans between copied. */
Test(outputs, put_field_doubles_every_quote_of_a_quoted_field)
{
	static const char alphabet[] = { 'a', ',', '"', '\n', 'b', '[' };
	unsigned long long r = 2463534242ULL;
	for (int round = 0; round < 20000; round++) {
		char s[24];
		r ^= r << 13; r ^= r >> 7; r ^= r << 17;
		size_t n = r % 23;
		for (size_t i = 0; i < n; i++)
			s[i] = alphabet[(r >> (3 * i % 60)) % (i % 3 ? 6 : 3)];
		s[n] = 0;
		cr_assert(put_field_as_stdio(s, n), "round %d: %s", round, s);
	}
}

static void same_as_printf_fixed(double x, int prec)
{
	char got[CS_FMT_FIXED_LEN], want[CS_FMT_FIXED_LEN];
	size_t n = cs_fmt_fixed(got, x, prec);
	snprintf(want, sizeof want, "%.*f", prec, x);
	cr_assert_str_eq(got, want, "%a at %d", x, prec);
	cr_assert_eq(n, strlen(want), "%a at %d", x, prec);
}

static void same_as_printf(double x)
{
	for (int prec = 0; prec <= 10; prec++)
		same_as_printf_fixed(x, prec);
}

/* cs_fmt_fixed writes what printf's %.*f does at every precision: the
 * exact value rounded half to even (n / 128 and n / 2^k halves land on a
 * last digit's 5), signs and negative zero, tiny and subnormal values, the
 * largest taken by hand and the first left to printf, NaN and the
 * infinities, and precisions it leaves to printf. */
Test(outputs, fixed_decimals_are_written_as_printf_writes_them)
{
	static const double at[] = { 0.0, -0.0, 1.0, -1.0, 0.5, 1.5, 2.5, -2.5, 0.05, 0.25, 1e-7, 4.9999999e-7, 5e-7,
				      5.0000001e-7, -5e-7, 0.0078125, 0.0234375, 1.0 / 3, 2.0 / 3, 123456.7890125, 1e-300,
				      4.9e-324, -4.9e-324, 4294967295.9999995, 4294967296.0, -4294967296.0, 1e300, 0.1,
				      0.7, 1e6, 999999.9999995, 0.0000015, 0.0000025, 9.5, 99.95, 0.9999999999 };
	for (size_t i = 0; i < sizeof at / sizeof *at; i++)
		same_as_printf(at[i]);
	same_as_printf(NAN);
	same_as_printf(INFINITY);
	same_as_printf(-INFINITY);
	same_as_printf_fixed(1.0 / 3, -1);
	same_as_printf_fixed(1.0 / 3, 17);
	for (int k = 0; k < 4096; k++) {
		same_as_printf(k / 128.0);
		same_as_printf(-k / 1024.0 - 3.0);
		same_as_printf(ldexp(1.0, -k % 80) * (k | 1));
	}
	unsigned long long x = 11;
	for (int k = 0; k < 100000; k++) {
		uint64_t bits = (uint64_t)th_xorshift(&x, 1u << 31) << 33 ^ (uint64_t)th_xorshift(&x, 1u << 31) << 2 ^
				(uint64_t)k;
		double d;
		memcpy(&d, &bits, sizeof d);
		same_as_printf_fixed(d, k % 10);
		same_as_printf_fixed((double)th_xorshift(&x, 1u << 30) / (1 + th_xorshift(&x, 1000000)), k % 10);
	}
	char *got = NULL;
	size_t glen = 0;
	FILE *f = open_memstream(&got, &glen);
	cr_assert_not_null(f);
	cs_csv_fixed(f, 0.0234375, 6);
	cs_csv_fixed(f, -12.0, 1);
	cs_csv_fixed(f, 2.5, 0);
	fclose(f);
	cr_assert_str_eq(got, "0.023438-12.02");
	free(got);
}

/* The text cs_put_fixed writes, read back as the report reads a run's
 * files (cs_field_decimal, else strtod). */
static double fixed_read_back(double x, int prec)
{
	char b[CS_FMT_FIXED_LEN];
	size_t n = cs_fmt_fixed(b, x, prec);
	double v;
	return cs_field_decimal(b, n, &v) == 0 ? v : strtod(b, NULL);
}

/* x at prec: cs_fixed_value, where it answers, is the text read back, to
 * the bit (negative zero too). How often it answered is added to *fast. */
static void fixed_value_is_read_back(double x, int prec, size_t *fast)
{
	double v;
	if (cs_fixed_value(x, prec, &v) < 0)
		return;
	double want = fixed_read_back(x, prec);
	cr_assert(memcmp(&v, &want, sizeof v) == 0, "%a at %d: %a, read back %a", x, prec, v, want);
	++*fast;
}

/* cs_fixed_value (the report's series without their text) is the value
 * cs_put_fixed's text reads back as, to the bit: halves, signs, tiny
 * values, the most digits it takes (15) and past them, and random bits
 * and quotients at every precision it answers for; NaN, the infinities,
 * |x| >= 2^32 and precisions outside 0..9 it leaves to the text. */
Test(outputs, fixed_values_are_the_text_read_back)
{
	static const double at[] = { 0.0, -0.0, 1.0, -1.0, 0.5, 2.5, -2.5, 0.05, 1e-7, 5e-7, -5e-7, 1.0 / 3, 2.0 / 3,
				      123456.7890125, 4.9e-324, -4.9e-324, 4294967295.9999995, 0.1, 0.7, 999999.9999995,
				      99999.9999995, 999999.999995, 9999999.99999, 0.9999999999 };
	size_t fast = 0, tried = 0;
	for (size_t i = 0; i < sizeof at / sizeof *at; i++)
		for (int prec = 0; prec <= 9; prec++, tried++)
			fixed_value_is_read_back(at[i], prec, &fast);
	double v;
	cr_assert_lt(cs_fixed_value(NAN, 3, &v), 0);
	cr_assert_lt(cs_fixed_value(INFINITY, 3, &v), 0);
	cr_assert_lt(cs_fixed_value(4294967296.0, 3, &v), 0);
	cr_assert_lt(cs_fixed_value(1.5, 10, &v), 0);
	cr_assert_lt(cs_fixed_value(1.5, -1, &v), 0);
	cr_assert_lt(cs_fixed_value(1000000.5, 9, &v), 0, "16 digits: the text's way");
	cr_assert_eq(cs_fixed_value(100000.5, 9, &v), 0, "15 digits");
	unsigned long long x = 17;
	for (int k = 0; k < 200000; k++, tried += 2) {
		uint64_t bits = (uint64_t)th_xorshift(&x, 1u << 31) << 33 ^ (uint64_t)th_xorshift(&x, 1u << 31) << 2 ^
				(uint64_t)k;
		double d;
		memcpy(&d, &bits, sizeof d);
		fixed_value_is_read_back(d, k % 10, &fast);
		fixed_value_is_read_back((double)th_xorshift(&x, 1u << 30) / (1 + th_xorshift(&x, 1000000)), k % 10, &fast);
	}
	cr_assert_gt(fast, tried / 3, "answered %zu of %zu", fast, tried);
}

/* FNV-1a a byte a step over the bytes of v[0..n) in memory. */
static uint64_t fnv_bytes(uint64_t h, const int64_t *v, size_t n)
{
	const unsigned char *b = (const unsigned char *)v;
	for (size_t k = 0; k < n * sizeof *v; k++)
		h = (h ^ b[k]) * CS_FNV_PRIME;
	return h;
}

/* cs_fnv_words (summary.json's jobs digest) is FNV-1a a byte a step:
 * zero, one, each byte length, negative values, the extremes, and random
 * values of every length in runs of every count. */
Test(outputs, fnv_words_is_fnv_a_byte_a_step)
{
	static const int64_t at[] = { 0, 1, -1, 255, 256, 65535, 65536, INT64_MAX, INT64_MIN, 1704067200,
				      (int64_t)1 << 40, ((int64_t)1 << 56) - 1, (int64_t)1 << 56 };
	size_t n = sizeof at / sizeof *at;
	for (size_t i = 0; i < n; i++)
		for (size_t k = 1; i + k <= n; k++)
			cr_assert_eq(cs_fnv_words(CS_FNV_OFFSET, at + i, k), fnv_bytes(CS_FNV_OFFSET, at + i, k),
				     "at %zu, %zu values", i, k);
	unsigned long long x = 23;
	int64_t v[9];
	uint64_t a = CS_FNV_OFFSET, b = CS_FNV_OFFSET;
	for (int r = 0; r < 20000; r++) {
		for (size_t k = 0; k < 9; k++) {
			uint64_t u = (uint64_t)th_xorshift(&x, 1u << 31) << 33 ^ (uint64_t)th_xorshift(&x, 1u << 31);
			unsigned keep = (unsigned)th_xorshift(&x, 65); /* 0..64 low bits */
			v[k] = (int64_t)(keep == 64 ? u : u & ((UINT64_C(1) << keep) - 1));
		}
		size_t m = (size_t)r % 10;
		a = cs_fnv_words(a, v, m);
		b = fnv_bytes(b, v, m);
		cr_assert_eq(a, b, "run %d", r);
	}
}

/* Rows built in memory (cs_put_*, through a cs_wbuf) are the bytes the
 * stdio writers give: every kind of field, rows past a block (128 KiB)
 * and one row longer than a block, which the buffer grows to hold. */
Test(outputs, rows_built_in_memory_are_the_stdio_writers_bytes)
{
	char *a = NULL, *b = NULL;
	size_t al = 0, bl = 0;
	FILE *fa = open_memstream(&a, &al), *fb = open_memstream(&b, &bl);
	cr_assert(fa && fb);
	cs_wbuf w;
	cs_wbuf_init(&w, fb);
	static char big[300000];
	memset(big, 'x', sizeof big - 1);
	big[1000] = '"';
	big[2000] = ',';
	const char *const names[] = { "plain", "a,b", "say \"hi\"", "line\nbreak", "", big };
	unsigned long long x = 5;
	for (int k = 0; k < 20000; k++) {
		int64_t v = (int64_t)th_xorshift(&x, 1u << 30) * (k % 3 ? 1 : -7919);
		double d = (double)th_xorshift(&x, 1u << 30) / (1 + th_xorshift(&x, 1000));
		int64_t t = th_xorshift(&x, 1u << 30);
		const char *s = names[k % 6 == 5 && k % 4000 != 5 ? 0 : k % 6];
		cs_csv_int(fa, v);
		fputc(',', fa);
		cs_csv_fixed(fa, d, k % 10);
		fputc(',', fa);
		cs_csv_utc(fa, 1704067200, k % 7 ? t : -1);
		fputc(',', fa);
		cs_csv_field(fa, s);
		fputc('\n', fa);
		char *p = cs_wbuf_room(&w, CS_PUT_INT_MAX + CS_PUT_FIXED_MAX + CS_PUT_UTC_MAX + 2 * strlen(s) + 8);
		cr_assert_not_null(p);
		p = cs_put_int(p, v);
		*p++ = ',';
		p = cs_put_fixed(p, d, k % 10);
		*p++ = ',';
		p = cs_put_utc(p, 1704067200, k % 7 ? t : -1);
		*p++ = ',';
		p = cs_put_field(p, s, strlen(s));
		*p++ = '\n';
		w.p = p;
	}
	cr_assert_eq(cs_wbuf_finish(&w), 0);
	fclose(fa);
	fclose(fb);
	cr_assert_eq(al, bl);
	cr_assert(memcmp(a, b, al) == 0);
	free(a);
	free(b);
}
