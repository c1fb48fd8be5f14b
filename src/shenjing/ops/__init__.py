"""Differentiable operations, one file per family.  Each op is a ``Function`` with a
``forward`` and a ``backward`` on arrays: the forward math, the backward math, nothing else."""
