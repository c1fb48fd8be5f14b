"""PyTorch's ``torch.utils`` names: ``shenjing.utils.data`` is :mod:`shenjing.data` itself (the same
module object, so ``shenjing.utils.data.DataLoader is shenjing.data.DataLoader``)."""

from __future__ import annotations

import sys

from .. import data

sys.modules[__name__ + ".data"] = data

__all__ = ["data"]
