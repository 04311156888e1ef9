/* glassnet's compiled training step (imported only by fastpath.py): element-wise kernels, and
 * `step`, which runs a whole training step (GEMMs included) in one call.
 *
 * Each kernel fuses work that NumPy does in several passes and calls: gather + convert +
 * standardise a batch, bias + ReLU, softmax + cross-entropy + its gradient + the bias gradient,
 * ReLU' mask + bias gradient (+ the bias update), and the whole Adam update. They compute what
 * the layer-by-layer NumPy code computes, in float32 and in the same order of operations where
 * it matters; tests/test_fastpath.py compares the two paths.
 *
 * Arrays arrive through the buffer protocol and are checked here (dtype, C order, shape,
 * writability, index ranges), so a wrong call raises a Python exception instead of touching
 * memory it should not. The GIL is released while a kernel runs.
 *
 * Built as an optional extension (setup.py): without a C compiler glassnet installs and trains
 * on the NumPy path. Compiled with -O3 and no fast-math: IEEE float arithmetic, as NumPy's.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

/* ---- arrays from the buffer protocol ------------------------------------------------------ */

enum kind { F32, F64, U8, I64 };
static const char *const KIND_NAME[] = {"float32", "float64", "uint8", "int64"};

static int has_kind(const Py_buffer *v, enum kind k)
{
    const char *f = v->format ? v->format : "B";
    if (*f == '@' || *f == '=' || *f == (PY_LITTLE_ENDIAN ? '<' : '>'))  /* native order */
        f++;
    switch (k) {
    case F32: return v->itemsize == 4 && strcmp(f, "f") == 0;
    case F64: return v->itemsize == 8 && strcmp(f, "d") == 0;
    case U8: return v->itemsize == 1 && strcmp(f, "B") == 0;
    case I64: return v->itemsize == 8 && (strcmp(f, "l") == 0 || strcmp(f, "q") == 0);
    }
    return 0;
}

/* Up to 8 arrays per call, released together. */
typedef struct {
    Py_buffer v[8];
    int n;
} Arrays;

static void release(Arrays *a)
{
    while (a->n > 0)
        PyBuffer_Release(&a->v[--a->n]);
}

/* The next array: C-contiguous, with ndim dimensions; writable if asked. */
static Py_buffer *take_any(Arrays *a, PyObject *obj, const char *name, const char *kinds,
                           int ndim, int writable)
{
    Py_buffer *v = &a->v[a->n];
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, v, flags) < 0) {
        PyErr_Format(PyExc_TypeError, "%s must be a C-contiguous%s %s array", name,
                     writable ? " writable" : "", kinds);
        return NULL;
    }
    a->n++;
    if (v->ndim != ndim) {
        PyErr_Format(PyExc_ValueError, "%s must have %d dimensions, not %d", name, ndim,
                     v->ndim);
        return NULL;
    }
    return v;
}

/* The next array, of kind k. */
static Py_buffer *take(Arrays *a, PyObject *obj, const char *name, enum kind k, int ndim,
                       int writable)
{
    Py_buffer *v = take_any(a, obj, name, KIND_NAME[k], ndim, writable);
    if (v && !has_kind(v, k)) {
        PyErr_Format(PyExc_TypeError, "%s must be an array of %s", name, KIND_NAME[k]);
        return NULL;
    }
    return v;
}

#define ROWS(v) ((v)->shape[0])
#define COLS(v) ((v)->shape[1])

/* Whether v has n entries (rows, if 2D); check_shape: and `cols` columns. */
static int check_length(const Py_buffer *v, Py_ssize_t n, const char *name)
{
    if (v->shape[0] != n) {
        PyErr_Format(PyExc_ValueError, "%s has %zd entries where %zd are needed", name,
                     v->shape[0], n);
        return -1;
    }
    return 0;
}

static int check_shape(const Py_buffer *v, Py_ssize_t n, Py_ssize_t cols, const char *name)
{
    if (check_length(v, n, name) < 0)
        return -1;
    if (COLS(v) != cols) {
        PyErr_Format(PyExc_ValueError, "%s has %zd columns where %zd are needed", name,
                     COLS(v), cols);
        return -1;
    }
    return 0;
}

/* The kind of a data array the gather reads (uint8, float32 or float64); -1 (with TypeError)
 * for any other. */
static int gathered_kind(const Py_buffer *X)
{
    static const enum kind gathered[] = {U8, F32, F64};
    for (int i = 0; i < 3; i++)
        if (has_kind(X, gathered[i]))
            return gathered[i];
    PyErr_SetString(PyExc_TypeError, "X must be a uint8, float32 or float64 array");
    return -1;
}

/* 0 if every one of the n sample indices is in [0, rows); -1 (with IndexError) otherwise. */
static int check_indices(const int64_t *idx, Py_ssize_t n, Py_ssize_t rows)
{
    for (Py_ssize_t i = 0; i < n; i++)
        if (idx[i] < 0 || idx[i] >= rows) {
            PyErr_Format(PyExc_IndexError, "sample index %lld is out of range for %zd rows",
                         (long long)idx[i], rows);
            return -1;
        }
    return 0;
}

static int float_arg(PyObject *obj, float *out)
{
    double d = PyFloat_AsDouble(obj);
    if (d == -1.0 && PyErr_Occurred())
        return -1;
    *out = (float)d;
    return 0;
}

static int check_nargs(Py_ssize_t nargs, Py_ssize_t expected, const char *fn)
{
    if (nargs != expected) {
        PyErr_Format(PyExc_TypeError, "%s() takes %zd arguments (%zd given)", fn, expected, nargs);
        return -1;
    }
    return 0;
}

/* ---- the loops ----------------------------------------------------------------------------
 * Plain C that GCC and Clang vectorise at -O3. On x86-64 Linux each loop is also compiled for
 * AVX2, and the loader picks that clone on CPUs that have it (target_clones): the baseline
 * x86-64 target has only 4-wide SSE, which made the Adam update twice as slow as 8-wide AVX2.
 * Without FMA contraction (-ffp-contract=off), so the clones give identical results. */
#if defined(__x86_64__) && defined(__linux__) && defined(__has_attribute)
#if __has_attribute(target_clones)
#define SIMD __attribute__((target_clones("avx2", "default")))
#endif
#endif
#ifndef SIMD
#define SIMD
#endif

/* The rows of a shuffled batch are scattered over the data set (47 MB for MNIST), so the loop
 * asks for row i + AHEAD while it converts row i: an epoch of batch-128 gathers took 22 us per
 * batch instead of 49, and a training step 2-4 % less time (interleaved A/B). */
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
static void gather_rows(enum kind kx, const void *X, const int64_t *idx, Py_ssize_t n,
                        Py_ssize_t d, const float *mean, const float *scale, float *out)
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
SIMD static void bias_relu_loop(float *z, const float *b, Py_ssize_t n, Py_ssize_t k,
                                Py_ssize_t ld)
{
    for (Py_ssize_t i = 0; i < n; i++, z += ld)
        for (Py_ssize_t j = 0; j < k; j++) {
            float v = z[j] + b[j];
            z[j] = v < 0.0f ? 0.0f : v;  /* NaN stays NaN, as in np.maximum */
        }
}

SIMD static void bias_add_loop(float *z, const float *b, Py_ssize_t n, Py_ssize_t k,
                               Py_ssize_t ld)
{
    for (Py_ssize_t i = 0; i < n; i++, z += ld)
        for (Py_ssize_t j = 0; j < k; j++)
            z[j] += b[j];
}

SIMD static void relu_backward_loop(float *d, const float *h, float *db, float *b, int update,
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

/* e^x for float32, written so that a loop of it vectorises (libm's expf is a call per element,
 * and made the softmax of a batch-128 MNIST step take 10-20 us). Cephes' method: x = m ln2 + r
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
SIMD static double softmax_xent_loop(float *z, Py_ssize_t n, Py_ssize_t k,
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

/* s: beta1, beta2, rest1, rest2, step, denom_scale, eps, decay, l2 (see adam below) */
SIMD static void adam_loop(float *p, const float *g, float *m, float *v, Py_ssize_t n,
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

/* ---- gather: out[i] = (float32(X[idx[i]]) - mean) * scale --------------------------------- */

static PyObject *gather(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    Arrays a = {.n = 0};
    Py_buffer *X, *I, *M, *S, *O;
    if (check_nargs(nargs, 5, "gather") < 0)
        return NULL;
    if (!(X = take_any(&a, args[0], "X", "uint8, float32 or float64", 2, 0)))
        goto fail;
    int kx = gathered_kind(X);
    if (kx < 0)
        goto fail;
    if (!(I = take(&a, args[1], "idx", I64, 1, 0)) ||
        !(M = take(&a, args[2], "mean", F32, 1, 0)) ||
        !(S = take(&a, args[3], "scale", F32, 1, 0)) ||
        !(O = take(&a, args[4], "out", F32, 2, 1)))
        goto fail;
    Py_ssize_t n = ROWS(I), d = COLS(X), rows = ROWS(X);
    if (check_length(M, d, "mean") < 0 || check_length(S, d, "scale") < 0 ||
        check_shape(O, n, d, "out") < 0)
        goto fail;
    const int64_t *idx = I->buf;
    if (check_indices(idx, n, rows) < 0)
        goto fail;
    Py_BEGIN_ALLOW_THREADS
    gather_rows(kx, X->buf, idx, n, d, M->buf, S->buf, O->buf);
    Py_END_ALLOW_THREADS
    release(&a);
    Py_RETURN_NONE;
fail:
    release(&a);
    return NULL;
}

/* ---- bias_relu / bias_add: Z <- max(Z + b, 0) or Z + b, in place -------------------------- */

static PyObject *bias(PyObject *const *args, Py_ssize_t nargs, const char *fn, int relu)
{
    Arrays a = {.n = 0};
    Py_buffer *Z, *B;
    if (check_nargs(nargs, 2, fn) < 0)
        return NULL;
    if (!(Z = take(&a, args[0], "Z", F32, 2, 1)) || !(B = take(&a, args[1], "b", F32, 1, 0)) ||
        check_length(B, COLS(Z), "b") < 0) {
        release(&a);
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    (relu ? bias_relu_loop : bias_add_loop)(Z->buf, B->buf, ROWS(Z), COLS(Z), COLS(Z));
    Py_END_ALLOW_THREADS
    release(&a);
    Py_RETURN_NONE;
}

static PyObject *bias_relu(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    return bias(args, nargs, "bias_relu", 1);
}

static PyObject *bias_add(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    return bias(args, nargs, "bias_add", 0);
}

/* ---- softmax_xent ------------------------------------------------------------------------- */

/* softmax_xent(Z, labels, idx, scale, db) -> (sum of per-sample costs, correct argmaxes)
 * Softmax cross-entropy on the logits Z (n, K) for the labels labels[idx]. Z is overwritten
 * with scale * (softmax(Z) - onehot(y)) (the gradient: scale = 1/n, or lr/n for plain SGD), db
 * with its column sums. */
static PyObject *softmax_xent(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    Arrays a = {.n = 0};
    Py_buffer *Z, *L, *I, *DB;
    float scale;
    if (check_nargs(nargs, 5, "softmax_xent") < 0)
        return NULL;
    if (!(Z = take(&a, args[0], "Z", F32, 2, 1)) ||
        !(L = take(&a, args[1], "labels", I64, 1, 0)) ||
        !(I = take(&a, args[2], "idx", I64, 1, 0)) || float_arg(args[3], &scale) < 0 ||
        !(DB = take(&a, args[4], "db", F32, 1, 1)))
        goto fail;
    Py_ssize_t n = ROWS(Z), k = COLS(Z), n_labels = ROWS(L);
    if (check_length(I, n, "idx") < 0 || check_length(DB, k, "db") < 0)
        goto fail;
    const int64_t *labels = L->buf, *idx = I->buf;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (idx[i] < 0 || idx[i] >= n_labels) {
            PyErr_Format(PyExc_IndexError, "sample index %lld is out of range for %zd labels",
                         (long long)idx[i], n_labels);
            goto fail;
        }
        int64_t y = labels[idx[i]];
        if (y < 0 || y >= k) {
            PyErr_Format(PyExc_ValueError, "label %lld is not a class of a %zd-class output",
                         (long long)y, k);
            goto fail;
        }
    }
    double cost;
    long correct;
    Py_BEGIN_ALLOW_THREADS
    cost = softmax_xent_loop(Z->buf, n, k, labels, idx, scale, DB->buf, &correct);
    Py_END_ALLOW_THREADS
    release(&a);
    return Py_BuildValue("(dl)", cost, correct);
fail:
    release(&a);
    return NULL;
}

/* ---- relu_backward ------------------------------------------------------------------------ */

/* relu_backward(D, H, db, b, update): D <- D * [H > 0] (ReLU' with R'(0) = 0; H is the ReLU's
 * output), db <- column sums of D, and b <- b - db when update is true (plain SGD, whose
 * gradients already carry the learning rate). */
static PyObject *relu_backward(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    Arrays a = {.n = 0};
    Py_buffer *D, *H, *DB, *B;
    if (check_nargs(nargs, 5, "relu_backward") < 0)
        return NULL;
    int update = PyObject_IsTrue(args[4]);
    if (update < 0 || !(D = take(&a, args[0], "D", F32, 2, 1)) ||
        !(H = take(&a, args[1], "H", F32, 2, 0)) ||
        !(DB = take(&a, args[2], "db", F32, 1, 1)) ||
        !(B = take(&a, args[3], "b", F32, 1, 1)))
        goto fail;
    Py_ssize_t n = ROWS(D), k = COLS(D);
    if (check_shape(H, n, k, "H") < 0 || check_length(DB, k, "db") < 0 ||
        check_length(B, k, "b") < 0)
        goto fail;
    Py_BEGIN_ALLOW_THREADS
    relu_backward_loop(D->buf, H->buf, DB->buf, B->buf, update, n, k, k);
    Py_END_ALLOW_THREADS
    release(&a);
    Py_RETURN_NONE;
fail:
    release(&a);
    return NULL;
}

/* ---- adam --------------------------------------------------------------------------------- */

/* adam(p, g, m, v, beta1, beta2, rest1, rest2, step, denom_scale, eps, decay, l2): one Adam (or
 * AdamW) update of the flat float32 arrays p, m, v for the gradient g:
 *   g' = g + l2 p;  m <- beta1 m + rest1 g';  v <- beta2 v + rest2 g'^2
 *   p <- decay p - m / (sqrt(v) denom_scale + eps) step
 * with rest = 1 - beta (rounded once, from double precision, as the NumPy Adam does),
 * step = lr / (1 - beta1^t), denom_scale = 1 / sqrt(1 - beta2^t), decay = 1 - lr wd (AdamW)
 * or 1. */
static PyObject *adam(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    Arrays a = {.n = 0};
    Py_buffer *P, *G, *M, *V;
    float s[9];
    if (check_nargs(nargs, 13, "adam") < 0)
        return NULL;
    for (int i = 0; i < 9; i++)
        if (float_arg(args[4 + i], &s[i]) < 0)
            return NULL;
    if (!(P = take(&a, args[0], "p", F32, 1, 1)) || !(G = take(&a, args[1], "g", F32, 1, 0)) ||
        !(M = take(&a, args[2], "m", F32, 1, 1)) || !(V = take(&a, args[3], "v", F32, 1, 1)))
        goto fail;
    Py_ssize_t n = ROWS(P);
    if (check_length(G, n, "g") < 0 || check_length(M, n, "m") < 0 ||
        check_length(V, n, "v") < 0)
        goto fail;
    Py_BEGIN_ALLOW_THREADS
    adam_loop(P->buf, G->buf, M->buf, V->buf, n, s);
    Py_END_ALLOW_THREADS
    release(&a);
    Py_RETURN_NONE;
fail:
    release(&a);
    return NULL;
}

/* ---- the whole step ----------------------------------------------------------------------
 * make_plan binds a network's arrays once; step(plan, idx, scale, fused, adam) then runs a
 * whole training step in one call: gather, forward, softmax cross-entropy, backward and the
 * update (plain SGD inside its GEMM, or Adam), with the GEMMs done by the cblas_sgemm of NumPy's
 * own OpenBLAS, whose
 * address _blas.py found. It is the sequence FastStep.forward and FastStep.backward run from
 * Python (where that sgemm cannot be reached), without their ~20 us of Python and call
 * overhead per step (2-4 % of an MNIST step). */

typedef void (*sgemm64_fn)(int, int, int, int64_t, int64_t, int64_t, float, const float *,
                           int64_t, const float *, int64_t, float, float *, int64_t);
typedef void (*sgemm32_fn)(int, int, int, int, int, int, float, const float *, int,
                           const float *, int, float, float *, int);
enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };
#define TEAM_MAX 2  /* threads a step can run on (see run_step) */

typedef struct {
    float *W, *b, *dW, *db, *z, *dx;  /* dx: the gradient of the layer's input (NULL: first) */
    float *mW, *vW, *mb, *vb;  /* Adam's moments of W and b (NULL: not bound) */
    Py_ssize_t n_in, n_out;
} Layer;

typedef struct {
    void *sgemm;
    int int64;  /* sizes are int64_t (NumPy's OpenBLAS "64_" symbols) or int */
    const void *X;
    enum kind kx;
    Py_ssize_t rows, d, cap;  /* samples in X, features, rows of the batch buffers */
    const int64_t *labels;
    const float *mean, *scale;
    float *x;
    int n_layers;
    Layer *layer;
    int (*get_threads)(void);  /* OpenBLAS's thread count, or NULL: no team (see run_step) */
    void (*set_threads)(int);
    float *partial;  /* TEAM_MAX partial column sums of the output gradient */
    Py_buffer *views;  /* every array the plan uses, held until it is freed */
    int n_views;
} Plan;

static const char PLAN_NAME[] = "glassnet._ckernels.plan";

static void plan_free(Plan *p)
{
    while (p->n_views > 0)
        PyBuffer_Release(&p->views[--p->n_views]);
    PyMem_Free(p->views);
    PyMem_Free(p->layer);
    PyMem_Free(p->partial);
    PyMem_Free(p);
}

static void plan_destructor(PyObject *capsule)
{
    plan_free(PyCapsule_GetPointer(capsule, PLAN_NAME));
}

/* C = alpha op(A) op(B) + beta C, row-major, through the bound sgemm. */
static void gemm(const Plan *p, int ta, int tb, Py_ssize_t m, Py_ssize_t n, Py_ssize_t k,
                 float alpha, const float *A, Py_ssize_t lda, const float *B, Py_ssize_t ldb,
                 float beta, float *C, Py_ssize_t ldc)
{
    if (p->int64)
        ((sgemm64_fn)p->sgemm)(ROW_MAJOR, ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
    else
        ((sgemm32_fn)p->sgemm)(ROW_MAJOR, ta, tb, (int)m, (int)n, (int)k, alpha, A, (int)lda, B,
                               (int)ldb, beta, C, (int)ldc);
}

/* Moves the view just taken into a (if any) into the plan, which releases it when freed. */
static Py_buffer *keep(Plan *p, Arrays *a, Py_buffer *v)
{
    if (v == NULL) {
        release(a);
        return NULL;
    }
    p->views[p->n_views] = *v;
    a->n = 0;
    return &p->views[p->n_views++];
}

/* The next float32 array of the plan (as take), with `rows` rows (if >= 0) and, if 2D, `cols`
 * columns. */
static float *plan_take(Plan *p, PyObject *obj, const char *name, int ndim, int writable,
                        Py_ssize_t rows, Py_ssize_t cols)
{
    Arrays a = {.n = 0};
    Py_buffer *v = keep(p, &a, take(&a, obj, name, F32, ndim, writable));
    if (v == NULL || (rows >= 0 && check_length(v, rows, name) < 0) ||
        (ndim == 2 && check_shape(v, ROWS(v), cols, name) < 0))
        return NULL;
    return v->buf;
}

/* Binds the data, the batch buffer and each layer's arrays (see make_plan); -1 on error. */
static int plan_bind(Plan *p, PyObject *const *args, PyObject *layers)
{
    Arrays a = {.n = 0};
    Py_buffer *X = keep(p, &a, take_any(&a, args[2], "X", "uint8, float32 or float64", 2, 0));
    if (X == NULL)
        return -1;
    int kx = gathered_kind(X);
    if (kx < 0)
        return -1;
    p->kx = kx;
    p->X = X->buf;
    p->rows = ROWS(X);
    p->d = COLS(X);
    Py_buffer *Y = keep(p, &a, take(&a, args[3], "labels", I64, 1, 0));
    if (Y == NULL || check_length(Y, p->rows, "labels") < 0 ||
        !(p->mean = plan_take(p, args[4], "mean", 1, 0, p->d, 0)) ||
        !(p->scale = plan_take(p, args[5], "scale", 1, 0, p->d, 0)) ||
        !(p->x = plan_take(p, args[6], "x", 2, 1, -1, p->d)))
        return -1;
    p->labels = Y->buf;
    p->cap = ROWS(&p->views[p->n_views - 1]);
    Py_ssize_t n_in = p->d;
    for (int i = 0; i < p->n_layers; i++) {
        PyObject *t = PySequence_Fast_GET_ITEM(layers, i);
        Layer *l = &p->layer[i];
        Py_ssize_t items = PyTuple_Check(t) ? PyTuple_GET_SIZE(t) : 0;
        if ((items != 6 && items != 10) || (i > 0 && (items == 10) != (p->layer[0].mW != NULL))) {
            PyErr_SetString(PyExc_TypeError, "each layer must be a (W, b, dW, db, z, dx) tuple, "
                            "all with Adam's (mW, vW, mb, vb) after them or none");
            return -1;
        }
        PyObject *dx = PyTuple_GET_ITEM(t, 5);
        if ((i == 0) != (dx == Py_None)) {
            PyErr_SetString(PyExc_ValueError, "dx must be None for the first layer only");
            return -1;
        }
        if (!(l->W = plan_take(p, PyTuple_GET_ITEM(t, 0), "W", 2, 1, -1, n_in)))
            return -1;
        l->n_in = n_in;
        l->n_out = ROWS(&p->views[p->n_views - 1]);
        if (!(l->b = plan_take(p, PyTuple_GET_ITEM(t, 1), "b", 1, 1, l->n_out, 0)) ||
            !(l->dW = plan_take(p, PyTuple_GET_ITEM(t, 2), "dW", 2, 1, l->n_out, n_in)) ||
            !(l->db = plan_take(p, PyTuple_GET_ITEM(t, 3), "db", 1, 1, l->n_out, 0)) ||
            !(l->z = plan_take(p, PyTuple_GET_ITEM(t, 4), "z", 2, 1, p->cap, l->n_out)) ||
            (i > 0 && !(l->dx = plan_take(p, dx, "dx", 2, 1, p->cap, n_in))))
            return -1;
        if (items == 10 &&
            (!(l->mW = plan_take(p, PyTuple_GET_ITEM(t, 6), "mW", 2, 1, l->n_out, n_in)) ||
             !(l->vW = plan_take(p, PyTuple_GET_ITEM(t, 7), "vW", 2, 1, l->n_out, n_in)) ||
             !(l->mb = plan_take(p, PyTuple_GET_ITEM(t, 8), "mb", 1, 1, l->n_out, 0)) ||
             !(l->vb = plan_take(p, PyTuple_GET_ITEM(t, 9), "vb", 1, 1, l->n_out, 0))))
            return -1;
        n_in = l->n_out;
    }
    for (Py_ssize_t i = 0; i < p->rows; i++)
        if (p->labels[i] < 0 || p->labels[i] >= n_in) {
            PyErr_Format(PyExc_ValueError, "label %lld is not a class of a %zd-class output",
                         (long long)p->labels[i], n_in);
            return -1;
        }
    return 0;
}

/* make_plan(sgemm, int64, X, labels, mean, scale, x, layers, threads) -> plan
 * sgemm: the address of cblas_sgemm; int64: whether its sizes are 64-bit. X (rows, d) uint8,
 * float32 or float64, labels (rows,) int64 in [0, classes); mean, scale (d,) float32; x (cap, d)
 * float32, the batch buffer. layers: one (W, b, dW, db, z, dx) tuple per Dense layer, dx None
 * for the first; z (cap, n_out) and dx (cap, n_in) are its buffers; for Adam, every tuple goes
 * on with the moments (mW, vW, mb, vb) of W and b. threads: None, or the
 * addresses of OpenBLAS's get and set thread-count functions, which let a step run on a team
 * of two threads (see run_step). Every array is checked here and held by the plan. */
static PyObject *make_plan(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (check_nargs(nargs, 9, "make_plan") < 0)
        return NULL;
    void *sgemm = PyLong_AsVoidPtr(args[0]), *get = NULL, *set = NULL;
    if (sgemm == NULL) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_ValueError, "sgemm must be the address of cblas_sgemm");
        return NULL;
    }
    int int64 = PyObject_IsTrue(args[1]);
    if (int64 < 0)
        return NULL;
    if (args[8] != Py_None) {
        if (!PyTuple_Check(args[8]) || PyTuple_GET_SIZE(args[8]) != 2 ||
            (get = PyLong_AsVoidPtr(PyTuple_GET_ITEM(args[8], 0))) == NULL ||
            (set = PyLong_AsVoidPtr(PyTuple_GET_ITEM(args[8], 1))) == NULL) {
            if (!PyErr_Occurred() || PyErr_ExceptionMatches(PyExc_TypeError)) {
                PyErr_Clear();
                PyErr_SetString(PyExc_ValueError,
                                "threads must be None or two function addresses (get, set)");
            }
            return NULL;
        }
    }
    PyObject *layers = PySequence_Fast(args[7], "layers must be a sequence of tuples");
    if (layers == NULL)
        return NULL;
    Py_ssize_t L = PySequence_Fast_GET_SIZE(layers);
    if (L < 1 || L > 10000) {
        Py_DECREF(layers);
        return PyErr_Format(PyExc_ValueError, "a plan needs 1 to 10000 layers, not %zd", L);
    }
    Plan *p = PyMem_Calloc(1, sizeof(Plan));
    if (p == NULL) {
        Py_DECREF(layers);
        return PyErr_NoMemory();
    }
    p->sgemm = sgemm;
    p->int64 = int64;
    p->get_threads = (int (*)(void))get;
    p->set_threads = (void (*)(int))set;
    p->n_layers = (int)L;
    p->layer = PyMem_Calloc(L, sizeof(Layer));
    p->views = PyMem_Calloc(5 + 10 * L, sizeof(Py_buffer));
    int ok = p->layer && p->views ? plan_bind(p, args, layers) == 0 : (PyErr_NoMemory(), 0);
    if (ok && !(p->partial = PyMem_Calloc(TEAM_MAX * p->layer[L - 1].n_out, sizeof(float))))
        ok = (PyErr_NoMemory(), 0);
    Py_DECREF(layers);
    PyObject *capsule = ok ? PyCapsule_New(p, PLAN_NAME, plan_destructor) : NULL;
    if (capsule == NULL)
        plan_free(p);
    return capsule;
}

/* ---- a team of two threads for the step --------------------------------------------------
 * OpenBLAS runs each GEMM on two threads, but the work between GEMMs ran on one while OpenBLAS's
 * second thread spun, waiting. On a team of two, each thread takes half of every GEMM (as a
 * single-threaded OpenBLAS call: the step sets OpenBLAS to one thread while it runs) and half
 * of the element-wise work, and they meet at a barrier where one needs the other's half.
 * The helper thread is started by the first step that uses it, spins between steps and sleeps
 * when none comes for a while; one per process, taken by one step at a time. */
#if defined(__unix__) || defined(__APPLE__)
#define HAVE_TEAM 1
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>
#include <sched.h>
#if defined(__x86_64__) || defined(__i386__)
#define PAUSE() __builtin_ia32_pause()
#else
#define PAUSE() ((void)0)
#endif
/* One round of a wait for the other thread: a pause, and after the first ~20 us of them the
 * core itself, in case the other thread is waiting for it (a machine with more busy threads
 * than cores). */
#define RELAX(spins) ((spins)++ < 1000 ? PAUSE() : (void)sched_yield())
#else
#define HAVE_TEAM 0
#endif

typedef struct {
    const Plan *p;
    const int64_t *idx;
    Py_ssize_t n;
    float scale;
    int fused, threads;
    const float *adam;  /* Adam's 9 numbers (see adam_loop), or NULL */
    double cost[TEAM_MAX];
    long correct[TEAM_MAX];
#if HAVE_TEAM
    atomic_uint arrived, sense;
#endif
} StepArgs;

static void barrier(StepArgs *a, unsigned *sense)
{
#if HAVE_TEAM
    if (a->threads == 1)
        return;
    unsigned mine = *sense = !*sense;
    if (atomic_fetch_add(&a->arrived, 1) == (unsigned)a->threads - 1) {
        atomic_store(&a->arrived, 0);
        atomic_store(&a->sense, mine);
    } else {
        unsigned spins = 0;
        while (atomic_load(&a->sense) != mine)
            RELAX(spins);
    }
#else
    (void)a;
    (void)sense;
#endif
}

/* Thread t's share [lo, hi) of n items; `align` keeps column blocks apart by whole cache lines. */
static void share(Py_ssize_t n, int t, int threads, Py_ssize_t align, Py_ssize_t *lo,
                  Py_ssize_t *hi)
{
    Py_ssize_t cut[TEAM_MAX + 1];
    for (int i = 0; i <= threads; i++)
        cut[i] = i == threads ? n : n * i / threads / align * align;
    *lo = cut[t];
    *hi = cut[t + 1];
}

/* Thread t's part of a step: gather, forward, softmax cross-entropy, backward and the update
 * (fused) or the gradients dW and db (not fused). Hidden layers are split by columns (each
 * thread computes half of every unit's outputs), the output layer and its softmax by rows.
 * The cost is checked after the softmax: if it is not finite nothing is written to the layers. */
static void step_part(StepArgs *a, int t)
{
    const Plan *p = a->p;
    const int L = p->n_layers, T = a->threads;
    const Py_ssize_t n = a->n;
    unsigned sense = 0;
    Py_ssize_t lo, hi;
    share(n, t, T, 1, &lo, &hi);
    gather_rows(p->kx, p->X, a->idx + lo, hi - lo, p->d, p->mean, p->scale, p->x + lo * p->d);
    barrier(a, &sense);
    const float *in = p->x;
    for (int i = 0; i + 1 < L; i++) {  /* hidden layers: columns lo..hi of Z = A W^T + b */
        const Layer *l = &p->layer[i];
        share(l->n_out, t, T, 16, &lo, &hi);
        if (hi > lo) {
            gemm(p, NO_TRANS, TRANS, n, hi - lo, l->n_in, 1.0f, in, l->n_in, l->W + lo * l->n_in,
                 l->n_in, 0.0f, l->z + lo, l->n_out);
            bias_relu_loop(l->z + lo, l->b + lo, n, hi - lo, l->n_out);
        }
        barrier(a, &sense);
        in = l->z;
    }
    const Layer *top = &p->layer[L - 1];
    const Py_ssize_t k = top->n_out;
    share(n, t, T, 1, &lo, &hi);  /* output layer and softmax: rows lo..hi */
    a->cost[t] = 0.0;
    a->correct[t] = 0;
    for (Py_ssize_t j = 0; j < k; j++)
        p->partial[t * k + j] = 0.0f;
    if (hi > lo) {
        gemm(p, NO_TRANS, TRANS, hi - lo, k, top->n_in, 1.0f, in + lo * top->n_in, top->n_in,
             top->W, top->n_in, 0.0f, top->z + lo * k, k);
        bias_add_loop(top->z + lo * k, top->b, hi - lo, k, k);
        a->cost[t] = softmax_xent_loop(top->z + lo * k, hi - lo, k, p->labels, a->idx + lo,
                                       a->scale, p->partial + t * k, &a->correct[t]);
    }
    barrier(a, &sense);
    double cost = 0.0;
    for (int i = 0; i < T; i++)
        cost += a->cost[i];
    if (!isfinite(cost))
        return;  /* diverged: the caller reports it, and nothing is updated */
    for (int i = L - 1; i >= 0; i--) {
        const Layer *l = &p->layer[i];
        const float *g = l->z, *input = i ? p->layer[i - 1].z : p->x;
        if (i < L - 1)
            g = p->layer[i + 1].dx;
        if (i) {  /* columns lo..hi of the input's gradient, with W before its update */
            const Layer *below = &p->layer[i - 1];
            share(l->n_in, t, T, 16, &lo, &hi);
            if (hi > lo) {
                gemm(p, NO_TRANS, NO_TRANS, n, hi - lo, l->n_out, 1.0f, g, l->n_out, l->W + lo,
                     l->n_in, 0.0f, l->dx + lo, l->n_in);
                relu_backward_loop(l->dx + lo, below->z + lo, below->db + lo, below->b + lo,
                                   a->fused, n, hi - lo, l->n_in);
            }
            barrier(a, &sense);
        }
        share(l->n_out, t, T, 1, &lo, &hi);  /* rows lo..hi of W and b */
        if (hi == lo)
            continue;
        if (i == L - 1)  /* the output layer's db: the sum of the threads' partial sums */
            for (Py_ssize_t j = lo; j < hi; j++) {
                float sum = 0.0f;
                for (int r = 0; r < T; r++)
                    sum += p->partial[r * k + j];
                l->db[j] = sum;
                if (a->fused)
                    l->b[j] -= sum;
            }
        if (a->fused)
            gemm(p, TRANS, NO_TRANS, hi - lo, l->n_in, n, -1.0f, g + lo, l->n_out, input,
                 l->n_in, 1.0f, l->W + lo * l->n_in, l->n_in);
        else
            gemm(p, TRANS, NO_TRANS, hi - lo, l->n_in, n, 1.0f, g + lo, l->n_out, input,
                 l->n_in, 0.0f, l->dW + lo * l->n_in, l->n_in);
        if (a->adam) {  /* this thread's rows of W and entries of b: their gradients are done */
            Py_ssize_t at = lo * l->n_in, size = (hi - lo) * l->n_in;
            adam_loop(l->W + at, l->dW + at, l->mW + at, l->vW + at, size, a->adam);
            adam_loop(l->b + lo, l->db + lo, l->mb + lo, l->vb + lo, hi - lo, a->adam);
        }
    }
}

#if HAVE_TEAM
static struct {
    pthread_mutex_t lock;  /* guards sleeping/wake; busy: one step at a time */
    pthread_cond_t wake;
    pthread_t helper;
    pid_t pid;  /* the process that started the helper (a fork has none) */
    atomic_uint go, done;  /* go: incremented to hand the helper a step; done: it finished */
    atomic_ulong steps;  /* steps run on the team so far */
    atomic_int sleeping, busy;
    StepArgs job;  /* the step in hand (never on a stack the helper could outlive) */
} team = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

#define SPIN_SECONDS 0.002  /* a helper with no step for this long sleeps */

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void *helper_main(void *start)
{
    unsigned seen = (unsigned)(uintptr_t)start;  /* team.go when the helper was made */
    for (;;) {
        double since = seconds();
        for (unsigned spins = 0; atomic_load(&team.go) == seen; spins++) {
            PAUSE();
            if ((spins & 1023) == 0 && seconds() - since > SPIN_SECONDS) {
                pthread_mutex_lock(&team.lock);
                atomic_store(&team.sleeping, 1);
                while (atomic_load(&team.go) == seen)
                    pthread_cond_wait(&team.wake, &team.lock);
                atomic_store(&team.sleeping, 0);
                pthread_mutex_unlock(&team.lock);
            }
        }
        seen = atomic_load(&team.go);
        step_part(&team.job, 1);
        atomic_store(&team.done, seen);
    }
    return NULL;
}

/* In a child after fork(): the helper is gone, and the lock and condition variable may be in
 * any state it left them in (a condition variable with a waiter that no longer exists can block
 * a signal forever). Start afresh; the child's first team step starts a helper of its own. */
static void team_after_fork(void)
{
    pthread_mutex_init(&team.lock, NULL);
    pthread_cond_init(&team.wake, NULL);
    atomic_store(&team.sleeping, 0);
    atomic_store(&team.busy, 0);
    atomic_store(&team.done, atomic_load(&team.go));
    team.pid = 0;
}

/* Take the team for one step (starting its helper if needed); 0 if busy or unavailable. */
static int team_take(void)
{
    static int fork_handled;
    int expected = 0;
    if (!atomic_compare_exchange_strong(&team.busy, &expected, 1))
        return 0;  /* another Python thread is in a step */
    if (!fork_handled) {
        if (pthread_atfork(NULL, NULL, team_after_fork) != 0) {
            atomic_store(&team.busy, 0);
            return 0;
        }
        fork_handled = 1;
    }
    if (team.pid != getpid()) {  /* first use, or a child after fork(): start a helper */
        /* The helper inherits a mask that blocks every signal, so signals (Ctrl-C) keep going
         * to Python's threads. */
        void *start = (void *)(uintptr_t)atomic_load(&team.go);
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        int failed = pthread_create(&team.helper, NULL, helper_main, start);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (failed) {
            atomic_store(&team.busy, 0);
            return 0;
        }
        pthread_detach(team.helper);
        team.pid = getpid();
    }
    return 1;
}

/* Run the step in team.job on both threads; returns when the helper's half is done too. */
static void team_run(const Plan *p)
{
    StepArgs *a = &team.job;
    a->threads = 2;
    atomic_store(&a->arrived, 0);
    atomic_store(&a->sense, 0);
    p->set_threads(1);
    unsigned go = atomic_fetch_add(&team.go, 1) + 1;
    if (atomic_load(&team.sleeping)) {
        pthread_mutex_lock(&team.lock);
        pthread_cond_signal(&team.wake);
        pthread_mutex_unlock(&team.lock);
    }
    step_part(a, 0);
    unsigned spins = 0;
    while (atomic_load(&team.done) != go)
        RELAX(spins);
    p->set_threads(2);
    atomic_fetch_add(&team.steps, 1);
}
#endif

/* The whole step on the calling thread, or on the team of two when OpenBLAS itself runs two
 * threads (more or fewer: the user's choice, or another machine; OpenBLAS's own threading then
 * parallelises the GEMMs alone). */
static void run_step(StepArgs *a)
{
    a->threads = 1;
#if HAVE_TEAM
    const Plan *p = a->p;
    if (p->get_threads && p->get_threads() == 2 && team_take()) {
        team.job = *a;
        team_run(p);
        *a = team.job;
        atomic_store(&team.busy, 0);
        return;
    }
#endif
    step_part(a, 0);
}

/* step(plan, idx, scale, fused, adam) -> (cost sum, correct): one training step on the samples
 * idx (int64, 1 to cap of them). scale multiplies the output gradient (1/n, or lr/n for plain
 * SGD); fused: update W and b inside the step (plain SGD) instead of writing dW and db; adam:
 * None, or Adam's 9 numbers for this step (see adam below), to write dW and db and then apply
 * Adam to W and b. A non-finite cost returns before anything is written to the layers. */
static PyObject *step(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (check_nargs(nargs, 5, "step") < 0)
        return NULL;
    if (!PyCapsule_IsValid(args[0], PLAN_NAME)) {
        PyErr_SetString(PyExc_TypeError, "plan must be a plan made by make_plan()");
        return NULL;
    }
    const Plan *p = PyCapsule_GetPointer(args[0], PLAN_NAME);
    float scale, adam[9];
    int fused = PyObject_IsTrue(args[3]), use_adam = args[4] != Py_None;
    if (float_arg(args[2], &scale) < 0 || fused < 0)
        return NULL;
    if (use_adam) {
        if (!PyTuple_Check(args[4]) || PyTuple_GET_SIZE(args[4]) != 9 || fused ||
            p->layer[0].mW == NULL) {
            PyErr_SetString(PyExc_ValueError, "adam must be None or Adam's 9 numbers, for a "
                            "plan made with Adam's moments and a step that is not fused");
            return NULL;
        }
        for (int i = 0; i < 9; i++)
            if (float_arg(PyTuple_GET_ITEM(args[4], i), &adam[i]) < 0)
                return NULL;
    }
    Arrays a = {.n = 0};
    Py_buffer *I = take(&a, args[1], "idx", I64, 1, 0);
    if (I == NULL)
        goto fail;
    Py_ssize_t n = ROWS(I);
    if (n < 1 || n > p->cap) {
        PyErr_Format(PyExc_ValueError, "a step takes 1 to %zd samples, not %zd", p->cap, n);
        goto fail;
    }
    const int64_t *idx = I->buf;
    if (check_indices(idx, n, p->rows) < 0)
        goto fail;
    StepArgs job = {.p = p, .idx = idx, .n = n, .scale = scale, .fused = fused,
                    .adam = use_adam ? adam : NULL};
    Py_BEGIN_ALLOW_THREADS
    run_step(&job);
    Py_END_ALLOW_THREADS
    release(&a);
    double cost = 0.0;
    long correct = 0;
    for (int t = 0; t < job.threads; t++) {
        cost += job.cost[t];
        correct += job.correct[t];
    }
    return Py_BuildValue("(dl)", cost, correct);
fail:
    release(&a);
    return NULL;
}

/* team_steps() -> how many steps have run on the team of two threads in this process. */
static PyObject *team_steps(PyObject *self, PyObject *unused)
{
#if HAVE_TEAM
    return PyLong_FromUnsignedLong(atomic_load(&team.steps));
#else
    return PyLong_FromLong(0);
#endif
}

/* ---- module ------------------------------------------------------------------------------- */

static PyMethodDef methods[] = {
    {"gather", (PyCFunction)(void (*)(void))gather, METH_FASTCALL,
     "gather(X, idx, mean, scale, out): out[i] = (float32(X[idx[i]]) - mean) * scale"},
    {"bias_relu", (PyCFunction)(void (*)(void))bias_relu, METH_FASTCALL,
     "bias_relu(Z, b): Z <- max(Z + b, 0), in place"},
    {"bias_add", (PyCFunction)(void (*)(void))bias_add, METH_FASTCALL,
     "bias_add(Z, b): Z <- Z + b, in place"},
    {"softmax_xent", (PyCFunction)(void (*)(void))softmax_xent, METH_FASTCALL,
     "softmax_xent(Z, labels, idx, scale, db) -> (cost sum, correct): Z <- scale * (softmax(Z)"
     " - onehot(labels[idx])), db <- its column sums"},
    {"relu_backward", (PyCFunction)(void (*)(void))relu_backward, METH_FASTCALL,
     "relu_backward(D, H, db, b, update): D <- D * [H > 0], db <- column sums of D, and"
     " b <- b - db if update"},
    {"adam", (PyCFunction)(void (*)(void))adam, METH_FASTCALL,
     "adam(p, g, m, v, beta1, beta2, rest1, rest2, step, denom_scale, eps, decay, l2):"
     " one fused Adam/AdamW update of flat float32 arrays"},
    {"make_plan", (PyCFunction)(void (*)(void))make_plan, METH_FASTCALL,
     "make_plan(sgemm, int64, X, labels, mean, scale, x, layers) -> plan: bind a network's"
     " arrays for step(); layers holds one (W, b, dW, db, z, dx) tuple per Dense layer"},
    {"step", (PyCFunction)(void (*)(void))step, METH_FASTCALL,
     "step(plan, idx, scale, fused, adam) -> (cost sum, correct): one whole training step"},
    {"team_steps", team_steps, METH_NOARGS,
     "team_steps() -> how many steps have run on the team of two threads in this process"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "glassnet._ckernels",
    .m_doc = "Element-wise float32 kernels for glassnet's compiled training step (fastpath.py).",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC PyInit__ckernels(void)
{
    return PyModule_Create(&module);
}
