/* Optional C kernels of the text analyses (rule T008's script census).
 *
 * census(text) does in one pass over the characters what
 * sftlint.analysis.text.language._census_py does with byte tables (a UTF-16 encoding, its
 * high bytes translated, a search for kana, a Latin-1 encoding translated and split): each of
 * those steps is a call and a pass of its own, and on the short Chinese turns of chat data the
 * calls cost more than the passes.  The Python function is the reference; the results must be
 * the same for every string (tests/test_text_native.py compares them).
 *
 * C99, nothing beyond Python.h.  Built by setup.py where a compiler is found; without it, or
 * with SFTLINT_PURE_PYTHON set, language.py runs the Python function.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* Bumped when a kernel's interface or results change: language.py uses the module only when
 * this matches its own NATIVE_KERNELS (an editable install keeps the module it built). */
#define KERNELS 1

/* A Latin-1 letter of _LATIN_WORD's class: A-Z, a-z, U+00C0-U+00FF (x and / signs included). */
static inline int
latin1_letter(Py_UCS4 c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= 0xC0 && c <= 0xFF);
}

/* What the census cannot tell apart, by the high byte of a BMP character (the rows that
 * language._HIGH_BYTE marks _UNTOLD_UNIT): Latin Extended A and B, Cyrillic, Arabic, Thai,
 * Hangul jamo, U+31xx, U+4Dxx, Hangul syllables. */
static inline int
untold_row(Py_UCS4 row)
{
    return row == 0x01 || row == 0x02 || row == 0x04 || row == 0x06 || row == 0x0E || row == 0x11 ||
           row == 0x31 || row == 0x4D || (row >= 0xAC && row <= 0xD7);
}

/* census(text) -> (han, latin_words) or None: the number of Han characters (U+3400-9FFF but
 * U+4Dxx, U+F900-FAFF) and of runs of two Latin-1 letters or more, or None when the text holds
 * a character of an untold row or kana (U+3040-30FF, U+FF66-FF9F). */
static PyObject *
census(PyObject *self, PyObject *arg)
{
    if (!PyUnicode_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "census() expects a str");
        return NULL;
    }
    if (PyUnicode_READY(arg) < 0) {
        return NULL;
    }
    const int kind = PyUnicode_KIND(arg);
    const void *data = PyUnicode_DATA(arg);
    const Py_ssize_t n = PyUnicode_GET_LENGTH(arg);
    Py_ssize_t han = 0, words = 0, run = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        const Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c < 0x100) {
            if (latin1_letter(c)) {
                run++;
                continue;
            }
        }
        else if (c <= 0xFFFF) {
            const Py_UCS4 row = c >> 8;
            if (untold_row(row)) {
                Py_RETURN_NONE;
            }
            if ((row >= 0x34 && row <= 0x9F) || row == 0xF9 || row == 0xFA) {
                han++;
            }
            else if ((c >= 0x3040 && c <= 0x30FF) || (c >= 0xFF66 && c <= 0xFF9F)) {
                Py_RETURN_NONE;
            }
        }
        /* any other character (and a character outside the BMP) ends a run of letters */
        words += run > 1;
        run = 0;
    }
    words += run > 1;
    return Py_BuildValue("(nn)", han, words);
}

static PyMethodDef methods[] = {
    {"census", census, METH_O, "census(text) -> (han, latin_words) or None: see language._census_py."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    "sftlint._text_native",
    "Optional C kernels of the text analyses (see sftlint/_text_native.c).",
    -1,
    methods,
};

PyMODINIT_FUNC
PyInit__text_native(void)
{
    PyObject *mod = PyModule_Create(&module);
    if (mod == NULL) {
        return NULL;
    }
    if (PyModule_AddIntConstant(mod, "KERNELS", KERNELS) < 0) {
        Py_DECREF(mod);
        return NULL;
    }
    return mod;
}
