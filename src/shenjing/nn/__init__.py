"""``shenjing.nn``: modules, layers, losses and initialisation with PyTorch's names."""

from . import functional, init
from .activation import ELU, GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Softplus, Tanh
from .container import ModuleDict, ModuleList, Sequential
from .embedding import Embedding
from .linear import Dropout, Flatten, Identity, Linear, Unflatten
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, NLLLoss
from .module import Module
from .parameter import Parameter
from .recurrent import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell, RNNCellBase


def __getattr__(name: str):
    if name == "utils":
        import importlib

        return importlib.import_module(".utils", __name__)
    raise AttributeError(f"module 'shenjing.nn' has no attribute {name!r}")


__all__ = [
    "functional", "init", "Module", "Parameter", "Sequential", "ModuleList", "ModuleDict", "Linear",
    "Identity", "Flatten", "Unflatten", "Dropout", "Sigmoid", "Tanh", "ReLU", "LeakyReLU", "ELU",
    "Softplus", "GELU", "Softmax", "LogSoftmax", "MSELoss", "CrossEntropyLoss", "NLLLoss", "BCELoss",
    "BCEWithLogitsLoss", "Embedding", "RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell",
    "GRUCell",
]
