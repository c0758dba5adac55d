/*
 * Private stacks for the sampled path (see ownstack.h).  Runs inside
 * malloc: memory from mmap only, no lock, never blocks.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>

#include "runtime/cpu.h"
#include "runtime/ownstack.h"

#define GUARD 4096u

#if defined(__x86_64__)

/*
 * ht_ownstack_call(arg, fn, top, scratch): run fn(arg, scratch) with the
 * stack pointer at top (16-byte aligned) and come back.  The frame is a classic
 * frame-pointer frame -- CFA = rbp + 16, the caller's rbp at CFA - 16, the
 * return address at CFA - 8 -- which the CFI says, so libunwind (fast
 * trace or DWARF) crosses from the private stack into the caller's.
 */
void ht_ownstack_call(void *arg, void (*fn)(void *, void *), void *top, void *scratch)
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
	"\tmov %rsi, %rax\n"
	"\tmov %rcx, %rsi\n"
	"\tmov %rdx, %rsp\n"
	"\tcall *%rax\n"
	"\tmov %rbp, %rsp\n"
	".cfi_def_cfa_register %rsp\n"
	"\tpop %rbp\n"
	".cfi_def_cfa_offset 8\n"
	"\tret\n"
	".cfi_endproc\n"
	".size ht_ownstack_call, .-ht_ownstack_call\n");

/* Stack i: its busy flag and mapping, a cache line each, so threads that
 * keep to their own stacks share no line (a bitmap of busy stacks made
 * every sample of every thread write the same line, twice). */
static struct {
	_Alignas(64) int busy;
	char *base;              /* mapping of the stack, or NULL */
} pool[HT_OWNSTACK_POOL];

/* The stack this thread used last: it takes it again while no other
 * thread holds it (its lines stay in this core's cache, and no other
 * thread writes its flag). */
static __thread unsigned last __attribute__((tls_model("initial-exec")));

void ht_ownstack_deal(void)
{
	last = ht_thread_number() % HT_OWNSTACK_POOL;
}

static int take(unsigned i)
{
	return !__atomic_load_n(&pool[i].busy, __ATOMIC_RELAXED) &&
	       !__atomic_exchange_n(&pool[i].busy, 1, __ATOMIC_ACQUIRE);
}

/* A pool stack's mapping: the guard page, the stack, its scratch area. */
#define MAP_SIZE (GUARD + HT_OWNSTACK_SIZE + HT_OWNSTACK_SCRATCH)

int ht_ownstack_run(void (*fn)(void *, void *), void *arg)
{
	unsigned i = last;
	char *base;

	if (!take(i)) {
		unsigned n;

		for (n = 1; n < HT_OWNSTACK_POOL; n++)
			if (take((i + n) % HT_OWNSTACK_POOL))
				break;
		if (n == HT_OWNSTACK_POOL)
			return -1;
		i = (i + n) % HT_OWNSTACK_POOL;
		last = i;
	}
	base = pool[i].base; /* ours until released */
	if (!base) {
		void *m = mmap(NULL, MAP_SIZE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);

		if (m == MAP_FAILED) {
			__atomic_store_n(&pool[i].busy, 0, __ATOMIC_RELEASE);
			return -1;
		}
		/* an overflow faults here instead of running into other data */
		(void)mprotect(m, GUARD, PROT_NONE);
		base = m;
		pool[i].base = base;
	}
	ht_ownstack_call(arg, fn, base + GUARD + HT_OWNSTACK_SIZE,
			 base + GUARD + HT_OWNSTACK_SIZE);
	__atomic_store_n(&pool[i].busy, 0, __ATOMIC_RELEASE);
	return 0;
}

void ht_ownstack_after_fork(void)
{
	/* stacks other threads were using at the fork stay mapped: reuse them */
	for (unsigned i = 0; i < HT_OWNSTACK_POOL; i++)
		__atomic_store_n(&pool[i].busy, 0, __ATOMIC_RELAXED);
}

#else /* no stack switch on this architecture */

int ht_ownstack_run(void (*fn)(void *, void *), void *arg)
{
	(void)fn;
	(void)arg;
	return -1;
}

void ht_ownstack_deal(void)
{
}

void ht_ownstack_after_fork(void)
{
}

#endif
