"""The liquid_transformer recipe: a GPT-2, text pretraining, extension."""

import json

import numpy as np
import pytest
import tensorflow as tf

from kerasgen import recipes

TINY = (
    "--num-layers", "1", "--num-heads", "2", "--hidden-dim", "8",
    "--intermediate-dim", "16", "--max-text-length", "8",
)  # fmt: skip


def test_defaults_build_a_gpt2_over_the_caption_tokenizer(parse, fmnist_info):
    import keras_hub

    args = parse("liquid_transformer")
    model = recipes.get_recipe("liquid_transformer").build_model(
        args, fmnist_info
    )
    lm = model.language_model
    assert isinstance(lm, keras_hub.models.GPT2CausalLM)
    backbone = lm.backbone
    assert (backbone.num_layers, backbone.hidden_dim) == (4, 128)
    # The context is exactly one sequence (less its last token).
    assert backbone.max_sequence_length == model.sequence_length - 1
    assert model.text_vocabulary_size == (
        lm.preprocessor.tokenizer.vocabulary_size()
    )
    assert model.vocabulary_size == model.text_vocabulary_size + 512 + 2


def test_text_epochs_pretrain_then_reset_the_image_rows(
    parse, fmnist_info, tmp_path
):
    args = parse(
        "liquid_transformer", *TINY, "--text-epochs", "1",
        "--batch-size", "1024", "--learning-rate", "0.01",
        "--verbose", "0", "--output-dir", str(tmp_path),
    )  # fmt: skip
    recipe = recipes.get_recipe("liquid_transformer")
    model = recipe.build_model(args, fmnist_info)
    images = tf.zeros((2, 28, 28, 1))
    data = tf.data.Dataset.from_tensors((images, tf.constant([0, 1])))
    batch = next(iter(recipe.prepare_data(data, model)))
    assert batch["caption_ids"].shape == (2, 8)
    report = json.load(open(tmp_path / "text_pretraining.json"))
    assert report["test_captions"] == 10000
    untrained = report["perplexity_untrained"]["text_only"]
    trained = report["perplexity_after_text_pretraining"]
    assert trained["text_only"] < 0.5 * untrained
    # The image ids take mass once they are in the softmax.
    assert trained["full_vocabulary"] > trained["text_only"]
    table = model.language_model.backbone.token_embedding.embeddings.numpy()
    size = model.text_vocabulary_size
    np.testing.assert_allclose(
        table[size:], np.broadcast_to(table[:size].mean(0), (514, 8))
    )


@pytest.mark.parametrize(
    "flags, message",
    [
        (("--text-epochs", "-1"), "--text-epochs"),
        (("--dataset", "mnist"), "--dataset must be fashion_mnist"),
    ],
)
def test_bad_flags_name_the_flag(parse, fmnist_info, flags, message):
    args = parse("liquid_transformer", *TINY, *flags)
    with pytest.raises(ValueError, match=message):
        recipes.get_recipe("liquid_transformer").build_model(args, fmnist_info)
