/*
 * Call frame information, read for one call site at a time (see cfi.h).
 * Follows the DWARF CFI format as .eh_frame has it (the LSB's "Exception
 * Frames"): .eh_frame_hdr's sorted table finds the FDE, the FDE names its
 * CIE, and the CIE's initial instructions then the FDE's run up to the call
 * site.  Only rbp, the return address and the CFA are tracked.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "runtime/cfi.h"

#if defined(__x86_64__)

#include <link.h>

#define REG_BP 6
#define REG_SP 7
#define REG_RA 16

/* ---- reading, bounded ------------------------------------------------- */

/* Bytes [p, end) of one loaded segment; bad is set by any read past end
 * or any encoding not handled. */
struct cur {
	const uint8_t *p, *end;
	int bad;
};

static uint64_t fixed(struct cur *c, int n)
{
	uint64_t v = 0;

	if (c->end - c->p < n) {
		c->bad = 1;
		return 0;
	}
	for (int i = n; i-- > 0;)
		v = v << 8 | c->p[i];
	c->p += n;
	return v;
}

static void skip(struct cur *c, uint64_t n)
{
	if (n > (uint64_t)(c->end - c->p))
		c->bad = 1;
	else
		c->p += n;
}

/* A LEB128 number; signed: sign-extended from its last byte's bit 6. */
static uint64_t leb(struct cur *c, int is_signed)
{
	uint64_t v = 0;

	for (int s = 0; s < 64; s += 7) {
		uint8_t b;

		if (c->p >= c->end)
			break;
		b = *c->p++;
		v |= (uint64_t)(b & 0x7f) << s;
		if (!(b & 0x80)) {
			if (is_signed && s + 7 < 64 && (b & 0x40))
				v |= ~UINT64_C(0) << (s + 7);
			return v;
		}
	}
	c->bad = 1;
	return 0;
}

static uint64_t uleb(struct cur *c)
{
	return leb(c, 0);
}

static int64_t sleb(struct cur *c)
{
	return (int64_t)leb(c, 1);
}

/* A pointer in DW_EH_PE encoding enc; datarel: .eh_frame_hdr's address
 * (0 where data-relative is not valid). */
static uint64_t encoded(struct cur *c, uint8_t enc, uintptr_t datarel)
{
	uintptr_t at = (uintptr_t)c->p;
	uint64_t v;

	switch (enc & 0x0f) {
	case 0x00: v = fixed(c, 8); break;                        /* absptr */
	case 0x01: v = uleb(c); break;
	case 0x02: v = fixed(c, 2); break;
	case 0x03: v = fixed(c, 4); break;
	case 0x04: v = fixed(c, 8); break;
	case 0x09: v = (uint64_t)sleb(c); break;
	case 0x0a: v = (uint64_t)(int64_t)(int16_t)fixed(c, 2); break;
	case 0x0b: v = (uint64_t)(int64_t)(int32_t)fixed(c, 4); break;
	case 0x0c: v = fixed(c, 8); break;
	default: c->bad = 1; return 0;
	}
	switch (enc & 0x70) {
	case 0x00: break;
	case 0x10: v += at; break;                                /* pcrel */
	case 0x30:                                                /* datarel */
		if (!datarel)
			c->bad = 1;
		v += datarel;
		break;
	default: c->bad = 1;
	}
	if (enc & 0x80) /* indirect */
		c->bad = 1;
	return v;
}

/* ---- the object --------------------------------------------------------- */

#define MAX_LOADS 16

struct obj {
	uintptr_t lo[MAX_LOADS], hi[MAX_LOADS];
	int n;
};

/* A cursor over [p, p + len) clipped to the loaded segment holding p (a
 * bad one when p is in none). */
static struct cur at(const struct obj *o, uintptr_t p, uint64_t len)
{
	struct cur c = { (const uint8_t *)p, (const uint8_t *)p, 1 };

	for (int i = 0; i < o->n; i++) {
		if (p >= o->lo[i] && p < o->hi[i]) {
			uintptr_t end = o->hi[i];

			if (len < end - p)
				end = p + len;
			c.end = (const uint8_t *)end;
			c.bad = 0;
			break;
		}
	}
	return c;
}

/* ---- CIE, FDE ----------------------------------------------------------- */

struct cie {
	uint64_t code_align;
	int64_t data_align;
	uint8_t fde_enc;
	int has_aug_data;
	int signal;                /* 'S': a signal trampoline's frame */
	struct cur instr;
};

static int parse_cie(const struct obj *o, uintptr_t p, struct cie *ci)
{
	struct cur c = at(o, p, 4);
	uint64_t len = fixed(&c, 4), ra;
	const char *aug;
	size_t augn;
	int version;

	if (c.bad || len == 0 || len >= 0xfffffff0u)
		return -1;
	c = at(o, p + 4, len);
	if (c.bad || fixed(&c, 4) != 0)  /* CIE id */
		return -1;
	version = (int)fixed(&c, 1);
	if (version != 1 && version != 3)
		return -1;
	aug = (const char *)c.p;
	augn = strnlen(aug, (size_t)(c.end - c.p));
	if (augn >= (size_t)(c.end - c.p) || augn > 8)
		return -1;
	c.p += augn + 1;
	ci->code_align = uleb(&c);
	ci->data_align = sleb(&c);
	ra = version == 1 ? fixed(&c, 1) : uleb(&c);
	if (ra != REG_RA)
		return -1;
	ci->fde_enc = 0;
	ci->has_aug_data = 0;
	ci->signal = 0;
	if (augn) {
		const uint8_t *aug_end;
		uint64_t n;

		if (aug[0] != 'z')
			return -1;
		ci->has_aug_data = 1;
		n = uleb(&c);
		aug_end = c.p + n;
		if (c.bad || aug_end > c.end || aug_end < c.p)
			return -1;
		for (size_t i = 1; i < augn && !c.bad; i++) {
			uint8_t enc;

			switch (aug[i]) {
			case 'R': ci->fde_enc = (uint8_t)fixed(&c, 1); break;
			case 'L': fixed(&c, 1); break;
			case 'P':
				enc = (uint8_t)fixed(&c, 1);
				encoded(&c, enc & 0x7f, 0); /* skipped, not followed */
				break;
			case 'S': ci->signal = 1; break;
			default: return -1;
			}
		}
		if (c.bad || c.p > aug_end)
			return -1;
		c.p = aug_end;
	}
	ci->instr = c;
	return c.bad ? -1 : 0;
}

/* ---- the CFA program ---------------------------------------------------- */

enum { R_SAME, R_UNDEF, R_OFF, R_BAD };

struct row {
	uint64_t cfa_reg;
	int64_t cfa_off;
	int cfa_ok;
	int bp, ra;              /* R_* */
	int64_t bp_off, ra_off;
};

#define STATE_DEPTH 8

static void set_rule(struct row *r, uint64_t reg, int rule, int64_t off)
{
	if (reg == REG_BP) {
		r->bp = rule;
		r->bp_off = off;
	} else if (reg == REG_RA) {
		r->ra = rule;
		r->ra_off = off;
	}
}

static void restore(struct row *r, const struct row *init, uint64_t reg)
{
	if (!init)
		set_rule(r, reg, R_BAD, 0);
	else if (reg == REG_BP)
		set_rule(r, reg, init->bp, init->bp_off);
	else if (reg == REG_RA)
		set_rule(r, reg, init->ra, init->ra_off);
}

/*
 * Run the instructions in c from location *loc, stopping before the first
 * advance past target; init: the row after the CIE's instructions (for
 * DW_CFA_restore), NULL while running those.  0, or -1 for anything not
 * handled.
 */
static int run(struct cur c, const struct cie *ci, uint64_t *loc, uint64_t target,
	       struct row *r, const struct row *init)
{
	struct row saved[STATE_DEPTH];
	int depth = 0;

	while (c.p < c.end && !c.bad) {
		uint8_t op = (uint8_t)fixed(&c, 1);
		uint64_t reg, delta = 0;
		int64_t off;

		switch (op & 0xc0) {
		case 0x40: delta = (op & 0x3f) * ci->code_align; goto advance;
		case 0x80:
			off = (int64_t)uleb(&c) * ci->data_align;
			set_rule(r, op & 0x3f, R_OFF, off);
			continue;
		case 0xc0: restore(r, init, op & 0x3f); continue;
		}
		switch (op) {
		case 0x00: continue;                                  /* nop */
		case 0x02: delta = fixed(&c, 1) * ci->code_align; goto advance;
		case 0x03: delta = fixed(&c, 2) * ci->code_align; goto advance;
		case 0x04: delta = fixed(&c, 4) * ci->code_align; goto advance;
		case 0x05:                                   /* offset_extended */
			reg = uleb(&c);
			set_rule(r, reg, R_OFF, (int64_t)uleb(&c) * ci->data_align);
			continue;
		case 0x06: restore(r, init, uleb(&c)); continue;
		case 0x07: set_rule(r, uleb(&c), R_UNDEF, 0); continue;
		case 0x08: set_rule(r, uleb(&c), R_SAME, 0); continue;
		case 0x09:                                          /* register */
			reg = uleb(&c);
			uleb(&c);
			set_rule(r, reg, R_BAD, 0);
			continue;
		case 0x0a:                                    /* remember_state */
			if (depth == STATE_DEPTH)
				return -1;
			saved[depth++] = *r;
			continue;
		case 0x0b:                                     /* restore_state */
			if (depth == 0)
				return -1;
			*r = saved[--depth];
			continue;
		case 0x0c:                                           /* def_cfa */
			r->cfa_reg = uleb(&c);
			r->cfa_off = (int64_t)uleb(&c);
			r->cfa_ok = 1;
			continue;
		case 0x0d: r->cfa_reg = uleb(&c); continue;
		case 0x0e: r->cfa_off = (int64_t)uleb(&c); continue;
		case 0x0f:                                /* def_cfa_expression */
			skip(&c, uleb(&c));
			r->cfa_ok = 0;
			continue;
		case 0x10:                                        /* expression */
		case 0x16:                                    /* val_expression */
			reg = uleb(&c);
			skip(&c, uleb(&c));
			set_rule(r, reg, R_BAD, 0);
			continue;
		case 0x11:                                /* offset_extended_sf */
			reg = uleb(&c);
			set_rule(r, reg, R_OFF, sleb(&c) * ci->data_align);
			continue;
		case 0x12:                                        /* def_cfa_sf */
			r->cfa_reg = uleb(&c);
			r->cfa_off = sleb(&c) * ci->data_align;
			r->cfa_ok = 1;
			continue;
		case 0x13: r->cfa_off = sleb(&c) * ci->data_align; continue;
		case 0x14:                                        /* val_offset */
			reg = uleb(&c);
			uleb(&c);
			set_rule(r, reg, R_BAD, 0);
			continue;
		case 0x15:
			reg = uleb(&c);
			sleb(&c);
			set_rule(r, reg, R_BAD, 0);
			continue;
		case 0x2e: uleb(&c); continue;                 /* GNU_args_size */
		case 0x2f:                  /* GNU_negative_offset_extended */
			reg = uleb(&c);
			set_rule(r, reg, R_OFF, -(int64_t)uleb(&c) * ci->data_align);
			continue;
		default:
			return -1;  /* set_loc and anything newer */
		}
advance:
		if (*loc + delta > target)
			return 0;
		*loc += delta;
	}
	return c.bad || c.p > c.end ? -1 : 0;
}

/* ---- the rule ----------------------------------------------------------- */

/* The FDE covering pc from .eh_frame_hdr's table, or 0. */
static uintptr_t find_fde(const struct obj *o, uintptr_t hdr, uintptr_t pc)
{
	struct cur c = at(o, hdr, 4);
	uint8_t ptr_enc, cnt_enc, tbl_enc;
	const uint8_t *tbl;
	uint64_t count, lo = 0, hi;

	if (fixed(&c, 1) != 1)
		return 0;
	ptr_enc = (uint8_t)fixed(&c, 1);
	cnt_enc = (uint8_t)fixed(&c, 1);
	tbl_enc = (uint8_t)fixed(&c, 1);
	c = at(o, hdr + 4, UINT64_MAX);
	encoded(&c, ptr_enc, hdr);
	count = encoded(&c, cnt_enc, hdr);
	/* the table: pairs of 4-byte offsets from hdr, sorted */
	if (c.bad || tbl_enc != 0x3b || count == 0 ||
	    count > (uint64_t)(c.end - c.p) / 8)
		return 0;
	tbl = c.p;
	hi = count;
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;
		int32_t start;

		memcpy(&start, tbl + mid * 8, 4);
		if (hdr + (intptr_t)start <= pc)
			lo = mid;
		else
			hi = mid;
	}
	{
		int32_t start, fde;

		memcpy(&start, tbl + lo * 8, 4);
		memcpy(&fde, tbl + lo * 8 + 4, 4);
		if (hdr + (intptr_t)start > pc)
			return 0;
		return hdr + (intptr_t)fde;
	}
}

static int rule_in(const struct obj *o, uintptr_t hdr, uintptr_t pc, struct ht_cfi_rule *out)
{
	uintptr_t fde = find_fde(o, hdr, pc), cieptr;
	struct cur c;
	struct cie ci;
	struct row r, init;
	uint64_t len, cie_off, begin, range, loc;

	if (!fde)
		return HT_CFI_NONE;
	c = at(o, fde, 8);
	len = fixed(&c, 4);
	if (c.bad || len < 8 || len >= 0xfffffff0u)
		return HT_CFI_NONE;
	/* the CIE pointer: its distance back from this field (0: a CIE) */
	cieptr = (uintptr_t)c.p;
	c = at(o, fde + 4, len);
	cie_off = fixed(&c, 4);
	if (c.bad || cie_off == 0 || parse_cie(o, cieptr - cie_off, &ci) != 0)
		return HT_CFI_NONE;
	begin = encoded(&c, ci.fde_enc, 0);
	range = encoded(&c, ci.fde_enc & 0x0f, 0);
	if (c.bad || pc < begin || pc - begin >= range)
		return HT_CFI_NONE;
	if (ci.signal)
		return HT_CFI_SIGNAL;
	if (ci.has_aug_data)
		skip(&c, uleb(&c));
	if (c.bad || c.p > c.end)
		return HT_CFI_NONE;
	memset(&r, 0, sizeof r);
	r.bp = R_SAME;
	r.ra = R_BAD;
	loc = begin;
	if (run(ci.instr, &ci, &loc, UINT64_MAX, &r, NULL) != 0)
		return HT_CFI_NONE;
	init = r;
	loc = begin;
	if (run(c, &ci, &loc, pc, &r, &init) != 0)
		return HT_CFI_NONE;
	if (r.ra == R_UNDEF)
		return HT_CFI_ROOT;
	if (!r.cfa_ok || r.ra != R_OFF || r.ra_off != -8 ||
	    (r.bp != R_SAME && r.bp != R_OFF) ||
	    r.cfa_off < -0x40000000 || r.cfa_off > 0x40000000 ||
	    r.bp_off < -0x10000000 || r.bp_off > 0x10000000 ||
	    (r.bp == R_OFF && r.bp_off == 0))
		return HT_CFI_NONE;
	if (r.cfa_reg == REG_SP && r.cfa_off >= 8)
		out->base = HT_CFI_SP;
	else if (r.cfa_reg == REG_BP)
		out->base = HT_CFI_BP;
	else
		return HT_CFI_NONE;
	out->cfa_off = (int32_t)r.cfa_off;
	out->bp_off = r.bp == R_OFF ? (int32_t)r.bp_off : 0;
	return HT_CFI_OK;
}

struct lookup {
	uintptr_t pc;
	int result;
	struct ht_cfi_rule *out;
};

static int lookup_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct lookup *l = arg;
	struct obj o;
	uintptr_t hdr = 0;
	int in = 0;

	(void)size;
	o.n = 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type == PT_LOAD) {
			if (l->pc >= lo && l->pc - lo < ph->p_memsz && (ph->p_flags & PF_X))
				in = 1;
			if (o.n < MAX_LOADS) {
				o.lo[o.n] = lo;
				o.hi[o.n++] = lo + ph->p_filesz;
			}
		} else if (ph->p_type == PT_GNU_EH_FRAME) {
			hdr = lo;
		}
	}
	if (!in)
		return 0;
	{
		/* rt_sigreturn's trampoline (mov $15, %rax; syscall), the
		 * way libunwind knows it, with CFI or without */
		static const uint8_t tramp[9] = { 0x48, 0xc7, 0xc0, 0x0f, 0x00, 0x00, 0x00,
						  0x0f, 0x05 };
		struct cur c = at(&o, l->pc + 1, sizeof tramp);

		if (!c.bad && c.end - c.p == (ptrdiff_t)sizeof tramp &&
		    memcmp(c.p, tramp, sizeof tramp) == 0) {
			l->result = HT_CFI_SIGNAL;
			return 1;
		}
	}
	l->result = hdr ? rule_in(&o, hdr, l->pc, l->out) : HT_CFI_NONE;
	return 1;
}

int ht_cfi_rule(uintptr_t ra, struct ht_cfi_rule *r)
{
	struct lookup l = { ra - 1, HT_CFI_NONE, r };

	if (ra < 2)
		return HT_CFI_NONE;
	dl_iterate_phdr(lookup_cb, &l);
	return l.result;
}

#else /* not x86-64 */

int ht_cfi_rule(uintptr_t ra, struct ht_cfi_rule *r)
{
	(void)ra, (void)r;
	return HT_CFI_NONE;
}

#endif

/* cfi.h: bit 0 set, bit 1 base, bits 2..33 cfa_off, bits 34..63 bp_off */
uint64_t ht_cfi_pack(const struct ht_cfi_rule *r)
{
	if (r->bp_off < -(1 << 29) || r->bp_off >= (1 << 29))
		return 0;
	return 1 | (uint64_t)(r->base & 1) << 1 | (uint64_t)(uint32_t)r->cfa_off << 2 |
	       (uint64_t)((uint32_t)r->bp_off & 0x3fffffffu) << 34;
}
