"""Every bundled application passes the preset contract (run_preset_test)."""

import numpy as np
import pytest
from absl.testing import parameterized

import kerasgen
from kerasgen.datasets import fashion_mnist
from kerasgen.models import GenerativeModel
from kerasgen.networks import Network
from kerasgen.testing import TestCase
from kerasgen.utils import preset_utils

APPLICATIONS = sorted(kerasgen.applications.list_applications())


def _test_images(count=8):
    (_, _), (x_test, _) = fashion_mnist.load_data()
    return x_test[:count, ..., None]


class PresetsTest(TestCase):
    def test_every_bundle_is_listed(self):
        self.assertGreaterEqual(len(APPLICATIONS), 7)
        for name in APPLICATIONS:
            metadata = kerasgen.applications.list_applications()[name]
            cls = kerasgen.models.__dict__.get(metadata["class_name"])
            self.assertTrue(
                cls is not None
                or metadata["class_name"] in kerasgen.networks.__dict__,
                name,
            )

    # One case per bundle, so that pytest-xdist spreads them over workers.
    @pytest.mark.large
    @parameterized.named_parameters((name, name) for name in APPLICATIONS)
    def test_every_bundle_passes_the_preset_contract(self, name):
        metadata = kerasgen.applications.list_applications()[name]
        class_name = metadata["class_name"]
        cls = getattr(kerasgen.models, class_name, None) or getattr(
            kerasgen.networks, class_name
        )
        expected = getattr(
            cls.from_preset(name), "default_evaluation_metrics", ()
        )
        # A GAN predicts from latents; the others from images.
        images = _test_images()
        if issubclass(cls, kerasgen.models.GAN):
            images = None
        model = self.run_preset_test(
            cls,
            name,
            input_data=images,
            expected_metrics=expected,
        )
        self.assertIsInstance(model, (GenerativeModel, Network))
        if isinstance(model, GenerativeModel):
            # Compiled on load: evaluate() works without compile().
            self.assertTrue(model.compiled, name)

    @pytest.mark.large
    def test_inference_bundles_hold_no_training_only_weights(self):
        for name in APPLICATIONS:
            metadata = kerasgen.applications.list_applications()[name]
            if not metadata.get("training_only"):
                continue
            with self.subTest(name):
                self.assertFalse(metadata["include_training_only"])
                import h5py

                path = f"{metadata['path']}/{preset_utils.WEIGHTS_FILE}"
                with h5py.File(path, "r") as f:
                    keys = []
                    f.visit(keys.append)
                for attribute in metadata["training_only"]:
                    self.assertFalse(
                        [k for k in keys if k.startswith(attribute)],
                        f"{name}: {attribute} weights in the bundle",
                    )


@pytest.mark.large
def test_uint8_and_float_images_give_the_same_classifier_outputs():
    network = kerasgen.networks.FashionMNISTClassifier.from_preset(
        "fmnist_features"
    )
    images = _test_images(64)
    np.testing.assert_allclose(
        network.predict(images, verbose=0)["logits"],
        network.predict(images / 127.5 - 1.0, verbose=0)["logits"],
        atol=1e-4,
    )
