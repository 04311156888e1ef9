/* A team of two threads for the step. OpenBLAS runs each GEMM on two threads, but the work
 * between GEMMs ran on one while OpenBLAS's second thread spun, waiting. On a team of two, each
 * thread takes half of every GEMM (as a single-threaded OpenBLAS call: the step sets OpenBLAS
 * to one thread while it runs) and half of the element-wise work (step.c's step_part), and
 * they meet at a barrier where one needs the other's half. The helper thread is started by the
 * first step that uses it, spins between steps and sleeps when none comes for a while; one per
 * process, taken by one step at a time. POSIX threads only: elsewhere every step runs on the
 * calling thread. */
#ifndef GLASSNET_TEAM_H
#define GLASSNET_TEAM_H

#include "common.h"

#if defined(__unix__) || defined(__APPLE__)
#define HAVE_TEAM 1
#include <stdatomic.h>
#else
#define HAVE_TEAM 0
#endif

#define TEAM_MAX 2  /* threads a step can run on */

struct StepArgs;

INTERNAL void barrier(struct StepArgs *a, unsigned *sense);
INTERNAL int team_step(struct StepArgs *a);
INTERNAL PyObject *team_steps(PyObject *self, PyObject *unused);

#endif
