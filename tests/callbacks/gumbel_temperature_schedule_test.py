import keras
import numpy as np

from kerasgen.callbacks import GumbelTemperatureSchedule
from kerasgen.quantizers import GumbelQuantizer
from kerasgen.testing import TestCase


def _model():
    inputs = keras.Input((2, 8))
    first = GumbelQuantizer(8, 3, seed=0, name="first")
    # A nested quantizer: found inside a sub-model too.
    inner_inputs = keras.Input((2, 8))
    inner = keras.Model(
        inner_inputs,
        GumbelQuantizer(8, 3, seed=1, name="second")(inner_inputs)["quantized"],
        name="inner",
    )
    outputs = first(inputs)["quantized"] + inner(inputs)
    return keras.Model(inputs, outputs)


class GumbelTemperatureScheduleTest(TestCase):
    def test_exponential_schedule(self):
        schedule = GumbelTemperatureSchedule(1.0, 1 / 16, decay_steps=100)
        self.assertAllClose(schedule.temperature_at(0), 1.0)
        self.assertAllClose(schedule.temperature_at(50), 0.25)
        self.assertAllClose(schedule.temperature_at(100), 1 / 16)
        self.assertAllClose(schedule.temperature_at(10_000), 1 / 16)
        self.assertAllClose(
            schedule.temperature_at(25), (1 / 16) ** 0.25, rtol=1e-6
        )

    def test_fit_anneals_every_quantizer(self):
        model = _model()
        model.compile(optimizer="sgd", loss="mse")
        data = np.random.default_rng(0).normal(size=(8, 2, 8)).astype("f")
        target = np.zeros((8, 2, 3), "float32")
        schedule = GumbelTemperatureSchedule(2.0, 0.5, decay_steps=6)
        quantizers = [
            layer
            for layer in model._flatten_layers()
            if isinstance(layer, GumbelQuantizer)
        ]
        self.assertLen(quantizers, 2)
        history = model.fit(
            data, target, batch_size=2, callbacks=[schedule], verbose=0
        ).history
        # 4 steps: the last batch began after 3 updates.
        expected = 2.0 * 0.25 ** (3 / 6)
        for quantizer in quantizers:
            self.assertAllClose(
                quantizer.current_temperature, expected, rtol=1e-6
            )
        self.assertAllClose(history["gumbel_temperature"], [expected])
        # A second fit continues from the optimizer's step count.
        model.fit(data, target, batch_size=2, callbacks=[schedule], verbose=0)
        for quantizer in quantizers:
            self.assertAllClose(quantizer.current_temperature, 0.5)

    def test_bad_arguments(self):
        for kwargs, name in (
            ({"start": 0.0}, "start"),
            ({"end": -1.0}, "end"),
            ({"decay_steps": 0}, "decay_steps"),
            ({"decay_steps": 2.5}, "decay_steps"),
        ):
            with self.assertRaisesRegex(ValueError, name):
                GumbelTemperatureSchedule(**kwargs)
        inputs = keras.Input((4,))
        model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
        model.compile(optimizer="sgd", loss="mse")
        with self.assertRaisesRegex(ValueError, "GumbelQuantizer"):
            model.fit(
                np.zeros((2, 4)),
                np.zeros((2, 1)),
                callbacks=[GumbelTemperatureSchedule(decay_steps=10)],
                verbose=0,
            )
