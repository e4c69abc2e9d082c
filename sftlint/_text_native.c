/* Optional C kernels of the text analyses (rule T008's script census and body marks, rule
 * T002's scan for its two-character forms).
 *
 * census(text) does in one pass over the characters what
 * sftlint.analysis.text.language._census_py does with byte tables (a UTF-16 encoding, its
 * high bytes translated, a search for kana, a Latin-1 encoding translated and split): each of
 * those steps is a call and a pass of its own, and on the short Chinese turns of chat data the
 * calls cost more than the passes.  The Python function is the reference; the results must be
 * the same for every string (tests/test_text_native.py compares them).
 *
 * body_marks(text) tells language._body which of its steps may change the text: one pass
 * instead of a dozen tests and searches, most of which find nothing in Chinese prose.  Each mark
 * is set wherever its step can apply (it may be set where the step then finds nothing); the
 * Python fallback sets every mark, so the body is the same either way.
 *
 * pair_starts(text, pairs) finds where the two-character strings of pairs occur, as
 * re.finditer of their alternation does (leftmost first, none overlapping the one before):
 * the alternation tests each of a text's characters against its first characters one by one,
 * about 100 instructions a character; here a table of the first characters' low bits rejects
 * nearly every character, in a loop of its own for each character width.
 *
 * C99, nothing beyond Python.h.  Built by setup.py where a compiler is found; without it, or
 * with SFTLINT_PURE_PYTHON set, language.py runs the Python function.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "_native_str.h"

/* Bumped when a kernel's interface or results change: language.py uses the module only when
 * this matches its own NATIVE_KERNELS (an editable install keeps the module it built). */
#define KERNELS 3

/* body_marks' bits (language.py's _FENCE ... _OTHER_NOISE) */
#define FENCE 1       /* ` or ~~~: code spans */
#define TAG 2         /* < before a letter or / and a letter: a tag may start */
#define CODE_LINE 4   /* a line may look like code: its start, or one of ( ; = { } */
#define AT 8          /* @: an address */
#define EXT 16        /* . before a lower-case letter: a file name's extension */
#define OTHER_NOISE 32 /* &, ://, www. */

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
    if (ready_str(arg, "census") < 0) {
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

static inline int
ascii_letter(Py_UCS4 c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* The marks of the line starting at i (its first character, after spaces other than a line
 * break): CODE_LINE where _CODE_LINE_START may match there: four spaces or more, or one of
 * # < $ > or a letter after them. */
static long
line_start_marks(int kind, const void *data, Py_ssize_t n, Py_ssize_t i)
{
    Py_ssize_t spaces = 0;
    while (i < n) {
        const Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c == '\n' || !Py_UNICODE_ISSPACE(c)) {
            return (c == '#' || c == '<' || c == '$' || c == '>' || ascii_letter(c)) ? CODE_LINE : 0;
        }
        if (++spaces >= 4) {
            return CODE_LINE;
        }
        i++;
    }
    return 0;
}

/* body_marks(text) -> int: the marks of the steps of language._body that may change text. */
static PyObject *
body_marks(PyObject *self, PyObject *arg)
{
    if (ready_str(arg, "body_marks") < 0) {
        return NULL;
    }
    const int kind = PyUnicode_KIND(arg);
    const void *data = PyUnicode_DATA(arg);
    const Py_ssize_t n = PyUnicode_GET_LENGTH(arg);
    long marks = n ? line_start_marks(kind, data, n, 0) : 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        const Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c > '~') {
            continue; /* every mark starts with an ASCII character */
        }
        const Py_UCS4 next = i + 1 < n ? PyUnicode_READ(kind, data, i + 1) : 0;
        switch (c) {
        case '\n':
            marks |= line_start_marks(kind, data, n, i + 1);
            break;
        case '`':
            marks |= FENCE;
            break;
        case '~':
            if (next == '~' && i + 2 < n && PyUnicode_READ(kind, data, i + 2) == '~') {
                marks |= FENCE;
            }
            break;
        case '<':
            if (ascii_letter(next) ||
                (next == '/' && i + 2 < n && ascii_letter(PyUnicode_READ(kind, data, i + 2)))) {
                marks |= TAG;
            }
            break;
        case '(':
        case ';':
        case '=':
        case '{':
        case '}':
            marks |= CODE_LINE;
            break;
        case '@':
            marks |= AT;
            break;
        case '.':
            if (next >= 'a' && next <= 'z') {
                marks |= EXT;
            }
            break;
        case '&':
            marks |= OTHER_NOISE;
            break;
        case ':':
            if (next == '/' && i + 2 < n && PyUnicode_READ(kind, data, i + 2) == '/') {
                marks |= OTHER_NOISE;
            }
            break;
        case 'w':
            if (next == 'w' && i + 3 < n && PyUnicode_READ(kind, data, i + 2) == 'w' &&
                PyUnicode_READ(kind, data, i + 3) == '.') {
                marks |= OTHER_NOISE;
            }
            break;
        default:
            break;
        }
    }
    return PyLong_FromLong(marks);
}

#define MAX_PAIRS 64
/* pair_starts' filter: the first characters by their low twelve bits (a character whose bits
 * are no first character's is passed over at once: about one in three hundred of a Chinese
 * text's characters shares them with one of T002's fifteen first characters) */
#define FILTER_BITS 12

/* The tables of the last pairs pair_starts was given (T002 gives the same string every time:
 * built once, not on every call), and a reference to that string, which keeps it alive, so
 * that the same object is the same pairs. */
static struct {
    PyObject *pairs;
    Py_ssize_t np;
    Py_UCS4 first[MAX_PAIRS], second[MAX_PAIRS];
    unsigned char filter[1u << FILTER_BITS];
} tables;

/* Build the tables of pairs; -1 (ValueError) when pairs holds no whole pairs or too many. */
static int
set_pairs(PyObject *pairs)
{
    const Py_ssize_t np = PyUnicode_GET_LENGTH(pairs) / 2;
    if (PyUnicode_GET_LENGTH(pairs) % 2 || np > MAX_PAIRS) {
        PyErr_SetString(PyExc_ValueError, "pairs must hold at most 64 two-character strings");
        return -1;
    }
    memset(tables.filter, 0, sizeof tables.filter);
    for (Py_ssize_t k = 0; k < np; k++) {
        tables.first[k] = PyUnicode_READ_CHAR(pairs, 2 * k);
        tables.second[k] = PyUnicode_READ_CHAR(pairs, 2 * k + 1);
        tables.filter[tables.first[k] & ((1u << FILTER_BITS) - 1)] = 1;
    }
    tables.np = np;
    Py_INCREF(pairs);
    Py_XSETREF(tables.pairs, pairs);
    return 0;
}

/* Whether (c, d) is one of the np pairs (first[k], second[k]). */
static inline int
is_pair(const Py_UCS4 *first, const Py_UCS4 *second, Py_ssize_t np, Py_UCS4 c, Py_UCS4 d)
{
    for (Py_ssize_t k = 0; k < np; k++) {
        if (first[k] == c && second[k] == d) {
            return 1;
        }
    }
    return 0;
}

/* Append i to the list out; -1 on an error. */
static int
append_start(PyObject *out, Py_ssize_t i)
{
    PyObject *start = PyLong_FromSsize_t(i);
    if (start == NULL) {
        return -1;
    }
    const int rc = PyList_Append(out, start);
    Py_DECREF(start);
    return rc;
}

/* The scan of pair_starts over a text whose characters are of type TYPE: one loop per
 * character width, so that each character is read without testing the width again. */
#define SCAN_PAIRS(TYPE)                                                                   \
    do {                                                                                   \
        const TYPE *s = (const TYPE *)data;                                                \
        for (Py_ssize_t i = 0; i + 1 < n; i++) {                                           \
            if (filter[s[i] & mask] && is_pair(first, second, np, s[i], s[i + 1])) {       \
                if (append_start(out, i) < 0) {                                            \
                    Py_DECREF(out);                                                        \
                    return NULL;                                                           \
                }                                                                          \
                i++; /* the next search starts after this occurrence */                    \
            }                                                                              \
        }                                                                                  \
    } while (0)

/* pair_starts(text, pairs) -> list[int]: the starts of the occurrences in text of the
 * two-character strings that pairs holds one after another, leftmost first, each search going
 * on after the occurrence before (as re.finditer of their alternation). */
static PyObject *
pair_starts(PyObject *self, PyObject *args)
{
    PyObject *text, *pairs;
    if (!PyArg_ParseTuple(args, "UU:pair_starts", &text, &pairs)) {
        return NULL;
    }
    if (PyUnicode_READY(text) < 0 || PyUnicode_READY(pairs) < 0) {
        return NULL;
    }
    if (pairs != tables.pairs && set_pairs(pairs) < 0) {
        return NULL;
    }
    const Py_UCS4 mask = (1u << FILTER_BITS) - 1;
    const Py_UCS4 *first = tables.first, *second = tables.second;
    const unsigned char *filter = tables.filter;
    const Py_ssize_t np = tables.np;
    const void *data = PyUnicode_DATA(text);
    const Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    PyObject *out = PyList_New(0);
    if (out == NULL) {
        return NULL;
    }
    switch (PyUnicode_KIND(text)) {
    case PyUnicode_1BYTE_KIND:
        SCAN_PAIRS(Py_UCS1);
        break;
    case PyUnicode_2BYTE_KIND:
        SCAN_PAIRS(Py_UCS2);
        break;
    default:
        SCAN_PAIRS(Py_UCS4);
        break;
    }
    return out;
}

static PyMethodDef methods[] = {
    {"census", census, METH_O, "census(text) -> (han, latin_words) or None: see language._census_py."},
    {"body_marks", body_marks, METH_O, "body_marks(text) -> int: which steps of language._body may apply."},
    {"pair_starts", pair_starts, METH_VARARGS, "pair_starts(text, pairs) -> list[int]: see variants._form_starts_py."},
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
