/* The module glassnet.fast._ckernels: its functions, each a METH_FASTCALL function of one of
 * the other files, with their docstrings. */
#include "common.h"
#include "forward.h"
#include "kernel_calls.h"
#include "plan.h"
#include "step.h"
#include "team.h"

static PyMethodDef methods[] = {
    {"gather", (PyCFunction)(void (*)(void))gather, METH_FASTCALL,
     "gather(X, idx, mean, scale, out): out[i] = (float32(X[idx[i]]) - mean) * scale"},
    {"bias_relu", (PyCFunction)(void (*)(void))bias_relu, METH_FASTCALL,
     "bias_relu(Z, b): Z <- max(Z + b, 0), in place"},
    {"bias_add", (PyCFunction)(void (*)(void))bias_add, METH_FASTCALL,
     "bias_add(Z, b): Z <- Z + b, in place"},
    {"softmax_xent", (PyCFunction)(void (*)(void))softmax_xent, METH_FASTCALL,
     "softmax_xent(Z, labels, idx, scale, db) -> (cost sum, correct): Z <- scale * (softmax(Z)"
     " - onehot(labels[idx])), db <- its column sums"},
    {"relu_backward", (PyCFunction)(void (*)(void))relu_backward, METH_FASTCALL,
     "relu_backward(D, H, db, b, update): D <- D * [H > 0], db <- column sums of D, and"
     " b <- b - db if update"},
    {"adam", (PyCFunction)(void (*)(void))adam, METH_FASTCALL,
     "adam(p, g, m, v, beta1, beta2, rest1, rest2, step, denom_scale, eps, decay, l2):"
     " one fused Adam/AdamW update of flat float32 arrays"},
    {"make_plan", (PyCFunction)(void (*)(void))make_plan, METH_FASTCALL,
     "make_plan(sgemm, int64, X, labels, mean, scale, x, layers, threads[, kinds[, blank]])"
     " -> plan: bind a network's arrays for step(); layers holds one (W, b, dW, db, z, dx)"
     " tuple per Dense layer; all float32 (sgemm) or all float64 (dgemm), as x; blank: leave"
     " the features a batch holds at 0 out of the first layer (default true)"},
    {"step", (PyCFunction)(void (*)(void))step, METH_FASTCALL,
     "step(plan, idx, scale, fused, adam) -> (cost sum, correct): one whole training step"},
    {"forward", (PyCFunction)(void (*)(void))forward, METH_FASTCALL,
     "forward(plan, X, start, n): the forward pass of X[start:start + n] (X in place of the"
     " plan's) into the layers' z"},
    {"compacted", compacted, METH_O,
     "compacted(plan) -> (steps, features): the plan's steps that left the batch's blank "
     "features out of the first layer, and the features the last step kept (0: all)"},
    {"team_steps", team_steps, METH_NOARGS,
     "team_steps() -> how many steps have run on the team of threads in this process"},
    {"team_config", (PyCFunction)(void (*)(void))team_config, METH_FASTCALL,
     "team_config(policy, cores): policy 0 (choose the team or one thread step by step), 1 (the"
     " team whenever it can) or 2 (one thread); cores: how many the process may use (0: unknown)"},
    {"team_state", team_state, METH_NOARGS,
     "team_state() -> {'threads', 'team', 'trials', 'switches', 'postponed', 'lost'}: how the"
     " last step ran, the current mode, the trials of the other mode, the switches, the trials"
     " of the team postponed for want of an idle core, and the seconds failed trials cost"},
    {"idle_cores", team_idle_cores, METH_NOARGS,
     "idle_cores() -> online cores that no runnable thread but the caller's wants right now"
     " (/proc/loadavg), or None where that is unknown"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "glassnet.fast._ckernels",
    .m_doc = "Element-wise float32 kernels and the whole compiled training step, float32 or"
             " float64 (glassnet.fast).",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC PyInit__ckernels(void)
{
    return PyModule_Create(&module);
}
