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
#define KERNELS 3

#define MAX_KEY 5       /* longest word probed (SEG_MAX_WORD) */
#define F_FREQ 1u       /* the key is in freq */
#define F_TRUE 2u       /* ... with a true count: log_f holds log(count) */
#define F_PREFIX 4u     /* the key is in prefix2 */
#define F_BAD 8u        /* ... with a count math.log refuses (raised when used) */

typedef struct {
    uint64_t lo, hi;  /* code points 0-2 | code points 3-4, length << 42, flags << 48 */
    union {
        double log_f;  /* Model: log(count) when F_TRUE */
        struct {
            uint32_t off, len;  /* Frames: the character's sound codes, in codes[off:off + len] */
        } codes;
    } v;
} Slot;

typedef struct {
    Slot *slots;
    size_t mask;  /* slots - 1 (a power of two) */
    size_t used;
} Table;

typedef struct {
    PyObject_HEAD
    Table t;
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
slot_of(const Table *m, uint64_t lo, uint64_t hi)
{
    uint64_t h = lo * 0x9E3779B97F4A7C15ull ^ (hi + 0x632BE59BD9B4E019ull) * 0xC2B2AE3D27D4EB4Full;
    h ^= h >> 32;
    return (size_t)h & m->mask;
}

#define KEY_HI(hi) ((hi) & 0xFFFFFFFFFFFFull)  /* without the flags */

/* The slot holding the key, or NULL. */
static inline const Slot *
find(const Table *m, const Py_UCS4 *cp, Py_ssize_t len)
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
insert(Table *m, const Py_UCS4 *cp, Py_ssize_t len)
{
    uint64_t lo, hi;
    if (!pack(cp, len, &lo, &hi))
        return NULL;
    for (size_t i = slot_of(m, lo, hi);; i = (i + 1) & m->mask) {
        Slot *s = &m->slots[i];
        if (s->hi == EMPTY_HI) {
            s->lo = lo;
            s->hi = hi;
            s->v.log_f = 0.0;
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
    PyMem_Free(m->t.slots);
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
    m->t.slots = PyMem_Calloc(size, sizeof(Slot));  /* all empty (zero pages from the system) */
    if (m->t.slots == NULL) {
        Py_DECREF(m);
        return PyErr_NoMemory();
    }
    m->t.mask = size - 1;
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
        Slot *s = insert(&m->t, cp, len);
        unsigned f = F_FREQ;
        Py_INCREF(value);  /* (PyObject_IsTrue and math.log may run Python code) */
        int truth = PyObject_IsTrue(value);
        if (truth < 0) {
            Py_DECREF(value);
            goto fail;
        }
        if (truth) {
            int bad;
            if (log_count(value, &s->v.log_f, &bad) < 0) {
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
            set_flags(insert(&m->t, cp, len), F_PREFIX);
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
    return flags_of(find(&m->t, buf + start, end - start));
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

/* ------------------------------------------------------------------ segmentation */

/* The log of a word's count as the Python code reads it: `(log(f) if f else 0.0)` with
 * f = freq.get(word) (*has 0 for a missing or zero count).  -1 with ValueError for a count
 * math.log refuses, as math.log raises it. */
static inline int
logf_at(const Model *m, const Py_UCS4 *w, Py_ssize_t len, double *out, int *has)
{
    const Slot *s = (len >= 1 && len <= MAX_KEY) ? find(&m->t, w, len) : NULL;
    unsigned f = flags_of(s);
    if (f & F_BAD) {
        PyErr_SetString(PyExc_ValueError, "math domain error");
        return -1;
    }
    *has = (f & F_TRUE) != 0;
    *out = *has ? s->v.log_f : 0.0;
    return 0;
}

/* TypoDetector._fill_py on code points s[0:n]: best[i], nxt[i] for i = top down to 0, reading
 * best[j] for j > i (SEG_MAX_WORD = MAX_KEY: words of 2-5 characters). */
static int
fill(const Model *m, const Py_UCS4 *s, Py_ssize_t n, Py_ssize_t top, double *best, Py_ssize_t *nxt)
{
    const double logtotal = m->logtotal;
    for (Py_ssize_t i = top; i >= 0; i--) {
        double lf;
        int has;
        if (logf_at(m, s + i, 1, &lf, &has) < 0)
            return -1;
        double b = lf - logtotal + best[i + 1];
        Py_ssize_t e = i + 1;
        if (i + 2 <= n && (flags_of(find(&m->t, s + i, 2)) & F_PREFIX)) {
            Py_ssize_t last = n < i + MAX_KEY ? n : i + MAX_KEY;
            for (Py_ssize_t j = i + 2; j <= last; j++) {
                if (logf_at(m, s + i, j - i, &lf, &has) < 0)
                    return -1;
                if (has) {
                    double v = lf - logtotal + best[j];
                    if (v > b) {
                        b = v;
                        e = j;
                    }
                }
            }
        }
        best[i] = b;
        nxt[i] = e;
    }
    return 0;
}

PyDoc_STRVAR(segment_doc,
"segment(s) -> (float, list[int])\n\n"
"TypoDetector._segment_py: the best unigram segmentation of s, as (log-probability, word\n"
"end offsets).");

static PyObject *
Model_segment(Model *m, PyObject *arg)
{
    if (check(m) < 0)
        return NULL;
    Py_ssize_t n;
    Py_UCS4 *s = codepoints(arg, &n);
    if (s == NULL)
        return NULL;
    PyObject *result = NULL, *ends = NULL;
    double *best = PyMem_Malloc(sizeof(double) * (size_t)(n + 1));
    Py_ssize_t *nxt = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)(n + 1));
    if (best == NULL || nxt == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    best[n] = 0.0;
    nxt[n] = 0;
    if (fill(m, s, n, n - 1, best, nxt) < 0)
        goto done;
    ends = PyList_New(0);
    if (ends == NULL)
        goto done;
    for (Py_ssize_t i = 0; i < n;) {
        i = nxt[i];
        PyObject *e = PyLong_FromSsize_t(i);
        if (e == NULL)
            goto done;
        int err = PyList_Append(ends, e);
        Py_DECREF(e);
        if (err < 0)
            goto done;
    }
    result = Py_BuildValue("dO", best[0], ends);
done:
    Py_XDECREF(ends);
    PyMem_Free(best);
    PyMem_Free(nxt);
    PyMem_Free(s);
    return result;
}

/* The one code point of a correction (the homophone index's values are characters). */
static int
one_char(PyObject *r, Py_UCS4 *out)
{
    if (!PyUnicode_Check(r)) {
        PyErr_SetString(PyExc_TypeError, "a correction must be a str");
        return -1;
    }
#if PY_VERSION_HEX < 0x030C0000
    if (PyUnicode_READY(r) < 0)
        return -1;
#endif
    if (PyUnicode_GET_LENGTH(r) != 1) {
        PyErr_SetString(PyExc_ValueError, "a correction must be one character");
        return -1;
    }
    *out = PyUnicode_READ_CHAR(r, 0);
    return 0;
}

PyDoc_STRVAR(rescore_doc,
"rescore(ctx, p, rights) -> (float, list[tuple[float, int, int]])\n\n"
"The segmentations of TypoDetector._features_py: the best segmentation's log-probability of\n"
"ctx, and for each one-character correction r of ctx[p], that of ctx with r at p with the\n"
"start and end of its word holding p.");

static PyObject *
Model_rescore(Model *m, PyObject *args)
{
    PyObject *ctx, *rights;
    Py_ssize_t p;
    if (!PyArg_ParseTuple(args, "UnO!:rescore", &ctx, &p, &PyList_Type, &rights))
        return NULL;
    if (check(m) < 0)
        return NULL;
    Py_ssize_t n;
    Py_UCS4 *s = codepoints(ctx, &n);
    if (s == NULL)
        return NULL;
    PyObject *result = NULL, *out = NULL;
    double *base_best = PyMem_Malloc(sizeof(double) * (size_t)(n + 1) * 2);
    Py_ssize_t *base_nxt = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)(n + 1) * 2);
    if (base_best == NULL || base_nxt == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    if (p < 0 || p >= n) {
        PyErr_SetString(PyExc_IndexError, "rescore: p out of range");
        goto done;
    }
    double *best = base_best + n + 1;
    Py_ssize_t *nxt = base_nxt + n + 1;
    base_best[n] = 0.0;
    base_nxt[n] = 0;
    if (fill(m, s, n, n - 1, base_best, base_nxt) < 0)
        goto done;
    Py_ssize_t count = PyList_GET_SIZE(rights);
    out = PyList_New(count);
    if (out == NULL)
        goto done;
    Py_UCS4 own = s[p];
    for (Py_ssize_t k = 0; k < count; k++) {
        Py_UCS4 r;
        if (one_char(PyList_GET_ITEM(rights, k), &r) < 0)
            goto done;
        s[p] = r;
        memcpy(best, base_best, sizeof(double) * (size_t)(n + 1));
        memcpy(nxt, base_nxt, sizeof(Py_ssize_t) * (size_t)(n + 1));
        int err = fill(m, s, n, p, best, nxt);
        s[p] = own;
        if (err < 0)
            goto done;
        /* the word of the corrected segmentation that holds p */
        Py_ssize_t st = 0, e = 0;
        for (Py_ssize_t i = 0; i < n;) {
            i = nxt[i];
            e = i;
            if (e > p)
                break;
            st = e;
        }
        PyObject *item = Py_BuildValue("dnn", best[0], st, e);
        if (item == NULL)
            goto done;
        PyList_SET_ITEM(out, k, item);
    }
    result = Py_BuildValue("dO", base_best[0], out);
done:
    Py_XDECREF(out);
    PyMem_Free(base_best);
    PyMem_Free(base_nxt);
    PyMem_Free(s);
    return result;
}

PyDoc_STRVAR(gains_below_doc,
"gains_below(ctx, p, rights, limit) -> bool\n\n"
"TypoDetector._gains_below_py: whether replacing ctx[p] by each one-character correction\n"
"of rights provably raises the best segmentation's log-probability by less than limit.");

static PyObject *
Model_gains_below(Model *m, PyObject *args)
{
    PyObject *ctx, *rights;
    Py_ssize_t p;
    double limit;
    if (!PyArg_ParseTuple(args, "UnO!d:gains_below", &ctx, &p, &PyList_Type, &rights, &limit))
        return NULL;
    if (check(m) < 0)
        return NULL;
    Py_ssize_t n;
    Py_UCS4 *s = codepoints(ctx, &n);
    if (s == NULL)
        return NULL;
    PyObject *result = NULL;
    if (p < 0 || p >= n) {
        PyErr_SetString(PyExc_IndexError, "gains_below: p out of range");
        goto done;
    }
    const double logtotal = m->logtotal;
    Py_ssize_t lo = p - MAX_KEY + 1 > 0 ? p - MAX_KEY + 1 : 0;
    Py_ssize_t hi = p + MAX_KEY < n ? p + MAX_KEY : n;
    /* cost[k - lo]: minus the summed one-character log-probabilities of ctx[lo:k] */
    double cost[2 * MAX_KEY + 1];
    double total = 0.0;
    cost[0] = 0.0;
    for (Py_ssize_t k = lo; k < hi; k++) {
        double lf;
        int has;
        if (logf_at(m, s + k, 1, &lf, &has) < 0)
            goto done;
        total -= lf - logtotal;
        cost[k + 1 - lo] = total;
    }
    double alone = cost[p + 1 - lo] - cost[p - lo];
    Py_UCS4 own = s[p];
    int below = 1;
    for (Py_ssize_t k = 0; k < PyList_GET_SIZE(rights) && below; k++) {
        Py_UCS4 r;
        double lf;
        int has;
        if (one_char(PyList_GET_ITEM(rights, k), &r) < 0)
            goto done;
        if (logf_at(m, &r, 1, &lf, &has) < 0)
            goto done;
        if (lf - logtotal + alone >= limit) {
            below = 0;
            break;
        }
        s[p] = r;
        for (Py_ssize_t st = lo; st <= p && below; st++) {
            if (st + 2 > n || !(flags_of(find(&m->t, s + st, 2)) & F_PREFIX))
                continue;
            Py_ssize_t first = p + 1 > st + 2 ? p + 1 : st + 2;
            Py_ssize_t last = n < st + MAX_KEY ? n : st + MAX_KEY;
            for (Py_ssize_t e = first; e <= last; e++) {
                if (logf_at(m, s + st, e - st, &lf, &has) < 0) {
                    s[p] = own;
                    goto done;
                }
                if (has && lf - logtotal + cost[e - lo] - cost[st - lo] >= limit) {
                    below = 0;
                    break;
                }
            }
        }
        s[p] = own;
    }
    result = PyBool_FromLong(below);
done:
    PyMem_Free(s);
    return result;
}

static PyObject *
Model_size(Model *m, PyObject *unused)
{
    (void)unused;
    return Py_BuildValue("nn", (Py_ssize_t)m->t.used, (Py_ssize_t)(m->t.mask + 1));
}

static PyMethodDef Model_methods[] = {
    {"uncovered", (PyCFunction)Model_uncovered, METH_O, uncovered_doc},
    {"segment", (PyCFunction)Model_segment, METH_O, segment_doc},
    {"rescore", (PyCFunction)Model_rescore, METH_VARARGS, rescore_doc},
    {"gains_below", (PyCFunction)Model_gains_below, METH_VARARGS, gains_below_doc},
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

/* ------------------------------------------------------------------ askable */

/* The homophone index's frames (code_frames: a sound code with its left neighbour, its right
 * neighbour, or both) and the characters that can be suspects with their sound codes
 * (_suspect_chars), for TypoDetector._askable_py. */

#define F_STARTS 1u
#define F_ENDS 2u
#define F_MIDDLES 4u
#define F_ABLE 8u

typedef struct {
    PyObject_HEAD
    Table t;
    Py_UCS4 *codes;
} Frames;

static void
Frames_dealloc(Frames *f)
{
    PyMem_Free(f->t.slots);
    PyMem_Free(f->codes);
    Py_TYPE(f)->tp_free((PyObject *)f);
}

/* Frames(able, starts, ends, middles) */
static PyObject *
Frames_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PyObject *able, *sets[3];
    static char *kwlist[] = {"able", "starts", "ends", "middles", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OOOO:Frames", kwlist, &able, &sets[0], &sets[1], &sets[2]))
        return NULL;
    if (!PyDict_CheckExact(able) || !PyAnySet_CheckExact(sets[0]) || !PyAnySet_CheckExact(sets[1]) ||
        !PyAnySet_CheckExact(sets[2])) {
        PyErr_SetString(PyExc_TypeError, "Frames: able must be a dict and the frames sets or frozensets");
        return NULL;
    }
    Py_ssize_t keys = PyDict_GET_SIZE(able), ncodes = 0;
    for (int k = 0; k < 3; k++)
        keys += PySet_GET_SIZE(sets[k]);
    Py_ssize_t pos = 0;
    PyObject *key, *value;
    while (PyDict_Next(able, &pos, &key, &value)) {
        if (!PyUnicode_CheckExact(value)) {
            PyErr_SetString(PyExc_TypeError, "Frames: able's sound codes must be str");
            return NULL;
        }
#if PY_VERSION_HEX < 0x030C0000
        if (PyUnicode_READY(value) < 0)
            return NULL;
#endif
        ncodes += PyUnicode_GET_LENGTH(value);
    }
    if (ncodes > (Py_ssize_t)UINT32_MAX) {
        PyErr_SetString(PyExc_OverflowError, "Frames: too many sound codes");
        return NULL;
    }
    size_t want = (size_t)keys + (size_t)keys / 4 + 16, size = 16;
    while (size < want)
        size <<= 1;
    Frames *f = (Frames *)type->tp_alloc(type, 0);
    if (f == NULL)
        return NULL;
    f->t.slots = PyMem_Calloc(size, sizeof(Slot));
    f->codes = PyMem_Malloc(sizeof(Py_UCS4) * (size_t)(ncodes + 1));
    if (f->t.slots == NULL || f->codes == NULL) {
        Py_DECREF(f);
        return PyErr_NoMemory();
    }
    f->t.mask = size - 1;
    Py_UCS4 cp[MAX_KEY];
    Py_ssize_t len;
    for (int k = 0; k < 3; k++) {
        PyObject *it = PyObject_GetIter(sets[k]), *item;
        if (it == NULL)
            goto fail;
        while ((item = PyIter_Next(it)) != NULL) {
            int err = read_key(item, cp, &len);
            Py_DECREF(item);
            if (err < 0) {
                Py_DECREF(it);
                goto fail;
            }
            if (len)
                set_flags(insert(&f->t, cp, len), 1u << k);
        }
        Py_DECREF(it);
        if (PyErr_Occurred())
            goto fail;
    }
    uint32_t off = 0;
    pos = 0;
    while (PyDict_Next(able, &pos, &key, &value)) {
        if (read_key(key, cp, &len) < 0)
            goto fail;
        Py_ssize_t nc = PyUnicode_GET_LENGTH(value);
        if (len != 1 || nc == 0)
            continue;  /* only characters are asked, and a character without codes never */
        Slot *s = insert(&f->t, cp, 1);
        set_flags(s, F_ABLE);
        s->v.codes.off = off;
        s->v.codes.len = (uint32_t)nc;
        int kind = PyUnicode_KIND(value);
        const void *data = PyUnicode_DATA(value);
        for (Py_ssize_t j = 0; j < nc; j++)
            f->codes[off++] = PyUnicode_READ(kind, data, j);
    }
    return (PyObject *)f;
fail:
    Py_DECREF(f);
    return NULL;
}

PyDoc_STRVAR(askable_doc,
"askable(run, unc) -> list[int]\n\n"
"TypoDetector._askable_py: the positions of unc whose character can be a suspect and has a\n"
"sound code that a frame of the homophone index holds with the character's neighbours.");

static PyObject *
Frames_askable(Frames *f, PyObject *args)
{
    PyObject *run, *unc;
    if (!PyArg_ParseTuple(args, "UO!:askable", &run, &PyList_Type, &unc))
        return NULL;
    Py_ssize_t n;
    Py_UCS4 *buf = codepoints(run, &n);
    if (buf == NULL)
        return NULL;
    PyObject *out = PyList_New(0);
    if (out == NULL)
        goto fail;
    for (Py_ssize_t u = 0; u < PyList_GET_SIZE(unc); u++) {
        PyObject *pos = PyList_GET_ITEM(unc, u);
        Py_ssize_t i = PyLong_AsSsize_t(pos);
        if (i == -1 && PyErr_Occurred())
            goto fail;
        if (i < 0 || i >= n) {
            PyErr_SetString(PyExc_IndexError, "askable: position out of range");
            goto fail;
        }
        const Slot *s = find(&f->t, buf + i, 1);
        if (!(flags_of(s) & F_ABLE))
            continue;
        /* [left] code [right]: the window, its left part and its right part */
        Py_UCS4 w[3];
        Py_ssize_t has_left = i > 0, has_right = i + 1 < n;
        if (has_left)
            w[0] = buf[i - 1];
        Py_UCS4 *k = w + has_left;
        if (has_right)
            k[1] = buf[i + 1];
        const Py_UCS4 *codes = f->codes + s->v.codes.off;
        for (uint32_t c = 0; c < s->v.codes.len; c++) {
            k[0] = codes[c];
            if ((flags_of(find(&f->t, w, 1 + has_left)) & F_ENDS) ||
                (flags_of(find(&f->t, k, 1 + has_right)) & F_STARTS) ||
                (flags_of(find(&f->t, w, 1 + has_left + has_right)) & F_MIDDLES)) {
                if (PyList_Append(out, pos) < 0)
                    goto fail;
                break;
            }
        }
    }
    PyMem_Free(buf);
    return out;
fail:
    PyMem_Free(buf);
    Py_XDECREF(out);
    return NULL;
}

/* d.get(key) of an exact dict as a new reference, or dflt (new reference); NULL on error. */
static PyObject *
dict_get(PyObject *d, PyObject *key, PyObject *dflt)
{
    PyObject *v = PyDict_GetItemWithError(d, key);
    if (v == NULL) {
        if (PyErr_Occurred())
            return NULL;
        v = dflt;
    }
    Py_XINCREF(v);
    return v;
}

/* The window run[i - h:i] + mid + run[i + 1:i + 1 + t] as a str. */
static PyObject *
window(const Py_UCS4 *buf, Py_ssize_t i, Py_ssize_t h, Py_ssize_t t, Py_UCS4 mid)
{
    Py_UCS4 w[7];
    memcpy(w, buf + i - h, sizeof(Py_UCS4) * (size_t)h);
    w[h] = mid;
    memcpy(w + h + 1, buf + i + 1, sizeof(Py_UCS4) * (size_t)t);
    return PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, w, h + 1 + t);
}

PyDoc_STRVAR(proposals_doc,
"proposals(run, i, fuzzy, readings, index, freq, variant_pairs) -> dict\n\n"
"TypoDetector._proposals_py on a whole model: {character: (exact homophone?, count of the\n"
"best word it makes, that word)} for the characters that could replace run[i].");

static PyObject *
Frames_proposals(Frames *f, PyObject *args)
{
    PyObject *run, *fuzzy, *readings, *index, *freq, *variants;
    Py_ssize_t i;
    if (!PyArg_ParseTuple(args, "UnO!O!O!O!O:proposals", &run, &i, &PyDict_Type, &fuzzy, &PyDict_Type,
                          &readings, &PyDict_Type, &index, &PyDict_Type, &freq, &variants))
        return NULL;
    if (!PyDict_CheckExact(fuzzy) || !PyDict_CheckExact(readings) || !PyDict_CheckExact(index) ||
        !PyDict_CheckExact(freq) || !PyAnySet_CheckExact(variants)) {
        PyErr_SetString(PyExc_TypeError, "proposals: the tables must be dicts and variant_pairs a set");
        return NULL;
    }
    Py_ssize_t n;
    Py_UCS4 *buf = codepoints(run, &n);
    if (buf == NULL)
        return NULL;
    PyObject *c = NULL, *codes = NULL, *own = NULL, *own1 = NULL, *out = NULL, *empty = NULL;
    PyObject *result = NULL;
    if (i < 0 || i >= n) {
        PyErr_SetString(PyExc_IndexError, "proposals: position out of range");
        goto done;
    }
    out = PyDict_New();
    empty = PyUnicode_New(0, 0);
    c = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, buf + i, 1);
    if (out == NULL || empty == NULL || c == NULL)
        goto done;
    codes = dict_get(fuzzy, c, Py_None);
    if (codes == NULL)
        goto done;
    int truth = PyObject_IsTrue(codes);
    if (truth < 0)
        goto done;
    if (!truth || !PyUnicode_Check(codes)) {
        if (truth && !PyUnicode_Check(codes))
            PyErr_SetString(PyExc_TypeError, "proposals: sound codes must be str");
        else
            result = Py_NewRef(out);
        goto done;
    }
    own = dict_get(readings, c, empty);
    if (own == NULL)
        goto done;
    truth = PyObject_IsTrue(own);
    if (truth < 0)
        goto done;
    if (truth) {
        own1 = PySequence_GetSlice(own, 0, 1);  /* own[:1] */
        if (own1 == NULL)
            goto done;
    }
    Py_ssize_t before = i < 3 ? i : 3, after = n - 1 - i < 3 ? n - 1 - i : 3;
    int kind = PyUnicode_KIND(codes);
    const void *data = PyUnicode_DATA(codes);
    for (Py_ssize_t q = 0; q < PyUnicode_GET_LENGTH(codes); q++) {
        Py_UCS4 k = PyUnicode_READ(kind, data, q);
        /* the code after the left neighbour, before the right one, between both */
        Py_UCS4 w[3];
        Py_ssize_t has_left = i > 0, has_right = i + 1 < n;
        if (has_left)
            w[0] = buf[i - 1];
        w[has_left] = k;
        if (has_right)
            w[has_left + 1] = buf[i + 1];
        int shapes[3] = {
            (flags_of(find(&f->t, w, 1 + has_left)) & F_ENDS) != 0,
            (flags_of(find(&f->t, w + has_left, 1 + has_right)) & F_STARTS) != 0,
            (flags_of(find(&f->t, w, 1 + has_left + has_right)) & F_MIDDLES) != 0,
        };
        if (!shapes[0] && !shapes[1] && !shapes[2])
            continue;
        /* _WINDOWS: for L in 2, 3, 4, h (characters before) from L - 1 down to 0 */
        for (Py_ssize_t L = 2; L <= 4; L++) {
            for (Py_ssize_t h = L - 1; h >= 0; h--) {
                Py_ssize_t t = L - 1 - h;
                if (h > before || t > after)
                    continue;
                int shape = t == 0 ? 0 : h == 0 ? 1 : 2;
                if (!shapes[shape])
                    continue;
                PyObject *key = window(buf, i, h, t, k);
                if (key == NULL)
                    goto done;
                PyObject *hit = dict_get(index, key, Py_None);
                Py_DECREF(key);
                if (hit == NULL)
                    goto done;
                truth = PyObject_IsTrue(hit);
                if (truth <= 0 || !PyUnicode_Check(hit)) {
                    Py_DECREF(hit);
                    if (truth < 0)
                        goto done;
                    if (truth) {
                        PyErr_SetString(PyExc_TypeError, "proposals: the index's values must be str");
                        goto done;
                    }
                    continue;
                }
                int hkind = PyUnicode_KIND(hit);
                const void *hdata = PyUnicode_DATA(hit);
                for (Py_ssize_t z = 0; z < PyUnicode_GET_LENGTH(hit); z++) {
                    Py_UCS4 rc = PyUnicode_READ(hkind, hdata, z);
                    if (rc == buf[i])
                        continue;
                    PyObject *r = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, &rc, 1);
                    if (r == NULL) {
                        Py_DECREF(hit);
                        goto done;
                    }
                    PyObject *pair = PyTuple_Pack(2, c, r);
                    int variant = pair == NULL ? -1 : PySet_Contains(variants, pair);
                    Py_XDECREF(pair);
                    if (variant != 0) {
                        Py_DECREF(r);
                        if (variant < 0) {
                            Py_DECREF(hit);
                            goto done;
                        }
                        continue;
                    }
                    PyObject *word = window(buf, i, h, t, rc);
                    PyObject *fw = word == NULL ? NULL : dict_get(freq, word, NULL);
                    if (fw == NULL && word != NULL && !PyErr_Occurred())
                        fw = PyLong_FromLong(0);
                    PyObject *prev = fw == NULL ? NULL : PyDict_GetItemWithError(out, r);
                    PyObject *value = NULL;
                    int err = fw == NULL || (prev == NULL && PyErr_Occurred());
                    if (!err && prev == NULL) {
                        int exact = 0;
                        if (own1 != NULL) {
                            PyObject *rr = dict_get(readings, r, empty);
                            exact = rr == NULL ? -1 : PySequence_Contains(rr, own1);
                            Py_XDECREF(rr);
                        }
                        if (exact < 0)
                            err = 1;
                        else
                            value = Py_BuildValue("(OOO)", exact ? Py_True : Py_False, fw, word);
                    }
                    else if (!err) {
                        int more = PyObject_RichCompareBool(fw, PyTuple_GET_ITEM(prev, 1), Py_GT);
                        if (more < 0)
                            err = 1;
                        else if (more)
                            value = Py_BuildValue("(OOO)", PyTuple_GET_ITEM(prev, 0), fw, word);
                    }
                    if (!err && value == NULL && PyErr_Occurred())
                        err = 1;
                    if (!err && value != NULL && PyDict_SetItem(out, r, value) < 0)
                        err = 1;
                    Py_XDECREF(value);
                    Py_XDECREF(fw);
                    Py_XDECREF(word);
                    Py_DECREF(r);
                    if (err) {
                        Py_DECREF(hit);
                        goto done;
                    }
                }
                Py_DECREF(hit);
            }
        }
    }
    result = Py_NewRef(out);
done:
    Py_XDECREF(c);
    Py_XDECREF(codes);
    Py_XDECREF(own);
    Py_XDECREF(own1);
    Py_XDECREF(out);
    Py_XDECREF(empty);
    PyMem_Free(buf);
    return result;
}

static PyMethodDef Frames_methods[] = {
    {"askable", (PyCFunction)Frames_askable, METH_VARARGS, askable_doc},
    {"proposals", (PyCFunction)Frames_proposals, METH_VARARGS, proposals_doc},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject FramesType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "sftlint._typo_native.Frames",
    .tp_basicsize = sizeof(Frames),
    .tp_dealloc = (destructor)Frames_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Frames(able, starts, ends, middles): the homophone index's frames for askable().",
    .tp_methods = Frames_methods,
    .tp_new = Frames_new,
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
    if (PyType_Ready(&ModelType) < 0 || PyType_Ready(&FramesType) < 0)
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
    Py_INCREF(&FramesType);
    if (PyModule_AddObject(mod, "Frames", (PyObject *)&FramesType) < 0) {
        Py_DECREF(&FramesType);
        Py_DECREF(mod);
        return NULL;
    }
    return mod;
}
