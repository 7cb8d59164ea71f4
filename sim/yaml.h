/* capsim: reading YAML configs with libfyaml (sim/yaml.c), shared by the
 * cluster config, the workload model and the accounts file. Private to
 * sim/. Every error is "FILE:LINE:COL: KEY.PATH: what is wrong" (marks
 * from libfyaml, 1-based), written into the caller's buffer. */
#ifndef CAPSIM_SIM_YAML_H
#define CAPSIM_SIM_YAML_H

#include <libfyaml.h>
#include <stddef.h>
#include <stdint.h>

/* A loader: the file named in messages, the error buffer, and the list of
 * allocations the loaded object owns (cs_yaml_own appends to it). */
typedef struct cs_yaml {
	const char *file;
	char *err;
	size_t errlen;
	void ***owned;
	size_t *nowned, *capowned;
	int contained; /* already in a process of its own under cs_child_limits:
			* a file is parsed here, not first in a child */
} cs_yaml;

/* A key of a mapping and its value; path names it in messages
 * ("node_types[1].count"). */
typedef struct cs_yfield {
	struct fy_node *key, *val;
	char path[192];
} cs_yfield;

/* 1-based line and column of a node (a collection's first scalar); -1 if
 * it has none. */
int cs_yaml_where(struct fy_node *n, int *line, int *col);
int cs_yaml_line_of(struct fy_node *n); /* 0 if none */
/* "FILE:LINE:COL: KEY: msg" at `at`, else at `fallback`, else without a
 * position; returns rc. */
int cs_yaml_fail(cs_yaml *y, int rc, struct fy_node *at, struct fy_node *fallback, const char *key,
		 const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* The same at a field's value (else its key). */
int cs_yaml_failv(cs_yaml *y, int rc, const cs_yfield *f, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int cs_yaml_oom(cs_yaml *y);
/* Hand p to the loaded object (freed with it); NULL (p freed) if out of memory. */
void *cs_yaml_own(cs_yaml *y, void *p);
/* "a mapping", "a list", "a scalar", or "nothing" for NULL. */
const char *cs_yaml_kind(struct fy_node *n);
/* n's text up to its first NUL, *len bytes (what fy_node_get_scalar0
 * gives, without the NUL-terminated copy libfyaml makes of a key the
 * first time it is asked so), or NULL for no scalar. */
const char *cs_yaml_key_text(struct fy_node *n, size_t *len);
/* Is n a scalar whose text (as cs_yaml_key_text gives it) is key? */
int cs_yaml_key_is(struct fy_node *n, const char *key);
/* out = "path.key" ("key" when path is empty), cut to len - 1 characters
 * as snprintf would (len >= 1). */
void cs_yaml_join(char *out, size_t len, const char *path, const char *key);

/* Every key of map must be a string in keys (NULL-terminated); `what`
 * names the top level in messages ("config", "model"). */
int cs_yaml_check_keys(cs_yaml *y, struct fy_node *map, const char *path, const char *what,
		       const char *const *keys);
/* cs_yaml_check_keys that also notes where each of keys is: pair[2k] and
 * pair[2k + 1] its key's and value's nodes in map (the first such key),
 * both NULL when absent (pair: 2 x the number of keys, zeroed by the
 * caller). cs_yaml_pick reads a field from it as cs_yaml_field would look
 * it up in map, with no second pass over map. */
int cs_yaml_check_keys_at(cs_yaml *y, struct fy_node *map, const char *path, const char *what,
			  const char *const *keys, struct fy_node **pair);
/* keys[k] of a map cs_yaml_check_keys_at noted into pair, as an optional
 * cs_yaml_field: 1 found, 0 absent; f->path is path.key either way. */
int cs_yaml_pick(struct fy_node *const *pair, const char *const *keys, int k, const char *path, cs_yfield *f);
/* Look up key in map (at: where to point if it is missing and map is
 * empty). 1 found, 0 absent and optional, or an error if absent and
 * required. */
int cs_yaml_field(cs_yaml *y, struct fy_node *map, struct fy_node *at, const char *path, const char *key,
		  int required, cs_yfield *f);
/* A scalar value's text (not NUL-terminated), or NULL for an empty value
 * or a collection. */
const char *cs_yaml_text(const cs_yfield *f, size_t *len);
/* A non-empty string, copied and owned. */
int cs_yaml_str(cs_yaml *y, const cs_yfield *f, const char **out);
/* A plain (unquoted) integer in lo..hi. */
int cs_yaml_i64(cs_yaml *y, const cs_yfield *f, int64_t lo, int64_t hi, int64_t *out);
/* A finite number >= lo (> lo if strict) and <= hi. */
int cs_yaml_num(cs_yaml *y, const cs_yfield *f, double lo, int strict, double hi, double *out);
/* What a value is, for "expected X, got Y" ("nothing" for an empty value). */
const char *cs_yaml_got(const cs_yfield *f);
int cs_yaml_need_map(cs_yaml *y, const cs_yfield *f);
/* A list of at least min items: its length, or an error. */
int cs_yaml_need_list(cs_yaml *y, const cs_yfield *f, int min);
/* Item i (>= 0) of a list field, as a field of its own ("node_types[2]"). */
void cs_yaml_item(const cs_yfield *list, struct fy_node *it, int i, cs_yfield *out);

/* 0 if path names a file that can be opened for reading, else
 * -CS_EIO with "PATH: cannot open: REASON" in err (a directory is
 * EISDIR). */
int cs_yaml_openable(const char *path, char *err, size_t errlen);

/* The largest config read (bytes). */
#define CS_YAML_MAX (16 << 20)
/* A file is parsed first in a child process under these limits (libfyaml
 * crashes on some inputs), unless y->contained: CPU seconds, address space
 * in MiB. */
#define CS_YAML_CPU_S 20
#define CS_YAML_MEM_MIB 2048
/* Parse the file y->file or, if text is not NULL, text (named y->file in
 * messages). CAPSIM_YAML_CHILD_FAULT=segv (for the tests) crashes the
 * process that would first parse a file: the child, or this one if
 * y->contained. Refused before libfyaml sees it: more than CS_YAML_MAX bytes,
 * invalid UTF-8 or a control character ("FILE:LINE:COL: invalid UTF-8 ...").
 * A syntax error is "FILE:LINE:COL: YAML syntax error: ..." (one line); an
 * empty stream "FILE: <empty_msg>"; an alias (*name) anywhere is an error:
 * configs have no use for them and libfyaml would expand each one. NULL
 * with *rc set on failure. */
struct fy_document *cs_yaml_parse(cs_yaml *y, const char *text, size_t len, const char *empty_msg, int *rc);

#endif
