"""How w2v's kernels are compiled: the LLVM options, and a Numba cache keyed by them.

:func:`configure` applies :data:`LLVM_OPTIONS` once per process.  The training
entry point (``training.loop.train``), the test suite (``conftest.py``) and the
benchmarks call it before they import a kernel package; nothing else sets
them, so importing w2v (or its progress bar) leaves other Numba code alone.

LLVM options are process-wide and are not part of Numba's cache key, so a
kernel cached with one set would be loaded, stale, under another.  Importing
a kernel package (``training.kernels``, ``corpus.kernels``) therefore installs a cache locator (:class:`KeyedLocator`)
that puts every cached function of the w2v_cli package in a subdirectory
named after a hash of the options applied at that moment (``llvm-<hash>``, under
the directory Numba would have used: the package's ``__pycache__``,
``NUMBA_CACHE_DIR`` or the user cache).  Numba fixes a function's cache
directory when the function is defined, i.e. when its module is imported, so
the options must be applied before that: :func:`configure` called after the
kernels were imported changes nothing (it returns False) and the process keeps
the options, and the cache directory, it imported them with.

A cached kernel is also stale when any kernel source changed (see
:data:`KERNEL_FOLDERS`), not only its own (Numba checks only the defining file, and the epoch kernels
inline steps from the sibling modules): the locator's source stamp includes a
hash of them all (:func:`kernels_source_digest`).
"""

from __future__ import annotations

import hashlib
import os

# LLVM's loop vectoriser interleaves 4 vectors by default, so with AVX-512 one
# vector iteration covers 64 floats and at D=100 the last 36 run as a scalar
# loop (the dot product's scalar tail is a serial chain).  One vector per
# iteration leaves a tail of at most 15.
# That tail (D % VF words: 4 at D=100 with 8-float AVX2 vectors) still runs
# scalar, a third again of the vector loop's FMAs; a 4-wide vector epilogue
# takes it in one step (kernel 1.92 -> 1.82 s/epoch, GCIDE dim 100, AVX2 host).
# Both change how loops are split, so under fastmath a reduction may sum in
# another order and differ in its last bits.
LLVM_OPTIONS = ("-force-vector-interleave=1", "-epilogue-vectorization-force-VF=4")

_PACKAGE = os.path.dirname(os.path.abspath(__file__))
_applied: tuple = ()  # the options this process applied
_frozen = False  # True once the kernels are imported: the cache key is fixed


def configure() -> bool:
    """Apply :data:`LLVM_OPTIONS` (once).  Returns True if they are in effect for
    the kernels, False if the kernels were imported before (then they compile,
    and are cached, without them)."""
    global _applied
    if _applied:
        return True
    if _frozen:
        return False
    import llvmlite.binding as llvm

    for option in LLVM_OPTIONS:
        llvm.set_option("w2v", option)
    _applied = LLVM_OPTIONS
    return True


def start() -> None:
    """Import Numba and set up its compiler (what the first kernel call would do)
    with the garbage collector off, then freeze what that made: about a million
    long-lived objects and no garbage, which the collector would otherwise walk
    again and again during start-up (0.1 s of every `w2v train`)."""
    import gc

    configure()  # before Numba compiles or loads anything
    gc.disable()
    try:
        _import_numba_without_blas()
        from numba.core.registry import cpu_target

        cpu_target.target_context.refresh()
    finally:
        gc.enable()
    gc.freeze()


def _import_numba_without_blas() -> None:
    """Import numba.np.arraymath, the module that looks for BLAS (for np.dot and
    np.linalg in jitted code) by importing scipy.linalg when SciPy is installed
    (0.15-0.2 s of start-up), while SciPy's BLAS reads as missing (an import of
    None raises ImportError).  The kernels use no BLAS, and this process runs
    no other jitted code; Numba keeps the answer for the rest of the process."""
    import sys

    blas = "scipy.linalg.cython_blas"
    if blas in sys.modules:
        return  # already imported: nothing to save
    sys.modules[blas] = None
    try:
        import numba.np.arraymath  # noqa: F401
    finally:
        if sys.modules.get(blas, 0) is None:
            del sys.modules[blas]


def options_key(options=None) -> str:
    """The cache subdirectory for a set of LLVM options (default: those applied)."""
    text = "\n".join(_applied if options is None else options)
    return "llvm-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def install_cache_locator() -> None:
    """Key the Numba cache of w2v_cli's functions by the applied options (called
    by ``w2v_cli.training.kernels`` on import, before any kernel is defined)."""
    global _frozen
    _frozen = True
    from numba.core import caching

    impl = getattr(caching, "CacheImpl", None) or caching._CacheImpl  # public from numba 0.68
    if not any(cls is KeyedLocator for cls in impl._locator_classes):
        KeyedLocator.fallbacks = list(impl._locator_classes)
        impl._locator_classes.insert(0, KeyedLocator)


_kernels_digest = None
# Every source a cached kernel compiles code from: the two kernel folders, and
# the modules outside them whose functions kernels inline (the span loop
# compiles training/schedule.py's learning_rate; both folders use intrinsics.py).
KERNEL_FOLDERS = ("training/kernels", "corpus/kernels")
KERNEL_SOURCES_OUTSIDE = ("training/schedule.py", "intrinsics.py")


def kernel_sources() -> list:
    """The package-relative paths :func:`kernels_source_digest` hashes."""
    names = []
    for folder in KERNEL_FOLDERS:
        names += sorted(f"{folder}/{n}" for n in os.listdir(os.path.join(_PACKAGE, folder)) if n.endswith(".py"))
    return names + list(KERNEL_SOURCES_OUTSIDE)


def kernels_source_digest() -> str:
    """A hash of every source file of the kernel folders, and of the modules
    outside them that kernels compile code from (computed once per process)."""
    global _kernels_digest
    if _kernels_digest is None:
        digest = hashlib.sha256()
        for name in kernel_sources():
            digest.update(name.encode("utf-8"))
            with open(os.path.join(_PACKAGE, *name.split("/")), "rb") as f:
                digest.update(f.read())
        _kernels_digest = digest.hexdigest()[:16]
    return _kernels_digest


class KeyedLocator:
    """Numba's own choice of cache directory plus ``llvm-<hash>`` for the
    functions of this package; other functions are left to Numba."""

    fallbacks: list = []

    def __init__(self, inner, key):
        self._inner = inner
        self._py_file = getattr(inner, "_py_file", "")  # Numba's warnings name it
        self._path = os.path.join(inner.get_cache_path(), key)

    @classmethod
    def from_function(cls, py_func, py_file):
        if not os.path.abspath(py_file).startswith(_PACKAGE + os.sep):
            return None
        key = options_key()
        for fallback in cls.fallbacks:
            inner = fallback.from_function(py_func, py_file)
            if inner is None:
                continue
            self = cls(inner, key)
            try:
                self.ensure_cache_path()
            except OSError:
                continue
            return self
        return None

    def ensure_cache_path(self):
        import tempfile

        os.makedirs(self._path, exist_ok=True)
        tempfile.TemporaryFile(dir=self._path).close()

    def get_cache_path(self):
        return self._path

    def get_source_stamp(self):
        # Numba compares only the defining file's stamp, but the kernels inline
        # steps from their sibling modules (registry.py's kernels run span.py's
        # loop and sgns.py's steps): an edit there must invalidate them too.
        return (self._inner.get_source_stamp(), kernels_source_digest())

    def get_disambiguator(self):
        return self._inner.get_disambiguator()
