import keras
import numpy as np
import pytest
from keras import ops

from kerasgen.utils import seed_utils


def _normal(seed, shape=(4,)):
    return ops.convert_to_numpy(keras.random.normal(shape, seed=seed))


def test_same_seed_same_draws_and_draws_advance():
    first = seed_utils.TensorSeed(seed_utils.make_seed(3))
    second = seed_utils.TensorSeed(seed_utils.make_seed(3))
    a, b = _normal(first), _normal(first)
    np.testing.assert_array_equal(a, _normal(second))
    np.testing.assert_array_equal(b, _normal(second))
    assert not np.allclose(a, b)


def test_seeds_and_batch_indices_give_different_streams():
    draws = [
        _normal(seed_utils.TensorSeed(seed_utils.make_seed(seed, index)))
        for seed in (0, 1)
        for index in (0, 1, 2)
    ]
    for i in range(len(draws)):
        for j in range(i + 1, len(draws)):
            assert not np.allclose(draws[i], draws[j]), (i, j)


def test_fold_in_with_a_loop_tensor_inside_a_compiled_loop():
    seed = seed_utils.make_seed(0)

    def body(index, rows):
        step_seed = seed_utils.TensorSeed(seed).fold_in(index)
        row = keras.random.normal((1, 3), seed=step_seed)
        return ops.slice_update(rows, (index, 0), row)

    rows = ops.convert_to_numpy(ops.fori_loop(0, 4, body, ops.zeros((4, 3))))
    assert len({tuple(np.round(row, 6)) for row in rows}) == 4
    again = ops.convert_to_numpy(ops.fori_loop(0, 4, body, ops.zeros((4, 3))))
    np.testing.assert_array_equal(rows, again)
    # The same index outside the loop draws the same row.
    np.testing.assert_allclose(
        _normal(seed_utils.TensorSeed(seed).fold_in(2), (1, 3))[0], rows[2]
    )


def test_tensor_seed_is_not_serializable():
    with pytest.raises(TypeError, match="not serialized"):
        seed_utils.TensorSeed(seed_utils.make_seed(0)).get_config()
