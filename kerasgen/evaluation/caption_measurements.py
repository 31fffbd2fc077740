"""Text <-> image measurements of caption models (Fashion-MNIST captions).

The captions of the split's images (`kerasgen.datasets.fashion_mnist_captions`,
each made from the image's label and pixels) are the prompts of
text -> image and the answers of image -> text; the dataset's own
attribute functions and the feature network's classifier check the
results.
"""

import numpy as np

from kerasgen.evaluation.measurement import register_measurement


def _captioned_split(context):
    """`num_samples` images of the split (a seeded permutation), their
    labels and captions."""

    def compute():
        from kerasgen.datasets import fashion_mnist_captions

        images, labels = context.load_split()
        if labels is None:
            raise ValueError(
                "caption measurements need a labelled split (the captions "
                "name the class)"
            )
        rng = np.random.default_rng(context.seed)
        order = rng.permutation(len(images))[: context.num_samples]
        chosen, chosen_labels = images[order], labels[order]
        texts = fashion_mnist_captions.captions(
            chosen, chosen_labels, order % 3
        )
        return chosen, chosen_labels, texts

    return context.cached("captioned_split", compute)


@register_measurement(
    "text_to_image",
    kind="sample",
    description="Caption models: images generated from the captions of "
    "num_samples split images; text_to_image_label_agreement is the share "
    "the feature network's classifier assigns the caption's class, "
    "text_to_image_brightness_agreement the share whose measured "
    "brightness (fashion_mnist_captions.brightness) is the caption's.",
    keys=(
        "text_to_image_label_agreement",
        "text_to_image_brightness_agreement",
    ),
    requires=("generate", "caption"),
)
def text_to_image(context):
    from kerasgen.datasets import fashion_mnist_captions

    images, labels, texts = _captioned_split(context)
    context.log(f"generating {len(texts)} images from captions")
    generated = context.model.generate(
        list(texts), seed=context.seed, **context.generate_kwargs
    )
    logits = context.extractor.extract(generated)["logits"]
    predicted = np.argmax(logits, axis=-1)
    wanted = fashion_mnist_captions.brightness(images)
    return {
        "text_to_image_label_agreement": float(np.mean(predicted == labels)),
        "text_to_image_brightness_agreement": float(
            np.mean(fashion_mnist_captions.brightness(generated) == wanted)
        ),
    }


@register_measurement(
    "image_to_text",
    kind="reconstruction",
    description="Caption models: greedy captions of num_samples split "
    "images; caption_label_accuracy is the share that names the image's "
    "class, caption_brightness_accuracy the share that names its measured "
    "brightness.",
    keys=("caption_label_accuracy", "caption_brightness_accuracy"),
    requires=("caption",),
)
def image_to_text(context):
    from kerasgen.datasets import fashion_mnist_captions

    images, labels, _ = _captioned_split(context)
    context.log(f"captioning {len(images)} images")
    texts = context.model.caption(images, seed=context.seed)
    parsed = [fashion_mnist_captions.parse_caption(t) for t in texts]
    wanted = fashion_mnist_captions.brightness(images)
    return {
        "caption_label_accuracy": float(
            np.mean([p["label"] == y for p, y in zip(parsed, labels)])
        ),
        "caption_brightness_accuracy": float(
            np.mean([p["brightness"] == b for p, b in zip(parsed, wanted)])
        ),
    }


@register_measurement(
    "caption_perplexity",
    kind="likelihood",
    description="Language models with image ids (LiquidTransformer): "
    "perplexity of the captions of num_samples split images, per word "
    "token and <eos>, with the softmax over the whole vocabulary "
    "(caption_perplexity) and over the text ids only "
    "(caption_perplexity_text_only): the language ability left after the "
    "image fine-tuning.",
    keys=("caption_perplexity", "caption_perplexity_text_only"),
    requires=("caption_perplexity",),
)
def caption_perplexity(context):
    _, _, texts = _captioned_split(context)
    texts = list(texts)
    context.log(f"scoring {len(texts)} captions")
    return {
        "caption_perplexity": context.model.caption_perplexity(texts),
        "caption_perplexity_text_only": context.model.caption_perplexity(
            texts, text_only=True
        ),
    }
