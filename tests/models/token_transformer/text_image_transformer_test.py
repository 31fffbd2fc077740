"""TextImageTransformer: text and image tokens in one transformer."""

import keras
import numpy as np
from absl.testing import parameterized

from kerasgen.datasets import fashion_mnist_captions
from kerasgen.models import VQVAE
from kerasgen.models import TextImageTransformer
from kerasgen.networks import CausalTransformer
from kerasgen.testing import TestCase

TINY = dict(num_layers=1, num_heads=2, hidden_dim=8, intermediate_dim=16)
CAPTIONS = [
    "a dark plain coat",
    "a photo of a light bag",
    "a plain top, dark",
    "a dark ankle boot",
] * 2


def _tokenizer():
    return VQVAE(
        image_shape=(8, 8, 1),
        latent_dim=2,
        codebook_size=8,
        filters=(4, 8),
        num_groups=2,
        seed=0,
    )


def _kwargs(**kwargs):
    return dict(
        dict(
            tokenizer=_tokenizer(),
            vocabulary=fashion_mnist_captions.vocabulary(),
            max_text_length=8,
            seed=0,
            **TINY,
        ),
        **kwargs,
    )


def _model(**kwargs):
    keras.utils.set_random_seed(0)  # the same initial weights every run
    return TextImageTransformer(**_kwargs(**kwargs))


def _data(model, n=8):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (n, 8, 8, 1), dtype="uint8")
    return {
        "images": images,
        "caption_ids": model.tokenize_captions(CAPTIONS[:n]),
    }


def _spans_are_valid(model, row, start=1):
    """Every <boi> from `start` on is followed by h*w image ids then <eoi>;
    no image id outside a span; returns the number of spans."""
    n, first = model.num_image_tokens, model.text_vocabulary_size
    is_image = (row >= first) & (row < first + model.image_vocabulary_size)
    assert row[0] == model.bos_id
    spans, i = 0, start
    while i < len(row):
        if row[i] == model.eos_id:
            return spans  # the row ends here
        if row[i] == model.boi_id:
            span = row[i + 1 : i + 1 + n]
            if len(span) == n:  # a span cut by the context is not checked
                assert is_image[i + 1 : i + 1 + n].all(), row
                if i + 1 + n < len(row):
                    assert row[i + 1 + n] == model.eoi_id, row
                spans += 1
            i += n + 2
            continue
        assert not is_image[i], (i, row)
        assert row[i] != model.eoi_id, row
        i += 1
    return spans


class TextImageTransformerTest(TestCase):
    def test_generative_model_contract(self):
        model = _model()
        data = _data(model)
        self.run_generative_model_test(
            TextImageTransformer,
            _kwargs(),
            data,
            (8, model.sequence_length - 1, model.transformer.vocabulary_size),
            generate_kwargs={"inputs": CAPTIONS[:4], "guidance_scale": 2.0},
        )

    def test_distribution(self):
        model = _model()
        data = _data(model)
        data["images"] = data["images"].astype("float32") / 127.5 - 1.0
        self.run_distribution_test(_model, data)

    def test_token_mask_over_100_free_sequences(self):
        model = _model()
        sequences = model.sample_sequences(100, seed=0)
        self.assertEqual(sequences.shape, (100, model.sequence_length))
        spans = [_spans_are_valid(model, row) for row in sequences]
        # An untrained model opens image spans often enough to check them.
        self.assertGreater(sum(spans), 10, spans)
        # Generated images: exactly h*w image ids then <eoi>.
        out = model.generate(CAPTIONS * 12, seed=1, return_token_ids=True)
        for row in out["token_ids"]:
            self.assertEqual(_spans_are_valid(model, row), 1)

    def test_token_mask_rules(self):
        model = _model()
        n, text = model.num_image_tokens, model.text_vocabulary_size
        prompt = np.zeros((1, model.sequence_length), "int32")
        prompt[0, :3] = [model.bos_id, 3, model.boi_id]
        prompt[0, 3 : 3 + n] = text  # image ids
        allowed = keras.ops.convert_to_numpy

        inside = allowed(model.token_mask(prompt, 3 + n - 1))[0]
        self.assertTrue(inside[text : model.bos_id].all())
        self.assertEqual(inside.sum(), model.image_vocabulary_size)
        closing = allowed(model.token_mask(prompt, 3 + n))[0]
        self.assertEqual(list(np.flatnonzero(closing)), [model.eoi_id])
        prompt[0, 3 + n] = model.eoi_id
        after = allowed(model.token_mask(prompt, 4 + n))[0]
        self.assertTrue(after[:text].all() and after[model.eos_id])
        self.assertTrue(after[model.boi_id])
        self.assertFalse(after[text : model.bos_id].any())
        no_image = allowed(model.token_mask(prompt, 4 + n, allow_images=False))
        self.assertFalse(no_image[0, model.boi_id])

    @parameterized.named_parameters(
        ("random", {}),
        ("top_p", {"top_p": 0.9}),
        ("guided", {"guidance_scale": 3.0, "top_k": 5}),
    )
    def test_cache_equals_recompute(self, kwargs):
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
            model.caption(images, seed=0),
            model.caption(images, seed=0, cache=False),
        )

    def test_prompt_and_guidance(self):
        model = _model()
        out = model.generate(CAPTIONS[:2], seed=0, return_token_ids=True)
        # The prompt is kept: <bos>, the caption ids, <boi>.
        np.testing.assert_array_equal(
            out["token_ids"][:, 1:9], model.tokenize_captions(CAPTIONS[:2])
        )
        guided = model.generate(
            CAPTIONS[:2], seed=0, guidance_scale=1.0, return_token_ids=True
        )
        np.testing.assert_array_equal(guided["token_ids"], out["token_ids"])

    def test_loss_is_the_mean_nll_of_non_pad_targets(self):
        model = _model()
        model.compile()
        data = _data(model)
        logs = model.evaluate(data, return_dict=True, verbose=0)
        # By hand on the caption -> image sequences (evaluate's order).
        image = keras.ops.convert_to_numpy(model._image_ids(data["images"]))
        sequence = keras.ops.convert_to_numpy(
            model.text_first(data["caption_ids"], image)
        )
        logits = keras.ops.convert_to_numpy(model.transformer(sequence[:, :-1]))
        logits = logits - logits.max(-1, keepdims=True)
        log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
        targets = sequence[:, 1:]
        nll = -np.take_along_axis(log_probs, targets[..., None], -1)[..., 0]
        weights = targets != model.pad_id
        expected = ((nll * weights).sum(1) / weights.sum(1)).mean()
        np.testing.assert_allclose(logs["loss"], expected, rtol=1e-5)

    def test_captions_round_trip(self):
        model = _model()
        ids = model.tokenize_captions(["a photo of a dark shiny bag"])
        unk = model.vocabulary.index("[UNK]")
        self.assertIn(unk, ids[0])  # an unknown word is [UNK], not dropped
        self.assertEqual(
            model.detokenize_captions(model.tokenize_captions(CAPTIONS[:3])),
            CAPTIONS[:3],
        )
        self.assertEqual(len(model.caption(_data(model, 2)["images"])), 2)
        vocabulary = model.vocabulary
        ragged = [
            [vocabulary.index("a"), vocabulary.index("bag")],
            [vocabulary.index("a"), vocabulary.index("dark"), model.pad_id],
        ]
        self.assertEqual(model.detokenize_captions(ragged), ["a bag", "a dark"])

    def test_unprompted_generation_is_the_caption_less_sequence(self):
        model = _model()
        a = model.generate(num_samples=3, seed=4, return_token_ids=True)
        b = model.generate([""] * 3, seed=4, return_token_ids=True)
        np.testing.assert_array_equal(a["token_ids"], b["token_ids"])
        self.assertTrue((a["token_ids"][:, 1:9] == model.pad_id).all())

    def test_bad_inputs(self):
        model = _model()
        model.compile()
        prompts = CAPTIONS[:2]
        cases = [
            (lambda: model.generate(prompts, guidance_scale=-1.0), "guidance"),
            (lambda: model.generate(prompts, top_k=0), "top_k"),
            (lambda: model.generate(prompts, top_p=1.5), "top_p"),
            (
                lambda: model.generate(["a dark plain coat " * 3]),
                "max_text_length",
            ),
            (lambda: model.generate("a coat"), "list of str"),
            (lambda: model.generate(None), "prompts"),
            (
                lambda: TextImageTransformer(
                    _tokenizer(),
                    fashion_mnist_captions.vocabulary(),
                    max_text_length=8,
                    transformer=CausalTransformer(30, 27, **TINY),
                ),
                "vocabulary",
            ),
            (
                lambda: TextImageTransformer(
                    **dict(_kwargs(), vocabulary=["a", "b"])
                ),
                "UNK",
            ),
            (lambda: model.fit(_data(model)["images"]), "caption_ids"),
        ]
        for call, match in cases:
            with self.assertRaisesRegex(ValueError, match):
                call()
