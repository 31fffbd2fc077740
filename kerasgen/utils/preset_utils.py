"""Presets: a model's config, weights and metadata in one folder.

A preset folder holds `config.json` (the serialized model), `model.weights.h5`
and `metadata.json` (sha256 of the weights, dataset, license, versions,
parameter count). Bundled presets ("applications") live in
`kerasgen/applications/bundles/<name>/` and ship inside the wheel.
"""

import datetime
import hashlib
import json
import os

import keras

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.weights.h5"
METADATA_FILE = "metadata.json"


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


def save_preset(model, preset_dir, metadata=None):
    """Writes `model` as a preset folder (config, weights, metadata)."""
    os.makedirs(preset_dir, exist_ok=True)
    # A preset is an inference bundle: no compile config and no optimizer
    # state, so loading it neither builds an optimizer nor warns about one.
    config = keras.saving.serialize_keras_object(model)
    config.pop("compile_config", None)
    with open(os.path.join(preset_dir, CONFIG_FILE), "w") as f:
        json.dump(config, f, indent=2, sort_keys=True)
    bundle = keras.saving.deserialize_keras_object(config)
    bundle.set_weights(model.get_weights())
    if hasattr(model, "seed_generator"):
        bundle.seed_generator.state.assign(model.seed_generator.state.value)
    weights_path = os.path.join(preset_dir, WEIGHTS_FILE)
    bundle.save_weights(weights_path)
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
    info["weights_sha256"] = sha256_file(weights_path)
    with open(os.path.join(preset_dir, METADATA_FILE), "w") as f:
        json.dump(info, f, indent=2, sort_keys=True)
    return preset_dir


def load_preset(preset, cls=None):
    """Loads a preset after checking its weights' sha256.

    Args:
        preset: str. A bundled preset name or a preset folder.
        cls: class or `None`. When given, the preset must hold an instance
            of it (or of a subclass).
    """
    preset_dir = resolve_preset(preset)
    metadata = verify_weights(preset_dir)
    with open(os.path.join(preset_dir, CONFIG_FILE)) as f:
        config = json.load(f)
    model = keras.saving.deserialize_keras_object(config, safe_mode=True)
    if cls is not None and not isinstance(model, cls):
        raise ValueError(
            f"preset {preset!r} holds a {metadata.get('class_name')}, not a "
            f"{cls.__name__}; load it with kerasgen.applications.load()"
        )
    model.load_weights(os.path.join(preset_dir, WEIGHTS_FILE))
    return model
