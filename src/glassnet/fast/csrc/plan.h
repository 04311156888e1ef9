/* A plan: a network's arrays, checked and bound once by make_plan, for step() to run on batch
 * after batch. The plan holds a view of every array it uses until it is freed, so none of them
 * can be resized or freed under a step. */
#ifndef GLASSNET_PLAN_H
#define GLASSNET_PLAN_H

#include "common.h"

#define BLOCK_ROWS 16  /* rows of the output layer's blocks (step.c) */

typedef struct {
    /* the arrays, of the plan's element type (float * or double *, real.h) */
    void *W, *b, *dW, *db, *z, *dx;  /* dx: the gradient of the layer's input (NULL: first) */
    void *mW, *vW, *mb, *vb;  /* Adam's moments of W and b, or SGD's velocities mW, mb */
    Py_ssize_t n_in, n_out;
    int act;  /* the activation after the layer (kernels.h enum act) */
    double alpha;  /* LeakyReLU's slope */
} Layer;

typedef struct {
    enum kind type;  /* the element type of the network's arrays: F32 or F64 */
    void *sgemm;  /* cblas_sgemm, or cblas_dgemm for a float64 plan */
    void *sgemv;  /* cblas_sgemv (dgemv), for products with one row or one column (NULL: gemm) */
    int int64;  /* sizes are int64_t (NumPy's OpenBLAS "64_" symbols) or int */
    const void *X;
    enum kind kx;
    Py_ssize_t rows, d, cap;  /* samples in X, features, rows of the batch buffers */
    const int64_t *labels;  /* class ids, or NULL (a cost on values without classes) */
    int head;  /* the cost on the output (kernels.h enum head) */
    double factor;  /* the squared-error family's: 1, 1/2 or 1/k */
    const void *targets;  /* (rows, k) values, for the costs other than softmax's */
    const void *mean, *scale;  /* these, x and partial: of the element type too */
    void *x;
    int n_layers;
    Layer *layer;
    int (*get_threads)(void);  /* OpenBLAS's thread count, or NULL: no team (see team.h) */
    void (*set_threads)(int);
    /* Per block of BLOCK_ROWS rows of the batch: the column sums of the output gradient, the
     * cost and the correct count, added up block by block in order whatever the threads */
    void *partial;
    double *block_cost;
    long *block_correct;
    /* The batch's blank features (step.c), for a training plan of two layers or more (else
     * NULL): per share of the gather, which features are non-zero in its rows (TEAM_MAX rows of
     * d flags); per share, the runs of features non-zero in the batch ((2 + 2 d) numbers
     * each: the count of runs, the features in them or 0 when the batch is not compacted, then
     * (first feature, length) per run); the batch's rows and the first layer's W (or its
     * gradient) on those features alone; and how many steps were compacted and the features the
     * last step kept (0: it was not compacted). */
    unsigned char *nonzero;
    Py_ssize_t *runs;
    void *xc, *Wc;
    Py_ssize_t *compacted;  /* two numbers, at the end of runs' memory */
    Py_buffer *views;  /* every array the plan uses, held until it is freed */
    int n_views;
} Plan;

INTERNAL PyObject *make_plan(PyObject *self, PyObject *const *args, Py_ssize_t nargs);
INTERNAL const Plan *plan_of(PyObject *capsule);

#endif
