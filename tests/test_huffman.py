"""The Huffman tree of hierarchical softmax: word2vec.c's tree, gensim's codes
and points where the two programs agree (no tied counts), and word2vec.c's
choice where they do not."""

import numpy as np
import pytest

from w2v_cli.training.huffman import huffman_tables


def _word2vec_c(counts):
    """word2vec.c's CreateBinaryTree, transcribed line by line (counts sorted
    descending); returns each word's (code, point) lists."""
    V = len(counts)
    count = list(counts) + [1e15] * V
    binary = [0] * (2 * V)
    parent_node = [0] * (2 * V)
    pos1, pos2 = V - 1, V
    for a in range(V - 1):
        mins = []
        for _ in range(2):
            if pos1 >= 0:
                if count[pos1] < count[pos2]:
                    mins.append(pos1)
                    pos1 -= 1
                else:
                    mins.append(pos2)
                    pos2 += 1
            else:
                mins.append(pos2)
                pos2 += 1
        count[V + a] = count[mins[0]] + count[mins[1]]
        parent_node[mins[0]] = parent_node[mins[1]] = V + a
        binary[mins[1]] = 1
    out = []
    for a in range(V):
        code, point = [], []
        b = a
        while True:
            code.append(binary[b])
            point.append(b)
            b = parent_node[b]
            if b == V * 2 - 2:
                break
        i = len(code)
        vpoint = [V - 2] + [0] * i
        vcode = [0] * i
        for k in range(i):
            vcode[i - k - 1] = code[k]
            vpoint[i - k] = point[k] - V
        out.append((vcode, vpoint[:i]))
    return out


def _gensim(counts):
    """gensim 4's codes and points by word index (its vocabulary built from these counts)."""
    from gensim.models import Word2Vec

    model = Word2Vec(vector_size=2, hs=1, negative=0, min_count=1)
    model.build_vocab_from_freq({f"w{i}": int(c) for i, c in enumerate(counts)})
    wv = model.wv
    out = [None] * len(counts)
    for k, key in enumerate(wv.index_to_key):
        out[int(key[1:])] = ([int(x) for x in wv.expandos["code"][k]], [int(x) for x in wv.expandos["point"][k]])
    return out


def _ours(counts):
    t = huffman_tables(counts)
    assert t.points.dtype == np.int32 and t.codes.dtype == np.uint8 and t.code_lengths.dtype == np.int32
    assert t.points.shape == t.codes.shape == (len(counts), t.code_lengths.max(initial=0))
    return [(t.codes[w, :n].tolist(), t.points[w, :n].tolist()) for w, n in enumerate(t.code_lengths)]


def _tie_free(rng, V):
    """Zipf-like counts made distinct, with sums of distinct subsets distinct too
    (random low bits): no merge ever sees a tie."""
    base = (1e6 / np.arange(1, V + 1)).astype(np.int64) << 20
    return np.sort(base + rng.integers(0, 1 << 20, V))[::-1]


@pytest.mark.parametrize("V", [2, 3, 4, 7, 50, 300])
def test_codes_and_points_equal_gensims_without_ties(V):
    pytest.importorskip("gensim")
    counts = _tie_free(np.random.default_rng(V), V)
    ours = _ours(counts)
    assert ours == _gensim(counts)
    assert ours == _word2vec_c(counts)


@pytest.mark.parametrize("counts", [
    [2, 1, 1], [5, 5], [1, 1, 1, 1, 1, 1, 1], [4, 3, 2, 1], [9, 5, 5, 4, 4, 4, 2, 2, 1, 1],
    sorted(np.random.default_rng(1).zipf(1.6, 400).tolist(), reverse=True)], ids=lambda c: f"V{len(c)}")
def test_ties_follow_word2vec_c_and_stay_optimal(counts):
    """Ties: word2vec.c's tree exactly; gensim's heap may order them otherwise,
    but both trees are Huffman trees, so sum(count x code length) agrees."""
    ours = _ours(counts)
    assert ours == _word2vec_c(counts)
    V = len(counts)
    codes = ["".join(map(str, c)) for c, _ in ours]
    assert all(p[0] == V - 2 for _, p in ours)  # every path starts at the root
    assert not any(a != b and b.startswith(a) for a in codes for b in codes)  # a prefix code
    assert all(0 <= x <= V - 2 for _, p in ours for x in p)
    pytest.importorskip("gensim")
    gensim = _gensim(counts)
    assert sum(c * len(code) for c, (code, _) in zip(counts, ours)) == \
        sum(c * len(code) for c, (code, _) in zip(counts, gensim))


def test_unsorted_counts_give_the_sorted_tree_permuted():
    counts = _tie_free(np.random.default_rng(5), 40)
    perm = np.random.default_rng(6).permutation(40)
    assert [_ours(counts)[i] for i in perm] == _ours(counts[perm])


def test_one_and_no_word():
    """One word: no inner node, an empty path (gensim's tree; P(word) = 1)."""
    one = huffman_tables([7])
    assert one.points.shape == (1, 0) and one.code_lengths.tolist() == [0]
    assert huffman_tables([]).code_lengths.shape == (0,)
