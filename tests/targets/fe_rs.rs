// fe_rs: a Rust symbolization target for the frontend tests (rustc only,
// no crates).  A method in a module path leaks buffers through Rust's
// system allocator; at the end the program prints "done" and its
// /proc/self/maps.
mod fe_inventory {
    pub struct Store {
        pub items: Vec<Vec<u8>>,
    }

    impl Store {
        #[inline(never)]
        pub fn restock(&mut self, n: usize) {
            let mut v: Vec<u8> = Vec::with_capacity(n);
            v.push(1);
            self.items.push(v);
        }
    }
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    let mut store = fe_inventory::Store { items: Vec::new() };
    for _ in 0..n {
        store.restock(11000);
    }
    println!("done");
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap_or_default();
    for l in maps.lines() {
        println!("map {}", l);
    }
    std::mem::forget(store);
}
