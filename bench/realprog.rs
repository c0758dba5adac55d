// realprog.rs: a Rust workload for bench/realprog.sh.  Built with plain
// `rustc -O` (no crates, the system allocator: glibc malloc), it
// allocates the way ordinary Rust programs do: it generates text with
// format!, parses it line by line into a HashMap<String, Vec<u64>>, folds
// that into a BTreeMap<u64, Vec<String>>, and drops everything, ROUNDS
// times.  Deterministic (fixed xorshift seed); prints a checksum.
//
// Usage: realprog LINES [ROUNDS]
use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasherDefault;

// fixed hash keys: the same work in every run (RandomState seeds per run)
type Map = HashMap<String, Vec<u64>, BuildHasherDefault<DefaultHasher>>;

fn main() {
    let mut args = std::env::args().skip(1);
    let lines: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let rounds: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(4);
    let mut x: u64 = 88172645463325252;
    let mut rng = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut sum: u64 = 0;
    for round in 0..rounds {
        let mut text = String::new();
        for i in 0..lines {
            let r = rng();
            text.push_str(&format!("user{}_{} {} {} tag{}\n", r % 7919, round, i, r % 100_003, r % 13));
        }
        let mut by_user: Map = Map::default();
        for line in text.lines() {
            let f: Vec<&str> = line.split_whitespace().collect();
            let v: u64 = f[2].parse().unwrap();
            let tag = f[3].trim_start_matches("tag").parse::<u64>().unwrap();
            by_user.entry(f[0].to_string()).or_default().push(v * 16 + tag);
        }
        let mut tree: BTreeMap<u64, Vec<String>> = BTreeMap::new();
        for (k, v) in &by_user {
            let s: u64 = v.iter().sum();
            tree.entry(s % 4099).or_default().push(k.clone());
        }
        for (k, v) in tree.iter().take(100) {
            sum = sum.wrapping_add(*k * v.len() as u64);
        }
        sum = sum.wrapping_add(by_user.len() as u64 + text.len() as u64);
    }
    println!("checksum={}", sum);
}
