/*
 * Sample timing sums (see phase.h): a measurement build only.
 */
#include "config.h"

#include "runtime/phase.h"

#if defined(HT_SAMPLE_TIMING) && defined(__x86_64__)
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define ROWS 64
#define COLS (HT_PH_N + 3)

/* a row per thread, never shared while fewer than ROWS threads sampled
 * (the rest share the last row, and may lose a few additions) */
static struct {
	_Alignas(64) uint64_t v[COLS];
} rows[ROWS];
static unsigned rows_used;
static __thread int my_row = -1;

uint64_t *ht_phase_row(void)
{
	if (my_row < 0) {
		unsigned r = __atomic_fetch_add(&rows_used, 1, __ATOMIC_RELAXED);

		my_row = (int)(r < ROWS ? r : ROWS - 1);
	}
	return rows[my_row].v;
}

static __attribute__((destructor)) void report(void)
{
	static const char *const name[HT_PH_N] = {
		"weight", "clock", "stack (memo, or walk and intern)", "address map", "counters",
		"event and accounting", "record (all of the above)",
		"sample (record and stack switch)", "free: map removal", "free: settle",
	};
	uint64_t sum[COLS] = { 0 };
	char line[160];
	int n;

	for (unsigned r = 0; r < ROWS; r++)
		for (unsigned c = 0; c < COLS; c++)
			sum[c] += rows[r].v[c];
	if (!sum[HT_PH_SAMPLES])
		return;
	n = snprintf(line, sizeof line,
		     "heaptop sample timing: %llu samples, %llu removals (%llu found), "
		     "%u threads; cycles per sample:\n",
		     (unsigned long long)sum[HT_PH_SAMPLES], (unsigned long long)sum[HT_PH_TAKES],
		     (unsigned long long)sum[HT_PH_FOUND],
		     rows_used < ROWS ? rows_used : ROWS);
	if (write(2, line, (size_t)n) < 0)
		return;
	for (unsigned c = 0; c < HT_PH_N; c++) {
		n = snprintf(line, sizeof line, "  %-34s %8.1f\n", name[c],
			     (double)sum[c] / (double)sum[HT_PH_SAMPLES]);
		if (write(2, line, (size_t)n) < 0)
			return;
	}
}
#endif
