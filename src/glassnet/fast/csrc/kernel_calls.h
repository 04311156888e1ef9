/* The element-wise kernels as Python functions (METH_FASTCALL): gather, bias_relu, bias_add,
 * softmax_xent, relu_backward and adam; module.c lists them with their docstrings. */
#ifndef GLASSNET_KERNEL_CALLS_H
#define GLASSNET_KERNEL_CALLS_H

#include "common.h"

INTERNAL PyObject *gather(PyObject *self, PyObject *const *args, Py_ssize_t nargs);
INTERNAL PyObject *bias_relu(PyObject *self, PyObject *const *args, Py_ssize_t nargs);
INTERNAL PyObject *bias_add(PyObject *self, PyObject *const *args, Py_ssize_t nargs);
INTERNAL PyObject *softmax_xent(PyObject *self, PyObject *const *args, Py_ssize_t nargs);
INTERNAL PyObject *relu_backward(PyObject *self, PyObject *const *args, Py_ssize_t nargs);
INTERNAL PyObject *adam(PyObject *self, PyObject *const *args, Py_ssize_t nargs);

#endif
