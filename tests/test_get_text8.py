"""corpora/get_text8.py: the offline path fails with one clear line; line splitting."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "corpora"))
import get_text8  # noqa: E402


def test_offline_fails_with_one_line(tmp_path):
    out = tmp_path / "t8.txt"
    r = subprocess.run([sys.executable, os.path.join(ROOT, "corpora", "get_text8.py"),
                        "--url", "http://127.0.0.1:9/text8.zip", "--timeout", "5", "--out", str(out)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 3
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("get_text8: cannot download")
    assert not out.exists()


def test_wrong_size_zip_is_rejected(tmp_path):
    z = tmp_path / "text8.zip"
    z.write_bytes(b"not a zip")
    assert get_text8.main(["--zip", str(z), "--out", str(tmp_path / "o.txt")]) == 3


def test_write_lines(tmp_path):
    out = tmp_path / "o.txt"
    n = get_text8.write_lines(b" a b c d e f g", str(out), line_words=3)
    assert n == 7
    assert out.read_text() == "a b c\nd e f\ng\n"
