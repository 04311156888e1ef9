/* Arrays from the buffer protocol, checked: see buffers.h. */
#include "buffers.h"

#include <string.h>

static const char *const KIND_NAME[] = {"float32", "float64", "uint8", "int64"};

/* Whether the elements of v are of kind k, in the machine's byte order. */
int has_kind(const Py_buffer *v, enum kind k)
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

/* Releases every array taken into a. */
void release(Arrays *a)
{
    while (a->n > 0)
        PyBuffer_Release(&a->v[--a->n]);
}

/* The next array: C-contiguous, with ndim dimensions; writable if asked. */
Py_buffer *take_any(Arrays *a, PyObject *obj, const char *name, const char *kinds, int ndim,
                    int writable)
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
Py_buffer *take(Arrays *a, PyObject *obj, const char *name, enum kind k, int ndim, int writable)
{
    Py_buffer *v = take_any(a, obj, name, KIND_NAME[k], ndim, writable);
    if (v && !has_kind(v, k)) {
        PyErr_Format(PyExc_TypeError, "%s must be an array of %s", name, KIND_NAME[k]);
        return NULL;
    }
    return v;
}

/* Whether v has n entries (rows, if 2D); check_shape: and `cols` columns. */
int check_length(const Py_buffer *v, Py_ssize_t n, const char *name)
{
    if (v->shape[0] != n) {
        PyErr_Format(PyExc_ValueError, "%s has %zd entries where %zd are needed", name,
                     v->shape[0], n);
        return -1;
    }
    return 0;
}

int check_shape(const Py_buffer *v, Py_ssize_t n, Py_ssize_t cols, const char *name)
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

/* The kind of a data array the gather reads (uint8, float32 or float64); -1 (with TypeError)
 * for any other. */
int gathered_kind(const Py_buffer *X)
{
    static const enum kind gathered[] = {U8, F32, F64};
    for (int i = 0; i < 3; i++)
        if (has_kind(X, gathered[i]))
            return gathered[i];
    PyErr_SetString(PyExc_TypeError, "X must be a uint8, float32 or float64 array");
    return -1;
}

/* 0 if every one of the n sample indices is in [0, rows); -1 (with IndexError) otherwise. */
int check_indices(const int64_t *idx, Py_ssize_t n, Py_ssize_t rows)
{
    for (Py_ssize_t i = 0; i < n; i++)
        if (idx[i] < 0 || idx[i] >= rows) {
            PyErr_Format(PyExc_IndexError, "sample index %lld is out of range for %zd rows",
                         (long long)idx[i], rows);
            return -1;
        }
    return 0;
}

/* *out = float32(obj) for a float (or an object with __float__ or __index__); -1 otherwise. */
int float_arg(PyObject *obj, float *out)
{
    double d = PyFloat_AsDouble(obj);
    if (d == -1.0 && PyErr_Occurred())
        return -1;
    *out = (float)d;
    return 0;
}

/* 0 if a function fn that takes `expected` arguments got nargs; -1 (with TypeError) otherwise. */
int check_nargs(Py_ssize_t nargs, Py_ssize_t expected, const char *fn)
{
    if (nargs != expected) {
        PyErr_Format(PyExc_TypeError, "%s() takes %zd arguments (%zd given)", fn, expected, nargs);
        return -1;
    }
    return 0;
}
