/* make_plan and the plan object (a capsule that frees the plan): see plan.h. */
#include "plan.h"

#include "buffers.h"
#include "kernels.h"
#include "team.h"

static const char PLAN_NAME[] = "glassnet.fast._ckernels.plan";

/* The batch's blank features (step.c) need a second batch buffer, of its compacted columns:
 * none for batches of more rows than this (a full-batch run on a large set, whose batch buffer
 * may take hundreds of MB), where few features are blank in every sample anyway (on MNIST 67
 * of 784 in all 60,000, against 289 in a batch of 64). */
#define BLANK_MAX_ROWS 8192

static void plan_free(Plan *p)
{
    while (p->n_views > 0)
        PyBuffer_Release(&p->views[--p->n_views]);
    PyMem_Free(p->views);
    PyMem_Free(p->layer);
    PyMem_Free(p->partial);
    PyMem_Free(p->block_cost);
    PyMem_Free(p->block_correct);
    PyMem_Free(p->nonzero);
    PyMem_Free(p->runs);
    PyMem_Free(p->xc);
    PyMem_Free(p->Wc);
    PyMem_Free(p);
}

static void plan_destructor(PyObject *capsule)
{
    plan_free(PyCapsule_GetPointer(capsule, PLAN_NAME));
}

/* Moves the view just taken into a (if any) into the plan, which releases it when freed. */
static Py_buffer *keep(Plan *p, Arrays *a, Py_buffer *v)
{
    if (v == NULL) {
        release(a);
        return NULL;
    }
    p->views[p->n_views] = *v;
    a->n = 0;
    return &p->views[p->n_views++];
}

/* The next array of the plan's element type (as take), with `rows` rows (if >= 0) and, if 2D,
 * `cols` columns. */
static void *plan_take(Plan *p, PyObject *obj, const char *name, int ndim, int writable,
                        Py_ssize_t rows, Py_ssize_t cols)
{
    Arrays a = {.n = 0};
    Py_buffer *v = keep(p, &a, take(&a, obj, name, p->type, ndim, writable));
    if (v == NULL || (rows >= 0 && check_length(v, rows, name) < 0) ||
        (ndim == 2 && check_shape(v, ROWS(v), cols, name) < 0))
        return NULL;
    return v->buf;
}

/* Binds the data, the batch buffer and each layer's arrays (see make_plan); -1 on error. */
static int plan_bind(Plan *p, PyObject *const *args, PyObject *layers, PyObject *targets)
{
    Arrays a = {.n = 0};
    Py_buffer *X = keep(p, &a, take_any(&a, args[2], "X", "uint8, float32 or float64", 2, 0));
    if (X == NULL)
        return -1;
    int kx = gathered_kind(X);
    if (kx < 0)
        return -1;
    p->kx = kx;
    p->X = X->buf;
    p->rows = ROWS(X);
    p->d = COLS(X);
    Py_buffer *Y = NULL;
    if (p->head != HEAD_NONE && (args[3] != Py_None || p->head == HEAD_SOFTMAX_XENT)) {
        Y = keep(p, &a, take(&a, args[3], "labels", I64, 1, 0));
        if (Y == NULL || check_length(Y, p->rows, "labels") < 0)
            return -1;
        p->labels = Y->buf;
    }
    if (!(p->mean = plan_take(p, args[4], "mean", 1, 0, p->d, 0)) ||
        !(p->scale = plan_take(p, args[5], "scale", 1, 0, p->d, 0)) ||
        !(p->x = plan_take(p, args[6], "x", 2, 1, -1, p->d)))
        return -1;
    p->cap = ROWS(&p->views[p->n_views - 1]);
    Py_ssize_t n_in = p->d;
    for (int i = 0; i < p->n_layers; i++) {
        PyObject *t = PySequence_Fast_GET_ITEM(layers, i);
        Layer *l = &p->layer[i];
        Py_ssize_t items = PyTuple_Check(t) ? PyTuple_GET_SIZE(t) : 0;
        if ((items != 6 && items != 8 && items != 10) ||
            (i > 0 && items != PyTuple_GET_SIZE(PySequence_Fast_GET_ITEM(layers, 0)))) {
            PyErr_SetString(PyExc_TypeError, "each layer must be a (W, b, dW, db, z, dx) tuple, "
                            "all with Adam's (mW, vW, mb, vb) or SGD's (vW, vb) after them or "
                            "none");
            return -1;
        }
        PyObject *dx = PyTuple_GET_ITEM(t, 5);
        if ((i == 0) != (dx == Py_None)) {
            PyErr_SetString(PyExc_ValueError, "dx must be None for the first layer only");
            return -1;
        }
        if (!(l->W = plan_take(p, PyTuple_GET_ITEM(t, 0), "W", 2, 1, -1, n_in)))
            return -1;
        l->n_in = n_in;
        l->n_out = ROWS(&p->views[p->n_views - 1]);
        if (!(l->b = plan_take(p, PyTuple_GET_ITEM(t, 1), "b", 1, 1, l->n_out, 0)) ||
            !(l->dW = plan_take(p, PyTuple_GET_ITEM(t, 2), "dW", 2, 1, l->n_out, n_in)) ||
            !(l->db = plan_take(p, PyTuple_GET_ITEM(t, 3), "db", 1, 1, l->n_out, 0)) ||
            !(l->z = plan_take(p, PyTuple_GET_ITEM(t, 4), "z", 2, 1, p->cap, l->n_out)) ||
            (i > 0 && !(l->dx = plan_take(p, dx, "dx", 2, 1, p->cap, n_in))))
            return -1;
        if (items == 10 &&
            (!(l->mW = plan_take(p, PyTuple_GET_ITEM(t, 6), "mW", 2, 1, l->n_out, n_in)) ||
             !(l->vW = plan_take(p, PyTuple_GET_ITEM(t, 7), "vW", 2, 1, l->n_out, n_in)) ||
             !(l->mb = plan_take(p, PyTuple_GET_ITEM(t, 8), "mb", 1, 1, l->n_out, 0)) ||
             !(l->vb = plan_take(p, PyTuple_GET_ITEM(t, 9), "vb", 1, 1, l->n_out, 0))))
            return -1;
        if (items == 8 &&
            (!(l->mW = plan_take(p, PyTuple_GET_ITEM(t, 6), "vW", 2, 1, l->n_out, n_in)) ||
             !(l->mb = plan_take(p, PyTuple_GET_ITEM(t, 7), "vb", 1, 1, l->n_out, 0))))
            return -1;
        n_in = l->n_out;
    }
    if (p->head != HEAD_SOFTMAX_XENT && p->head != HEAD_NONE &&
        !(p->targets = plan_take(p, targets, "targets", 2, 0, p->rows, n_in)))
        return -1;
    Py_ssize_t classes = p->head == HEAD_SOFTMAX_XENT || n_in > 1 ? n_in : 2;
    for (Py_ssize_t i = 0; p->labels != NULL && i < p->rows; i++)
        if (p->labels[i] < 0 || p->labels[i] >= classes) {
            PyErr_Format(PyExc_ValueError, "label %lld is not a class of a %zd-class output",
                         (long long)p->labels[i], classes);
            return -1;
        }
    return 0;
}

/* Reads kinds = (head, factor, targets, activations) into p: the cost, the squared-error
 * family's factor, the targets (None for softmax cross-entropy) and one (enum act, alpha) per
 * layer, the activation after it (the last: on the output, for the squared-error family). */
static int plan_kinds(Plan *p, PyObject *kinds, PyObject **targets)
{
    int head = -1;
    double factor = 1.0;
    PyObject *acts = NULL;
    if (kinds == Py_None) {  /* (Dense ReLU)* Dense, softmax cross-entropy */
        for (int i = 0; i < p->n_layers; i++)
            p->layer[i].act = i + 1 < p->n_layers ? ACT_RELU : ACT_IDENTITY;
        *targets = Py_None;
        return 0;
    }
    if (!PyArg_ParseTuple(kinds, "idOO!;kinds must be (head, factor, targets, activations)",
                          &head, &factor, targets, &PyTuple_Type, &acts))
        return -1;
    if (head < HEAD_SOFTMAX_XENT || head > HEAD_NONE ||
        PyTuple_GET_SIZE(acts) != p->n_layers) {
        PyErr_SetString(PyExc_ValueError, "kinds needs a head 0, 1, 2 or 3 and one activation per "
                        "layer");
        return -1;
    }
    p->head = head;
    p->factor = factor;
    for (int i = 0; i < p->n_layers; i++) {
        int act;
        double alpha;
        if (!PyArg_ParseTuple(PyTuple_GET_ITEM(acts, i), "id;each activation is (kind, alpha)",
                              &act, &alpha))
            return -1;
        if (act < ACT_RELU || act > ACT_IDENTITY) {
            PyErr_Format(PyExc_ValueError, "activation kind %d is not 0 to 4", act);
            return -1;
        }
        p->layer[i].act = act;
        p->layer[i].alpha = alpha;
    }
    return 0;
}

/* The element type of a plan: that of its batch buffer x, float32 or float64 (F32 if x is not
 * an array: plan_bind then says what it must be). */
static enum kind element_type(PyObject *x)
{
    Py_buffer v;
    if (PyObject_GetBuffer(x, &v, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) {
        PyErr_Clear();
        return F32;
    }
    enum kind type = has_kind(&v, F64) ? F64 : F32;
    PyBuffer_Release(&v);
    return type;
}

/* make_plan(sgemm, int64, X, labels, mean, scale, x, layers, threads[, kinds[, blank]]) -> plan
 * sgemm: the address of cblas_sgemm; int64: whether its sizes are 64-bit. X (rows, d) uint8,
 * float32 or float64, labels (rows,) int64 in [0, classes); mean, scale (d,) and x (cap, d), the
 * batch buffer, of the plan's element type: float32, or float64 (then sgemm and sgemv are
 * cblas_dgemm and cblas_dgemv, and every array of the layers and the targets are float64).
 * layers: one (W, b, dW, db, z, dx) tuple per Dense layer, dx None for the first; z (cap,
 * n_out) and dx (cap, n_in) are its buffers; for Adam, every tuple goes on with the moments
 * (mW, vW, mb, vb) of W and b. threads: None, or the addresses of OpenBLAS's get and set
 * thread-count functions, which let a step run on a team of threads (see team.h). kinds
 * (optional): None for (Dense ReLU)* Dense with softmax cross-entropy, or (head, factor,
 * targets, activations) (see plan_kinds); labels may then be None. SGD with momentum binds
 * each layer's velocities (vW, vb) after the six arrays. blank (optional, true by default):
 * whether the first layer leaves out the features a batch holds at 0 (step.c). Every array is
 * checked here and held by the plan. */
PyObject *make_plan(PyObject *Py_UNUSED(self), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 10 && nargs != 11 && check_nargs(nargs, 9, "make_plan") < 0)
        return NULL;
    int blank = nargs == 11 ? PyObject_IsTrue(args[10]) : 1;
    if (blank < 0)
        return NULL;
    /* sgemm: its address, or (sgemm, sgemv) addresses (gemv for one-row products) */
    void *sgemv = NULL, *get = NULL, *set = NULL;
    PyObject *gemms = args[0];
    if (PyTuple_Check(gemms) && PyTuple_GET_SIZE(gemms) == 2) {
        sgemv = PyLong_AsVoidPtr(PyTuple_GET_ITEM(gemms, 1));
        if (sgemv == NULL)
            PyErr_Clear();
        gemms = PyTuple_GET_ITEM(gemms, 0);
    }
    void *sgemm = PyLong_AsVoidPtr(gemms);
    if (sgemm == NULL || (PyTuple_Check(args[0]) && sgemv == NULL)) {
        PyErr_Clear();
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_ValueError, "sgemm must be the address of cblas_sgemm");
        return NULL;
    }
    int int64 = PyObject_IsTrue(args[1]);
    if (int64 < 0)
        return NULL;
    if (args[8] != Py_None) {
        if (!PyTuple_Check(args[8]) || PyTuple_GET_SIZE(args[8]) != 2 ||
            (get = PyLong_AsVoidPtr(PyTuple_GET_ITEM(args[8], 0))) == NULL ||
            (set = PyLong_AsVoidPtr(PyTuple_GET_ITEM(args[8], 1))) == NULL) {
            if (!PyErr_Occurred() || PyErr_ExceptionMatches(PyExc_TypeError)) {
                PyErr_Clear();
                PyErr_SetString(PyExc_ValueError,
                                "threads must be None or two function addresses (get, set)");
            }
            return NULL;
        }
    }
    PyObject *layers = PySequence_Fast(args[7], "layers must be a sequence of tuples");
    if (layers == NULL)
        return NULL;
    Py_ssize_t L = PySequence_Fast_GET_SIZE(layers);
    if (L < 1 || L > 10000) {
        Py_DECREF(layers);
        return PyErr_Format(PyExc_ValueError, "a plan needs 1 to 10000 layers, not %zd", L);
    }
    Plan *p = PyMem_Calloc(1, sizeof(Plan));
    if (p == NULL) {
        Py_DECREF(layers);
        return PyErr_NoMemory();
    }
    p->type = element_type(args[6]);
    p->sgemm = sgemm;
    p->sgemv = sgemv;
    p->int64 = int64;
    p->get_threads = (int (*)(void))get;
    p->set_threads = (void (*)(int))set;
    p->n_layers = (int)L;
    p->layer = PyMem_Calloc(L, sizeof(Layer));
    p->views = PyMem_Calloc(6 + 10 * L, sizeof(Py_buffer));
    PyObject *targets = Py_None;
    int ok = p->layer != NULL && p->views != NULL;
    if (!ok)
        PyErr_NoMemory();
    else
        ok = plan_kinds(p, nargs >= 10 ? args[9] : Py_None, &targets) == 0 &&
             plan_bind(p, args, layers, targets) == 0;
    Py_ssize_t blocks = ok ? (p->cap + BLOCK_ROWS - 1) / BLOCK_ROWS : 0;
    size_t size = p->type == F64 ? sizeof(double) : sizeof(float);
    if (ok && (!(p->partial = PyMem_Calloc(blocks * p->layer[L - 1].n_out, size)) ||
               !(p->block_cost = PyMem_Calloc(blocks, sizeof(double))) ||
               !(p->block_correct = PyMem_Calloc(blocks, sizeof(long)))))
        ok = (PyErr_NoMemory(), 0);
    if (ok && blank && p->head != HEAD_NONE && L >= 2 && p->cap <= BLANK_MAX_ROWS &&
        (!(p->nonzero = PyMem_Calloc(TEAM_MAX * p->d, 1)) ||
         !(p->runs = PyMem_Calloc(TEAM_MAX * (2 + 2 * p->d) + 2, sizeof(Py_ssize_t))) ||
         !(p->xc = PyMem_Calloc(p->cap * p->d, size)) ||
         !(p->Wc = PyMem_Calloc(p->layer[0].n_out * p->d, size))))
        ok = (PyErr_NoMemory(), 0);
    if (ok && p->runs)
        p->compacted = p->runs + TEAM_MAX * (2 + 2 * p->d);
    Py_DECREF(layers);
    PyObject *capsule = ok ? PyCapsule_New(p, PLAN_NAME, plan_destructor) : NULL;
    if (capsule == NULL)
        plan_free(p);
    return capsule;
}

/* The plan in a capsule made by make_plan; NULL (with TypeError) for any other object. */
const Plan *plan_of(PyObject *capsule)
{
    if (!PyCapsule_IsValid(capsule, PLAN_NAME)) {
        PyErr_SetString(PyExc_TypeError, "plan must be a plan made by make_plan()");
        return NULL;
    }
    return PyCapsule_GetPointer(capsule, PLAN_NAME);
}
