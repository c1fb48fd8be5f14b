"""``shenjing.functional`` is ``shenjing.nn.functional``: the same functions under a short name."""

from .nn.functional import *  # noqa: F403
from .nn.functional import __all__  # noqa: F401
