// fe_libcc: a C++ program whose allocations go through the standard
// library's containers (std::vector, std::map) from named methods.  The
// sites must be the methods, at the calling line, "via" the container.
// Built -O0 -g.  fe_libcc N: N rounds, then "done"; fe_libcc N hold:
// prints "ready pid=<pid>" after them and waits (the screen tests).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unistd.h>
#include <map>
#include <vector>

namespace shop {
struct Ledger {
	std::vector<long> entries;
	std::map<int, long> by_id;

	__attribute__((noinline)) void record(long v)
	{
		entries.push_back(v); // CC_VECTOR
	}
	__attribute__((noinline)) void index(int k)
	{
		by_id[k] = k; // CC_MAP
	}
};
} // namespace shop

int main(int argc, char **argv)
{
	int n = argc > 1 ? std::atoi(argv[1]) : 1000;
	shop::Ledger *l = new shop::Ledger; // never freed: all in use

	for (int i = 0; i < n; i++) {
		l->record(i);
		l->index(i);
	}
	if (argc > 2 && !std::strcmp(argv[2], "hold")) {
		std::printf("ready pid=%d\n", (int)getpid());
		std::fflush(stdout);
		for (;;)
			pause();
	}
	std::puts("done");
	std::fflush(stdout);
	return 0;
}
