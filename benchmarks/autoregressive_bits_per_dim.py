"""Test bits/dim of the five autoregressive models at one small budget.

Every model is built with its network's defaults for 28x28x1 (the sizes the
recipes use), trained for one epoch on the same first `--train-images`
Fashion-MNIST training images (batch 64, Adam 1e-3, seed 0) and evaluated
on the first `--test-images` test images: a ranking at a comparable budget
of images seen, to read next to the papers' CIFAR-10 ranking (PixelCNN
3.14, Row LSTM 3.07, Gated PixelCNN 3.03, Diagonal BiLSTM 3.00, PixelCNN++
2.92, Image Transformer 2.90 bits/dim). Not a speed benchmark: the seconds
are recorded but other jobs may share the CPU. Usage:

    .venv/bin/python benchmarks/autoregressive_bits_per_dim.py \
        --train-images 6400 --test-images 1000
"""

import argparse
import json
import os
import time

import keras

import kerasgen
from kerasgen.datasets import fashion_mnist

MODELS = [
    ("PixelCNN", {}),
    ("PixelRNN", {"cell": "row_lstm"}),
    ("GatedPixelCNN", {}),
    ("PixelRNN", {"cell": "diagonal_bilstm"}),
    ("PixelCNNPlusPlus", {"num_mixtures": 5}),
    ("ImageTransformer", {}),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train-images", type=int, default=6400)
    parser.add_argument("--test-images", type=int, default=1000)
    parser.add_argument(
        "--output",
        default="benchmarks/results/autoregressive_bits_per_dim.json",
    )
    args = parser.parse_args()
    (x_train, _), (x_test, _) = fashion_mnist.load_data()
    x_train = x_train[: args.train_images, ..., None]
    x_test = x_test[: args.test_images, ..., None]
    runs = []
    for name, kwargs in MODELS:
        keras.utils.set_random_seed(0)
        model = getattr(kerasgen.models, name)(seed=0, **kwargs)
        model.compile()
        start = time.perf_counter()
        history = model.fit(x_train, epochs=1, batch_size=64, verbose=0)
        seconds = time.perf_counter() - start
        logs = model.evaluate(
            x_test, batch_size=100, return_dict=True, verbose=0
        )
        run = {
            "model": name,
            "kwargs": kwargs,
            "num_params": int(model.count_params()),
            "train_bits_per_dim": round(history.history["bits_per_dim"][-1], 4),
            "test_bits_per_dim": round(logs["bits_per_dim"], 4),
            "train_seconds": round(seconds, 1),
        }
        print(json.dumps(run), flush=True)
        runs.append(run)
    result = {
        "benchmark": "autoregressive_bits_per_dim",
        "train_images": args.train_images,
        "test_images": args.test_images,
        "epochs": 1,
        "batch_size": 64,
        "runs": sorted(runs, key=lambda r: r["test_bits_per_dim"]),
    }
    os.makedirs(os.path.dirname(args.output), exist_ok=True)
    with open(args.output, "w") as f:
        json.dump(result, f, indent=2)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
