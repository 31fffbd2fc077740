import keras
import numpy as np

from kerasgen.callbacks import TerminateOnNaNLosses


class _FakeModel:
    stop_training = False


def _run(logs, monitor=None):
    callback = TerminateOnNaNLosses(monitor)
    callback.set_model(_FakeModel())
    callback.on_batch_end(3, logs)
    return callback


def test_stops_on_any_nan_loss():
    callback = _run({"loss": 1.0, "d_loss": float("nan"), "g_loss": 2.0})
    assert callback.model.stop_training
    assert callback.stopped_on[1] == "d_loss"


def test_stops_on_infinite_loss():
    assert _run({"kl_loss": float("inf")}).model.stop_training


def test_ignores_finite_and_unwatched_values():
    assert not _run({"loss": 1.0, "g_loss": 0.5}).model.stop_training
    assert not _run({"accuracy": float("nan")}).model.stop_training
    assert _run({"accuracy": float("nan")}, ["accuracy"]).model.stop_training


def test_stops_fit_of_a_model_whose_metric_loss_turns_nan():
    class NaNLoss(keras.metrics.Metric):
        def __init__(self):
            super().__init__(name="g_loss")

        def update_state(self, *args, **kwargs):
            pass

        def result(self):
            return keras.ops.convert_to_tensor(float("nan"))

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", metrics=[NaNLoss()])
    x = np.ones((16, 2), "float32")
    history = model.fit(
        x,
        x[:, :1],
        batch_size=2,
        epochs=3,
        verbose=0,
        callbacks=[TerminateOnNaNLosses()],
    )
    assert len(history.history["loss"]) == 1
