import json

import numpy as np
from absl.testing import parameterized
from keras import ops

from kerasgen.networks.causal_transformer import CausalTransformer
from kerasgen.networks.causal_transformer import attention_mask
from kerasgen.testing import TestCase

TINY = dict(num_layers=2, num_heads=2, hidden_dim=8, intermediate_dim=16)
# (attention, pattern sizes) on 12 positions: a 3 x 4 image for local_2d.
PATTERNS = {
    "full": {},
    "local_1d": dict(query_block=3, memory=2),
    "local_2d": dict(block_shape=(2, 2), memory_shape=(1, 1), image_width=4),
}


def tiny(attention="full", position_embedding="learned", **kwargs):
    arguments = dict(
        vocabulary_size=11,
        sequence_length=12,
        attention=attention,
        position_embedding=position_embedding,
        **TINY,
    )
    arguments.update(PATTERNS[attention])
    arguments.update(kwargs)
    return CausalTransformer(**arguments)


def reference_mask(
    length,
    attention,
    prefix_length=0,
    query_block=1,
    memory=0,
    block_shape=(1, 1),
    memory_shape=(0, 0),
    image_width=1,
):
    """Brute force: enumerate each query's allowed keys (Parmar et al.)."""
    mask = np.zeros((length, length), bool)
    for q in range(length):
        allowed = set(range(min(q + 1, prefix_length)))
        if q < prefix_length or attention == "full":
            allowed |= set(range(q + 1))
        elif attention == "local_1d":
            r = q - prefix_length
            start = (r // query_block) * query_block
            # The query's block up to itself, and `memory` positions before.
            allowed |= {
                prefix_length + k for k in range(max(start - memory, 0), r + 1)
            }
        else:
            r = q - prefix_length
            i, j = divmod(r, image_width)
            rows, columns = block_shape
            top, left = (i // rows) * rows, (j // columns) * columns
            for row in range(top - memory_shape[0], top + rows):
                for column in range(
                    left - memory_shape[1], left + columns + memory_shape[1]
                ):
                    if row < 0 or not 0 <= column < image_width:
                        continue
                    k = row * image_width + column
                    if k <= r:  # raster-order causality
                        allowed.add(prefix_length + k)
        mask[q, sorted(allowed)] = True
    return mask


class CausalTransformerTest(TestCase):
    def test_shapes_and_config(self):
        net = tiny()
        ids = np.random.default_rng(0).integers(0, 11, (3, 12)).astype("int32")
        self.assertEqual(tuple(net(ids).shape), (3, 12, 11))
        self.assertEqual(tuple(net(ids[:, :5]).shape), (3, 5, 11))
        hidden = net.call_embeddings(net.embed(ids))
        self.assertEqual(tuple(hidden.shape), (3, 12, 8))
        self.assertAllClose(net.logits(hidden), net(ids), atol=1e-6)
        config = json.loads(json.dumps(net.get_config()))
        restored = CausalTransformer.from_config(config)
        self.assertEqual(json.loads(json.dumps(restored.get_config())), config)
        restored.set_weights(net.get_weights())
        self.assertAllClose(restored(ids), net(ids))
        # A cache of (keys, values) pairs per layer steps as the stacked one.
        stacked, pairs = net.init_cache(3), net.init_cache(3, stacked=False)
        for t in range(3):
            a, _, stacked = net.call_with_cache(ids[:, t : t + 1], stacked, t)
            b, pairs = net.call_embeddings(
                net.embed(ids[:, t : t + 1]), pairs, t
            )
            self.assertAllClose(net.logits(b), a)
        self.assertAllClose(pairs[1][0], stacked[:, 1, 0])
        # Untied logits have their own matrix.
        untied = tiny(tie_weights=False)
        self.assertEqual(len(untied.weights), len(net.weights) + 1)

    @parameterized.product(
        attention=["full", "local_1d", "local_2d"],
        position_embedding=["learned", "rotary"],
        qk_norm=[False, True],
    )
    def test_causal_and_cached(self, attention, position_embedding, qk_norm):
        net = tiny(attention, position_embedding, qk_norm=qk_norm)
        rng = np.random.default_rng(1)
        ids = rng.integers(0, 11, (2, 12)).astype("int32")
        full = ops.convert_to_numpy(net(ids))
        # Logits at t do not change when the tokens after t do (each one
        # replaced by a different token).
        t = 4
        changed = ids.copy()
        changed[:, t + 1 :] = (
            ids[:, t + 1 :] + rng.integers(1, 11, (2, 11 - t))
        ) % 11
        out = ops.convert_to_numpy(net(changed))
        np.testing.assert_allclose(
            out[:, : t + 1], full[:, : t + 1], rtol=1e-5, atol=1e-6
        )
        self.assertFalse(np.array_equal(out[:, t + 1 :], full[:, t + 1 :]))
        # A shorter sequence gives the first positions' logits.
        np.testing.assert_allclose(
            ops.convert_to_numpy(net(ids[:, :7])),
            full[:, :7],
            rtol=1e-5,
            atol=1e-6,
        )
        # One cached step at a time == the full pass.
        cache = net.init_cache(2)
        steps = []
        for t in range(12):
            logits, hidden, cache = net.call_with_cache(
                ids[:, t : t + 1], cache, t
            )
            self.assertEqual(tuple(hidden.shape), (2, 1, 8))
            steps.append(ops.convert_to_numpy(logits)[:, 0])
        np.testing.assert_allclose(
            np.stack(steps, axis=1), full, rtol=1e-4, atol=1e-5
        )

    @parameterized.named_parameters(
        ("full", "full", {}),
        ("local_1d", "local_1d", dict(query_block=4, memory=3)),
        (
            "local_1d_prefix",
            "local_1d",
            dict(query_block=3, memory=2, prefix_length=2),
        ),
        (
            "local_2d",
            "local_2d",
            dict(block_shape=(2, 3), memory_shape=(1, 2), image_width=7),
        ),
        (
            "local_2d_prefix",
            "local_2d",
            dict(
                block_shape=(3, 2),
                memory_shape=(2, 1),
                image_width=5,
                prefix_length=3,
            ),
        ),
    )
    def test_masks_equal_brute_force(self, attention, sizes):
        length = 38
        positions = np.arange(length)
        got = ops.convert_to_numpy(
            attention_mask(positions, positions, attention, **sizes)
        )
        np.testing.assert_array_equal(
            got, reference_mask(length, attention, **sizes)
        )
        # One query row (the cached step's) equals that row of the mask.
        row = ops.convert_to_numpy(
            attention_mask(np.array([29]), positions, attention, **sizes)
        )
        np.testing.assert_array_equal(row[0], got[29])

    @parameterized.named_parameters(
        ("local_1d_prefix", "local_1d", dict(prefix_length=3)),
        ("local_2d_prefix", "local_2d", dict(prefix_length=2)),
    )
    def test_blocked_attention_equals_the_mask(self, attention, sizes):
        # The full pass of a local pattern runs block by block on the keys
        # each query block needs; it equals the masked full attention
        # (without a prefix, `test_causal_and_cached` compares it with the
        # masked cached steps).
        net = tiny(attention, "rotary", **sizes)
        ids = np.random.default_rng(2).integers(0, 11, (2, 12))

        def logits():
            hidden = net.call_embeddings(net.embed(ids.astype("int32")))
            return ops.convert_to_numpy(net.logits(hidden))

        blocked = logits()
        np.testing.assert_allclose(
            ops.convert_to_numpy(net(ids.astype("int32"))), blocked
        )
        net._blocked = False
        for layer in net.transformer_layers:
            layer.attention.blocks = None
        np.testing.assert_allclose(blocked, logits(), rtol=1e-5, atol=1e-6)

    def test_local_masks_are_local(self):
        # Parmar et al. figure 2: a 2D query block sees the rectangle above.
        mask = ops.convert_to_numpy(
            attention_mask(
                np.arange(64),
                np.arange(64),
                "local_2d",
                block_shape=(2, 2),
                memory_shape=(1, 1),
                image_width=8,
            )
        )
        query = 4 * 8 + 5  # row 4, column 5: block rows 4-5, columns 4-5
        seen = {divmod(int(k), 8) for k in np.flatnonzero(mask[query])}
        expected = {(3, c) for c in range(3, 7)} | {(4, c) for c in range(3, 6)}
        self.assertEqual(seen, expected)

    def test_qk_norm_normalizes_queries_and_keys(self):
        # Scaling the query and key projections changes attention logits,
        # unless the queries and keys are layer-normalized.
        ids = np.random.default_rng(0).integers(0, 11, (2, 12)).astype("int32")
        for qk_norm in (False, True):
            net = tiny("full", qk_norm=qk_norm)

            def scale(factor):
                for layer in net.transformer_layers:
                    attention = layer.attention
                    for dense in (attention._query_dense, attention._key_dense):
                        for weight in dense.weights:
                            weight.assign(weight * factor)
                return ops.convert_to_numpy(net(ids))

            # Large enough that the norm's epsilon does not matter.
            before = scale(100.0)
            after = scale(3.0)
            same = np.allclose(before, after, rtol=1e-3, atol=1e-4)
            self.assertEqual(same, qk_norm, f"qk_norm={qk_norm}")
        names = [w.path for w in net.weights]
        self.assertTrue(any("query_norm" in n for n in names), names)

    def test_keras_hub_sampler_drives_it(self):
        import keras_hub

        net = tiny("local_1d", "rotary")
        prompt = np.array([[3, 5, 1, 0, 0, 0, 0]] * 2, "int32")
        prompt[1, 1] = 7

        def next_token(prompt, cache, index):
            logits, hidden, cache = net.call_with_cache(
                ops.slice(prompt, (0, index - 1), (2, 1)), cache, index - 1
            )
            return logits[:, 0], hidden[:, 0], cache

        # keras-hub's `_build_cache` seeds the cache with the prompt but
        # its last token, which the sampler's first `next` feeds.
        _, cache = net._build_cache(prompt[:, :2])
        sampled = ops.convert_to_numpy(
            keras_hub.samplers.GreedySampler()(
                next_token, prompt, cache=cache, index=3
            )
        )
        # The same greedy continuation from full passes.
        expected = prompt.copy()
        for t in range(3, 7):
            logits = ops.convert_to_numpy(net(expected))
            expected[:, t] = logits[:, t - 1].argmax(-1)
        np.testing.assert_array_equal(sampled, expected)

    def test_bad_arguments(self):
        with self.assertRaisesRegex(ValueError, "num_heads"):
            tiny(hidden_dim=6, num_heads=4)
        with self.assertRaisesRegex(ValueError, "rotary"):
            tiny(position_embedding="rotary", hidden_dim=6, num_heads=2)
        with self.assertRaisesRegex(ValueError, "attention"):
            CausalTransformer(11, 12, attention="sparse", **TINY)
        with self.assertRaisesRegex(ValueError, "image_width"):
            CausalTransformer(11, 12, attention="local_2d", **TINY)
        with self.assertRaisesRegex(ValueError, "memory_shape"):
            tiny("local_2d", memory_shape=(1, -1))
        with self.assertRaisesRegex(ValueError, "prefix_length"):
            tiny(prefix_length=13)
        with self.assertRaisesRegex(ValueError, "position_embedding"):
            tiny(position_embedding="sinusoidal")
        with self.assertRaisesRegex(ValueError, "dropout"):
            tiny(dropout=1.0)

    def test_dropout_only_in_training(self):
        net = tiny(dropout=0.5)
        ids = np.zeros((2, 12), "int32")
        self.assertAllClose(net(ids), net(ids))
        self.assertFalse(
            np.allclose(
                ops.convert_to_numpy(net(ids, training=True)),
                ops.convert_to_numpy(net(ids)),
            )
        )
