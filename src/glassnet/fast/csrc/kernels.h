/* The element-wise loops of the training step: plain C on arrays of `real` (float32 or float64,
 * real.h: each file that includes this is of one type and sees that type's loops) that are already
 * checked (buffers.h), with no Python objects, so they run with the GIL released and on either
 * thread of the team. Each fuses work that NumPy does in several passes and calls, and
 * computes what the layer-by-layer NumPy code computes, in the same order of operations where
 * it matters (tests/test_fastpath.py compares the two). */
#ifndef GLASSNET_KERNELS_H
#define GLASSNET_KERNELS_H

#include "common.h"
#include "real.h"

INTERNAL void TYPED(gather_rows)(enum kind kx, const void *X, const int64_t *idx, Py_ssize_t n,
                                 Py_ssize_t d, const real *mean, const real *scale, real *out);
/* The columns of a batch that hold anything but 0, and copies by runs of columns (step.c: the
 * batch's blank features). */
INTERNAL void TYPED(nonzero_columns)(const real *x, Py_ssize_t n, Py_ssize_t d,
                                     unsigned char *flags);
INTERNAL void TYPED(take_runs)(const real *src, Py_ssize_t ld_src, real *dst, Py_ssize_t ld_dst,
                               Py_ssize_t rows, const Py_ssize_t *runs, Py_ssize_t n_runs);
INTERNAL void TYPED(put_runs)(const real *src, Py_ssize_t ld_src, real *dst, Py_ssize_t ld_dst,
                              Py_ssize_t d, Py_ssize_t rows, const Py_ssize_t *runs,
                              Py_ssize_t n_runs, int zero_gaps);
INTERNAL void TYPED(bias_relu_loop)(real *z, const real *b, Py_ssize_t n, Py_ssize_t k,
                                    Py_ssize_t ld);
INTERNAL void TYPED(bias_add_loop)(real *z, const real *b, Py_ssize_t n, Py_ssize_t k,
                                   Py_ssize_t ld);
INTERNAL void TYPED(relu_backward_loop)(real *d, const real *h, real *db, real *b, int update,
                                        Py_ssize_t n, Py_ssize_t k, Py_ssize_t ld);
INTERNAL double TYPED(softmax_xent_loop)(real *z, Py_ssize_t n, Py_ssize_t k, const int64_t *labels,
                                         const int64_t *idx, real scale, real *db, long *correct);
/* The activations a hidden layer (or, with a squared-error cost, the output) may have. */
enum act { ACT_RELU, ACT_LEAKY, ACT_SIGMOID, ACT_TANH, ACT_IDENTITY };
/* The costs the step computes on the output layer. */
enum head { HEAD_SOFTMAX_XENT, HEAD_SIGMOID_BCE, HEAD_SQUARED, HEAD_NONE };
/* HEAD_NONE: a plan for prediction (forward only), with neither labels nor targets */

INTERNAL void TYPED(bias_act_loop)(real *z, const real *b, Py_ssize_t n, Py_ssize_t k,
                                   Py_ssize_t ld, int act, real alpha);
INTERNAL void TYPED(act_backward_loop)(real *d, const real *h, real *db, real *b, int update,
                                       Py_ssize_t n, Py_ssize_t k, Py_ssize_t ld, int act,
                                       real alpha);
INTERNAL double TYPED(sigmoid_bce_loop)(real *z, Py_ssize_t n, Py_ssize_t k, const real *targets,
                                        const int64_t *labels, const int64_t *idx, real scale,
                                        real *db, long *correct);
INTERNAL double TYPED(squared_loop)(real *y, Py_ssize_t n, Py_ssize_t k, const real *targets,
                                    const int64_t *labels, const int64_t *idx, real scale,
                                    real factor, int act, real alpha, real *db, long *correct);
INTERNAL void TYPED(sgd_loop)(real *p, const real *g, real *v, Py_ssize_t n, const real *s);
INTERNAL void TYPED(adam_loop)(real *p, const real *g, real *m, real *v, Py_ssize_t n,
                               const real *s);

#endif
