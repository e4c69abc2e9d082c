/* What every kernel of sftlint's optional C extensions does first with a text it is handed:
 * check that it is a str (a TypeError naming the kernel if not) and, before Python 3.12, make
 * it ready, so that PyUnicode_KIND/DATA/READ are valid.  One copy, included by each extension
 * (each is its own translation unit, hence static). */
#ifndef SFTLINT_NATIVE_STR_H
#define SFTLINT_NATIVE_STR_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

static int
ready_str(PyObject *arg, const char *kernel)
{
    if (!PyUnicode_Check(arg)) {
        PyErr_Format(PyExc_TypeError, "%s() expects a str", kernel);
        return -1;
    }
#if PY_VERSION_HEX < 0x030C0000
    if (PyUnicode_READY(arg) < 0) {
        return -1;
    }
#endif
    return 0;
}

#endif
