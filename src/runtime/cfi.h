/*
 * A call site's unwind rule from its function's call frame information
 * (.eh_frame, found through the object's .eh_frame_hdr), for the stack
 * walker's frames without frame pointers (fpwalk.c).  x86-64 only.
 *
 * The rule is the row of the CFI table that holds at the call instruction
 * (return address - 1), reduced to what a walk needs:
 *
 *   CFA         = (base == HT_CFI_SP ? rsp : rbp) + cfa_off
 *   return addr = *(CFA - 8)
 *   caller rbp  = bp_off ? *(CFA + bp_off) : rbp (kept)
 *   caller rsp  = CFA
 *
 * Anything else (a CFA from another register or an expression, a return
 * address not at CFA - 8, rbp in another register or computed, an
 * encoding or opcode not handled here, no FDE) is
 * HT_CFI_NONE: the walker leaves that frame to libunwind.  A return
 * address rule "undefined" is HT_CFI_ROOT (the outermost frame: _start,
 * a thread's clone).  A return address into a signal trampoline (an 'S'
 * CIE, or rt_sigreturn's code) is HT_CFI_SIGNAL: the frame below it is
 * the interrupted one, whose registers only the kernel's signal frame
 * holds.
 *
 * Computing a rule takes the dynamic loader's lock (dl_iterate_phdr, so
 * no object is unloaded while its CFI is read) and reads the CFI in place:
 * no allocation.  Callers cache the result per return address.
 */
#ifndef HT_RUNTIME_CFI_H
#define HT_RUNTIME_CFI_H

#include <stdint.h>

enum { HT_CFI_NONE = 0, HT_CFI_OK = 1, HT_CFI_ROOT = 2, HT_CFI_SIGNAL = 3 };
enum { HT_CFI_SP = 0, HT_CFI_BP = 1 };

struct ht_cfi_rule {
	int32_t cfa_off;  /* bytes added to the base register */
	int32_t bp_off;   /* caller's rbp at CFA + bp_off; 0: rbp kept */
	uint32_t base;    /* HT_CFI_SP or HT_CFI_BP */
};

/* The rule at return address ra (the call site is ra - 1): HT_CFI_*. */
int ht_cfi_rule(uintptr_t ra, struct ht_cfi_rule *r);

/* Packed in 64 bits (for a lock-free table) and back: bit 0 set, bit 1
 * the base, bits 2..33 cfa_off, bits 34..63 bp_off; 0 never packs a rule.
 * ht_cfi_pack returns 0 for offsets it cannot hold. */
uint64_t ht_cfi_pack(const struct ht_cfi_rule *r);

static inline void ht_cfi_unpack(uint64_t w, struct ht_cfi_rule *r)
{
	r->base = (uint32_t)(w >> 1) & 1;
	r->cfa_off = (int32_t)(uint32_t)(w >> 2);
	r->bp_off = (int32_t)((uint32_t)(w >> 34) << 2) >> 2;
}

#endif /* HT_RUNTIME_CFI_H */
