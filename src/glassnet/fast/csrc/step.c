/* The whole training step in one call: see step.h. Everything up to step_phases is written on
 * `real` and compiled once per element type (real.h, step_f64.c); the rest once. */
#include "step.h"

#include <math.h>

#include "buffers.h"
#include "kernels.h"

/* cblas_sgemm (dgemm for real = double) with 64-bit or with int sizes, and the CBLAS constants
 * the step passes it; the same for gemv. */
typedef void (*gemm64_fn)(int, int, int, int64_t, int64_t, int64_t, real, const real *,
                          int64_t, const real *, int64_t, real, real *, int64_t);
typedef void (*gemm32_fn)(int, int, int, int, int, int, real, const real *, int,
                          const real *, int, real, real *, int);
typedef void (*gemv64_fn)(int, int, int64_t, int64_t, real, const real *, int64_t,
                          const real *, int64_t, real, real *, int64_t);
typedef void (*gemv32_fn)(int, int, int, int, real, const real *, int, const real *, int,
                          real, real *, int);
enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };

/* y = alpha op(A) x + beta y, A (rows, cols) row-major, through the bound sgemv. */
static void gemv(const Plan *p, int ta, Py_ssize_t rows, Py_ssize_t cols, real alpha,
                 const real *A, Py_ssize_t lda, const real *x, Py_ssize_t incx, real beta,
                 real *y, Py_ssize_t incy)
{
    if (p->int64)
        ((gemv64_fn)p->sgemv)(ROW_MAJOR, ta, rows, cols, alpha, A, lda, x, incx, beta, y, incy);
    else
        ((gemv32_fn)p->sgemv)(ROW_MAJOR, ta, (int)rows, (int)cols, alpha, A, (int)lda, x,
                               (int)incx, beta, y, (int)incy);
}

/* C = alpha op(A) op(B) + beta C, row-major, through the bound gemm; a product with one row
 * or one column through gemv, which does not pack the other matrix first (a sample at a
 * time, training or predicting: the cost of packing W dwarfed the product). */
static void gemm(const Plan *p, int ta, int tb, Py_ssize_t m, Py_ssize_t n, Py_ssize_t k,
                 real alpha, const real *A, Py_ssize_t lda, const real *B, Py_ssize_t ldb,
                 real beta, real *C, Py_ssize_t ldc)
{
    if (p->sgemv && m == 1) {  /* C₀ = alpha op(B)ᵀ a + beta C₀, a = row 0 of op(A) */
        Py_ssize_t inc = ta == NO_TRANS ? 1 : lda;
        if (tb == TRANS)  /* B is (n, k) */
            gemv(p, NO_TRANS, n, k, alpha, B, ldb, A, inc, beta, C, 1);
        else  /* B is (k, n) */
            gemv(p, TRANS, k, n, alpha, B, ldb, A, inc, beta, C, 1);
        return;
    }
    if (p->sgemv && n == 1) {  /* column 0 of C = alpha op(A) b + beta C, b = column 0 of op(B) */
        Py_ssize_t inc = tb == NO_TRANS ? ldb : 1;
        if (ta == NO_TRANS)  /* A is (m, k) */
            gemv(p, NO_TRANS, m, k, alpha, A, lda, B, inc, beta, C, ldc);
        else  /* A is (k, m) */
            gemv(p, TRANS, k, m, alpha, A, lda, B, inc, beta, C, ldc);
        return;
    }
    if (p->int64)
        ((gemm64_fn)p->sgemm)(ROW_MAJOR, ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
    else
        ((gemm32_fn)p->sgemm)(ROW_MAJOR, ta, tb, (int)m, (int)n, (int)k, alpha, A, (int)lda, B,
                               (int)ldb, beta, C, (int)ldc);
}

/* Share `part` [lo, hi) of n items cut into `parts`; `align` keeps column blocks apart by
 * whole cache lines. */
static void share(Py_ssize_t n, int part, int parts, Py_ssize_t align, Py_ssize_t *lo,
                  Py_ssize_t *hi)
{
    *lo = n * part / parts / align * align;
    *hi = part + 1 == parts ? n : n * (part + 1) / parts / align * align;
}

/* A step is a sequence of phases, each cut into a->parts shares (`part` 0..parts-1): the
 * gather by rows; each hidden layer by columns (every thread computes some of every sample's
 * units, then their bias and activation); the output layer and its softmax by blocks of
 * BLOCK_ROWS rows; backward, each input gradient by columns and each weight update by rows of W.
 * No GEMM's sum over k is split and no two shares write the same memory. On a team, thread t
 * does share t of every phase and the threads meet at a barrier after each phase but the
 * updates; on one thread, the shares run one after another. The GEMM calls are the same either
 * way, so the numbers are too, bit for bit. */

/* ---- the batch's blank features ------------------------------------------------------------
 * A feature that is 0 in every sample of a batch (the blank border of a digit, a pixel that no
 * digit of the batch touches) adds nothing to the first layer's sums and gets a gradient of 0.
 * When a batch of COMPACT_MIN_ROWS or more leaves more than 1 - COMPACT of the features blank,
 * the first layer of a network of two or more works on the others alone: the gather notes
 * which features each share's rows touch; every share then finds the runs of features that
 * some sample touches (the same runs, each share its own copy) and copies those columns of its
 * rows to xc. The forward GEMM takes K = u features, of xc and of W's columns (copied to Wc by
 * each share for its rows of W); the update's GEMM writes u columns of ∂L/∂W to Wc (fused: of
 * W, in Wc) and puts them back in place, ∂L/∂W with zeros between. A third of MNIST's pixels
 * are blank in a batch of 64 (docs/performance.md). The sums leave out terms that are exactly
 * 0, so only their rounding can differ from the full GEMM's. */
#define COMPACT 0.9
/* A batch of fewer rows takes the full product: its GEMMs cost so little that copying W's
 * columns out and back does not pay (one MNIST sample a step: twice as slow; 8: even; 16: 8 %
 * faster, in-process windows). */
#define COMPACT_MIN_ROWS 16

/* Whether this step may leave the batch's blank features out: a plan that can (plan.h), and a
 * batch of COMPACT_MIN_ROWS or more. Otherwise neither the gather's notes nor the runs are
 * made. */
static int may_compact(const StepArgs *a)
{
    return a->p->runs != NULL && a->n >= COMPACT_MIN_ROWS;
}

static void gather_part(StepArgs *a, int part, int i)
{
    (void)i;
    const Plan *p = a->p;
    Py_ssize_t lo, hi;
    share(a->n, part, a->parts, 1, &lo, &hi);
    real *x = p->x;
    TYPED(gather_rows)(p->kx, p->X, a->idx + lo, hi - lo, p->d, p->mean, p->scale, x + lo * p->d);
    if (may_compact(a))
        TYPED(nonzero_columns)(x + lo * p->d, hi - lo, p->d, p->nonzero + part * p->d);
}

/* Share `part`'s copy of the runs (plan.h). */
static Py_ssize_t *runs_of(const Plan *p, int part)
{
    return p->runs + part * (2 + 2 * p->d);
}

/* Whether feature j is non-zero in some row of the batch (in some share's rows). */
static int touched(const Plan *p, int parts, Py_ssize_t j)
{
    for (int q = 0; q < parts; q++)
        if (p->nonzero[q * p->d + j])
            return 1;
    return 0;
}

/* Share `part`: the runs of touched features, and its rows of the batch on those alone. */
static void compact_part(StepArgs *a, int part, int i)
{
    (void)i;
    const Plan *p = a->p;
    const Py_ssize_t d = p->d;
    Py_ssize_t *head = runs_of(p, part), *runs = head + 2, n_runs = 0, u = 0;
    for (Py_ssize_t j = 0; j < d; j++) {
        if (!touched(p, a->parts, j))
            continue;
        Py_ssize_t first = j;
        while (j + 1 < d && touched(p, a->parts, j + 1))
            j++;
        runs[2 * n_runs] = first;
        runs[2 * n_runs + 1] = j + 1 - first;
        u += j + 1 - first;
        n_runs++;
    }
    head[0] = n_runs;
    head[1] = u > 0 && (double)u <= COMPACT * (double)d ? u : 0;
    Py_ssize_t lo, hi;
    share(a->n, part, a->parts, 1, &lo, &hi);
    if (head[1])
        TYPED(take_runs)((const real *)p->x + lo * d, d, (real *)p->xc + lo * u, u, hi - lo,
                         runs, n_runs);
}

/* The runs of the batch's touched features when the first layer works on them alone (see
 * above), or NULL. */
static const Py_ssize_t *kept_runs(const StepArgs *a, int part, int i)
{
    const Py_ssize_t *head = i == 0 && may_compact(a) ? runs_of(a->p, part) : NULL;
    return head && head[1] ? head : NULL;
}

/* The input of layer i: the batch, or the layer below's activations. */
static const real *input_of(const Plan *p, int i)
{
    return i ? p->layer[i - 1].z : p->x;
}

static void hidden_part(StepArgs *a, int part, int i)  /* columns lo..hi of Z = A Wᵀ + b */
{
    const Plan *p = a->p;
    const Layer *l = &p->layer[i];
    Py_ssize_t lo, hi;
    share(l->n_out, part, a->parts, 16, &lo, &hi);
    const real *W = l->W, *b = l->b;
    real *z = l->z;
    if (hi == lo)
        return;
    const Py_ssize_t *kept = kept_runs(a, part, i);
    if (kept) {  /* the features some sample of the batch touches, K = u of them */
        const Py_ssize_t u = kept[1];
        real *Wc = (real *)p->Wc + lo * u;
        TYPED(take_runs)(W + lo * l->n_in, l->n_in, Wc, u, hi - lo, kept + 2, kept[0]);
        gemm(p, NO_TRANS, TRANS, a->n, hi - lo, u, 1, p->xc, u, Wc, u, 0, z + lo, l->n_out);
    } else {
        gemm(p, NO_TRANS, TRANS, a->n, hi - lo, l->n_in, 1, input_of(p, i), l->n_in,
             W + lo * l->n_in, l->n_in, 0, z + lo, l->n_out);
    }
    TYPED(bias_act_loop)(z + lo, b + lo, a->n, hi - lo, l->n_out, l->act, (real)l->alpha);
}

static void output_part(StepArgs *a, int part, int i)  /* blocks lo..hi of rows */
{
    const Plan *p = a->p;
    const Layer *top = &p->layer[i];
    const Py_ssize_t n = a->n, k = top->n_out, blocks = (n + BLOCK_ROWS - 1) / BLOCK_ROWS;
    Py_ssize_t lo, hi;
    share(blocks, part, a->parts, 1, &lo, &hi);
    Py_ssize_t row = lo * BLOCK_ROWS, rows = (hi * BLOCK_ROWS < n ? hi * BLOCK_ROWS : n) - row;
    if (rows <= 0)
        return;
    real *out = top->z, *partial = p->partial, scale = (real)a->scale, alpha = (real)top->alpha;
    gemm(p, NO_TRANS, TRANS, rows, k, top->n_in, 1, input_of(p, i) + row * top->n_in,
         top->n_in, top->W, top->n_in, 0, out + row * k, k);
    TYPED(bias_act_loop)(out + row * k, top->b, rows, k, k, top->act, alpha);
    for (Py_ssize_t b = lo; b < hi; b++) {  /* each block's cost, count and bias gradient */
        Py_ssize_t first = b * BLOCK_ROWS, m = n - first < BLOCK_ROWS ? n - first : BLOCK_ROWS;
        real *z = out + first * k, *db = partial + b * k;
        const int64_t *idx = a->idx + first;
        long *right = &p->block_correct[b];
        if (p->head == HEAD_SOFTMAX_XENT)
            p->block_cost[b] = TYPED(softmax_xent_loop)(z, m, k, p->labels, idx, scale, db,
                                                        right);
        else if (p->head == HEAD_SIGMOID_BCE)
            p->block_cost[b] = TYPED(sigmoid_bce_loop)(z, m, k, p->targets, p->labels, idx,
                                                       scale, db, right);
        else
            p->block_cost[b] = TYPED(squared_loop)(z, m, k, p->targets, p->labels, idx, scale,
                                                   (real)p->factor, top->act, alpha, db, right);
    }
}

/* Prediction: rows lo..hi of the batch through every layer, gathered, then each layer's
 * Z = A Wᵀ + b and its activation on those rows alone. A share needs no other share's
 * output, so the threads never meet; each packs only its own rows of the input (a split by
 * columns would have every thread pack all of them). */
static void forward_rows_part(StepArgs *a, int part, int i)
{
    (void)i;
    const Plan *p = a->p;
    Py_ssize_t lo, hi;
    share(a->n, part, a->parts, 1, &lo, &hi);
    if (hi == lo)
        return;
    real *x = p->x;
    TYPED(gather_rows)(p->kx, p->X, a->idx + lo, hi - lo, p->d, p->mean, p->scale, x + lo * p->d);
    for (int j = 0; j < p->n_layers; j++) {
        const Layer *l = &p->layer[j];
        const real *W = l->W, *b = l->b;
        real *z = l->z;
        gemm(p, NO_TRANS, TRANS, hi - lo, l->n_out, l->n_in, 1, input_of(p, j) + lo * l->n_in,
             l->n_in, W, l->n_in, 0, z + lo * l->n_out, l->n_out);
        TYPED(bias_act_loop)(z + lo * l->n_out, b, hi - lo, l->n_out, l->n_out, l->act,
                             (real)l->alpha);
    }
}

static void input_grad_part(StepArgs *a, int part, int i)  /* columns lo..hi of G Wᵢ */
{
    const Plan *p = a->p;
    const Layer *l = &p->layer[i], *below = &p->layer[i - 1];
    const real *g = i + 1 < p->n_layers ? p->layer[i + 1].dx : l->z, *W = l->W, *h = below->z;
    real *dx = l->dx, *db = below->db, *b = below->b;
    Py_ssize_t lo, hi;
    share(l->n_in, part, a->parts, 16, &lo, &hi);
    if (hi > lo) {  /* with W before its update */
        gemm(p, NO_TRANS, NO_TRANS, a->n, hi - lo, l->n_out, 1, g, l->n_out, W + lo, l->n_in, 0,
             dx + lo, l->n_in);
        TYPED(act_backward_loop)(dx + lo, h + lo, db + lo, b + lo, a->fused, a->n, hi - lo,
                                 l->n_in, below->act, (real)below->alpha);
    }
}

static void update_part(StepArgs *a, int part, int i)  /* rows lo..hi of W and b */
{
    const Plan *p = a->p;
    const Layer *l = &p->layer[i];
    const real *g = i + 1 < p->n_layers ? p->layer[i + 1].dx : l->z, *input = input_of(p, i),
               *partial = p->partial;
    real *W = l->W, *dW = l->dW, *b = l->b, *db = l->db;
    Py_ssize_t lo, hi, n = a->n;
    share(l->n_out, part, a->parts, 1, &lo, &hi);
    if (hi == lo)
        return;
    if (i == p->n_layers - 1) {  /* the output layer's db: the blocks' column sums, in order */
        const Py_ssize_t k = l->n_out, blocks = (n + BLOCK_ROWS - 1) / BLOCK_ROWS;
        for (Py_ssize_t j = lo; j < hi; j++) {
            real sum = 0;
            for (Py_ssize_t r = 0; r < blocks; r++)
                sum += partial[r * k + j];
            db[j] = sum;
            if (a->fused)
                b[j] -= sum;
        }
    }
    const Py_ssize_t *kept = kept_runs(a, part, i);
    if (kept) {  /* u columns into Wc (fused: Wc still holds W's, copied by the forward
                  * shares), then put back in place */
        const Py_ssize_t u = kept[1];
        real *Wc = (real *)p->Wc + lo * u;
        gemm(p, TRANS, NO_TRANS, hi - lo, u, n, a->fused ? -1 : 1, g + lo, l->n_out, p->xc, u,
             a->fused ? 1 : 0, Wc, u);
        TYPED(put_runs)(Wc, u, (a->fused ? W : dW) + lo * l->n_in, l->n_in, l->n_in, hi - lo,
                        kept + 2, kept[0], !a->fused);
    } else if (a->fused) {
        gemm(p, TRANS, NO_TRANS, hi - lo, l->n_in, n, -1, g + lo, l->n_out, input, l->n_in, 1,
             W + lo * l->n_in, l->n_in);
    } else {
        gemm(p, TRANS, NO_TRANS, hi - lo, l->n_in, n, 1, g + lo, l->n_out, input, l->n_in, 0,
             dW + lo * l->n_in, l->n_in);
    }
    Py_ssize_t at = lo * l->n_in, size = (hi - lo) * l->n_in;
    real rule[9];  /* the optimizer's numbers, rounded to real */
    for (int j = 0; j < 9 && (a->adam || a->sgd); j++)
        rule[j] = (real)(a->adam ? a->adam[j] : j < 4 ? a->sgd[j] : 0.0);
    real *mW = l->mW, *vW = l->vW, *mb = l->mb, *vb = l->vb;
    if (a->adam) {  /* these rows of W and entries of b: their gradients are done */
        TYPED(adam_loop)(W + at, dW + at, mW + at, vW + at, size, rule);
        TYPED(adam_loop)(b + lo, db + lo, mb + lo, vb + lo, hi - lo, rule);
    } else if (a->sgd) {
        TYPED(sgd_loop)(W + at, dW + at, mW + at, size, rule);
        TYPED(sgd_loop)(b + lo, db + lo, mb + lo, hi - lo, rule);
    }
}

typedef void (*Phase)(StepArgs *a, int part, int layer);

/* Thread t's share of a phase, then the barrier (meet); on one thread, every share in turn. */
static void run_phase(StepArgs *a, int t, unsigned *sense, Phase phase, int layer, int meet)
{
    if (a->threads == 1) {
        for (int part = 0; part < a->parts; part++)
            phase(a, part, layer);
    } else {
        phase(a, t, layer);
        if (meet)
            barrier(a, sense);
    }
}

/* Thread t's part of a step (every part, on one thread): gather, forward, softmax
 * cross-entropy, backward and the update (fused) or the gradients dW and db (not fused). The
 * cost is checked after the softmax: if it is not finite nothing is written to the layers. */
void TYPED(step_phases)(StepArgs *a, int t)
{
    const Plan *p = a->p;
    const int L = p->n_layers;
    unsigned sense = 0;
    if (a->forward_only) {  /* prediction: each share its own rows, no barrier */
        run_phase(a, t, &sense, forward_rows_part, 0, 0);
        return;
    }
    run_phase(a, t, &sense, gather_part, 0, 1);
    if (may_compact(a))
        run_phase(a, t, &sense, compact_part, 0, 1);
    if (p->runs && t == 0) {  /* the plan's count (plan.h) */
        Py_ssize_t kept = may_compact(a) ? runs_of(p, 0)[1] : 0;
        p->compacted[0] += kept != 0;
        p->compacted[1] = kept;
    }
    for (int i = 0; i + 1 < L; i++)
        run_phase(a, t, &sense, hidden_part, i, 1);
    run_phase(a, t, &sense, output_part, L - 1, 1);
    double cost = 0.0;  /* every thread adds the blocks up in the same order */
    long correct = 0;
    for (Py_ssize_t b = 0; b < (a->n + BLOCK_ROWS - 1) / BLOCK_ROWS; b++) {
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
        if (i)
            run_phase(a, t, &sense, input_grad_part, i, 1);
        run_phase(a, t, &sense, update_part, i, 0);
    }
}

#ifndef REAL_F64
/* ---- compiled once ------------------------------------------------------------------------ */

/* Thread t's part of the step a, in the plan's element type. */
void step_part(StepArgs *a, int t)
{
    if (a->p->type == F64)
        step_phases_f64(a, t);
    else
        step_phases(a, t);
}

/* *out = obj as a double (a float, or an object with __float__ or __index__); -1 otherwise. */
static int double_arg(PyObject *obj, double *out)
{
    *out = PyFloat_AsDouble(obj);
    return *out == -1.0 && PyErr_Occurred() ? -1 : 0;
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
    if (p->head == HEAD_NONE) {
        PyErr_SetString(PyExc_ValueError, "a plan made for prediction (head 3) cannot train");
        return NULL;
    }
    double scale, rule[9];
    int fused = PyObject_IsTrue(args[3]);
    Py_ssize_t numbers = PyTuple_Check(args[4]) ? PyTuple_GET_SIZE(args[4]) : 0;
    if (double_arg(args[2], &scale) < 0 || fused < 0)
        return NULL;
    if (args[4] != Py_None) {
        const Layer *l = &p->layer[0];
        int adam_ok = numbers == 9 && l->vW != NULL, sgd_ok = numbers == 4 && l->mW != NULL &&
                                                                l->vW == NULL;
        if (fused || !(adam_ok || sgd_ok)) {
            PyErr_SetString(PyExc_ValueError, "adam must be None, Adam's 9 numbers (for a plan "
                            "made with Adam's moments) or SGD's 4 (lr, momentum, weight decay, "
                            "nesterov; for a plan made with velocities), and the step not fused");
            return NULL;
        }
        for (int i = 0; i < numbers; i++)
            if (double_arg(PyTuple_GET_ITEM(args[4], i), &rule[i]) < 0)
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
                    .adam = numbers == 9 ? rule : NULL, .sgd = numbers == 4 ? rule : NULL};
    Py_BEGIN_ALLOW_THREADS
    run_step(&job);
    Py_END_ALLOW_THREADS
    release(&a);
    return Py_BuildValue("(dl)", job.cost, job.correct);
fail:
    release(&a);
    return NULL;
}

/* compacted(plan) -> (steps, features): how many steps of this plan have left the batch's
 * blank features out of the first layer, and how many features the last step kept (0 if it
 * kept them all); (0, 0) for a plan that never does (one layer, or prediction). */
PyObject *compacted(PyObject *Py_UNUSED(self), PyObject *plan)
{
    const Plan *p = plan_of(plan);
    if (p == NULL)
        return NULL;
    return Py_BuildValue("(nn)", p->compacted ? p->compacted[0] : 0,
                         p->compacted ? p->compacted[1] : 0);
}

#endif
