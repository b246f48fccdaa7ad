"""The Numba cache of w2v's kernels goes stale when any kernel source changes,
not only the file that defines the cached function (Numba's own check)."""

import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from conftest import REPO_ROOT

PROBE_A = textwrap.dedent("""
    from numba import njit
    {import_b}

    @njit(cache=True)
    def value():
        return _probe_b.inner()
""")
PROBE_B = "from numba import njit\n\n\n@njit\ndef inner():\n    return {}\n"


def _run(root, cache, package_a):
    dotted = "w2v_cli." + package_a.replace("/", ".")
    code = (f"from w2v_cli import jit; jit.configure(); import {dotted}; "
            f"from {dotted} import _probe_a; print(_probe_a.value())")
    env = dict(os.environ, PYTHONPATH=str(root), NUMBA_CACHE_DIR=str(cache))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=root,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    return int(out.stdout.strip())


@pytest.mark.parametrize("package_a, package_b", [
    ("training/kernels", "training/kernels"),  # a step inlined from a sibling module
    ("corpus/kernels", "corpus/kernels"),
    ("training/kernels", "corpus/kernels"),  # and across the two kernel packages
])
def test_editing_a_kernel_source_invalidates_cached_kernels(tmp_path, package_a, package_b):
    root = tmp_path / "src"
    shutil.copytree(os.path.join(REPO_ROOT, "w2v_cli"), root / "w2v_cli",
                    ignore=shutil.ignore_patterns("__pycache__", "data"))
    a, b = root / "w2v_cli" / package_a, root / "w2v_cli" / package_b
    import_b = ("from . import _probe_b" if package_a == package_b
                else "from ...corpus.kernels import _probe_b")
    (a / "_probe_a.py").write_text(PROBE_A.format(import_b=import_b))
    (b / "_probe_b.py").write_text(PROBE_B.format(1))
    cache = tmp_path / "cache"
    assert _run(root, cache, package_a) == 1
    index = [f for _, _, files in os.walk(cache) for f in files if f.startswith("_probe_a.value")]
    assert any(f.endswith(".nbi") for f in index)  # it was cached
    assert _run(root, cache, package_a) == 1  # and loads from the cache
    (b / "_probe_b.py").write_text(PROBE_B.format(2))  # only the inlined module changes
    assert _run(root, cache, package_a) == 2


def test_the_digest_covers_the_modules_kernels_inline_from_outside_their_folders():
    from w2v_cli import jit

    sources = jit.kernel_sources()
    for name in ("training/schedule.py", "intrinsics.py", "training/kernels/span.py", "corpus/kernels/swar.py"):
        assert name in sources


def test_cli_start_up_skips_scipy_blas_and_leaves_it_importable():
    """`w2v train` tells Numba that SciPy's BLAS is missing (0.15-0.2 s of
    start-up); its kernels still train, and SciPy imports normally afterwards."""
    code = textwrap.dedent("""
        import importlib.util, sys
        import numpy as np
        from w2v_cli.jit import start
        from w2v_cli.training.loop import train
        start()
        r = train([["a", "b", "c", "a", "b"]] * 50, dim=4, epochs=1, min_count=1, sample=0, threads=1,
                  progress=False)
        assert np.isfinite(r.W).all() and r.pair_history[0] > 0
        assert "scipy.linalg" not in sys.modules, "scipy.linalg was imported"
        assert "scipy.linalg.cython_blas" not in sys.modules  # the stand-in is gone
        if importlib.util.find_spec("scipy") is not None:
            import scipy.linalg.cython_blas  # noqa: F401
        print("ok")
    """)
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_a_copy_imported_under_another_name_has_its_own_cache(tmp_path):
    """benchmarks/bench_ab.py imports copies of the package under other names: a
    kernel cached by one must not be loaded by the other (it names its module)."""
    cache = tmp_path / "cache"
    for name in ("w2v_cli", "w2v_copy"):
        root = tmp_path / name
        shutil.copytree(os.path.join(REPO_ROOT, "w2v_cli"), root / name,
                        ignore=shutil.ignore_patterns("__pycache__", "data"))
        kernels = root / name / "training" / "kernels"
        (kernels / "_probe_a.py").write_text(PROBE_A.format(import_b="from . import _probe_b"))
        (kernels / "_probe_b.py").write_text(PROBE_B.format(3))
        code = (f"from {name} import jit; jit.configure(); import {name}.training.kernels; "
                f"from {name}.training.kernels import _probe_a; print(_probe_a.value())")
        env = dict(os.environ, PYTHONPATH=str(root), NUMBA_CACHE_DIR=str(cache))
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=root,
                             timeout=300)
        assert out.returncode == 0 and out.stdout.strip() == "3", out.stderr
    homes = {p.name for p in cache.glob("kernels-*/*") if p.is_dir()}
    assert {"w2v_cli", "w2v_copy"} <= homes
