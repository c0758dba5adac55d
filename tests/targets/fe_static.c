/* fe_static: a statically linked program, which the runtime cannot be
 * preloaded into; heaptop must refuse it with one clear line. */
#include <stdio.h>

int main(void)
{
	puts("static");
	return 0;
}
