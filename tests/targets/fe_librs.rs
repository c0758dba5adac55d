// fe_librs: a Rust program whose allocations go through the standard
// library (format!, Vec, HashMap, ToString over a Display impl) from
// named methods.  The sites must be the methods, at the calling line,
// "via" the library function.  Built by its test with rustc, -C
// opt-level=0 -g; prints "done" at the end.
mod service {
    use std::collections::HashMap;
    use std::fmt;

    pub struct Event(pub u64);

    impl fmt::Display for Event {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "event {:>40}", self.0) // RS_DISPLAY
        }
    }

    pub struct EventLog {
        pub bytes: Vec<u8>,
        pub by_id: HashMap<u64, u64>,
    }

    impl EventLog {
        #[inline(never)]
        pub fn record(&mut self, i: u64) {
            let s = format!("event number {} of the log", i); // RS_FORMAT
            std::mem::forget(s);
        }
        #[inline(never)]
        pub fn append(&mut self, b: u8) {
            self.bytes.push(b); // RS_VEC
        }
        #[inline(never)]
        pub fn index(&mut self, i: u64) {
            self.by_id.insert(i, i); // RS_MAP
        }
        #[inline(never)]
        pub fn describe(&mut self, i: u64) {
            let s = Event(i).to_string(); // RS_TOSTRING
            std::mem::forget(s);
        }
    }
}

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000);
    let mut log = service::EventLog { bytes: Vec::new(), by_id: std::collections::HashMap::new() };
    for i in 0..n {
        log.record(i);
        log.append(i as u8);
        log.index(i);
        log.describe(i);
    }
    println!("done");
    std::mem::forget(log);
}
