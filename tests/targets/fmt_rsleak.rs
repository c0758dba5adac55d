// fmt_rsleak: a Rust program for the saved-profile tests, run under
// jemalloc's profiler (libjemalloc preloaded: Rust's System allocator calls
// malloc).  cache::leak_here keeps one 4096-byte block per iteration;
// work::churn allocates and frees.  Compiled by the test with rustc (no
// crates).  Prints "truth leak_here objects=N bytes=N".
use std::alloc::{alloc, dealloc, Layout};

mod cache {
    use super::*;

    #[inline(never)]
    pub fn leak_here(kept: &mut Vec<*mut u8>) {
        let p = unsafe { alloc(Layout::from_size_align(4096, 16).unwrap()) };
        assert!(!p.is_null());
        kept.push(p);
    }
}

mod work {
    use super::*;

    #[inline(never)]
    pub fn churn() {
        let l = Layout::from_size_align(512, 16).unwrap();
        let p = unsafe { alloc(l) };
        assert!(!p.is_null());
        unsafe { dealloc(p, l) };
    }
}

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(20000);
    let mut kept = Vec::with_capacity(n);
    for _ in 0..n {
        cache::leak_here(&mut kept);
        work::churn();
    }
    println!("truth leak_here objects={} bytes={}", n, n * 4096);
    std::mem::forget(kept);
}
