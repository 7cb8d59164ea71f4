/* capsim: the static registry of built-in policies. */
#include "capsim/sched.h"

#include <stdio.h>
#include <string.h>

extern const cs_policy_ops cs_policy_fcfs;
extern const cs_policy_ops cs_policy_easy;
extern const cs_policy_ops cs_policy_sjf;
extern const cs_policy_ops cs_policy_conservative;
extern const cs_policy_ops cs_policy_multifactor;

static const cs_policy_ops *const builtins[] = { &cs_policy_fcfs, &cs_policy_sjf, &cs_policy_easy,
						 &cs_policy_conservative, &cs_policy_multifactor, NULL };

const cs_policy_ops *const *cs_policy_list(void) { return builtins; }

const cs_policy_ops *cs_policy_find(const char *name)
{
	for (size_t i = 0; builtins[i]; i++)
		if (strcmp(builtins[i]->name, name) == 0)
			return builtins[i];
	return NULL;
}

const char *cs_policy_param_get(const cs_policy_env *env, const char *key)
{
	const char *v = NULL;
	for (size_t i = 0; i < env->nparams; i++)
		if (strcmp(env->keys[i], key) == 0)
			v = env->vals[i]; /* the last one given wins */
	return v;
}

/* s after what buf holds, cut to fit */
static void append(char *buf, size_t len, const char *s)
{
	size_t n = strlen(buf);
	if (n + 1 < len)
		snprintf(buf + n, len - n, "%s", s);
}

int cs_policy_check_params(const cs_policy_ops *ops, const cs_policy_env *env,
			   char *err, size_t errlen)
{
	for (size_t i = 0; i < env->nparams; i++) {
		int known = 0;
		for (const cs_policy_param *p = ops->params; p && p->key; p++)
			known |= strcmp(p->key, env->keys[i]) == 0;
		if (!known) {
			/* the message lists the parameters the policy has */
			snprintf(err, errlen, "policy %s has no parameter '%s' (", ops->name, env->keys[i]);
			if (!ops->params || !ops->params[0].key)
				append(err, errlen, "it takes none");
			for (const cs_policy_param *p = ops->params; p && p->key; p++) {
				append(err, errlen, p == ops->params ? "its parameters: " : ", ");
				append(err, errlen, p->key);
			}
			append(err, errlen, ")");
			return -CS_EINVAL;
		}
	}
	return 0;
}
