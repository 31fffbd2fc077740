"""Evaluation: `evaluate(model, ...)` and a registry of named measurements.

Measurements (`list_measurements()`): sample (`fid`, `kid`, `is`,
`precision`, `recall`, `pr`, `label_agreement`), reconstruction (`mse`,
`psnr`, `reconstruction_fid`, `reconstruction_kid`, `codebook_usage`,
`codebook_perplexity`), likelihood (`bits_per_dim`, `evaluate`) and
baselines (`histogram_bits_per_dim`, `real_fid`, `real_kid`,
`classifier_accuracy`), caption models (`text_to_image`,
`image_to_text`). `kerasgen evaluate` and `kerasgen bundle` call
`evaluate`; a bundle stores `metric_command(...)` for each number and its
model card's table comes from `update_model_card`.
"""

from kerasgen.evaluation import baseline_measurements  # noqa: F401
from kerasgen.evaluation import caption_measurements  # noqa: F401
from kerasgen.evaluation import likelihood_measurements  # noqa: F401
from kerasgen.evaluation import reconstruction_measurements  # noqa: F401
from kerasgen.evaluation import sample_measurements  # noqa: F401
from kerasgen.evaluation.baseline_measurements import histogram_bits_per_dim
from kerasgen.evaluation.evaluate import evaluate
from kerasgen.evaluation.evaluate import run_measurements
from kerasgen.evaluation.evaluation_context import EvaluationContext
from kerasgen.evaluation.measurement import Measurement
from kerasgen.evaluation.measurement import get_measurement
from kerasgen.evaluation.measurement import list_measurements
from kerasgen.evaluation.measurement import register_measurement
from kerasgen.evaluation.measurement import unregister_measurement
from kerasgen.evaluation.metric_command import add_evaluate_arguments
from kerasgen.evaluation.metric_command import evaluate_kwargs
from kerasgen.evaluation.metric_command import measurements_help
from kerasgen.evaluation.metric_command import metric_command
from kerasgen.evaluation.metric_command import parse_generate_kwargs
from kerasgen.evaluation.metric_command import parse_metric_command
from kerasgen.evaluation.model_card import render_metrics_table
from kerasgen.evaluation.model_card import update_model_card
