/*
 * The cursor of a list view that follows its item: when new rows come,
 * the cursor goes back to the row of the item it was on, found by its
 * key (as tmux's mode-tree follows its items by tag), else stays within
 * the rows.
 */
#include "config.h"

#include "ui/view.h"

void ht_cursor_reset(struct ht_cursor *c)
{
	c->row = c->scroll = 0;
	c->key_valid = false;
}

void ht_cursor_remember(struct ht_cursor *c, const void *rows, size_t n,
                        ht_row_key key_of)
{
	if (rows != NULL && c->row < n) {
		c->key = key_of(rows, c->row);
		c->key_valid = true;
	}
}

void ht_cursor_follow(struct ht_cursor *c, const void *rows, size_t n,
                      ht_row_key key_of)
{
	if (c->key_valid)
		for (size_t i = 0; i < n; i++)
			if (key_of(rows, i) == c->key) {
				c->row = i;
				return;
			}
	if (c->row >= n)
		c->row = n ? n - 1 : 0;
	if (c->key_valid || c->sticky)
		ht_cursor_remember(c, rows, n, key_of);
}
