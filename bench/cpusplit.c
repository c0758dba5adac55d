/*
 * cpusplit: run a command and split its CPU time between the command's own
 * process and the children it reaped.
 *
 * For `heaptop --batch ./app`, the command's own CPU is the frontend's
 * (reading jemalloc's dumps, the model, the text) and the reaped children's
 * is the program under study, which runs in another process.  The split is
 * read from /proc/PID/stat of the ended command before it is reaped
 * (waitid with WNOWAIT keeps the zombie): utime+stime are the command's own,
 * cutime+cstime its reaped children's (clock-tick resolution, 10 ms).
 *
 * Usage: cpusplit OUTFILE COMMAND [ARGS...]
 * Writes one line to OUTFILE:
 *   outer_seconds=W self_cpu=S children_cpu=C
 * and exits with the command's exit status (128+N for a signal).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Fields 14-17 of /proc/PID/stat (utime stime cutime cstime), in ticks. */
static int read_times(pid_t pid, unsigned long long t[4])
{
	char path[64], buf[4096], *p;
	FILE *f;
	size_t n;
	int field;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');      /* the command name may hold spaces */
	if (!p)
		return -1;
	p++;
	for (field = 3; field < 14; field++) {  /* skip fields 3..13 */
		p = strchr(p + 1, ' ');
		if (!p)
			return -1;
	}
	if (sscanf(p, " %llu %llu %llu %llu", &t[0], &t[1], &t[2], &t[3]) != 4)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long long t[4] = { 0, 0, 0, 0 };
	double t0, t1, tick = (double)sysconf(_SC_CLK_TCK);
	siginfo_t si;
	int status = 0;
	pid_t pid;
	FILE *out;

	if (argc < 3) {
		fprintf(stderr, "usage: cpusplit OUTFILE COMMAND [ARGS...]\n");
		return 2;
	}
	t0 = now();
	pid = fork();
	if (pid < 0) {
		perror("cpusplit: fork");
		return 2;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		perror("cpusplit: exec");
		_exit(127);
	}
	memset(&si, 0, sizeof si);
	while (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) != 0)
		if (errno != EINTR) {
			perror("cpusplit: waitid");
			return 2;
		}
	t1 = now();
	if (read_times(pid, t) != 0)
		fprintf(stderr, "cpusplit: cannot read /proc/%d/stat\n", (int)pid);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	out = fopen(argv[1], "w");
	if (!out) {
		perror(argv[1]);
		return 2;
	}
	fprintf(out, "outer_seconds=%.6f self_cpu=%.2f children_cpu=%.2f\n",
	        t1 - t0, (double)(t[0] + t[1]) / tick, (double)(t[2] + t[3]) / tick);
	fclose(out);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
