/*
 * A profile: the data every source (a live segment snapshot, a heap_v2 file
 * written by heaptop or jemalloc, a gperftools heap profile) is turned into,
 * and every consumer (model, formats, batch, ui) reads.  Plain data, no
 * curses, no libdw.  Estimates are already unbiased (doubles).
 */
#ifndef HT_CORE_PROFILE_H
#define HT_CORE_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Counters of one stack (or site, or tree node).  cur = in use, cum =
 * allocated since the last reset.  *_raw are the sampled counts behind the
 * estimates; var_* the estimates' variances (standard error = sqrt). */
struct ht_counts {
	double cur_objs, cur_bytes;   /* unbiased estimates */
	double cum_objs, cum_bytes;
	double var_cur_objs, var_cur_bytes, var_cum_bytes;
	uint64_t raw_cur_objs, raw_cur_bytes;  /* samples behind them */
	uint64_t raw_cum_objs, raw_cum_bytes;
};

/* Add b to a (all fields, variances too: samples are independent). */
void ht_counts_add(struct ht_counts *a, const struct ht_counts *b);
/* a - b field by field (for diffs; variances add). */
void ht_counts_sub(struct ht_counts *a, const struct ht_counts *b);

/* A loaded object: from the runtime's module list or a maps line. */
struct ht_module {
	char *path;            /* owned */
	uint64_t start, end;   /* mapped address range [start, end) */
	uint64_t base;         /* load bias; HT_BASE_UNKNOWN when only the
	                        * mapping (offset) is known, as in maps files */
	uint64_t offset;       /* file offset of `start` (maps), 0 otherwise */
	uint8_t build_id[40];
	uint32_t build_id_len;
	bool main;             /* the main executable */
	bool unloaded;         /* dlclose'd before the snapshot */
};
#define HT_BASE_UNKNOWN UINT64_MAX

/* One distinct call stack with its counters.  pcs are raw return
 * addresses, innermost first (as in heap_v2); a consumer that symbolizes
 * uses pc - 1 for every frame but the innermost. */
struct ht_stack {
	uint64_t *pcs;         /* owned (or in the profile's pcs_block) */
	uint32_t depth;
	uint32_t id;           /* stable within one source: the runtime's stack
	                        * table index, or the file's record number */
	struct ht_counts counts;
	/* Per-thread breakdown (jemalloc dumps with t<N> lines); NULL when
	 * the source does not have one. */
	struct ht_thread_counts *threads;  /* owned */
	size_t nthreads;
};

struct ht_thread_counts {
	uint64_t thread;       /* thread number as the dump names it */
	struct ht_counts counts;
};

/* The program's allocator as the runtime found it (live sessions):
 * alloc_kind / alloc_flags / alloc_prefix of the segment header.  All
 * zero when unknown (a file, or a runtime that has not looked yet). */
struct ht_alloc_desc {
	uint32_t kind;         /* enum ht_alloc_kind (heaptop/segment.h) */
	uint32_t flags;        /* HT_ALLOC_F_* */
	char prefix[16];       /* jemalloc's symbol prefix, NUL terminated */
	/* jemalloc's profiler as the source: how long the last dump took
	 * (written in the program, read by heaptop); 0 otherwise.  The
	 * interval to the next one: ht_alloc_dump_interval */
	double dump_seconds;
};

/* The process's memory beside the heap (live sessions; zeros and false
 * for files).  Bytes. */
struct ht_proc_facts {
	bool have_rss;
	uint64_t rss;                  /* resident set size */
	/* the allocator's own statistics (segment header, minor 2):
	 * astat_kind is enum ht_astat_kind, astat[] as segment.h says */
	uint32_t astat_kind;
	uint64_t astat[6];
	/* RSS by kind from /proc/PID/smaps (have_map; refreshed every few
	 * seconds, not at every snapshot) */
	bool have_map;
	uint64_t map_brk_heap, map_stacks, map_anon, map_file, map_shmem;
};

/* Where a profile came from, and the process's state. */
enum ht_source_kind {
	HT_SOURCE_LIVE,        /* a runtime segment (running or exited) */
	HT_SOURCE_HEAPTOP,     /* heap_v2 file written by heaptop */
	HT_SOURCE_JEMALLOC,    /* heap_v2 file written by jemalloc */
	HT_SOURCE_GPERFTOOLS,  /* "heap profile: ... @ heap_v2/N" */
};

enum ht_proc_state {
	HT_PROC_UNKNOWN,
	HT_PROC_STARTING,
	HT_PROC_RUNNING,
	HT_PROC_EXITED,
	HT_PROC_EXECED,
	HT_PROC_DISABLED,
};

struct ht_profile {
	enum ht_source_kind kind;
	uint64_t rate;                 /* mean sampling interval, bytes (with
	                                * a budget: the one in force) */
	uint64_t budget_ppm;           /* the runtime's overhead budget,
	                                * millionths of the program's CPU
	                                * time; 0 = none */
	uint64_t overhead_ppm;         /* with a budget: its estimated cost
	                                * at `rate`; 0 = not measured yet */
	uint64_t budget_unused_ppm;    /* a budget the program was given
	                                * that cannot apply (jemalloc's own
	                                * profiler samples it, at a fixed
	                                * interval); 0 = none */
	int pid;                       /* 0 when unknown */
	enum ht_proc_state state;
	int exit_status;               /* valid when state == EXITED */
	char *cmdline;                 /* owned, may be NULL */
	char *exe;                     /* owned, may be NULL */
	uint64_t start_time_ns;        /* realtime, 0 unknown */
	uint64_t snapshot_time_ns;     /* realtime of the snapshot / file mtime */
	uint64_t exit_time_ns;         /* live: realtime of the exit, 0 unknown */
	uint64_t reset_generation;
	/* runtime health counters (live only; 0 otherwise) */
	uint64_t samples, sampled_frees, ring_drops, stacks_full, addrs_full,
	         unwind_failures, internal_errors;

	struct ht_stack *stacks;       /* owned */
	size_t nstacks;
	struct ht_module *modules;     /* owned */
	size_t nmodules;
	char *maps;                    /* owned: verbatim MAPPED_LIBRARIES text
	                                * (files) or NULL (live) */
	struct ht_counts totals;       /* sum over stacks */
	struct ht_alloc_desc alloc;    /* live: the program's allocator */
	struct ht_proc_facts proc;     /* live: RSS and the allocator's view */
	/* thread names from jemalloc dumps: index = thread number */
	char **thread_names;           /* owned, may be NULL */
	size_t nthread_names;
	/* owned, may be NULL: one block holding every stack's pcs (a copy
	 * made at once); then the stacks' pcs are not freed one by one */
	uint64_t *pcs_block;
};

/* Allocate an empty profile; NULL on allocation failure. */
struct ht_profile *ht_profile_new(void);
/* Free a profile and everything it owns.  NULL is fine. */
void ht_profile_free(struct ht_profile *p);
/* A note for a live profile whose program has ended without a single
 * sample ("nothing was sampled at this rate ... try -r 4K"), written to
 * buf.  Returns false (buf "") when there is nothing to say. */
bool ht_profile_quiet_note(const struct ht_profile *p, char *buf, size_t n);
/* A note for a profile whose budget cannot apply (budget_unused_ppm):
 * "the budget (1%) does not apply: jemalloc's own profiler samples this
 * program, at a fixed interval (512 KiB) ...", written to buf.  Returns
 * false (buf "") when there is nothing to say. */
bool ht_profile_budget_note(const struct ht_profile *p, char *buf, size_t n);
/* Move the stacks' pcs into one block (pcs_block; one already there is
 * trimmed, its stacks' pcs in stack order) and trim the stacks array to
 * its length (after parsing).  0 or -ENOMEM (p unchanged). */
int ht_profile_compact(struct ht_profile *p);
/* Recompute p->totals from the stacks. */
void ht_profile_sum(struct ht_profile *p);
/* The module containing addr, or NULL. */
const struct ht_module *ht_profile_module_of(const struct ht_profile *p,
                                             uint64_t addr);

#endif /* HT_CORE_PROFILE_H */
