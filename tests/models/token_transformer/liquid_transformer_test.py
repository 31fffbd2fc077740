"""LiquidTransformer: image ids added to a keras-hub causal LM."""

import json
import os

import keras
import keras_hub
import numpy as np

from kerasgen.datasets import fashion_mnist_captions
from kerasgen.models import LiquidTransformer
from kerasgen.models import extend_vocabulary
from kerasgen.testing import TestCase
from kerasgen.utils import preset_utils
from tests.models.token_transformer.text_image_transformer_test import CAPTIONS
from tests.models.token_transformer.text_image_transformer_test import (
    _spans_are_valid,
)
from tests.models.token_transformer.text_image_transformer_test import (
    _tokenizer,
)


def _language_model(vocabulary_size=None, max_sequence_length=32):
    """A small GPT-2 over the captions' byte-level BPE tokenizer."""
    keras.utils.set_random_seed(0)
    text = fashion_mnist_captions.gpt2_tokenizer()
    backbone = keras_hub.models.GPT2Backbone(
        vocabulary_size=vocabulary_size or text.vocabulary_size(),
        num_layers=1,
        num_heads=2,
        hidden_dim=8,
        intermediate_dim=16,
        max_sequence_length=max_sequence_length,
        dropout=0.0,  # GPT-2's default 0.1 would draw per replica
    )
    return keras_hub.models.GPT2CausalLM(
        backbone, keras_hub.models.GPT2CausalLMPreprocessor(text)
    )


def _kwargs(**kwargs):
    return dict(
        dict(
            tokenizer=_tokenizer(),
            language_model=_language_model(),
            max_text_length=8,
            seed=0,
        ),
        **kwargs,
    )


def _model(**kwargs):
    return LiquidTransformer(**_kwargs(**kwargs))


def _data(model, n=8):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (n, 8, 8, 1), dtype="uint8")
    return {
        "images": images,
        "caption_ids": model.tokenize_captions(CAPTIONS[:n]),
    }


def _log_softmax(logits):
    logits = logits - logits.max(-1, keepdims=True)
    return logits - np.log(np.exp(logits).sum(-1, keepdims=True))


class LiquidTransformerTest(TestCase):
    def test_generative_model_contract(self):
        model = _model()
        data = _data(model)
        self.run_generative_model_test(
            LiquidTransformer,
            _kwargs(),
            data,
            (8, model.sequence_length - 1, model.vocabulary_size),
            generate_kwargs={"inputs": CAPTIONS[:4], "guidance_scale": 2.0},
        )

    def test_distribution(self):
        model = _model()
        data = _data(model)
        data["images"] = data["images"].astype("float32") / 127.5 - 1.0
        self.run_distribution_test(lambda: _model(), data)

    def test_layout_is_the_language_model_vocabulary_then_images(self):
        model = _model()
        text = model.text_tokenizer
        size = text.vocabulary_size()
        self.assertEqual(model.text_vocabulary_size, size)
        self.assertEqual(model.vocabulary_size, size + 8 + 2)  # 8 codes
        self.assertEqual((model.boi_id, model.eoi_id), (size + 8, size + 9))
        # GPT-2's <|endoftext|> is <bos>, <eos> and <pad>.
        end = text.token_to_id("<|endoftext|>")
        self.assertEqual({model.bos_id, model.eos_id, model.pad_id}, {end})

    def test_old_token_logits_are_the_text_models(self):
        lm = _language_model()
        model = LiquidTransformer(_tokenizer(), lm, max_text_length=8)
        ids = model.tokenize_captions(CAPTIONS[:3])
        x = {"token_ids": ids, "padding_mask": np.ones(ids.shape, bool)}
        old = keras.ops.convert_to_numpy(lm(x))
        new = keras.ops.convert_to_numpy(model._logits(ids))
        np.testing.assert_allclose(new[..., : old.shape[-1]], old, atol=1e-5)
        # The same model from an already extended LM: nothing added again.
        extended = extend_vocabulary(lm, 10)
        again = LiquidTransformer(_tokenizer(), extended, max_text_length=8)
        self.assertIs(again.language_model, extended)

    def test_token_mask_over_100_free_sequences(self):
        model = _model()
        # Untrained, <boi> is one choice among 400 text ids: a short
        # fine-tune teaches <bos> -> <boi> (the image-first half).
        model.compile(optimizer=keras.optimizers.Adam(1e-2))
        model.fit(_data(model), epochs=60, batch_size=8, verbose=0)
        sequences = model.sample_sequences(100, seed=0)
        spans = [_spans_are_valid(model, row) for row in sequences]
        self.assertGreater(sum(spans), 10, spans)
        out = model.generate(CAPTIONS * 12, seed=1, return_token_ids=True)
        boi = model.max_text_length + 1  # after the padding (<eos> ids)
        for row in out["token_ids"]:
            self.assertEqual(row[boi], model.boi_id)
            self.assertEqual(_spans_are_valid(model, row, start=boi), 1)

    def test_cache_equals_recompute(self):
        # The sampling loop is TextImageTransformer's (tested there for
        # every sampler); here GPT-2's cache, with guidance.
        kwargs = {"guidance_scale": 3.0, "top_k": 5}
        model = _model()
        cached = model.generate(
            CAPTIONS[:3], seed=2, return_token_ids=True, **kwargs
        )
        uncached = model.generate(
            CAPTIONS[:3], seed=2, cache=False, return_token_ids=True, **kwargs
        )
        np.testing.assert_array_equal(
            cached["token_ids"], uncached["token_ids"]
        )
        images = _data(model, 3)["images"]
        self.assertEqual(
            model.caption(images, seed=0, sampler="random"),
            model.caption(images, seed=0, sampler="random", cache=False),
        )

    def test_image_first_loss_scores_the_eos_shared_with_pad(self):
        model = _model(image_first_rate=1.0, caption_dropout=0.0)
        data = _data(model)
        text = keras.ops.convert_to_numpy(data["caption_ids"])
        image = keras.ops.convert_to_numpy(model._image_ids(data["images"]))
        sequence = keras.ops.convert_to_numpy(model.image_first(text, image))
        weights = keras.ops.convert_to_numpy(model._target_weights(None, text))[
            :, 1:
        ]
        # The words and one <eos> are scored, the <pad>s (same id) not.
        words = (text != model.pad_id).sum(1)
        np.testing.assert_array_equal(
            weights.sum(1), 1 + model.num_image_tokens + 1 + words + 1
        )
        targets = sequence[:, 1:]
        ends = model.num_image_tokens + 2 + words
        np.testing.assert_array_equal(
            targets[np.arange(len(text)), ends], model.eos_id
        )
        self.assertTrue(weights[np.arange(len(text)), ends].all())
        self.assertFalse(weights[np.arange(len(text)), ends + 1].any())
        # The training loss is the weighted mean NLL (draws: all image-first).
        logits = keras.ops.convert_to_numpy(model._logits(sequence[:, :-1]))
        nll = -np.take_along_axis(_log_softmax(logits), targets[..., None], -1)[
            ..., 0
        ]
        expected = ((nll * weights).sum(1) / weights.sum(1)).mean()
        loss = model.compute_loss(data, training=True)
        np.testing.assert_allclose(float(loss), expected, rtol=1e-5)

    def test_caption_perplexity_by_hand(self):
        model = _model()
        captions = CAPTIONS[:3]
        ids = model.text_tokenizer(captions)
        logits_of = model._logits
        total, count, text_total = 0.0, 0, 0.0
        for row in ids:
            seq = np.array([[model.bos_id, *row, model.eos_id]], "int32")
            logits = keras.ops.convert_to_numpy(logits_of(seq[:, :-1]))[0]
            targets = seq[0, 1:]
            full = _log_softmax(logits)
            text = _log_softmax(logits[:, : model.text_vocabulary_size])
            picked = np.arange(len(targets)), targets
            total -= full[picked].sum()
            text_total -= text[picked].sum()
            count += len(targets)
        np.testing.assert_allclose(
            model.caption_perplexity(captions), np.exp(total / count), 1e-4
        )
        np.testing.assert_allclose(
            model.caption_perplexity(captions, text_only=True),
            np.exp(text_total / count),
            1e-4,
        )

    def test_fit_text_trains_the_text_model_and_resets_the_image_rows(self):
        model = _model()
        captions = CAPTIONS * 8
        before = model.caption_perplexity(captions, text_only=True)
        model.fit_text(
            captions, epochs=5, batch_size=8, learning_rate=1e-2, verbose=0
        )
        after = model.caption_perplexity(captions, text_only=True)
        self.assertLess(after, 0.5 * before)
        table = keras.ops.convert_to_numpy(
            model.language_model.backbone.token_embedding.embeddings
        )
        size = model.text_vocabulary_size
        np.testing.assert_allclose(
            table[size:], np.repeat(table[:size].mean(0, keepdims=True), 10, 0)
        )

    def test_keras_file_and_preset_keep_the_text_tokenizer(self):
        model = _model()
        model.compile()
        captions = CAPTIONS[:4]
        expected = model.caption_perplexity(captions)
        path = os.path.join(self.get_temp_dir(), "liquid.keras")
        model.save(path)
        restored = keras.saving.load_model(path)
        self.assertAllClose(restored.caption_perplexity(captions), expected)
        preset = os.path.join(self.get_temp_dir(), "preset")
        preset_utils.save_preset(model, preset)
        metadata = json.load(open(os.path.join(preset, "metadata.json")))
        files = sorted(metadata["assets_sha256"])
        self.assertEqual(
            files,
            ["0_gpt2_tokenizer/merges.txt", "0_gpt2_tokenizer/vocabulary.json"],
        )
        loaded = LiquidTransformer.from_preset(preset)
        self.assertEqual(
            loaded.tokenize_captions(captions).tolist(),
            model.tokenize_captions(captions).tolist(),
        )
        self.assertAllClose(loaded.caption_perplexity(captions), expected)
        # A changed vocabulary file fails its sha256 check.
        with open(os.path.join(preset, "assets", files[1]), "a") as f:
            f.write(" ")
        with self.assertRaisesRegex(ValueError, "vocabulary.json.*sha256"):
            LiquidTransformer.from_preset(preset)

    def test_bad_inputs(self):
        model = _model()
        cases = [
            (lambda: model.generate(CAPTIONS[:2], top_k=0), "top_k"),
            (lambda: model.generate(["a dark coat " * 4]), "max_text_length"),
            (
                lambda: LiquidTransformer(
                    _tokenizer(), _language_model(vocabulary_size=500)
                ),
                "does not match",
            ),
            (
                lambda: LiquidTransformer(
                    _tokenizer(), _language_model(max_sequence_length=20)
                ),
                "context",
            ),
            (
                lambda: LiquidTransformer(
                    _tokenizer(),
                    keras_hub.models.GPT2CausalLM(
                        _language_model().backbone, preprocessor=None
                    ),
                ),
                "preprocessor",
            ),
            (lambda: LiquidTransformer(_tokenizer(), "gpt2"), "CausalLM"),
            (
                lambda: LiquidTransformer(
                    **_kwargs(text_special_ids={"bos": 0, "eos": 10**6})
                ),
                "text_special_ids",
            ),
        ]
        for call, match in cases:
            with self.assertRaisesRegex(ValueError, match):
                call()
