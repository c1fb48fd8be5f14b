"""Data: the IDX format, MNIST and Fashion-MNIST, datasets, samplers, loaders and transforms.

Also reachable as ``shenjing.utils.data`` (PyTorch's ``torch.utils.data``).
"""

from . import transforms
from .dataset import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    StackDataset,
    Subset,
    TensorDataset,
    random_split,
)
from .download import download_file
from .errors import DownloadError, IDXError
from .idx import read_idx, write_idx
from .loader import DataLoader, default_collate, default_convert
from .mnist import MNIST, FashionMNIST
from .sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)

__all__ = [
    "IDXError", "DownloadError", "read_idx", "write_idx", "download_file", "MNIST", "FashionMNIST",
    "Dataset", "TensorDataset", "Subset", "ConcatDataset", "random_split", "DataLoader", "default_collate",
    "transforms", "IterableDataset", "ChainDataset", "StackDataset", "default_convert", "Sampler",
    "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler", "BatchSampler",
]
