"""The Huffman tree of hierarchical softmax (``--loss hs``), built as word2vec.c builds it.

word2vec.c's ``CreateBinaryTree``: the counts, sorted in descending order, are
merged by two pointers, one walking the leaves from the rarest up and one the
inner nodes in the order they were made (their counts never decrease, so no
heap is needed).  Each merge takes the two smallest nodes; on a tie between a
leaf and an inner node the inner node is taken (``count[pos1] < count[pos2]``
is strict).  Of the two, the first gets code 0 and the second code 1.  Inner
node a (made by merge a, 0 <= a < V - 1) is row a of W'; the root is V - 2.

A word's path runs from the root down: ``points[w, :n]`` are the inner nodes
it passes, ``codes[w, :n]`` the branch taken at each (n = ``code_lengths[w]``).
gensim builds the same tree when no two nodes tie on count; on ties its heap
(which compares counts only) may take them in another order, giving another
tree of the same (optimal) weighted length.  A one-word vocabulary has no
inner node: its word's path is empty (gensim's choice; word2vec.c would read
row -1), and P(word) = 1 needs no training.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np



class HuffmanTables(NamedTuple):
    """points / codes / code_lengths of hierarchical softmax (see EpochInputs)."""
    points: np.ndarray
    codes: np.ndarray
    code_lengths: np.ndarray

    @classmethod
    def empty(cls) -> "HuffmanTables":
        return cls(np.zeros((0, 0), np.int32), np.zeros((0, 0), np.uint8), np.zeros(0, np.int32))


def huffman_tables(counts) -> HuffmanTables:
    """points (V x L int32), codes (V x L uint8) and code_lengths (V int32) of the
    tree over ``counts`` (L = the longest code).  Counts need not be sorted; equal
    counts keep their order (the vocabulary's, which is sorted)."""
    counts = np.asarray(counts, dtype=np.int64)
    n = len(counts)
    if n < 2:
        return HuffmanTables(np.zeros((n, 0), np.int32), np.zeros((n, 0), np.uint8), np.zeros(n, np.int32))
    order = np.argsort(-counts, kind="stable")  # leaf i of the merge is word order[i]
    parent, binary = _merge(counts[order].tolist())
    root = 2 * n - 2
    # Depth of every node, from the root down (a parent's index exceeds its children's).
    depth = np.zeros(2 * n - 1, np.int32)
    for node in range(root - 1, -1, -1):
        depth[node] = depth[parent[node]] + 1
    lengths = depth[:n]
    width = int(lengths.max())
    points = np.zeros((n, width), np.int32)
    codes = np.zeros((n, width), np.uint8)
    # Walk every leaf up at once; the node at depth d + 1 fills column d.
    node = np.arange(n)
    rows = np.arange(n)
    while len(node):
        col = depth[node] - 1
        up = parent[node]
        codes[rows, col] = binary[node]
        points[rows, col] = up - n
        keep = up != root
        node, rows = up[keep], rows[keep]
    tables = HuffmanTables(np.empty_like(points), np.empty_like(codes), np.empty(n, np.int32))
    tables.points[order] = points
    tables.codes[order] = codes
    tables.code_lengths[order] = lengths
    return tables


def _merge(counts: list):
    """word2vec.c's merge loop over ``counts`` (descending): (parent, binary) of
    every node, leaves 0..V-1 and inner nodes V..2V-2, as numpy arrays."""
    n = len(counts)
    count = counts + [0] * (n - 1)
    parent = [0] * (2 * n - 1)
    binary = [0] * (2 * n - 1)
    pos1, pos2 = n - 1, n  # the rarest leaf not merged; the oldest inner node not merged
    for a in range(n - 1):
        made = n + a
        pair = []
        for _ in range(2):
            if pos1 >= 0 and (pos2 >= made or count[pos1] < count[pos2]):
                pair.append(pos1)
                pos1 -= 1
            else:
                pair.append(pos2)
                pos2 += 1
        count[made] = count[pair[0]] + count[pair[1]]
        parent[pair[0]] = parent[pair[1]] = made
        binary[pair[1]] = 1
    return np.asarray(parent, np.int64), np.asarray(binary, np.uint8)
