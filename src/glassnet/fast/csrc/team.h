/* A team of threads for the step, sized from the cores the process may use, and the choice,
 * step by step, between the team and one thread.
 *
 * OpenBLAS runs each GEMM on its own threads, but the work between GEMMs ran on one while
 * OpenBLAS's other threads spun, waiting. On a team of N, each thread takes its share of every
 * GEMM (as a single-threaded OpenBLAS call: the step sets OpenBLAS to one thread while it runs)
 * and of the element-wise work (step.c's step_part), and they meet at a barrier where one needs
 * another's share. The helper threads are started by the first step that uses them, spin
 * between steps and sleep when none comes for a while; one team per process, taken by one step
 * at a time.
 *
 * N = min(the usable cores glassnet/cores.py found (affinity, cgroup quota), OpenBLAS's
 * own thread count, TEAM_MAX). On a busy machine a helper (or an OpenBLAS thread) may not get a
 * core: its partners then wait a whole scheduler slice at every barrier and the step collapses.
 * So the step times itself: it runs in the mode that has been faster lately (the team, or the
 * calling thread alone with OpenBLAS on one thread too), and now and then tries the other
 * (choose/record in team.c): soon after a switch, then ever more rarely, and never more often
 * than keeps a failed trial's extra time within 2 % of the time between trials (one team step
 * beside two busy processes can wait out whole scheduler slices). A trial of the team waits
 * while every core its helpers could take is wanted by another runnable thread (the kernel's
 * count, /proc/loadavg), up to LONGEST steps. Both modes give the same numbers, bit for bit
 * (step.c sums the output layer's bias gradient in fixed blocks of rows), so the choice never
 * changes a result.
 * POSIX threads only: elsewhere every step runs on the calling thread. */
#ifndef GLASSNET_TEAM_H
#define GLASSNET_TEAM_H

#include "common.h"

#if defined(__unix__) || defined(__APPLE__)
#define HAVE_TEAM 1
#include <stdatomic.h>
#else
#define HAVE_TEAM 0
#endif

#define TEAM_MAX 8  /* threads a step can run on */

struct StepArgs;

INTERNAL void barrier(struct StepArgs *a, unsigned *sense);
INTERNAL void run_step(struct StepArgs *a);
INTERNAL PyObject *team_steps(PyObject *self, PyObject *unused);
INTERNAL PyObject *team_config(PyObject *self, PyObject *const *args, Py_ssize_t nargs);
INTERNAL PyObject *team_state(PyObject *self, PyObject *unused);
INTERNAL PyObject *team_idle_cores(PyObject *self, PyObject *unused);

#endif
