/*
 * rt_exec: exec under the runtime.
 *
 *   rt_exec          stage 1: keeps 10 objects of 333 bytes (stage1_site),
 *                    then execs itself as "rt_exec stage2" (same pid)
 *   rt_exec stage2   keeps 20 objects of 444 bytes (stage2_site), exits 7
 *   rt_exec -f       forks; the child execs "rt_exec stage2"; the parent
 *                    exits 0 when the child's status was 7 (else 1)
 * Prints "pid=N stage=N" in each stage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

__attribute__((noinline)) static void *stage1_site(void)
{
	char *volatile p = malloc(333); /* not a tail call: keeps this frame */

	if (p)
		p[0] = 1;
	return p;
}
__attribute__((noinline)) static void *stage2_site(void)
{
	char *volatile p = malloc(444); /* not a tail call: keeps this frame */

	if (p)
		p[0] = 1;
	return p;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "stage2") == 0) {
		printf("pid=%d stage=2\n", (int)getpid());
		for (int i = 0; i < 20; i++)
			if (!stage2_site())
				return 2;
		fflush(stdout);
		return 7;
	}
	printf("pid=%d stage=1\n", (int)getpid());
	fflush(stdout);
	for (int i = 0; i < 10; i++)
		if (!stage1_site())
			return 2;
	if (argc > 1 && strcmp(argv[1], "-f") == 0) {
		int status;
		pid_t pid = fork();
		if (pid < 0)
			return 2;
		if (pid == 0) {
			execl("/proc/self/exe", argv[0], "stage2", (char *)NULL);
			_exit(127);
		}
		if (waitpid(pid, &status, 0) != pid)
			return 2;
		printf("child pid=%d status=%d\n", (int)pid,
		       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return WIFEXITED(status) && WEXITSTATUS(status) == 7 ? 0 : 1;
	}
	execl("/proc/self/exe", argv[0], "stage2", (char *)NULL);
	perror("execl");
	return 127;
}
