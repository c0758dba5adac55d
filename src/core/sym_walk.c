/*
 * The symbolizer's per-address DWARF walk: for each address, libdw finds
 * the unit and walks its DIEs to the scopes holding the address
 * (dwarf_getscopes, then dwarf_getscopes_die for the callers an inlined
 * function sits in).  This is how every lookup was made before the
 * per-unit index (sym_index.c); it stays as the reference the index is
 * compared against in the tests and the benchmark
 * (ht_symbolizer_set_walk).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <dwarf.h>

#include "core/sym_priv.h"

size_t sym_walk_frames(struct ht_symbolizer *s, struct sym_module *sm,
                       uint64_t a, struct ht_frame *fr, size_t max)
{
	Dwarf_Addr bias = 0;
	Dwarf_Die cu_mem;
	Dwarf_Die *cu = sym_cu_of(sm, a, &bias, &cu_mem);
	size_t n = 0;

	if (cu) {
		Dwarf_Die *scopes = NULL;
		int ns = dwarf_getscopes(cu, a - bias, &scopes);
		Dwarf_Files *files = NULL;
		size_t nfiles = 0;
		bool have_files = dwarf_getsrcfiles(cu, &files,
		                                    &nfiles) == 0;

		const char *call_file = NULL;
		int call_line = 0;
		Dwarf_Die *chain = scopes, *concrete = NULL;
		int nchain = ns, first = 0;

		/* dwarf_getscopes follows an inlined instance to its
		 * abstract origin; the callers it was inlined into
		 * are the concrete DIE's parents (as eu-addr2line
		 * -i walks them). */
		while (first < ns &&
		       dwarf_tag(&scopes[first]) != DW_TAG_subprogram &&
		       dwarf_tag(&scopes[first]) != DW_TAG_inlined_subroutine)
			first++;
		if (first < ns &&
		    dwarf_tag(&scopes[first]) == DW_TAG_inlined_subroutine) {
			int nc = dwarf_getscopes_die(&scopes[first],
			                             &concrete);

			if (nc > 0) {
				chain = concrete;
				nchain = nc;
				first = 0;
			}
		}
		for (int i = first; i < nchain && n < max; i++) {
			Dwarf_Die *sc = &chain[i];
			int tag = dwarf_tag(sc);
			Dwarf_Attribute at;
			Dwarf_Word w;

			if (tag != DW_TAG_subprogram &&
			    tag != DW_TAG_inlined_subroutine)
				continue;
			memset(&fr[n], 0, sizeof fr[n]);
			fr[n].function = sym_die_function_name(s, sc);
			/* an outer frame sits at the call site of the
			 * inlined function inside it */
			if (n > 0) {
				fr[n].file = call_file;
				fr[n].line = call_line;
			}
			call_file = NULL;
			call_line = 0;
			if (tag == DW_TAG_inlined_subroutine) {
				if (dwarf_attr(sc, DW_AT_call_file, &at) &&
				    dwarf_formudata(&at, &w) == 0 &&
				    have_files && w < nfiles)
					call_file = sym_intern_src(s, cu,
					    dwarf_filesrc(files, w, NULL, NULL));
				if (dwarf_attr(sc, DW_AT_call_line, &at) &&
				    dwarf_formudata(&at, &w) == 0 &&
				    w < INT32_MAX)
					call_line = (int)w;
			}
			n++;
			if (tag == DW_TAG_subprogram)
				break;
		}
		free(concrete);
		free(scopes);
		if (n > 0) {
			Dwarf_Line *l = dwarf_getsrc_die(cu, a - bias);
			int line = 0;

			if (l) {
				fr[0].file = sym_intern_src(s, cu,
				    dwarf_linesrc(l, NULL, NULL));
				if (dwarf_lineno(l, &line) == 0)
					fr[0].line = line;
			}
		}
	}
	return n;
}
