/*
 * Symbolization target with a known inline chain: leaf() is inlined into
 * mid(), mid() into top(); leaf calls record(), whose return address is
 * then inside all three.  Prints "pc LABEL OFF" lines, OFF the address
 * relative to the start of the executable (its link-time address when
 * the program is position-independent), and the link-relative address of
 * raw_stub, code that no DWARF function describes.  The source lines of
 * the calls are marked LEAF_CALL, MID_CALL and TOP_CALL.
 */
#include <stdint.h>
#include <stdio.h>

extern const char __executable_start[];
void raw_stub(void);

/* code with a symbol and no DWARF subprogram */
__asm__(".text\n.globl raw_stub\n.type raw_stub, @function\n"
        "raw_stub:\n\tnop\n\tnop\n\tret\n.size raw_stub, 3\n");

static volatile uintptr_t last;

__attribute__((noinline)) static void record(void)
{
	last = (uintptr_t)__builtin_return_address(0);
	__asm__ volatile("" ::: "memory");
}

static inline __attribute__((always_inline)) int leaf(int x)
{
	record(); /* LEAF_CALL */
	return x * 3;
}

static inline __attribute__((always_inline)) int mid(int x)
{
	return leaf(x + 1) + 7; /* MID_CALL */
}

__attribute__((noinline)) int top(int x)
{
	return mid(x) ^ 5; /* TOP_CALL */
}

int main(int argc, char **argv)
{
	int r = top(argc);

	(void)argv;
	printf("pc chain 0x%lx\n",
	       (unsigned long)(last - (uintptr_t)__executable_start));
	printf("at raw_stub 0x%lx\n", (unsigned long)((uintptr_t)raw_stub -
	       (uintptr_t)__executable_start));
	return r == 0x7fffffff;
}
