/* Each element-wise loop as a Python function of the module: the arguments checked (buffers.h),
 * then the loop (kernels.h) with the GIL released. glassnet.fast calls them where the whole
 * step cannot run in C (NumPy's OpenBLAS out of reach: the GEMMs are then np.matmul calls), and
 * adam for an Adam update outside the step. */
#include "kernel_calls.h"

#include "buffers.h"
#include "kernels.h"

/* ---- gather: out[i] = (float32(X[idx[i]]) - mean) * scale --------------------------------- */

PyObject *gather(PyObject *Py_UNUSED(self), PyObject *const *args, Py_ssize_t nargs)
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

PyObject *bias_relu(PyObject *Py_UNUSED(self), PyObject *const *args, Py_ssize_t nargs)
{
    return bias(args, nargs, "bias_relu", 1);
}

PyObject *bias_add(PyObject *Py_UNUSED(self), PyObject *const *args, Py_ssize_t nargs)
{
    return bias(args, nargs, "bias_add", 0);
}

/* ---- softmax_xent ------------------------------------------------------------------------- */

/* softmax_xent(Z, labels, idx, scale, db) -> (sum of per-sample costs, correct argmaxes)
 * Softmax cross-entropy on the logits Z (n, K) for the labels labels[idx]. Z is overwritten
 * with scale * (softmax(Z) - onehot(y)) (the gradient: scale = 1/n, or lr/n for plain SGD), db
 * with its column sums. */
PyObject *softmax_xent(PyObject *Py_UNUSED(self), PyObject *const *args, Py_ssize_t nargs)
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
PyObject *relu_backward(PyObject *Py_UNUSED(self), PyObject *const *args, Py_ssize_t nargs)
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
PyObject *adam(PyObject *Py_UNUSED(self), PyObject *const *args, Py_ssize_t nargs)
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
