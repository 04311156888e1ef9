/* Arrays from the buffer protocol, checked (dtype, C order, shape, writability, index ranges)
 * before any loop touches them, so that a wrong call raises a Python exception instead of
 * reading or writing memory it should not. */
#ifndef GLASSNET_BUFFERS_H
#define GLASSNET_BUFFERS_H

#include "common.h"

/* Up to 8 arrays per call, released together. */
typedef struct {
    Py_buffer v[8];
    int n;
} Arrays;

#define ROWS(v) ((v)->shape[0])
#define COLS(v) ((v)->shape[1])

INTERNAL int has_kind(const Py_buffer *v, enum kind k);
INTERNAL void release(Arrays *a);
INTERNAL Py_buffer *take_any(Arrays *a, PyObject *obj, const char *name, const char *kinds,
                             int ndim, int writable);
INTERNAL Py_buffer *take(Arrays *a, PyObject *obj, const char *name, enum kind k, int ndim,
                         int writable);
INTERNAL int check_length(const Py_buffer *v, Py_ssize_t n, const char *name);
INTERNAL int check_shape(const Py_buffer *v, Py_ssize_t n, Py_ssize_t cols, const char *name);
INTERNAL int gathered_kind(const Py_buffer *X);
INTERNAL int check_indices(const int64_t *idx, Py_ssize_t n, Py_ssize_t rows);
INTERNAL int float_arg(PyObject *obj, float *out);
INTERNAL int check_nargs(Py_ssize_t nargs, Py_ssize_t expected, const char *fn);

#endif
