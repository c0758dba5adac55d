/*
 * The overhead budget's arithmetic (see budget.h): the next sampling
 * interval from one period's observations.
 */
#include "config.h"

#include "runtime/budget.h"

static uint64_t clamp(double r)
{
	if (!(r >= (double)HT_BUDGET_FLOOR))
		return HT_BUDGET_FLOOR;
	if (r >= (double)HT_BUDGET_CEIL)
		return HT_BUDGET_CEIL;
	return (uint64_t)r;
}

void ht_budget_next(const struct ht_budget_obs *o, struct ht_budget_next *out)
{
	double rate = (double)(o->rate ? o->rate : 1), per, cost, prog, ovh, next;

	out->rate = clamp(rate);
	out->overhead_ppm = 0;
	if (!o->budget_ppm || o->cpu_ns < HT_BUDGET_MIN_CPU_NS)
		return; /* nothing to go by: keep it */
	if (o->samples < HT_BUDGET_MIN_SAMPLES || !o->timed) {
		out->rate = clamp(rate / 2);
		return;
	}
	/* every sample of the period at the timed samples' mean cost */
	per = (double)o->cost_ns / (double)o->timed;
	cost = per * (double)o->samples;
	prog = (double)o->cpu_ns - cost;
	if (prog < (double)o->cpu_ns / 100)
		prog = (double)o->cpu_ns / 100; /* the clocks disagree: say 100x */
	ovh = cost / prog;
	next = rate * ovh * 1e6 / (double)o->budget_ppm;
	if (next < rate / 4)
		next = rate / 4;
	out->rate = clamp(next);
	out->overhead_ppm = (uint64_t)(ovh * rate / (double)out->rate * 1e6 + 0.5);
}

int ht_budget_parse(const char *s, uint64_t *ppm)
{
	uint64_t whole = 0, frac = 0, scale = 1000000;
	int digits = 0;

	for (; *s >= '0' && *s <= '9'; s++, digits++) {
		whole = whole * 10 + (uint64_t)(*s - '0');
		if (whole > 50)
			return -1;
	}
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++, digits++) {
			if (scale >= 10) {
				scale /= 10;
				frac += (uint64_t)(*s - '0') * scale;
			}
		}
	}
	/* PCT percent = PCT * 10^4 millionths */
	*ppm = whole * 10000 + frac / 100;
	if (*s || !digits || *ppm == 0 || *ppm > 500000)
		return -1;
	return 0;
}
