"""Re-runs the metric commands stored in bundles and compares the numbers.

Every number in a bundle's `metadata.json` carries the `kerasgen evaluate`
command that measured it (`metric_commands`). This script runs those
commands again (the commands of a bundle that differ only in `--metrics`
as one evaluation, as `kerasgen evaluate` with several metrics would) and
prints, as JSON, each stored value beside the re-measured one. Usage, from
the repository root:

    .venv/bin/python applications/remeasure.py [--kinds KINDS] [NAME ...]

`--kinds` (default: every kind) keeps the measurements of the given kinds
(comma-separated: sample, reconstruction, likelihood, baseline, caption):
`--kinds reconstruction,likelihood,baseline` skips the ones that sample
thousands of images. Exits 1 when a re-measured number differs.
"""

import argparse
import json
import os
import sys

from kerasgen import applications
from kerasgen import evaluation

HERE = os.path.dirname(os.path.abspath(__file__))


def bundle_names():
    return sorted(
        name
        for name in os.listdir(HERE)
        if os.path.isfile(os.path.join(HERE, name, "metadata.json"))
    )


def remeasure(name, kinds=None):
    """`{metric: {"stored", "measured", "command"}}` for one bundle."""
    with open(os.path.join(HERE, name, "metadata.json")) as f:
        metadata = json.load(f)
    groups = {}
    for key, command in metadata.get("metric_commands", {}).items():
        model, kwargs = evaluation.parse_metric_command(command)
        metrics = kwargs.pop("metrics")
        if kinds is not None and not all(
            evaluation.get_measurement(m).kind in kinds for m in metrics
        ):
            continue
        setting = json.dumps([model, kwargs], sort_keys=True)
        group = groups.setdefault(setting, {"metrics": set(), "keys": {}})
        group["metrics"].update(metrics)
        group["keys"][key] = command
    rows = {}
    for setting, group in groups.items():
        model, kwargs = json.loads(setting)
        results = evaluation.evaluate(
            applications.load(model),
            metrics=sorted(group["metrics"]),
            verbose=0,
            **kwargs,
        )
        for key, command in group["keys"].items():
            rows[key] = {
                "stored": metadata["metrics"][key],
                "measured": results.get(key),
                "command": command,
            }
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", help="Bundles (default: all).")
    parser.add_argument("--kinds", default=None, help="Measurement kinds.")
    args = parser.parse_args(argv)
    kinds = None if args.kinds is None else set(args.kinds.split(","))
    report, differing = {}, 0
    for name in args.names or bundle_names():
        report[name] = remeasure(name, kinds)
        differing += sum(
            row["stored"] != row["measured"] for row in report[name].values()
        )
        print(json.dumps({name: report[name]}, indent=1), flush=True)
    print(json.dumps({"differing": differing}))
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
