// fe_cc: a C++ symbolization target for the frontend tests.  A namespaced
// class method leaks arrays allocated with new[]; at the end the program
// prints "done" and its /proc/self/maps.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace fe_shop {

class Cart {
public:
	__attribute__((noinline)) void add_item(int n);
	std::vector<char *> items;
};

void Cart::add_item(int n)
{
	char *p = new char[n];
	std::memset(p, 1, 16);
	items.push_back(p);
}

} // namespace fe_shop

int main(int argc, char **argv)
{
	fe_shop::Cart cart;
	int n = argc > 1 ? std::atoi(argv[1]) : 200;
	char line[4096];

	for (int i = 0; i < n; i++)
		cart.add_item(9000);
	std::printf("done\n");
	std::FILE *maps = std::fopen("/proc/self/maps", "r");
	while (maps && std::fgets(line, sizeof line, maps))
		std::printf("map %s", line);
	if (maps)
		std::fclose(maps);
	return 0;
}
