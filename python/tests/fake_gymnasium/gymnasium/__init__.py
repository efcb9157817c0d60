"""A stand-in for gymnasium (not packaged in Debian 12) with the parts of its
API passgym uses, as gymnasium 0.29 defines them: Env, spaces.Space,
register(). It records registrations so that the test can check them."""

import numpy as np

from . import spaces

registry = {}


def register(id, entry_point=None, **kwargs):
    registry[id] = entry_point


class Env:
    metadata = {"render_modes": []}
    render_mode = None
    reward_range = (-float("inf"), float("inf"))
    spec = None
    _np_random = None

    def reset(self, *, seed=None, options=None):
        if seed is not None:
            self._np_random = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed)))

    @property
    def np_random(self):
        if self._np_random is None:
            self._np_random = np.random.Generator(np.random.PCG64())
        return self._np_random

    @np_random.setter
    def np_random(self, value):
        self._np_random = value

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *args):
        self.close()
        return False
