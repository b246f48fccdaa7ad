"""How w2v's kernels are compiled: the LLVM options, and a Numba cache keyed by them.

:func:`configure` applies :data:`LLVM_OPTIONS` once per process.  The training
entry point (``training.loop.train``), the test suite (``conftest.py``) and the
benchmarks call it before they import a kernel package; nothing else sets
them, so importing w2v (or its progress bar) leaves other Numba code alone.

LLVM options are process-wide and are not part of Numba's cache key, so a
kernel cached with one set would be loaded, stale, under another.  Importing
a kernel package (``training.kernels``, ``corpus.kernels``) therefore installs a
cache locator (:class:`KeyedLocator`) that puts every cached function of the
w2v_cli package in a directory named by :func:`cache_key`: a hash of the
options applied at that moment, of every kernel source, and of the versions
of Python, Numba, llvmlite and NumPy.  Numba fixes a function's cache
directory when the function is defined, i.e. when its module is imported, so
the options must be applied before that: :func:`configure` called after the
kernels were imported changes nothing (it returns False) and the process keeps
the options, and the cache directory, it imported them with.

That directory lies under ``NUMBA_CACHE_DIR`` if set, else under the user's
cache directory (``~/.cache/w2v`` on Linux), not in the package's
``__pycache__``: the key names everything the compiled code depends on but the
CPU, which Numba's index keys by itself, so every install (a new venv, a
reinstall) with the same sources and versions reuses it.  Where it cannot be
written, Numba's own choice (``__pycache__`` or its user cache) is used, in a
subdirectory named after the LLVM options (:func:`options_key`).

A cached kernel is stale when any kernel source changed (see
:data:`KERNEL_FOLDERS`), not only its own (Numba checks only the defining file,
and the epoch kernels inline steps from the sibling modules), and the stamp is
the sources' contents, not Numba's file time and size, so a fresh copy of
unchanged sources is not stale (:meth:`KeyedLocator.get_source_stamp`).

:func:`announce_compiles` prints one line when the first w2v function compiles
(a cache miss: Numba raises its compile event only then).
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


def cache_base() -> str:
    """Where w2v's kernel caches go: ``NUMBA_CACHE_DIR`` if set, else the user's
    cache directory for w2v (``$XDG_CACHE_HOME/w2v``, ``~/.cache/w2v``)."""
    from numba.core import config

    if config.CACHE_DIR:
        return config.CACHE_DIR
    from numba.misc.appdirs import AppDirs

    return AppDirs(appname="w2v", appauthor=False).user_cache_dir


def cache_key() -> str:
    """The directory of this process's compiled kernels: what their code depends
    on besides the CPU (Numba's index keys each entry by the CPU's name and
    features): the kernel sources, the LLVM options applied, and the versions of
    Python, Numba, llvmlite and NumPy (major.minor)."""
    import platform
    import sys

    import llvmlite
    import numba
    import numpy

    parts = [kernels_source_digest(), sys.implementation.cache_tag, platform.machine(), numba.__version__,
             llvmlite.__version__, ".".join(numpy.__version__.split(".")[:2]), *_applied]
    return "kernels-" + hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:16]


_file_digests: dict = {}


def _file_digest(path: str) -> str:
    digest = _file_digests.get(path)
    if digest is None:
        with open(path, "rb") as f:
            digest = _file_digests[path] = hashlib.sha256(f.read()).hexdigest()[:16]
    return digest


class KeyedLocator:
    """For the functions of this package: ``cache_base()/cache_key()/<package
    folder>`` (or, if that cannot be written, Numba's own choice plus
    ``llvm-<hash>``); other functions are left to Numba."""

    fallbacks: list = []

    def __init__(self, path, py_func, py_file):
        self._path = path
        self._py_file = py_file  # Numba's warnings name it
        self._lineno = py_func.__code__.co_firstlineno

    @classmethod
    def from_function(cls, py_func, py_file):
        py_file = os.path.abspath(py_file)
        if not py_file.startswith(_PACKAGE + os.sep):
            return None
        folder = os.path.relpath(os.path.dirname(py_file), _PACKAGE)
        for path in cls._candidates(py_func, py_file, folder):
            self = cls(path, py_func, py_file)
            try:
                self.ensure_cache_path()
            except OSError:
                continue
            return self
        return None

    @classmethod
    def _candidates(cls, py_func, py_file, folder):
        # The import name too: a cached kernel refers to its module by name, so a
        # copy of the package imported under another name (benchmarks/bench_ab.py)
        # must not load it.
        yield os.path.join(cache_base(), cache_key(), py_func.__module__.split(".")[0], folder)
        for fallback in cls.fallbacks:
            inner = fallback.from_function(py_func, py_file)
            if inner is not None:
                yield os.path.join(inner.get_cache_path(), options_key())

    def ensure_cache_path(self):
        import tempfile

        os.makedirs(self._path, exist_ok=True)
        tempfile.TemporaryFile(dir=self._path).close()

    def get_cache_path(self):
        return self._path

    def get_source_stamp(self):
        # The contents, not Numba's (mtime, size): a new install of the same
        # sources is fresh.  And every kernel source, not only the defining
        # file: the kernels inline steps from their sibling modules
        # (registry.py's kernels run span.py's loop and sgns.py's steps).
        return ("w2v", _file_digest(self._py_file), kernels_source_digest())

    def get_disambiguator(self):
        return str(self._lineno)


def is_cached(dispatcher) -> bool:
    """Whether ``dispatcher`` (a cached Numba function) has a fresh cache entry
    for this CPU, for some signature (what Numba would load, if the signature
    is the one cached)."""
    try:
        index = dispatcher._cache._cache_file._load_index()  # {} if missing or stale
        magic = dispatcher.targetctx.codegen().magic_tuple()
    except Exception:  # another Numba's internals: say not cached
        return False
    return any(key[1] == magic for key in index)


_announce: dict = {}  # what announce_compiles set: estimate, write, done


def announce_compiles(estimate, write=None) -> None:
    """Print one line (``write``, default stderr) just before the first function
    of this package compiles in this process, saying about how long compiling
    takes: ``estimate()`` seconds (called then; 0 if unknown).  Nothing is
    printed while everything loads from the cache: Numba raises its compile
    event only on a cache miss."""
    from numba.core import event

    if not _announce:
        event.register("numba:compile", _CompileListener())
    _announce.update(estimate=estimate, write=write, done=False)


def _announce_line(data) -> None:
    import sys

    dispatcher = (data or {}).get("dispatcher")
    module = getattr(getattr(dispatcher, "py_func", None), "__module__", None) or ""
    if not _announce or _announce["done"] or not module.startswith(__name__.rpartition(".")[0] + "."):
        return
    _announce["done"] = True
    seconds = _announce["estimate"]()
    about = f"about {seconds:.0f} s" if seconds >= 1 else "a few seconds"
    line = f"w2v: compiling kernels for this CPU, once: {about}"
    if _announce["write"] is not None:
        _announce["write"](line)
    else:
        print(line, file=sys.stderr, flush=True)


def _compile_listener_class():
    from numba.core import event

    class Listener(event.Listener):
        def on_start(self, ev):
            _announce_line(ev.data)

        def on_end(self, ev):
            pass

    return Listener


def _CompileListener():
    return _compile_listener_class()()
