# trend_py: a Python program whose memory is mostly outside malloc, for the
# memory verdict.  Small objects live in pymalloc's arenas, which CPython
# maps with mmap, not malloc: heaptop's in-use stays small while RSS grows.
#
# py_build() adds about 10 MiB of small objects (tuples of two ints, short
# strings) per second to a list, up to about 150 MiB, then holds.  Prints,
# flushed, at start and when it has built them:
#
#   truth py_build target_bytes=157286400
#   truth py_build built objects=N
#
# Usage: python3 trend_py.py [SECONDS]   (default 30; 0 = forever)
import sys
import time

TARGET = 150 << 20
PER_SECOND = 10 << 20
# a 2-tuple (56 bytes) holding an int (28) and a short str (~52): ~136 bytes
PER_ITEM = 136


def py_build(keep, n):
    base = len(keep)
    for i in range(n):
        keep.append((base + i + 1000, "s%07d" % (base + i)))


def main():
    secs = float(sys.argv[1]) if len(sys.argv) > 1 else 30.0
    print("truth py_build target_bytes=%d" % TARGET, flush=True)
    keep = []
    start = time.monotonic()
    total = TARGET // PER_ITEM
    announced = False
    while secs <= 0 or time.monotonic() - start < secs:
        due = min(total, int((time.monotonic() - start) * PER_SECOND / PER_ITEM))
        if due > len(keep):
            py_build(keep, due - len(keep))
        if len(keep) >= total and not announced:
            print("truth py_build built objects=%d" % len(keep), flush=True)
            announced = True
        time.sleep(0.05)


main()
