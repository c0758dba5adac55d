/*
 * Private stacks for the sampled path.  Unwinding, interning and the
 * occasional segment creation need several KiB of stack, and a sampled
 * allocation may happen where the program has little: a signal handler
 * on a small alternate stack, a coroutine with a few KiB of its own.  The
 * sampled path therefore runs on a stack of its own, taken from a
 * process-wide pool, and needs only a few dozen bytes of the program's.
 *
 * The switch is a frame-pointer frame described by CFI, so an unwinder
 * started on the private stack walks straight on into the program's
 * frames.  No syscall on the way (a pool stack is mapped once, at its first
 * use), one atomic exchange to take a stack and a store to give it back; a
 * thread takes the stack it used last, whose flag no other thread writes
 * while it keeps to it.
 *
 * Each pool stack comes with a scratch area that outlives the runs: what
 * the function leaves there, the next run on the same stack finds (a
 * thread keeps to its stack, so this is in effect the thread's memory,
 * bounded by the pool rather than by the number of threads).
 */
#ifndef HT_RUNTIME_OWNSTACK_H
#define HT_RUNTIME_OWNSTACK_H

/* Usable bytes of each pool stack (a guard page lies below): the sampled
 * path needs ~6 KiB; the rest is for a signal handler that interrupts it
 * (it runs on this stack then).  Only touched pages cost memory. */
#define HT_OWNSTACK_SIZE (256u * 1024u)
/* Stacks in the pool: as many samples may be taken at the same moment. */
#define HT_OWNSTACK_POOL 64u
/* Bytes of each stack's scratch area (zero at the first run; only touched
 * pages cost memory). */
#define HT_OWNSTACK_SCRATCH (256u * 1024u)

/* Run fn(arg, scratch) on a pool stack, scratch being that stack's area
 * (HT_OWNSTACK_SCRATCH bytes, page-aligned, the caller's alone during the
 * run).  Returns 0 when it ran, -1 when no stack was available (all busy,
 * mmap failed, or an architecture without the switch): fn was not called
 * and the caller must do without. */
int ht_ownstack_run(void (*fn)(void *, void *), void *arg);

/* Deal the calling thread the pool stack it starts from (once, before its
 * first run): by its number (ht_thread_number), the next in turn.
 * Threads that sample at different moments would otherwise all keep to
 * stack 0, whose frames and scratch area would then move between their
 * CPUs at every sample.  Past HT_OWNSTACK_POOL threads, stacks are dealt
 * again from the first. */
void ht_ownstack_deal(void);

/* In a fork child (one thread): every pool stack is free again. */
void ht_ownstack_after_fork(void);

#endif /* HT_RUNTIME_OWNSTACK_H */
