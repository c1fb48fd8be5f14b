"""Files in and out: safe checkpoints (safetensors + JSON, no pickle) and atomic writes.

``shenjing.io.save`` / ``shenjing.io.load`` are what ``shenjing.save`` / ``shenjing.load`` export.
"""

from shenjing.io.atomic import atomic_open, atomic_write_bytes, atomic_write_text
from shenjing.io.checkpoint import FORMAT_VERSION, CheckpointError, load, save

__all__ = [
    "CheckpointError",
    "FORMAT_VERSION",
    "atomic_open",
    "atomic_write_bytes",
    "atomic_write_text",
    "load",
    "save",
]
