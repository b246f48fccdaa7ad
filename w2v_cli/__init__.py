"""w2v: word2vec on Numba kernels: skip-gram and CBOW, with negative sampling,
hierarchical softmax or the full softmax; phrases, continued training,
checkpoints, MPI training, per-epoch evaluation, and queries of the vectors.

The package is laid out by concern, in the order the data flows: ``cli``
(the ``w2v`` command), ``corpus`` (text to the id stream), ``training`` (the
id stream to vectors; its ``kernels`` are the SGD kernels) and ``vectors``
(files, queries, evaluation).

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
    "train": ("w2v_cli.training.loop", "train"),
    "TrainResult": ("w2v_cli.training.loop", "TrainResult"),
    "TrainOptions": ("w2v_cli.training.options", "TrainOptions"),
    "Vocab": ("w2v_cli.corpus.vocab", "Vocab"),
    "KeyedVectors": ("w2v_cli.vectors.keyed", "KeyedVectors"),
    "load_word2vec": ("w2v_cli.vectors.formats", "load_word2vec"),
    "save_word2vec": ("w2v_cli.vectors.formats", "save_word2vec"),
    "W2VError": ("w2v_cli.errors", "W2VError"),
    "UnknownWordError": ("w2v_cli.vectors.keyed", "UnknownWordError"),
    "evaluate_analogies": ("w2v_cli.vectors.evaluate", "evaluate_analogies"),
    "evaluate_word_pairs": ("w2v_cli.vectors.evaluate", "evaluate_word_pairs"),
    "phrases": ("w2v_cli.corpus.phrases", "phrases"),
    "PhrasesOptions": ("w2v_cli.corpus.phrases", "PhrasesOptions"),
}

__all__ = ["load", *_LAZY]


def load(path):
    """Load a word2vec text or binary vectors file as a KeyedVectors."""
    from .vectors.keyed import KeyedVectors
    return KeyedVectors.load(path)


def __getattr__(name):
    if name in _LAZY:
        import importlib
        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'w2v_cli' has no attribute {name!r}")
