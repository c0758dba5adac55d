/*
 * The colour scheme (see colors.h).  The only place that knows colour
 * numbers and pair indexes; views use roles.  Never called before initscr.
 */
#include "config.h"

#include "ui/colors.h"

struct role_look {
	short fg256, bg256;  /* -1: terminal default */
	short fg8, bg8;
	attr_t attr;         /* added in colour modes */
	attr_t mono;         /* the whole look on a monochrome terminal */
};

static const struct role_look looks[HT_CR_COUNT] = {
	[HT_CR_DEFAULT]       = { -1, -1, -1, -1, A_NORMAL, A_NORMAL },
	[HT_CR_HEADER_LABEL]  = { 110, -1, COLOR_CYAN, -1, A_NORMAL, A_NORMAL },
	[HT_CR_HEADER_VALUE]  = { 255, -1, COLOR_WHITE, -1, A_BOLD, A_BOLD },
	[HT_CR_STATE_RUNNING] = { 114, -1, COLOR_GREEN, -1, A_BOLD, A_BOLD },
	[HT_CR_STATE_EXITED]  = { 203, -1, COLOR_RED, -1, A_BOLD,
	                          A_BOLD | A_UNDERLINE },
	[HT_CR_TITLE]         = { 229, -1, COLOR_YELLOW, -1, A_BOLD, A_BOLD },
	[HT_CR_COLUMNS]       = { 16, 114, COLOR_BLACK, COLOR_GREEN, A_NORMAL,
	                          A_REVERSE },
	[HT_CR_SORT_COLUMN]   = { 16, 80, COLOR_BLACK, COLOR_CYAN, A_BOLD,
	                          A_REVERSE | A_BOLD | A_UNDERLINE },
	[HT_CR_SELECTED]      = { 16, 117, COLOR_BLACK, COLOR_CYAN, A_NORMAL,
	                          A_REVERSE },
	[HT_CR_BYTES]         = { 255, -1, COLOR_WHITE, -1, A_BOLD, A_BOLD },
	[HT_CR_GROWTH]        = { 203, -1, COLOR_RED, -1, A_BOLD, A_BOLD },
	[HT_CR_SHRINK]        = { 114, -1, COLOR_GREEN, -1, A_NORMAL, A_NORMAL },
	[HT_CR_UNCERTAIN]     = { 214, -1, COLOR_YELLOW, -1, A_NORMAL, A_NORMAL },
	[HT_CR_SPARKLINE]     = { 75, -1, COLOR_BLUE, -1, A_NORMAL, A_NORMAL },
	[HT_CR_FUNCTION]      = { 255, -1, COLOR_WHITE, -1, A_NORMAL, A_NORMAL },
	[HT_CR_LOCATION]      = { 244, -1, COLOR_CYAN, -1, A_NORMAL, A_NORMAL },
	[HT_CR_DIM]           = { 240, -1, COLOR_BLUE, -1, A_NORMAL, A_DIM },
	[HT_CR_STATUS]        = { 229, -1, COLOR_YELLOW, -1, A_NORMAL, A_NORMAL },
	[HT_CR_STATUS_ERROR]  = { 231, 160, COLOR_WHITE, COLOR_RED, A_BOLD,
	                          A_BOLD | A_REVERSE },
	[HT_CR_PROMPT]        = { 16, 221, COLOR_BLACK, COLOR_YELLOW, A_BOLD,
	                          A_BOLD | A_REVERSE },
	[HT_CR_FOOTER_KEY]    = { 255, -1, COLOR_WHITE, -1, A_BOLD, A_BOLD },
	[HT_CR_FOOTER_LABEL]  = { 16, 80, COLOR_BLACK, COLOR_CYAN, A_NORMAL,
	                          A_REVERSE },
	[HT_CR_PAUSED]        = { 16, 214, COLOR_BLACK, COLOR_YELLOW, A_BOLD,
	                          A_BOLD | A_REVERSE },
	[HT_CR_FLAME_A]       = { 16, 222, COLOR_BLACK, COLOR_YELLOW, A_NORMAL,
	                          A_NORMAL },
	[HT_CR_FLAME_B]       = { 16, 187, COLOR_BLACK, COLOR_WHITE, A_NORMAL,
	                          A_NORMAL },
	[HT_CR_FLAME_GROWTH]  = { 16, 203, COLOR_WHITE, COLOR_RED, A_BOLD,
	                          A_BOLD },
	[HT_CR_FLAME_SHRINK]  = { 16, 114, COLOR_BLACK, COLOR_GREEN, A_NORMAL,
	                          A_DIM },
	[HT_CR_FLAME_MATCH]   = { 16, 177, COLOR_BLACK, COLOR_MAGENTA, A_BOLD,
	                          A_BOLD | A_UNDERLINE },
};

static attr_t role_attr[HT_CR_COUNT];
static bool colors_on;

void ht_colors_init(bool mono)
{
	int r;

	colors_on = !mono && has_colors() && start_color() == OK;
	if (colors_on)
		use_default_colors();
	for (r = 0; r < HT_CR_COUNT; r++) {
		const struct role_look *l = &looks[r];
		short fg, bg;

		if (!colors_on) {
			role_attr[r] = l->mono;
			continue;
		}
		if (COLORS >= 256) {
			fg = l->fg256;
			bg = l->bg256;
		} else {
			fg = l->fg8;
			bg = l->bg8;
		}
		if (r == HT_CR_DEFAULT || r >= COLOR_PAIRS ||
		    init_pair((short)r, fg, bg) != OK) {
			role_attr[r] = l->mono;
			continue;
		}
		role_attr[r] = COLOR_PAIR(r) | l->attr;
	}
}

attr_t ht_color(enum ht_color_role role)
{
	if ((int)role < 0 || role >= HT_CR_COUNT)
		return A_NORMAL;
	return role_attr[role];
}

bool ht_colors_enabled(void)
{
	return colors_on;
}
