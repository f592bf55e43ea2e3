/*
 * domains.c: what domain 0 asks about the others (SV_OP_DOMAIN_LIST).
 */
#include "sv.h"

static struct sv_domain_info doms[SV_MAX_DOMAINS];

static bool running(const struct sv_domain_info *d)
{
	return d->state == SV_DOM_RUNNABLE || d->state == SV_DOM_BLOCKED;
}

bool sv_domain_running(uint32_t domid)
{
	int32_t n = sv_domain_list(doms, SV_MAX_DOMAINS);
	for (int32_t i = 0; i < n && i < SV_MAX_DOMAINS; i++)
		if (doms[i].domid == domid)
			return running(&doms[i]);
	return false;
}

/* The id of the domain called name (len bytes), or -1; doms[] as
 * sv_domain_list last filled it (n entries). */
static int domain_named(const char *name, size_t len, int32_t n)
{
	for (int32_t i = 0; i < n && i < SV_MAX_DOMAINS; i++)
		if (strnlen(doms[i].name, SV_NAME_MAX) == len && strncmp(doms[i].name, name, len) == 0)
			return (int)doms[i].domid;
	return -1;
}

void sv_share_grant_each(sv_share_t share, const char *list, const char *what)
{
	int32_t n = sv_domain_list(doms, SV_MAX_DOMAINS);
	for (const char *p = list; *p;) {
		size_t len = 0;
		while (p[len] && p[len] != ',')
			len++;
		int dom = domain_named(p, len, n);
		if (dom < 0 || sv_share_grant(share, (uint32_t)dom) < 0)
			printf("cannot grant %s %d to '%.*s'\n", what, share, (int)len, p);
		else
			printf("%s %d granted to %.*s (domain %d)\n", what, share, (int)len, p, dom);
		p += len + (p[len] == ',');
	}
}

bool sv_others_ended(void)
{
	int32_t n = sv_domain_list(doms, SV_MAX_DOMAINS);
	for (int32_t i = 0; i < n && i < SV_MAX_DOMAINS; i++)
		if (doms[i].domid != start_info->domid && running(&doms[i]))
			return false;
	return true;
}
