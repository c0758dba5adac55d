/*
 * The interactive screen (ncurses).  The only zone that includes curses;
 * everything it shows comes from the core (session + model).
 */
#ifndef HT_UI_UI_H
#define HT_UI_UI_H

#include <stdbool.h>
#include <stdint.h>

#include "core/model.h"
#include "core/session.h"

struct ht_ui_options {
	double delay;              /* refresh interval, seconds */
	enum ht_dump_format dump_format; /* what `d` writes */
	const char *dump_dir;      /* where `d` writes, NULL = current dir */
	bool no_color;             /* NO_COLOR set or --no-color */
};

/* What the user chose when leaving the screen. */
enum ht_ui_exit {
	HT_UI_QUIT,        /* quit; a launched program was killed or had exited */
	HT_UI_DETACH,      /* quit, leaving a launched program running; the
	                    * caller prints the `--attach-shm NAME` command */
};

/*
 * Run the screen until the user quits.  Takes over the terminal and always
 * restores it (also on SIGINT/SIGTERM and errors).  The session and model
 * stay owned by the caller.  Returns 0 and sets *how, or -errno with
 * *cause (caller frees) after the terminal has been restored.
 */
int ht_ui_run(struct ht_session *s, struct ht_model *m,
              const struct ht_ui_options *o, enum ht_ui_exit *how,
              char **cause);

/*
 * For benchmarks (bench/ui_latency): when on, ht_ui_run re-snapshots a
 * loaded profile every delay as if it were live, so the cost of a refresh
 * can be measured on a saved profile of any size.  Off by default.
 */
void ht_ui_set_refresh_loaded(bool on);

#endif /* HT_UI_UI_H */
