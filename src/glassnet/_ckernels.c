/* Element-wise kernels for glassnet's compiled training step (imported only by fastpath.py).
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

SIMD static void bias_relu_loop(float *z, const float *b, Py_ssize_t n, Py_ssize_t k)
{
    for (Py_ssize_t i = 0; i < n; i++, z += k)
        for (Py_ssize_t j = 0; j < k; j++) {
            float v = z[j] + b[j];
            z[j] = v < 0.0f ? 0.0f : v;  /* NaN stays NaN, as in np.maximum */
        }
}

SIMD static void bias_add_loop(float *z, const float *b, Py_ssize_t n, Py_ssize_t k)
{
    for (Py_ssize_t i = 0; i < n; i++, z += k)
        for (Py_ssize_t j = 0; j < k; j++)
            z[j] += b[j];
}

SIMD static void relu_backward_loop(float *d, const float *h, float *db, float *b, int update,
                                    Py_ssize_t n, Py_ssize_t k)
{
    for (Py_ssize_t j = 0; j < k; j++)
        db[j] = 0.0f;
    for (Py_ssize_t i = 0; i < n; i++, d += k, h += k)
        for (Py_ssize_t j = 0; j < k; j++) {
            d[j] = h[j] > 0.0f ? d[j] : 0.0f;
            db[j] += d[j];
        }
    if (update)
        for (Py_ssize_t j = 0; j < k; j++)
            b[j] -= db[j];
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
    enum kind kx = has_kind(X, U8) ? U8 : has_kind(X, F32) ? F32 : F64;
    if (kx == F64 && !has_kind(X, F64)) {
        PyErr_SetString(PyExc_TypeError, "X must be a uint8, float32 or float64 array");
        goto fail;
    }
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
    for (Py_ssize_t i = 0; i < n; i++)
        if (idx[i] < 0 || idx[i] >= rows) {
            PyErr_Format(PyExc_IndexError, "sample index %lld is out of range for %zd rows",
                         (long long)idx[i], rows);
            goto fail;
        }
    Py_BEGIN_ALLOW_THREADS
    if (kx == U8)
        gather_u8(X->buf, idx, n, d, M->buf, S->buf, O->buf);
    else if (kx == F32)
        gather_f32(X->buf, idx, n, d, M->buf, S->buf, O->buf);
    else
        gather_f64(X->buf, idx, n, d, M->buf, S->buf, O->buf);
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
    (relu ? bias_relu_loop : bias_add_loop)(Z->buf, B->buf, ROWS(Z), COLS(Z));
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
    float *db = DB->buf, *z = Z->buf;
    double cost = 0.0;
    long correct = 0;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t j = 0; j < k; j++)
        db[j] = 0.0f;
    for (Py_ssize_t i = 0; i < n; i++, z += k) {
        int64_t y = labels[idx[i]];
        Py_ssize_t best = 0;
        for (Py_ssize_t j = 1; j < k; j++)
            if (z[j] > z[best])
                best = j;
        correct += best == y;
        float top = z[best], shifted_y = z[y] - top, total = 0.0f;
        for (Py_ssize_t j = 0; j < k; j++) {
            z[j] = expf(z[j] - top);
            total += z[j];
        }
        cost += (double)(logf(total) - shifted_y);
        for (Py_ssize_t j = 0; j < k; j++)
            z[j] = z[j] / total;
        z[y] -= 1.0f;
        for (Py_ssize_t j = 0; j < k; j++) {
            z[j] = z[j] * scale;
            db[j] += z[j];
        }
    }
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
    relu_backward_loop(D->buf, H->buf, DB->buf, B->buf, update, n, k);
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
