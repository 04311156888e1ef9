/* The whole training step in one call: step(plan, idx, scale, fused, adam) runs gather,
 * forward, softmax cross-entropy, backward and the update (plain SGD inside its GEMM, or Adam)
 * on the arrays a plan binds (plan.h), with the GEMMs done by the cblas_sgemm (cblas_dgemm for
 * a float64 plan) of NumPy's own OpenBLAS, whose address glassnet/fast/blas.py found. It is
 * the sequence glassnet/fast/step.py would otherwise run from Python (where that sgemm cannot
 * be reached), without the Python and call overhead of each part (docs/performance.md). */
#ifndef GLASSNET_STEP_H
#define GLASSNET_STEP_H

#include "common.h"
#include "plan.h"
#include "team.h"

/* One step's arguments and results, and the state of its barrier (team.h). */
typedef struct StepArgs {
    const Plan *p;
    const int64_t *idx;
    Py_ssize_t n;
    double scale;  /* these numbers: rounded to the plan's element type where they are used */
    int fused, threads, parts;  /* threads running the step; shares each phase is cut into */
    int forward_only;  /* prediction: each share's rows gathered and through every layer */
    const double *adam;  /* Adam's 9 numbers (see adam_loop), or NULL */
    const double *sgd;  /* SGD's 4 numbers (see sgd_loop), or NULL */
    double cost;  /* the step's results: the sum of the per-sample costs, the correct count */
    long correct;
#if HAVE_TEAM
    atomic_uint arrived, sense;
#endif
} StepArgs;

INTERNAL void step_part(StepArgs *a, int t);  /* the phases of the plan's type, below */
INTERNAL void step_phases(StepArgs *a, int t);
INTERNAL void step_phases_f64(StepArgs *a, int t);
INTERNAL PyObject *step(PyObject *self, PyObject *const *args, Py_ssize_t nargs);
INTERNAL PyObject *compacted(PyObject *self, PyObject *plan);

#endif
