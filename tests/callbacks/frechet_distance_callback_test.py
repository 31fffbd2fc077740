import os

import keras
import numpy as np
import pytest

from kerasgen.callbacks import FrechetDistanceCallback
from kerasgen.metrics import FeatureExtractor
from kerasgen.metrics import compute_statistics
from kerasgen.metrics import reference_statistics_path
from kerasgen.testing.tiny_models import tiny_vae


def _extractor(name="tiny"):
    inputs = keras.Input((8, 8, 1))
    x = keras.layers.Flatten()(inputs)
    features = keras.layers.Dense(4, kernel_initializer="orthogonal")(x)
    return FeatureExtractor(keras.Model(inputs, features), name=name)


def _images(num_images=64, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (num_images, 8, 8, 1)).astype("uint8")


class _LogsRecorder(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.logs = []

    def on_epoch_end(self, epoch, logs=None):
        self.logs.append(dict(logs))


def test_fid_in_logs_on_its_epochs_and_checkpoint_monitors_it(tmp_path):
    keras.utils.set_random_seed(0)
    model = tiny_vae()
    model.compile(optimizer=keras.optimizers.Adam(1e-3), jit_compile=False)
    callback = FrechetDistanceCallback(
        _extractor(),
        reference_images=_images(),
        num_samples=32,
        every_n_epochs=2,
        kid=True,
    )
    path = str(tmp_path / "best.keras")
    checkpoint = keras.callbacks.ModelCheckpoint(
        path, monitor="fid", mode="min", save_best_only=True
    )
    recorder = _LogsRecorder()
    with pytest.warns(UserWarning, match="fid"):
        # Epochs 1 and 3 have no fid: ModelCheckpoint warns and skips them.
        history = model.fit(
            _images(32, seed=1),
            epochs=3,
            batch_size=16,
            callbacks=[callback, checkpoint, recorder],
            verbose=0,
        )
    assert ["fid" in logs for logs in recorder.logs] == [False, True, False]
    assert ["kid" in logs for logs in recorder.logs] == [False, True, False]
    fid = recorder.logs[1]["fid"]
    assert np.isfinite(fid) and fid > 0.0
    assert history.history["fid"] == [fid]
    assert checkpoint.best == fid
    assert os.path.isfile(path)
    assert list(callback.history) == [1]
    # Same seed and weights: the measurement is reproducible.
    first = callback.measure()
    assert callback.measure() == pytest.approx(first, rel=1e-9)


def test_reference_statistics_and_on_disk_cache(tmp_path):
    extractor = _extractor(name="tiny_cache")
    model = tiny_vae()
    reference = _images()
    statistics = compute_statistics(extractor.features(reference))
    given = FrechetDistanceCallback(
        extractor, reference_statistics=statistics, num_samples=16
    )
    given.set_model(model)
    calls = []

    def images():
        calls.append(1)
        return reference

    cached = [
        FrechetDistanceCallback(
            extractor,
            reference_images=images,
            dataset="random8",
            split="test",
            cache_dir=str(tmp_path),
            num_samples=16,
        )
        for _ in range(2)
    ]
    for callback in cached:
        callback.set_model(model)
    expected = given.measure()["fid"]
    assert cached[0].measure()["fid"] == pytest.approx(expected, rel=1e-9)
    assert cached[1].measure()["fid"] == pytest.approx(expected, rel=1e-9)
    assert len(calls) == 1  # the second callback read the cache
    assert os.path.isfile(
        reference_statistics_path(
            "random8", "test", "tiny_cache", cache_dir=str(tmp_path)
        )
    )


def test_conditional_inputs_and_generate_kwargs():
    class FakeConditionalModel:
        def __init__(self):
            self.calls = []

        def generate(self, inputs=None, num_samples=None, seed=None, **kw):
            self.calls.append((inputs, num_samples, seed, kw))
            rng = np.random.default_rng(seed)
            return rng.integers(0, 256, (num_samples, 8, 8, 1), "uint8")

    model = FakeConditionalModel()
    callback = FrechetDistanceCallback(
        _extractor(),
        reference_images=_images(),
        num_samples=10,
        seed=3,
        generate_inputs=lambda n: np.arange(n) % 2,
        key="val_fid",
        temperature=0.5,
    )
    callback.set_model(model)
    logs = {}
    callback.on_epoch_end(0, logs)
    assert list(logs) == ["val_fid"]
    inputs, num_samples, seed, kwargs = model.calls[0]
    np.testing.assert_array_equal(inputs, np.arange(10) % 2)
    assert (num_samples, seed) == (10, 3)
    assert kwargs == {"temperature": 0.5, "verbose": 0}


def test_bad_arguments_are_refused_by_name():
    with pytest.raises(ValueError, match="needs a reference"):
        FrechetDistanceCallback(_extractor())
    with pytest.raises(ValueError, match="every_n_epochs must be an int >= 1"):
        FrechetDistanceCallback(
            _extractor(), reference_images=_images(), every_n_epochs=0
        )
    with pytest.raises(ValueError, match="num_samples must be an int >= 2"):
        FrechetDistanceCallback(
            _extractor(), reference_images=_images(), num_samples=1
        )
    with pytest.raises(ValueError, match="kid=True needs reference features"):
        FrechetDistanceCallback(
            _extractor(),
            reference_statistics=(np.zeros(4), np.eye(4)),
            kid=True,
        )
    with pytest.raises(ValueError, match="generate_inputs must hold"):
        FrechetDistanceCallback(
            _extractor(),
            reference_images=_images(),
            num_samples=4,
            generate_inputs=np.zeros(3, "int32"),
        )


def test_measures_through_kerasgen_evaluation():
    from kerasgen import evaluation

    extractor = _extractor(name="tiny_same")
    model = tiny_vae()
    reference = _images()
    callback = FrechetDistanceCallback(
        extractor, reference_images=reference, num_samples=32, kid=True
    )
    callback.set_model(model)
    expected = evaluation.evaluate(
        model,
        dataset=reference,
        metrics=["fid", "kid"],
        feature_extractor=extractor,
        num_samples=32,
        verbose=0,
    )
    values = callback.measure()
    assert values["fid"] == pytest.approx(expected["fid"], rel=1e-9)
    assert values["kid"] == pytest.approx(expected["kid"], rel=1e-9)
    # New weights, new samples: the reference side is kept, samples redrawn.
    for variable in model.decoder.trainable_variables:
        variable.assign(variable * 0.5)
    assert callback.measure()["fid"] != pytest.approx(values["fid"])
