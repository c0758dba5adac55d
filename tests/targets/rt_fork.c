/*
 * rt_fork: fork under the runtime.  The parent keeps PARENT objects of 111
 * bytes (parent_site), forks; the child keeps CHILD objects of 222 bytes
 * (child_site) and exits 3; the parent waits and exits 0 when the child's
 * status was 3 (else 1).  Both also keep CHILD objects of 333 bytes from
 * shared_site, the parent just before the fork and the child just after,
 * through the same frames (the child's first samples repeat the parent's
 * last walks).  Prints "child pid=N status=N".
 *
 *   rt_fork [-p PARENT] [-c CHILD]
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
__attribute__((noinline)) static void *child_site(void)
{
	char *volatile p = malloc(222); /* not a tail call: keeps this frame */

	if (p)
		p[0] = 1;
	return p;
}

__attribute__((noinline)) static void *shared_site(void)
{
	char *volatile p = malloc(333); /* not a tail call: keeps this frame */
	if (p)
		p[0] = 1;
	return p;
}

/* n from shared_site, fork, and in the child n more through the same
 * call sites: the parent's pid (or -1), or 0 in the child, -2 on failure. */
__attribute__((noinline)) static pid_t shared_and_fork(int n)
{
	pid_t pid = 0;

	for (int k = 0; k < 2; k++) {
		for (int i = 0; i < n; i++)
			if (!shared_site())
				return -2;
		if (k == 0) {
			fflush(stdout);
			pid = fork();
			if (pid != 0)
				return pid;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	int np = 100, nc = 50, c, status = 0;
	pid_t pid;

	while ((c = getopt(argc, argv, "p:c:")) != -1) {
		switch (c) {
		case 'p': np = atoi(optarg); break;
		case 'c': nc = atoi(optarg); break;
		default: return 2;
		}
	}
	for (int i = 0; i < np; i++)
		if (!parent_site())
			return 2;
	pid = shared_and_fork(nc);
	if (pid < 0)
		return 2;
	if (pid == 0) {
		for (int i = 0; i < nc; i++)
			if (!child_site())
				_exit(2);
		exit(3);
	}
	/* the parent keeps allocating while the child runs */
	for (int i = 0; i < np; i++)
		if (!parent_site())
			return 2;
	if (waitpid(pid, &status, 0) != pid)
		return 2;
	printf("child pid=%d status=%d\n", (int)pid, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	printf("truth parent_site objects=%d bytes=%d\n", 2 * np, 2 * np * 111);
	printf("truth child_site objects=%d bytes=%d\n", nc, nc * 222);
	printf("truth shared_site objects=%d bytes=%d (each)\n", nc, nc * 333);
	fflush(stdout);
	return WIFEXITED(status) && WEXITSTATUS(status) == 3 ? 0 : 1;
}
