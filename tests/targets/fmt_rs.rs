// fmt_rs: the Rust part of the symbolization test, compiled by the test
// with rustc (v0 mangling).  Records the entry address of a function in a
// nested module, then copies /proc/self/maps, like fmt_sym.
use std::io::Write;

mod inner {
    #[inline(never)]
    pub fn leak_here(n: usize) -> Vec<u8> {
        vec![7u8; n]
    }
}

fn main() {
    let path = std::env::args().nth(1).expect("usage: fmt_rs OUTFILE");
    let mut out = std::fs::File::create(path).expect("create");
    let v = inner::leak_here(100);
    let f: fn(usize) -> Vec<u8> = inner::leak_here;
    writeln!(out, "at rust_function {:#x}", f as usize).unwrap();
    writeln!(out, "maps").unwrap();
    out.write_all(&std::fs::read("/proc/self/maps").unwrap()).unwrap();
    std::process::exit(if v.len() == 100 { 0 } else { 1 });
}
