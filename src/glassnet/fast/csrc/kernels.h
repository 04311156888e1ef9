/* The element-wise loops of the training step: plain C on float32 arrays that are already
 * checked (buffers.h), with no Python objects, so they run with the GIL released and on either
 * thread of the team. Each fuses work that NumPy does in several passes and calls, and
 * computes what the layer-by-layer NumPy code computes, in the same order of operations where
 * it matters (tests/test_fastpath.py compares the two). */
#ifndef GLASSNET_KERNELS_H
#define GLASSNET_KERNELS_H

#include "common.h"

INTERNAL void gather_rows(enum kind kx, const void *X, const int64_t *idx, Py_ssize_t n,
                          Py_ssize_t d, const float *mean, const float *scale, float *out);
INTERNAL void bias_relu_loop(float *z, const float *b, Py_ssize_t n, Py_ssize_t k,
                             Py_ssize_t ld);
INTERNAL void bias_add_loop(float *z, const float *b, Py_ssize_t n, Py_ssize_t k,
                            Py_ssize_t ld);
INTERNAL void relu_backward_loop(float *d, const float *h, float *db, float *b, int update,
                                 Py_ssize_t n, Py_ssize_t k, Py_ssize_t ld);
INTERNAL double softmax_xent_loop(float *z, Py_ssize_t n, Py_ssize_t k, const int64_t *labels,
                                  const int64_t *idx, float scale, float *db, long *correct);
/* The activations a hidden layer (or, with a squared-error cost, the output) may have. */
enum act { ACT_RELU, ACT_LEAKY, ACT_SIGMOID, ACT_TANH, ACT_IDENTITY };
/* The costs the step computes on the output layer. */
enum head { HEAD_SOFTMAX_XENT, HEAD_SIGMOID_BCE, HEAD_SQUARED, HEAD_NONE };
/* HEAD_NONE: a plan for prediction (forward only), with neither labels nor targets */

INTERNAL void bias_act_loop(float *z, const float *b, Py_ssize_t n, Py_ssize_t k, Py_ssize_t ld,
                            int act, float alpha);
INTERNAL void act_backward_loop(float *d, const float *h, float *db, float *b, int update,
                                Py_ssize_t n, Py_ssize_t k, Py_ssize_t ld, int act, float alpha);
INTERNAL double sigmoid_bce_loop(float *z, Py_ssize_t n, Py_ssize_t k, const float *targets,
                                 const int64_t *labels, const int64_t *idx, float scale,
                                 float *db, long *correct);
INTERNAL double squared_loop(float *y, Py_ssize_t n, Py_ssize_t k, const float *targets,
                             const int64_t *labels, const int64_t *idx, float scale,
                             float factor, int act, float alpha, float *db, long *correct);
INTERNAL void sgd_loop(float *p, const float *g, float *v, Py_ssize_t n, const float *s);
INTERNAL void adam_loop(float *p, const float *g, float *m, float *v, Py_ssize_t n,
                        const float *s);

#endif
