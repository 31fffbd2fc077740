"""The metrics table of a model card, generated from a bundle's metadata."""

import numbers
import os

from kerasgen.evaluation.measurement import describe_key

BEGIN_MARKER = "<!-- metrics:begin -->"
END_MARKER = "<!-- metrics:end -->"


def _format_value(value):
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return format(float(value), ".6g")
    if isinstance(value, (list, tuple)):
        return ", ".join(_format_value(item) for item in value)
    return str(value)


def _cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_metrics_table(metrics, metric_commands=None):
    """A markdown table of measured metrics and the commands behind them.

    Args:
        metrics: dict `{key: value}`, e.g. `metadata["metrics"]`. Values are
            numbers, strings or lists.
        metric_commands: dict `{key: command}` or `None`, e.g.
            `metadata["metric_commands"]`: the exact command that measures
            each key (`metric_command`). Defaults to `None`.

    Returns:
        str: the table (metric, value, a reference to its command, what it
        measures), then the numbered commands as code.

    Example:
    >>> print(render_metrics_table(
    ...     {"fid": 4.77}, {"fid": "kerasgen evaluate m --metrics fid"}
    ... ).splitlines()[2][:23])
    | fid | 4.77 | [1] | Fr
    """
    if not isinstance(metrics, dict):
        raise ValueError(
            f"metrics must be a dict of metric values; received "
            f"{type(metrics).__name__}"
        )
    metric_commands = metric_commands or {}
    if not isinstance(metric_commands, dict):
        raise ValueError(
            "metric_commands must be a dict {metric: command} or None; "
            f"received {type(metric_commands).__name__}"
        )
    unknown = sorted(set(metric_commands) - set(metrics))
    if unknown:
        raise ValueError(
            f"metric_commands names metrics that metrics lacks: {unknown}; "
            f"metrics has {sorted(metrics)}"
        )
    commands = list(dict.fromkeys(metric_commands.values()))
    lines = [
        "| metric | value | command | what it measures |",
        "| --- | --- | --- | --- |",
    ]
    for key, value in metrics.items():
        command = metric_commands.get(key)
        reference = f"[{commands.index(command) + 1}]" if command else ""
        lines.append(
            f"| {_cell(key)} | {_cell(_format_value(value))} | {reference} | "
            f"{_cell(describe_key(key) or '')} |"
        )
    if commands:
        lines.append("")
        lines.append("Commands that re-measure these numbers:")
        lines.append("")
        for number, command in enumerate(commands, start=1):
            lines.append(f"{number}. `{command}`")
    return "\n".join(lines) + "\n"


def update_model_card(readme_path, metadata):
    """Writes the metrics table into a model card, between the markers.

    Replaces the text between `<!-- metrics:begin -->` and
    `<!-- metrics:end -->`, leaving everything else as it was; a card
    without the markers gets a `## Metrics` section with them at its end.

    Args:
        readme_path: str. The model card (`README.md`) to update in place.
        metadata: dict with `"metrics"` and optionally `"metric_commands"`
            (a bundle's `metadata.json`).

    Returns:
        str, the new text of the card.
    """
    if not isinstance(readme_path, (str, os.PathLike)) or not os.path.isfile(
        readme_path
    ):
        raise ValueError(
            f"readme_path must be an existing model card file; received "
            f"{readme_path!r}"
        )
    if not isinstance(metadata, dict) or "metrics" not in metadata:
        raise ValueError(
            "metadata must be a dict with 'metrics' (and 'metric_commands'); "
            f"received {type(metadata).__name__}"
            + (
                f" with keys {sorted(metadata)}"
                if isinstance(metadata, dict)
                else ""
            )
        )
    table = render_metrics_table(
        metadata["metrics"], metadata.get("metric_commands")
    )
    with open(readme_path, encoding="utf-8") as f:
        text = f.read()
    begins, ends = text.count(BEGIN_MARKER), text.count(END_MARKER)
    if begins == 0 and ends == 0:
        separator = "" if text.endswith("\n") or not text else "\n"
        text = (
            f"{text}{separator}\n## Metrics\n\n{BEGIN_MARKER}\n{table}"
            f"{END_MARKER}\n"
        )
    else:
        start, stop = text.find(BEGIN_MARKER), text.find(END_MARKER)
        if begins != 1 or ends != 1 or stop < start:
            raise ValueError(
                f"readme_path {os.fspath(readme_path)!r} must hold one "
                f"{BEGIN_MARKER} followed by one {END_MARKER}; received "
                f"{begins} begin and {ends} end markers"
            )
        start += len(BEGIN_MARKER)
        text = f"{text[:start]}\n{table}{text[stop:]}"
    with open(readme_path, "w", encoding="utf-8") as f:
        f.write(text)
    return text
