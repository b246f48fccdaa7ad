"""From text to the id stream: reading sources, counting words, the vocabulary,
encoding, and the phrases tool.  ``corpus.kernels`` holds the Numba text kernels."""
