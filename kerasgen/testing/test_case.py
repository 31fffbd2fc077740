"""`TestCase` with the one-call contract tests every kerasgen piece passes.

A model test is a `setUp` with tiny sizes plus calls to these helpers
(ARCHITECTURE.md section 5).
"""

import fnmatch
import json
import os
import tempfile

import keras
import numpy as np
from absl.testing import parameterized
from keras import ops


class TestCase(parameterized.TestCase):
    """Base test case of kerasgen (an absl `parameterized.TestCase`)."""

    def setUp(self):
        super().setUp()
        keras.config.set_dtype_policy("float32")
        keras.utils.clear_session()

    def assertAllClose(self, actual, desired, rtol=1e-6, atol=1e-6, msg=""):
        np.testing.assert_allclose(
            ops.convert_to_numpy(actual),
            ops.convert_to_numpy(desired),
            rtol=rtol,
            atol=atol,
            err_msg=msg,
        )

    def get_temp_dir(self):
        directory = tempfile.mkdtemp()
        self.addCleanup(lambda: _rmtree(directory))
        return directory

    # ------------------------------------------------------------------
    # Layers and networks
    # ------------------------------------------------------------------
    def run_layer_test(
        self,
        cls,
        init_kwargs,
        input_data,
        expected_output_shape,
        run_training=True,
        run_mixed_precision=True,
    ):
        """Config round trip, symbolic and eager call, a training step, dtypes.

        Args:
            cls: a `keras.layers.Layer` (or network `keras.Model`) class.
            init_kwargs: dict of constructor arguments.
            input_data: a NumPy array (or tuple of arrays) to call it on.
            expected_output_shape: tuple, shape of the eager output.
            run_training: bool. Fit one compiled step on an MSE to zeros and
                check every trainable weight changes.
            run_mixed_precision: bool. Call under `mixed_bfloat16` and check
                the output is bfloat16 while the weights stay float32.
        """
        layer = cls(**init_kwargs)
        config = layer.get_config()
        restored = cls.from_config(json.loads(json.dumps(config)))
        self.assertEqual(
            json.loads(json.dumps(restored.get_config())),
            json.loads(json.dumps(config)),
        )
        output = layer(input_data)
        self.assertEqual(tuple(output.shape), tuple(expected_output_shape))
        self.assertTrue(np.all(np.isfinite(ops.convert_to_numpy(output))))
        symbolic_inputs = keras.tree.map_structure(
            lambda x: keras.KerasTensor(x.shape, dtype=x.dtype), input_data
        )
        symbolic = layer.compute_output_spec(symbolic_inputs)
        self.assertEqual(tuple(symbolic.shape[1:]), tuple(output.shape[1:]))

        if run_training and layer.trainable_weights:
            if isinstance(input_data, dict):
                inputs = {
                    key: keras.Input(x.shape[1:], dtype=x.dtype, name=key)
                    for key, x in input_data.items()
                }
            else:
                inputs = keras.tree.map_structure(
                    lambda x: keras.Input(x.shape[1:], dtype=x.dtype),
                    input_data,
                )
            model = keras.Model(inputs, layer(inputs))
            model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
            before = [w.numpy().copy() for w in layer.trainable_weights]
            target = np.ones(tuple(expected_output_shape), "float32")
            logs = model.fit(
                input_data, target, batch_size=len(target), verbose=0
            ).history
            self.assertTrue(np.isfinite(logs["loss"][0]))
            after = [w.numpy() for w in layer.trainable_weights]
            frozen = [
                w.path
                for w, b, a in zip(layer.trainable_weights, before, after)
                if np.allclose(b, a)
            ]
            self.assertFalse(frozen, f"weights that did not train: {frozen}")

        if run_mixed_precision:
            mixed = cls(**dict(init_kwargs, dtype="mixed_bfloat16"))
            output = mixed(input_data)
            self.assertEqual(
                keras.backend.standardize_dtype(output.dtype), "bfloat16"
            )
            for weight in mixed.weights:
                if weight.dtype.startswith("float"):
                    self.assertEqual(weight.dtype, "float32")

    # ------------------------------------------------------------------
    # Quantizers
    # ------------------------------------------------------------------
    def run_quantizer_test(self, quantizer, latents, atol=1e-5):
        """The quantizer contract (ARCHITECTURE.md sections 2 and 5).

        Output keys, shapes and dtypes; ids int32 in `[0, codebook_size)`;
        per-example loss `(batch,)`; perplexity in `[1, codebook_size]` and
        usage in `(0, 1]`; `indices_to_codes(indices) == quantized` at
        inference; the gradient of a loss on `quantized` (training call)
        w.r.t. the latents is non-zero and finite; config round trip
        through JSON; a tiny functional model holding the quantizer saved
        as `.keras` and loaded with `safe_mode=True` gives the same outputs
        and every weight (trainable or not, e.g. EMA statistics) the same
        value; a wrong last dimension and out-of-range ids raise
        `ValueError`.

        Args:
            quantizer: a quantizer instance (it is trained by one call).
            latents: float NumPy array `(batch, ..., input_dim)`; the
                last dimension is what the quantizer takes (`codebook_dim`,
                or `codebook_size` logits for a `GumbelQuantizer`).
            atol: float. Tolerance of the codes comparison.

        Returns:
            The outputs of the inference call on `latents`.
        """
        import tensorflow as tf

        latents = np.asarray(latents, "float32")
        batch = latents.shape[0]
        codebook_size = quantizer.codebook_size

        # A training call: straight-through gradient w.r.t. the latents.
        latents_variable = tf.Variable(latents)
        weights = np.random.default_rng(0).normal(
            size=latents.shape[:-1] + (quantizer.codebook_dim,)
        )
        with tf.GradientTape() as tape:
            outputs = quantizer(latents_variable, training=True)
            objective = ops.sum(
                ops.cast(outputs["quantized"], "float32")
                * ops.convert_to_tensor(weights, "float32")
            )
        gradient = ops.convert_to_numpy(
            tape.gradient(objective, latents_variable)
        )
        self.assertTrue(np.all(np.isfinite(gradient)), "non-finite gradient")
        self.assertGreater(np.abs(gradient).max(), 0.0, "zero gradient")

        # An inference call: keys, shapes, dtypes, ranges, codes.
        outputs = quantizer(latents, training=False)
        self.assertEqual(
            set(outputs),
            {"quantized", "indices", "loss", "perplexity", "usage"},
        )
        quantized = ops.convert_to_numpy(outputs["quantized"])
        indices = ops.convert_to_numpy(outputs["indices"])
        loss = ops.convert_to_numpy(outputs["loss"])
        self.assertEqual(
            quantized.shape, latents.shape[:-1] + (quantizer.codebook_dim,)
        )
        self.assertEqual(indices.shape[: latents.ndim - 1], latents.shape[:-1])
        self.assertEqual(indices.dtype, np.int32)
        self.assertGreaterEqual(indices.min(), 0)
        self.assertLess(indices.max(), codebook_size)
        self.assertEqual(loss.shape, (batch,))
        self.assertTrue(np.all(np.isfinite(loss)))
        self.assertTrue(np.all(np.isfinite(quantized)))
        perplexity = float(outputs["perplexity"])
        usage = float(outputs["usage"])
        self.assertBetween(perplexity, 1.0 - 1e-4, codebook_size + 1e-3)
        self.assertBetween(usage, 1e-9, 1.0)
        self.assertAllClose(
            quantizer.indices_to_codes(outputs["indices"]),
            quantized,
            atol=atol,
            rtol=atol,
            msg="indices_to_codes(indices) != quantized",
        )

        # Bad inputs.
        wrong = np.concatenate([latents, latents[..., :1]], axis=-1)
        with self.assertRaisesRegex(ValueError, "latents"):
            quantizer(wrong)
        for bad in (-1, codebook_size):
            with self.assertRaisesRegex(ValueError, "indices"):
                quantizer.indices_to_codes(np.full_like(indices, bad))

        # Config round trip through JSON.
        cls = type(quantizer)
        config = json.loads(json.dumps(quantizer.get_config()))
        restored = cls.from_config(config)
        self.assertEqual(json.loads(json.dumps(restored.get_config())), config)

        # .keras round trip of a tiny functional model: same outputs, same
        # weights (EMA statistics and other non-trainable state included).
        inputs = keras.Input(latents.shape[1:])
        model_outputs = quantizer(inputs)
        model = keras.Model(
            inputs,
            {
                key: model_outputs[key]
                for key in ("quantized", "indices", "loss")
            },
        )
        path = os.path.join(self.get_temp_dir(), "quantizer.keras")
        model.save(path)
        loaded = keras.saving.load_model(path, safe_mode=True)
        expected = model(latents)
        reloaded = loaded(latents)
        for key in expected:
            self.assertAllClose(reloaded[key], expected[key], msg=key)
        self.assertEqual(len(loaded.weights), len(model.weights))
        for original, copy in zip(model.weights, loaded.weights):
            self.assertAllClose(copy, original, msg=original.path)
        return outputs

    # ------------------------------------------------------------------
    # Generative models
    # ------------------------------------------------------------------
    def run_generative_model_test(
        self,
        cls,
        init_kwargs,
        train_data,
        expected_output_shape,
        compile_kwargs=None,
        generate_kwargs=None,
        num_samples=4,
        predict_data=None,
    ):
        """The contract of every `GenerativeModel` (ARCHITECTURE.md 5).

        Config round trip; `predict` shape; `fit` 2 steps with finite logs and
        every sub-network's weights changed; `generate` shape, uint8 and
        seeding; the compiled generate function equals eager `generate_step`
        (same seed, same uint8) and is traced once per batch size; `.keras`
        save/load with `safe_mode=True` (predict, generate,
        optimizer state, RNG state); preset save/load.

        Args:
            cls: the model class.
            init_kwargs: dict of tiny constructor arguments.
            train_data: uint8 images (or `(images, labels)`) with an even
                number of examples; fit runs 2 steps of half of them.
            expected_output_shape: shape of `predict(predict_data)`.
            compile_kwargs: dict for `compile`. Defaults to `{}`: the
                model's `default_optimizers()`. Every optimizer of the
                model (`optimizer`, or e.g. a GAN's
                `generator_optimizer` and `discriminator_optimizer`) must
                take exactly 2 steps in the 2-step fit.
            generate_kwargs: dict of extra `generate` arguments.
            num_samples: int. Images to generate. Defaults to 4.
            predict_data: input of `predict` (for example latents of a
                GAN). Defaults to `train_data`.
        """
        if compile_kwargs is None:
            compile_kwargs = {}
        generate_kwargs = generate_kwargs or {}
        if predict_data is None:
            predict_data = train_data
        model = cls(**init_kwargs)

        # Config round trip.
        config = json.loads(json.dumps(model.get_config()))
        restored = cls.from_config(config)
        self.assertEqual(json.loads(json.dumps(restored.get_config())), config)

        # predict.
        output = model.predict(predict_data, verbose=0)
        self.assertEqual(tuple(np.shape(output)), tuple(expected_output_shape))

        # fit two steps: finite logs, every sub-network trained.
        model.compile(**compile_kwargs)
        sub_networks = [
            layer for layer in model.layers if layer.trainable_weights
        ]
        self.assertTrue(sub_networks, "the model has no trainable network")
        before = {
            net.name: [w.numpy().copy() for w in net.trainable_weights]
            for net in sub_networks
        }
        num_examples = len(keras.tree.flatten(train_data)[0])
        history = model.fit(
            train_data,
            batch_size=num_examples // 2,
            epochs=1,
            shuffle=False,
            verbose=0,
        ).history
        for key, values in history.items():
            self.assertTrue(np.all(np.isfinite(values)), f"{key}: {values}")
        for net in sub_networks:
            after = [w.numpy() for w in net.trainable_weights]
            self.assertTrue(
                any(
                    not np.allclose(b, a)
                    for b, a in zip(before[net.name], after)
                ),
                f"sub-network {net.name} did not train",
            )
        optimizers = model_optimizers(model)
        self.assertTrue(optimizers, "compile created no optimizer")
        for name, optimizer in optimizers.items():
            self.assertEqual(int(optimizer.iterations.numpy()), 2, name)

        # generate: shape, dtype, seeding.
        images = model.generate(
            num_samples=num_samples, seed=0, **generate_kwargs
        )
        self.assertEqual(images.dtype, np.uint8)
        self.assertEqual(
            images.shape, (num_samples,) + tuple(model.image_shape)
        )
        same = model.generate(
            num_samples=num_samples, seed=0, **generate_kwargs
        )
        other = model.generate(
            num_samples=num_samples, seed=1, **generate_kwargs
        )
        np.testing.assert_array_equal(images, same)
        self.assertFalse(np.array_equal(images, other))

        # Compiled == eager, traced once per batch size.
        traces = model.generate_trace_count
        self.assertGreaterEqual(traces, 1, "generate() was not compiled")
        model.generate(num_samples=num_samples, seed=2, **generate_kwargs)
        self.assertEqual(
            model.generate_trace_count, traces, "generate() traced again"
        )
        eager = model.generate(
            num_samples=num_samples, seed=0, compiled=False, **generate_kwargs
        )
        reference = images
        if model.generate_jit_compile and keras.backend.backend() == (
            "tensorflow"
        ):
            # TensorFlow's XLA kernels draw other random streams than its
            # CPU kernels for the same seed: compare eager with the compiled
            # function without XLA (same trace, same ops).
            model.generate_jit_compile = False
            reference = model.generate(
                num_samples=num_samples, seed=0, **generate_kwargs
            )
            model.generate_jit_compile = True
        np.testing.assert_array_equal(eager, reference)

        # .keras round trip (safe mode): predict, generate, optimizer, RNG.
        path = os.path.join(self.get_temp_dir(), "model.keras")
        model.save(path)
        loaded = keras.saving.load_model(path, safe_mode=True)
        self.assertIsInstance(loaded, cls)
        np.testing.assert_allclose(
            loaded.predict(predict_data, verbose=0),
            model.predict(predict_data, verbose=0),
            rtol=1e-5,
            atol=1e-6,
        )
        np.testing.assert_array_equal(
            loaded.generate(num_samples=num_samples, seed=0, **generate_kwargs),
            images,
        )
        loaded_optimizers = model_optimizers(loaded)
        self.assertEqual(sorted(loaded_optimizers), sorted(optimizers))
        for name, optimizer in optimizers.items():
            reloaded_variables = loaded_optimizers[name].variables
            self.assertEqual(
                len(reloaded_variables), len(optimizer.variables), name
            )
            for original, reloaded in zip(
                optimizer.variables, reloaded_variables
            ):
                np.testing.assert_allclose(
                    ops.convert_to_numpy(reloaded),
                    ops.convert_to_numpy(original),
                    err_msg=f"{name} {original.path}",
                )
        np.testing.assert_array_equal(
            ops.convert_to_numpy(loaded.seed_generator.state),
            ops.convert_to_numpy(model.seed_generator.state),
        )

        # Preset round trip.
        preset_dir = os.path.join(self.get_temp_dir(), "preset")
        model.save_to_preset(preset_dir)
        from_preset = cls.from_preset(preset_dir)
        np.testing.assert_array_equal(
            from_preset.generate(
                num_samples=num_samples, seed=0, **generate_kwargs
            ),
            images,
        )
        self.assertTrue(from_preset.compiled, "from_preset is not compiled")
        return model

    # ------------------------------------------------------------------
    # Presets
    # ------------------------------------------------------------------
    def run_preset_test(
        self, cls, preset, input_data=None, expected_metrics=(), max_mb=20
    ):
        """The contract of a preset (keras-hub's `run_preset_test`).

        Loads `preset` with `cls.from_preset` and checks: the class and
        `cls.presets` listing; the metadata (sha256, every metric with the
        command that measures it, the listed metrics present); the model
        card's generated metrics table; the folder under `max_mb`; a flipped
        byte in a copy of the weights fails the load naming both hashes;
        `generate` (generative models) is uint8 of the model's image shape
        and seeded; `predict(input_data)` is finite. Returns the model.

        Args:
            cls: the class the preset must hold (or a base of it).
            preset: str. Bundled name or folder.
            input_data: NumPy input of `predict`, or `None` to skip it.
            expected_metrics: names that `metadata["metrics"]` must hold.
            max_mb: float. Size limit of the preset folder. Defaults to 20.
        """
        import shutil

        from kerasgen.utils import preset_utils

        preset_dir = preset_utils.resolve_preset(preset)
        metadata = preset_utils.verify_weights(preset_dir)
        size = sum(
            os.path.getsize(os.path.join(root, name))
            for root, _, names in os.walk(preset_dir)
            for name in names
        )
        self.assertLess(size, max_mb * 2**20, f"{preset}: {size} bytes")
        metrics = metadata.get("metrics", {})
        commands = metadata.get("metric_commands", {})
        from kerasgen import evaluation

        for name in expected_metrics:
            # A measurement's keys (`evaluate` gives `evaluate_*`).
            for key in evaluation.get_measurement(name).keys:
                self.assertTrue(
                    fnmatch.filter(metrics, key),
                    f"{preset}: metric {key} of {name} missing",
                )
        for name, value in metrics.items():
            if isinstance(value, float):  # measured (ints, str: descriptive)
                self.assertIn(
                    name, commands, f"{preset}: {name} has no command"
                )
        card_path = os.path.join(preset_dir, "README.md")
        if os.path.isfile(card_path) and metrics:
            with open(card_path) as f:
                card = f.read()
            self.assertIn("<!-- metrics:begin -->", card)

        model = cls.from_preset(preset)
        self.assertIsInstance(model, cls)
        if os.path.dirname(os.path.abspath(preset_dir)) == os.path.abspath(
            preset_utils.bundles_dir()
        ):
            self.assertIn(os.path.basename(preset_dir), cls.presets)

        # A flipped byte fails the load, naming both hashes.
        copy = os.path.join(self.get_temp_dir(), "preset")
        shutil.copytree(preset_dir, copy)
        weights = os.path.join(copy, preset_utils.WEIGHTS_FILE)
        with open(weights, "rb") as f:
            data = bytearray(f.read())
        data[len(data) // 2] ^= 0x01
        with open(weights, "wb") as f:
            f.write(bytes(data))
        with self.assertRaisesRegex(ValueError, metadata["weights_sha256"]):
            cls.from_preset(copy)

        num_classes = getattr(model, "num_classes", None)
        labels = None
        if num_classes is not None:
            labels = np.arange(4, dtype="int32") % int(num_classes)
        if callable(getattr(model, "generate", None)):
            images = model.generate(labels, num_samples=4, seed=0)
            self.assertEqual(images.dtype, np.uint8)
            self.assertEqual(images.shape, (4,) + tuple(model.image_shape))
            np.testing.assert_array_equal(
                images, model.generate(labels, num_samples=4, seed=0)
            )
        if input_data is not None:
            if num_classes is not None and isinstance(input_data, np.ndarray):
                # A class-conditional model predicts from images and labels.
                input_data = {
                    "images": input_data,
                    "labels": np.arange(len(input_data), dtype="int32")
                    % int(num_classes),
                }
            output = model.predict(input_data, verbose=0)
            for value in keras.tree.flatten(output):
                self.assertTrue(np.all(np.isfinite(value)))
        return model

    # ------------------------------------------------------------------
    # Autoregressive networks
    # ------------------------------------------------------------------
    def assert_sampling_is_consistent(self, model, inputs=None):
        """Cached and uncached `generate` agree (same seed), and `log_prob`
        of the sampled images is the sum of the log-probabilities of the
        choices made while sampling them (rtol 1e-4)."""
        kwargs = dict(seed=1, return_log_prob=True)
        if inputs is None:
            kwargs["num_samples"] = 3
        cached = model.generate(inputs, **kwargs)
        uncached = model.generate(inputs, cache=False, **kwargs)
        np.testing.assert_array_equal(cached["images"], uncached["images"])
        np.testing.assert_allclose(
            model.log_prob(cached["images"], inputs),
            cached["log_prob"],
            rtol=1e-4,
        )
        np.testing.assert_allclose(
            cached["log_prob"], uncached["log_prob"], rtol=1e-5
        )

    def run_causality_test(
        self, network, sequential_channels=True, no_blind_spot=True, seed=0
    ):
        """Pixel `i`'s parameters see exactly the pixels before `i`.

        For every pixel `i` (raster order) and channel group `c`: the
        gradient of the group's parameters with respect to every input
        pixel `j > i`, and to channels `>= c` of pixel `i` (sequential
        channels; all channels of pixel `i` otherwise), is exactly zero.
        With `no_blind_spot`, the gradient with respect to every earlier
        pixel (and to channels `< c` of pixel `i`) is non-zero at this
        random initialisation. Also checks that `step` (the cached pass)
        returns the full network's parameters on a random canvas.

        Args:
            network: an `AutoregressiveNetwork` (small image, e.g. 5x5).
            sequential_channels: bool. The output is split into `channels`
                groups, group `c` seeing channels `< c` of its own pixel.
            no_blind_spot: bool. Also require the non-zero gradients.
            seed: int. Seed of the random input.
        """
        import tensorflow as tf

        height, width, channels = network.image_shape
        rng = np.random.default_rng(seed)
        images = rng.uniform(-1, 1, (1, height, width, channels))
        images = tf.constant(images.astype("float32"))
        labels = None
        if network.num_classes is not None:
            labels = tf.constant([1], "int32")
        groups = channels if sequential_channels else 1
        size = network.output_dim // groups
        weights = tf.constant(
            rng.normal(size=(network.output_dim,)).astype("float32")
        )
        order = np.arange(height * width).reshape(height, width)
        for index in range(height * width):
            i, j = divmod(index, width)
            for group in range(groups):
                with tf.GradientTape() as tape:
                    tape.watch(images)
                    params = network(network.network_inputs(images, labels))
                    chosen = params[0, i, j, group * size : (group + 1) * size]
                    value = tf.reduce_sum(
                        chosen * weights[group * size : (group + 1) * size]
                    )
                gradient = np.abs(tape.gradient(value, images).numpy()[0])
                later = gradient[order > index]
                own = gradient[i, j]
                visible = group if sequential_channels else 0
                where = f"pixel {index} (row {i}, column {j}), group {group}"
                self.assertEqual(
                    float(later.sum()), 0.0, f"{where} sees a later pixel"
                )
                self.assertEqual(
                    float(own[visible:].sum()),
                    0.0,
                    f"{where} sees its own channel(s) >= {visible}",
                )
                if no_blind_spot:
                    earlier = gradient[order < index].sum(axis=-1)
                    self.assertTrue(
                        np.all(earlier > 0),
                        f"{where} is blind to "
                        f"{int(np.sum(earlier == 0))} earlier pixel(s)",
                    )
                    self.assertTrue(
                        np.all(own[:visible] > 0),
                        f"{where} is blind to its own earlier channels",
                    )
        # The cached step equals the full network.
        full = ops.convert_to_numpy(
            network(network.network_inputs(images, labels))
        )
        cache = network.init_cache(1, labels)
        for index in range(height * width):
            params, cache = network.step(cache, images, index, labels)
            i, j = divmod(index, width)
            np.testing.assert_allclose(
                ops.convert_to_numpy(params)[0],
                full[0, i, j],
                rtol=1e-4,
                atol=1e-5,
                err_msg=f"cached step at pixel {index}",
            )

    # ------------------------------------------------------------------
    # Distribution
    # ------------------------------------------------------------------
    def run_distribution_test(
        self,
        model_fn,
        train_data,
        compile_fn=None,
        noise_fn=None,
        rtol=1e-5,
        atol=1e-6,
    ):
        """One step under `MirroredStrategy` (2 CPUs) equals one device.

        Compares the logs and every weight after one `fit` step at the same
        global batch, and checks that the two replicas draw different noise.

        Args:
            model_fn: callable returning a new model with a fixed seed.
            train_data: NumPy training data; the whole of it is one batch.
            compile_fn: callable `(model) -> None` that compiles. Defaults to
                SGD(0.1).
            noise_fn: callable `(model) -> tensor` drawing the model's
                training noise inside a replica. Defaults to
                `replica_normal((2, 4), model.seed_generator)`.
        """
        import tensorflow as tf

        from kerasgen.utils import distribution_utils

        devices = tf.config.list_logical_devices("CPU")
        self.assertGreaterEqual(
            len(devices), 2, "tests/conftest.py must create 2 logical CPUs"
        )
        compile_fn = compile_fn or (
            lambda m: m.compile(optimizer=keras.optimizers.SGD(0.1))
        )
        noise_fn = noise_fn or (
            lambda m: distribution_utils.replica_normal(
                (2, 4), m.seed_generator
            )
        )
        batch_size = len(keras.tree.flatten(train_data)[0])

        single = model_fn()
        weights = [w.numpy() for w in single.weights]
        compile_fn(single)
        single_logs = single.fit(
            train_data, batch_size=batch_size, shuffle=False, verbose=0
        ).history

        strategy = _mirrored_strategy(tuple(d.name for d in devices[:2]))
        with strategy.scope():
            mirrored = model_fn()
            for variable, value in zip(mirrored.weights, weights):
                variable.assign(value)
            compile_fn(mirrored)
        mirrored_logs = mirrored.fit(
            train_data, batch_size=batch_size, shuffle=False, verbose=0
        ).history

        self.assertEqual(sorted(single_logs), sorted(mirrored_logs))
        for key in single_logs:
            np.testing.assert_allclose(
                mirrored_logs[key],
                single_logs[key],
                rtol=rtol,
                atol=atol,
                err_msg=f"log {key}",
            )
        for a, b in zip(single.weights, mirrored.weights):
            np.testing.assert_allclose(
                ops.convert_to_numpy(b.value),
                ops.convert_to_numpy(a.value),
                rtol=rtol,
                atol=atol,
                err_msg=f"weight {a.path}",
            )

        with strategy.scope():
            per_replica = strategy.run(tf.function(lambda: noise_fn(mirrored)))
        values = [
            ops.convert_to_numpy(v)
            for v in strategy.experimental_local_results(per_replica)
        ]
        self.assertEqual(len(values), 2)
        self.assertFalse(
            np.allclose(values[0], values[1]),
            "both replicas drew the same noise",
        )
        return single, mirrored


def _mirrored_strategy(devices):
    """The process's one `MirroredStrategy` on `devices` (see
    `distribution_utils.mirrored_strategy`)."""
    from kerasgen.utils import distribution_utils

    return distribution_utils.mirrored_strategy(tuple(devices))


def model_optimizers(model):
    """`{attribute name: optimizer}` of every optimizer a model holds."""
    return {
        name: value
        for name, value in sorted(vars(model).items())
        if isinstance(value, keras.optimizers.Optimizer)
    }


def _rmtree(path):
    import shutil

    shutil.rmtree(path, ignore_errors=True)
