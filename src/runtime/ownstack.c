/*
 * Private stacks for the sampled path (see ownstack.h).  Runs inside
 * malloc: memory from mmap only, no lock, never blocks.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>

#include "runtime/ownstack.h"

#define GUARD 4096u

#if defined(__x86_64__)

/*
 * ht_ownstack_call(arg, fn, top): run fn(arg) with the stack pointer at
 * top (16-byte aligned) and come back.  The frame is a classic
 * frame-pointer frame -- CFA = rbp + 16, the caller's rbp at CFA - 16, the
 * return address at CFA - 8 -- which the CFI says, so libunwind (fast
 * trace or DWARF) crosses from the private stack into the caller's.
 */
void ht_ownstack_call(void *arg, void (*fn)(void *), void *top)
	__attribute__((visibility("hidden")));
__asm__(".text\n"
	".globl ht_ownstack_call\n"
	".hidden ht_ownstack_call\n"
	".type ht_ownstack_call, @function\n"
	".p2align 4\n"
	"ht_ownstack_call:\n"
	".cfi_startproc\n"
	"\tendbr64\n"
	"\tpush %rbp\n"
	".cfi_def_cfa_offset 16\n"
	".cfi_offset %rbp, -16\n"
	"\tmov %rsp, %rbp\n"
	".cfi_def_cfa_register %rbp\n"
	"\tmov %rdx, %rsp\n"
	"\tcall *%rsi\n"
	"\tmov %rbp, %rsp\n"
	".cfi_def_cfa_register %rsp\n"
	"\tpop %rbp\n"
	".cfi_def_cfa_offset 8\n"
	"\tret\n"
	".cfi_endproc\n"
	".size ht_ownstack_call, .-ht_ownstack_call\n");

_Static_assert(HT_OWNSTACK_POOL == 64, "one bit of busy per stack");

static uint64_t busy;                    /* bit i: stack i is in use */
static char *stacks[HT_OWNSTACK_POOL];   /* mapping of stack i, or NULL */

/* The stack this thread used last: taking it again finds its lines still
 * in this core's cache more often than a stack another thread just used. */
static __thread unsigned last __attribute__((tls_model("initial-exec")));

int ht_ownstack_run(void (*fn)(void *), void *arg)
{
	uint64_t b = __atomic_load_n(&busy, __ATOMIC_RELAXED), bit;
	unsigned i = last;
	char *base;

	for (;;) {
		if (b & (UINT64_C(1) << i)) {
			if (b == UINT64_MAX)
				return -1;
			i = (unsigned)__builtin_ctzll(~b);
		}
		bit = UINT64_C(1) << i;
		if (__atomic_compare_exchange_n(&busy, &b, b | bit, 1, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			break;
	}
	last = i;
	base = stacks[i]; /* ours until released */
	if (!base) {
		void *m = mmap(NULL, GUARD + HT_OWNSTACK_SIZE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);

		if (m == MAP_FAILED) {
			__atomic_fetch_and(&busy, ~bit, __ATOMIC_RELEASE);
			return -1;
		}
		/* an overflow faults here instead of running into other data */
		(void)mprotect(m, GUARD, PROT_NONE);
		base = m;
		stacks[i] = base;
	}
	ht_ownstack_call(arg, fn, base + GUARD + HT_OWNSTACK_SIZE);
	__atomic_fetch_and(&busy, ~bit, __ATOMIC_RELEASE);
	return 0;
}

void ht_ownstack_after_fork(void)
{
	/* stacks other threads were using at the fork stay mapped: reuse them */
	__atomic_store_n(&busy, 0, __ATOMIC_RELAXED);
}

#else /* no stack switch on this architecture */

int ht_ownstack_run(void (*fn)(void *), void *arg)
{
	(void)fn;
	(void)arg;
	return -1;
}

void ht_ownstack_after_fork(void)
{
}

#endif
