/* capsim: policies by name or from a user's shared object (dlopen). */
#include "capsim/sched.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

int cs_policy_is_path(const char *spec)
{
	size_t n = strlen(spec);
	return strchr(spec, '/') != NULL || (n > 3 && strcmp(spec + n - 3, ".so") == 0);
}

int cs_policy_resolve(const char *spec, const cs_policy_ops **ops, void **handle, char *err, size_t errlen)
{
	*ops = NULL;
	*handle = NULL;
	if (!cs_policy_is_path(spec)) {
		*ops = cs_policy_find(spec);
		if (!*ops) {
			int k = snprintf(err, errlen, "unknown policy '%s': one of", spec);
			for (const cs_policy_ops *const *p = cs_policy_list(); *p && k > 0 && (size_t)k < errlen; p++)
				k += snprintf(err + k, errlen - (size_t)k, " %s", (*p)->name);
			if (k > 0 && (size_t)k < errlen)
				snprintf(err + k, errlen - (size_t)k, ", or a path to a policy .so");
			return -CS_EINVAL;
		}
		return 0;
	}
	void *h = dlopen(spec, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(err, errlen, "%s: cannot load policy: %s", spec, dlerror());
		return -CS_EIO;
	}
	const cs_policy_ops *o = dlsym(h, CS_POLICY_SYMBOL);
	if (!o) {
		snprintf(err, errlen, "%s: no '%s' symbol: a policy exports its ops table under that name",
			 spec, CS_POLICY_SYMBOL);
		dlclose(h);
		return -CS_EINVAL;
	}
	if (o->abi < CS_POLICY_ABI_MIN || o->abi > CS_POLICY_ABI) {
		snprintf(err, errlen, "%s: built for policy ABI %u, this capsim has %u (and loads %u): rebuild it "
			 "against include/capsim/sched.h", spec, o->abi, CS_POLICY_ABI, CS_POLICY_ABI_MIN);
		dlclose(h);
		return -CS_EABI;
	}
	if (!o->name || !o->init || !o->submit || !o->pass || !o->destroy) {
		snprintf(err, errlen, "%s: the ops table lacks %s", spec,
			 !o->name ? "a name" : !o->init ? "init" : !o->submit ? "submit" : !o->pass ? "pass" : "destroy");
		dlclose(h);
		return -CS_EINVAL;
	}
	*ops = o;
	*handle = h;
	return 0;
}

void cs_policy_unload(void *handle)
{
	if (handle)
		dlclose(handle);
}
