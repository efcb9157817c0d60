"""Datasets: named sets of benchmarks, finite (the built-in programs, a
manifest's entries) or generated from a seed (csmith, llvm-stress)."""

from __future__ import annotations

import re
from typing import Iterator, Optional, Sequence, Union

import numpy as np

from . import _passgym

#: Seeds of an unbounded generator: 32-bit (datasets/Generators.h).
SEED_COUNT = 1 << 32


class Dataset:
    """A set of benchmark URIs.

    Iterating a dataset loads its benchmarks one by one (an unbounded one
    counts seeds up from its first); ``benchmark_uris()`` gives the URIs
    without loading anything; ``benchmark(KEY)`` loads one, by URI, by name
    (``qsort``) or by seed; ``len()`` is defined for finite datasets only.
    """

    def __init__(
        self,
        name: str,
        uris: Optional[Sequence[str]] = None,
        uri_prefix: str = "",
        seeds: range = range(0),
        runnable: Optional[bool] = None,
        description: str = "",
        problems: Sequence[str] = (),
    ):
        self.name = name
        self._uris = list(uris) if uris is not None else None
        self._prefix = uri_prefix
        self._seeds = seeds
        #: True or False when every benchmark is (or none is) runnable; None
        #: when it depends on the benchmark.
        self.runnable = runnable
        self.description = description
        #: Why some of a manifest's entries cannot be used.
        self.problems = list(problems)

    @property
    def size(self) -> Optional[int]:
        """How many benchmarks there are; None for an unbounded dataset."""
        if self._uris is not None:
            return len(self._uris)
        return len(self._seeds) if len(self._seeds) < SEED_COUNT else None

    def benchmark_uris(self) -> Iterator[str]:
        if self._uris is not None:
            yield from self._uris
        else:
            for seed in self._seeds:
                yield f"{self._prefix}{seed}"

    def benchmark(self, key: Union[str, int]) -> _passgym.Benchmark:
        """Loads a benchmark of this dataset by URI, name, or seed."""
        return _passgym.load_benchmark(self.uri(key))

    def uri(self, key: Union[str, int]) -> str:
        """The URI of a benchmark of this dataset given by URI, name or seed."""
        if self._uris is not None:
            for uri in self._uris:
                if key in (uri, uri.rsplit("/", 1)[-1], uri.rsplit("#", 1)[-1]):
                    return uri
            raise _passgym.Error(f"dataset '{self.name}' has no benchmark '{key}'")
        if int(key) not in self._seeds:
            raise _passgym.Error(
                f"dataset '{self.name}' has seeds {self._seeds.start} to {self._seeds.stop - 1}, not {key}"
            )
        return f"{self._prefix}{int(key)}"

    def sample_uri(self, rng: np.random.Generator) -> str:
        """A URI drawn uniformly with ``rng``."""
        if self._uris is not None:
            if not self._uris:
                raise _passgym.Error(f"dataset '{self.name}' is empty")
            return self._uris[rng.integers(len(self._uris))]
        return f"{self._prefix}{self._seeds[rng.integers(len(self._seeds))]}"

    def __iter__(self) -> Iterator[_passgym.Benchmark]:
        for uri in self.benchmark_uris():
            yield _passgym.load_benchmark(uri)

    def __len__(self) -> int:
        if self.size is None:
            raise TypeError(f"dataset '{self.name}' is unbounded")
        return self.size

    def __repr__(self) -> str:
        size = "unbounded" if self.size is None else self.size
        return f"<passgym.Dataset {self.name} ({size})>"


def _generator_dataset(name: str, uri_form: str, runnable: bool) -> Dataset:
    # The URI form says "SEED" for 32-bit seeds, else "COUNT (A-B)".
    prefix = uri_form.split(" ")[0].rsplit("/", 1)[0] + "/"
    bounds = re.search(r"\((\d+)-(\d+)\)", uri_form)
    seeds = range(int(bounds[1]), int(bounds[2]) + 1) if bounds else range(SEED_COUNT)
    return Dataset(name, uri_prefix=prefix, seeds=seeds, runnable=runnable, description=uri_form)


def datasets() -> list[Dataset]:
    """The built-in programs and the generated datasets."""
    found = [
        Dataset(
            "builtin-v0",
            _passgym.builtin_benchmark_uris(),
            runnable=True,
            description="benchmark://builtin-v0/NAME",
        )
    ]
    for name, uri_form, runnable in _passgym.generators():
        found.append(_generator_dataset(name, uri_form, runnable))
    return found


def dataset(spec: str) -> Dataset:
    """A dataset by name (``builtin-v0``, ``csmith-v0``), or by what
    ``passgym train --dataset`` takes: ``builtin-v0:train``,
    ``csmith-v0:A-B``, ``manifest:PATH`` (a manifest.json or its directory;
    see docs/datasets.md)."""
    for found in datasets():
        if found.name == spec:
            return found
    if spec.startswith("manifest:") and "#" not in spec:
        return manifest(spec[len("manifest:"):])
    return Dataset(spec, _passgym.expand_dataset(spec))


def manifest(path: str) -> Dataset:
    """The usable entries of a manifest (a manifest.json or its directory);
    ``problems`` says why the others cannot be used."""
    read = _passgym.read_manifest(str(path))
    return Dataset(read["name"], read["uris"], description=f"manifest:{read['path']}",
                   problems=read["problems"])
