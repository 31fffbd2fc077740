"""DiffusionModel: the model contract, sampling loop, guidance, bad input."""

import keras
import numpy as np
import pytest
from absl.testing import parameterized
from keras import ops

from kerasgen import schedulers
from kerasgen.models import DiffusionModel
from kerasgen.networks import Network
from kerasgen.testing import TestCase

TINY_UNET = dict(filters=(8, 16), num_res_blocks=1, num_groups=4, dropout=0.0)
MU, S = 0.3, 0.2


def _images(n=8, shape=(8, 8, 1), seed=0):
    return np.random.default_rng(seed).integers(0, 256, (n,) + shape, "uint8")


def tiny(**kwargs):
    kwargs = dict(
        dict(image_shape=(8, 8, 1), unet_kwargs=TINY_UNET, seed=0), **kwargs
    )
    return DiffusionModel(**kwargs)


@keras.saving.register_keras_serializable(package="kerasgen_test")
class GaussianOracle(Network):
    """The exact `E[eps | x_t]` of per-pixel data `N(MU, S^2)`, as a network
    over the DDPM schedule (a denoiser whose samples are known)."""

    def __init__(self, image_shape=(4, 4, 1), **kwargs):
        inputs = {
            "images": keras.Input(image_shape, name="images"),
            "timesteps": keras.Input((), name="timesteps"),
        }
        table = ops.convert_to_tensor(
            schedulers.DDPMScheduler().alphas_cumprod, "float32"
        )
        t = ops.cast(inputs["timesteps"], "int32")
        ab = ops.take(table, t)[:, None, None, None]
        a, b = ops.sqrt(ab), ops.sqrt(1.0 - ab)
        eps = b * (inputs["images"] - a * MU) / (a**2 * S**2 + b**2)
        super().__init__(inputs=inputs, outputs=eps, **kwargs)
        self.image_shape = image_shape


class DiffusionModelTest(TestCase):
    def test_generative_model_contract(self):
        # Class-conditional: fit on (images, labels); generate() without
        # labels samples the null class. The unconditional model is what
        # the tests below use.
        labels = np.arange(8) % 3
        self.run_generative_model_test(
            DiffusionModel,
            dict(
                image_shape=(8, 8, 1),
                num_classes=3,
                unet_kwargs=TINY_UNET,
                seed=0,
            ),
            train_data=(_images(), labels),
            expected_output_shape=(8, 8, 8, 1),
            generate_kwargs=dict(num_steps=3),
        )

    def test_distribution(self):
        self.run_distribution_test(lambda: tiny(), _images())

    @parameterized.named_parameters(
        ("ddpm", "ddpm", 1000, 0.01),
        ("ddim", "ddim", 200, 0.015),
        ("dpm_solver", "dpm_solver", 100, 0.015),
        ("heun", "heun", 25, 0.015),
        ("score_sde_vp", "score_sde_vp", 300, 0.02),
    )
    def test_the_loop_samples_the_data_with_the_oracle(self, name, steps, tol):
        model = DiffusionModel(denoiser=GaussianOracle())
        images = model.generate(
            num_samples=512, seed=0, num_steps=steps, scheduler=name
        )
        x = images.astype("float64") / 127.5 - 1.0
        # 8,192 pixels (std's standard error 0.0016); the step counts keep
        # each method's own error small (at S = 0.2 the discretization
        # shrinks the std: DPM-Solver++ 0.148 at 20 steps, DDIM 0.176 at 50,
        # measured with the scheduler tests' loop).
        self.assertAllClose(x.mean(), MU, atol=0.01)
        self.assertAllClose(x.std(), S, atol=tol)

    def test_compiled_equals_eager_for_every_scheduler(self):
        model = tiny()
        # DDIM is covered by the contract test; Euler shares Heun's code.
        for name in ("ddpm", "dpm_solver", "heun"):
            compiled = model.generate(
                num_samples=3, seed=1, num_steps=4, scheduler=name
            )
            eager = model.generate(
                num_samples=3,
                seed=1,
                num_steps=4,
                scheduler=name,
                compiled=False,
            )
            np.testing.assert_array_equal(compiled, eager, err_msg=name)
        count = model.generate_trace_count
        model.generate(num_samples=3, seed=2, num_steps=4, scheduler="heun")
        self.assertEqual(model.generate_trace_count, count)
        # DDIM with eta = 0 is deterministic given the start noise.
        a = model.generate(num_samples=3, seed=5, num_steps=4)
        np.testing.assert_array_equal(
            a, model.generate(num_samples=3, seed=5, num_steps=4, eta=0.0)
        )

    def test_trajectory_keeps_every_step_of_the_same_samples(self):
        model = DiffusionModel(denoiser=GaussianOracle())
        kwargs = dict(num_samples=4, seed=0, num_steps=5, scheduler="ddim")
        out = model.generate(return_trajectory=True, **kwargs)
        np.testing.assert_array_equal(out["images"], model.generate(**kwargs))
        self.assertEqual(out["trajectory"].shape, (4, 5, 4, 4, 1))
        self.assertEqual(out["predicted_originals"].shape, (4, 5, 4, 4, 1))
        # The first x_t is the start noise; the last step lands on its x_0
        # prediction (DDIM's final alpha_bar is 1), and that is the image.
        self.assertAllClose(out["trajectory"][:, 0].std(), 1.0, atol=0.3)
        last = keras.ops.convert_to_numpy(out["predicted_originals"][:, -1])
        final = out["images"].astype("float64") / 127.5 - 1.0
        self.assertAllClose(last, final, atol=1.01 / 127.5)
        self.assertAllClose(last.mean(), MU, atol=0.1)

    def test_guidance_mixes_conditional_and_unconditional(self):
        model = tiny(num_classes=3)
        x = ops.convert_to_tensor(
            np.random.default_rng(0).normal(size=(2, 8, 8, 1)), "float32"
        )
        labels = ops.convert_to_tensor([0, 2])
        cond = model.denoise(x, 500, labels)
        uncond = model.denoise(x, 500, None)
        guided = model._guided(x, 500, labels, 3.0)
        self.assertAllClose(guided, uncond + 3.0 * (cond - uncond), atol=1e-5)

    def test_training_lowers_the_loss(self):
        model = tiny()
        model.compile(optimizer=keras.optimizers.Adam(2e-3))
        data = np.full((64, 8, 8, 1), 200, "uint8")
        history = model.fit(data, epochs=6, batch_size=16, verbose=0)
        losses = history.history["loss"]
        self.assertLess(losses[-1], 0.5 * losses[0])

    def test_v_prediction_loss_and_round_trip(self):
        scheduler = schedulers.DDPMScheduler(prediction_type="v_prediction")
        model = tiny(scheduler=scheduler)
        x = ops.convert_to_tensor(_images(4) / 127.5 - 1.0, "float32")
        loss = float(model.compute_loss(x))
        # The zero-initialised output layer predicts v = 0 at first: the
        # loss is E[v^2] = alpha_bar + (1 - alpha_bar) E[x_0^2] (about 1).
        self.assertTrue(0.2 < loss < 2.0, loss)
        restored = DiffusionModel.from_config(model.get_config())
        self.assertEqual(restored.scheduler.prediction_type, "v_prediction")
        # The sampling scheduler keeps the prediction type.
        sampler = restored.sampling_scheduler("dpm_solver")
        self.assertEqual(sampler.prediction_type, "v_prediction")

    def test_bad_inputs(self):
        model = tiny()
        for steps in (0, 1001):
            with self.assertRaisesRegex(ValueError, "num_steps"):
                model.generate(num_samples=2, num_steps=steps)
        with self.assertRaisesRegex(ValueError, "guidance_scale needs"):
            model.generate(num_samples=2, guidance_scale=2.0)
        with self.assertRaisesRegex(ValueError, "'ddim'.*received 'ddim2'"):
            model.generate(num_samples=2, scheduler="ddim2")
        with self.assertRaisesRegex(ValueError, "eta"):
            model.generate(num_samples=2, eta=-0.5)
        with self.assertRaisesRegex(ValueError, "eta is DDIM's"):
            model.generate(num_samples=2, eta=0.5, scheduler="ddpm")
        with self.assertRaisesRegex(ValueError, "VP process.*cannot sample"):
            model.generate(num_samples=2, scheduler="annealed_langevin")
        with self.assertRaisesRegex(ValueError, "unconditional"):
            model.generate(np.array([0, 1]))
        conditional = tiny(num_classes=3)
        with self.assertRaisesRegex(ValueError, "inputs"):
            conditional.generate(np.array([0, 3]))
        with self.assertRaisesRegex(ValueError, "needs labels"):
            tiny(num_classes=3, label_dropout=0.0).generate(num_samples=2)
        with self.assertRaisesRegex(ValueError, "labels to guide"):
            conditional.generate(num_samples=2, guidance_scale=2.0)
        with self.assertRaisesRegex(ValueError, "guidance_scale"):
            conditional.generate(np.array([0, 1]), guidance_scale=-1.0)
        with self.assertRaisesRegex(ValueError, "label_dropout needs"):
            tiny(label_dropout=0.1)
        with self.assertRaisesRegex(ValueError, "learned_range"):
            tiny(
                scheduler=schedulers.DDPMScheduler(
                    variance_type="learned_range"
                )
            )
        with self.assertRaisesRegex(ValueError, "labels"):
            conditional.compile()
            conditional.fit(_images(), epochs=1, batch_size=4, verbose=0)


@pytest.mark.parametrize("name", ["ddim", "dpm_solver"])
def test_scheduler_instances_must_have_the_training_schedule(name):
    model = tiny()
    other = schedulers.get_scheduler(name, beta_schedule="squaredcos_cap_v2")
    with pytest.raises(ValueError, match="training schedule"):
        model.generate(num_samples=2, num_steps=3, scheduler=other)
    same = schedulers.get_scheduler(
        name, like=model.scheduler, timestep_spacing="trailing"
    )
    assert model.generate(num_samples=2, num_steps=3, scheduler=same).shape == (
        2,
        8,
        8,
        1,
    )
