import pytest

from kerasgen.recipes import DatasetInfo


@pytest.fixture
def parse():
    """`parse(name, *flags)`: the namespace `kerasgen train NAME` parses."""
    from kerasgen.cli import build_parser

    def parse(name, *flags):
        return build_parser().parse_args(
            ["train", name, "--output-dir", "unused", *flags]
        )

    return parse


@pytest.fixture
def fmnist_info():
    return DatasetInfo((28, 28, 1), num_classes=10)
