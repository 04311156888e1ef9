/* The team of threads, its barrier and helpers, and the choice between the team and one thread
 * for each step. See team.h. */
#include "team.h"

#include "step.h"

#if HAVE_TEAM
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#define PAUSE() __builtin_ia32_pause()
#else
#define PAUSE() ((void)0)
#endif
/* One round of a wait for another thread: a pause, and after the first 1000 of them (tens of
 * microseconds) the core itself, in case the other thread is waiting for it (a machine with more
 * busy threads than cores). */
#define RELAX(spins) ((spins)++ < 1000 ? PAUSE() : (void)sched_yield())
#endif

/* A sense-reversing spin barrier for the a->threads threads of a step: returns once all of
 * them have called it. sense is the calling thread's own, 0 before its first barrier. */
void barrier(StepArgs *a, unsigned *sense)
{
#if HAVE_TEAM
    if (a->threads == 1)
        return;
    unsigned mine = *sense = !*sense;
    if (atomic_fetch_add(&a->arrived, 1) == (unsigned)a->threads - 1) {
        atomic_store(&a->arrived, 0);
        atomic_store(&a->sense, mine);
    } else {
        unsigned spins = 0;
        while (atomic_load(&a->sense) != mine)
            RELAX(spins);
    }
#else
    (void)a;
    (void)sense;
#endif
}

#if HAVE_TEAM
/* ---- the helpers ------------------------------------------------------------------------- */

static struct {
    pthread_mutex_t lock;  /* guards the sleepers' wait; busy: one step at a time */
    pthread_cond_t wake;
    pid_t pid;  /* the process that started the helpers (a fork has none) */
    int helpers;  /* helper threads started: thread t = 1..helpers */
    unsigned start_go[TEAM_MAX];  /* team.go when helper t was started */
    atomic_uint go;  /* incremented to hand the helpers a step */
    atomic_uint finished;  /* helpers done with the step in hand */
    atomic_ulong steps;  /* steps run on the team so far */
    atomic_int sleepers, busy;
    StepArgs job;  /* the step in hand (never on a stack a helper could outlive) */
} team = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

#define SPIN_SECONDS 0.002  /* a helper with no step for this long sleeps */

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Waits until team.go is no longer seen: spinning, then asleep after SPIN_SECONDS. */
static void await_step(unsigned seen)
{
    double since = seconds();
    for (unsigned spins = 0; atomic_load(&team.go) == seen; spins++) {
        PAUSE();
        if ((spins & 1023) == 0 && seconds() - since > SPIN_SECONDS) {
            pthread_mutex_lock(&team.lock);
            atomic_fetch_add(&team.sleepers, 1);
            while (atomic_load(&team.go) == seen)
                pthread_cond_wait(&team.wake, &team.lock);
            atomic_fetch_sub(&team.sleepers, 1);
            pthread_mutex_unlock(&team.lock);
        }
    }
}

/* Helper t: its share of every step handed to the team (none when the step's team is smaller
 * than t + 1); every helper reports each step done, so the caller knows none still reads it. */
static void *helper_main(void *arg)
{
    int t = (int)(intptr_t)arg;
    unsigned seen = team.start_go[t];
    for (;;) {
        await_step(seen);
        seen = atomic_load(&team.go);
        if (t < team.job.threads)
            step_part(&team.job, t);
        atomic_fetch_add(&team.finished, 1);
    }
    return NULL;
}

static void choice_reset(void);

/* In a child after fork(): the helpers are gone, and the lock and condition variable may be in
 * any state they left them in (a condition variable with a waiter that no longer exists can
 * block a signal forever). Start afresh; the child's first team step starts helpers of its own. */
static void team_after_fork(void)
{
    pthread_mutex_init(&team.lock, NULL);
    pthread_cond_init(&team.wake, NULL);
    atomic_store(&team.sleepers, 0);
    atomic_store(&team.busy, 0);
    atomic_store(&team.finished, 0);
    team.helpers = 0;
    team.pid = 0;
    choice_reset();
}

/* Takes the team for one step; 0 if another Python thread's step holds it. */
static int team_take(void)
{
    static int fork_handled;
    int expected = 0;
    if (!atomic_compare_exchange_strong(&team.busy, &expected, 1))
        return 0;
    if (!fork_handled) {
        if (pthread_atfork(NULL, NULL, team_after_fork) != 0) {
            atomic_store(&team.busy, 0);
            return 0;
        }
        fork_handled = 1;
    }
    if (team.pid != getpid()) {  /* first use, or a child after fork() */
        team.helpers = 0;
        team.pid = getpid();
    }
    return 1;
}

/* Starts helpers until there are at least `wanted`; the number running (a smaller team than
 * before leaves the others idle). Each starts with every signal
 * blocked, so that signals (Ctrl-C) keep going to Python's threads. */
static int start_helpers(int wanted)
{
    while (team.helpers < wanted) {
        int t = team.helpers + 1;
        pthread_t thread;
        sigset_t all, old;
        team.start_go[t] = atomic_load(&team.go);
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        int failed = pthread_create(&thread, NULL, helper_main, (void *)(intptr_t)t);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (failed)
            break;
        pthread_detach(thread);
        team.helpers = t;
    }
    return team.helpers;
}

/* Runs the step in team.job on its team.job.threads threads; returns when every helper has
 * finished with it. */
static void team_run(void)
{
    StepArgs *a = &team.job;
    atomic_store(&a->arrived, 0);
    atomic_store(&a->sense, 0);
    atomic_store(&team.finished, 0);
    atomic_fetch_add(&team.go, 1);
    if (atomic_load(&team.sleepers)) {
        pthread_mutex_lock(&team.lock);
        pthread_cond_broadcast(&team.wake);
        pthread_mutex_unlock(&team.lock);
    }
    step_part(a, 0);
    unsigned spins = 0;
    while (atomic_load(&team.finished) != (unsigned)team.helpers)
        RELAX(spins);
    atomic_fetch_add(&team.steps, 1);
}

/* ---- the choice: the team or one thread -------------------------------------------------- */

/* Of the `online` cores, those that no runnable thread but the caller's wants right now: online
 * less the kernel's count of runnable threads (/proc/loadavg's fourth field, "runnable/total",
 * the caller among them); IDLE_UNKNOWN where that count cannot be read (not Linux). */
#define IDLE_UNKNOWN (-1000)
static int idle_cores(long online)
{
    int fd = open("/proc/loadavg", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return IDLE_UNKNOWN;
    char text[256];
    ssize_t got = read(fd, text, sizeof text - 1);
    close(fd);
    if (got <= 0)
        return IDLE_UNKNOWN;
    text[got] = '\0';
    char *field = text, *end;
    for (int skip = 0; skip < 3 && field; skip++)  /* the three load averages */
        field = (field = strchr(field, ' ')) ? field + 1 : NULL;
    long runnable = field ? strtol(field, &end, 10) : 0;
    if (field == NULL || end == field || *end != '/' || runnable < 1 || online < 1)
        return IDLE_UNKNOWN;
    return (int)(online - runnable);
}

enum { AUTO, ALWAYS, NEVER };  /* the policy team_config sets (GLASSNET_TEAM) */
#define TRIAL 3  /* steps of a trial of the other mode */
#define FEW 8  /* fewer rows run on one thread (unless pinned): the barriers would cost more */
#define SOON 2  /* steps before the first trial (a new process, or a new policy) */
#define FIRST 8  /* steps before the next trial after a switch */
#define LONGEST 1024  /* the interval between trials grows fourfold up to this, */
#define BUDGET 0.02  /* or further: a failed trial's extra time is at most this share of the time */
#define LATEST (1L << 24)  /* steps: the longest wait for the next trial */
#define BETTER 0.9  /* the other mode must be this much faster (per sample) to switch to it */
#define SPIKE 3.0  /* a team step this much slower than the recent ones: try one thread now */
#define LOST 1.5  /* a trial step this much slower than the current mode's ends the trial */

static struct {
    int policy, cores;  /* cores: usable cores (0: not told) */
    int team, size;  /* the current mode (1: the team) and the team's size at the last step */
    int trying;  /* steps left in a trial of the other mode */
    int waking;  /* a trial of the team: its first step wakes the helpers, and is not judged */
    double woke;  /* what that first step took beyond the current mode's pace (seconds) */
    long until, interval;  /* steps before the next trial; the interval between trials */
    double recent[TRIAL], tried[TRIAL];  /* seconds per sample: current mode, trial */
    int n_recent, n_tried;
    const void *weights;  /* the first W and the rows of the steps timed: others, other times */
    Py_ssize_t rows;
    int odd;  /* steps in a row with other rows than `rows` */
    unsigned long trials, switches, postponed;
    double lost;  /* seconds the failed trials took beyond the current mode's pace, in all */
} choice = {.policy = AUTO, .team = 1, .until = SOON, .interval = FIRST};

static void choice_reset(void)
{
    choice.team = 1;
    choice.trying = choice.n_recent = choice.n_tried = choice.odd = choice.waking = 0;
    choice.until = SOON;
    choice.interval = FIRST;
    choice.weights = NULL;
}

static double median3(const double *x, int n)
{
    if (n < 3)
        return n == 1 ? x[0] : n == 2 ? (x[0] + x[1]) / 2 : 0.0;
    double a = x[0], b = x[1], c = x[2];
    return a > b ? (b > c ? b : a > c ? c : a) : (a > c ? a : b > c ? c : b);
}

/* Whether this step runs on the team (of a possible one of `size` >= 2). */
static int choose(void)
{
    if (choice.policy != AUTO)
        return choice.policy == ALWAYS;
    return choice.trying ? !choice.team : choice.team;
}

/* Steps before the next trial after one that did not switch (the current mode runs `mine`
 * seconds per sample on `rows` rows): fourfold the last interval up to LONGEST, and at least as
 * many steps as keep the trial's extra time within BUDGET of the time between trials. On a busy
 * machine one team step can wait out whole scheduler slices, so a trial costs far more than the
 * few steps it runs; it must come as rarely as it costs. */
static long next_interval(double mine, Py_ssize_t rows)
{
    double extra = choice.woke;
    for (int i = 0; i < choice.n_tried; i++)
        extra += (choice.tried[i] - mine) * (double)rows;
    long interval = choice.interval * 4 < LONGEST ? choice.interval * 4 : LONGEST;
    if (extra <= 0.0 || mine <= 0.0)
        return interval > choice.interval ? interval : choice.interval;
    choice.lost += extra;
    double budgeted = extra / (BUDGET * mine * (double)rows);
    if (budgeted > (double)LATEST)
        return LATEST;
    return (long)budgeted > interval ? (long)budgeted : interval;
}

/* Whether a trial of the team, due now, should wait: fewer cores are idle than it has helpers,
 * so a helper would get a core only by taking it from another runnable thread for a scheduler
 * slice while the rest of the team waits at a barrier: such a trial costs tens of
 * milliseconds (two busy processes on two cores) and cannot win. It waits as a failed trial
 * would, fourfold the interval each time, up to LONGEST steps; from there on the trial runs,
 * its cost kept within BUDGET as any other's, since a busy thread may run at a low priority
 * (nice) and yield its core to the helpers after all. Only a process that may use every online
 * core asks: the count is the whole machine's, a cpuset's or quota's cores may be free. */
static int team_trial_waits(int helpers)
{
    if (choice.team || choice.interval >= LONGEST)
        return 0;
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    if (choice.cores < online)
        return 0;
    int idle = idle_cores(online);
    if (idle == IDLE_UNKNOWN || idle >= helpers)
        return 0;
    choice.postponed++;
    choice.interval = choice.interval * 4 < LONGEST ? choice.interval * 4 : LONGEST;
    choice.until = choice.interval;
    return 1;
}

/* Learns from a step of `a` that took `t` seconds per sample, on a team of up to `helpers` + 1
 * threads. */
static void record(const StepArgs *a, double t, int helpers)
{
    if (choice.policy != AUTO)
        return;
    /* Another network, or a new batch size, times differently: start afresh. One step of other
     * rows (an epoch's last, shorter batch) is a one-off: neither timed nor counted. Starting
     * afresh there instead lost every epoch's timings, and on a small table (a few batches an
     * epoch) no trial ever had a pace to compare with, so the step never left the team. */
    if (a->p->layer[0].W != choice.weights) {
        choice.weights = a->p->layer[0].W;
        choice.rows = a->n;
        choice.n_recent = choice.odd = 0;
    } else if (a->n != choice.rows) {
        if (++choice.odd < 2)
            return;
        choice.rows = a->n;
        choice.n_recent = choice.odd = 0;
    } else {
        choice.odd = 0;
    }
    if (choice.trying) {
        double mine = choice.n_recent ? median3(choice.recent, choice.n_recent) : 0.0;
        if (choice.waking) {  /* helpers asleep for a while wake slowly: count it, judge after */
            choice.waking = 0;
            choice.woke = mine > 0.0 && t > mine ? (t - mine) * (double)a->n : 0.0;
            return;
        }
        choice.tried[choice.n_tried++] = t;
        int lost = mine > 0.0 && t > LOST * mine;  /* clearly slower already: end the trial */
        if (--choice.trying && !lost)
            return;
        choice.trying = 0;
        choice.trials++;
        if (!lost && mine > 0.0 && median3(choice.tried, TRIAL) < BETTER * mine) {
            choice.team = !choice.team;
            choice.switches++;
            for (int i = 0; i < TRIAL; i++)
                choice.recent[i] = choice.tried[i];
            choice.n_recent = TRIAL;
            choice.interval = FIRST;
        } else {
            choice.interval = next_interval(mine, a->n);
        }
        choice.until = choice.interval;
        return;
    }
    int full = choice.n_recent == TRIAL;
    if (choice.team && full && t > SPIKE * median3(choice.recent, TRIAL))
        choice.until = 0;  /* the team suddenly slower (work arrived?): try one thread now */
    if (full)
        for (int i = 0; i + 1 < TRIAL; i++)
            choice.recent[i] = choice.recent[i + 1];
    choice.recent[full ? TRIAL - 1 : choice.n_recent++] = t;
    if (--choice.until <= 0 && !team_trial_waits(helpers)) {
        choice.trying = TRIAL;
        choice.n_tried = 0;
        choice.waking = !choice.team;
        choice.woke = 0.0;
    }
}

/* Threads a team for this plan may have: usable cores, OpenBLAS's own count, TEAM_MAX. */
static int team_size(int blas)
{
    int n = blas < TEAM_MAX ? blas : TEAM_MAX;
    return choice.cores > 0 && choice.cores < n ? choice.cores : n;
}
#endif

/* Runs the step a: on the team, or on the calling thread with OpenBLAS on one thread too,
 * whichever has been faster lately (team.h); on the calling thread alone, with OpenBLAS as it
 * is and the work in one share, when the plan cannot set OpenBLAS's threads or another Python
 * thread holds the team (the one case whose last bits may differ). */
void run_step(StepArgs *a)
{
    a->threads = a->parts = 1;
#if HAVE_TEAM
    const Plan *p = a->p;
    if (p->get_threads == NULL || !team_take()) {
        step_part(a, 0);
        return;
    }
    /* A few rows run on one thread (unless pinned to the team): the barriers would cost more. */
    int blas = p->get_threads(), size = team_size(blas);
    int few = a->n < FEW && choice.policy == AUTO;
    int on_team = size >= 2 && !few && choose() && start_helpers(size - 1) >= size - 1;
    double began = seconds();
    a->parts = size;  /* on one thread too: the same shares, the same numbers */
    p->set_threads(1);
    if (on_team) {
        team.job = *a;
        team.job.threads = size;
        team_run();
        *a = team.job;
    } else {
        step_part(a, 0);
    }
    p->set_threads(blas);
    if (size >= 2 && !few)
        record(a, (seconds() - began) / (double)a->n, size - 1);
    choice.size = on_team ? size : 1;
    atomic_store(&team.busy, 0);
#else
    step_part(a, 0);
#endif
}

/* team_steps() -> how many steps have run on the team in this process. */
PyObject *team_steps(PyObject *Py_UNUSED(self), PyObject *Py_UNUSED(unused))
{
#if HAVE_TEAM
    return PyLong_FromUnsignedLong(atomic_load(&team.steps));
#else
    return PyLong_FromLong(0);
#endif
}

/* team_config(policy, cores): policy 0 (choose step by step), 1 (the team whenever it can) or
 * 2 (one thread); cores: how many the process may use (0: unknown). */
PyObject *team_config(PyObject *Py_UNUSED(self), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_Format(PyExc_TypeError, "team_config takes 2 arguments (%zd given)", nargs);
        return NULL;
    }
    long policy = PyLong_AsLong(args[0]), cores = PyLong_AsLong(args[1]);
    if (PyErr_Occurred())
        return NULL;
    if (policy < 0 || policy > 2 || cores < 0) {
        PyErr_SetString(PyExc_ValueError, "team_config(policy in 0, 1, 2; cores >= 0)");
        return NULL;
    }
#if HAVE_TEAM
    if (choice.policy != policy)
        choice_reset();
    choice.policy = (int)policy;
    choice.cores = (int)cores;
#endif
    Py_RETURN_NONE;
}

/* team_state() -> {"threads": of the last step, "team": the current mode, "trials",
 * "switches", "postponed": trials of the team that waited (no idle core), "lost": seconds the
 * failed trials took beyond the current mode's pace} */
PyObject *team_state(PyObject *Py_UNUSED(self), PyObject *Py_UNUSED(unused))
{
#if HAVE_TEAM
    return Py_BuildValue("{s:i,s:O,s:k,s:k,s:k,s:d}", "threads", choice.size, "team",
                         choice.team ? Py_True : Py_False, "trials", choice.trials, "switches",
                         choice.switches, "postponed", choice.postponed, "lost", choice.lost);
#else
    return Py_BuildValue("{s:i,s:O,s:k,s:k,s:k,s:d}", "threads", 1, "team", Py_False, "trials",
                         0UL, "switches", 0UL, "postponed", 0UL, "lost", 0.0);
#endif
}

/* idle_cores() -> online cores no runnable thread but the caller's wants right now (the
 * online CPUs less /proc/loadavg's runnable threads), or None where that is unknown. */
PyObject *team_idle_cores(PyObject *Py_UNUSED(self), PyObject *Py_UNUSED(unused))
{
#if HAVE_TEAM
    int idle = idle_cores(sysconf(_SC_NPROCESSORS_ONLN));
    if (idle != IDLE_UNKNOWN)
        return PyLong_FromLong(idle);
#endif
    Py_RETURN_NONE;
}
