/*
 * idle_thread.c: a preload that starts one thread which sleeps for the
 * process's life, and does nothing else: the reference for what a
 * profiler's control thread alone costs a program (glibc's malloc and
 * mutexes take their multi-threaded paths once a second thread exists).
 * Like heaptop's runtime, it keeps the thread's TLS vector out of the
 * program's heap (a static buffer serves the calloc pthread_create makes),
 * so the program's heap layout is the same as without it.  For
 * bench/realprog.sh.
 */
#include <pthread.h>
#include <stddef.h>
#include <unistd.h>

extern void *__libc_calloc(size_t, size_t);

static _Alignas(64) char buf[16384];
static size_t used;
static pthread_t creating; /* the thread inside pthread_create, or 0 */

void *calloc(size_t n, size_t m)
{
	size_t sz = n * m;

	if (creating && pthread_equal(creating, pthread_self()) && sz <= sizeof buf - used &&
	    (!n || sz / n == m)) {
		void *p = buf + used;

		used += (sz + 63) & ~(size_t)63;
		return p; /* static storage: already zero, never freed */
	}
	return __libc_calloc(n, m);
}

static void *idle(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

__attribute__((constructor)) static void start(void)
{
	pthread_attr_t attr;
	pthread_t t;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	creating = pthread_self();
	pthread_create(&t, &attr, idle, NULL);
	creating = 0;
	pthread_attr_destroy(&attr);
}
