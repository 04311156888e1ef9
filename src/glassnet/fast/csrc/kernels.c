/* The element-wise loops of the training step: see kernels.h. */
#include "kernels.h"

#include <math.h>

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
                          const float *mean, const float *scale, float *out)                 \
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
                out[j] = ((float)row[j] - mean[j]) * scale[j];                               \
        }                                                                                    \
    }
GATHER_LOOP(gather_u8, uint8_t)
GATHER_LOOP(gather_f32, float)
GATHER_LOOP(gather_f64, double)

/* out[i] = (float32(X[idx[i]]) - mean) * scale for the n samples idx, X of kind kx. */
void gather_rows(enum kind kx, const void *X, const int64_t *idx, Py_ssize_t n, Py_ssize_t d,
                 const float *mean, const float *scale, float *out)
{
    if (kx == U8)
        gather_u8(X, idx, n, d, mean, scale, out);
    else if (kx == F32)
        gather_f32(X, idx, n, d, mean, scale, out);
    else
        gather_f64(X, idx, n, d, mean, scale, out);
}

/* The loops below work on n rows of k columns, rows ld floats apart (a block of columns of a
 * wider matrix when ld > k). */

/* z <- max(z + b, 0) */
SIMD static void bias_relu_simd(float *z, const float *b, Py_ssize_t n, Py_ssize_t k,
                                Py_ssize_t ld)
{
    for (Py_ssize_t i = 0; i < n; i++, z += ld)
        for (Py_ssize_t j = 0; j < k; j++) {
            float v = z[j] + b[j];
            z[j] = v < 0.0f ? 0.0f : v;  /* NaN stays NaN, as in np.maximum */
        }
}

/* z <- z + b */
SIMD static void bias_add_simd(float *z, const float *b, Py_ssize_t n, Py_ssize_t k,
                               Py_ssize_t ld)
{
    for (Py_ssize_t i = 0; i < n; i++, z += ld)
        for (Py_ssize_t j = 0; j < k; j++)
            z[j] += b[j];
}

/* d <- d * [h > 0], db <- column sums of d, and b <- b - db if update */
SIMD static void relu_backward_simd(float *d, const float *h, float *db, float *b, int update,
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

/* Softmax cross-entropy of the logits z (n, k) for the labels labels[idx[i]] (checked by the
 * caller): z <- scale * (softmax(z) - onehot(y)), db <- its column sums. Returns the sum of the
 * per-sample costs; *correct counts the rows whose largest logit is the label. Three passes, so
 * that the exponentials run as one vector loop over the whole batch. */
SIMD static double softmax_xent_simd(float *z, Py_ssize_t n, Py_ssize_t k,
                                     const int64_t *labels, const int64_t *idx, float scale,
                                     float *db, long *correct)
{
    double cost = 0.0;
    long right = 0;
    float *row = z;
    for (Py_ssize_t i = 0; i < n; i++, row += k) {  /* shift each row by its maximum */
        int64_t y = labels[idx[i]];
        Py_ssize_t best = 0;
        for (Py_ssize_t j = 1; j < k; j++)
            if (row[j] > row[best])
                best = j;
        right += best == y;
        float top = row[best];
        for (Py_ssize_t j = 0; j < k; j++)
            row[j] -= top;
        cost -= (double)row[y];
    }
    for (Py_ssize_t i = 0; i < n * k; i++)
        z[i] = exp_f32(z[i]);
    for (Py_ssize_t j = 0; j < k; j++)
        db[j] = 0.0f;
    row = z;
    for (Py_ssize_t i = 0; i < n; i++, row += k) {  /* normalise; subtract the label */
        float total = 0.0f;
        for (Py_ssize_t j = 0; j < k; j++)
            total += row[j];
        cost += (double)logf(total);
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

/* s: beta1, beta2, rest1, rest2, step, denom_scale, eps, decay, l2 (see adam in
 * kernel_calls.c) */
SIMD static void adam_simd(float *p, const float *g, float *m, float *v, Py_ssize_t n,
                           const float *s)
{
    const float beta1 = s[0], beta2 = s[1], rest1 = s[2], rest2 = s[3], step = s[4],
                denom_scale = s[5], eps = s[6], decay = s[7], l2 = s[8];
    for (Py_ssize_t i = 0; i < n; i++) {
        float gi = g[i] + l2 * p[i];
        float mi = beta1 * m[i] + rest1 * gi;
        float vi = beta2 * v[i] + rest2 * (gi * gi);
        m[i] = mi;
        v[i] = vi;
        p[i] = decay * p[i] - mi / (sqrtf(vi) * denom_scale + eps) * step;
    }
}

/* ---- what the other files call (see kernels.h) -------------------------------------------- */

void bias_relu_loop(float *z, const float *b, Py_ssize_t n, Py_ssize_t k, Py_ssize_t ld)
{
    bias_relu_simd(z, b, n, k, ld);
}

void bias_add_loop(float *z, const float *b, Py_ssize_t n, Py_ssize_t k, Py_ssize_t ld)
{
    bias_add_simd(z, b, n, k, ld);
}

void relu_backward_loop(float *d, const float *h, float *db, float *b, int update, Py_ssize_t n,
                        Py_ssize_t k, Py_ssize_t ld)
{
    relu_backward_simd(d, h, db, b, update, n, k, ld);
}

double softmax_xent_loop(float *z, Py_ssize_t n, Py_ssize_t k, const int64_t *labels,
                         const int64_t *idx, float scale, float *db, long *correct)
{
    return softmax_xent_simd(z, n, k, labels, idx, scale, db, correct);
}

void adam_loop(float *p, const float *g, float *m, float *v, Py_ssize_t n, const float *s)
{
    adam_simd(p, g, m, v, n, s);
}
