/*
 * A single-threaded program keeps glibc's single-threaded paths.
 *
 * Creating the control thread makes glibc take its multi-threaded paths
 * for the rest of the process (pthread_create clears
 * __libc_single_threaded, which nothing sets back): the arena lock on
 * every tcache miss in malloc, locked instructions in free, calloc and
 * realloc.  On a single-threaded program that alone costs up to 1.4% of
 * its instructions (python3), more than the samples at 64K.
 *
 * The control thread never touches what those paths protect: after it has
 * found the allocator (its last call that may allocate) it calls nothing
 * that allocates or reads the allocator's state, and leaves glibc's
 * statistics to the program's thread.  So, with glibc's malloc behind
 * the hooks and the program single-threaded when the thread was created,
 * the program's own thread sets __libc_single_threaded back at its next
 * sample, once /proc/self/stat confirms the process has exactly two
 * threads (the program's and the control thread).  From then on:
 *   - glibc's malloc takes the paths it takes without the runtime;
 *   - the program's thread publishes glibc's statistics (mallinfo2), about
 *     once a second, at its samples;
 *   - when the program creates a thread, pthread_create clears the flag
 *     again, and the control thread publishes the statistics from then on.
 * Only on x86-64 (whose stores are seen in order: the control thread that
 * reads the flag cleared sees every unlocked update made before).
 */
#ifndef HT_RUNTIME_SINGLE_H
#define HT_RUNTIME_SINGLE_H

#include <stdint.h>

/* The program's thread, before it creates the control thread: notes
 * whether the process is single-threaded now. */
void ht_single_note(void);

/* The control thread, once it will call nothing that allocates or reads
 * glibc's malloc state; glibc_stats: the statistics are glibc's mallinfo2
 * (the only allocator whose single-threaded paths the flag chooses). */
void ht_single_arm(int glibc_stats);

/* The control thread, at every wake: 0 when it may read the allocator's
 * statistics as usual (about once a second); 1 when this module sees to
 * them.  While the program runs on the single-threaded paths its samples
 * publish them when they are a second old; when they are two seconds old
 * (the program is idle), the control thread clears the flag, and reads
 * them itself once the program's thread is seen blocked in a system call
 * malloc never makes; the program's thread restores the flag at its next
 * sample. */
struct ht_seg_header;
int ht_single_ctl_stats(struct ht_seg_header *h, uint64_t now_ns);

/* The control thread: 1 while it must leave the loader to the program's
 * thread.  glibc's pthread_mutex_lock takes an unlocked shortcut while the
 * flag says single-threaded (its loader locks too): the control thread
 * then calls nothing that takes a glibc lock the program may take, and
 * the program's thread refreshes the module list at its samples, every
 * 200 ms at most.  The runtime's own cmd_lock is process-shared, which
 * takes no shortcut. */
int ht_single_quiet(void);

/* After fork, in the child: nothing armed (its control thread is new). */
void ht_single_after_fork(void);

/* The program's thread, at each sample, with the sample's clock:
 * restores the flag once armed, publishes the statistics while restored. */
extern uint64_t ht_single_due_ns;
void ht_single_chores(uint64_t now_ns);

static inline void ht_single_tick(uint64_t now_ns)
{
	if (__builtin_expect(now_ns >= __atomic_load_n(&ht_single_due_ns, __ATOMIC_RELAXED), 0))
		ht_single_chores(now_ns);
}

#endif /* HT_RUNTIME_SINGLE_H */
