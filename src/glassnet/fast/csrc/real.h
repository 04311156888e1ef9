/* The element type of the typed code: float32 or float64, from one source.
 *
 * kernels.c and step.c are written once, on `real`. Compiled as they are, real is float and
 * every name is what it always was (the float32 step); kernels_f64.c and step_f64.c define
 * REAL_F64 and #include them again, so real is double and each function that the other files
 * call gains the suffix _f64 (TYPED(name)). A plan records its element type (plan.h, real), and
 * step.c's step_part runs the phases of that type. Everything else (plan.c, buffers.c,
 * kernel_calls.c, team.c, module.c) is compiled once. */
#ifndef GLASSNET_REAL_H
#define GLASSNET_REAL_H

#include <math.h>

#ifdef REAL_F64
typedef double real;
#define TYPED(name) name##_f64
#define REAL_KIND F64
#define LOG log
#define LOG1P log1p
#define EXP exp
#define SQRT sqrt
#else
typedef float real;
#define TYPED(name) name
#define REAL_KIND F32
#define LOG logf
#define LOG1P log1pf
#define EXP expf
#define SQRT sqrtf
#endif

#endif
