"""Themes for Similar-Items batch recommendations (batchInferenceJobMode THEME_GENERATION).

themed-batch-recommendations.md: each line's similar items come with a descriptive ``theme`` and,
item by item, ``itemsThemeRelevanceScores``, the items ranked by how closely each relates to the
theme. The service writes its themes with a generative model. This emulator has none, so its
themes are extractive, not generated: the words the recommended items' names (the
``themeGenerationConfig`` column) share that are rarest in the whole catalog, by TF-IDF over every
item's name and categorical values, joined into a short phrase, led by the categorical value most
of the items share. An item's relevance is the cosine similarity of its TF-IDF vector to the
theme's: from 0 to 1, the same for the same data every time.
"""
from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

ITEM_ID = "ITEM_ID"
# Words of two letters or digits at least; common English words say nothing about a theme.
WORD = re.compile(r"[^\W_]{2,}")
WORD_PREFIX, CATEGORY_PREFIX = "w:", "c:"
# How many name words a theme holds at most.
THEME_WORDS = 3
SCORE_DECIMALS = 7


@dataclass(frozen=True)
class Theme:
    """A set of items' theme, and the items by their relevance to it, most relevant first."""

    text: str
    ranked: list[tuple[str, float]]


@functools.cache
def _stop_words() -> frozenset[str]:
    # scikit-learn is imported when a theme is first asked for: importing it costs a second at the server's start.
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return ENGLISH_STOP_WORDS


def _words(name: str) -> list[str]:
    stop_words = _stop_words()
    return [word for word in WORD.findall(name) if word.lower() not in stop_words]


class ThemeIndex:
    """TF-IDF vectors of a catalog's items: the words of their names and their categorical values."""

    def __init__(self, names: Mapping[str, str], categories: Mapping[str, Sequence[str]]) -> None:
        self.item_ids = sorted(set(names) | set(categories))
        self.position = {item: i for i, item in enumerate(self.item_ids)}
        spellings: dict[str, Counter[str]] = {}
        documents = []
        for item in self.item_ids:
            words = _words(names.get(item, ""))
            for word in words:
                spellings.setdefault(f"{WORD_PREFIX}{word.lower()}", Counter())[word] += 1
            documents.append([f"{WORD_PREFIX}{w.lower()}" for w in words] + [f"{CATEGORY_PREFIX}{v}" for v in categories.get(item, ())])
        # The spelling a word has most often in the catalog (ties: the first in sort order) is how a theme shows it.
        self.display = {term: min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0] for term, counts in spellings.items()}
        if not any(documents):
            self.vocabulary, self.idf, self.matrix = [], np.empty(0), None
            return
        from sklearn.feature_extraction.text import TfidfVectorizer

        vectorizer = TfidfVectorizer(analyzer=lambda tokens: tokens, lowercase=False)
        self.matrix = vectorizer.fit_transform(documents).tocsr()  # rows L2-normalized
        self.vocabulary = list(vectorizer.get_feature_names_out())
        self.idf = vectorizer.idf_

    @classmethod
    def from_items(cls, items: pd.DataFrame, name_column: str, categorical_columns: Iterable[str]) -> "ThemeIndex":
        """The index of an Items dataset's rows: names from ``name_column``; categorical values split at '|' (items-datasets.md)."""
        ids = items[ITEM_ID].astype(str)
        names = dict(zip(ids, items[name_column].fillna("").astype(str)))
        categories: dict[str, list[str]] = {item: [] for item in ids}
        for column in categorical_columns:
            for item, value in zip(ids, items[column].fillna("").astype(str)):
                categories[item] += [part for part in value.split("|") if part]
        return cls(names, categories)

    def theme(self, item_ids: Sequence[str]) -> Theme:
        """The theme the items share and their relevance to it; items the catalog lacks relate to nothing (0)."""
        known = [self.position[item] for item in item_ids if item in self.position]
        if self.matrix is None or not known:
            return Theme("", [(item, 0.0) for item in item_ids])
        rows = self.matrix[known]
        weight = np.asarray(rows.mean(axis=0)).ravel()
        shared = np.asarray((rows > 0).sum(axis=0)).ravel()
        chosen = self._words(weight, shared, len(known)) + self._category(weight, shared, len(known))
        text = self._text(chosen)
        vector = np.zeros(len(self.vocabulary))
        vector[chosen] = self.idf[chosen]
        norm = float(np.linalg.norm(vector))
        relevance = self.matrix @ (vector / norm) if norm else np.zeros(len(self.item_ids))
        scores = [round(float(relevance[self.position[item]]), SCORE_DECIMALS) if item in self.position else 0.0 for item in item_ids]
        order = sorted(range(len(item_ids)), key=lambda i: (-scores[i], i))  # ties keep the recommendation order
        return Theme(text, [(item_ids[i], scores[i]) for i in order])

    def _words(self, weight: np.ndarray, shared: np.ndarray, count: int) -> list[int]:
        """The heaviest name words, among those two items or more share when some are shared."""
        words = np.array([term.startswith(WORD_PREFIX) for term in self.vocabulary]) & (weight > 0)
        common = words & (shared >= min(2, count))
        pool = np.flatnonzero(common if common.any() else words).tolist()
        return sorted(pool, key=lambda t: (-weight[t], self.vocabulary[t]))[:THEME_WORDS]

    def _category(self, weight: np.ndarray, shared: np.ndarray, count: int) -> list[int]:
        """The heaviest categorical value at least half the items have, if one is."""
        values = np.array([term.startswith(CATEGORY_PREFIX) for term in self.vocabulary]) & (2 * shared >= count) & (weight > 0)
        pool = np.flatnonzero(values).tolist()
        return sorted(pool, key=lambda t: (-weight[t], self.vocabulary[t]))[:1]

    def _text(self, chosen: list[int]) -> str:
        """'Category: First, Second & Third', by the words' catalog spellings."""
        words = [self.display[self.vocabulary[t]] for t in chosen if self.vocabulary[t].startswith(WORD_PREFIX)]
        categories = [self.vocabulary[t][len(CATEGORY_PREFIX):] for t in chosen if self.vocabulary[t].startswith(CATEGORY_PREFIX)]
        phrase = ", ".join(words[:-1]) + f" & {words[-1]}" if len(words) > 1 else "".join(words)
        return ": ".join(part for part in (*categories, phrase) if part)
