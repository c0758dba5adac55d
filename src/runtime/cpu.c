/*
 * The calling thread's CPU (see cpu.h).
 */
#include "config.h"

#include "runtime/cpu.h"

/* glibc 2.35 and later: where each thread's rseq area is, and its size (0
 * when glibc did not register one).  Weak: absent from older libraries. */
extern const ptrdiff_t __rseq_offset __attribute__((weak));
extern const unsigned int __rseq_size __attribute__((weak));

int ht_cpu_have_rseq;
ptrdiff_t ht_cpu_rseq_off;

void ht_cpu_init(void)
{
	if (&__rseq_size && &__rseq_offset && __rseq_size >= 8) {
		ht_cpu_rseq_off = __rseq_offset;
		ht_cpu_have_rseq = 1;
	}
}

static unsigned dealt;
/* 0: none yet; else the thread's number + 1 */
static __thread unsigned mine __attribute__((tls_model("initial-exec")));

unsigned ht_thread_number(void)
{
	if (HT_UNLIKELY(!mine))
		mine = __atomic_fetch_add(&dealt, 1, __ATOMIC_RELAXED) % 0x10000u + 1;
	return mine - 1;
}
