"""w2v: skip-gram word vectors with negative sampling, trained by Numba kernels.

Library use::

    import w2v_cli as w2v
    result = w2v.train("corpus.txt", dim=100, epochs=5)     # or an iterable of token lists
    result.save("vectors.bin")
    kv = w2v.load("vectors.bin")
    kv.most_similar(["king"])

Names are imported on first use, so querying vectors never imports Numba.
"""

__version__ = "0.1.0"

_LAZY = {
    "train": ("w2v_cli.train", "train"),
    "TrainResult": ("w2v_cli.train", "TrainResult"),
    "TrainOptions": ("w2v_cli.options", "TrainOptions"),
    "Vocab": ("w2v_cli.vocab", "Vocab"),
    "KeyedVectors": ("w2v_cli.query", "KeyedVectors"),
    "load_word2vec": ("w2v_cli.formats", "load_word2vec"),
    "save_word2vec": ("w2v_cli.formats", "save_word2vec"),
    "W2VError": ("w2v_cli.errors", "W2VError"),
    "UnknownWordError": ("w2v_cli.query", "UnknownWordError"),
    "evaluate_analogies": ("w2v_cli.evaluate", "evaluate_analogies"),
    "evaluate_word_pairs": ("w2v_cli.evaluate", "evaluate_word_pairs"),
}

__all__ = ["load", *_LAZY]


def load(path):
    """Load a word2vec text or binary vectors file as a KeyedVectors."""
    from .query import KeyedVectors
    return KeyedVectors.load(path)


def __getattr__(name):
    if name in _LAZY:
        import importlib
        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'w2v_cli' has no attribute {name!r}")
