"""Checks of kerasgen on the JAX backend, run by `jax_test.py`.

Not collected by the default test run (the suite runs on TensorFlow,
`tests/conftest.py`); `jax_test.py` runs this file with `KERAS_BACKEND=jax`
and two host CPU devices in a subprocess.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

import kerasgen
from kerasgen.models import VQGAN
from kerasgen.models import VQVAE
from kerasgen.models import DiscreteVAE
from kerasgen.testing import tiny_gan
from kerasgen.testing import tiny_vae
from kerasgen.utils import distribution_utils

pytestmark = pytest.mark.skipif(
    keras.backend.backend() != "jax", reason="runs on KERAS_BACKEND=jax"
)


def _images(n=8, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 8, 8, 1), dtype="uint8")


def test_kerasgen_imports_on_jax():
    assert keras.backend.backend() == "jax"
    assert kerasgen.models.VAE is not None


@pytest.mark.parametrize("kind", ["mirrored", "tpu"])
def test_tensorflow_strategies_say_to_use_tensorflow(kind):
    with pytest.raises(ValueError, match="KERAS_BACKEND=tensorflow"):
        with distribution_utils.distribution_scope(kind):
            pass
    with pytest.raises(ValueError, match="keras-team/keras#20585"):
        with distribution_utils.distribution_scope("multi_worker_mirrored"):
            pass


def _train_vae(kind):
    images = _images(16).astype("float32") / 127.5 - 1.0
    with distribution_utils.distribution_scope(kind) as context:
        keras.utils.set_random_seed(0)
        model = tiny_vae(seed=0)
        initial = [keras.ops.convert_to_numpy(w) for w in model.weights]
        model.compile(optimizer=keras.optimizers.SGD(0.1))
        data = tf.data.Dataset.from_tensor_slices(images).batch(8)
        data = context.shard_dataset(data, 8)
        history = model.fit(data, epochs=1, shuffle=False, verbose=0)
    weights = [keras.ops.convert_to_numpy(w) for w in model.weights]
    return context, model, initial, weights, history.history


def test_data_parallel_on_two_local_devices_matches_one_device():
    import jax

    # jax_test.py sets XLA_FLAGS=--xla_force_host_platform_device_count=2.
    assert jax.device_count() >= 2, "run through tests/backends/jax_test.py"
    _, _, initial, expected, expected_logs = _train_vae("none")
    context, model, start, weights, logs = _train_vae("data_parallel")
    assert (context.num_processes, context.num_replicas) == (1, 2)
    assert keras.distribution.distribution() is None  # the scope restored it
    # The weights live on both devices (replicated).
    assert len(model.weights[0].value.sharding.device_set) == 2
    for a, b in zip(initial, start):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(logs["loss"], expected_logs["loss"], rtol=1e-5)
    for weight, reference, before in zip(weights, expected, initial):
        assert not np.allclose(reference, before)
        np.testing.assert_allclose(weight, reference, rtol=1e-5, atol=2e-6)


@pytest.mark.parametrize("cls", [VQVAE, DiscreteVAE])
def test_quantized_autoencoders_train_with_the_stock_train_step(cls):
    model = cls(
        image_shape=(8, 8, 1),
        codebook_size=8,
        filters=(4, 8),
        num_groups=2,
        seed=0,
        **({"latent_dim": 3} if cls is VQVAE else {"codebook_dim": 3}),
    )
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    before = [keras.ops.convert_to_numpy(w) for w in model.trainable_weights]
    logs = model.fit(_images(), batch_size=4, verbose=0).history
    assert int(keras.ops.convert_to_numpy(model.optimizer.iterations)) == 2
    for key, values in logs.items():
        assert np.all(np.isfinite(values)), (key, values)
    # The quantizer's statistics, updated inside its call(), reach the logs
    # on JAX too (through the model's compute_loss).
    perplexity = [v for k, v in logs.items() if k.endswith("perplexity")]
    usage = [v for k, v in logs.items() if k.endswith("usage")]
    assert perplexity and usage, sorted(logs)
    assert 1.0 <= perplexity[0][0] <= 8.0
    assert 0.0 < usage[0][0] <= 1.0
    after = [keras.ops.convert_to_numpy(w) for w in model.trainable_weights]
    assert any(not np.allclose(a, b) for a, b in zip(before, after))


def test_adversarial_models_refuse_to_train_on_jax():
    with pytest.raises(NotImplementedError, match="TensorFlow"):
        tiny_gan().compile()
    # Building a VQ-GAN on JAX costs about 20 s here (XLA compiles every
    # weight shape's initializer on this CPU); its compile() refuses the
    # backend before it reads any attribute, so a bare instance shows it.
    with pytest.raises(NotImplementedError, match="TensorFlow"):
        VQGAN.compile(VQGAN.__new__(VQGAN))


def test_classifier_guidance_compiles_on_jax():
    # jax.grad of the classifier inside the jitted, stateless sampling loop.
    from kerasgen.models import DiffusionModel
    from kerasgen.models import NoiseAwareClassifier

    tiny = dict(filters=(8,), num_res_blocks=1, num_groups=4)
    model = DiffusionModel(image_shape=(8, 8, 1), unet_kwargs=tiny, seed=0)
    classifier = NoiseAwareClassifier(
        image_shape=(8, 8, 1), num_classes=3, network_kwargs=tiny, seed=0
    )
    kwargs = dict(
        seed=1, num_steps=3, classifier=classifier, classifier_scale=2.0
    )
    labels = np.array([0, 2, 1])
    compiled = model.generate(labels, **kwargs)
    eager = model.generate(labels, compiled=False, **kwargs)
    np.testing.assert_array_equal(compiled, eager)
    unguided = model.generate(num_samples=3, seed=1, num_steps=3)
    assert not np.array_equal(compiled, unguided)
