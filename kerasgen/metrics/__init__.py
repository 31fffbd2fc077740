"""Evaluation metrics: FID, KID, Inception Score, precision/recall, bits/dim.

The feature metrics (`FrechetDistance`, `KernelInceptionDistance`,
`InceptionScore`, `PrecisionRecall`) are `keras.metrics.Metric`s whose
statistics live on the host in float64 NumPy: use them standalone or in a
callback (eager). `BitsPerDim` keeps Keras variables and also compiles.
"""

from kerasgen.metrics.bits_per_dim import BitsPerDim
from kerasgen.metrics.feature_extractor import FeatureExtractor
from kerasgen.metrics.frechet_distance import FrechetDistance
from kerasgen.metrics.frechet_distance import frechet_distance
from kerasgen.metrics.inception_score import InceptionScore
from kerasgen.metrics.kernel_inception_distance import KernelInceptionDistance
from kerasgen.metrics.kernel_inception_distance import polynomial_mmd_unbiased
from kerasgen.metrics.matrix_sqrt import sqrtm_product
from kerasgen.metrics.matrix_sqrt import sqrtm_psd
from kerasgen.metrics.matrix_sqrt import trace_sqrt_product
from kerasgen.metrics.precision_recall import PrecisionRecall
from kerasgen.metrics.reference_statistics import cached_reference_statistics
from kerasgen.metrics.reference_statistics import compute_statistics
from kerasgen.metrics.reference_statistics import default_cache_dir
from kerasgen.metrics.reference_statistics import load_reference_statistics
from kerasgen.metrics.reference_statistics import reference_statistics_path
from kerasgen.metrics.reference_statistics import save_reference_statistics
