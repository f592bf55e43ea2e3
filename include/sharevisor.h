/*
 * sharevisor.h: the public interface of the Sharevisor hypervisor.
 *
 * The hypervisor and every guest compile against this one header. It
 * holds fixed-width types only, so it means the same thing to any
 * compiler. This first part is the list of error codes; the hypercalls
 * that return them are added, each with its own documentation block, as
 * the facilities that implement them land.
 *
 * Convention: every operation returns zero or a positive value on success
 * and one of the negative codes below on failure.
 */
#ifndef SHAREVISOR_H
#define SHAREVISOR_H

#define SV_OK		0	/* success */
#define SV_EPERM	(-1)	/* the caller may not do this */
#define SV_ENOENT	(-2)	/* no such object (domain, share, peer, handle) */
#define SV_ENOMEM	(-3)	/* the hypervisor is out of frames */
#define SV_EFAULT	(-4)	/* a guest address is bad: unmapped, read-only, hypervisor, wraps */
#define SV_EINVAL	(-5)	/* an argument makes no sense */
#define SV_EBUSY	(-6)	/* the object is in use */
#define SV_EEXIST	(-7)	/* already exists, already mapped */
#define SV_ENOSPC	(-8)	/* a per-domain limit is reached */
#define SV_ENOSYS	(-9)	/* no such operation */
#define SV_ERANGE	(-10)	/* a number is out of its range */
#define SV_ERRNO_MAX	10	/* the most negative code is -SV_ERRNO_MAX */

#endif /* SHAREVISOR_H */
