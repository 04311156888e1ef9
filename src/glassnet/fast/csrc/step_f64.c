/* The float64 instance of step.c (its typed part): see real.h. */
#define REAL_F64
#include "step.c"
