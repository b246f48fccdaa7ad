"""Every common vectors file is read: compressed (told by content), header-less
(GloVe), fastText .vec, pipes; --limit N as gensim's limit=N."""

import bz2
import gzip
import lzma
import os
import subprocess
import sys
import threading

import numpy as np
import pytest

from w2v_cli.errors import W2VError
from w2v_cli.vectors.formats import load_word2vec, save_word2vec
from w2v_cli.vectors.keyed import KeyedVectors

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def w2v(*args, stdin=None, shell=False):
    env = dict(os.environ, PYTHONPATH=REPO)
    env.pop("W2V_MODEL", None)
    return subprocess.run([sys.executable, "-m", "w2v_cli", *map(str, args)], input=stdin, capture_output=True,
                          text=True, env=env)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("readers")
    rng = np.random.default_rng(3)
    words = [f"w{i}" for i in range(5000)]
    words[:4] = ["king", "queen", "man", "woman"]
    vectors = rng.standard_normal((len(words), 25)).astype(np.float32)
    save_word2vec(d / "v.txt", words, vectors, binary=False)
    save_word2vec(d / "v.bin", words, vectors, binary=True)
    text = (d / "v.txt").read_bytes()
    # Names that lie: the content decides.
    (d / "v-gz.dat").write_bytes(gzip.compress(text))
    (d / "v.txt.gz").write_bytes(gzip.compress(text))
    (d / "v.bin.bz2").write_bytes(bz2.compress((d / "v.bin").read_bytes()))
    (d / "v.xz").write_bytes(lzma.compress(text))
    (d / "glove.txt").write_bytes(text.split(b"\n", 1)[1])
    # fastText's .vec: header, then 'word x1 ... xD ' with a space before the newline.
    lines = [f"{len(words)} 25\n"] + [w + " " + "".join(f"{x:.9g} " for x in v) + "\n"
                                     for w, v in zip(words, vectors.tolist())]
    (d / "ft.vec").write_text("".join(lines))
    return d, words, vectors


@pytest.mark.parametrize("name", ["v.txt", "v.bin", "v-gz.dat", "v.txt.gz", "v.bin.bz2", "v.xz", "glove.txt",
                                  "ft.vec"])
def test_every_kind_reads_the_same(files, name):
    d, words, vectors = files
    got_words, got = load_word2vec(d / name)
    assert got_words == words
    np.testing.assert_array_equal(got, vectors)


def test_cli_answers_alike_from_text_gz_and_headerless(files):
    d, _, _ = files
    outputs = {name: w2v("similar", "-m", d / name, "king", "-n", "5") for name in
               ("v.txt", "v.txt.gz", "glove.txt", "v.bin.bz2")}
    for name, out in outputs.items():
        assert out.returncode == 0, (name, out.stderr)
    assert len({out.stdout for out in outputs.values()}) == 1
    assert len(outputs["v.txt"].stdout.splitlines()) == 5


def test_no_header_forced_reads_a_header_as_a_row(tmp_path):
    path = tmp_path / "odd.txt"
    path.write_text("4 3\nx 1\n")  # with a header this is a 4-word, 3-dim file; without, two 1-dim rows
    words, vectors = load_word2vec(path, no_header=True)
    assert words == ["4", "x"] and vectors.tolist() == [[3.0], [1.0]]
    with pytest.raises(W2VError):
        load_word2vec(path)  # as a word2vec file it is truncated


def test_headerless_errors_name_the_right_line(tmp_path):
    path = tmp_path / "g.txt"
    path.write_text("a 1 2\nb 3 4\nc 5\n")
    with pytest.raises(W2VError, match=r"line 3: expected 2 numbers"):
        load_word2vec(path)


@pytest.mark.parametrize("name", ["v.txt", "v.bin", "glove.txt", "v.txt.gz"])
def test_limit_equals_gensim(files, name):
    gensim = pytest.importorskip("gensim.models")
    d, words, _ = files
    kv = KeyedVectors.load(d / name, limit=2000)
    binary = name.startswith("v.bin")
    ref = gensim.KeyedVectors.load_word2vec_format(str(d / name), binary=binary, limit=2000,
                                                   no_header=name.startswith("glove"))
    assert kv.words == ref.index_to_key and len(kv) == 2000
    np.testing.assert_array_equal(kv.vectors, ref.vectors)
    for word in ("king", "w1999", "w77"):
        mine, theirs = kv.most_similar(word, topn=10), ref.most_similar(word, topn=10)
        assert [w for w, _ in mine] == [w for w, _ in theirs]
        np.testing.assert_allclose([s for _, s in mine], [s for _, s in theirs], atol=1e-5)


def test_cli_limit(files):
    d, _, _ = files
    out = w2v("similar", "-m", d / "v.bin", "--limit", "100", "king", "-n", "200")
    assert out.returncode == 0 and len(out.stdout.splitlines()) == 99  # 100 words less the query
    out = w2v("similar", "-m", d / "v.bin", "--limit", "100", "w500")
    assert out.returncode == 1 and out.stderr.count("\n") == 1 and "w500" in out.stderr


def test_limit_past_a_damaged_tail(tmp_path, files):
    d, words, vectors = files
    data = (d / "v.bin").read_bytes()
    (tmp_path / "cut.bin").write_bytes(data[:len(data) // 2])
    got_words, got = load_word2vec(tmp_path / "cut.bin", limit=10)  # rows after 10 are not read
    assert got_words == words[:10]
    with pytest.raises(W2VError, match="truncated"):
        load_word2vec(tmp_path / "cut.bin")


def test_damaged_compressed_file_is_one_line(tmp_path, files):
    d, _, _ = files
    data = (d / "v.txt.gz").read_bytes()
    (tmp_path / "cut.gz").write_bytes(data[:len(data) // 2])
    with pytest.raises(W2VError, match="gzip data is damaged or truncated") as info:
        load_word2vec(tmp_path / "cut.gz")
    assert "\n" not in str(info.value)


def test_pipe_is_read_to_its_end(files):
    d, words, vectors = files
    read, write = os.pipe()
    data = (d / "v.bin").read_bytes()

    def feed():
        with os.fdopen(write, "wb") as fh:
            fh.write(data)
    threading.Thread(target=feed).start()
    got_words, got = load_word2vec(f"/dev/fd/{read}")
    os.close(read)
    assert got_words == words
    np.testing.assert_array_equal(got, vectors)


def test_pipe_longer_than_the_cap_is_refused(files):
    d, _, _ = files
    read, write = os.pipe()

    def feed():
        with os.fdopen(write, "wb") as fh:
            try:
                fh.write((d / "v.txt").read_bytes())
            except BrokenPipeError:
                pass
    thread = threading.Thread(target=feed)
    thread.start()
    with pytest.raises(W2VError, match="stream longer than 1,000 bytes") as info:
        load_word2vec(f"/dev/fd/{read}", max_stream_bytes=1000)
    os.close(read)
    thread.join()
    assert "\n" not in str(info.value)


def test_cli_model_from_process_substitution(files):
    d, _, _ = files
    bash = subprocess.run(["bash", "-c", f'"{sys.executable}" -m w2v_cli similar -m <(cat "{d / "v.txt"}") king -n 3'],
                          capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=REPO))
    assert bash.returncode == 0, bash.stderr
    assert bash.stdout == w2v("similar", "-m", d / "v.txt", "king", "-n", "3").stdout


def test_head_closing_the_pipe_exits_0(files):
    d, _, _ = files
    queries = "".join(f"w{i + 10}\n" for i in range(3000))
    (d / "queries.txt").write_text(queries)
    script = f'"{sys.executable}" -m w2v_cli similar -m "{d / "v.bin"}" < "{d / "queries.txt"}" | head -1'
    out = subprocess.run(["bash", "-o", "pipefail", "-c", script], capture_output=True, text=True,
                         env=dict(os.environ, PYTHONPATH=REPO))
    assert out.returncode == 0, out.stderr
    assert out.stderr == "" and len(out.stdout.splitlines()) == 1
    lines = queries.splitlines()[:20]
    full = w2v("similar", "-m", d / "v.bin", stdin="\n".join(lines) + "\n")
    blocks = full.stdout.split("\n\n")
    assert full.returncode == 0 and len(blocks) == 21 and blocks[-1] == ""
    kv = KeyedVectors.load(d / "v.bin")
    for query, block in zip(lines, blocks):  # answered in one block, each equal to its own query
        got = [line.split("\t") for line in block.splitlines()]
        want = kv.most_similar(query)
        assert [w for w, _ in got] == [w for w, _ in want]
        np.testing.assert_allclose([float(s) for _, s in got], [s for _, s in want], atol=2e-6)


def test_unknown_neg_word_without_queries(files):
    d, _, _ = files
    out = w2v("similar", "-m", d / "v.bin", "--neg", "unknownword", stdin="")
    assert out.returncode == 1 and out.stderr.count("\n") == 1 and "unknownword" in out.stderr
