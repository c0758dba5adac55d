/*
 * Saved baselines: where a live segment's baseline is kept between
 * viewers (the per-user runtime directory, checked to be ours) and its
 * saving, loading and removal as heap_v2 files named after the segment
 * and its reset generation.
 */
#include "config.h"

#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/basefile.h"
#include "core/cause.h"
#include "core/fmt.h"
#include "core/segread.h"

/* Set *cause to a message about path and return err. */
static int fail(char **cause, int err, const char *what)
{
	ht_cause_set(cause, "%s: %s", what, strerror(-err));
	return err;
}

int ht_basefile_dir(char *buf, size_t n, int create, char **cause)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	struct stat st;
	int len;

	if (xdg != NULL && xdg[0] == '/')
		len = snprintf(buf, n, "%s/heaptop", xdg);
	else
		len = snprintf(buf, n, "/tmp/heaptop-%u", (unsigned)getuid());
	if (len < 0 || (size_t)len >= n)
		return fail(cause, -ENAMETOOLONG, "runtime directory");
	if (create && mkdir(buf, 0700) != 0 && errno != EEXIST)
		return fail(cause, -errno, buf);
	if (lstat(buf, &st) != 0)
		return fail(cause, -errno, buf);
	if (!S_ISDIR(st.st_mode) || st.st_uid != getuid() ||
	    (st.st_mode & 077) != 0) {
		ht_cause_set(cause, "%s: not a private directory of ours "
		             "(mode 0700, our uid)", buf);
		return -EPERM;
	}
	return 0;
}

static int path_of(const char *segment, uint64_t gen, int create,
                   char *buf, size_t n, char **cause)
{
	char dir[512];
	int err, len;

	if (!ht_segread_name_valid(segment))
		return fail(cause, -EINVAL, segment);
	err = ht_basefile_dir(dir, sizeof dir, create, cause);
	if (err < 0)
		return err;
	len = snprintf(buf, n, "%s/%s.g%llu.base.heap", dir, segment,
	               (unsigned long long)gen);
	if (len < 0 || (size_t)len >= n)
		return fail(cause, -ENAMETOOLONG, "baseline path");
	return 0;
}

int ht_basefile_save(const char *segment, const struct ht_profile *p,
                     char **cause)
{
	char path[768];
	int err;

	err = path_of(segment, p->reset_generation, 1, path, sizeof path,
	              cause);
	if (err < 0)
		return err;
	/* one baseline per segment: drop other generations' */
	ht_basefile_remove(segment);
	return ht_fmt_write_as(HT_FMT_HEAP_V2, path, p, HT_VAL_INUSE_BYTES,
	                       NULL, NULL, cause);
}

int ht_basefile_load(const char *segment, uint64_t gen,
                     struct ht_profile **out, char **cause)
{
	char path[768];
	int err;

	*out = NULL;
	err = path_of(segment, gen, 0, path, sizeof path, cause);
	if (err == -ENOENT || (err == 0 && access(path, F_OK) != 0))
		return -ENOENT;
	if (err < 0)
		return err;
	return ht_fmt_load_file(path, out, cause);
}

void ht_basefile_remove(const char *segment)
{
	char dir[512], path[1024];
	size_t sl = strlen(segment);
	struct dirent *e;
	DIR *d;

	if (!ht_segread_name_valid(segment) ||
	    ht_basefile_dir(dir, sizeof dir, 0, NULL) < 0)
		return;
	d = opendir(dir);
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		/* <segment>.g<N>.base.heap */
		if (strncmp(e->d_name, segment, sl) != 0 ||
		    strncmp(e->d_name + sl, ".g", 2) != 0 ||
		    strstr(e->d_name + sl, ".base.heap") == NULL)
			continue;
		if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) <
		    (int)sizeof path)
			unlink(path);
	}
	closedir(d);
}

int ht_basefile_clean_orphans(void)
{
	char dir[512], path[1024], seg[300];
	struct dirent *e;
	int count = 0;
	DIR *d;

	if (ht_basefile_dir(dir, sizeof dir, 0, NULL) < 0)
		return 0;
	d = opendir(dir);
	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		const char *g = strstr(e->d_name, ".base.heap");
		const char *dot;
		size_t sl;

		if (g == NULL || strcmp(g, ".base.heap") != 0)
			continue;
		/* <segment>.g<N>.base.heap: the segment ends at the last
		 * ".g" before the suffix */
		for (dot = g - 1; dot > e->d_name && *dot != '.'; dot--)
			;
		sl = (size_t)(dot - e->d_name);
		if (dot[0] != '.' || dot[1] != 'g' || sl == 0 ||
		    sl >= sizeof seg)
			continue;
		memcpy(seg, e->d_name, sl);
		seg[sl] = '\0';
		if (snprintf(path, sizeof path, "/dev/shm/%s", seg) <
		    (int)sizeof path && access(path, F_OK) == 0)
			continue;
		if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) <
		    (int)sizeof path && unlink(path) == 0)
			count++;
	}
	closedir(d);
	return count;
}
