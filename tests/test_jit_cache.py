"""The Numba cache of w2v's kernels goes stale when any kernels module changes,
not only the file that defines the cached function (Numba's own check)."""

import os
import shutil
import subprocess
import sys
import textwrap

from conftest import REPO_ROOT

PROBE_A = textwrap.dedent("""
    from numba import njit
    from . import _probe_b

    @njit(cache=True)
    def value():
        return _probe_b.inner()
""")
PROBE_B = "from numba import njit\n\n\n@njit\ndef inner():\n    return {}\n"


def _run(root, cache):
    code = ("from w2v_cli import jit; jit.configure(); import w2v_cli.kernels; "
            "from w2v_cli.kernels import _probe_a; print(_probe_a.value())")
    env = dict(os.environ, PYTHONPATH=str(root), NUMBA_CACHE_DIR=str(cache))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=root,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    return int(out.stdout.strip())


def test_editing_a_sibling_module_invalidates_cached_kernels(tmp_path):
    root = tmp_path / "src"
    shutil.copytree(os.path.join(REPO_ROOT, "w2v_cli"), root / "w2v_cli",
                    ignore=shutil.ignore_patterns("__pycache__", "data"))
    kernels = root / "w2v_cli" / "kernels"
    (kernels / "_probe_a.py").write_text(PROBE_A)
    (kernels / "_probe_b.py").write_text(PROBE_B.format(1))
    cache = tmp_path / "cache"
    assert _run(root, cache) == 1
    index = [f for _, _, files in os.walk(cache) for f in files if f.startswith("_probe_a.value")]
    assert any(f.endswith(".nbi") for f in index)  # it was cached
    assert _run(root, cache) == 1  # and loads from the cache
    (kernels / "_probe_b.py").write_text(PROBE_B.format(2))  # only the inlined sibling changes
    assert _run(root, cache) == 2


def test_cli_start_up_skips_scipy_blas_and_leaves_it_importable():
    """`w2v train` tells Numba that SciPy's BLAS is missing (0.15-0.2 s of
    start-up); its kernels still train, and SciPy imports normally afterwards."""
    code = textwrap.dedent("""
        import importlib.util, sys
        import numpy as np
        from w2v_cli.cli import _start_numba
        from w2v_cli.train import train
        _start_numba()
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
