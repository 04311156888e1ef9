/* What every file of glassnet's compiled training step shares: Python's headers (first, as
 * Python asks), the element types of the arrays, and how functions shared between the files
 * stay inside the extension.
 *
 * The extension (glassnet.fast._ckernels, imported only by glassnet/fast/step.py) is these
 * files: buffers.c (arguments from the buffer protocol, checked), kernels.c (the element-wise
 * loops), kernel_calls.c (each loop as a Python function), plan.c (a network's arrays, bound
 * once), team.c (the team of two threads), step.c (a whole training step in one call) and
 * module.c (the module's table); kernels_f64.c and step_f64.c compile kernels.c and step.c
 * again for float64 networks (real.h). docs/performance.md tells why the step is built this way.
 *
 * Built as an optional extension (setup.py): without a C compiler glassnet installs and trains
 * on the NumPy path. Compiled with -O3 and no fast-math: IEEE arithmetic, as NumPy's.
 */
#ifndef GLASSNET_COMMON_H
#define GLASSNET_COMMON_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

/* Functions one file offers the others are hidden from the extension's symbol table, as if
 * they were static: only PyInit__ckernels is exported. */
#if defined(__GNUC__)
#define INTERNAL __attribute__((visibility("hidden")))
#else
#define INTERNAL
#endif

/* The element types of the arrays the extension reads and writes. */
enum kind { F32, F64, U8, I64 };

#endif
