/* capsim: Slurm's Fair Tree fair-share over an account tree
 * (sched/fairtree.c), after Slurm's fair_tree documentation.
 *
 * Usage sits on user nodes; an account's usage is the sum of its
 * children's. A node's Level Fairshare is S / U with S = its shares / its
 * and its siblings' shares (share_level) and U = its usage / its parent's
 * usage: infinite when either usage is 0 (and S > 0), 0 when S is 0.
 * Starting at the root, children are sorted by Level Fairshare, highest
 * first (ties: node order), and visited depth first; users get ranks in
 * visiting order, from nusers down to 1, and a user's fair-share factor is
 * rank / nusers (0 if its share_norm is 0). So every user of an account
 * with a higher Level Fairshare than a sibling ranks above every user of
 * that sibling. Ties: siblings with equal Level Fairshare form one run;
 * the users in a run share one rank (that of the first; the count still
 * goes down by one per user) and come first, then the run's accounts are
 * merged: their children are sorted together as one list.
 */
#ifndef CAPSIM_FAIRTREE_H
#define CAPSIM_FAIRTREE_H

#include "capsim/accounts.h"

typedef struct cs_fairtree cs_fairtree; /* opaque: scratch for a tree */

/* 0 or -CS_ENOMEM. The tree must outlive it. */
int cs_fairtree_new(cs_fairtree **out, const cs_account_tree *t);
void cs_fairtree_free(cs_fairtree *f);
/* usage[node] for user nodes (others are ignored; any common scale
 * cancels); writes factor[node] for every user node (factor may be NULL:
 * read them with cs_fairtree_factor). */
void cs_fairtree_compute(cs_fairtree *f, const double *usage, double *factor);
/* The same, given that since the last compute or update (with the same
 * factor array, which it updates in place, or NULL) only the usage of the
 * users changed[0 .. n) may have changed; changed NULL: any. Gives exactly
 * cs_fairtree_compute's factors at a cost of about the changed users'
 * ancestors (their sums); an account's children are put in order again
 * (about their neighbours in its order, the children at worst) and
 * ranked when a factor below it is first read, once for the updates
 * since, instead of the whole tree (with a factor array, plus writing
 * every user's). */
void cs_fairtree_update(cs_fairtree *f, const double *usage, double *factor, const uint32_t *changed, size_t n);
/* User u's factor in the last compute or update, as it wrote it: worked
 * out from the ranks kept relative to each list (O(depth), and the lists
 * above it the updates left for a read) once per computation, then
 * cached. */
double cs_fairtree_factor(cs_fairtree *f, uint32_t u);
/* cs_fairtree_factor of users[0 .. n) into out[0 .. n), read in that
 * order, each user's records and then its parent's asked for a few
 * reads ahead (a hint: the factors are cs_fairtree_factor's). */
void cs_fairtree_factors(cs_fairtree *f, const uint32_t *users, size_t n, double *out);
/* A node's Level Fairshare in the last compute (INFINITY possible). */
double cs_fairtree_level_fs(const cs_fairtree *f, uint32_t node);

#endif
