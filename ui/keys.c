/*
 * The key table (see keys.h).  Bindings live here and nowhere else: the
 * main loop dispatches through ht_keys_lookup, the help view and the footer
 * print this table.  Never add a key handled outside this table.
 */
#include "config.h"

#include <curses.h>

#include "ui/keys.h"

#define CTRL(c) ((c) & 0x1f)

static const struct ht_key_binding table[] = {
	{ HT_ACT_HELP, HT_SCOPE_ALL, { '?', KEY_F(1), 'h' },
	  "? h F1", "? h F1", "show this help (any view: back with Esc or q)",
	  "Help" },
	{ HT_ACT_MODE_INUSE, HT_SCOPE_TOP | HT_SCOPE_TREE |
	  HT_SCOPE_THREADS | HT_SCOPE_FLAME, { 'i' },
	  "i", "i", "mode: bytes in use (live objects)", NULL },
	{ HT_ACT_MODE_ALLOC, HT_SCOPE_TOP | HT_SCOPE_TREE |
	  HT_SCOPE_THREADS | HT_SCOPE_FLAME, { 'a' },
	  "a", "a", "mode: bytes allocated since the last reset", NULL },
	{ HT_ACT_MODE_TOGGLE, HT_SCOPE_TOP | HT_SCOPE_TREE |
	  HT_SCOPE_THREADS | HT_SCOPE_FLAME, { '\t' },
	  "Tab", "Tab", "toggle in-use / allocated", "Mode" },
	{ HT_ACT_ENTER, HT_SCOPE_TOP, { '\n', '\r', KEY_ENTER },
	  "Enter", "Enter", "callers of the selected site (call tree)",
	  "Callers" },
	{ HT_ACT_TOPDOWN, HT_SCOPE_TOP | HT_SCOPE_TREE, { 't' },
	  "t", "t", "the whole program as a top-down call tree", "Tree" },
	{ HT_ACT_FLAME, HT_SCOPE_TOP | HT_SCOPE_TREE | HT_SCOPE_FLAME, { 'f' },
	  "f", "f", "the whole program as a flame graph (again: back)",
	  "Flame" },
	{ HT_ACT_ENTER, HT_SCOPE_FLAME, { '\n', '\r', KEY_ENTER },
	  "Enter", "Enter", "flame: zoom into the selected frame", "Zoom" },
	{ HT_ACT_ZOOM_OUT, HT_SCOPE_FLAME, { KEY_BACKSPACE, 127, 8 },
	  "Backspace", "Backspace",
	  "flame: zoom out one step (not zoomed: back)", NULL },
	{ HT_ACT_COLLAPSE, HT_SCOPE_FLAME, { KEY_LEFT },
	  "\u2190", "Left", "flame: the frame to the left (Up, Down: caller, "
	  "callee)", NULL },
	{ HT_ACT_EXPAND, HT_SCOPE_FLAME, { KEY_RIGHT },
	  "\u2192", "Right", "flame: the frame to the right", NULL },
	{ HT_ACT_FILTER, HT_SCOPE_FLAME, { '/' },
	  "/", "/", "flame: highlight frames whose function contains a "
	  "substring", "Search" },
	{ HT_ACT_BACK, HT_SCOPE_FLAME, { 27, 'q' },
	  "Esc q", "Esc q", "flame: back to the sites table", NULL },
	{ HT_ACT_THREADS, HT_SCOPE_TOP | HT_SCOPE_THREADS, { 'T' },
	  "T", "T", "the selected site by thread (again: whole profile)",
	  NULL },
	{ HT_ACT_PROCS, HT_SCOPE_TOP | HT_SCOPE_PROCS, { 'P' },
	  "P", "P", "the processes of the tree (Enter: show its sites)",
	  NULL },
	{ HT_ACT_ENTER, HT_SCOPE_PROCS, { '\n', '\r', KEY_ENTER },
	  "Enter", "Enter", "processes: show the selected process's sites",
	  NULL },
	{ HT_ACT_ENTER, HT_SCOPE_TREE, { '\n', '\r', KEY_ENTER, ' ' },
	  "Enter Space", "Enter Space", "tree: expand or collapse the node",
	  NULL },
	{ HT_ACT_EXPAND, HT_SCOPE_TREE, { KEY_RIGHT, '+', 'l' },
	  "\u2192 + l", "Right + l", "tree: expand the node", NULL },
	{ HT_ACT_COLLAPSE, HT_SCOPE_TREE, { KEY_LEFT, '-' },
	  "\u2190 -", "Left -", "tree: collapse the node (or go to its parent)",
	  NULL },
	{ HT_ACT_BASELINE, HT_SCOPE_TOP | HT_SCOPE_TREE | HT_SCOPE_FLAME,
	  { 'b' },
	  "b", "b", "set a baseline: show and sort by change since now",
	  "Base" },
	{ HT_ACT_BASELINE_CLEAR, HT_SCOPE_TOP | HT_SCOPE_TREE |
	  HT_SCOPE_FLAME, { 'B' },
	  "B", "B", "clear the baseline", NULL },
	{ HT_ACT_GROUP, HT_SCOPE_TOP | HT_SCOPE_TREE, { 'g' },
	  "g", "g", "group sites by stack / function / line", "Group" },
	{ HT_ACT_SUSPECTS, HT_SCOPE_TOP, { 'L' },
	  "L", "L", "leak suspects first, each with its verdict (again: back)",
	  "Leaks" },
	{ HT_ACT_LIB_SITES, HT_SCOPE_TOP | HT_SCOPE_TREE, { 'F' },
	  "F", "F", "library frames as sites / folded into the caller (via)",
	  NULL },
	{ HT_ACT_SORT_NEXT, HT_SCOPE_TOP | HT_SCOPE_TREE |
	  HT_SCOPE_THREADS, { 's' },
	  "s", "s", "sort by the next column", "Sort" },
	{ HT_ACT_SORT_LEFT, HT_SCOPE_TOP | HT_SCOPE_TREE |
	  HT_SCOPE_THREADS, { '<', ',' },
	  "<", "<", "sort by the column to the left", NULL },
	{ HT_ACT_SORT_RIGHT, HT_SCOPE_TOP | HT_SCOPE_TREE |
	  HT_SCOPE_THREADS, { '>', '.' },
	  ">", ">", "sort by the column to the right", NULL },
	{ HT_ACT_FILTER, HT_SCOPE_TOP, { '/' },
	  "/", "/", "filter sites by function or file substring (empty: all)",
	  "Filter" },
	{ HT_ACT_PAUSE, HT_SCOPE_TOP | HT_SCOPE_FLAME, { ' ' },
	  "Space", "Space", "pause / resume updates (data keeps accumulating)",
	  "Pause" },
	{ HT_ACT_DUMP, HT_SCOPE_ALL, { 'd' },
	  "d", "d", "dump a profile file (path shown in the status line)",
	  "Dump" },
	{ HT_ACT_RESET, HT_SCOPE_TOP | HT_SCOPE_TREE | HT_SCOPE_FLAME,
	  { 'r' },
	  "r", "r", "reset all counters (asks to confirm; like prof.reset)",
	  "Reset" },
	{ HT_ACT_OUTPUT, HT_SCOPE_TOP | HT_SCOPE_TREE | HT_SCOPE_HELP, { 'o' },
	  "o", "o", "view the program's output", "Output" },
	{ HT_ACT_UP, HT_SCOPE_ALL, { KEY_UP, 'k' },
	  "\u2191 k", "Up k", "move up", NULL },
	{ HT_ACT_DOWN, HT_SCOPE_ALL, { KEY_DOWN, 'j' },
	  "\u2193 j", "Down j", "move down", NULL },
	{ HT_ACT_PGUP, HT_SCOPE_ALL, { KEY_PPAGE, CTRL('b') },
	  "PgUp", "PgUp", "page up", NULL },
	{ HT_ACT_PGDN, HT_SCOPE_ALL, { KEY_NPAGE, CTRL('f') },
	  "PgDn", "PgDn", "page down", NULL },
	{ HT_ACT_HOME, HT_SCOPE_ALL, { KEY_HOME },
	  "Home", "Home", "first row", NULL },
	{ HT_ACT_END, HT_SCOPE_ALL, { KEY_END, 'G' },
	  "End G", "End G", "last row", NULL },
	{ HT_ACT_REDRAW, HT_SCOPE_ALL, { CTRL('l') },
	  "^L", "^L", "redraw the screen", NULL },
	{ HT_ACT_BACK, HT_SCOPE_SUB, { 27, KEY_BACKSPACE, 127, 'q' },
	  "Esc q", "Esc q", "back to the sites table", NULL },
	{ HT_ACT_QUIT, HT_SCOPE_TOP, { 'q', KEY_F(10) },
	  "q F10", "q F10", "quit (asks what to do with a launched program)",
	  "Quit" },
};

const struct ht_key_binding *ht_keys_table(size_t *n)
{
	*n = sizeof table / sizeof table[0];
	return table;
}

enum ht_action ht_keys_lookup(int key, unsigned scope)
{
	size_t i, k;

	for (i = 0; i < sizeof table / sizeof table[0]; i++) {
		if (!(table[i].scope & scope))
			continue;
		for (k = 0; k < 4 && table[i].keys[k] != 0; k++)
			if (table[i].keys[k] == key)
				return table[i].action;
	}
	return HT_ACT_NONE;
}
