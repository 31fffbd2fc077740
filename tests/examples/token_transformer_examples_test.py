import os

import pytest


@pytest.mark.large
def test_image_token_transformer_tutorial_smoke_run(tmp_path, run_example):
    out = run_example("image_token_transformer.py")
    assert "bits/token" in out and "guidance 3.0: label agreement" in out
    # The pretrained bundle's likelihood on 1,000 test images: far below
    # the 9 bits of a uniform choice among 512 codes.
    bits = float(out.split("pretrained: ")[1].split(" bits/token")[0])
    assert 2.0 < bits < 7.0
    for name in (
        "tokens.png",
        "guidance.png",
        "image_token_transformer.keras",
        "pretrained.png",
    ):
        assert os.path.getsize(tmp_path / name) > 0, name


@pytest.mark.large
def test_text_to_image_tokens_tutorial_smoke_run(tmp_path, run_example):
    out = run_example("text_to_image_tokens.py")
    assert "old-token logits equal: True" in out
    assert "a free-running sequence:" in out
    named = float(out.split("captions name the class of ")[1].split("%")[0])
    assert named >= 70
    # Liquid: text pretraining lowers the caption perplexity a lot.
    untrained = float(
        out.split("caption perplexity, untrained: ")[1].split()[0]
    )
    pretrained_text = float(out.split("after text pretraining: ")[1].split()[0])
    assert pretrained_text < 0.5 * untrained
    assert "after the image fine-tuning: " in out
    for name in ("prompts.png", "pretrained.png"):
        assert os.path.getsize(tmp_path / name) > 0, name
