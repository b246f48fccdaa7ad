"""The KeyedVectors calls gensim users make, each equal to gensim 4.4's answer on the same file."""

import json
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

gensim_models = pytest.importorskip("gensim.models")

from w2v_cli.vectors import model_file  # noqa: E402
from w2v_cli.vectors.formats import save_word2vec  # noqa: E402
from w2v_cli.vectors.keyed import KeyedVectors, UnknownWordError  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOL = 1e-5


@pytest.fixture(scope="module", params=["bin", "w2v"])
def pair(tmp_path_factory, request):
    d = tmp_path_factory.mktemp("api")
    rng = np.random.default_rng(11)
    words = ["king", "queen", "man", "woman", "breakfast", "cereal", "dinner", "lunch"] + \
        [f"w{i}" for i in range(3000)]
    vectors = rng.standard_normal((len(words), 30)).astype(np.float32)
    vectors[4:8] += 2 * rng.standard_normal(30).astype(np.float32)  # the meals share a direction
    save_word2vec(d / "v.bin", words, vectors, binary=True)
    model_file.save(d / "v.w2v", words, vectors)
    ours = KeyedVectors.load(d / f"v.{request.param}")
    theirs = gensim_models.KeyedVectors.load_word2vec_format(str(d / "v.bin"), binary=True)
    return ours, theirs


def close(a, b):
    np.testing.assert_allclose(np.asarray(a, np.float64), np.asarray(b, np.float64), atol=TOL, rtol=0)


def same_results(a, b):
    assert [w for w, _ in a] == [w for w, _ in b]
    close([s for _, s in a], [s for _, s in b])


def test_pairs(pair):
    ours, theirs = pair
    close(ours.similarity("king", "queen"), theirs.similarity("king", "queen"))
    close(ours.distance("king", "w5"), theirs.distance("king", "w5"))
    close(ours.n_similarity(["king", "man"], ["queen", "woman", "w9"]),
          theirs.n_similarity(["king", "man"], ["queen", "woman", "w9"]))
    close(ours.distances("king"), theirs.distances("king"))
    close(ours.distances("king", ["queen", "w1", "w2"]), theirs.distances("king", ["queen", "w1", "w2"]))
    vec = theirs["w3"] * 2
    close(ours.distances(vec, ["queen", "w1"]), theirs.distances(vec, ["queen", "w1"]))


def test_ranks(pair):
    ours, theirs = pair
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        for a, b in (("king", "queen"), ("w10", "w20"), ("dinner", "lunch")):
            assert ours.closer_than(a, b) == theirs.closer_than(a, b)
            assert ours.words_closer_than(a, b) == theirs.words_closer_than(a, b)
            assert ours.rank(a, b) == theirs.rank(a, b)
    assert ours.most_similar_to_given("king", ["w1", "w2", "queen", "w3"]) == \
        theirs.most_similar_to_given("king", ["w1", "w2", "queen", "w3"])
    for words in (["breakfast", "cereal", "dinner", "king"], ["w1", "w2", "w3", "lunch", "dinner"]):
        assert ours.doesnt_match(words) == theirs.doesnt_match(words)
    assert ours.doesnt_match(["breakfast", "cereal", "dinner", "king"]) == "king"


def test_vectors(pair):
    ours, theirs = pair
    close(ours["king"], theirs["king"])
    close(ours[["king", "w7"]], theirs[["king", "w7"]])
    close(ours.get_vector("king", norm=True), theirs.get_vector("king", norm=True))
    close(ours.get_vector("king", norm=False), theirs.get_vector("king", norm=False))
    assert not ours.get_vector("king").flags.writeable
    for kw in ({}, {"pre_normalize": False}, {"post_normalize": True}, {"weights": [1.0, -0.5, 2.0]}):
        close(ours.get_mean_vector(["king", "w3", "queen"], **kw), theirs.get_mean_vector(["king", "w3", "queen"], **kw))
    close(ours.get_mean_vector(["king", "absent"]), theirs.get_mean_vector(["king", "absent"]))


def test_neighbours(pair):
    ours, theirs = pair
    same_results(ours.similar_by_word("king", topn=7), theirs.similar_by_word("king", topn=7))
    vec = theirs["w5"] + theirs["queen"]
    same_results(ours.similar_by_vector(vec, topn=7), theirs.similar_by_vector(vec, topn=7))
    same_results(ours.most_similar(positive=["king", vec], negative=["man"], topn=9),
                 theirs.most_similar(positive=["king", vec], negative=["man"], topn=9))
    same_results(ours.most_similar(positive=[("king", 2.0), "woman"], negative=[("man", 0.5)]),
                 theirs.most_similar(positive=[("king", 2.0), "woman"], negative=[("man", 0.5)]))
    same_results(ours.most_similar("king", topn=5, restrict_vocab=500),
                 theirs.most_similar("king", topn=5, restrict_vocab=500))
    close(ours.most_similar("king", topn=None), theirs.most_similar("king", topn=None))


def test_many_queries_equal_one_at_a_time(pair):
    ours, theirs = pair
    queries = ["king", ["queen", "woman"], "absent", "w77"] + [f"w{i}" for i in range(300)]
    answers = ours.most_similar_many(queries, negative=["man"], topn=5, block=64)
    for query, answer in zip(queries, answers):
        if query == "absent":
            assert isinstance(answer, UnknownWordError)
            continue
        same_results(answer, theirs.most_similar(positive=query, negative=["man"], topn=5))


def test_gensim_conversions(pair):
    ours, theirs = pair
    g = ours.to_gensim()
    assert g.index_to_key == theirs.index_to_key
    np.testing.assert_array_equal(g.vectors, theirs.vectors)
    back = KeyedVectors.from_gensim(theirs)
    assert back.words == ours.words
    np.testing.assert_array_equal(back.vectors, ours.vectors)


def run(*args):
    return subprocess.run([sys.executable, "-m", "w2v_cli", *map(str, args)], capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=REPO))


def test_cli_similarity_and_doesnt_match(pair, tmp_path):
    ours, theirs = pair
    path = tmp_path / "v.bin"
    ours.save(path)
    r = run("similarity", "king", "queen", "-m", path)
    assert r.returncode == 0 and abs(float(r.stdout) - theirs.similarity("king", "queen")) < 1e-6
    r = run("similarity", "king", "queen", "-m", path, "--json")
    assert json.loads(r.stdout)["similarity"] == pytest.approx(float(theirs.similarity("king", "queen")), abs=TOL)
    r = run("doesnt-match", "breakfast", "cereal", "dinner", "king", "-m", path)
    assert r.returncode == 0 and r.stdout == "king\n"
    r = run("doesnt-match", "breakfast", "cereal", "dinner", "king", "-m", path, "--json")
    assert json.loads(r.stdout)["doesnt_match"] == "king"
    r = run("similarity", "king", "kingg", "-m", path)
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "kingg" in r.stderr
