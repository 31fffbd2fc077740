"""The data, callbacks and grids of `kerasgen train`, from a recipe's
switches."""

import os


class TrainContext:
    """What `Recipe.callbacks` may know of the run."""

    def __init__(self, args, train_data, dataset_info, model):
        self.output_dir = args.output_dir
        self.epochs = args.epochs
        self.train_data = train_data
        self.dataset_info = dataset_info
        self.model = model
        self._steps_per_epoch = args.steps_per_epoch

    def steps_per_epoch(self):
        """Batches per epoch: `--steps-per-epoch` or the data's length."""
        if self._steps_per_epoch is None:
            steps = int(self.train_data.cardinality())
            if steps < 1:  # unknown cardinality: count the batches
                steps = sum(1 for _ in self.train_data)
            self._steps_per_epoch = steps
        return self._steps_per_epoch


def dataset(args, split, shuffle, repeat=False, with_labels=False):
    from kerasgen.data import image_dataset

    data = image_dataset(
        args.dataset,
        split=split,
        batch_size=args.batch_size,
        shuffle=shuffle,
        seed=args.seed,
        cache=False,
        with_labels=with_labels,
    )
    return data.repeat() if repeat else data


def num_classes_of(name):
    """The number of label classes of a dataset name or folder."""
    if name == "fashion_mnist":
        return 10
    if os.path.isdir(name):
        return sum(
            1
            for entry in os.listdir(name)
            if not entry.startswith(".")
            and os.path.isdir(os.path.join(name, entry))
        )
    import tensorflow_datasets as tfds

    builder = tfds.builder(name.removeprefix("tfds:"))
    return builder.info.features["label"].num_classes


def first_images(data, num_images):
    """The first `num_images` images of a batched (images[, labels]) set."""
    import numpy as np

    batches, count = [], 0
    for batch in data:
        images = batch[0] if isinstance(batch, tuple) else batch
        batches.append(np.asarray(images))
        count += len(batches[-1])
        if count >= num_images:
            break
    return np.concatenate(batches)[:num_images]


def callbacks(args, recipe, context):
    """Returns `(callbacks, grids)`; `grids` maps "reconstructions" to its
    `ReconstructionGrid` when the recipe has one."""
    import keras

    import kerasgen

    output_dir = args.output_dir
    log_dir = os.path.join(output_dir, "logs")
    result = [
        keras.callbacks.BackupAndRestore(
            os.path.join(output_dir, "backup"), delete_checkpoint=False
        ),
        kerasgen.callbacks.TerminateOnNaNLosses(),
        keras.callbacks.CSVLogger(
            os.path.join(output_dir, "history.csv"), append=True
        ),
        keras.callbacks.TensorBoard(log_dir),
    ]
    if getattr(args, "ema", None) is not None:
        # Before the grids, so that they draw with the EMA weights.
        result.append(keras.callbacks.SwapEMAWeights(swap_on_epoch=True))
    result += list(recipe.callbacks(args, context))
    grids = {}
    if recipe.reconstruction_grid:
        # Fixed images of the (unshuffled) training split over their
        # reconstructions: for tokenizers, what the tokens keep.
        images = first_images(
            dataset(args, args.split, shuffle=False), args.num_samples
        )
        grids["reconstructions"] = kerasgen.callbacks.ReconstructionGrid(
            os.path.join(output_dir, "reconstructions"),
            images,
            log_dir=log_dir,
        )
        result.append(grids["reconstructions"])
    if recipe.sample_grid:
        result.append(
            kerasgen.callbacks.SampleGrid(
                os.path.join(output_dir, "samples"),
                num_samples=args.num_samples,
                seed=args.seed,
                log_dir=log_dir,
            )
        )
    return result, grids


def final_grids(args, recipe, model, grids):
    """Writes `reconstructions.png` and `samples.png`; returns the paths."""
    import kerasgen

    written = []
    if "reconstructions" in grids:
        written.append(
            grids["reconstructions"].save(
                os.path.join(args.output_dir, "reconstructions.png")
            )
        )
    if recipe.sample_grid:
        images = model.preview_images(args.num_samples, args.seed)
        written.append(
            kerasgen.utils.save_image_grid(
                images, os.path.join(args.output_dir, "samples.png"), scale=2
            )
        )
    return written
