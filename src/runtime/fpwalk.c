/*
 * The sampled path's stack walker (see fpwalk.h): frame pointers through
 * return addresses libunwind vouched for, the call frame information
 * elsewhere, libunwind for the rest.
 */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "runtime/cfi.h"
#include "runtime/fpwalk.h"

/* Bumped whenever a verdict is withdrawn (forgotten, or FP found wrong)
 * and by ht_fpwalk_new_epoch: a walk's result may then change though the
 * stack did not. */
static uint32_t epoch;

uint32_t ht_fpwalk_epoch(void)
{
	return __atomic_load_n(&epoch, __ATOMIC_ACQUIRE);
}

void ht_fpwalk_new_epoch(void)
{
	__atomic_fetch_add(&epoch, 1, __ATOMIC_RELEASE);
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)

#include <ucontext.h>

#define UNW_LOCAL_ONLY
#include <libunwind.h>

/* ---- the verdict table ----------------------------------------------- */

/* One word per return address: pc << 3 | verdict; 0 is empty.  Lock-free:
 * a slot is claimed with a compare-and-swap; its verdict changes only from
 * FP to OTHER (two observations that disagree), from OTHER to CFI or
 * NOCFI (the CFI was read), or back to empty (forget).  A CFI verdict's
 * rule is in vt_rule[] at the same index, written by the slot's owner (a
 * CFI claim takes the slot as OTHER) before the verdict is published. */
#define VT_BITS 14
#define VT_SIZE (1u << VT_BITS)
#define VT_PROBE 16
static uint64_t vt[VT_SIZE];
static uint64_t vt_rule[VT_SIZE];

static uint32_t vt_slot(uintptr_t pc)
{
	return (uint32_t)(((uint64_t)pc * UINT64_C(0x9e3779b97f4a7c15)) >> (64 - VT_BITS));
}

/* The verdict for pc (HT_FPW_*) and, for CFI, its packed rule: e is the
 * entry in pc's first slot i, already read. */
static inline __attribute__((always_inline)) int verdict_of(uintptr_t pc, uint32_t i, uint64_t e,
							    uint64_t *rule)
{
	for (uint32_t n = 0; n < VT_PROBE; n++, i = (i + 1) & (VT_SIZE - 1)) {
		if (n)
			e = __atomic_load_n(&vt[i], __ATOMIC_ACQUIRE);
		if (e == 0)
			return HT_FPW_UNKNOWN;
		if (e >> 3 == (uint64_t)pc) {
			if ((e & 7) == HT_FPW_CFI)
				*rule = __atomic_load_n(&vt_rule[i], __ATOMIC_RELAXED);
			return (int)(e & 7);
		}
	}
	return HT_FPW_UNKNOWN;
}

/* Record what was seen at pc: libunwind's observation (cfi 0: FP, ROOT,
 * OTHER) or the CFI's (cfi 1: FP, ROOT, CFI with its packed rule, NOCFI,
 * SIGNAL).  The CFI's verdict is exact: an observation never overrides
 * it, and it replaces OTHER. */
static void learn_rule(uintptr_t pc, int verdict, uint64_t rule, int cfi)
{
	uint32_t i = vt_slot(pc);
	uint64_t want = (uint64_t)pc << 3 | (uint64_t)verdict;

	if (!pc || (uint64_t)pc >> 60)
		return;
	for (uint32_t n = 0; n < VT_PROBE; n++, i = (i + 1) & (VT_SIZE - 1)) {
		uint64_t e = __atomic_load_n(&vt[i], __ATOMIC_RELAXED);

		if (e == 0) {
			/* a CFI verdict claims its slot as OTHER first: only
			 * then is the rule its own to write */
			uint64_t claim = verdict == HT_FPW_CFI ?
				(uint64_t)pc << 3 | HT_FPW_OTHER : want;

			if (__atomic_compare_exchange_n(&vt[i], &e, claim, 0, __ATOMIC_RELAXED,
							__ATOMIC_RELAXED)) {
				if (verdict != HT_FPW_CFI)
					return;
				e = claim;
			}
		}
		if (e >> 3 != (uint64_t)pc)
			continue;
		if (cfi) {
			/* the CFI read for an address libunwind saw without a
			 * frame pointer (FP and ROOT stay) */
			if ((e & 7) == HT_FPW_OTHER) {
				if (verdict == HT_FPW_CFI)
					__atomic_store_n(&vt_rule[i], rule, __ATOMIC_RELAXED);
				__atomic_compare_exchange_n(&vt[i], &e, want, 0, __ATOMIC_RELEASE,
							    __ATOMIC_RELAXED);
			}
		} else if ((e & 7) != (uint64_t)verdict && (e & 7) != HT_FPW_CFI &&
			   (e & 7) != HT_FPW_NOCFI && (e & 7) != HT_FPW_SIGNAL) {
			/* seen otherwise before: trust it no more (the
			 * CFI's verdict, if it can, takes its place) */
			__atomic_store_n(&vt[i], (uint64_t)pc << 3 | HT_FPW_OTHER,
					 __ATOMIC_RELAXED);
			ht_fpwalk_new_epoch();
		}
		return;
	}
	/* full around here: the address stays unknown (libunwind for it) */
}

static void learn(uintptr_t pc, int verdict)
{
	learn_rule(pc, verdict, 0, 0);
}

void ht_fpwalk_forget(void)
{
	for (uint32_t i = 0; i < VT_SIZE; i++)
		__atomic_store_n(&vt[i], 0, __ATOMIC_RELAXED);
	ht_fpwalk_new_epoch();
}

/* ---- the thread's stack bounds ---------------------------------------- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* "lo-hi ..." at the start of line: 0 and the range, or -1. */
static int parse_range(const char *line, uintptr_t *lo, uintptr_t *hi)
{
	uintptr_t v[2] = { 0, 0 };
	int k = 0, d, digits = 0;

	for (const char *p = line; *p && k < 2; p++) {
		if ((d = hexval(*p)) >= 0) {
			v[k] = v[k] << 4 | (uintptr_t)d;
			digits++;
		} else if (digits && ((k == 0 && *p == '-') || (k == 1 && *p == ' '))) {
			k++;
			digits = 0;
		} else {
			return -1;
		}
	}
	if (k < 2)
		return -1;
	*lo = v[0];
	*hi = v[1];
	return 0;
}

/* The mapping of /proc/self/maps that contains sp.  0 or -1. */
static int stack_mapping(uintptr_t sp, uintptr_t *lo, uintptr_t *hi)
{
	char buf[1024];
	size_t have = 0;
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	int found = -1;

	if (fd < 0)
		return -1;
	for (;;) {
		ssize_t r = read(fd, buf + have, sizeof buf - 1 - have);
		char *line = buf, *nl;

		if (r <= 0)
			break;
		have += (size_t)r;
		buf[have] = '\0';
		while ((nl = memchr(line, '\n', have - (size_t)(line - buf)))) {
			*nl = '\0';
			if (parse_range(line, lo, hi) == 0 && sp >= *lo && sp < *hi) {
				found = 0;
				goto out;
			}
			line = nl + 1;
		}
		have -= (size_t)(line - buf);
		if (have == sizeof buf - 1)
			have = 0; /* an over-long line: its start was its range */
		memmove(buf, line, have);
	}
out:
	close(fd);
	return found;
}

static int in_bounds(struct ht_fpw_bounds *b, uintptr_t sp)
{
	uintptr_t hi = b->hi;

	if (sp >= b->lo && sp < b->hi)
		return 1;
	/* a new thread, the main stack grown down, or a stack of the
	 * program's own (coroutines): look it up; a thread that keeps
	 * changing stacks is left to libunwind after a few */
	if (b->lookups >= 8)
		return 0;
	if (stack_mapping(sp, &b->lo, &b->hi) != 0) {
		b->lo = b->hi = 0;
		b->lookups++;
		return 0;
	}
	if (b->hi != hi)
		b->lookups++;
	return 1;
}

/* ---- the libunwind tail ----------------------------------------------- */

/* Log the read of the stack word at addr (log may be NULL). */
static inline __attribute__((always_inline)) void note(struct ht_fpw_log *log, uintptr_t addr,
						       uintptr_t val)
{
	if (log) {
		log->r[log->n].addr = addr;
		log->r[log->n].val = val;
		log->n++;
	}
}

/* Where the walk's current bp came from: the start's register, a word
 * already logged (a frame-pointer frame's), or a call frame information
 * slot whose read is logged only if bp is used (code without frame
 * pointers saves and restores rbp as any register: its value there never
 * matters to the walk unless a later frame is reached through it). */
#define BP_START 0
#define BP_LOGGED 1

/* bp is about to be used: the walk now depends on where it came from. */
static inline __attribute__((always_inline)) void use_bp(struct ht_fpw_log *log, uintptr_t *from,
							 uintptr_t bp)
{
	if (log) {
		if (*from == BP_START)
			log->fp_used = 1;
		else if (*from != BP_LOGGED)
			note(log, *from, bp);
	}
	*from = BP_LOGGED;
}

/* The thread's last tail, when the frame (pc, sp, bp) and the stack still
 * hold it: appended to out, its slots logged.  Returns the depth, or -1
 * on a miss. */
static int tail_cached(const struct ht_fpw_bounds *b, uintptr_t pc, uintptr_t sp, uintptr_t bp,
		       uint64_t *out, uint32_t n, uint32_t max, struct ht_fpw_log *log)
{
	const struct ht_fpw_tail *c = &b->tail;

	if (c->pc != pc || c->sp != sp || c->bp != bp || !pc)
		return -1;
	for (uint32_t i = 0; i < c->n; i++)
		if (c->slot[i] < b->lo || c->slot[i] > b->hi - 8 ||
		    *(const uintptr_t *)c->slot[i] != c->ip[i])
			return -1;
	for (uint32_t i = 0; i < c->n; i++)
		note(log, c->slot[i], c->ip[i]);
	for (uint32_t i = 0; i < c->n && n < max; i++)
		out[n++] = c->ip[i];
	return (int)n;
}

/*
 * Continue with libunwind from the frame (pc, sp, bp), whose pc is already
 * out[n - 1].  Teaches the table the verdict of each address it passes and
 * keeps the tail in b when it reached the end in HT_FPW_TAIL frames.
 * Returns the depth or -1.  Out of line: its frame (libunwind's context
 * and cursor, ~2 KiB) is only set up when the thread's last tail missed.
 */
static __attribute__((noinline)) int tail(struct ht_fpw_bounds *b, uintptr_t pc, uintptr_t sp,
					  uintptr_t bp, uint64_t *out, uint32_t n, uint32_t max)
{
	struct ht_fpw_tail t = { pc, sp, bp, 0, { 0 }, { 0 } };
	unw_context_t uc;
	unw_cursor_t c;
	int r;

	if (unw_getcontext(&uc) != 0)
		return -1;
	/* pc - 1: inside the call instruction, so the unwind row is the
	 * call site's even after a call to a noreturn function */
	uc.uc_mcontext.gregs[REG_RIP] = (greg_t)(pc - 1);
	uc.uc_mcontext.gregs[REG_RSP] = (greg_t)sp;
	uc.uc_mcontext.gregs[REG_RBP] = (greg_t)bp;
	if (unw_init_local(&c, &uc) != 0)
		return -1;
	for (;;) {
		unw_word_t nip, nsp, nbp;

		r = unw_step(&c);
		if (r < 0)
			return -1;
		if (r == 0) {
			learn(pc, HT_FPW_ROOT);
			if (t.n <= HT_FPW_TAIL)
				b->tail = t;
			return (int)n;
		}
		if (unw_get_reg(&c, UNW_REG_IP, &nip) < 0 || unw_get_reg(&c, UNW_REG_SP, &nsp) < 0 ||
		    unw_get_reg(&c, UNW_X86_64_RBP, &nbp) < 0)
			return -1;
		learn(pc, bp && bp + 16 == nsp ? HT_FPW_FP : HT_FPW_OTHER);
		if (n >= max)
			return (int)n;
		out[n++] = nip;
		if (t.n < HT_FPW_TAIL) {
			t.ip[t.n] = nip;
			t.slot[t.n] = nsp - 8;
		}
		t.n++;
		pc = nip;
		sp = nsp;
		bp = nbp;
	}
}

/* ---- the walk --------------------------------------------------------- */

/* The CFI's verdict for pc, read once and kept in the table. */
static int read_cfi(uintptr_t pc, uint64_t *rule)
{
	struct ht_cfi_rule r;
	int k = ht_cfi_rule(pc, &r), v;

	*rule = k == HT_CFI_OK ? ht_cfi_pack(&r) : 0;
	if (k == HT_CFI_ROOT)
		v = HT_FPW_ROOT;
	else if (k == HT_CFI_SIGNAL)
		v = HT_FPW_SIGNAL;
	else if (!*rule)
		v = HT_FPW_NOCFI;
	else if (r.base == HT_CFI_BP && r.cfa_off == 16 && r.bp_off == -16)
		v = HT_FPW_FP; /* rbp = CFA - 16, saved there: the cheaper step */
	else
		v = HT_FPW_CFI;
	learn_rule(pc, v, *rule, 1);
	return v;
}

int ht_fpwalk(const struct ht_fpw_start *s, struct ht_fpw_bounds *b, uint64_t *out,
	      uint32_t max, uintptr_t self_lo, uintptr_t self_hi, struct ht_fpw_log *log)
{
	uintptr_t pc = s->pc, sp = s->sp, bp = s->fp, top, bp_from = BP_START;
	uint32_t n = 0;

	if (log)
		log->n = log->fp_used = 0;

	if (max == 0 || (pc >= self_lo && pc < self_hi) || !in_bounds(b, sp))
		return -1;
	top = b->hi - 16;
	for (;;) {
		uint32_t i = vt_slot(pc);
		uint64_t rule = 0, e = __atomic_load_n(&vt[i], __ATOMIC_ACQUIRE);
		const uintptr_t *f = (const uintptr_t *)bp;
		int v;

		if (e == ((uint64_t)pc << 3 | HT_FPW_FP)) {
			/* the common frame, its verdict in its first slot: the
			 * frame-pointer step below without the other verdicts'
			 * tests */
			out[n++] = pc;
			if (n >= max)
				return (int)n;
			if (bp < sp || bp >= top || (bp & 7))
				return -1;
			use_bp(log, &bp_from, bp);
			pc = f[1];
			sp = bp + 16;
			bp = f[0];
			note(log, (uintptr_t)f, bp);
			note(log, (uintptr_t)&f[1], pc);
			continue;
		}
		v = verdict_of(pc, i, e, &rule);

		if (v == HT_FPW_UNKNOWN || v == HT_FPW_OTHER)
			v = read_cfi(pc, &rule);
		out[n++] = pc;
		if (n >= max || v == HT_FPW_ROOT)
			return (int)n;
		if (v == HT_FPW_CFI) {
			/* the call site's CFI row: CFA, return address at
			 * CFA - 8, the caller's rbp kept or saved */
			struct ht_cfi_rule r;
			uintptr_t cfa, nbp = bp;

			ht_cfi_unpack(rule, &r);
			if (r.base != HT_CFI_SP)
				use_bp(log, &bp_from, bp);
			cfa = (r.base == HT_CFI_SP ? sp : bp) + (uintptr_t)(intptr_t)r.cfa_off;
			if (cfa <= sp || cfa > b->hi || (cfa & 7))
				return -1;
			if (r.bp_off) {
				uintptr_t slot = cfa + (uintptr_t)(intptr_t)r.bp_off;

				if (slot < sp || slot > b->hi - 8 || (slot & 7))
					return -1;
				nbp = *(const uintptr_t *)slot;
				bp_from = slot; /* logged if used */
			}
			pc = ((const uintptr_t *)cfa)[-1];
			if (!pc)
				return -1;
			note(log, cfa - 8, pc);
			sp = cfa;
			bp = nbp;
			continue;
		}
		/* a signal frame: libunwind from the start knows it, a tail
		 * from a made-up context would not */
		if (v == HT_FPW_SIGNAL)
			return -1;
		/* no CFI the walker reads at the allocator's caller:
		 * libunwind's own cached walk is cheaper than the tail */
		if (v == HT_FPW_NOCFI && n == 1)
			return -1;
		if (v != HT_FPW_FP) {
			int r;

			/* the tail is the thread's for this frame's bp too */
			use_bp(log, &bp_from, bp);
			r = tail_cached(b, pc, sp, bp, out, n, max, log);

			if (r >= 0)
				return r;
			if (log)
				log->n = HT_FPW_UNLOGGED;
			return tail(b, pc, sp, bp, out, n, max);
		}
		/* the caller's frame: inside this thread's stack, above ours */
		if (bp < sp || (bp & 7) || bp >= b->hi - 16)
			return -1;
		use_bp(log, &bp_from, bp);
		pc = f[1];
		sp = bp + 16;
		bp = f[0];
		note(log, (uintptr_t)f, bp);
		note(log, (uintptr_t)&f[1], pc);
	}
}

#else /* not x86-64 with GCC */

int ht_fpwalk(const struct ht_fpw_start *s, struct ht_fpw_bounds *b, uint64_t *out,
	      uint32_t max, uintptr_t self_lo, uintptr_t self_hi, struct ht_fpw_log *log)
{
	(void)s, (void)b, (void)out, (void)max, (void)self_lo, (void)self_hi, (void)log;
	return -1;
}

void ht_fpwalk_forget(void)
{
}

#endif
