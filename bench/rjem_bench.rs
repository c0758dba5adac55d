//! rjem_bench: an allocation-heavy Rust program on a statically linked
//! jemalloc with the `_rjem_` prefix (as tikv-jemallocator links it), for
//! measuring jemalloc's profiler and heaptop reading it (bench/bridge.sh).
//!
//! The global allocator calls _rjem_mallocx/_rjem_rallocx/_rjem_sdallocx
//! the way tikv-jemallocator does.  The workload keeps a window of WINDOW
//! (4096) live objects; each operation replaces the oldest with a new one
//! from one of four sites: a Vec<u64> of 1-64 elements, a String built with
//! format!, a small HashMap<u64, u64>, or a Vec grown by pushes (reallocs).
//! A fixed-seed xorshift generator makes every run issue the same calls.
//!
//! Build: rustc -C opt-level=2 -g bench/rjem_bench.rs \
//!          -C link-arg=PATH/libjemalloc_pic.a -C link-arg=-lpthread -C link-arg=-ldl
//! Usage: rjem_bench [-n OPS] [-w WINDOW]
//! Prints: threads=1 ops=N seconds=WALL cpu_seconds=CPU checksum=X

use std::alloc::{GlobalAlloc, Layout};
use std::collections::HashMap;
use std::hint::black_box;
use std::time::Instant;

extern "C" {
    fn _rjem_mallocx(size: usize, flags: i32) -> *mut u8;
    fn _rjem_rallocx(ptr: *mut u8, size: usize, flags: i32) -> *mut u8;
    fn _rjem_sdallocx(ptr: *mut u8, size: usize, flags: i32);
    fn getrusage(who: i32, usage: *mut RUsage) -> i32;
}

#[repr(C)]
struct RUsage {
    utime: [i64; 2],
    stime: [i64; 2],
    rest: [i64; 14],
}

const MALLOCX_ZERO: i32 = 0x40;
const MIN_ALIGN: usize = 16;

// tikv-jemallocator's rule: no flags when the alignment is implied by the size.
fn flags(align: usize, size: usize) -> i32 {
    if align <= MIN_ALIGN && align <= size {
        0
    } else {
        align.trailing_zeros() as i32 // MALLOCX_LG_ALIGN
    }
}

struct Rjem;

unsafe impl GlobalAlloc for Rjem {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        _rjem_mallocx(l.size(), flags(l.align(), l.size()))
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        _rjem_mallocx(l.size(), flags(l.align(), l.size()) | MALLOCX_ZERO)
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        _rjem_sdallocx(p, l.size(), flags(l.align(), l.size()))
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new_size: usize) -> *mut u8 {
        _rjem_rallocx(p, new_size, flags(l.align(), new_size))
    }
}

#[global_allocator]
static GLOBAL: Rjem = Rjem;

fn rng_next(s: &mut u64) -> u64 {
    let mut x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    x.wrapping_mul(0x2545F4914F6CDD1D)
}

enum Obj {
    Nums(Vec<u64>),
    Text(String),
    Map(HashMap<u64, u64>),
    Grown(Vec<u32>),
}

impl Obj {
    fn weight(&self) -> u64 {
        match self {
            Obj::Nums(v) => v.len() as u64,
            Obj::Text(s) => s.len() as u64,
            Obj::Map(m) => m.len() as u64,
            Obj::Grown(v) => v.len() as u64,
        }
    }
}

#[inline(never)]
fn site_vec(r: u64) -> Obj {
    Obj::Nums(vec![r; 1 + (r % 64) as usize])
}

#[inline(never)]
fn site_string(r: u64) -> Obj {
    Obj::Text(format!("object {} of {:x}", r % 100000, r))
}

#[inline(never)]
fn site_map(r: u64) -> Obj {
    let mut m = HashMap::with_capacity(4);
    for k in 0..(1 + r % 8) {
        m.insert(k, r ^ k);
    }
    Obj::Map(m)
}

#[inline(never)]
fn site_grown(r: u64) -> Obj {
    let mut v = Vec::new();
    for k in 0..(1 + r % 300) as u32 {
        v.push(k);
    }
    Obj::Grown(v)
}

fn cpu_seconds() -> f64 {
    let mut ru = RUsage { utime: [0; 2], stime: [0; 2], rest: [0; 14] };
    unsafe { getrusage(0, &mut ru) };
    (ru.utime[0] + ru.stime[0]) as f64 + (ru.utime[1] + ru.stime[1]) as f64 / 1e6
}

fn main() {
    let mut ops: u64 = 2_000_000;
    let mut window: usize = 4096;
    let args: Vec<String> = std::env::args().collect();
    let mut i = 1;
    while i < args.len() {
        let v = args.get(i + 1).and_then(|s| s.parse::<u64>().ok());
        match (args[i].as_str(), v) {
            ("-n", Some(v)) => ops = v,
            ("-w", Some(v)) if v > 0 => window = v as usize,
            _ => {
                eprintln!("usage: rjem_bench [-n OPS] [-w WINDOW]");
                std::process::exit(2);
            }
        }
        i += 2;
    }

    let mut rng: u64 = 0x9E3779B97F4A7C15;
    let mut sum: u64 = 0;
    let t0 = Instant::now();
    let c0 = cpu_seconds();
    let mut live: Vec<Obj> = Vec::with_capacity(window);
    let new_obj = |rng: &mut u64| -> Obj {
        let r = rng_next(rng);
        match r % 4 {
            0 => site_vec(r >> 2),
            1 => site_string(r >> 2),
            2 => site_map(r >> 2),
            _ => site_grown(r >> 2),
        }
    };
    for _ in 0..window {
        live.push(new_obj(&mut rng));
    }
    let mut head = 0;
    for _ in 0..ops {
        let o = new_obj(&mut rng);
        sum = sum.wrapping_add(black_box(&live[head]).weight());
        live[head] = o;
        head += 1;
        if head == window {
            head = 0;
        }
    }
    drop(live);
    let c1 = cpu_seconds();
    let secs = t0.elapsed().as_secs_f64();
    println!(
        "threads=1 ops={} seconds={:.6} cpu_seconds={:.6} checksum={}",
        ops, secs, c1 - c0, sum
    );
}
