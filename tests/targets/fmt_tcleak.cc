// fmt_tcleak: a target linked with gperftools' tcmalloc, for the
// gperftools heap-profile formats.  Leaks at known sites (grow_site: one
// 4096-byte object per iteration, small_site: one 96-byte object), then
// writes tcmalloc's sampled heap ("heap profile: ... @ heap_v2/R", needs
// TCMALLOC_SAMPLE_PARAMETER=R) and the heap profiler's exact profile
// ("heap profile: ... @ heapprofile") and prints the truth.
//
// Usage: fmt_tcleak SAMPLE_OUT PROFILE_OUT [ITERATIONS]
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <gperftools/heap-profiler.h>
#include <gperftools/malloc_extension.h>

static std::vector<void *> *kept;

extern "C" __attribute__((noinline)) void grow_site(void)
{
	void *p = malloc(4096);

	if (!p)
		exit(2);
	kept->push_back(p);
}

extern "C" __attribute__((noinline)) void small_site(void)
{
	void *p = malloc(96);

	if (!p)
		exit(2);
	kept->push_back(p);
}

static int write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "w");

	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	long n = argc > 3 ? strtol(argv[3], NULL, 10) : 20000;
	std::string sample;
	char *profile;

	if (argc < 3) {
		fprintf(stderr, "usage: fmt_tcleak SAMPLE_OUT PROFILE_OUT [N]\n");
		return 2;
	}
	HeapProfilerStart(argv[2]);
	kept = new std::vector<void *>;
	kept->reserve(2 * n);
	for (long i = 0; i < n; i++) {
		grow_site();
		small_site();
	}
	MallocExtension::instance()->GetHeapSample(&sample);
	profile = GetHeapProfile();
	if (!profile || write_file(argv[1], sample.data(), sample.size()) < 0 ||
	    write_file(argv[2], profile, std::string(profile).size()) < 0) {
		fprintf(stderr, "fmt_tcleak: no profile\n");
		return 3;
	}
	free(profile);
	HeapProfilerStop();
	printf("truth grow_site objects=%ld bytes=%ld\n", n, n * 4096);
	printf("truth small_site objects=%ld bytes=%ld\n", n, n * 96);
	return 0;
}
