// al_rjem: a Rust program that brings its own allocator the way programs on
// tikv-jemallocator do: jemalloc linked statically with its public symbols
// prefixed `_rjem_` (tests/jemalloc_rjem.sh builds it), a
// #[global_allocator] calling _rjem_malloc/_rjem_mallocx/... exactly as
// tikv-jemallocator's Jemalloc does (MALLOCX_LG_ALIGN when the alignment is
// above 16 or above the size, MALLOCX_ZERO for alloc_zeroed, sized
// deallocation).  No crates: compiled by the tests with rustc,
//   rustc -g -C opt-level=0 -C force-frame-pointers=yes \
//     -L DIR/lib -l static=jemalloc_pic -l pthread -l dl -l m al_rjem.rs
// (tests/integration/alloc_lib.sh: al_build_rjem).
//
// Per iteration:
//   myservice::EventLog::record  keeps one block of BYTES bytes (the leak
//                                that grows; Vec::with_capacity: _rjem_malloc)
//   myservice::Cache::pin        keeps one 256-byte block aligned to 64,
//                                zeroed (_rjem_mallocx, LG_ALIGN(6) | ZERO)
//   myservice::Parser::parse     allocates, grows (realloc, rallocx) and
//                                frees; keeps nothing
// EventLog::new reserves the log's index once (ITER pointers' worth of
// Vec<u8> headers) so that record allocates nothing else.
//
// Usage: al_rjem [ITER [BYTES [SLEEP_MS [REPORT_EVERY [HOLD_MS]]]]]
//   defaults 2000 4096 0 0 0; SLEEP_MS between iterations; REPORT_EVERY > 0
//   prints the truth so far (flushed) every that many iterations; HOLD_MS:
//   after the last iteration and its truth, stay idle (the heap unchanged)
//   that long before exiting.
// Prints first "jemalloc config.prof=B opt.prof=B" (read with
// _rjem_mallctl: opt.prof is 1 when _RJEM_MALLOC_CONF has prof:true), then
// the truth lines
//   truth SITE file=al_rjem.rs line=N bytes=N objs=N
// where line is the line of the allocating statement in SITE (the
// statement after it is always on another line), and "done" at the end.
use std::alloc::{GlobalAlloc, Layout};
use std::io::Write;
use std::os::raw::{c_char, c_int, c_void};

extern "C" {
    fn _rjem_malloc(size: usize) -> *mut c_void;
    fn _rjem_calloc(n: usize, size: usize) -> *mut c_void;
    fn _rjem_realloc(p: *mut c_void, size: usize) -> *mut c_void;
    fn _rjem_mallocx(size: usize, flags: c_int) -> *mut c_void;
    fn _rjem_rallocx(p: *mut c_void, size: usize, flags: c_int) -> *mut c_void;
    fn _rjem_sdallocx(p: *mut c_void, size: usize, flags: c_int);
    fn _rjem_mallctl(
        name: *const c_char,
        oldp: *mut c_void,
        oldlenp: *mut usize,
        newp: *mut c_void,
        newlen: usize,
    ) -> c_int;
}

// jemalloc.h: MALLOCX_LG_ALIGN(la) is la, MALLOCX_ZERO is 0x40.
const MALLOCX_ZERO: c_int = 0x40;
// _Alignof(max_align_t) on x86_64 and aarch64.
const ALIGNOF_MAX_ALIGN_T: usize = 16;

fn layout_to_flags(align: usize, size: usize) -> c_int {
    if align <= ALIGNOF_MAX_ALIGN_T && align <= size {
        0
    } else {
        align.trailing_zeros() as c_int
    }
}

pub struct Rjem;

unsafe impl GlobalAlloc for Rjem {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let flags = layout_to_flags(layout.align(), layout.size());
        if flags == 0 {
            _rjem_malloc(layout.size()) as *mut u8
        } else {
            _rjem_mallocx(layout.size(), flags) as *mut u8
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let flags = layout_to_flags(layout.align(), layout.size());
        if flags == 0 {
            _rjem_calloc(1, layout.size()) as *mut u8
        } else {
            _rjem_mallocx(layout.size(), flags | MALLOCX_ZERO) as *mut u8
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let flags = layout_to_flags(layout.align(), layout.size());
        _rjem_sdallocx(ptr as *mut c_void, layout.size(), flags)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let flags = layout_to_flags(layout.align(), new_size);
        if flags == 0 {
            _rjem_realloc(ptr as *mut c_void, new_size) as *mut u8
        } else {
            _rjem_rallocx(ptr as *mut c_void, new_size, flags) as *mut u8
        }
    }
}

#[global_allocator]
static GLOBAL: Rjem = Rjem;

fn mallctl_bool(name: &str) -> i32 {
    let cname = std::ffi::CString::new(name).unwrap();
    let mut v: u8 = 0;
    let mut len = std::mem::size_of::<u8>();
    let rc = unsafe {
        _rjem_mallctl(
            cname.as_ptr(),
            &mut v as *mut u8 as *mut c_void,
            &mut len,
            std::ptr::null_mut(),
            0,
        )
    };
    if rc != 0 {
        -1
    } else {
        v as i32
    }
}

pub mod myservice {
    use std::alloc::{alloc, alloc_zeroed, dealloc, realloc, Layout};

    pub const PIN_BYTES: usize = 256;
    pub const PIN_ALIGN: usize = 64;

    pub struct EventLog {
        entries: Vec<Vec<u8>>,
        bytes: usize,
        pub line: u32,
    }

    impl EventLog {
        #[inline(never)]
        pub fn new(iterations: usize, bytes: usize) -> EventLog {
            EventLog { entries: Vec::with_capacity(iterations), bytes, line: 0 }
        }

        #[inline(never)]
        pub fn record(&mut self, seq: usize) {
            let mut entry: Vec<u8> = Vec::with_capacity(self.bytes);
            self.line = line!() - 1;
            entry.resize(self.bytes, (seq & 0xff) as u8);
            self.entries.push(entry);
        }

        pub fn len(&self) -> usize {
            self.entries.len()
        }
    }

    pub struct Cache {
        blocks: Vec<*mut u8>,
        pub line: u32,
    }

    impl Cache {
        #[inline(never)]
        pub fn new(iterations: usize) -> Cache {
            Cache { blocks: Vec::with_capacity(iterations), line: 0 }
        }

        #[inline(never)]
        pub fn pin(&mut self) {
            let p = unsafe { alloc_zeroed(Layout::from_size_align(PIN_BYTES, PIN_ALIGN).unwrap()) };
            self.line = line!() - 1;
            assert!(!p.is_null() && p as usize % PIN_ALIGN == 0);
            self.blocks.push(p);
        }

        pub fn len(&self) -> usize {
            self.blocks.len()
        }
    }

    pub struct Parser {
        pub line: u32,
        pub total: usize,
    }

    impl Parser {
        #[inline(never)]
        pub fn parse(&mut self, seq: usize) {
            let text = format!("event {} payload {}", seq, "x".repeat(100 + seq % 50));
            self.line = line!() - 1;
            let mut fields: Vec<u64> = Vec::new();
            for (i, b) in text.bytes().enumerate() {
                fields.push(b as u64 + i as u64);
            }
            self.total += fields.len();
            unsafe {
                // Over-aligned: rallocx and sdallocx with an alignment flag.
                let l = Layout::from_size_align(64, 64).unwrap();
                let p = alloc(l);
                assert!(!p.is_null());
                let q = realloc(p, l, 192);
                assert!(!q.is_null());
                dealloc(q, Layout::from_size_align(192, 64).unwrap());
            }
        }
    }
}

fn arg(n: usize, default: usize) -> usize {
    std::env::args().nth(n).and_then(|s| s.parse().ok()).unwrap_or(default)
}

fn report(log: &myservice::EventLog, cache: &myservice::Cache, parser: &myservice::Parser,
          bytes: usize) {
    let out = std::io::stdout();
    let mut out = out.lock();
    let _ = writeln!(out, "truth myservice::EventLog::record file=al_rjem.rs line={} bytes={} objs={}",
                     log.line, log.len() * bytes, log.len());
    let _ = writeln!(out, "truth myservice::Cache::pin file=al_rjem.rs line={} bytes={} objs={}",
                     cache.line, cache.len() * myservice::PIN_BYTES, cache.len());
    let _ = writeln!(out, "truth myservice::Parser::parse file=al_rjem.rs line={} bytes=0 objs=0",
                     parser.line);
    let _ = out.flush();
}

fn main() {
    let iterations = arg(1, 2000);
    let bytes = arg(2, 4096);
    let sleep_ms = arg(3, 0) as u64;
    let every = arg(4, 0);
    let hold_ms = arg(5, 0) as u64;
    println!("jemalloc config.prof={} opt.prof={}", mallctl_bool("config.prof"),
             mallctl_bool("opt.prof"));
    let _ = std::io::stdout().flush();

    let mut log = myservice::EventLog::new(iterations, bytes);
    let mut cache = myservice::Cache::new(iterations);
    let mut parser = myservice::Parser { line: 0, total: 0 };
    for i in 0..iterations {
        log.record(i);
        cache.pin();
        parser.parse(i);
        if every > 0 && (i + 1) % every == 0 && i + 1 < iterations {
            report(&log, &cache, &parser, bytes);
        }
        if sleep_ms > 0 {
            std::thread::sleep(std::time::Duration::from_millis(sleep_ms));
        }
    }
    report(&log, &cache, &parser, bytes);
    println!("done");
    let _ = std::io::stdout().flush();
    if hold_ms > 0 {
        std::thread::sleep(std::time::Duration::from_millis(hold_ms));
    }
    std::mem::forget(log);
    std::mem::forget(cache);
}
