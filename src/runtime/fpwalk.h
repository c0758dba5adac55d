/*
 * The sampled path's stack walker: frame pointers where the code keeps
 * them, the call frame information (cfi.h) where it does not, libunwind
 * for the rest, and never a stack libunwind would not have produced.
 *
 * A walk starts at the program's frame that called the allocator (its
 * return address, stack pointer and frame pointer, noted by the hook's slow
 * path).  A process-wide table records, per return address, how to reach
 * the caller's frame:
 *   HT_FPW_FP     the function keeps rbp = CFA - 16 at this call site
 *                 (libunwind observed it, or the CFI says so), so the
 *                 caller's frame is [rbp] and its return address [rbp+8];
 *   HT_FPW_CFI    the call site's CFI row (a rule packed beside it);
 *   HT_FPW_ROOT   the walk ends here (_start, clone3);
 *   HT_FPW_SIGNAL a signal trampoline: the caller unwinds from scratch
 *                 with libunwind, which reads the kernel's signal frame;
 *   HT_FPW_NOCFI  no CFI rule the walker reads;
 *   HT_FPW_OTHER  libunwind saw no frame pointer (the CFI not read yet).
 * An unknown or OTHER address has its CFI read (once).  At a NOCFI address
 * the walk continues with libunwind from that frame's registers (a
 * synthetic context), and that tail teaches the table what it sees; the
 * thread keeps its last tail and reuses it while the stack still holds it
 * (struct ht_fpw_tail).  Any doubt (a frame outside the thread's stack or
 * not above the last, a libunwind error, a NOCFI allocator caller)
 * returns -1 and the caller unwinds with libunwind from scratch.
 *
 * Runs inside malloc: no allocation, the table lives in .bss; the thread's
 * stack bounds are read once per thread from /proc/self/maps with read(2).
 * x86-64 with GCC only (elsewhere ht_fpwalk always returns -1).
 */
#ifndef HT_RUNTIME_FPWALK_H
#define HT_RUNTIME_FPWALK_H

#include <stdint.h>

enum {
	HT_FPW_UNKNOWN = 0, HT_FPW_FP = 1, HT_FPW_ROOT = 2, HT_FPW_OTHER = 3,
	HT_FPW_CFI = 4, HT_FPW_NOCFI = 5, HT_FPW_SIGNAL = 6
};

/* Where a walk starts: the program's frame that called the allocator. */
struct ht_fpw_start {
	uintptr_t pc; /* return address into the program */
	uintptr_t sp; /* its stack pointer after that return */
	uintptr_t fp; /* its rbp */
};

/* The libunwind tail a thread saw last: from the frame (pc, sp, bp) on,
 * return addresses ip[0..n) read from the stack slots slot[0..n), ending
 * where libunwind's walk ends.  It is reused while the frame and every
 * slot still hold the same values (the outer frames are then the same:
 * typically the thread's root, start_thread or __libc_start_main). */
#define HT_FPW_TAIL 8
struct ht_fpw_tail {
	uintptr_t pc, sp, bp; /* pc 0: empty */
	uint32_t n;
	uintptr_t ip[HT_FPW_TAIL], slot[HT_FPW_TAIL];
};

/* Per-thread state: the stack bounds the walker may read between (0, 0:
 * unknown) and the last tail. */
struct ht_fpw_bounds {
	uintptr_t lo, hi;
	uint32_t lookups; /* /proc/self/maps reads so far (bounded) */
	struct ht_fpw_tail tail;
};

/* The stack words a walk read, in order: with the start, the bounds, the
 * depth limit and the verdicts, they determine its result (walkmemo.h).
 * The caller gives room for HT_FPW_READS(max) reads; n is then at most
 * that, or HT_FPW_UNLOGGED when the walk went through libunwind, whose
 * reads are not logged.  fp_used: the start's frame pointer mattered (a
 * frame was reached through it before one was read from the stack); code
 * without frame pointers leaves anything in that register, and a walk
 * through its call frame information never looks at it. */
struct ht_fpw_read {
	uintptr_t addr, val;
};
struct ht_fpw_log {
	uint32_t n, fp_used;
	struct ht_fpw_read *r;
};
#define HT_FPW_READS(max) (2 * (max) + HT_FPW_TAIL)
#define HT_FPW_UNLOGGED UINT32_MAX

/*
 * Walk into out[0..max) (innermost first).  [self_lo, self_hi) is the
 * runtime's own text: a start there means the hook called its slow path
 * instead of jumping to it, and the walk declines.  Returns the depth, or
 * -1 when the caller must use libunwind from its own frame instead.  log,
 * unless NULL, receives the stack words read (its n set from 0).
 */
int ht_fpwalk(const struct ht_fpw_start *s, struct ht_fpw_bounds *b, uint64_t *out,
	      uint32_t max, uintptr_t self_lo, uintptr_t self_hi, struct ht_fpw_log *log);

/* Forget every verdict (objects were unloaded: their addresses may hold
 * other code later). */
void ht_fpwalk_forget(void);

/* A count of the verdicts withdrawn so far (forgotten, or a frame pointer
 * found missing where one was believed), and of ht_fpwalk_new_epoch's
 * calls: a walk that started, read and ended as an earlier one did yields
 * the same frames while this count has not moved. */
uint32_t ht_fpwalk_epoch(void);

/* Move the epoch on: what was kept of earlier walks is void (a fork
 * child, whose stack table is new). */
void ht_fpwalk_new_epoch(void);

#endif /* HT_RUNTIME_FPWALK_H */
