/*
 * What the trend_* targets share: a monotonic clock in seconds, a stop
 * flag set by SIGTERM/SIGINT, and the 10 ms tick they pace themselves by.
 */
#ifndef TREND_RUN_H
#define TREND_RUN_H

#include <signal.h>
#include <time.h>

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Stop on SIGTERM and SIGINT. */
static void trend_signals(void)
{
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
}

/* True while the run started at `start` should go on (secs <= 0: until
 * a signal). */
static int trend_running(double start, double secs)
{
	return !stop && (secs <= 0 || now() - start < secs);
}

/* One 10 ms tick. */
static void trend_tick(void)
{
	struct timespec tick = { 0, 10000000L };

	nanosleep(&tick, NULL);
}

#endif /* TREND_RUN_H */
