import math

import numpy as np
import pytest
import tensorflow as tf

from kerasgen.metrics import BitsPerDim

LN2 = math.log(2.0)


def test_exact_value_weighted_by_example_count():
    metric = BitsPerDim(num_dims=10)
    metric.update_state(np.array([10 * LN2, 30 * LN2]))  # 1 and 3 bits/dim
    metric.update_state(np.array([20 * LN2]))  # 2 bits/dim
    # Mean over 3 examples, not mean of batch means ((2 + 2) / 2).
    assert float(metric.result()) == pytest.approx(2.0)


def test_num_dims_per_call_and_sample_weight():
    metric = BitsPerDim()
    metric.update_state([8 * LN2], num_dims=8)  # 1 bit/dim
    metric.update_state([4 * LN2, 40 * LN2], num_dims=4, sample_weight=[3, 0])
    assert float(metric.result()) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="num_dims must be given"):
        metric.update_state([1.0])


def test_reset_state_and_empty_result():
    metric = BitsPerDim(num_dims=2)
    assert float(metric.result()) == 0.0
    metric.update_state([2 * LN2])
    metric.reset_state()
    assert float(metric.result()) == 0.0


def test_bad_inputs_are_refused_by_name():
    with pytest.raises(ValueError, match="num_dims must be an int >= 1"):
        BitsPerDim(num_dims=0)
    with pytest.raises(ValueError, match="nll_nats must have rank 1"):
        BitsPerDim(num_dims=2).update_state(np.zeros((2, 2)))


def test_config_round_trip_and_compiled_update():
    metric = BitsPerDim(num_dims=784, name="bpd")
    clone = BitsPerDim.from_config(metric.get_config())
    assert clone.get_config() == metric.get_config()

    @tf.function
    def update(nll):
        clone.update_state(nll)

    update(tf.constant([784 * LN2, 3 * 784 * LN2]))
    assert float(clone.result()) == pytest.approx(2.0)
