/*
 * strerror.c: the names of the SV_E* codes (include/sharevisor.h), for
 * the hypervisor's trace and the guests' reports: compiled into both.
 */
#include "lib.h"
#include "sharevisor.h"

const char *sv_strerror(int32_t err)
{
	static const char *const names[SV_ERRNO_MAX + 1] = {
		"SV_OK", "SV_EPERM", "SV_ENOENT", "SV_ENOMEM", "SV_EFAULT",
		"SV_EINVAL", "SV_EBUSY", "SV_EEXIST", "SV_ENOSPC", "SV_ENOSYS",
		"SV_ERANGE", "SV_EAGAIN",
	};
	if (err > 0)
		return "positive";
	if (err < -SV_ERRNO_MAX)
		return "unknown error";
	return names[-err];
}
