/*
 * Sampler (see sampler.h and share/doc/internals.md, "Sampling").  Called
 * from the sampled path inside malloc: no allocation, no locks; the only
 * globals are the ziggurat's tables, written once by ht_sampler_init and
 * read-only after.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "runtime/sampler.h"

void ht_rng_seed(struct ht_rng *rng, uint64_t seed)
{
	/* splitmix64 finaliser */
	uint64_t z = seed + UINT64_C(0x9e3779b97f4a7c15);

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	z ^= z >> 31;
	rng->s = z ? z : UINT64_C(0x2545f4914f6cdd1d);
}

uint64_t ht_rng_next(struct ht_rng *rng)
{
	uint64_t x = rng->s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng->s = x;
	return x * UINT64_C(0x2545f4914f6cdd1d);
}

double ht_rng_uniform(struct ht_rng *rng)
{
	/* 53 random bits, centred in their cell: never 0, never 1 */
	return ((double)(ht_rng_next(rng) >> 11) + 0.5) * 0x1.0p-53;
}

/* ln 2 in two parts (fdlibm's): e * LN2_HI is exact for |e| < 2^11 */
#define LN2_HI 6.93147180369123816490e-01
#define LN2_LO 1.90821492927058770002e-10

static inline double neglog(double u)
{
	uint64_t b;
	double f, s, s2, lf;
	int e;

	/* u = 2^e * f, f in [sqrt(1/2), sqrt(2)) (u is normal: u >= 2^-54) */
	memcpy(&b, &u, sizeof b);
	e = (int)(b >> 52) - 1023;
	b = (b & ((UINT64_C(1) << 52) - 1)) | (UINT64_C(1023) << 52);
	memcpy(&f, &b, sizeof f);
	if (f > 1.41421356237309504880) {
		f *= 0.5;
		e++;
	}
	/* ln f = 2 atanh(s) = 2 (s + s^3/3 + s^5/5 + ...), s = (f-1)/(f+1),
	 * |s| <= 0.1716: through s^19/19 the first term left out is under
	 * 2^-55 of the sum */
	s = (f - 1.0) / (f + 1.0);
	s2 = s * s;
	lf = 2.0 * s * (1.0 + s2 * (1.0 / 3 + s2 * (1.0 / 5 + s2 * (1.0 / 7 + s2 * (1.0 / 9 +
	     s2 * (1.0 / 11 + s2 * (1.0 / 13 + s2 * (1.0 / 15 + s2 * (1.0 / 17 +
	     s2 * (1.0 / 19))))))))));
	return -((double)e * LN2_HI + (lf + (double)e * LN2_LO));
}

double ht_sampler_neglog(double u)
{
	return neglog(u);
}

/*
 * The ziggurat for Exp(1).  Under f(x) = e^-x lie 256 layers of equal area
 * v.  Layer i >= 1 is the box [0, x[i]) x [f[i], f[i+1]) with f[i] =
 * e^-x[i]; the part x < x[i+1] lies under the curve, the rest (the wedge)
 * straddles it.  Layer 0 is the strip [0, r) x [0, e^-r) plus the tail
 * beyond r, whose area e^-r is a width 1 at that height: x[0] = r + 1,
 * x[1] = r.  A draw picks a layer and a uniform x in [0, x[i]); below
 * x[i+1] it is taken at once, otherwise the wedge's point is kept if a
 * uniform height in the layer falls under the curve, and a point past r in
 * layer 0 becomes r + Exp(1) (the tail is memoryless).
 *
 * ZIG_R is the r for which the layers close at the top: with v = (r + 1)
 * e^-r and f[i+1] = f[i] + v / x[i], the last box reaches height 1 (the
 * root of that equation, to 21 digits).  Rounding in the recurrence can
 * leave the top a few units in the last place short of 1; it is raised to
 * 1 then, so the boxes always cover the curve (a top above it only adds
 * rejections).
 */
#define ZIG_LAYERS 256
#define ZIG_R 7.69711747013104971404

/* What the common case reads, four layers to a cache line: a magnitude m
 * (53 bits) below k gives x = m * w < x[i+1], under the curve.  k is 0
 * until ht_sampler_init has built the layer, which sends every draw to
 * the slow path: the fast path needs no test of zig_ready. */
struct zig_fast {
	uint64_t k;
	double w;
};

static struct zig_fast zig[ZIG_LAYERS];
static double zig_x[ZIG_LAYERS + 1];
static double zig_f[ZIG_LAYERS + 1];
static int zig_ready, zig_busy;

/* The smallest m with m * w >= edge as the draw computes it (rounded):
 * exactly the magnitudes that leave the fast path. */
static uint64_t zig_threshold(double w, double edge)
{
	const uint64_t top = UINT64_C(1) << 53;
	uint64_t m = (uint64_t)(edge / w);

	if (m > top)
		m = top;
	while (m > 0 && (double)(m - 1) * w >= edge)
		m--;
	while (m < top && (double)m * w < edge)
		m++;
	return m;
}

static void zig_build(void)
{
	const double r = ZIG_R, v = (r + 1) * exp(-r);
	int i;

	zig_x[0] = r + 1;
	zig_f[0] = 0;
	zig_x[1] = r;
	zig_f[1] = exp(-r);
	for (i = 1; i < ZIG_LAYERS - 1; i++) {
		zig_f[i + 1] = zig_f[i] + v / zig_x[i];
		zig_x[i + 1] = -log(zig_f[i + 1]);
	}
	zig_x[ZIG_LAYERS] = 0;
	zig_f[ZIG_LAYERS] = fmax(zig_f[ZIG_LAYERS - 1] + v / zig_x[ZIG_LAYERS - 1], 1);
	for (i = 0; i < ZIG_LAYERS; i++) {
		double w = zig_x[i] * 0x1.0p-53;

		zig[i].w = w;
		/* published last: a draw that sees k sees w (acquire) */
		__atomic_store_n(&zig[i].k, zig_threshold(w, zig_x[i + 1]), __ATOMIC_RELEASE);
	}
}

void ht_sampler_init(void)
{
	/* the first caller builds; a concurrent one returns at once and its
	 * draws take the fallback until zig_ready is published */
	if (__atomic_load_n(&zig_ready, __ATOMIC_ACQUIRE) ||
	    __atomic_exchange_n(&zig_busy, 1, __ATOMIC_ACQUIRE))
		return;
	zig_build();
	__atomic_store_n(&zig_ready, 1, __ATOMIC_RELEASE);
}

int ht_sampler_layer(unsigned i, struct ht_sampler_layer *out)
{
	if (!__atomic_load_n(&zig_ready, __ATOMIC_ACQUIRE) || i >= ZIG_LAYERS)
		return -1;
	out->x = zig_x[i];
	out->x_fast = zig_x[i + 1];
	out->f_lo = zig_f[i];
	out->f_hi = zig_f[i + 1];
	out->k = zig[i].k;
	return 0;
}

/* Low bits are xorshift64*'s weakest: the layer from bits 3..10, the
 * magnitude m from the 53 above. */
#define ZIG_LAYER(u) ((unsigned)((u) >> 3) & (ZIG_LAYERS - 1))

/* The fast path's test; acquire pairs with zig_build's release (a plain
 * load on x86). */
static inline int zig_under(unsigned i, uint64_t m)
{
	return m < __atomic_load_n(&zig[i].k, __ATOMIC_ACQUIRE);
}

/*
 * Layer i's magnitude m left the fast path: decide exactly.  Returns the
 * variate, or -1 to draw again.  Before ht_sampler_init (every k is 0) the
 * draw is the old one, -ln of this same draw's uniform.  The height test
 * y < e^-x is done as -ln(y) > x: no libm on the draw path.
 */
static double zig_edge(struct ht_rng *rng, unsigned i, uint64_t m)
{
	double x, y;

	if (!__atomic_load_n(&zig_ready, __ATOMIC_ACQUIRE))
		return neglog(((double)(int64_t)m + 0.5) * 0x1.0p-53);
	x = (double)(int64_t)m * zig[i].w;
	if (x < zig_x[i + 1])
		return x;	/* a threshold rounded down: still under the curve */
	if (i == 0)
		return zig_x[1] + neglog(ht_rng_uniform(rng));
	y = zig_f[i] + ht_rng_uniform(rng) * (zig_f[i + 1] - zig_f[i]);
	return neglog(y) > x ? x : -1;
}

/* Out of line, so the fast path stays a straight line without a loop. */
static double __attribute__((noinline)) zig_slow(struct ht_rng *rng, uint64_t u)
{
	for (;;) {
		unsigned i = ZIG_LAYER(u);
		uint64_t m = u >> 11;
		double x;

		if (zig_under(i, m))
			return (double)(int64_t)m * zig[i].w;
		x = zig_edge(rng, i, m);
		if (x >= 0)
			return x;
		u = ht_rng_next(rng);
	}
}

static inline double zig_exp(struct ht_rng *rng)
{
	uint64_t u = ht_rng_next(rng), m = u >> 11;
	unsigned i = ZIG_LAYER(u);

	if (__builtin_expect(zig_under(i, m), 1))
		return (double)(int64_t)m * zig[i].w;
	return zig_slow(rng, u);
}

double ht_sampler_exp(struct ht_rng *rng)
{
	return zig_exp(rng);
}

uint64_t ht_sampler_interval(struct ht_rng *rng, uint64_t rate)
{
	double t;
	int64_t i;

	if (rate <= 1)
		return 1;
	t = zig_exp(rng) * (double)rate;
	if (!(t < 0x1.0p62))
		return UINT64_C(1) << 62;
	/* ceil without libm: t >= 0 */
	i = (int64_t)t;
	i += (double)i < t;
	return i < 1 ? 1 : (uint64_t)i;
}
