"""ImageTokenTransformer: a transformer prior over image token grids."""

import json
import os

import keras
import numpy as np
import pytest
from absl.testing import parameterized

from kerasgen.models import VQVAE
from kerasgen.models import ImageTokenTransformer
from kerasgen.networks import CausalTransformer
from kerasgen.testing import TestCase

TINY = dict(num_layers=1, num_heads=2, hidden_dim=8, intermediate_dim=16)


def _tokenizer():
    return VQVAE(
        image_shape=(8, 8, 1),
        latent_dim=2,
        codebook_size=8,
        filters=(4, 8),
        num_groups=2,
        seed=0,
    )


def _images(n=8, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 8, 8, 1), dtype="uint8")


def _labels(n=8):
    return (np.arange(n) % 3).astype("int32")


def _model(**kwargs):
    kwargs = dict(
        dict(num_classes=3, label_dropout=0.2, seed=0, **TINY), **kwargs
    )
    return ImageTokenTransformer(_tokenizer(), **kwargs)


def _log_softmax(x):
    x = x - x.max(axis=-1, keepdims=True)
    return x - np.log(np.exp(x).sum(axis=-1, keepdims=True))


class ImageTokenTransformerTest(TestCase):
    def test_generative_model_contract(self):
        self.run_generative_model_test(
            ImageTokenTransformer,
            dict(tokenizer=_tokenizer(), seed=0, **TINY),
            train_data=_images(),
            expected_output_shape=(8, 16, 8),
        )

    def test_class_conditional_contract(self):
        labels = _labels()
        self.run_generative_model_test(
            ImageTokenTransformer,
            dict(
                tokenizer=_tokenizer(),
                num_classes=3,
                label_dropout=0.2,
                seed=0,
                **TINY,
            ),
            (_images(), labels),
            (8, 16, 8),
            generate_kwargs={"inputs": labels[:4], "guidance_scale": 2.0},
            predict_data={"images": _images(), "labels": labels},
        )

    def test_distribution(self):
        self.run_distribution_test(
            _model, (_images().astype("float32") / 127.5 - 1.0, _labels())
        )

    @parameterized.named_parameters(
        ("random", {}),
        ("top_k", {"top_k": 3}),
        ("top_p", {"top_p": 0.8}),
        ("top_p_top_k", {"top_p": 0.8, "top_k": 4}),
        ("greedy", {"sampler": "greedy"}),
        ("guided", {"guidance_scale": 3.0, "temperature": 0.7}),
    )
    def test_cache_equals_recompute(self, kwargs):
        model = _model()
        labels = np.array([0, 1, 2, 1])
        cached = model.generate(labels, seed=3, return_token_ids=True, **kwargs)
        uncached = model.generate(
            labels, seed=3, cache=False, return_token_ids=True, **kwargs
        )
        np.testing.assert_array_equal(
            cached["token_ids"], uncached["token_ids"]
        )
        np.testing.assert_array_equal(cached["images"], uncached["images"])
        # The images are the tokenizer's decoding of the sampled grids.
        decoded = np.asarray(model.tokenizer.detokenize(cached["token_ids"]))
        expected = np.round((np.clip(decoded, -1, 1) + 1) * 127.5)
        np.testing.assert_allclose(cached["images"], expected, atol=1)

    def test_samplers_restrict_the_choice(self):
        model = _model()
        # Sharpen the model: a trained-looking distribution.
        labels = np.zeros(16, "int32")
        greedy = model.generate(
            labels, seed=0, sampler="greedy", return_token_ids=True
        )["token_ids"]
        self.assertEqual(len({g.tobytes() for g in greedy}), 1)
        top1 = model.generate(labels, seed=5, top_k=1, return_token_ids=True)
        np.testing.assert_array_equal(top1["token_ids"], greedy)
        free = model.generate(labels, seed=5, return_token_ids=True)
        self.assertGreater(len({g.tobytes() for g in free["token_ids"]}), 1)

    def test_guidance_scale_one_is_the_conditional_model(self):
        model = _model()
        labels = np.array([0, 1, 2, 0])
        plain = model.generate(labels, seed=1, return_token_ids=True)
        guided = model.generate(
            labels, seed=1, guidance_scale=1.0, return_token_ids=True
        )
        np.testing.assert_array_equal(plain["token_ids"], guided["token_ids"])

    def test_log_prob_is_the_sum_of_next_token_log_probabilities(self):
        model = _model()
        model.compile()
        model.fit(_images(), _labels(), batch_size=4, verbose=0)
        tokens = np.asarray(model.tokenizer.tokenize(_images()))
        labels = _labels()
        # By hand: position 0 sees the class id, position i the ids < i.
        sequence = np.concatenate(
            [labels[:, None] + 8, tokens.reshape(8, -1)[:, :-1]], axis=1
        )
        logits = keras.ops.convert_to_numpy(model.transformer(sequence))
        log_probs = _log_softmax(logits[..., :8].astype("float64"))
        expected = np.take_along_axis(
            log_probs, tokens.reshape(8, -1, 1), axis=-1
        ).sum(axis=(1, 2))
        np.testing.assert_allclose(
            model.log_prob(tokens, labels), expected, rtol=1e-5
        )
        # Other labels, other likelihoods; evaluate logs bits per token.
        self.assertFalse(
            np.allclose(model.log_prob(tokens, (labels + 1) % 3), expected)
        )
        logs = model.evaluate(_images(), labels, return_dict=True, verbose=0)
        np.testing.assert_allclose(
            logs["bits_per_token"], -expected.mean() / 16 / np.log(2), rtol=1e-5
        )
        self.assertEqual(sorted(logs), ["bits_per_token", "loss"])

    def test_fit_on_token_grids_equals_fit_on_images(self):
        images, labels = _images(), _labels()
        a, b = _model(label_dropout=0.0), _model(label_dropout=0.0)
        b.set_weights(a.get_weights())
        tokens = np.asarray(a.tokenizer.tokenize(images))
        for model, x in ((a, images), (b, tokens)):
            model.compile(optimizer=keras.optimizers.SGD(0.1))
            model.fit(x, labels, batch_size=8, shuffle=False, verbose=0)
        for wa, wb in zip(a.transformer.weights, b.transformer.weights):
            np.testing.assert_allclose(wa.numpy(), wb.numpy(), atol=1e-6)

    def test_the_tokenizer_is_frozen(self):
        model = _model()
        before = [w.numpy().copy() for w in model.tokenizer.weights]
        model.compile()
        model.fit(_images(), _labels(), batch_size=4, verbose=0)
        for b, a in zip(before, model.tokenizer.weights):
            np.testing.assert_array_equal(b, a.numpy())

    def test_causality(self):
        model = _model(label_dropout=0.0)
        tokens = np.asarray(model.tokenizer.tokenize(_images(2)))
        changed = tokens.copy()
        changed[:, 2, 1] = (changed[:, 2, 1] + 1) % 8  # position 9
        inputs = {"token_ids": tokens, "labels": np.array([0, 1])}
        a = keras.ops.convert_to_numpy(model(inputs))
        b = keras.ops.convert_to_numpy(
            model({"token_ids": changed, "labels": np.array([0, 1])})
        )
        np.testing.assert_array_equal(a[:, :10], b[:, :10])
        self.assertFalse(np.allclose(a[:, 10:], b[:, 10:]))

    def test_bad_inputs(self):
        model = _model()
        unconditional = ImageTokenTransformer(_tokenizer(), seed=0, **TINY)
        labels = np.array([0, 1])
        cases = [
            (lambda: model.generate(labels, guidance_scale=-1.0), "guidance"),
            (lambda: model.generate(labels, top_k=0), "top_k"),
            (lambda: model.generate(labels, top_p=0.0), "top_p"),
            (lambda: model.generate(labels, top_p=1.5), "top_p"),
            (lambda: model.generate(labels, temperature=0.0), "temperature"),
            (lambda: model.generate(labels, sampler="beam"), "sampler"),
            (
                lambda: model.generate(labels, sampler="greedy", top_k=2),
                "top_k",
            ),
            (lambda: model.generate(np.array([3])), r"\[0, 3\)"),
            (lambda: model.generate(None, num_samples=2), "labels"),
            (lambda: unconditional.generate(labels), "unconditional"),
            (
                lambda: unconditional.generate(
                    num_samples=2, guidance_scale=2.0
                ),
                "label_dropout",
            ),
            (lambda: model.log_prob(np.full((1, 4, 4), 8), [0]), "token_ids"),
            (lambda: ImageTokenTransformer("not_a_preset"), "not_a_preset"),
            (lambda: ImageTokenTransformer(keras.Sequential()), "tokenizer"),
            (
                lambda: ImageTokenTransformer(
                    _tokenizer(),
                    num_classes=3,
                    transformer=CausalTransformer(10, 16, **TINY),
                ),
                "vocabulary",
            ),
            (
                lambda: ImageTokenTransformer(
                    _tokenizer(),
                    transformer=CausalTransformer(9, 16, **TINY),
                    num_layers=2,
                ),
                "architecture",
            ),
        ]
        for call, match in cases:
            with self.assertRaisesRegex(ValueError, match):
                call()


@pytest.mark.large
class PresetReferenceTest(TestCase):
    def test_tokenizer_preset_is_referenced_not_copied(self):
        model = ImageTokenTransformer(
            "vqvae_fashion_mnist", num_classes=10, seed=0, **TINY
        )
        preset = os.path.join(self.get_temp_dir(), "preset")
        model.save_to_preset(preset)
        with open(os.path.join(preset, "config.json")) as f:
            config = json.load(f)["config"]
        self.assertEqual(config["tokenizer"]["class_name"], "PresetReference")
        self.assertEqual(
            config["tokenizer"]["config"]["preset"], "vqvae_fashion_mnist"
        )
        # The weights file holds the transformer only.
        size = os.path.getsize(os.path.join(preset, "model.weights.h5"))
        self.assertLess(size, 200_000)
        loaded = ImageTokenTransformer.from_preset(preset)
        labels = np.arange(4)
        np.testing.assert_array_equal(
            loaded.generate(labels, seed=0), model.generate(labels, seed=0)
        )

    def test_reference_survives_a_keras_file(self):
        # `kerasgen train` saves a .keras file and `kerasgen bundle` makes
        # the preset from it: the reference must come through.
        model = ImageTokenTransformer(
            "vqvae_fashion_mnist", num_classes=10, seed=0, **TINY
        )
        path = os.path.join(self.get_temp_dir(), "model.keras")
        model.save(path)
        restored = keras.saving.load_model(path)
        preset = os.path.join(self.get_temp_dir(), "from_keras_file")
        restored.save_to_preset(preset)
        with open(os.path.join(preset, "config.json")) as f:
            config = json.load(f)["config"]
        self.assertEqual(config["tokenizer"]["class_name"], "PresetReference")
        size = os.path.getsize(os.path.join(preset, "model.weights.h5"))
        self.assertLess(size, 200_000)
