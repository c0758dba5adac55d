/*
 * Unit tests for the key table (ui/keys.c): every key the screen promises
 * is bound in the view it belongs to, no key is bound twice where the two
 * bindings' views overlap (one would be unreachable), and every binding
 * carries the help text the help view prints.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <curses.h>

#include "ui/keys.h"

static void test_promised_keys(void **state)
{
	static const struct { int key; unsigned scope; enum ht_action a; } want[] = {
		{ 'i', HT_SCOPE_TOP, HT_ACT_MODE_INUSE },
		{ 'a', HT_SCOPE_TOP, HT_ACT_MODE_ALLOC },
		{ '\t', HT_SCOPE_TOP, HT_ACT_MODE_TOGGLE },
		{ 'r', HT_SCOPE_TOP, HT_ACT_RESET },
		{ 'd', HT_SCOPE_TOP, HT_ACT_DUMP },
		{ 'b', HT_SCOPE_TOP, HT_ACT_BASELINE },
		{ 'B', HT_SCOPE_TOP, HT_ACT_BASELINE_CLEAR },
		{ '\r', HT_SCOPE_TOP, HT_ACT_ENTER },
		{ KEY_ENTER, HT_SCOPE_TOP, HT_ACT_ENTER },
		{ 't', HT_SCOPE_TOP, HT_ACT_TOPDOWN },
		{ KEY_LEFT, HT_SCOPE_TREE, HT_ACT_COLLAPSE },
		{ '-', HT_SCOPE_TREE, HT_ACT_COLLAPSE },
		{ KEY_RIGHT, HT_SCOPE_TREE, HT_ACT_EXPAND },
		{ '+', HT_SCOPE_TREE, HT_ACT_EXPAND },
		{ 'g', HT_SCOPE_TOP, HT_ACT_GROUP },
		{ 's', HT_SCOPE_TOP, HT_ACT_SORT_NEXT },
		{ '<', HT_SCOPE_TOP, HT_ACT_SORT_LEFT },
		{ '>', HT_SCOPE_TOP, HT_ACT_SORT_RIGHT },
		{ '/', HT_SCOPE_TOP, HT_ACT_FILTER },
		{ ' ', HT_SCOPE_TOP, HT_ACT_PAUSE },
		{ 'o', HT_SCOPE_TOP, HT_ACT_OUTPUT },
		{ '?', HT_SCOPE_TOP, HT_ACT_HELP },
		{ '?', HT_SCOPE_TREE, HT_ACT_HELP },
		{ 'q', HT_SCOPE_TOP, HT_ACT_QUIT },
		{ 'q', HT_SCOPE_HELP, HT_ACT_BACK },
		{ 27, HT_SCOPE_TREE, HT_ACT_BACK },
		{ KEY_UP, HT_SCOPE_TOP, HT_ACT_UP },
		{ 'k', HT_SCOPE_TOP, HT_ACT_UP },
		{ KEY_DOWN, HT_SCOPE_TOP, HT_ACT_DOWN },
		{ 'j', HT_SCOPE_TOP, HT_ACT_DOWN },
		{ KEY_PPAGE, HT_SCOPE_TOP, HT_ACT_PGUP },
		{ KEY_NPAGE, HT_SCOPE_TOP, HT_ACT_PGDN },
		{ KEY_HOME, HT_SCOPE_TOP, HT_ACT_HOME },
		{ KEY_END, HT_SCOPE_TOP, HT_ACT_END },
		{ KEY_DOWN, HT_SCOPE_TREE, HT_ACT_DOWN },
		{ KEY_UP, HT_SCOPE_OUTPUT, HT_ACT_UP },
		{ 'f', HT_SCOPE_TOP, HT_ACT_FLAME },
		{ 'f', HT_SCOPE_TREE, HT_ACT_FLAME },
		{ 'f', HT_SCOPE_FLAME, HT_ACT_FLAME },
		{ '\r', HT_SCOPE_FLAME, HT_ACT_ENTER },
		{ KEY_BACKSPACE, HT_SCOPE_FLAME, HT_ACT_ZOOM_OUT },
		{ 127, HT_SCOPE_FLAME, HT_ACT_ZOOM_OUT },
		{ 27, HT_SCOPE_FLAME, HT_ACT_BACK },
		{ 'q', HT_SCOPE_FLAME, HT_ACT_BACK },
		{ KEY_LEFT, HT_SCOPE_FLAME, HT_ACT_COLLAPSE },
		{ KEY_RIGHT, HT_SCOPE_FLAME, HT_ACT_EXPAND },
		{ KEY_UP, HT_SCOPE_FLAME, HT_ACT_UP },
		{ KEY_DOWN, HT_SCOPE_FLAME, HT_ACT_DOWN },
		{ '/', HT_SCOPE_FLAME, HT_ACT_FILTER },
		{ 'i', HT_SCOPE_FLAME, HT_ACT_MODE_INUSE },
		{ 'a', HT_SCOPE_FLAME, HT_ACT_MODE_ALLOC },
		{ 'b', HT_SCOPE_FLAME, HT_ACT_BASELINE },
		{ '?', HT_SCOPE_FLAME, HT_ACT_HELP },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof want / sizeof want[0]; i++) {
		enum ht_action got = ht_keys_lookup(want[i].key, want[i].scope);

		if (got != want[i].a)
			fail_msg("key %d in scope %#x: action %d, expected %d",
			         want[i].key, want[i].scope, (int)got,
			         (int)want[i].a);
	}
	/* unbound keys do nothing */
	assert_int_equal(ht_keys_lookup('Z', HT_SCOPE_TOP), HT_ACT_NONE);
	/* q goes back in a sub view rather than quitting */
	assert_int_equal(ht_keys_lookup('q', HT_SCOPE_TREE), HT_ACT_BACK);
}

static void test_no_shadowed_binding(void **state)
{
	const struct ht_key_binding *t;
	size_t n, i, j, a, b;

	(void)state;
	t = ht_keys_table(&n);
	assert_true(n > 10);
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++) {
			if (!(t[i].scope & t[j].scope))
				continue;
			for (a = 0; a < 4 && t[i].keys[a]; a++)
				for (b = 0; b < 4 && t[j].keys[b]; b++)
					if (t[i].keys[a] == t[j].keys[b])
						fail_msg("key %d bound twice: "
						         "\"%s\" and \"%s\"",
						         t[i].keys[a], t[i].help,
						         t[j].help);
		}
}

static void test_help_beside_every_binding(void **state)
{
	const struct ht_key_binding *t;
	size_t n, i, footer = 0;

	(void)state;
	t = ht_keys_table(&n);
	for (i = 0; i < n; i++) {
		assert_non_null(t[i].names);
		assert_non_null(t[i].ascii);
		assert_non_null(t[i].help);
		assert_true(strlen(t[i].help) > 5);
		assert_true(t[i].keys[0] != 0);
		assert_true(t[i].scope != 0);
		/* the ASCII names really are ASCII */
		for (const char *p = t[i].ascii; *p; p++)
			assert_true((unsigned char)*p < 128);
		if (t[i].footer != NULL)
			footer++;
	}
	assert_true(footer >= 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_promised_keys),
		cmocka_unit_test(test_no_shadowed_binding),
		cmocka_unit_test(test_help_beside_every_binding),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
