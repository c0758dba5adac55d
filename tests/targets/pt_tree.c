/*
 * pt_tree: a small process tree for the process-tree tests.  The parent
 * keeps PARENT objects of 111 bytes (parent_site), forks two children and
 * runs `sh -c true` (a quiet process: it allocates almost nothing).  Child
 * a keeps A objects of 3333 bytes (child_a_site), child b keeps B objects
 * of 4444 bytes (child_b_site).  Each child then sleeps HOLD seconds and
 * exits 0; the parent waits for all and exits 0 when both children did.
 * Prints "parent pid=N", "child a pid=N", "child b pid=N" and truth lines.
 *
 *   pt_tree [-p PARENT] [-a A] [-b B] [-s HOLD]
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

__attribute__((noinline)) static void *parent_site(void)
{
	char *volatile p = malloc(111); /* not a tail call: keeps this frame */

	if (p)
		p[0] = 1;
	return p;
}
__attribute__((noinline)) static void *child_a_site(void)
{
	char *volatile p = malloc(3333);

	if (p)
		p[0] = 1;
	return p;
}
__attribute__((noinline)) static void *child_b_site(void)
{
	char *volatile p = malloc(4444);

	if (p)
		p[0] = 1;
	return p;
}

/* Fork a child that keeps n objects from site, sleeps hold seconds and
 * exits 0.  Returns its pid, or -1. */
static pid_t spawn(void *(*site)(void), int n, int hold)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid != 0)
		return pid;
	for (int i = 0; i < n; i++)
		if (!site())
			_exit(2);
	if (hold > 0)
		sleep((unsigned)hold);
	exit(0);
}

static int exited_zero(pid_t pid)
{
	int status = 0;

	return waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int main(int argc, char **argv)
{
	int np = 200, na = 300, nb = 400, hold = 0, c, ok;
	pid_t a, b, t;

	while ((c = getopt(argc, argv, "p:a:b:s:")) != -1) {
		switch (c) {
		case 'p': np = atoi(optarg); break;
		case 'a': na = atoi(optarg); break;
		case 'b': nb = atoi(optarg); break;
		case 's': hold = atoi(optarg); break;
		default: return 2;
		}
	}
	for (int i = 0; i < np; i++)
		if (!parent_site())
			return 2;
	printf("parent pid=%d\n", (int)getpid());
	a = spawn(child_a_site, na, hold);
	b = spawn(child_b_site, nb, hold);
	if (a < 0 || b < 0)
		return 2;
	printf("child a pid=%d\nchild b pid=%d\n", (int)a, (int)b);
	printf("truth parent_site objects=%d bytes=%d\n", np, np * 111);
	printf("truth child_a_site objects=%d bytes=%d\n", na, na * 3333);
	printf("truth child_b_site objects=%d bytes=%d\n", nb, nb * 4444);
	fflush(stdout);
	fflush(stdout);
	t = fork();
	if (t == 0) {
		execl("/bin/true", "true", (char *)NULL);
		_exit(127);
	}
	ok = t > 0 && exited_zero(t);
	ok &= exited_zero(a) & exited_zero(b);
	return ok ? 0 : 1;
}
