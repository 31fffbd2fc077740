"""NoiseAwareClassifier and classifier guidance against an exact oracle.

Data: a two-class mixture, class `y` all pixels `N(MEANS[y], S^2)`. Both the
unconditional `E[eps | x_t]` and `p(y | x_t)` are known in closed form, and
`grad log p(x_t) + grad log p(y | x_t) = grad log p(x_t | y)`: classifier
guidance at scale 1 with the exact classifier turns the unconditional
oracle into the class-conditional one, step by step, for every scheduler
and prediction type.
"""

import keras
import numpy as np
import pytest
from keras import ops

from kerasgen import schedulers
from kerasgen.models import DiffusionModel
from kerasgen.models import NoiseAwareClassifier
from kerasgen.networks import Network
from kerasgen.testing import TestCase
from kerasgen.utils import gradient_utils

MEANS = (-0.5, 0.5)
S = 0.2
SHAPE = (2, 2, 1)
TINY = dict(filters=(8,), num_groups=4, dropout=0.0)


def _coefficients(timesteps):
    table = ops.convert_to_tensor(
        schedulers.DDPMScheduler().alphas_cumprod, "float32"
    )
    ab = ops.take(table, ops.cast(timesteps, "int32"))[:, None, None, None]
    a, b = ops.sqrt(ab), ops.sqrt(1.0 - ab)
    return a, b, a**2 * S**2 + b**2


def _class_log_likelihoods(x, a, v):
    """`log p(x_t | y)` up to a shared constant, `(batch, 2)`."""
    return ops.stack(
        [
            -ops.sum(ops.square(x - a * m), axis=(1, 2, 3))
            / (2.0 * v[:, 0, 0, 0])
            for m in MEANS
        ],
        axis=-1,
    )


def _oracle_inputs():
    return {
        "images": keras.Input(SHAPE, name="images"),
        "timesteps": keras.Input((), name="timesteps"),
    }


class MixtureDenoiser(Network):
    """Exact `E[eps | x_t]` of the mixture (or of one class with
    `label`), in the given prediction type."""

    def __init__(self, prediction_type="epsilon", label=None, **kwargs):
        inputs = _oracle_inputs()
        x = inputs["images"]
        a, b, v = _coefficients(inputs["timesteps"])
        if label is None:
            posterior = ops.softmax(_class_log_likelihoods(x, a, v), axis=-1)
            mean = sum(
                posterior[:, k, None, None, None] * m
                for k, m in enumerate(MEANS)
            )
        else:
            mean = MEANS[label]
        # E[eps | x_t, y] = b (x_t - a mu_y) / v, mixed by p(y | x_t).
        eps = b * (x - a * mean) / v
        x0 = (x - b * eps) / a
        output = {
            "epsilon": eps,
            "sample": x0,
            "v_prediction": a * eps - b * x0,
        }[prediction_type]
        super().__init__(inputs=inputs, outputs=output, **kwargs)
        self.prediction_type = prediction_type
        self.label = label


class MixtureClassifier(Network):
    """Exact logits `log p(y | x_t)` of the mixture (equal priors)."""

    def __init__(self, **kwargs):
        inputs = _oracle_inputs()
        a, _, v = _coefficients(inputs["timesteps"])
        logits = _class_log_likelihoods(inputs["images"], a, v)
        super().__init__(inputs=inputs, outputs=logits, **kwargs)


def _exact_classifier():
    return NoiseAwareClassifier(network=MixtureClassifier())


def _diffusion(prediction_type="epsilon", label=None):
    return DiffusionModel(
        denoiser=MixtureDenoiser(prediction_type, label),
        scheduler=schedulers.DDPMScheduler(prediction_type=prediction_type),
    )


class ClassifierGuidanceTest(TestCase):
    @pytest.mark.filterwarnings("ignore")
    def test_exact_guidance_samples_the_class_conditional_oracle(self):
        # Every scheduler with epsilon, every prediction type with DDIM.
        cases = [("epsilon", name) for name in ("ddim", "dpm_solver", "ddpm")]
        cases += [(kind, "ddim") for kind in ("sample", "v_prediction")]
        for prediction_type, name in cases:
            guided = _diffusion(prediction_type).generate(
                np.zeros(64, "int32"),
                seed=3,
                num_steps=10,
                scheduler=name,
                classifier=_exact_classifier(),
                classifier_scale=1.0,
            )
            conditional = _diffusion(prediction_type, label=0).generate(
                num_samples=64, seed=3, num_steps=10, scheduler=name
            )
            # uint8 outputs: at most a rounding level apart.
            difference = np.abs(guided.astype(int) - conditional.astype(int))
            self.assertLessEqual(difference.max(), 1, (prediction_type, name))
            self.assertGreater((difference == 0).mean(), 0.95)

    def test_scale_moves_samples_to_the_class(self):
        model = _diffusion()
        classifier = _exact_classifier()
        labels = np.array([0, 1] * 128, "int32")
        unguided = model.generate(num_samples=256, seed=0, num_steps=20)
        x = unguided.astype("float64") / 127.5 - 1.0
        # Unguided: both modes, about half each.
        self.assertTrue(0.35 < (x.mean(axis=(1, 2, 3)) > 0).mean() < 0.65)
        class_means = {}
        for scale in (1.0, 4.0):
            images = model.generate(
                labels,
                seed=0,
                num_steps=20,
                classifier=classifier,
                classifier_scale=scale,
            )
            means = (images.astype("float64") / 127.5 - 1.0).mean(
                axis=(1, 2, 3)
            )
            class_means[scale] = [means[labels == k].mean() for k in (0, 1)]
        # Scale 1 samples p(x | y); a larger scale sharpens p(y | x)^s and
        # pushes the samples further from the other class.
        self.assertAllClose(class_means[1.0], MEANS, atol=0.05)
        self.assertLess(class_means[4.0][0], class_means[1.0][0] - 0.03)
        self.assertGreater(class_means[4.0][1], class_means[1.0][1] + 0.03)
        # Scale 0 is the unguided model.
        zero = model.generate(
            labels,
            seed=0,
            num_steps=20,
            classifier=classifier,
            classifier_scale=0.0,
        )
        np.testing.assert_array_equal(zero, unguided)

    def test_compiled_equals_eager_and_traces_once(self):
        model = DiffusionModel(
            image_shape=(8, 8, 1),
            unet_kwargs=dict(filters=(8,), num_res_blocks=1, num_groups=4),
            seed=0,
        )
        classifier = NoiseAwareClassifier(
            image_shape=(8, 8, 1), num_classes=3, network_kwargs=TINY, seed=0
        )
        kwargs = dict(
            seed=1,
            num_steps=3,
            scheduler="dpm_solver",
            classifier=classifier,
            classifier_scale=2.0,
        )
        labels = np.array([0, 2, 1])
        compiled = model.generate(labels, **kwargs)
        eager = model.generate(labels, compiled=False, **kwargs)
        np.testing.assert_array_equal(compiled, eager)
        count = model.generate_trace_count
        model.generate(np.array([1, 1, 0]), **dict(kwargs, seed=2))
        self.assertEqual(model.generate_trace_count, count)

    def test_bad_inputs(self):
        model = _diffusion()
        classifier = _exact_classifier()
        labels = np.array([0, 1])
        with self.assertRaisesRegex(ValueError, "classifier_scale needs"):
            model.generate(labels, classifier_scale=1.0)
        with self.assertRaisesRegex(ValueError, "needs classifier_scale"):
            model.generate(labels, classifier=classifier)
        with self.assertRaisesRegex(ValueError, "classifier_scale"):
            model.generate(labels, classifier=classifier, classifier_scale=-1)
        with self.assertRaisesRegex(ValueError, "labels to guide"):
            model.generate(
                num_samples=2, classifier=classifier, classifier_scale=1.0
            )
        with self.assertRaisesRegex(ValueError, r"\[0, 2\)"):
            model.generate(
                np.array([0, 2]), classifier=classifier, classifier_scale=1.0
            )
        with self.assertRaisesRegex(TypeError, "NoiseAwareClassifier"):
            model.generate(labels, classifier=object(), classifier_scale=1.0)
        cosine = NoiseAwareClassifier(
            network=MixtureClassifier(),
            scheduler=schedulers.DDPMScheduler(
                beta_schedule="squaredcos_cap_v2"
            ),
        )
        with self.assertRaisesRegex(ValueError, "noise schedule"):
            model.generate(labels, classifier=cosine, classifier_scale=1.0)
        conditional = DiffusionModel(
            image_shape=SHAPE,
            num_classes=3,
            unet_kwargs=dict(filters=(8,), num_res_blocks=1, num_groups=4),
        )
        with self.assertRaisesRegex(ValueError, "2 classes.*3"):
            conditional.generate(
                labels, classifier=classifier, classifier_scale=1.0
            )
        with self.assertRaisesRegex(ValueError, "shape"):
            DiffusionModel(
                image_shape=(4, 4, 1), unet_kwargs=dict(filters=(8,))
            ).generate(labels, classifier=classifier, classifier_scale=1.0)


class NoiseAwareClassifierTest(TestCase):
    def _data(self, n=64):
        # Two classes told apart by brightness.
        rng = np.random.default_rng(0)
        labels = np.arange(n) % 2
        images = np.where(labels[:, None, None, None] == 1, 200, 40)
        images = images + rng.integers(-30, 30, (n, 8, 8, 1))
        return images.astype("uint8"), labels

    def _model(self):
        return NoiseAwareClassifier(
            image_shape=(8, 8, 1), num_classes=2, network_kwargs=TINY, seed=0
        )

    def test_learns_on_noisy_images_and_round_trips(self):
        images, labels = self._data()
        model = self._model()
        model.compile(optimizer=keras.optimizers.Adam(3e-3))
        history = model.fit(images, labels, epochs=15, batch_size=16, verbose=0)
        self.assertGreater(history.history["accuracy"][-1], 0.7)
        accuracy = model.accuracy_at_timesteps(images, labels, [0, 999])
        self.assertGreater(accuracy[0], 0.95)
        # At t = 999 x_t is nearly pure noise: chance.
        self.assertLess(accuracy[999], 0.8)
        logits = model.predict(images, verbose=0)
        self.assertEqual(logits.shape, (64, 2))
        path = self.get_temp_dir() + "/classifier.keras"
        model.save(path)
        restored = keras.saving.load_model(path)
        self.assertIsInstance(restored, NoiseAwareClassifier)
        self.assertAllClose(restored.predict(images, verbose=0), logits)
        logs = restored.evaluate(images, labels, verbose=0, return_dict=True)
        self.assertEqual(set(logs), {"loss", "accuracy"})

    def test_log_prob_gradient_matches_finite_differences(self):
        model = self._model()
        x = np.random.default_rng(1).normal(size=(2, 8, 8, 1))
        x = x.astype("float32")
        labels = np.array([0, 1])
        gradient = ops.convert_to_numpy(model.log_prob_gradient(x, 300, labels))
        direction = np.random.default_rng(2).normal(size=x.shape)
        direction = direction.astype("float32")

        def value(points):
            log_p = ops.log_softmax(model.logits(points, 300), axis=-1)
            return ops.convert_to_numpy(log_p)[np.arange(2), labels]

        h = 1e-2
        numeric = (value(x + h * direction) - value(x - h * direction)) / (
            2 * h
        )
        analytic = (gradient * direction).sum(axis=(1, 2, 3))
        self.assertAllClose(analytic, numeric, rtol=2e-2, atol=1e-4)

    def test_preview_shows_the_noisy_inputs(self):
        images, _ = self._data(8)
        grid = self._model().preview_images(16, images=images)
        self.assertEqual(grid.shape, (16, 8, 8, 1))
        # Each row of 8 starts with the clean image (t = 0: a ~ 1, b ~ 0.01).
        difference = grid[::8].astype(int) - images[:2].astype(int)
        self.assertLessEqual(np.abs(difference).max(), 4)
        # ... and ends in noise that no longer follows the image.
        self.assertGreater(np.abs(grid[7].astype(int) - images[0]).mean(), 30)

    def test_distribution(self):
        images, labels = self._data(8)
        self.run_distribution_test(self._model, (images, labels))

    def test_bad_inputs(self):
        with self.assertRaisesRegex(ValueError, "num_classes is required"):
            NoiseAwareClassifier(image_shape=(8, 8, 1))
        with self.assertRaisesRegex(ValueError, "VP scheduler"):
            NoiseAwareClassifier(num_classes=2, scheduler="annealed_langevin")
        with self.assertRaisesRegex(ValueError, "num_classes=3"):
            NoiseAwareClassifier(network=MixtureClassifier(), num_classes=3)
        with self.assertRaisesRegex(AttributeError, "classifier="):
            self._model().generate(num_samples=2)
        self.assertFalse(hasattr(self._model(), "generate"))
        model = self._model()
        model.compile()
        with self.assertRaisesRegex(ValueError, "labels"):
            model.fit(self._data()[0], epochs=1, verbose=0)


def test_input_gradient_of_a_per_sample_function():
    x = ops.convert_to_tensor([[1.0, 2.0], [3.0, -1.0]])
    gradient = gradient_utils.input_gradient(
        lambda v: ops.sum(v**3, axis=-1), x
    )
    np.testing.assert_allclose(
        ops.convert_to_numpy(gradient), 3 * ops.convert_to_numpy(x) ** 2
    )


def test_label_agreement_measures_classifier_guidance():
    from kerasgen.datasets import fashion_mnist
    from kerasgen.evaluation import evaluate

    tiny = dict(filters=(8,), num_res_blocks=1, num_groups=4)
    model = DiffusionModel(image_shape=(28, 28, 1), unet_kwargs=tiny, seed=0)
    classifier = NoiseAwareClassifier(
        image_shape=(28, 28, 1), num_classes=10, network_kwargs=tiny, seed=0
    )
    (_, _), (x_test, y_test) = fashion_mnist.load_data()
    split = (x_test[:40, ..., None], y_test[:40])
    seen = []
    generate = model.generate

    def recording(inputs=None, **kwargs):
        seen.append(inputs)
        return generate(inputs, **kwargs)

    model.generate = recording
    guided = dict(classifier=classifier, classifier_scale=1.0, num_steps=2)
    result = evaluate(
        model,
        dataset=split,
        metrics=["label_agreement"],
        num_samples=20,
        verbose=0,
        generate_kwargs=guided,
    )
    assert 0.0 <= result["label_agreement"] <= 1.0
    # The labels guided towards are the split's (shuffled), one per sample.
    assert sorted(seen[0]) == sorted(
        np.resize(np.random.default_rng(0).permutation(split[1]), 20)
    )
    with pytest.raises(ValueError, match="class conditioning"):
        evaluate(
            model,
            dataset=split,
            metrics=["label_agreement"],
            num_samples=20,
            verbose=0,
            generate_kwargs=dict(num_steps=2),
        )
