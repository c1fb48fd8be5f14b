"""``shenjing.nn.utils``: gradient clipping, and ``rnn`` for batches of sequences of different lengths."""

from . import rnn
from .clip_grad import clip_grad_norm_, clip_grad_value_, clip_grads_with_norm_, get_total_norm
from .convert_parameters import parameters_to_vector, vector_to_parameters

__all__ = ["clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_", "get_total_norm", "rnn",
           "parameters_to_vector", "vector_to_parameters"]
