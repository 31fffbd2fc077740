"""PixelCNN training throughput: kerasgen vs the keras.io `pixelcnn.py` network.

The keras.io example "PixelCNN" (ADMoreau, 2020): binarized 28x28 inputs, a
7x7 mask-A convolution of 128 filters, 5 residual blocks (1x1 conv 128,
masked 3x3 conv 64, 1x1 conv 128, all ReLU, plus the input), two 1x1
mask-B convolutions of 128 and a sigmoid output: a Bernoulli per pixel,
trained with binary cross-entropy (Adam 5e-4, batch 128). Its masked
layer multiplies the kernel by the mask and assigns it on every call.

kerasgen's `PixelCNN(filters=128, num_blocks=5, output_filters=128)` has the
same layout with the paper's residual block (`1x1 2h -> h, masked 3x3 h -> h,
1x1 h -> 2h`, fewer parameters than keras.io's `128 -> 128, 128 -> 64,
64 -> 128`), and models the 8-bit values (a 256-way softmax per pixel:
a 128 -> 256 output layer and a 256-way cross-entropy), which is the work a
bits/dim model must do. Both run in this process on the same batches
(kerasgen: 8-bit images; keras.io: the same images binarized at 0.5), rounds
interleaved, ratios against keras.io. Usage:

    .venv/bin/python benchmarks/pixelcnn_training.py --steps 20 --rounds 3
"""

import time

import keras
import numpy as np
import tensorflow as tf
from benchmark_utils import fashion_mnist_batches
from benchmark_utils import parse_args
from benchmark_utils import write_result
from keras import layers

import kerasgen

BATCH_SIZE = 128


class PixelConvLayer(layers.Layer):
    """keras.io's masked convolution (kernel *= mask on every call)."""

    def __init__(self, mask_type, **kwargs):
        super().__init__()
        self.mask_type = mask_type
        self.conv = layers.Conv2D(**kwargs)

    def build(self, input_shape):
        self.conv.build(input_shape)
        kernel_shape = keras.ops.shape(self.conv.kernel)
        self.mask = np.zeros(shape=kernel_shape)
        self.mask[: kernel_shape[0] // 2, ...] = 1.0
        self.mask[kernel_shape[0] // 2, : kernel_shape[1] // 2, ...] = 1.0
        if self.mask_type == "B":
            self.mask[kernel_shape[0] // 2, kernel_shape[1] // 2, ...] = 1.0

    def call(self, inputs):
        self.conv.kernel.assign(self.conv.kernel * self.mask)
        return self.conv(inputs)


class ResidualBlock(layers.Layer):
    def __init__(self, filters, **kwargs):
        super().__init__(**kwargs)
        self.conv1 = layers.Conv2D(filters, 1, activation="relu")
        self.pixel_conv = PixelConvLayer(
            mask_type="B",
            filters=filters // 2,
            kernel_size=3,
            activation="relu",
            padding="same",
        )
        self.conv2 = layers.Conv2D(filters, 1, activation="relu")

    def call(self, inputs):
        x = self.conv2(self.pixel_conv(self.conv1(inputs)))
        return layers.add([inputs, x])


def keras_io_pixelcnn():
    inputs = keras.Input((28, 28, 1))
    x = PixelConvLayer(
        mask_type="A",
        filters=128,
        kernel_size=7,
        activation="relu",
        padding="same",
    )(inputs)
    for _ in range(5):
        x = ResidualBlock(128)(x)
    for _ in range(2):
        x = PixelConvLayer(
            mask_type="B",
            filters=128,
            kernel_size=1,
            activation="relu",
            padding="valid",
        )(x)
    out = layers.Conv2D(1, 1, activation="sigmoid")(x)
    model = keras.Model(inputs, out)
    model.compile(
        optimizer=keras.optimizers.Adam(5e-4), loss="binary_crossentropy"
    )
    return model


def main():
    args = parse_args(__doc__.splitlines()[0], "pixelcnn_training", 20)
    data, _ = fashion_mnist_batches(BATCH_SIZE)
    binary = (data > 0.0).astype("float32")
    kerasgen_data = (
        tf.data.Dataset.from_tensor_slices(data)
        .batch(BATCH_SIZE)
        .repeat()
        .prefetch(2)
    )
    keras_io_data = (
        tf.data.Dataset.from_tensor_slices((binary, binary))
        .batch(BATCH_SIZE)
        .repeat()
        .prefetch(2)
    )
    keras.utils.set_random_seed(0)
    baseline = keras_io_pixelcnn()
    model = kerasgen.models.PixelCNN(
        filters=128, num_blocks=5, output_filters=128, seed=0
    )
    model.compile(optimizer=keras.optimizers.Adam(5e-4))
    variants = [
        (
            {
                "name": "keras.io pixelcnn.py (binary, sigmoid)",
                "num_params": int(baseline.count_params()),
            },
            baseline,
            keras_io_data,
        ),
        (
            {
                "name": "kerasgen PixelCNN (8-bit, 256-way softmax)",
                "num_params": int(model.count_params()),
            },
            model,
            kerasgen_data,
        ),
    ]
    for _, m, d in variants:  # trace
        m.fit(d, steps_per_epoch=3, epochs=1, verbose=0)
    speeds = [[] for _ in variants]
    for _ in range(args.rounds):
        for index, (_, m, d) in enumerate(variants):
            start = time.perf_counter()
            m.fit(d, steps_per_epoch=args.steps, epochs=1, verbose=0)
            speeds[index].append(
                args.steps * BATCH_SIZE / (time.perf_counter() - start)
            )
    runs = []
    for (variant, _, _), values in zip(variants, speeds):
        variant["images_per_second"] = round(float(np.median(values)), 1)
        variant["images_per_second_rounds"] = [round(v, 1) for v in values]
        runs.append(variant)
    for run in runs:
        run["ratio_vs_baseline"] = round(
            run["images_per_second"] / runs[0]["images_per_second"], 3
        )
    write_result(
        "pixelcnn_training",
        BATCH_SIZE,
        runs,
        args.output,
        steps=args.steps,
        rounds=args.rounds,
    )


if __name__ == "__main__":
    main()
