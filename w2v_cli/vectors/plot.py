"""``w2v plot``: a labelled 2-D map (PCA) of some words and their nearest neighbours.

The projection is plain numpy (an SVD of the centred selected vectors); only the
drawing needs matplotlib, which is the optional ``[plot]`` extra and imported
when a picture is drawn, never on import of this module. No numba here.
"""

import numpy as np

from ..atomic import atomic_write
from ..errors import W2VError

PLOT_EXTRA_MESSAGE = "w2v plot needs matplotlib, which is not installed: pip install 'w2v-cli[plot]'"
FIGSIZE_IN = (8.0, 6.0)
DPI = 100  # so the PNG is 800 x 600 pixels


def pca_2d(vectors):
    """Rows of ``vectors`` projected on their first two principal components (N x 2, float64).

    Signs are fixed so that each component's largest-magnitude loading is
    positive (as scikit-learn's svd_flip does): the same input always gives the
    same picture rather than a mirror image. With fewer than two components
    (one point, or dimension 1) the missing coordinates are 0.
    """
    x = np.asarray(vectors, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] == 0:
        raise W2VError("nothing to project: no vectors selected")
    centred = x - x.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    axes = vt[:2]
    signs = np.sign(axes[np.arange(len(axes)), np.argmax(np.abs(axes), axis=1)])
    signs[signs == 0] = 1
    coords = np.zeros((x.shape[0], 2))
    coords[:, :len(axes)] = centred @ (axes * signs[:, None]).T
    return coords


def select_words(kv, words, neighbours=5):
    """The query words, then each one's ``neighbours`` nearest words (cosine), without repeats.

    Returns (labels, is_query): every label once, query words first in the
    order given. An unknown query word raises UnknownWordError (with a
    suggestion) before anything else is computed.
    """
    words = list(dict.fromkeys(words))
    if not words:
        raise W2VError("give at least one word to plot")
    for word in words:
        kv.row(word)
    labels, query = list(words), set(words)
    seen = set(query)
    for word in words:
        for near, _ in kv.most_similar([word], topn=neighbours):
            if near not in seen:
                seen.add(near)
                labels.append(near)
    return labels, [label in query for label in labels]


def word_map(kv, words, neighbours=5):
    """(labels, coords, is_query) for the map of ``words`` and their neighbours."""
    labels, is_query = select_words(kv, words, neighbours)
    coords = pca_2d(kv.vectors[[kv.row(w) for w in labels]])
    return labels, coords, is_query


def require_matplotlib():
    """matplotlib's Figure class, or W2VError with the install hint (checked before loading a model)."""
    try:
        from matplotlib.figure import Figure  # the object API: no pyplot, no GUI backend, no screen
    except ImportError:
        raise W2VError(PLOT_EXTRA_MESSAGE) from None
    return Figure


def draw_map(labels, coords, is_query, path, title=None):
    """Draw the labelled points, write them as a PNG at ``path`` (atomically); return the Figure."""
    fig = require_matplotlib()(figsize=FIGSIZE_IN, dpi=DPI)
    ax = fig.add_subplot()
    query = np.asarray(is_query, dtype=bool)
    ax.scatter(coords[~query, 0], coords[~query, 1], s=12, c="tab:blue", label="neighbours")
    ax.scatter(coords[query, 0], coords[query, 1], s=30, c="tab:red", label="query words")
    for label, (x, y), q in zip(labels, coords, query):
        # "$" would start matplotlib's mathtext (and "$5" fail to parse): draw it literally.
        ax.annotate(label.replace("$", r"\$"), (x, y), xytext=(3, 3), textcoords="offset points",
                    fontsize=9 if q else 8, fontweight="bold" if q else "normal",
                    color="tab:red" if q else "black")
    ax.margins(0.12)  # room for the labels of the outermost points
    ax.set_xlabel("PC 1")
    ax.set_ylabel("PC 2")
    if title:
        ax.set_title(title)
    if (~query).any():
        ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    with atomic_write(path, "wb") as fh:
        # Pixel size fixed by figsize x dpi: no bbox_inches="tight", which would crop it.
        fig.savefig(fh, format="png", dpi=DPI)
    return fig


def plot_words(kv, words, path, neighbours=5, title=None):
    """Map ``words`` and their neighbours to 2-D and save the PNG; return (labels, coords, is_query)."""
    labels, coords, is_query = word_map(kv, words, neighbours)
    draw_map(labels, coords, is_query, path, title=title)
    return labels, coords, is_query
