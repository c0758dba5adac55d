/*
 * The CPU the calling thread runs on, as cheaply as the C library allows:
 * a load from the rseq area glibc registers for every thread (2.35 and
 * later).  A hint only: the thread may move to another CPU right after,
 * so it chooses memory to write (a counter stripe), never what is
 * correct.  Without an rseq area (an older C library, the
 * glibc.pthread.rseq=0 tunable, valgrind) each thread is dealt a number
 * of its own instead, in turn: threads then write different stripes
 * without a system call, though two of them on one CPU no longer share
 * one.
 */
#ifndef HT_RUNTIME_CPU_H
#define HT_RUNTIME_CPU_H

#include <stddef.h>
#include <stdint.h>

#include "runtime/util.h"

/* Set by ht_cpu_init when the C library registers an rseq area: its
 * offset from the thread pointer. */
extern int ht_cpu_have_rseq;
extern ptrdiff_t ht_cpu_rseq_off;

/* Look for the C library's rseq area (once, at start-up). */
void ht_cpu_init(void);

/* The calling thread's number, dealt in turn at its first call (from 0,
 * modulo 2^16): what ht_cpu returns without an rseq area, and where a
 * thread starts in the pool of stacks the runtime runs on (ownstack.c). */
unsigned ht_thread_number(void);

static inline unsigned ht_cpu(void)
{
	if (HT_LIKELY(ht_cpu_have_rseq)) {
		/* struct rseq: cpu_id_start, then cpu_id (negative while
		 * the thread's registration is missing or failed) */
		const char *tp;
		int32_t c;

#if defined(__x86_64__)
		__asm__("mov %%fs:0, %0" : "=r"(tp));
#else
		tp = __builtin_thread_pointer();
#endif
		c = __atomic_load_n((const int32_t *)(const void *)(tp + ht_cpu_rseq_off + 4),
				    __ATOMIC_RELAXED);
		if (HT_LIKELY(c >= 0))
			return (unsigned)c;
	}
	return ht_thread_number();
}

#endif /* HT_RUNTIME_CPU_H */
