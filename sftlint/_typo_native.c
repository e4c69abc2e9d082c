/* Optional native kernels for T001's dictionary model (sftlint.analysis.text.typo).
 *
 * Each function here does exactly what a pure-Python method of TypoDetector does, on the
 * same Python dict and set objects (the model's tables, which on the memory-mapped store
 * grow while a run is analysed): the Python methods stay the reference, and
 * tests/test_typo_native.py compares both on real and random text.  The keys probed are
 * the same substrings the Python code slices, made as str objects of the canonical kind
 * (so they hash and compare like the Python slices), and the floating-point sums are done
 * in the same order with the same libm log(), so the results are bit for bit the same.
 *
 * Built by setup.py as an optional extension: without a compiler sftlint installs and runs
 * the Python path.  SFTLINT_PURE_PYTHON=1 makes sftlint ignore this module.
 *
 * C99, no dependencies beyond Python.h and libm.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

/* ------------------------------------------------------------------ helpers */

/* The str's code points, in a new buffer (PyMem_Free it); NULL with an exception set. */
static Py_UCS4 *
codepoints(PyObject *s, Py_ssize_t *n)
{
    if (!PyUnicode_Check(s)) {
        PyErr_SetString(PyExc_TypeError, "expected a str");
        return NULL;
    }
#if PY_VERSION_HEX < 0x030C0000
    if (PyUnicode_READY(s) < 0)
        return NULL;
#endif
    Py_ssize_t len = PyUnicode_GET_LENGTH(s);
    int kind = PyUnicode_KIND(s);
    const void *data = PyUnicode_DATA(s);
    /* one spare slot: a buffer of an empty str is still a valid pointer */
    Py_UCS4 *buf = PyMem_Malloc(sizeof(Py_UCS4) * (size_t)(len + 1));
    if (buf == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    for (Py_ssize_t i = 0; i < len; i++)
        buf[i] = PyUnicode_READ(kind, data, i);
    buf[len] = 0;
    *n = len;
    return buf;
}

/* ------------------------------------------------------------------ the table */

/* The model's words of 1-5 characters (freq's keys) and two-character prefixes (prefix2), in
 * an open-addressing hash table keyed by their packed code points: a probe packs at most five
 * code points and compares two words, where a probe of the Python dict makes a str and
 * hashes it.  Built once per whole model (which is never changed once loaded); each call
 * checks that the dict and set it was built from still have their sizes. */

/* The kernels' interface; bump it with any change to what they take or give (and typo.py's). */
#define KERNELS 1

#define MAX_KEY 5       /* longest word probed (SEG_MAX_WORD) */
#define F_FREQ 1u       /* the key is in freq */
#define F_TRUE 2u       /* ... with a true count: log_f holds log(count) */
#define F_PREFIX 4u     /* the key is in prefix2 */
#define F_BAD 8u        /* ... with a count math.log refuses (raised when used) */

typedef struct {
    uint64_t lo, hi;  /* code points 0-2 | code points 3-4, length << 42, flags << 48 */
    double log_f;
} Slot;

typedef struct {
    PyObject_HEAD
    Slot *slots;
    size_t mask;     /* slots - 1 (a power of two) */
    size_t used;
    PyObject *freq;  /* the tables it was built from (held, and their sizes checked) */
    PyObject *prefix2;
    Py_ssize_t freq_size, prefix2_size;
    double logtotal;
} Model;

#define EMPTY_HI 0  /* every key's hi holds its length (1-5): an all-zero slot is empty */

static inline int
pack(const Py_UCS4 *cp, Py_ssize_t len, uint64_t *lo, uint64_t *hi)
{
    if (len < 1 || len > MAX_KEY)
        return 0;
    uint64_t a = 0, b = 0;
    for (Py_ssize_t k = 0; k < len; k++) {
        if (k < 3)
            a |= (uint64_t)cp[k] << (21 * k);
        else
            b |= (uint64_t)cp[k] << (21 * (k - 3));
    }
    *lo = a;
    *hi = b | ((uint64_t)len << 42);
    return 1;
}

static inline size_t
slot_of(const Model *m, uint64_t lo, uint64_t hi)
{
    uint64_t h = lo * 0x9E3779B97F4A7C15ull ^ (hi + 0x632BE59BD9B4E019ull) * 0xC2B2AE3D27D4EB4Full;
    h ^= h >> 32;
    return (size_t)h & m->mask;
}

#define KEY_HI(hi) ((hi) & 0xFFFFFFFFFFFFull)  /* without the flags */

/* The slot holding the key, or NULL. */
static inline const Slot *
find(const Model *m, const Py_UCS4 *cp, Py_ssize_t len)
{
    uint64_t lo, hi;
    if (!pack(cp, len, &lo, &hi))
        return NULL;
    for (size_t i = slot_of(m, lo, hi);; i = (i + 1) & m->mask) {
        const Slot *s = &m->slots[i];
        if (s->hi == EMPTY_HI)
            return NULL;
        if (s->lo == lo && KEY_HI(s->hi) == hi)
            return s;
    }
}

/* The slot for the key, made if absent (the table never fills: sized for every key). */
static Slot *
insert(Model *m, const Py_UCS4 *cp, Py_ssize_t len)
{
    uint64_t lo, hi;
    if (!pack(cp, len, &lo, &hi))
        return NULL;
    for (size_t i = slot_of(m, lo, hi);; i = (i + 1) & m->mask) {
        Slot *s = &m->slots[i];
        if (s->hi == EMPTY_HI) {
            s->lo = lo;
            s->hi = hi;
            s->log_f = 0.0;
            m->used++;
            return s;
        }
        if (s->lo == lo && KEY_HI(s->hi) == hi)
            return s;
    }
}

static inline unsigned
flags_of(const Slot *s)
{
    return s == NULL ? 0u : (unsigned)(s->hi >> 48);
}

static inline void
set_flags(Slot *s, unsigned f)
{
    s->hi |= (uint64_t)f << 48;
}

/* log(count) as math.log computes it: log(float(count)) for an int that fits a double, else
 * math.log itself.  Returns 0 and sets *bad on a count math.log refuses; -1 on another error. */
static int
log_count(PyObject *v, double *out, int *bad)
{
    *bad = 0;
    if (PyLong_CheckExact(v)) {
        double x = PyLong_AsDouble(v);
        if (!(x == -1.0 && PyErr_Occurred())) {
            if (x > 0.0 && isfinite(x)) {
                *out = log(x);
                return 0;
            }
        }
        else if (PyErr_ExceptionMatches(PyExc_OverflowError))
            PyErr_Clear();
        else
            return -1;
    }
    PyObject *math = PyImport_ImportModule("math");
    if (math == NULL)
        return -1;
    PyObject *r = PyObject_CallMethod(math, "log", "O", v);
    Py_DECREF(math);
    if (r == NULL) {
        if (PyErr_ExceptionMatches(PyExc_ValueError)) {
            PyErr_Clear();
            *bad = 1;
            return 0;
        }
        return -1;
    }
    *out = PyFloat_AsDouble(r);
    Py_DECREF(r);
    return (*out == -1.0 && PyErr_Occurred()) ? -1 : 0;
}

static Py_ssize_t
size_of(PyObject *o)
{
    return PyObject_Size(o);
}

/* A table's key as code points in cp, *len 0 when it is longer than MAX_KEY or empty (never
 * probed).  Keys must be exact str: a str subclass or another type equal to a str would be
 * found by the dict and missed by the table.  -1 with TypeError when not. */
static int
read_key(PyObject *key, Py_UCS4 *cp, Py_ssize_t *len)
{
    if (!PyUnicode_CheckExact(key)) {
        PyErr_SetString(PyExc_TypeError, "Model: the tables' keys must all be str");
        return -1;
    }
#if PY_VERSION_HEX < 0x030C0000
    if (PyUnicode_READY(key) < 0)
        return -1;
#endif
    Py_ssize_t n = PyUnicode_GET_LENGTH(key);
    *len = 0;
    if (n < 1 || n > MAX_KEY)
        return 0;
    int kind = PyUnicode_KIND(key);
    const void *data = PyUnicode_DATA(key);
    for (Py_ssize_t k = 0; k < n; k++)
        cp[k] = PyUnicode_READ(kind, data, k);
    *len = n;
    return 0;
}

static void
Model_dealloc(Model *m)
{
    PyMem_Free(m->slots);
    Py_XDECREF(m->freq);
    Py_XDECREF(m->prefix2);
    Py_TYPE(m)->tp_free((PyObject *)m);
}

/* Model(freq, prefix2, logtotal) */
static PyObject *
Model_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PyObject *freq, *prefix2;
    double logtotal;
    static char *kwlist[] = {"freq", "prefix2", "logtotal", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OOd:Model", kwlist, &freq, &prefix2, &logtotal))
        return NULL;
    /* exact types: a subclass may answer `in` otherwise than its contents */
    if (!PyDict_CheckExact(freq) || !PyAnySet_CheckExact(prefix2)) {
        PyErr_SetString(PyExc_TypeError, "Model: freq must be a dict and prefix2 a set or frozenset");
        return NULL;
    }
    Py_ssize_t nf = PyDict_GET_SIZE(freq), np = size_of(prefix2);
    if (np < 0)
        return NULL;
    /* at most 4 keys in 5 slots (half as many when prefix2 mostly repeats freq's pairs) */
    size_t want = (size_t)(nf + np) + (size_t)(nf + np) / 4 + 16, size = 16;
    while (size < want)
        size <<= 1;
    Model *m = (Model *)type->tp_alloc(type, 0);
    if (m == NULL)
        return NULL;
    m->slots = PyMem_Calloc(size, sizeof(Slot));  /* all empty (zero pages from the system) */
    if (m->slots == NULL) {
        Py_DECREF(m);
        return PyErr_NoMemory();
    }
    m->mask = size - 1;
    m->logtotal = logtotal;
    Py_INCREF(freq);
    m->freq = freq;
    Py_INCREF(prefix2);
    m->prefix2 = prefix2;
    m->freq_size = nf;
    m->prefix2_size = np;

    Py_UCS4 cp[MAX_KEY];
    Py_ssize_t pos = 0;
    PyObject *key, *value;
    while (PyDict_Next(freq, &pos, &key, &value)) {
        Py_ssize_t len;
        if (read_key(key, cp, &len) < 0)
            goto fail;
        if (len == 0)
            continue;  /* never probed */
        Slot *s = insert(m, cp, len);
        unsigned f = F_FREQ;
        Py_INCREF(value);  /* (PyObject_IsTrue and math.log may run Python code) */
        int truth = PyObject_IsTrue(value);
        if (truth < 0) {
            Py_DECREF(value);
            goto fail;
        }
        if (truth) {
            int bad;
            if (log_count(value, &s->log_f, &bad) < 0) {
                Py_DECREF(value);
                goto fail;
            }
            f |= bad ? F_BAD : F_TRUE;
        }
        Py_DECREF(value);
        set_flags(s, f);
    }
    PyObject *it = PyObject_GetIter(prefix2);
    if (it == NULL)
        goto fail;
    PyObject *item;
    while ((item = PyIter_Next(it)) != NULL) {
        Py_ssize_t len;
        int err = read_key(item, cp, &len);
        Py_DECREF(item);
        if (err < 0) {
            Py_DECREF(it);
            goto fail;
        }
        if (len)
            set_flags(insert(m, cp, len), F_PREFIX);
    }
    Py_DECREF(it);
    if (PyErr_Occurred())
        goto fail;
    if (PyDict_GET_SIZE(freq) != nf || size_of(prefix2) != np) {
        PyErr_SetString(PyExc_RuntimeError, "Model: the tables changed while it was built");
        goto fail;
    }
    return (PyObject *)m;
fail:
    Py_DECREF(m);
    return NULL;
}

/* 0 when the tables still have their sizes, -1 (RuntimeError) when not. */
static int
check(Model *m)
{
    if (PyDict_GET_SIZE(m->freq) != m->freq_size || size_of(m->prefix2) != m->prefix2_size) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_RuntimeError,
                            "sftlint._typo_native.Model: the model's tables changed after it was built");
        return -1;
    }
    return 0;
}

static inline unsigned
flags_at(const Model *m, const Py_UCS4 *buf, Py_ssize_t n, Py_ssize_t start, Py_ssize_t end)
{
    if (end > n)
        end = n;
    return flags_of(find(m, buf + start, end - start));
}

/* ------------------------------------------------------------------ uncovered */

PyDoc_STRVAR(uncovered_doc,
"uncovered(run) -> list[int]\n\n"
"TypoDetector._uncovered_py: the positions of run that no 2-4 character word of freq\n"
"covers (a word is looked up only where its first two characters are in prefix2).");

static PyObject *
Model_uncovered(Model *m, PyObject *run)
{
    if (check(m) < 0)
        return NULL;
    Py_ssize_t n;
    Py_UCS4 *buf = codepoints(run, &n);
    if (buf == NULL)
        return NULL;
    PyObject *out = PyList_New(0);
    if (out == NULL)
        goto fail;
    Py_ssize_t reach = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (flags_at(m, buf, n, i, i + 2) & F_PREFIX) {
            Py_ssize_t e = 0;
            for (Py_ssize_t len = 4; len >= 2; len--)
                if (flags_at(m, buf, n, i, i + len) & F_FREQ) {
                    e = i + len;
                    break;
                }
            if (e > reach)
                reach = e;
        }
        if (reach <= i) {
            PyObject *pos = PyLong_FromSsize_t(i);
            if (pos == NULL)
                goto fail;
            int err = PyList_Append(out, pos);
            Py_DECREF(pos);
            if (err < 0)
                goto fail;
        }
    }
    PyMem_Free(buf);
    return out;
fail:
    PyMem_Free(buf);
    Py_XDECREF(out);
    return NULL;
}

static PyObject *
Model_size(Model *m, PyObject *unused)
{
    (void)unused;
    return Py_BuildValue("nn", (Py_ssize_t)m->used, (Py_ssize_t)(m->mask + 1));
}

static PyMethodDef Model_methods[] = {
    {"uncovered", (PyCFunction)Model_uncovered, METH_O, uncovered_doc},
    {"size", (PyCFunction)Model_size, METH_NOARGS, "size() -> (keys, slots)"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject ModelType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "sftlint._typo_native.Model",
    .tp_basicsize = sizeof(Model),
    .tp_dealloc = (destructor)Model_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Model(freq, prefix2, logtotal): T001's word table for the native kernels.",
    .tp_methods = Model_methods,
    .tp_new = Model_new,
};

/* ------------------------------------------------------------------ module */

static PyMethodDef methods[] = {
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    "sftlint._typo_native",
    "Optional native kernels for T001's dictionary model (see sftlint/_typo_native.c).",
    -1,
    methods,
    NULL,
    NULL,
    NULL,
    NULL,
};

PyMODINIT_FUNC
PyInit__typo_native(void)
{
    if (PyType_Ready(&ModelType) < 0)
        return NULL;
    PyObject *mod = PyModule_Create(&module);
    if (mod == NULL)
        return NULL;
    /* typo.py uses the module only when this matches its own KERNELS (an editable install
     * keeps the .so it built while the source moves on: a stale one is ignored) */
    if (PyModule_AddIntConstant(mod, "KERNELS", KERNELS) < 0) {
        Py_DECREF(mod);
        return NULL;
    }
    Py_INCREF(&ModelType);
    if (PyModule_AddObject(mod, "Model", (PyObject *)&ModelType) < 0) {
        Py_DECREF(&ModelType);
        Py_DECREF(mod);
        return NULL;
    }
    return mod;
}
