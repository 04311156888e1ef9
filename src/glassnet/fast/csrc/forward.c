/* forward(plan, X, start, n): see forward.h. */
#include "forward.h"

#include "buffers.h"
#include "plan.h"
#include "step.h"

/* forward(plan, X, start, n) -> None: the forward pass of the n samples X[start:start + n]
 * (1 to cap of them; X uint8, float32 or float64 with the plan's features, in place of the X
 * the plan was made with): gathered, then the hidden layers and the output layer with its
 * activation, into each layer's z (the output layer's z holds the result), each share of the
 * rows on a thread of the team or all of them on one thread, as a training step would run. */
PyObject *forward(PyObject *Py_UNUSED(self), PyObject *const *args, Py_ssize_t nargs)
{
    if (check_nargs(nargs, 4, "forward") < 0)
        return NULL;
    const Plan *p = plan_of(args[0]);
    if (p == NULL)
        return NULL;
    Arrays a = {.n = 0};
    Py_buffer *X = take_any(&a, args[1], "X", "uint8, float32 or float64", 2, 0);
    int kind = X ? gathered_kind(X) : -1;
    if (kind < 0 || check_shape(X, ROWS(X), p->d, "X") < 0)
        goto fail;
    Py_ssize_t start = PyLong_AsSsize_t(args[2]), n = PyLong_AsSsize_t(args[3]);
    if (PyErr_Occurred())
        goto fail;
    if (n < 1 || n > p->cap || start < 0 || start > ROWS(X) - n) {
        PyErr_Format(PyExc_ValueError, "forward takes 1 to %zd rows within the %zd of X",
                     p->cap, ROWS(X));
        goto fail;
    }
    int64_t *idx = PyMem_Malloc(n * sizeof(int64_t));
    if (idx == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    for (Py_ssize_t i = 0; i < n; i++)
        idx[i] = start + i;
    Plan with_x = *p;  /* the plan's layers and buffers, this X */
    with_x.X = X->buf;
    with_x.kx = kind;
    with_x.rows = ROWS(X);
    StepArgs job = {.p = &with_x, .idx = idx, .n = n, .scale = 1.0, .forward_only = 1};
    Py_BEGIN_ALLOW_THREADS
    run_step(&job);
    Py_END_ALLOW_THREADS
    PyMem_Free(idx);
    release(&a);
    Py_RETURN_NONE;
fail:
    release(&a);
    return NULL;
}
