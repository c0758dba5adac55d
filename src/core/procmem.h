/*
 * Where a live process's resident memory is, from /proc/PID/smaps and
 * /proc/PID/smaps_rollup: the brk heap, thread stacks, other anonymous
 * mappings, file-backed mappings, shared memory.  Plain numbers (bytes);
 * no curses.  The parse functions work on text (unit tests feed them
 * fixtures); ht_procmem_read reads a pid.
 *
 * Kinds, per mapping (its Rss):
 *  heap    "[heap]" (brk: glibc's main arena, small blocks)
 *  stacks  "[stack]", and an anonymous private rw mapping directly above
 *          a "---p" anonymous mapping of at most HT_PROCMEM_GUARD_MAX
 *          bytes: glibc's thread stacks (the guard page below the
 *          stack).  glibc's thread arenas are the other way round (rw
 *          below a large ---p reserve) and stay anonymous.
 *  anon    other anonymous mappings: mmap'd malloc blocks and thread
 *          arenas, interpreters' and other allocators' arenas
 *  file    mappings of files (executables, libraries, mapped data),
 *          except shared memory
 *  shmem   /dev/shm, SysV (/SYSV...), memfd, shared anonymous mappings
 *  other   [vdso], [vvar], [vsyscall] and the like
 * heaptop's own segment (/dev/shm/heaptop.*) is not the program's: its
 * Rss goes to own_shm and is left out of every other number, rss too.
 *
 * Ownership: everything is the caller's; nothing allocated is returned.
 */
#ifndef HT_CORE_PROCMEM_H
#define HT_CORE_PROCMEM_H

#include <stddef.h>
#include <stdint.h>

#define HT_PROCMEM_GUARD_MAX (64 * 1024)
#define HT_PROCMEM_OWN_PREFIX "/dev/shm/heaptop."

struct ht_procmem {
	uint64_t rss;        /* the program's resident bytes (no own_shm) */
	uint64_t anonymous;  /* smaps_rollup "Anonymous" (0 without it) */
	uint64_t swap;       /* swapped-out bytes */
	uint64_t heap, stacks, anon, file, shmem, other;
	uint64_t own_shm;    /* heaptop's segment, excluded from the above */
	uint32_t nstacks;    /* thread stacks found (with [stack]) */
	uint32_t nmaps;      /* mappings parsed */
};

/* Parse the text of /proc/PID/smaps (len bytes, need not be NUL
 * terminated) into m (zeroed first).  0, or -EINVAL when no mapping could
 * be parsed. */
int ht_procmem_parse_smaps(const char *text, size_t len,
                           struct ht_procmem *m);

/* Parse /proc/PID/smaps_rollup: sets m->anonymous and m->swap, and m->rss
 * to Rss minus m->own_shm (so parse smaps first).  Other fields are kept.
 * 0, or -EINVAL without an Rss line. */
int ht_procmem_parse_rollup(const char *text, size_t len,
                            struct ht_procmem *m);

/* Read both files of a live process.  smaps_rollup is optional (kernels
 * before 4.14: rss is then the sum over smaps).  0 or -errno (-ENOENT:
 * the process is gone; -EACCES/-EPERM: not ours or hidepid), with *cause
 * set (malloc'd, may be NULL) on errors. */
int ht_procmem_read(int pid, struct ht_procmem *m, char **cause);

#endif /* HT_CORE_PROCMEM_H */
