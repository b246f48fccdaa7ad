"""From the id stream to vectors: options, the epoch loop, the kernels' registry
and inputs, checkpoints, continued and MPI training.  ``training.kernels`` holds
the Numba SGD kernels, the only code that runs per training pair."""
