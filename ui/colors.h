/*
 * Colours as semantic roles: views ask for "the selected row" or "a
 * growing value", never for a colour pair.  One table maps each role to a
 * 256-colour look, an 8-colour look and a monochrome attribute.
 */
#ifndef HT_UI_COLORS_H
#define HT_UI_COLORS_H

#include <stdbool.h>

#include <curses.h>

enum ht_color_role {
	HT_CR_DEFAULT,
	HT_CR_HEADER_LABEL,   /* "pid", "rate" ... */
	HT_CR_HEADER_VALUE,   /* their values */
	HT_CR_STATE_RUNNING,
	HT_CR_STATE_EXITED,
	HT_CR_TITLE,          /* the line above the table */
	HT_CR_COLUMNS,        /* the column header row */
	HT_CR_SORT_COLUMN,    /* the column the table is sorted by */
	HT_CR_SELECTED,       /* the cursor row */
	HT_CR_BYTES,          /* the main value column */
	HT_CR_GROWTH,         /* positive deltas */
	HT_CR_SHRINK,         /* negative deltas */
	HT_CR_UNCERTAIN,      /* the ± mark */
	HT_CR_SPARKLINE,
	HT_CR_FUNCTION,
	HT_CR_LOCATION,       /* file:line, module */
	HT_CR_DIM,            /* zero values, tree guides */
	HT_CR_STATUS,
	HT_CR_STATUS_ERROR,
	HT_CR_PROMPT,         /* questions asked in the status line */
	HT_CR_FOOTER_KEY,
	HT_CR_FOOTER_LABEL,
	HT_CR_PAUSED,
	HT_CR_FLAME_A,        /* flame cells, alternating */
	HT_CR_FLAME_B,
	HT_CR_FLAME_GROWTH,   /* grew since the baseline */
	HT_CR_FLAME_SHRINK,   /* shrank since the baseline */
	HT_CR_FLAME_MATCH,    /* matches the search */
	HT_CR_COUNT
};

/* Set up colours after initscr: 256 colours when the terminal has them, 8
 * otherwise, plain attributes when `mono` (NO_COLOR, --no-color) or the
 * terminal has no colours. */
void ht_colors_init(bool mono);

/* The attributes to draw a role with (valid after ht_colors_init). */
attr_t ht_color(enum ht_color_role role);

/* True when colours are in use (not monochrome). */
bool ht_colors_enabled(void);

#endif /* HT_UI_COLORS_H */
