// fmt_sym's C++ part: a method of a class in a namespace, whose demangled
// name the symbolization test expects ("heaptest::Widget::method(int)").
extern "C" void fmt_sym_record(const char *label);

namespace heaptest {
struct Widget {
	int base;
	int method(int x);
};

__attribute__((noinline)) int Widget::method(int x)
{
	fmt_sym_record("cxx_method");
	return base + x;
}
} // namespace heaptest

extern "C" int cxx_entry(int x)
{
	heaptest::Widget w{1};
	return w.method(x);
}
