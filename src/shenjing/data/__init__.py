"""Data: the IDX format, MNIST and Fashion-MNIST, datasets, loaders and transforms."""

from . import transforms
from .dataset import ConcatDataset, Dataset, Subset, TensorDataset, random_split
from .download import download_file
from .errors import DownloadError, IDXError
from .idx import read_idx, write_idx
from .loader import DataLoader, default_collate
from .mnist import MNIST, FashionMNIST

__all__ = [
    "IDXError", "DownloadError", "read_idx", "write_idx", "download_file", "MNIST", "FashionMNIST",
    "Dataset", "TensorDataset", "Subset", "ConcatDataset", "random_split", "DataLoader", "default_collate",
    "transforms",
]
