"""extend_vocabulary: Liquid-style new ids for keras-hub causal LMs."""

import keras
import keras_hub
import numpy as np
from absl.testing import parameterized

from kerasgen.models.token_transformer.vocabulary_extension import (
    extend_vocabulary,
)
from kerasgen.testing import TestCase

VOCABULARY = 40


def _gpt2():
    return keras_hub.models.GPT2CausalLM(
        keras_hub.models.GPT2Backbone(
            vocabulary_size=VOCABULARY,
            num_layers=2,
            num_heads=2,
            hidden_dim=16,
            intermediate_dim=32,
            dropout=0.0,
            max_sequence_length=16,
        )
    )


def _gemma():
    return keras_hub.models.GemmaCausalLM(
        keras_hub.models.GemmaBackbone(
            vocabulary_size=VOCABULARY,
            num_layers=2,
            num_query_heads=2,
            num_key_value_heads=1,
            hidden_dim=16,
            intermediate_dim=32,
            head_dim=8,
        )
    )


def _inputs(ids):
    return {"token_ids": ids, "padding_mask": np.ones(ids.shape, bool)}


class ExtendVocabularyTest(TestCase):
    @parameterized.named_parameters(("gpt2", _gpt2), ("gemma", _gemma))
    def test_old_logits_are_identical_and_new_rows_are_the_mean(self, build):
        keras.utils.set_random_seed(0)
        lm = build()
        ids = np.random.default_rng(0).integers(0, VOCABULARY, (3, 10))
        before = keras.ops.convert_to_numpy(lm(_inputs(ids)))
        bigger = extend_vocabulary(lm, 7)
        self.assertIsInstance(bigger, type(lm))
        self.assertEqual(bigger.backbone.vocabulary_size, VOCABULARY + 7)
        after = keras.ops.convert_to_numpy(bigger(_inputs(ids)))
        self.assertEqual(after.shape, (3, 10, VOCABULARY + 7))
        np.testing.assert_array_equal(after[..., :VOCABULARY], before)
        old = lm.backbone.token_embedding.embeddings.numpy()
        new = bigger.backbone.token_embedding.embeddings.numpy()
        np.testing.assert_array_equal(new[:VOCABULARY], old)
        np.testing.assert_allclose(
            new[VOCABULARY:], np.repeat(old.mean(0, keepdims=True), 7, 0)
        )
        # Every other weight is a copy; the original is untouched.
        for a, b in zip(lm.backbone.weights, bigger.backbone.weights):
            if a.shape == b.shape:
                np.testing.assert_array_equal(a.numpy(), b.numpy())
        self.assertEqual(lm.backbone.vocabulary_size, VOCABULARY)
        # The new ids run and train.
        mixed = ids.copy()
        mixed[:, 5:] = VOCABULARY + np.arange(5) % 7
        bigger.compile(
            optimizer=keras.optimizers.Adam(1e-2),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        )
        x = _inputs(mixed[:, :-1])
        loss = bigger.evaluate(x, mixed[:, 1:], verbose=0)
        bigger.fit(x, mixed[:, 1:], epochs=5, verbose=0)
        self.assertLess(bigger.evaluate(x, mixed[:, 1:], verbose=0), loss)

    def test_bad_inputs(self):
        with self.assertRaisesRegex(ValueError, "CausalLM"):
            extend_vocabulary(keras.Sequential(), 3)
        with self.assertRaisesRegex(ValueError, "num_new_tokens"):
            extend_vocabulary(_gpt2(), 0)
