/*
 * fe_exit: a target whose end the tests choose.  Allocates a little (so
 * the runtime has something to show), then:
 *   fe_exit CODE        exits with CODE
 *   fe_exit -s SIGNAL   kills itself with SIGNAL
 *   fe_exit -w SECONDS  sleeps first (then exits 0)
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *kept[64];

int main(int argc, char **argv)
{
	for (int i = 0; i < 64; i++)
		kept[i] = malloc(4096);
	printf("allocated\n");
	fflush(stdout);
	if (argc > 2 && !strcmp(argv[1], "-s")) {
		usleep(300000);
		raise(atoi(argv[2]));
		return 99;
	}
	if (argc > 2 && !strcmp(argv[1], "-w")) {
		sleep((unsigned)atoi(argv[2]));
		return 0;
	}
	return argc > 1 ? atoi(argv[1]) : 0;
}
