"""Data: the IDX format, MNIST and Fashion-MNIST, datasets and loaders."""

from .download import download_file
from .errors import DownloadError, IDXError
from .idx import read_idx, write_idx
from .mnist import MNIST, FashionMNIST

__all__ = ["IDXError", "DownloadError", "read_idx", "write_idx", "download_file", "MNIST", "FashionMNIST"]
