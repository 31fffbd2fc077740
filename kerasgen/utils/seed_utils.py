"""Random seeds as tensors, so that sampling loops compile.

`keras.random.*` accepts an int or a `keras.random.SeedGenerator`. A
`SeedGenerator` holds its state in a variable, which a compiled function
(`tf.function`, `jax.jit`) can neither create nor, on JAX, update. Compiled
generation therefore passes the seed in as a tensor of two integers and
derives every draw from it: `TensorSeed` is a `SeedGenerator` whose `next()`
returns `seed + [0, k]` for the k-th draw (counted while tracing), with no
variable and no state to thread through `jax.jit`.

Example:
>>> import keras
>>> seed = TensorSeed(make_seed(7))
>>> a = keras.random.normal((2,), seed=seed)
>>> b = keras.random.normal((2,), seed=TensorSeed(make_seed(7)))
>>> bool(keras.ops.all(a == b))
True
>>> c = keras.random.normal((2,), seed=seed)  # the next draw differs
>>> bool(keras.ops.all(a == c))
False
"""

import keras
from keras import ops

# Multiplier that spreads folded-in indices over the first seed word.
_FOLD_MULTIPLIER = 1_000_003
# Spacing of `fold_in` streams in the second seed word.
_FOLD_STRIDE = 2**15


def seed_dtype():
    """The dtype of the backend's seed tensors (int32 on TF, uint32 JAX)."""
    from keras.src.backend import random_seed_dtype  # not in keras.backend

    return random_seed_dtype()


def make_seed(seed, index=0):
    """The seed tensor `(2,)` of an int seed, with `index` folded in.

    Args:
        seed: int. The user's seed.
        index: int. A stream index (a batch number), mixed into the first
            word, so batches draw different noise. Defaults to 0.
    """
    dtype = seed_dtype()
    first = (int(seed) + _FOLD_MULTIPLIER * int(index)) % (2**31 - 1)
    return ops.convert_to_tensor([first, 0], dtype=dtype)


class TensorSeed(keras.random.SeedGenerator):
    """A stateless `SeedGenerator` over a `(2,)` seed tensor.

    Every `next()` returns a distinct seed `seed + [0, k]`; the counter `k` is
    a Python int, so inside a compiled loop it advances while tracing and
    the compiled function itself keeps no state. Use `fold_in(index)` for a
    loop index that is a tensor (one stream per pixel or denoising step).

    Args:
        seed: tensor or array `(2,)` of the backend's seed dtype.
    """

    def __init__(self, seed):  # no super().__init__: no state variable
        self._seed = ops.convert_to_tensor(seed, dtype=seed_dtype())
        self._count = 0
        self.backend = keras.backend

    @property
    def seed_tensor(self):
        return self._seed

    def next(self, ordered=True):
        del ordered
        increment = ops.convert_to_tensor(
            [0, self._count], dtype=self._seed.dtype
        )
        self._count += 1
        return ops.add(self._seed, increment)

    def fold_in(self, index):
        """A new `TensorSeed` whose stream depends on `index` (int/tensor).

        It depends on this seed and `index` only, not on the draws made so
        far, so a loop body gives the same streams whether it is traced once
        (compiled) or run once per step (eager).
        """
        # The index goes into the second word, in steps of 2**15 that leave
        # room for the draws of one step (`next()` adds [0, k]); the first
        # word keeps the batch streams of `make_seed` apart, so (batch,
        # index) pairs never share noise. Indices up to 65,535.
        index = ops.cast(index, self._seed.dtype)
        offset = ops.stack([ops.ones_like(index), (index + 1) * _FOLD_STRIDE])
        return TensorSeed(ops.add(self._seed, offset))

    def get_config(self):
        raise TypeError("TensorSeed is a transient seed and is not serialized")
