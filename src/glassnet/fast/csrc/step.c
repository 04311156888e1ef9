/* The whole training step in one call: see step.h. */
#include "step.h"

#include <math.h>

#include "buffers.h"
#include "kernels.h"

/* cblas_sgemm with 64-bit or with int sizes, and the CBLAS constants the step passes it. */
typedef void (*sgemm64_fn)(int, int, int, int64_t, int64_t, int64_t, float, const float *,
                           int64_t, const float *, int64_t, float, float *, int64_t);
typedef void (*sgemm32_fn)(int, int, int, int, int, int, float, const float *, int,
                           const float *, int, float, float *, int);
enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };

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
void step_part(StepArgs *a, int t)
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
    const Py_ssize_t k = top->n_out, blocks = (n + BLOCK_ROWS - 1) / BLOCK_ROWS;
    share(blocks, t, T, 1, &lo, &hi);  /* output layer and softmax: blocks lo..hi of rows */
    Py_ssize_t row = lo * BLOCK_ROWS, rows = (hi * BLOCK_ROWS < n ? hi * BLOCK_ROWS : n) - row;
    if (rows > 0) {
        gemm(p, NO_TRANS, TRANS, rows, k, top->n_in, 1.0f, in + row * top->n_in, top->n_in,
             top->W, top->n_in, 0.0f, top->z + row * k, k);
        bias_add_loop(top->z + row * k, top->b, rows, k, k);
    }
    for (Py_ssize_t b = lo; b < hi; b++) {  /* each block's cost, count and bias gradient */
        Py_ssize_t first = b * BLOCK_ROWS, m = n - first < BLOCK_ROWS ? n - first : BLOCK_ROWS;
        p->block_cost[b] = softmax_xent_loop(top->z + first * k, m, k, p->labels,
                                             a->idx + first, a->scale, p->partial + b * k,
                                             &p->block_correct[b]);
    }
    barrier(a, &sense);
    double cost = 0.0;  /* every thread adds the blocks up in the same order */
    long correct = 0;
    for (Py_ssize_t b = 0; b < blocks; b++) {
        cost += p->block_cost[b];
        correct += p->block_correct[b];
    }
    if (t == 0) {
        a->cost = cost;
        a->correct = correct;
    }
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
        if (i == L - 1)  /* the output layer's db: the blocks' column sums, in order */
            for (Py_ssize_t j = lo; j < hi; j++) {
                float sum = 0.0f;
                for (Py_ssize_t r = 0; r < blocks; r++)
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

/* step(plan, idx, scale, fused, adam) -> (cost sum, correct): one training step on the samples
 * idx (int64, 1 to cap of them). scale multiplies the output gradient (1/n, or lr/n for plain
 * SGD); fused: update W and b inside the step (plain SGD) instead of writing dW and db; adam:
 * None, or Adam's 9 numbers for this step (see adam in kernel_calls.c), to write dW and db and
 * then apply Adam to W and b. A non-finite cost returns before anything is written to the
 * layers. */
PyObject *step(PyObject *Py_UNUSED(self), PyObject *const *args, Py_ssize_t nargs)
{
    if (check_nargs(nargs, 5, "step") < 0)
        return NULL;
    const Plan *p = plan_of(args[0]);
    if (p == NULL)
        return NULL;
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
    return Py_BuildValue("(dl)", job.cost, job.correct);
fail:
    release(&a);
    return NULL;
}
