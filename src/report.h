/*
 * The batch reports: one update of the model as text (like `top -b`) or
 * as one JSON object, and the few names both spell the same way.
 */
#ifndef HT_REPORT_H
#define HT_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "core/family.h"
#include "core/model.h"
#include "core/session.h"
#include "options.h"

/* One update on stdout; `final`: the last one; fam: the session's
 * process tree (NULL: none). */
void print_text(struct ht_model *m, struct ht_session *s,
                const struct options *o, bool final,
                const struct ht_family *fam);
void print_json(struct ht_model *m, struct ht_session *s,
                const struct options *o, bool final,
                const struct ht_family *fam);

/* "running", "exited"... */
const char *state_name(enum ht_proc_state s);
/* The allocator's statistics as "name value" pairs; NULL names: none. */
const char *const *astat_names(uint32_t kind);
/* Where those come from ("mallinfo2", "jemalloc"), NULL: nowhere. */
const char *astat_source(uint32_t kind);

static inline double realtime_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif /* HT_REPORT_H */
