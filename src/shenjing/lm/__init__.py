"""Sequence models: the row-by-row image classifier behind the zoo's ``lstm`` and the character
language model that writes Tang poems (training, generation, form checks)."""

from .models import CELLS, CharLM, SequenceClassifier, make_rnn

__all__ = ["CELLS", "CharLM", "SequenceClassifier", "make_rnn"]
