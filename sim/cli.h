/* capsim: option parsing shared by the commands (sim/cli_util.c). Private
 * to sim/: each returns 0, or -1 with the message in err. */
#ifndef CAPSIM_SIM_CLI_H
#define CAPSIM_SIM_CLI_H

#include <stddef.h>
#include <stdint.h>

/* Print "capsim: MSG" on stderr; returns code (the exit status). */
int cs_cli_die(int code, const char *msg);
/* An integer >= min. */
int cs_cli_i64(const char *opt, const char *s, int64_t min, int64_t *out, char *err, size_t errlen);
/* A number in (0, max]. */
int cs_cli_pos_double(const char *opt, const char *s, double max, double *out, char *err, size_t errlen);
/* --jobs FIRST-LAST (either end may be left out). */
int cs_cli_id_range(const char *s, int64_t *lo, int64_t *hi, char *err, size_t errlen);
/* Index of s among names[0..n). */
int cs_cli_pick(const char *opt, const char *const *names, size_t n, const char *s, int *out,
		char *err, size_t errlen);

/* capsim report DIR / capsim compare DIR... (sim/cli_report.c); argv[0] the command. */
int cs_cli_report(int argc, char **argv);
int cs_cli_compare(int argc, char **argv);

/* capsim workload convert (sim/cli_convert.c); argv[0] = "convert". */
int cs_cli_convert(int argc, char **argv);

#endif
