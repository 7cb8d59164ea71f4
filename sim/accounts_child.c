/* capsim: the accounts file loaded in a child process, its answer handed
 * back over a pipe. See include/capsim/accounts.h.
 *
 * libfyaml crashes on some inputs, so a file is never parsed first in
 * capsim's own process (sim/yaml.c). For the accounts file the child does
 * the whole load (sim/accounts.c: the document, its walk, every check)
 * and sends the loaded tree, or the error message, back; this process
 * never builds, walks or frees the document. The child's answer is the
 * loaded structure byte for byte (names and their hash tables included),
 * so whatever reads it reads what an in-process load would have given.
 * A 600 KB tree of 2,200 projects: the document cost the child an event
 * parse (0.16 G instructions) and this process its build, walk and free
 * (0.31 G); now the child builds and walks it (0.26 G, no free: its
 * memory goes at exit) and this process reads the answer. */
#include "accounts_int.h"
#include "child.h"
#include "yaml.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define ANSWER_END 0x63736163u /* the last word of a whole answer */

/* ---- the child: the answer into a buffer ------------------------------------ */

typedef struct wbuf {
	char *p;
	size_t n, cap;
	int bad;
} wbuf;

static void put(wbuf *w, const void *v, size_t n)
{
	if (w->bad)
		return;
	if (w->n + n > w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 1 << 16;
		while (cap < w->n + n)
			cap *= 2;
		char *p = realloc(w->p, cap);
		if (!p) {
			w->bad = 1;
			return;
		}
		w->p = p;
		w->cap = cap;
	}
	memcpy(w->p + w->n, v, n);
	w->n += n;
}

static void put_u64(wbuf *w, uint64_t v) { put(w, &v, sizeof v); }

/* A C string: its length, then its bytes (no NUL). */
static void put_str(wbuf *w, const char *s)
{
	size_t n = strlen(s);
	put_u64(w, n);
	put(w, s, n);
}

/* An allocation of which nbytes are read: whether there is one, then them. */
static void put_blob(wbuf *w, const void *p, size_t nbytes)
{
	put_u64(w, p != NULL);
	if (p) {
		put_u64(w, nbytes);
		put(w, p, nbytes);
	}
}

/* A node's members but its name, packed (no padding bytes through the
 * pipe): into rec (out 1) or back from it (out 0). */
enum { NODE_REC = sizeof(double) + 2 * sizeof(int32_t) + 1 + sizeof(cs_grant) };
#define NODE_MEMBER(m, at) \
	do { \
		if (out) \
			memcpy(rec + (at), &v->m, sizeof v->m); \
		else \
			memcpy(&v->m, rec + (at), sizeof v->m); \
	} while (0)
static void node_rec(char *rec, anode *v, int out)
{
	NODE_MEMBER(shares, 0);
	NODE_MEMBER(parent, 8);
	NODE_MEMBER(lim, 12);
	NODE_MEMBER(kind, 16);
	NODE_MEMBER(grant, 17);
}
_Static_assert(sizeof(double) == 8 && sizeof(int32_t) == 4 && sizeof(uint8_t) == 1 && NODE_REC == 17 + sizeof(cs_grant),
	       "NODE_REC's offsets");

/* The members this file sends are the ones these structures had when it
 * was written (accounts_int.h): a size that changed means a member to send
 * and to compare in the tests. */
#if defined(__LP64__)
_Static_assert(sizeof(struct cs_accounts) == 232 && sizeof(anode) == 56 && sizeof(prio) == 64 &&
		       sizeof(cs_names) == 40 && sizeof(cs_storage_alloc) == 32,
	       "a member of the accounts tree was added or changed: send it here and compare it in the tests");
#endif

static void put_names(wbuf *w, const cs_names *ns)
{
	put_u64(w, ns->n);
	for (size_t i = 0; i < ns->n; i++)
		put_str(w, ns->v[i]);
	put_u64(w, ns->hcap);
	put_blob(w, ns->hash, ns->hcap * sizeof *ns->hash);
}

static void put_prio(wbuf *w, const prio *p)
{
	size_t n = p->names.n;
	put_names(w, &p->names);
	put_blob(w, p->factor, n * sizeof *p->factor);
	put_blob(w, p->preempts, n * n);
	put_blob(w, p->grace, n * sizeof *p->grace);
}

static void put_accounts(wbuf *w, const cs_accounts *a)
{
	put_u64(w, a->n);
	for (uint32_t i = 0; i < a->n; i++) {
		char rec[NODE_REC];
		node_rec(rec, &a->nodes[i], 1);
		put_str(w, a->nodes[i].name);
		put(w, rec, sizeof rec);
	}
	put_names(w, &a->accounts);
	put_blob(w, a->acct_node, a->accounts.n * sizeof *a->acct_node);
	put_prio(w, &a->qos);
	put_prio(w, &a->parts);
	put_u64(w, a->nlims);
	put_blob(w, a->lims, a->nlims * sizeof *a->lims);
	put(w, &a->lim_line, sizeof a->lim_line);
	put_u64(w, a->ngrants);
	put_u64(w, a->nstor);
	for (uint32_t i = 0; i < a->nstor; i++) {
		const cs_storage_alloc *e = &a->stor[i];
		put_str(w, e->tier);
		put(w, &e->node, sizeof e->node);
		put(w, &e->tb, sizeof e->tb);
		put(w, &e->line, sizeof e->line);
		put(w, &e->col, sizeof e->col);
	}
}

/* The child: load, answer (rc, the message or the tree, ANSWER_END) and
 * exit. An answer it cannot build is not sent: the parent loads again in
 * its own process, as before this file. */
static _Noreturn void child(int fd, const char *path, char *err, size_t errlen)
{
	cs_child_limits(CS_YAML_CPU_S, CS_YAML_MEM_MIB);
	cs_accounts *a = NULL;
	int rc = cs_accounts_load_here(&a, path, 1, err, errlen);
	wbuf w = { 0 };
	int32_t r = rc;
	put(&w, &r, sizeof r);
	if (rc < 0)
		put_str(&w, errlen ? err : "");
	else
		put_accounts(&w, a);
	uint32_t end = ANSWER_END;
	put(&w, &end, sizeof end);
	if (!w.bad)
		(void)cs_child_write_all(fd, w.p, w.n); /* (a cut answer is loaded again there) */
	_exit(0); /* nothing freed: the process ends */
}

/* ---- this process: the answer read back ------------------------------------- */

typedef struct rbuf {
	const char *p;
	size_t n, at;
	int bad;
} rbuf;

static void get(rbuf *r, void *v, size_t n)
{
	if (r->bad || n > r->n - r->at) {
		r->bad = 1;
		memset(v, 0, n);
		return;
	}
	memcpy(v, r->p + r->at, n);
	r->at += n;
}

static uint64_t get_u64(rbuf *r)
{
	uint64_t v;
	get(r, &v, sizeof v);
	return v;
}

/* A string of put_str (malloc'ed), NULL if the answer is cut or out of memory. */
static char *get_str(rbuf *r)
{
	uint64_t n = get_u64(r);
	if (r->bad || n > r->n - r->at)
		return (r->bad = 1), NULL;
	char *s = malloc(n + 1);
	if (!s)
		return (r->bad = 1), NULL;
	get(r, s, n);
	s[n] = '\0';
	return s;
}

/* An allocation of put_blob: NULL where the child's was, else its bytes and
 * at least `room` bytes in all (the child's allocations hold a spare
 * element), zeroed beyond them. */
static void *get_blob(rbuf *r, size_t room)
{
	if (!get_u64(r) || r->bad)
		return NULL;
	uint64_t n = get_u64(r);
	if (r->bad || n > r->n - r->at)
		return (r->bad = 1), NULL;
	void *p = calloc((n > room ? n : room) + 1, 1);
	if (!p)
		return (r->bad = 1), NULL;
	get(r, p, n);
	return p;
}

static void get_names(rbuf *r, cs_names *ns)
{
	uint64_t n = get_u64(r);
	if (r->bad || n > r->n - r->at)
		return (void)(r->bad = 1);
	if (n && !(ns->v = malloc(n * sizeof *ns->v)))
		return (void)(r->bad = 1);
	ns->cap = n;
	while (!r->bad && ns->n < n) {
		char *s = get_str(r);
		if (s)
			ns->v[ns->n++] = s;
	}
	ns->hcap = get_u64(r);
	ns->hash = get_blob(r, 0);
}

static void get_prio(rbuf *r, prio *p)
{
	get_names(r, &p->names);
	size_t n = p->names.n;
	p->factor = get_blob(r, (n + 1) * sizeof *p->factor);
	p->preempts = get_blob(r, n * n + 1);
	p->grace = get_blob(r, (n + 1) * sizeof *p->grace);
}

/* The tree of an answer, NULL if it is cut or out of memory. */
static cs_accounts *get_accounts(rbuf *r)
{
	cs_accounts *a = calloc(1, sizeof *a);
	if (!a)
		return NULL;
	uint64_t n = get_u64(r);
	if (r->bad || n > r->n - r->at || !(a->nodes = malloc((n ? n : 1) * sizeof *a->nodes)))
		r->bad = 1;
	for (a->cap = (uint32_t)n; !r->bad && a->n < n;) {
		anode *v = &a->nodes[a->n];
		if (!(v->name = get_str(r)))
			break;
		a->n++;
		char rec[NODE_REC];
		get(r, rec, sizeof rec);
		node_rec(rec, v, 0);
	}
	get_names(r, &a->accounts);
	a->acct_node = get_blob(r, 0);
	get_prio(r, &a->qos);
	get_prio(r, &a->parts);
	a->nlims = a->caplims = (uint32_t)get_u64(r);
	a->lims = get_blob(r, 0);
	get(r, &a->lim_line, sizeof a->lim_line);
	a->ngrants = (uint32_t)get_u64(r);
	uint64_t ns = get_u64(r);
	if (!r->bad && (ns > r->n - r->at || !(a->stor = malloc((ns ? ns : 1) * sizeof *a->stor))))
		r->bad = 1;
	for (a->capstor = (uint32_t)ns; !r->bad && a->nstor < ns;) {
		cs_storage_alloc *e = &a->stor[a->nstor];
		if (!(e->tier = get_str(r)))
			break;
		a->nstor++;
		get(r, &e->node, sizeof e->node);
		get(r, &e->tb, sizeof e->tb);
		get(r, &e->line, sizeof e->line);
		get(r, &e->col, sizeof e->col);
	}
	if (!ns) {
		free(a->stor);
		a->stor = NULL;
	}
	if (r->bad) {
		cs_accounts_free(a);
		return NULL;
	}
	return a;
}

/* All the child writes, until it closes the pipe (malloc'ed). NULL if out
 * of memory. */
static char *read_all(int fd, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		ssize_t k = read(fd, buf + n, cap - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		n += (size_t)k;
		if (n == cap) {
			char *b = realloc(buf, cap *= 2);
			if (!b)
				free(buf);
			buf = b;
		}
	}
	*len = n;
	return buf;
}

/* The answer of a child that exited: 1 if it is whole (the tree in *out,
 * or the error: rc in *rc and the message in err), 0 if not. */
static int take_answer(const char *p, size_t len, cs_accounts **out, int *rc, char *err, size_t errlen)
{
	rbuf r = { p, len, 0, 0 };
	int32_t v;
	uint32_t end;
	get(&r, &v, sizeof v);
	char *msg = !r.bad && v < 0 ? get_str(&r) : NULL;
	cs_accounts *a = !r.bad && v >= 0 ? get_accounts(&r) : NULL;
	get(&r, &end, sizeof end);
	int whole = !r.bad && end == ANSWER_END && r.at == len && (msg || a);
	if (whole && msg && errlen)
		snprintf(err, errlen, "%s", msg);
	if (whole)
		*rc = v < 0 ? v : 0;
	*out = whole ? a : NULL;
	if (!whole)
		cs_accounts_free(a);
	free(msg);
	return whole;
}

int cs_accounts_load(cs_accounts **out, const char *path, char *err, size_t errlen)
{
	*out = NULL;
	int rc = cs_yaml_openable(path, err, errlen), fds[2];
	if (rc < 0)
		return rc;
	if (pipe(fds) < 0)
		return cs_accounts_load_here(out, path, 0, err, errlen);
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return cs_accounts_load_here(out, path, 0, err, errlen);
	}
	if (pid == 0) {
		close(fds[0]);
		child(fds[1], path, err, errlen);
	}
	close(fds[1]);
	size_t len = 0;
	char *answer = read_all(fds[0], &len);
	close(fds[0]);
	if (!answer)
		kill(pid, SIGKILL);
	char why[128];
	if (cs_child_wait(pid, CS_YAML_CPU_S, why, sizeof why) < 0 && answer) {
		free(answer);
		snprintf(err, errlen, "%s: the YAML parser (libfyaml) %s on this file: not YAML capsim can read", path,
			 why);
		return -CS_EPARSE;
	}
	int whole = answer && take_answer(answer, len, out, &rc, err, errlen);
	free(answer);
	return whole ? rc : cs_accounts_load_here(out, path, 0, err, errlen);
}
