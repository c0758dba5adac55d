/*
 * rt_segdump: a test-only reader of a heaptop segment, used by the runtime
 * integration tests.  Prints the header, the module list and every stack
 * with its counters and its frames symbolized from the modules' ELF symbol
 * tables (libelf), and can send a control command the way a frontend does.
 *
 *   rt_segdump NAME                    header, modules, stacks
 *   rt_segdump -c ping|reset|dump|rate [-a ARG] NAME
 *                                      send a command; prints
 *                                      "result R latency_us N"
 *   rt_segdump -r NAME                 drain the event ring, print counts
 *
 * Exit status 0, or 1 with a message on stderr.  Trusts the segment only as
 * far as a test may: offsets and indexes are bounds-checked.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <linux/futex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <heaptop/segment.h>

struct sym {
	uint64_t lo, hi;
	char *name;
};

struct elfsyms {
	struct sym *syms;
	size_t n;
	int loaded;
};

static const char *seg;
static size_t seg_size;
static const struct ht_seg_header *H;

static void die(const char *msg)
{
	fprintf(stderr, "rt_segdump: %s\n", msg);
	exit(1);
}

static int cmp_sym(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static void load_syms(struct elfsyms *es, const char *path)
{
	int fd;
	Elf *e;
	Elf_Scn *scn = NULL;
	size_t cap = 0;
	int have_symtab = 0;

	es->loaded = 1;
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return;
	e = elf_begin(fd, ELF_C_READ, NULL);
	if (!e) {
		close(fd);
		return;
	}
	while ((scn = elf_nextscn(e, scn)))
	{
		GElf_Shdr sh;
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB)
			have_symtab = 1;
	}
	scn = NULL;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type != (have_symtab ? SHT_SYMTAB : SHT_DYNSYM))
			continue;
		d = elf_getdata(scn, NULL);
		for (size_t i = 0; d && i < sh.sh_size / (sh.sh_entsize ? sh.sh_entsize : 1); i++) {
			GElf_Sym s;
			const char *nm;

			if (!gelf_getsym(d, (int)i, &s) || GELF_ST_TYPE(s.st_info) != STT_FUNC ||
			    s.st_value == 0)
				continue;
			nm = elf_strptr(e, sh.sh_link, s.st_name);
			if (!nm)
				continue;
			if (es->n == cap) {
				cap = cap ? cap * 2 : 256;
				es->syms = realloc(es->syms, cap * sizeof *es->syms);
			}
			es->syms[es->n].lo = s.st_value;
			es->syms[es->n].hi = s.st_value + (s.st_size ? s.st_size : 1);
			es->syms[es->n].name = strdup(nm);
			es->n++;
		}
	}
	qsort(es->syms, es->n, sizeof *es->syms, cmp_sym);
	elf_end(e);
	close(fd);
}

static const char *lookup(struct elfsyms *es, uint64_t vaddr)
{
	const char *best = NULL;

	/* several symbols may cover an address (aliases); take any */
	size_t lo = 0, hi = es->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (es->syms[mid].lo <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i-- > 0;) {
		if (vaddr >= es->syms[i].lo && vaddr < es->syms[i].hi) {
			best = es->syms[i].name;
			break;
		}
		if (lo - i > 64)
			break;
	}
	return best;
}

static const void *at(uint64_t off, uint64_t len)
{
	if (off > seg_size || len > seg_size - off)
		die("section out of bounds");
	return seg + off;
}

static void map_seg(const char *name, int rw)
{
	char path[512];
	struct stat st;
	int fd;
	void *p;

	snprintf(path, sizeof path, "/%s", name);
	fd = shm_open(path, rw ? O_RDWR : O_RDONLY, 0);
	if (fd < 0 || fstat(fd, &st) != 0)
		die("cannot open segment");
	p = mmap(NULL, (size_t)st.st_size, PROT_READ | (rw ? PROT_WRITE : 0), MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die("cannot map segment");
	close(fd);
	seg = p;
	seg_size = (size_t)st.st_size;
	H = p;
	if (seg_size < sizeof *H || H->magic != HT_SEG_MAGIC || H->major != HT_SEG_MAJOR)
		die("not a heaptop segment");
}

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static int command(const char *cmd, const char *arg)
{
	struct ht_seg_control *c = (struct ht_seg_control *)at(H->control_off, sizeof *c);
	uint32_t me = (uint32_t)getpid(), zero = 0, req;
	uint64_t t0, t1;

	while (!__atomic_compare_exchange_n(&c->lock, &zero, me, 0, __ATOMIC_ACQUIRE,
					    __ATOMIC_RELAXED)) {
		zero = 0;
		usleep(1000);
	}
	if (!strcmp(cmd, "ping"))
		c->cmd = HT_CMD_PING;
	else if (!strcmp(cmd, "reset"))
		c->cmd = HT_CMD_RESET;
	else if (!strcmp(cmd, "dump")) {
		c->cmd = HT_CMD_DUMP;
		snprintf(c->path, sizeof c->path, "%s", arg ? arg : "");
	} else if (!strcmp(cmd, "rate")) {
		c->cmd = HT_CMD_SET_RATE;
		c->arg = strtoull(arg ? arg : "0", NULL, 10);
	} else
		die("unknown command");
	t0 = now_us();
	req = __atomic_add_fetch(&c->req_seq, 1, __ATOMIC_RELEASE);
	syscall(SYS_futex, &c->req_seq, FUTEX_WAKE, 1, NULL, NULL, 0);
	while (__atomic_load_n(&c->ack_seq, __ATOMIC_ACQUIRE) != req) {
		if (now_us() - t0 > 2000000) {
			__atomic_store_n(&c->lock, 0, __ATOMIC_RELEASE);
			die("command timed out");
		}
		usleep(200);
	}
	t1 = now_us();
	printf("result %d latency_us %llu\n", c->result, (unsigned long long)(t1 - t0));
	__atomic_store_n(&c->lock, 0, __ATOMIC_RELEASE);
	return 0;
}

static int drain(void)
{
	struct ht_seg_control *c = (struct ht_seg_control *)at(H->control_off, sizeof *c);
	struct ht_seg_event *ev = (struct ht_seg_event *)at(H->ring_off + sizeof(struct ht_seg_ring),
							   (uint64_t)H->ring_cap * sizeof *ev);
	uint64_t n[5] = { 0 }, t;
	uint32_t none = 0;

	/* Register as the ring's consumer: the runtime pushes events only
	 * while one is registered.  Then give the target time to allocate. */
	if (!__atomic_compare_exchange_n(&c->ring_consumer, &none, (uint32_t)getpid(),
					 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		die("the ring has another consumer");
	usleep(300000);
	t = c->ring_tail;
	for (;;) {
		struct ht_seg_event *s = &ev[t & (H->ring_cap - 1)];
		if (ht_seg_seq_load(s, t & (H->ring_cap - 1)) != t + 1)
			break;
		if (s->type < 5)
			n[s->type]++;
		ht_seg_seq_store(s, t & (H->ring_cap - 1), t + H->ring_cap);
		t++;
	}
	c->ring_tail = t;
	__atomic_store_n(&c->ring_consumer, 0, __ATOMIC_RELEASE);
	printf("events alloc=%llu free=%llu reset=%llu modules=%llu\n",
	       (unsigned long long)n[1], (unsigned long long)n[2],
	       (unsigned long long)n[3], (unsigned long long)n[4]);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = NULL, *arg = NULL;
	int opt, ring = 0;
	const struct ht_seg_module *mods;
	const struct ht_seg_stack *st;
	const uint64_t *frames;
	struct elfsyms *es;
	uint32_t nmod;
	uint64_t used, samples, frees;

	while ((opt = getopt(argc, argv, "c:a:r")) != -1) {
		switch (opt) {
		case 'c': cmd = optarg; break;
		case 'a': arg = optarg; break;
		case 'r': ring = 1; break;
		default: die("usage: rt_segdump [-c CMD [-a ARG]] [-r] NAME");
		}
	}
	if (optind != argc - 1)
		die("usage: rt_segdump [-c CMD [-a ARG]] [-r] NAME");
	map_seg(argv[optind], cmd || ring);
	if (cmd)
		return command(cmd, arg);
	if (ring)
		return drain();

	printf("name %s\nstate %u\nexit_status %d\npid %d\nppid %d\nflags %u\n",
	       argv[optind], H->state, H->exit_status, H->pid, H->ppid, H->flags);
	printf("parent_name %.*s\nnext_name %.*s\n", HT_SEG_NAME_MAX, H->parent_name,
	       HT_SEG_NAME_MAX, H->next_name);
	if (H->counts_stripes == 0 || H->counts_stripes > HT_SEG_MAX_STRIPES ||
	    H->counts_stride < sizeof(struct ht_seg_stripe) +
				   (uint64_t)H->stacks_cap * sizeof(struct ht_seg_counts))
		die("bad counters section");
	at(H->counts_off, (uint64_t)H->counts_stripes * H->counts_stride);
	used = ht_seg_stripes_to_sum(H->stripes_used, H->counts_stripes);
	ht_seg_stripes_sum(seg, H->counts_off, H->counts_stride, used, &samples, &frees);
	printf("rate %llu\nmax_depth %u\nsamples %llu\nsampled_frees %llu\n",
	       (unsigned long long)H->rate, H->max_depth, (unsigned long long)samples,
	       (unsigned long long)frees);
	printf("stripes %u\nstripes_used 0x%llx\nring_cap %u\n", H->counts_stripes,
	       (unsigned long long)H->stripes_used, H->ring_cap);
	printf("ring_drops %llu\nstacks_full %llu\naddrs_full %llu\nunwind_failures %llu\n",
	       (unsigned long long)H->ring_drops, (unsigned long long)H->stacks_full,
	       (unsigned long long)H->addrs_full, (unsigned long long)H->unwind_failures);
	printf("internal_errors %llu\nreset_generation %llu\nstacks_used %u\nframes_used %u\n",
	       (unsigned long long)H->internal_errors, (unsigned long long)H->reset_generation,
	       H->stacks_used, H->frames_used);
	printf("budget_ppm %llu\noverhead_ppm %llu\nsample_ns %llu\nwalked %llu\n",
	       (unsigned long long)H->budget_ppm, (unsigned long long)H->overhead_ppm,
	       (unsigned long long)H->sample_ns, (unsigned long long)H->walked);
	printf("heartbeat_ns %llu\nexe %.*s\ncmdline %.*s\n", (unsigned long long)H->heartbeat_ns,
	       (int)sizeof H->exe, H->exe, (int)sizeof H->cmdline, H->cmdline);

	elf_version(EV_CURRENT);
	nmod = H->modules_count < H->modules_cap ? H->modules_count : H->modules_cap;
	mods = at(H->modules_off, (uint64_t)H->modules_cap * sizeof *mods);
	at(H->strings_off, H->strings_size);
	es = calloc(nmod + 1, sizeof *es);
	for (uint32_t i = 0; i < nmod; i++) {
		const struct ht_seg_module *m = &mods[i];
		char bid[81] = "-";
		if (m->path_off >= H->strings_size || m->path_len >= H->strings_size - m->path_off)
			die("module path out of bounds");
		for (uint32_t k = 0; k < m->build_id_len && k < 40; k++)
			sprintf(bid + 2 * k, "%02x", m->build_id[k]);
		printf("module %u flags=%u base=0x%llx start=0x%llx end=0x%llx build_id=%s path=%.*s\n",
		       i, m->flags, (unsigned long long)m->base, (unsigned long long)m->start,
		       (unsigned long long)m->end, bid, (int)m->path_len,
		       seg + H->strings_off + m->path_off);
	}

	st = at(H->stacks_off, (uint64_t)H->stacks_cap * sizeof *st);
	frames = at(H->frames_off, (uint64_t)H->frames_cap * sizeof *frames);
	for (uint32_t i = 0; i < H->stacks_cap; i++) {
		const struct ht_seg_stack *s = &st[i];
		struct ht_seg_counts c;
		if (!s->hash)
			continue;
		if (s->counts_idx >= H->stacks_cap)
			die("stack counters out of bounds");
		ht_seg_counts_sum(seg, H->counts_off, H->counts_stride, used, s->counts_idx, &c);
		printf("stack %u cur_objs=%llu cur_bytes=%llu cum_objs=%llu cum_bytes=%llu "
		       "est_cur_objs=%.3f est_cur_bytes=%.3f est_cum_objs=%.3f est_cum_bytes=%.3f "
		       "var_cur_objs=%.3f var_cur_bytes=%.0f var_cum_bytes=%.0f depth=%u frames=",
		       i, (unsigned long long)c.cur_objs, (unsigned long long)c.cur_bytes,
		       (unsigned long long)c.cum_objs, (unsigned long long)c.cum_bytes,
		       c.est_cur_objs / (double)HT_EST_ONE, c.est_cur_bytes / (double)HT_EST_ONE,
		       c.est_cum_objs / (double)HT_EST_ONE, c.est_cum_bytes / (double)HT_EST_ONE,
		       c.var_cur_objs / (double)HT_EST_ONE,
		       (double)c.var_cur_bytes * (double)(1u << HT_VAR_BYTES_SHIFT),
		       (double)c.var_cum_bytes * (double)(1u << HT_VAR_BYTES_SHIFT), s->depth);
		if (s->frames_idx > H->frames_cap || s->depth > H->frames_cap - s->frames_idx)
			die("stack frames out of bounds");
		for (uint32_t d = 0; d < s->depth; d++) {
			uint64_t pc = frames[s->frames_idx + d];
			const char *name = NULL;
			uint32_t k;
			for (k = 0; k < nmod; k++)
				if (pc >= mods[k].start && pc < mods[k].end)
					break;
			if (k < nmod) {
				if (!es[k].loaded) {
					char p[4096];
					snprintf(p, sizeof p, "%.*s", (int)mods[k].path_len,
						 seg + H->strings_off + mods[k].path_off);
					load_syms(&es[k], p);
				}
				name = lookup(&es[k], pc - 1 - mods[k].base);
			}
			printf("%s%s", d ? ";" : "", name ? name : "?");
		}
		printf("\n");
	}
	return 0;
}
