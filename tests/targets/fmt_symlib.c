/* fmt_sym's dlopen'd library: one function that records a pc in itself. */
__attribute__((noinline)) int dl_function(void (*record)(const char *), int x);

__attribute__((noinline)) int dl_function(void (*record)(const char *), int x)
{
	record("dl_function");
	return x + 2;
}
