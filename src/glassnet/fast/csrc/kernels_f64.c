/* The float64 instance of kernels.c: see real.h. */
#define REAL_F64
#include "kernels.c"
