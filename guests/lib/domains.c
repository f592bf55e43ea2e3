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

bool sv_others_ended(void)
{
	int32_t n = sv_domain_list(doms, SV_MAX_DOMAINS);
	for (int32_t i = 0; i < n && i < SV_MAX_DOMAINS; i++)
		if (doms[i].domid != start_info->domid && running(&doms[i]))
			return false;
	return true;
}
