/*
 * rt_cxx: C++ allocations (operator new/new[], std::vector, std::map,
 * std::string) seen through the runtime's malloc hooks.
 *
 * ht_test::Widget::make() keeps N Widgets (new, 48 bytes each);
 * cxx_leak_array() keeps N arrays new char[1000]; cxx_churn() builds and
 * destroys containers (nothing kept).  Prints
 *   truth Widget objects=N bytes=N
 *   truth cxx_leak_array objects=N bytes=N
 */
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

namespace ht_test {
struct Widget {
	long a[6];
	__attribute__((noinline)) static Widget *make();
};

Widget *Widget::make()
{
	Widget *w = new Widget();
	w->a[0] = 1;
	return w;
}
} // namespace ht_test

__attribute__((noinline)) static char *cxx_leak_array()
{
	char *p = new char[1000];
	p[0] = 1;
	return p;
}

__attribute__((noinline)) static size_t cxx_churn(int i)
{
	std::vector<int> v;
	std::map<int, std::string> m;
	for (int k = 0; k < 50; k++) {
		v.push_back(k * i);
		m[k] = std::string(40, (char)('a' + k % 26));
	}
	return v.size() + m.size();
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? std::atoi(argv[1]) : 500;
	std::vector<void *> kept;
	size_t total = 0;

	kept.reserve(2 * n);
	for (int i = 0; i < n; i++) {
		kept.push_back(ht_test::Widget::make());
		kept.push_back(cxx_leak_array());
		total += cxx_churn(i);
	}
	std::printf("truth Widget objects=%d bytes=%zu\n", n, n * sizeof(ht_test::Widget));
	std::printf("truth cxx_leak_array objects=%d bytes=%d\n", n, n * 1000);
	std::printf("churned %zu\n", total);
	return 0;
}
