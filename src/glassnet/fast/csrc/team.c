/* The team of two threads: its barrier, its helper thread and how a step is handed to it. See
 * team.h. */
#include "team.h"

#include "step.h"

#if HAVE_TEAM
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#define PAUSE() __builtin_ia32_pause()
#else
#define PAUSE() ((void)0)
#endif
/* One round of a wait for the other thread: a pause, and after the first 1000 of them (tens of
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
static struct {
    pthread_mutex_t lock;  /* guards sleeping/wake; busy: one step at a time */
    pthread_cond_t wake;
    pthread_t helper;
    pid_t pid;  /* the process that started the helper (a fork has none) */
    atomic_uint go, done;  /* go: incremented to hand the helper a step; done: it finished */
    atomic_ulong steps;  /* steps run on the team so far */
    atomic_int sleeping, busy;
    StepArgs job;  /* the step in hand (never on a stack the helper could outlive) */
} team = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

#define SPIN_SECONDS 0.002  /* a helper with no step for this long sleeps */

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void *helper_main(void *start)
{
    unsigned seen = (unsigned)(uintptr_t)start;  /* team.go when the helper was made */
    for (;;) {
        double since = seconds();
        for (unsigned spins = 0; atomic_load(&team.go) == seen; spins++) {
            PAUSE();
            if ((spins & 1023) == 0 && seconds() - since > SPIN_SECONDS) {
                pthread_mutex_lock(&team.lock);
                atomic_store(&team.sleeping, 1);
                while (atomic_load(&team.go) == seen)
                    pthread_cond_wait(&team.wake, &team.lock);
                atomic_store(&team.sleeping, 0);
                pthread_mutex_unlock(&team.lock);
            }
        }
        seen = atomic_load(&team.go);
        step_part(&team.job, 1);
        atomic_store(&team.done, seen);
    }
    return NULL;
}

/* In a child after fork(): the helper is gone, and the lock and condition variable may be in
 * any state it left them in (a condition variable with a waiter that no longer exists can block
 * a signal forever). Start afresh; the child's first team step starts a helper of its own. */
static void team_after_fork(void)
{
    pthread_mutex_init(&team.lock, NULL);
    pthread_cond_init(&team.wake, NULL);
    atomic_store(&team.sleeping, 0);
    atomic_store(&team.busy, 0);
    atomic_store(&team.done, atomic_load(&team.go));
    team.pid = 0;
}

/* Take the team for one step (starting its helper if needed); 0 if busy or unavailable. */
static int team_take(void)
{
    static int fork_handled;
    int expected = 0;
    if (!atomic_compare_exchange_strong(&team.busy, &expected, 1))
        return 0;  /* another Python thread is in a step */
    if (!fork_handled) {
        if (pthread_atfork(NULL, NULL, team_after_fork) != 0) {
            atomic_store(&team.busy, 0);
            return 0;
        }
        fork_handled = 1;
    }
    if (team.pid != getpid()) {  /* first use, or a child after fork(): start a helper */
        /* The helper inherits a mask that blocks every signal, so signals (Ctrl-C) keep going
         * to Python's threads. */
        void *start = (void *)(uintptr_t)atomic_load(&team.go);
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        int failed = pthread_create(&team.helper, NULL, helper_main, start);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (failed) {
            atomic_store(&team.busy, 0);
            return 0;
        }
        pthread_detach(team.helper);
        team.pid = getpid();
    }
    return 1;
}

/* Run the step in team.job on both threads; returns when the helper's half is done too. */
static void team_run(const Plan *p)
{
    StepArgs *a = &team.job;
    a->threads = 2;
    atomic_store(&a->arrived, 0);
    atomic_store(&a->sense, 0);
    p->set_threads(1);
    unsigned go = atomic_fetch_add(&team.go, 1) + 1;
    if (atomic_load(&team.sleeping)) {
        pthread_mutex_lock(&team.lock);
        pthread_cond_signal(&team.wake);
        pthread_mutex_unlock(&team.lock);
    }
    step_part(a, 0);
    unsigned spins = 0;
    while (atomic_load(&team.done) != go)
        RELAX(spins);
    p->set_threads(2);
    atomic_fetch_add(&team.steps, 1);
}
#endif

/* Runs the step a on the team of two when OpenBLAS itself runs two threads and no other step
 * holds the team; 1 when it did, 0 (nothing done) otherwise. */
int team_step(StepArgs *a)
{
#if HAVE_TEAM
    const Plan *p = a->p;
    if (p->get_threads && p->get_threads() == 2 && team_take()) {
        team.job = *a;
        team_run(p);
        *a = team.job;
        atomic_store(&team.busy, 0);
        return 1;
    }
#else
    (void)a;
#endif
    return 0;
}

/* team_steps() -> how many steps have run on the team of two threads in this process. */
PyObject *team_steps(PyObject *Py_UNUSED(self), PyObject *Py_UNUSED(unused))
{
#if HAVE_TEAM
    return PyLong_FromUnsignedLong(atomic_load(&team.steps));
#else
    return PyLong_FromLong(0);
#endif
}
