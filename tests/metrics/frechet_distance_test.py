import keras
import numpy as np
import pytest

from kerasgen.metrics import FeatureExtractor
from kerasgen.metrics import FrechetDistance
from kerasgen.metrics import compute_statistics
from kerasgen.metrics import frechet_distance
from kerasgen.metrics import save_reference_statistics


def _tiny_extractor():
    inputs = keras.Input((4, 4, 1))
    features = keras.layers.Dense(3)(keras.layers.Flatten()(inputs))
    return FeatureExtractor(keras.Model(inputs, features))


def test_closed_form_for_diagonal_gaussians():
    mu1, mu2 = np.array([0.0, 1.0, 2.0]), np.array([1.0, -1.0, 2.0])
    a, b = np.array([1.0, 4.0, 0.5]), np.array([9.0, 1.0, 0.5])
    expected = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(a) - np.sqrt(b)) ** 2)
    value = frechet_distance(mu1, np.diag(a), mu2, np.diag(b))
    assert value == pytest.approx(expected, rel=1e-12)  # 5 + 4 + 1 = 10


def test_closed_form_for_general_gaussians():
    # Rotated commuting covariances: FID = |dmu|^2 + sum (sqrt a - sqrt b)^2.
    rng = np.random.default_rng(0)
    rotation, _ = np.linalg.qr(rng.normal(size=(4, 4)))
    a, b = rng.uniform(0.1, 3.0, 4), rng.uniform(0.1, 3.0, 4)
    mu1, mu2 = rng.normal(size=4), rng.normal(size=4)
    value = frechet_distance(
        mu1,
        rotation @ np.diag(a) @ rotation.T,
        mu2,
        rotation @ np.diag(b) @ rotation.T,
    )
    expected = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(a) - np.sqrt(b)) ** 2)
    assert value == pytest.approx(expected, rel=1e-9)


def test_streaming_equals_one_shot_statistics():
    rng = np.random.default_rng(1)
    real = rng.normal(100.0, 2.0, size=(60, 5))  # far from 0: shift matters
    fake = rng.normal(101.0, 1.0, size=(45, 5))
    fid = FrechetDistance()
    for start in range(0, 60, 16):
        fid.update_state(real_features=real[start : start + 16])
    fid.update_state(fake_features=fake[:1])
    fid.update_state(fake_features=fake[1:])
    expected = frechet_distance(
        *compute_statistics(real), *compute_statistics(fake)
    )
    assert float(fid.result()) == pytest.approx(expected, rel=1e-5)
    np.testing.assert_allclose(
        fid.real_statistics()[1], np.cov(real, rowvar=False), rtol=1e-9
    )


def test_identical_features_give_zero_and_reset_clears():
    features = np.random.default_rng(2).normal(size=(30, 4))
    fid = FrechetDistance()
    fid.update_state(real_features=features, fake_features=features)
    assert float(fid.result()) == pytest.approx(0.0, abs=1e-6)
    fid.reset_state()
    with pytest.raises(ValueError, match="at least 2 real samples"):
        fid.result()
    # After a reset a new feature dimension is accepted.
    fid.update_state(real_features=np.eye(3), fake_features=np.eye(3))
    assert float(fid.result()) == pytest.approx(0.0, abs=1e-6)


def test_reference_statistics_from_tuple_dict_and_path(tmp_path):
    rng = np.random.default_rng(3)
    real, fake = rng.normal(size=(40, 3)), rng.normal(0.5, size=(40, 3))
    mu, sigma = compute_statistics(real)
    expected = frechet_distance(mu, sigma, *compute_statistics(fake))
    path = save_reference_statistics(str(tmp_path / "ref.npz"), mu, sigma)
    for reference in ((mu, sigma), {"mu": mu, "sigma": sigma}, path):
        fid = FrechetDistance(reference_statistics=reference)
        fid.update_state(fake_features=fake)
        assert float(fid.result()) == pytest.approx(expected, rel=1e-5)
        # The reference survives reset_state; the fakes do not.
        fid.reset_state()
        with pytest.raises(ValueError, match="received 0 fake samples"):
            fid.result()
        clone = FrechetDistance.from_config(fid.get_config())
        clone.update_state(fake_features=fake)
        assert float(clone.result()) == pytest.approx(expected, rel=1e-5)
    with pytest.raises(ValueError, match="already fixed by the reference"):
        fid.update_state(real_features=real)
    fid.set_reference_statistics(None)
    fid.update_state(real_features=real, fake_features=fake)
    assert float(fid.result()) == pytest.approx(expected, rel=1e-5)


def test_mismatched_dimensions_are_refused_by_name():
    fid = FrechetDistance()
    fid.update_state(real_features=np.zeros((4, 3)))
    with pytest.raises(
        ValueError, match=r"fake_features must have feature_dim=3.*\(4, 5\)"
    ):
        fid.update_state(fake_features=np.zeros((4, 5)))
    with pytest.raises(ValueError, match="reference_statistics must have fe"):
        FrechetDistance(_tiny_extractor(), (np.zeros(4), np.eye(4)))
    with pytest.raises(ValueError, match="reference_statistics sigma must"):
        FrechetDistance(reference_statistics=(np.zeros(3), np.eye(2)))
    with pytest.raises(ValueError, match="Pass either real_images or real_f"):
        fid.update_state(
            real_images=np.zeros((2, 4, 4, 1)), real_features=np.zeros((2, 3))
        )
    with pytest.raises(ValueError, match="needs at least one of"):
        fid.update_state()
    with pytest.raises(ValueError, match="does not support sample_weight"):
        fid.update_state(real_features=np.zeros((2, 3)), sample_weight=[1, 1])
    fid.update_state(fake_features=np.zeros((1, 3)))
    with pytest.raises(ValueError, match="at least 2 fake samples"):
        fid.result()


def test_images_through_extractor_in_evaluate_and_config():
    extractor = _tiny_extractor()
    rng = np.random.default_rng(4)
    real = rng.integers(0, 256, (16, 4, 4, 1)).astype("uint8")
    fid = FrechetDistance(extractor)
    fid.update_state(real, real)
    assert float(fid.result()) == pytest.approx(0.0, abs=1e-5)
    with pytest.raises(ValueError, match=r"feature_dim=3 \(the feature_ex"):
        FrechetDistance(extractor).update_state(fake_features=np.ones((2, 4)))

    # As a compiled metric: y_true = real images, y_pred = generated images.
    latents = keras.Input((2,))
    images = keras.layers.Reshape((4, 4, 1))(
        keras.layers.Dense(16, activation="tanh")(latents)
    )
    generator = keras.Model(latents, images)
    metric = FrechetDistance(extractor)
    generator.compile(loss="mse", metrics=[metric], run_eagerly=True)
    noise = rng.normal(size=(16, 2))
    logs = generator.evaluate(
        noise, real, batch_size=8, verbose=0, return_dict=True
    )
    expected = FrechetDistance(extractor)
    expected.update_state(real, generator.predict(noise, verbose=0))
    assert logs["frechet_distance"] == pytest.approx(
        float(expected.result()), rel=1e-4
    )
    # Without run_eagerly the host computation is refused with advice.
    generator.compile(loss="mse", metrics=[FrechetDistance(extractor)])
    with pytest.raises(RuntimeError, match="run_eagerly=True"):
        generator.evaluate(noise, real, batch_size=8, verbose=0)

    clone = FrechetDistance.from_config(fid.get_config())
    assert clone._extractor.feature_dim == 3


def test_callback_feeds_model_checkpoint(tmp_path):
    rng = np.random.default_rng(5)
    real_features = rng.normal(size=(32, 2))
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    fid = FrechetDistance()
    fid.update_state(real_features=real_features)

    class FIDCallback(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            fid.update_state(
                fake_features=self.model.predict(real_features, verbose=0)
            )
            logs["fid"] = fid.result()
            fid.reset_state()
            fid.update_state(real_features=real_features)

    checkpoint = keras.callbacks.ModelCheckpoint(
        str(tmp_path / "best.weights.h5"),
        monitor="fid",
        mode="min",
        save_best_only=True,
        save_weights_only=True,
    )
    history = model.fit(
        real_features,
        real_features,
        epochs=2,
        verbose=0,
        callbacks=[FIDCallback(), checkpoint],
    )
    assert len(history.history["fid"]) == 2
    assert (tmp_path / "best.weights.h5").exists()
