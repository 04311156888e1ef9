/* Prediction on a plan (plan.h): the forward pass alone, of any input with the plan's number
 * of features, so that one plan serves call after call (glassnet/fast/predict.py keeps it). */
#ifndef GLASSNET_FORWARD_H
#define GLASSNET_FORWARD_H

#include "common.h"

INTERNAL PyObject *forward(PyObject *self, PyObject *const *args, Py_ssize_t nargs);

#endif
