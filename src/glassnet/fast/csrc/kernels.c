/* The element-wise loops of the training step: see kernels.h. */
#include "kernels.h"

#include <math.h>
#include <string.h>
#if defined(__SSE2__)
#include <xmmintrin.h>
#endif

/* Plain C that GCC and Clang vectorise at -O3. On x86-64 Linux each loop is also compiled for
 * AVX2, and the loader picks that clone on CPUs that have it (target_clones): the baseline
 * x86-64 target has only 4-wide SSE (docs/performance.md: what 8-wide AVX2 gains). Without FMA
 * contraction (-ffp-contract=off), so the clones give identical results.
 *
 * The cloned loops are static, and the other files call a plain function of the same
 * arguments (the end of this file): GCC exports the resolver of a non-static target_clones
 * function from the extension, whatever its visibility. */
#if defined(__x86_64__) && defined(__linux__) && defined(__has_attribute)
#if __has_attribute(target_clones)
#define SIMD __attribute__((target_clones("avx2", "default")))
#endif
#endif
#ifndef SIMD
#define SIMD
#endif

/* The rows of a shuffled batch are scattered over the data set (the whole of MNIST is far
 * larger than any cache), so the loop asks for row i + AHEAD while it converts row i
 * (docs/performance.md: the gather). */
#define AHEAD 4
#if defined(__GNUC__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)(p))
#endif
#define GATHER_LOOP(NAME, T)                                                                 \
    SIMD static void NAME(const T *X, const int64_t *idx, Py_ssize_t n, Py_ssize_t d,        \
                          const real *mean, const real *scale, real *out)                 \
    {                                                                                        \
        const Py_ssize_t row_bytes = d * (Py_ssize_t)sizeof(T);                              \
        for (Py_ssize_t i = 0; i < n; i++, out += d) {                                       \
            if (i + AHEAD < n) {                                                             \
                const char *next = (const char *)(X + idx[i + AHEAD] * d);                   \
                for (Py_ssize_t c = 0; c < row_bytes; c += 64) /* one cache line each */     \
                    PREFETCH(next + c);                                                      \
            }                                                                                \
            const T *row = X + idx[i] * d;                                                   \
            for (Py_ssize_t j = 0; j < d; j++)                                               \
                out[j] = ((real)row[j] - mean[j]) * scale[j];                               \
        }                                                                                    \
    }
GATHER_LOOP(gather_u8, uint8_t)
GATHER_LOOP(gather_f32, float)
GATHER_LOOP(gather_f64, double)

/* out[i] = (real(X[idx[i]]) - mean) * scale for the n samples idx, X of kind kx. */
void TYPED(gather_rows)(enum kind kx, const void *X, const int64_t *idx, Py_ssize_t n, Py_ssize_t d,
                        const real *mean, const real *scale, real *out)
{
    if (kx == U8)
        gather_u8(X, idx, n, d, mean, scale, out);
    else if (kx == F32)
        gather_f32(X, idx, n, d, mean, scale, out);
    else
        gather_f64(X, idx, n, d, mean, scale, out);
}

/* flags[j] = 1 where column j of the n rows of x (d columns) holds anything but 0 (NaN too),
 * else 0. */
SIMD static void nonzero_simd(const real *x, Py_ssize_t n, Py_ssize_t d, unsigned char *flags)
{
    for (Py_ssize_t j = 0; j < d; j++)
        flags[j] = 0;
    for (Py_ssize_t i = 0; i < n; i++, x += d)
        for (Py_ssize_t j = 0; j < d; j++)
            flags[j] |= x[j] != 0.0f;
}

void TYPED(nonzero_columns)(const real *x, Py_ssize_t n, Py_ssize_t d, unsigned char *flags)
{
    nonzero_simd(x, n, d, flags);
}

/* Columns by runs: runs holds n_runs pairs (first column, length), in order. A run is short
 * (on MNIST, the part of a row of the image that some digit of the batch touches: ~18 pixels),
 * so it is copied in whole vectors of 32 bytes, the last one overlapping the one before, rather
 * than by a loop that the compiler would vectorise behind checks of the length and alignment. */
#define RUN_VECTOR ((Py_ssize_t)(32 / sizeof(real)))
static inline void copy_run(real *restrict out, const real *restrict in, Py_ssize_t len)
{
    if (len < RUN_VECTOR) {
        for (Py_ssize_t j = 0; j < len; j++)
            out[j] = in[j];
        return;
    }
    Py_ssize_t j = 0;
    for (; j + RUN_VECTOR <= len; j += RUN_VECTOR)
        memcpy(out + j, in + j, 32);
    if (j < len)
        memcpy(out + len - RUN_VECTOR, in + len - RUN_VECTOR, 32);
}

/* Row i of dst (rows ld_dst apart) <- the runs' columns of row i of src, side by side. */
SIMD static void take_runs_simd(const real *src, Py_ssize_t ld_src, real *dst, Py_ssize_t ld_dst,
                                Py_ssize_t rows, const Py_ssize_t *runs, Py_ssize_t n_runs)
{
    for (Py_ssize_t i = 0; i < rows; i++, src += ld_src, dst += ld_dst) {
        real *out = dst;
        for (Py_ssize_t r = 0; r < n_runs; r++) {
            copy_run(out, src + runs[2 * r], runs[2 * r + 1]);
            out += runs[2 * r + 1];
        }
    }
}

/* The inverse: the runs' columns of row i of dst <- row i of src; with zero_gaps, the columns
 * between the runs <- 0 (the rest of dst is left as it is otherwise). */
SIMD static void put_runs_simd(const real *src, Py_ssize_t ld_src, real *dst, Py_ssize_t ld_dst,
                               Py_ssize_t d, Py_ssize_t rows, const Py_ssize_t *runs,
                               Py_ssize_t n_runs, int zero_gaps)
{
    for (Py_ssize_t i = 0; i < rows; i++, src += ld_src, dst += ld_dst) {
        const real *in = src;
        Py_ssize_t at = 0;  /* the first column after the last run put */
        for (Py_ssize_t r = 0; r < n_runs; r++) {
            if (zero_gaps && runs[2 * r] > at)
                memset(dst + at, 0, (size_t)(runs[2 * r] - at) * sizeof(real));
            copy_run(dst + runs[2 * r], in, runs[2 * r + 1]);
            in += runs[2 * r + 1];
            at = runs[2 * r] + runs[2 * r + 1];
        }
        if (zero_gaps && d > at)
            memset(dst + at, 0, (size_t)(d - at) * sizeof(real));
    }
}

void TYPED(take_runs)(const real *src, Py_ssize_t ld_src, real *dst, Py_ssize_t ld_dst,
                      Py_ssize_t rows, const Py_ssize_t *runs, Py_ssize_t n_runs)
{
    take_runs_simd(src, ld_src, dst, ld_dst, rows, runs, n_runs);
}

void TYPED(put_runs)(const real *src, Py_ssize_t ld_src, real *dst, Py_ssize_t ld_dst,
                     Py_ssize_t d, Py_ssize_t rows, const Py_ssize_t *runs, Py_ssize_t n_runs,
                     int zero_gaps)
{
    put_runs_simd(src, ld_src, dst, ld_dst, d, rows, runs, n_runs, zero_gaps);
}

/* The loops below work on n rows of k columns, rows ld floats apart (a block of columns of a
 * wider matrix when ld > k). */

/* z <- max(z + b, 0) */
SIMD static void bias_relu_simd(real *z, const real *b, Py_ssize_t n, Py_ssize_t k,
                                Py_ssize_t ld)
{
    for (Py_ssize_t i = 0; i < n; i++, z += ld)
        for (Py_ssize_t j = 0; j < k; j++) {
            real v = z[j] + b[j];
            z[j] = v < 0.0f ? 0.0f : v;  /* NaN stays NaN, as in np.maximum */
        }
}

/* z <- z + b */
SIMD static void bias_add_simd(real *z, const real *b, Py_ssize_t n, Py_ssize_t k,
                               Py_ssize_t ld)
{
    for (Py_ssize_t i = 0; i < n; i++, z += ld)
        for (Py_ssize_t j = 0; j < k; j++)
            z[j] += b[j];
}

/* d <- d * [h > 0], db <- column sums of d, and b <- b - db if update */
SIMD static void relu_backward_simd(real *d, const real *h, real *db, real *b, int update,
                                    Py_ssize_t n, Py_ssize_t k, Py_ssize_t ld)
{
    for (Py_ssize_t j = 0; j < k; j++)
        db[j] = 0.0f;
    for (Py_ssize_t i = 0; i < n; i++, d += ld, h += ld)
        for (Py_ssize_t j = 0; j < k; j++) {
            d[j] = h[j] > 0.0f ? d[j] : 0.0f;
            db[j] += d[j];
        }
    if (update)
        for (Py_ssize_t j = 0; j < k; j++)
            b[j] -= db[j];
}

#ifdef REAL_F64
/* float64: libm's e^x and tanh, as NumPy's (the float32 versions below are good to ~1e-7) */
#define exp_real exp
#define tanh_real tanh
#else
/* e^x for float32, written so that a loop of it vectorises (libm's expf is a call per element;
 * docs/performance.md: the softmax). Cephes' method: x = m ln2 + r
 * with |r| <= ln2/2 (ln2 split in two for an exact reduction), e^r by a degree-6 polynomial, 2^m
 * put into the exponent bits. m is rounded by adding and subtracting 1.5 * 2^23, which leaves
 * it in the low bits of the sum. Relative error < 2e-7 (tests compare it with NumPy's exp);
 * inputs below -87.3 give ~1e-38 instead of an underflow to 0 or a subnormal, which no softmax
 * sum notices, and NaN stays NaN. */
static inline float exp_f32(float x)
{
    const float lo = -87.3f, hi = 88.3f, round = 12582912.0f;  /* 1.5 * 2^23 */
    x = x < lo ? lo : x;
    x = x > hi ? hi : x;
    union { float f; uint32_t u; } t = {.f = x * 1.44269504088896341f + round}, two_m;
    float m = t.f - round;
    float r = x - m * 0.693359375f;
    r = r - m * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * (r * r) + r + 1.0f;
    two_m.u = (t.u - 0x4B400000u + 127u) << 23;  /* 2^m: m + 127 in the exponent field */
    return p * two_m.f;
}
#define exp_real exp_f32

/* tanh(v) = sign(v) (1 - e) / (1 + e) with e = e^(-2|v|) (absolute error ~1e-7 near 0, where
 * NumPy's tanh is exact) */
static inline float tanh_f32(float v)
{
    float e = exp_f32(v < 0.0f ? 2.0f * v : -2.0f * v);
    float t = (1.0f - e) / (1.0f + e);
    return v < 0.0f ? -t : t;
}
#define tanh_real tanh_f32
#endif

/* Softmax cross-entropy of the logits z (n, k) for the labels labels[idx[i]] (checked by the
 * caller): z <- scale * (softmax(z) - onehot(y)), db <- its column sums. Returns the sum of the
 * per-sample costs; *correct counts the rows whose largest logit is the label. Three passes, so
 * that the exponentials run as one vector loop over the whole batch. */
SIMD static double softmax_xent_simd(real *z, Py_ssize_t n, Py_ssize_t k,
                                     const int64_t *labels, const int64_t *idx, real scale,
                                     real *db, long *correct)
{
    double cost = 0.0;
    long right = 0;
    real *row = z;
    for (Py_ssize_t i = 0; i < n; i++, row += k) {  /* shift each row by its maximum */
        int64_t y = labels[idx[i]];
        Py_ssize_t best = 0;
        for (Py_ssize_t j = 1; j < k; j++)
            if (row[j] > row[best])
                best = j;
        right += best == y;
        real top = row[best];
        for (Py_ssize_t j = 0; j < k; j++)
            row[j] -= top;
        cost -= (double)row[y];
    }
    for (Py_ssize_t i = 0; i < n * k; i++)
        z[i] = exp_real(z[i]);
    for (Py_ssize_t j = 0; j < k; j++)
        db[j] = 0.0f;
    row = z;
    for (Py_ssize_t i = 0; i < n; i++, row += k) {  /* normalise; subtract the label */
        real total = 0.0f;
        for (Py_ssize_t j = 0; j < k; j++)
            total += row[j];
        cost += (double)LOG(total);
        for (Py_ssize_t j = 0; j < k; j++)
            row[j] = row[j] / total;
        row[labels[idx[i]]] -= 1.0f;
        for (Py_ssize_t j = 0; j < k; j++) {
            row[j] = row[j] * scale;
            db[j] += row[j];
        }
    }
    *correct = right;
    return cost;
}

/* z <- f(z + b) for the activations other than ReLU (enum act). sigmoid: split by sign so
 * that e^(-|v|) never overflows, as glassnet.nn's Sigmoid. */
SIMD static void bias_act_simd(real *z, const real *b, Py_ssize_t n, Py_ssize_t k,
                               Py_ssize_t ld, int act, real alpha)
{
    for (Py_ssize_t i = 0; i < n; i++, z += ld) {
        if (act == ACT_LEAKY) {
            for (Py_ssize_t j = 0; j < k; j++) {
                real v = z[j] + b[j];
                z[j] = v > 0.0f ? v : v * alpha;
            }
        } else if (act == ACT_SIGMOID) {
            for (Py_ssize_t j = 0; j < k; j++) {
                real v = z[j] + b[j], e = exp_real(v < 0.0f ? v : -v);
                z[j] = v >= 0.0f ? 1.0f / (1.0f + e) : e / (1.0f + e);
            }
        } else if (act == ACT_TANH) {
            for (Py_ssize_t j = 0; j < k; j++) {
                z[j] = tanh_real(z[j] + b[j]);
            }
        } else {
            for (Py_ssize_t j = 0; j < k; j++)
                z[j] += b[j];
        }
    }
}

/* f'(z) from the output h = f(z), for d * f' as glassnet.nn's activations multiply it. */
static inline real slope(real h, real d, int act, real alpha)
{
    if (act == ACT_RELU)
        return h > 0.0f ? d : 0.0f;
    if (act == ACT_LEAKY)
        return h > 0.0f ? d : d * alpha;
    if (act == ACT_SIGMOID)
        return d * (h * (1.0f - h));
    if (act == ACT_TANH)
        return d * (1.0f - h * h);
    return d;
}

/* d <- d * f'(h), db <- column sums of d, and b <- b - db if update */
SIMD static void act_backward_simd(real *d, const real *h, real *db, real *b, int update,
                                   Py_ssize_t n, Py_ssize_t k, Py_ssize_t ld, int act,
                                   real alpha)
{
    for (Py_ssize_t j = 0; j < k; j++)
        db[j] = 0.0f;
    for (Py_ssize_t i = 0; i < n; i++, d += ld, h += ld)
        for (Py_ssize_t j = 0; j < k; j++) {
            d[j] = slope(h[j], d[j], act, alpha);
            db[j] += d[j];
        }
    if (update)
        for (Py_ssize_t j = 0; j < k; j++)
            b[j] -= db[j];
}

/* Counts the rows whose output y (n, k) names the label: argmax, or y > 0.5 for one output. */
static long count_right(const real *y, Py_ssize_t n, Py_ssize_t k, const int64_t *labels,
                        const int64_t *idx)
{
    long right = 0;
    for (Py_ssize_t i = 0; labels != NULL && i < n; i++, y += k) {
        Py_ssize_t best = 0;
        for (Py_ssize_t j = 1; j < k; j++)
            if (y[j] > y[best])
                best = j;
        right += (k == 1 ? (int64_t)(y[0] > 0.5f) : (int64_t)best) == labels[idx[i]];
    }
    return right;
}

/* Binary cross-entropy on a final sigmoid, on its logits z (n, k), targets (rows, k):
 * cost max(z, 0) - z t + log(1 + e^-|z|); z <- scale * (sigmoid(z) - t), db <- column sums. */
double TYPED(sigmoid_bce_loop)(real *z, Py_ssize_t n, Py_ssize_t k, const real *targets,
                               const int64_t *labels, const int64_t *idx, real scale, real *db,
                               long *correct)
{
    double cost = 0.0;
    for (Py_ssize_t j = 0; j < k; j++)
        db[j] = 0.0f;
    for (Py_ssize_t i = 0; i < n; i++) {
        real *row = z + i * k;
        const real *t = targets + idx[i] * k;
        for (Py_ssize_t j = 0; j < k; j++) {
            real v = row[j], e = EXP(v < 0.0f ? v : -v);
            cost += (double)((v > 0.0f ? v : 0.0f) - v * t[j]) + (double)LOG1P(e);
            row[j] = v >= 0.0f ? 1.0f / (1.0f + e) : e / (1.0f + e);  /* the sigmoid, for now */
        }
    }
    *correct = count_right(z, n, k, labels, idx);
    for (Py_ssize_t i = 0; i < n; i++) {
        real *row = z + i * k;
        const real *t = targets + idx[i] * k;
        for (Py_ssize_t j = 0; j < k; j++) {
            row[j] = (row[j] - t[j]) * scale;
            db[j] += row[j];
        }
    }
    return cost;
}

/* The squared-error family on the output y = f(z) (n, k), targets (rows, k): cost
 * factor * sum (y - t)^2; y <- scale * 2 factor (y - t) f'(y) (the gradient on z), db <- its
 * column sums. factor: 1 squared_error, 1/2 half_squared_error, 1/k mse. */
double TYPED(squared_loop)(real *y, Py_ssize_t n, Py_ssize_t k, const real *targets,
                           const int64_t *labels, const int64_t *idx, real scale, real factor,
                           int act, real alpha, real *db, long *correct)
{
    double cost = 0.0;
    const real c = 2.0f * factor * scale;
    *correct = count_right(y, n, k, labels, idx);
    for (Py_ssize_t j = 0; j < k; j++)
        db[j] = 0.0f;
    for (Py_ssize_t i = 0; i < n; i++) {
        real *row = y + i * k;
        const real *t = targets + idx[i] * k;
        double sum = 0.0;
        for (Py_ssize_t j = 0; j < k; j++) {
            real d = row[j] - t[j];
            sum += (double)(d * d);
            row[j] = slope(row[j], c * d, act, alpha);
            db[j] += row[j];
        }
        cost += factor * sum;
    }
    return cost;
}

/* s: lr, momentum, weight_decay, nesterov (0 or 1): SGD with momentum as glassnet.nn's SGD:
 * g <- g + wd p; v <- mu v + g; p <- p - lr (g + mu v if nesterov else v) */
SIMD static void sgd_simd(real *p, const real *g, real *v, Py_ssize_t n, const real *s)
{
    const real lr = s[0], mu = s[1], wd = s[2];
    const int nesterov = s[3] != 0.0f;
    for (Py_ssize_t i = 0; i < n; i++) {
        real gi = wd != 0.0f ? g[i] + wd * p[i] : g[i];
        real vi = v[i] * mu + gi;
        v[i] = vi;
        p[i] -= lr * (nesterov ? gi + mu * vi : vi);
    }
}

/* s: beta1, beta2, rest1, rest2, step, denom_scale, eps, decay, l2 (see adam in
 * kernel_calls.c) */
SIMD static void adam_simd(real *p, const real *g, real *m, real *v, Py_ssize_t n,
                           const real *s)
{
    const real beta1 = s[0], beta2 = s[1], rest1 = s[2], rest2 = s[3], step = s[4],
                denom_scale = s[5], eps = s[6], decay = s[7], l2 = s[8];
    for (Py_ssize_t i = 0; i < n; i++) {
        real gi = g[i] + l2 * p[i];
        real mi = beta1 * m[i] + rest1 * gi;
        real vi = beta2 * v[i] + rest2 * (gi * gi);
        m[i] = mi;
        v[i] = vi;
        p[i] = decay * p[i] - mi / (SQRT(vi) * denom_scale + eps) * step;
    }
}

/* ---- what the other files call (see kernels.h) -------------------------------------------- */

/* An optimizer's state decays geometrically where a weight's gradient stays zero (a pixel that
 * is blank in every sample of a batch, a ReLU unit that is off): m by beta1 = 0.9 a step, a
 * momentum velocity by mu. After some 800 steps it falls below the smallest normal float
 * (1.2e-38) and lingers for another ~150 as a subnormal, and x86 cores take a slow microcode
 * path for every vector that holds one: a quarter more time for the whole Adam loop with 0.3 %
 * of m subnormal, and a trained MNIST network's m holds 1-2 % (docs/performance.md). So the
 * update loops run with flush-to-zero and denormals-are-zero, and put the caller's flags back
 * after: a subnormal moment becomes 0, whose share of the update, under 1e-30, is far below
 * any weight's last bit. Elsewhere the flags are left alone. */
#if defined(__SSE2__)
#define FTZ_DAZ 0x8040u /* MXCSR: flush to zero (bit 15), denormals are zero (bit 6) */
static unsigned flush_subnormals(void)
{
    unsigned saved = _mm_getcsr();
    _mm_setcsr(saved | FTZ_DAZ);
    return saved;
}

static void restore_flags(unsigned saved) { _mm_setcsr(saved); }
#else
static unsigned flush_subnormals(void) { return 0; }

static void restore_flags(unsigned saved) { (void)saved; }
#endif

void TYPED(bias_relu_loop)(real *z, const real *b, Py_ssize_t n, Py_ssize_t k, Py_ssize_t ld)
{
    bias_relu_simd(z, b, n, k, ld);
}

void TYPED(bias_add_loop)(real *z, const real *b, Py_ssize_t n, Py_ssize_t k, Py_ssize_t ld)
{
    bias_add_simd(z, b, n, k, ld);
}

void TYPED(relu_backward_loop)(real *d, const real *h, real *db, real *b, int update, Py_ssize_t n,
                               Py_ssize_t k, Py_ssize_t ld)
{
    relu_backward_simd(d, h, db, b, update, n, k, ld);
}

double TYPED(softmax_xent_loop)(real *z, Py_ssize_t n, Py_ssize_t k, const int64_t *labels,
                                const int64_t *idx, real scale, real *db, long *correct)
{
    return softmax_xent_simd(z, n, k, labels, idx, scale, db, correct);
}

void TYPED(bias_act_loop)(real *z, const real *b, Py_ssize_t n, Py_ssize_t k, Py_ssize_t ld,
                          int act, real alpha)
{
    if (act == ACT_RELU)
        bias_relu_simd(z, b, n, k, ld);
    else
        bias_act_simd(z, b, n, k, ld, act, alpha);
}

void TYPED(act_backward_loop)(real *d, const real *h, real *db, real *b, int update, Py_ssize_t n,
                              Py_ssize_t k, Py_ssize_t ld, int act, real alpha)
{
    if (act == ACT_RELU)
        relu_backward_simd(d, h, db, b, update, n, k, ld);
    else
        act_backward_simd(d, h, db, b, update, n, k, ld, act, alpha);
}

void TYPED(sgd_loop)(real *p, const real *g, real *v, Py_ssize_t n, const real *s)
{
    unsigned saved = flush_subnormals();
    sgd_simd(p, g, v, n, s);
    restore_flags(saved);
}

void TYPED(adam_loop)(real *p, const real *g, real *m, real *v, Py_ssize_t n, const real *s)
{
    unsigned saved = flush_subnormals();
    adam_simd(p, g, m, v, n, s);
    restore_flags(saved);
}
