/* capsim: interned names. See include/capsim/names.h. */
#include "capsim/names.h"

#include <stdlib.h>
#include <string.h>

static uint32_t name_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static int names_rehash(cs_names *ns, size_t hcap)
{
	uint32_t *h = calloc(hcap, sizeof *h);
	if (!h)
		return -CS_ENOMEM;
	for (size_t i = 0; i < ns->n; i++) {
		size_t k = name_hash(ns->v[i], strlen(ns->v[i])) & (hcap - 1);
		while (h[k])
			k = (k + 1) & (hcap - 1);
		h[k] = (uint32_t)i + 1;
	}
	free(ns->hash);
	ns->hash = h;
	ns->hcap = hcap;
	return 0;
}

static int32_t names_lookup(const cs_names *ns, const char *s, size_t len, size_t *slot)
{
	if (!ns->hcap)
		return -1;
	size_t k = name_hash(s, len) & (ns->hcap - 1);
	while (ns->hash[k]) {
		const char *v = ns->v[ns->hash[k] - 1];
		if (strncmp(v, s, len) == 0 && v[len] == '\0')
			return (int32_t)ns->hash[k] - 1;
		k = (k + 1) & (ns->hcap - 1);
	}
	if (slot)
		*slot = k;
	return -1;
}

int32_t cs_names_intern(cs_names *ns, const char *s, size_t len)
{
	int32_t i = names_lookup(ns, s, len, NULL);
	if (i >= 0)
		return i;
	if (ns->n >= INT32_MAX - 1)
		return -CS_ENOMEM;
	if ((ns->n + 1) * 2 > ns->hcap && names_rehash(ns, ns->hcap ? ns->hcap * 2 : 64) < 0)
		return -CS_ENOMEM;
	if (ns->n == ns->cap) {
		size_t cap = ns->cap ? ns->cap * 2 : 16;
		char **v = realloc(ns->v, cap * sizeof *v);
		if (!v)
			return -CS_ENOMEM;
		ns->v = v;
		ns->cap = cap;
	}
	char *copy = malloc(len + 1);
	if (!copy)
		return -CS_ENOMEM;
	memcpy(copy, s, len);
	copy[len] = '\0';
	size_t slot;
	names_lookup(ns, s, len, &slot);
	ns->v[ns->n] = copy;
	ns->hash[slot] = (uint32_t)ns->n + 1;
	return (int32_t)ns->n++;
}

int32_t cs_names_find(const cs_names *ns, const char *s)
{
	return names_lookup(ns, s, strlen(s), NULL);
}

const char *cs_names_get(const cs_names *ns, int32_t i)
{
	return i >= 0 && (size_t)i < ns->n ? ns->v[i] : "";
}

void cs_names_free(cs_names *ns)
{
	for (size_t i = 0; i < ns->n; i++)
		free(ns->v[i]);
	free(ns->v);
	free(ns->hash);
	memset(ns, 0, sizeof *ns);
}
