"""Presets: a model's config, weights and metadata in one folder.

A preset folder holds `config.json` (the serialized model), `model.weights.h5`,
`metadata.json` (sha256 of the weights and assets, dataset, license,
versions, parameter count) and, for a model holding a text tokenizer,
`assets/` (its vocabulary files, as keras-hub writes them). Bundled presets
("applications") live in `kerasgen/applications/bundles/<name>/` and ship
inside the wheel.
"""

import datetime
import hashlib
import json
import os

import keras

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.weights.h5"
METADATA_FILE = "metadata.json"
ASSETS_DIR = "assets"


def bundles_dir():
    """The folder of bundled presets inside the installed package."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return os.path.join(here, "applications", "bundles")


def list_presets():
    """Returns `{name: metadata}` for every bundled preset, sorted by name."""
    root = bundles_dir()
    presets = {}
    if not os.path.isdir(root):
        return presets
    for name in sorted(os.listdir(root)):
        metadata_path = os.path.join(root, name, METADATA_FILE)
        if os.path.isfile(metadata_path):
            with open(metadata_path) as f:
                presets[name] = dict(
                    json.load(f), path=os.path.dirname(metadata_path)
                )
    return presets


class classproperty:  # noqa: N801 (reads like `property`)
    """A read-only property of the class (`Model.presets`)."""

    def __init__(self, fget):
        self.fget = fget

    def __get__(self, instance, owner):
        return self.fget(owner)


def presets_of(cls):
    """`{name: metadata}` of the bundled presets holding a `cls`."""
    found = {}
    for name, metadata in list_presets().items():
        registered = keras.saving.get_registered_object(
            f"kerasgen>{metadata.get('class_name')}"
        )
        if registered is not None and issubclass(registered, cls):
            found[name] = metadata
    return found


def resolve_preset(preset):
    """Returns the folder of a preset given by bundled name or by path."""
    if not isinstance(preset, (str, os.PathLike)):
        raise TypeError(
            f"preset must be a preset name or a folder path; received "
            f"{preset!r} of type {type(preset).__name__}"
        )
    preset = os.fspath(preset)
    if os.path.isdir(preset):
        return preset
    available = list_presets()
    if preset in available:
        return available[preset]["path"]
    raise ValueError(
        f"Unknown preset {preset!r}: it is neither a bundled preset nor a "
        f"folder. Available presets: {sorted(available) or 'none'}"
    )


def sha256_file(path):
    """Hex sha256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_metadata(preset_dir):
    path = os.path.join(preset_dir, METADATA_FILE)
    if not os.path.isfile(path):
        raise ValueError(
            f"preset folder {preset_dir!r} has no {METADATA_FILE}; save "
            "presets with `model.save_to_preset(folder)`"
        )
    with open(path) as f:
        return json.load(f)


def verify_weights(preset_dir):
    """Checks the weights file against the sha256 in the metadata.

    HDF5 weights carry no checksum: a corrupted file would load silently.

    Raises:
        ValueError: naming the file and both hashes when they differ.
    """
    metadata = read_metadata(preset_dir)
    for name, expected in metadata.get("assets_sha256", {}).items():
        path = os.path.join(preset_dir, ASSETS_DIR, name)
        actual = sha256_file(path) if os.path.isfile(path) else "missing"
        if actual != expected:
            raise ValueError(
                f"asset file {path!r} failed its sha256 check: expected "
                f"{expected}, got {actual}; restore it or re-save the preset."
            )
    weights_path = os.path.join(preset_dir, WEIGHTS_FILE)
    expected = metadata.get("weights_sha256")
    if not expected:
        raise ValueError(
            f"{os.path.join(preset_dir, METADATA_FILE)} has no weights_sha256"
        )
    if not os.path.isfile(weights_path):
        raise ValueError(f"preset weights file {weights_path!r} is missing")
    actual = sha256_file(weights_path)
    if actual != expected:
        raise ValueError(
            f"weights file {weights_path!r} failed its sha256 check: "
            f"expected {expected}, got {actual}. The file is corrupted or "
            "was replaced; restore it or re-save the preset."
        )
    return metadata


# Attribute set on an object loaded from a preset: `{"preset", "sha256"}`.
REFERENCE_ATTRIBUTE = "_kerasgen_preset_reference"


def preset_reference(obj):
    """The `{"preset", "sha256"}` an object was loaded from, or `None`."""
    return getattr(obj, REFERENCE_ATTRIBUTE, None)


def _reference_name(preset_dir):
    """A bundled preset's name, else the absolute folder path."""
    preset_dir = os.path.abspath(preset_dir)
    root = os.path.abspath(bundles_dir())
    if os.path.dirname(preset_dir) == root or os.path.realpath(
        os.path.dirname(preset_dir)
    ) == os.path.realpath(root):
        return os.path.basename(preset_dir)
    return preset_dir


def mark_reference(obj, preset_dir, sha256):
    """Records on `obj` that it came from `preset_dir` (weights `sha256`)."""
    object.__setattr__(
        obj,
        REFERENCE_ATTRIBUTE,
        {"preset": _reference_name(preset_dir), "sha256": sha256},
    )
    return obj


@keras.saving.register_keras_serializable(package="kerasgen")
class PresetReference:
    """A sub-model stored in a config as `{preset, sha256}`, not as a copy.

    `save_preset` writes the config of a sub-model that was loaded from a
    preset (a tokenizer under a token transformer, the feature network of a
    perceptual loss) as this reference and leaves its weights out of the
    outer weights file; deserializing the reference loads the preset,
    checking that its weights still have the recorded sha256.
    """

    def __init__(self, preset, sha256):
        self.preset = preset
        self.sha256 = sha256

    def get_config(self):
        return {"preset": self.preset, "sha256": self.sha256}

    @classmethod
    def from_config(cls, config):
        return load_preset(config["preset"], expected_sha256=config["sha256"])

    @staticmethod
    def serialized(reference):
        """The config dict Keras deserializes into the loaded preset."""
        return {
            "module": __name__,
            "class_name": "PresetReference",
            "config": dict(reference),
            "registered_name": "kerasgen>PresetReference",
        }


def _sub_objects(model):
    """Every layer below `model` (not `model` itself), depth first."""
    flatten = getattr(model, "_flatten_layers", None)
    if flatten is None:
        return []
    return list(flatten(include_self=False, recursive=True))


def referenced_objects(model):
    """Sub-objects of `model` that were loaded from a preset.

    Also found below another referenced object's level only once: the
    outermost referenced object stands for everything inside it.
    """
    found = []
    inside = set()
    for layer in _sub_objects(model):
        if id(layer) in inside:
            continue
        if preset_reference(layer) is not None:
            found.append(layer)
            inside.update(id(inner) for inner in _sub_objects(layer))
    return found


def _replace_references(config, replacements):
    """`config` with every sub-dict equal to a key of `replacements` swapped."""
    for original, reference in replacements:
        if config == original:
            return reference
    if isinstance(config, dict):
        return {
            key: _replace_references(value, replacements)
            for key, value in config.items()
        }
    if isinstance(config, list):
        return [_replace_references(value, replacements) for value in config]
    return config


def _training_only_objects(model):
    objects = []
    for name in getattr(model, "training_only", ()):
        value = getattr(model, name, None)
        if value is not None:
            objects.append(value)
    return objects


def _objects_to_skip(model, include_training_only):
    skipped = list(referenced_objects(model))
    if not include_training_only:
        skipped += _training_only_objects(model)
    return skipped


def _weights_io():
    from keras.src.saving import saving_lib  # keras-hub uses it the same way

    return saving_lib


def _inference_weights(obj):
    """`obj`'s weight values less those of its training-only networks
    (a referenced VQ-GAN's discriminator: not in its preset, so freshly
    initialised at every load)."""
    skipped = {
        id(v) for net in _training_only_objects(obj) for v in net.weights
    }
    return [
        keras.ops.convert_to_numpy(v)
        for v in obj.weights
        if id(v) not in skipped
    ]


def _check_references_unchanged(model, bundle):
    """Refuses to reference a preset whose loaded copy has since changed.

    `bundle` was rebuilt from the config, so its referenced sub-models hold
    their presets' weights; a sub-model of `model` that trained after it was
    loaded differs, and a reference would silently bring back the old one.
    """
    for original, reloaded in zip(
        referenced_objects(model), referenced_objects(bundle)
    ):
        changed = any(
            a.shape != b.shape or not (a == b).all()
            for a, b in zip(
                _inference_weights(original), _inference_weights(reloaded)
            )
        )
        if changed:
            reference = preset_reference(original)
            raise ValueError(
                f"{original.name}, loaded from preset "
                f"{reference['preset']!r}, has changed since (it was "
                "trained or its weights were set): save it as a preset of "
                "its own first, or freeze it (trainable=False) while "
                "training the outer model"
            )


def model_config(model):
    """The serialized model, sub-models from presets as references."""
    config = keras.saving.serialize_keras_object(model)
    config.pop("compile_config", None)
    replacements = []
    for obj in referenced_objects(model):
        original = json.loads(
            json.dumps(keras.saving.serialize_keras_object(obj))
        )
        replacements.append(
            (original, PresetReference.serialized(preset_reference(obj)))
        )
    config = json.loads(json.dumps(config))
    return _replace_references(config, replacements)


def _asset_owners(model):
    """`{folder: layer}` of the layers with files of their own (keras-hub
    tokenizers' `save_assets`/`load_assets`), in a fixed order."""
    owners = {}
    for layer in model._flatten_layers(include_self=False, recursive=True):
        if callable(getattr(layer, "save_assets", None)):
            owners[f"{len(owners)}_{layer.name}"] = layer
    return owners


def _save_assets(model, preset_dir):
    """Writes the assets; returns `{relative path: sha256}`."""
    hashes = {}
    root = os.path.join(preset_dir, ASSETS_DIR)
    if os.path.isdir(root):
        import shutil

        shutil.rmtree(root)
    for folder, layer in _asset_owners(model).items():
        path = os.path.join(root, folder)
        os.makedirs(path)
        layer.save_assets(path)
        for name in sorted(os.listdir(path)):
            hashes[f"{folder}/{name}"] = sha256_file(os.path.join(path, name))
    return hashes


def _load_assets(model, preset_dir):
    for folder, layer in _asset_owners(model).items():
        path = os.path.join(preset_dir, ASSETS_DIR, folder)
        if not os.path.isdir(path):
            raise ValueError(
                f"preset {preset_dir!r} has no {ASSETS_DIR}/{folder} (the "
                f"files of {type(layer).__name__} {layer.name!r}); re-save "
                "the preset"
            )
        layer.load_assets(path)


def save_preset(model, preset_dir, metadata=None, include_training_only=False):
    """Writes `model` as a preset folder (config, weights, metadata).

    A preset is an inference bundle: no compile config or optimizer state;
    sub-models that came from a preset are stored as `{preset, sha256}`
    references (their weights stay in their own bundle); the networks named
    in `model.training_only` are left out unless `include_training_only`.

    Args:
        model: the model.
        preset_dir: str. Output folder (created).
        metadata: dict or `None`. Extra metadata (dataset, license...).
        include_training_only: bool. Keep the weights of the training-only
            networks (to resume adversarial training). Defaults to `False`.
    """
    os.makedirs(preset_dir, exist_ok=True)
    config = model_config(model)
    with open(os.path.join(preset_dir, CONFIG_FILE), "w") as f:
        json.dump(config, f, indent=2, sort_keys=True)
    # A fresh copy without compile state, so no optimizer is saved.
    bundle = keras.saving.deserialize_keras_object(config)
    _check_references_unchanged(model, bundle)
    bundle.set_weights(model.get_weights())
    if hasattr(model, "seed_generator"):
        bundle.seed_generator.state.assign(model.seed_generator.state.value)
    weights_path = os.path.join(preset_dir, WEIGHTS_FILE)
    if os.path.exists(weights_path):
        os.remove(weights_path)
    _weights_io().save_weights_only(
        bundle,
        weights_path,
        objects_to_skip=_objects_to_skip(bundle, include_training_only),
    )
    from kerasgen.version import __version__

    info = {
        "class_name": type(model).__name__,
        "keras_version": keras.__version__,
        "kerasgen_version": __version__,
        "num_params": int(model.count_params()),
        "saved_at": datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="seconds"
        ),
    }
    info.update(metadata or {})
    info["include_training_only"] = bool(include_training_only)
    info["training_only"] = list(getattr(model, "training_only", ()))
    info["references"] = [
        preset_reference(obj) for obj in referenced_objects(model)
    ]
    info["weights_sha256"] = sha256_file(weights_path)
    assets = _save_assets(model, preset_dir)  # the copy has no vocabulary
    if assets:
        info["assets_sha256"] = assets
    with open(os.path.join(preset_dir, METADATA_FILE), "w") as f:
        json.dump(info, f, indent=2, sort_keys=True)
    return preset_dir


def load_preset(
    preset, cls=None, load_weights=True, expected_sha256=None, **overrides
):
    """Loads a preset after checking its weights' sha256.

    Args:
        preset: str. A bundled preset name or a preset folder.
        cls: class or `None`. When given, the preset must hold an instance
            of it (or of a subclass).
        load_weights: bool. Load the weights (else freshly initialised).
            Defaults to `True`.
        expected_sha256: str or `None`. The sha256 the weights must have
            (a reference from another preset records it).
        **overrides: constructor arguments replacing those of the config.

    Returns:
        The model; a `GenerativeModel` comes compiled with its default
        optimizers, so `evaluate()` works at once.
    """
    preset_dir = resolve_preset(preset)
    metadata = verify_weights(preset_dir)
    if expected_sha256 is not None and (
        metadata["weights_sha256"] != expected_sha256
    ):
        raise ValueError(
            f"preset {preset!r} is referenced with weights sha256 "
            f"{expected_sha256}, but its weights now have "
            f"{metadata['weights_sha256']}: the referenced bundle was "
            "replaced; re-save the outer preset against it"
        )
    with open(os.path.join(preset_dir, CONFIG_FILE)) as f:
        config = json.load(f)
    if overrides:
        unknown = sorted(set(overrides) - set(config.get("config", {})))
        if unknown:
            raise ValueError(
                f"overrides {unknown} are not constructor arguments of "
                f"{config.get('class_name')}; expected some of "
                f"{sorted(config.get('config', {}))}"
            )
        config = dict(config, config=dict(config["config"]))
        for key, value in overrides.items():
            if isinstance(value, keras.layers.Layer):
                # Its weights would be lost: the preset's would be loaded.
                raise ValueError(
                    f"override {key!r} is a {type(value).__name__} object; "
                    "overrides are config values (numbers, strings, "
                    "configs). To use your own network, build the model "
                    "with it and copy the weights you need."
                )
            config["config"][key] = value
    model = keras.saving.deserialize_keras_object(config, safe_mode=True)
    _load_assets(model, preset_dir)
    if cls is not None and not isinstance(model, cls):
        raise ValueError(
            f"preset {preset!r} holds a {metadata.get('class_name')}, not a "
            f"{cls.__name__}; load it with kerasgen.applications.load()"
        )
    if load_weights:
        if not model.built:
            model.build_from_config(config.get("build_config", {}))
        include = metadata.get("include_training_only", True)
        _weights_io().load_weights_only(
            model,
            os.path.join(preset_dir, WEIGHTS_FILE),
            objects_to_skip=_objects_to_skip(model, include),
        )
    if "seed" in overrides and hasattr(model, "seed_generator"):
        # The saved RNG state would override the new seed.
        model.seed_generator.state.assign(
            keras.random.SeedGenerator(overrides["seed"]).state.value
        )
    if load_weights and not overrides:  # the very object of the preset
        mark_reference(model, preset_dir, metadata["weights_sha256"])
    from kerasgen.models.generative_model import GenerativeModel

    if isinstance(model, GenerativeModel):
        model.compile()
    return model
