// rt_rust: Rust allocations through the system allocator (Rust's default
// for binaries), seen by the runtime's malloc hooks.  Built by the test with
// rustc directly (no crates).
//
// leak_rust_site keeps N boxed 5000-byte arrays; leak_rust_vec keeps N
// Vec<u64> with capacity 100 (800 bytes); churn_rust builds and drops
// strings.  Prints
//   truth leak_rust_site objects=N bytes=N
//   truth leak_rust_vec objects=N bytes=N

#[inline(never)]
fn leak_rust_site() -> Box<[u8; 5000]> {
    Box::new([7u8; 5000])
}

#[inline(never)]
fn leak_rust_vec() -> Vec<u64> {
    Vec::with_capacity(100)
}

#[inline(never)]
fn churn_rust(i: usize) -> usize {
    let s: String = std::iter::repeat('x').take(64 + i % 64).collect();
    s.len()
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(300);
    let mut boxes = Vec::with_capacity(n);
    let mut vecs = Vec::with_capacity(n);
    let mut total = 0;
    for i in 0..n {
        boxes.push(leak_rust_site());
        vecs.push(leak_rust_vec());
        total += churn_rust(i);
    }
    println!("truth leak_rust_site objects={} bytes={}", n, n * 5000);
    println!("truth leak_rust_vec objects={} bytes={}", n, n * 800);
    println!("churned {}", total);
    std::mem::forget(boxes);
    std::mem::forget(vecs);
}
