/* Optional speedup of a call's fingerprint (`diffing/calls.py`, which holds the references):
 *
 * fingerprint(raw) -> 8 bytes, or None: `raw_fingerprint_py(raw)` from the JSON text itself, its canonical form
 *     written as the text is read (`_fingerprint_canonical.h`) and then hashed, without making the value; None
 *     where the canonical writer leaves the text to the reference.
 * digest(data) -> 8 bytes: the hash of canonical JSON already written (`_hash64.h`), which `fingerprint` uses
 *     too, so that a value fingerprinted from its text or from its value (`calls.fingerprint`) is the same.
 *
 * Both take any object with a buffer (bytes, msgspec's Raw, a memoryview) and keep nothing between calls; the
 * canonical writer calls orjson's `loads` and `dumps` for the numbers it does not write itself. Tests
 * (tests/unit/diffing/test_calls_compiled.py) compare fingerprints with the reference's on random and damaged
 * values, and the hash with a Python model of it. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

#include "_fingerprint_canonical.h"

static PyObject *fingerprint(PyObject *module, PyObject *raw)
{
    Py_buffer view;
    if (PyObject_GetBuffer(raw, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    uint64_t hash = 0;
    int result = canonical_digest((const unsigned char *)view.buf, (size_t)view.len, &hash);
    PyBuffer_Release(&view);
    return result == OK ? fingerprint_bytes(hash) : result == ASIDE ? Py_NewRef(Py_None) : NULL;
}

static PyObject *digest(PyObject *module, PyObject *data)
{
    Py_buffer view;
    if (PyObject_GetBuffer(data, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    uint64_t hash = hash64(view.buf, (size_t)view.len);
    PyBuffer_Release(&view);
    return fingerprint_bytes(hash);
}

static PyMethodDef methods[] = {
    {"fingerprint", fingerprint, METH_O, "The fingerprint of a JSON text's canonical form; None if not here."},
    {"digest", digest, METH_O, "The 8-byte hash of canonical JSON already written."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {PyModuleDef_HEAD_INIT, "_fingerprint", NULL, -1, methods};

PyMODINIT_FUNC PyInit__fingerprint(void)
{
    return canonical_init() < 0 ? NULL : PyModule_Create(&module_def);
}
