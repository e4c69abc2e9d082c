/* Optional native kernels for D002's exact verification (rules/dataset.py).
 *
 * D002 decides each candidate pair on the exact Jaccard similarity of the character
 * 5-shingles of two normalised texts.  In Python that is a set of 5-character str slices per
 * text (about 0.1 us and 60 bytes a shingle); here each shingle is its five code points packed
 * into 105 bits, so two shingles are equal exactly when their keys are (no hashing shortcut:
 * the result is the Python one, bit for bit).  Normalising a turn (NFKC, case folding, only
 * the word characters kept) uses the per-code-point fold table that the MinHash batch uses
 * (sftlint.analysis.minhash._fold_table): where every character of a text folds alone the
 * normalised text is the word characters of the folded ones; any other text is left to Python.
 *
 * The Python functions stay the reference (rules/dataset.py's jaccard and normalise);
 * tests/test_dedup_native.py compares both.  Built by setup.py as an optional extension;
 * SFTLINT_PURE_PYTHON=1 makes sftlint ignore it.  C99, nothing beyond Python.h.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#include "_native_str.h"

/* The interface rules/dataset.py expects (an editable install keeps a stale .so: ignored). */
#define KERNELS 2
#define SHINGLE 5

/* ------------------------------------------------------------------ shingle sets */

/* A shingle's key: code points 0-1 and 2-4 in two words; bit 63 of hi marks a used slot
 * (a code point has 21 bits: hi holds 42, lo 63). */
typedef struct {
    uint64_t hi, lo;
} Key;

#define USED (UINT64_C(1) << 63)

typedef struct {
    Key *slots;
    size_t mask;
    Py_ssize_t count;
} KeySet;

static inline size_t
key_hash(uint64_t hi, uint64_t lo)
{
    uint64_t h = hi * UINT64_C(0x9E3779B97F4A7C15) ^ lo;
    h ^= h >> 29;
    h *= UINT64_C(0xBF58476D1CE4E5B9);
    h ^= h >> 32;
    return (size_t)h;
}

static int
keyset_init(KeySet *set, Py_ssize_t n)
{
    size_t cap = 16;
    while (cap < (size_t)n * 2)
        cap <<= 1;
    set->slots = PyMem_Calloc(cap, sizeof(Key));
    if (set->slots == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    set->mask = cap - 1;
    set->count = 0;
    return 0;
}

/* 1 if the key was new, 0 if it was there already. */
static inline int
keyset_add(KeySet *set, uint64_t hi, uint64_t lo)
{
    hi |= USED;
    size_t i = key_hash(hi, lo) & set->mask;
    for (;;) {
        Key *k = &set->slots[i];
        if (k->hi == 0) {
            k->hi = hi;
            k->lo = lo;
            set->count++;
            return 1;
        }
        if (k->hi == hi && k->lo == lo)
            return 0;
        i = (i + 1) & set->mask;
    }
}

static inline int
keyset_has(const KeySet *set, uint64_t hi, uint64_t lo)
{
    hi |= USED;
    size_t i = key_hash(hi, lo) & set->mask;
    for (;;) {
        const Key *k = &set->slots[i];
        if (k->hi == 0)
            return 0;
        if (k->hi == hi && k->lo == lo)
            return 1;
        i = (i + 1) & set->mask;
    }
}

#define SHINGLE_KEY(kind, data, i, hi, lo)                                                   \
    do {                                                                                    \
        hi = ((uint64_t)PyUnicode_READ(kind, data, i) << 21) |                              \
             (uint64_t)PyUnicode_READ(kind, data, (i) + 1);                                 \
        lo = ((uint64_t)PyUnicode_READ(kind, data, (i) + 2) << 42) |                        \
             ((uint64_t)PyUnicode_READ(kind, data, (i) + 3) << 21) |                        \
             (uint64_t)PyUnicode_READ(kind, data, (i) + 4);                                 \
    } while (0)

PyDoc_STRVAR(jaccard_doc,
             "jaccard(a, b) -> float\n\n"
             "Exact Jaccard similarity of the sets of 5-character substrings of two str of\n"
             "5 characters or more (rules.dataset.jaccard; shorter texts are Python's).");

static PyObject *
jaccard(PyObject *self, PyObject *args)
{
    PyObject *a, *b;
    if (!PyArg_ParseTuple(args, "UU:jaccard", &a, &b))
        return NULL;
    if (ready_str(a, "jaccard") < 0 || ready_str(b, "jaccard") < 0)
        return NULL;
    Py_ssize_t na = PyUnicode_GET_LENGTH(a) - SHINGLE + 1;
    Py_ssize_t nb = PyUnicode_GET_LENGTH(b) - SHINGLE + 1;
    if (na <= 0 || nb <= 0) {
        PyErr_SetString(PyExc_ValueError, "texts shorter than a shingle");
        return NULL;
    }
    /* the smaller set is built, the larger one probed against it and deduplicated */
    if (nb < na) {
        PyObject *t = a;
        a = b;
        b = t;
        Py_ssize_t tn = na;
        na = nb;
        nb = tn;
    }
    KeySet sa, sb;
    if (keyset_init(&sa, na) < 0)
        return NULL;
    if (keyset_init(&sb, nb) < 0) {
        PyMem_Free(sa.slots);
        return NULL;
    }
    int ka = PyUnicode_KIND(a), kb = PyUnicode_KIND(b);
    const void *da = PyUnicode_DATA(a), *db = PyUnicode_DATA(b);
    uint64_t hi, lo;
    for (Py_ssize_t i = 0; i < na; i++) {
        SHINGLE_KEY(ka, da, i, hi, lo);
        keyset_add(&sa, hi, lo);
    }
    Py_ssize_t inter = 0;
    for (Py_ssize_t i = 0; i < nb; i++) {
        SHINGLE_KEY(kb, db, i, hi, lo);
        if (keyset_add(&sb, hi, lo) && keyset_has(&sa, hi, lo))
            inter++;
    }
    Py_ssize_t total = sa.count + sb.count - inter;
    PyMem_Free(sa.slots);
    PyMem_Free(sb.slots);
    /* Python's int / int for these sizes: both exact doubles, one correctly rounded division */
    return PyFloat_FromDouble((double)inter / (double)total);
}

/* ------------------------------------------------------------------ normalising */

PyDoc_STRVAR(fold_words_doc,
             "fold_words(text, table) -> str | None\n\n"
             "The word characters (str.isalnum) of text with each character replaced by its\n"
             "fold in table (bytes of uint32 per code point: the character's NFKC and case\n"
             "fold alone, or 0xFFFFFFFF where it does not fold alone), or None where a\n"
             "character is past the table or does not fold alone.");

/* Whether a folded character is a word character, per code point below WORD_CACHE: 0 not
 * looked up yet, 1 a word character, 2 not one (Py_UNICODE_ISALNUM consults the Unicode
 * database four times; a text repeats few distinct characters). */
#define WORD_CACHE 0x20000
static uint8_t word_state[WORD_CACHE];

static inline int
is_word(Py_UCS4 c)
{
    if (c >= WORD_CACHE)
        return Py_UNICODE_ISALNUM(c);
    if (word_state[c] == 0)
        word_state[c] = Py_UNICODE_ISALNUM(c) ? 1 : 2;
    return word_state[c] == 1;
}

static PyObject *
fold_words(PyObject *self, PyObject *args)
{
    PyObject *text;
    Py_buffer table;
    if (!PyArg_ParseTuple(args, "Uy*:fold_words", &text, &table))
        return NULL;
    PyObject *out = NULL;
    Py_UCS4 *buf = NULL;
    if (ready_str(text, "fold_words") < 0)
        goto done;
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    Py_ssize_t size = table.len / (Py_ssize_t)sizeof(uint32_t);
    const uint32_t *fold = (const uint32_t *)table.buf;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    buf = PyMem_Malloc(sizeof(Py_UCS4) * (size_t)(n + 1));
    if (buf == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    Py_ssize_t m = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if ((Py_ssize_t)c >= size || fold[c] == 0xFFFFFFFFu) {
            out = Py_None;
            Py_INCREF(out);
            goto done;
        }
        Py_UCS4 f = (Py_UCS4)fold[c];
        if (is_word(f))
            buf[m++] = f;
    }
    out = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, buf, m);
done:
    PyMem_Free(buf);
    PyBuffer_Release(&table);
    return out;
}

/* ------------------------------------------------------------------ module */

static PyMethodDef methods[] = {
    {"jaccard", jaccard, METH_VARARGS, jaccard_doc},
    {"fold_words", fold_words, METH_VARARGS, fold_words_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    "sftlint._dedup_native",
    "Optional native kernels for D002's exact verification (see sftlint/_dedup_native.c).",
    -1,
    methods,
};

PyMODINIT_FUNC
PyInit__dedup_native(void)
{
    PyObject *mod = PyModule_Create(&module);
    if (mod == NULL)
        return NULL;
    if (PyModule_AddIntConstant(mod, "KERNELS", KERNELS) < 0) {
        Py_DECREF(mod);
        return NULL;
    }
    return mod;
}
