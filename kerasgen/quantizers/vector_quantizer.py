"""Vector quantization with a learned codebook (VQ-VAE)."""

import keras
import numpy as np
from keras import layers
from keras import ops

from kerasgen.quantizers import _quantizer_utils as utils
from kerasgen.quantizers.quantizer import Quantizer
from kerasgen.utils import argument_validation as av
from kerasgen.utils import distribution_utils


@keras.saving.register_keras_serializable(package="kerasgen")
class VectorQuantizer(Quantizer):
    """Nearest-neighbour lookup in a codebook, straight-through gradients.

    Every vector `z` along the last axis of the latents is replaced by the
    nearest codebook entry `e_k`, `k = argmin_j ||z - e_j||^2`, computed with
    the expanded distance `||z||^2 - 2 z.e_j + ||e_j||^2`. The output is
    `z + stop_gradient(e_k - z)`: its value is the code, its gradient the
    identity (the straight-through estimator of van den Oord et al. 2017).
    The loss per example is the mean over positions and channels of

        ||sg(z) - e_k||^2 + commitment_weight * ||z - sg(e_k)||^2

    (codebook loss plus commitment loss, eq. 3 of the paper).

    With `use_ema=True` the codebook is not trained by gradient (it is a
    non-trainable variable and the codebook term is dropped) but by an
    exponential moving average of the vectors assigned to each code, with
    Laplace smoothing (Razavi et al. 2019, appendix; Sonnet's
    `VectorQuantizerEMA`). The moving averages are kept of statistics
    normalized by the number of vectors in the batch: `usage_ema` is the
    EMA of the fraction of vectors assigned to each code, and
    `embedding_sum_ema` the EMA of the sum of each code's vectors divided
    by the number of vectors. On equal shards the mean of these over
    replicas is exactly the statistic of the global batch, so the variables
    are created with `aggregation="mean"` and one step under
    `tf.distribute.MirroredStrategy` equals one step on one device. The
    code is `embedding_sum_ema / smoothed(usage_ema)`; `epsilon` is the
    Laplace pseudo-count in units of a fraction of a batch.

    `kmeans_init=True` replaces the codebook, at the first training call,
    by `kmeans_iters` Lloyd iterations over the batch's vectors, started
    from randomly chosen vectors of the global batch (an `initialized`
    flag variable records it). `dead_code_threshold > 0` replaces, at every
    training call, each code whose `usage_ema` is below the threshold by a
    randomly chosen vector of the global batch (codebook restart, as in
    Dhariwal et al. 2020's Jukebox and lucidrains' vector-quantize-pytorch).
    Both are branchless (`ops.where`), so they compile in `tf.function` and
    with XLA; the price is that the Lloyd iterations are computed (and
    discarded) at every training step when `kmeans_init=True`. Under a
    `MirroredStrategy` every replica draws the same global row numbers from
    the same seed, contributes the rows it holds, and the replica mean
    assembles them, so the replicas and a single device pick the same
    vectors.

    `projection_dim` looks codes up in a low-dimensional space (factorized
    codes of ViT-VQGAN, Yu et al. 2021): latents are projected to
    `projection_dim` by a `Dense`, quantized there (the loss is computed
    there too) and projected back to `codebook_dim`. `l2_normalize=True`
    normalizes latents and codes before the lookup (cosine similarity, also
    from ViT-VQGAN).

    Args:
        codebook_size: int. Number of codes. Must be >= 1.
        codebook_dim: int. Size of the latent vectors (last axis).
        commitment_weight: float >= 0. Weight of the commitment loss.
            Defaults to 0.25.
        use_ema: bool. Update the codebook by EMA instead of by gradient.
            Defaults to `False`.
        decay: float in (0, 1). EMA decay of `usage_ema` and, with
            `use_ema`, of `embedding_sum_ema`. Defaults to 0.99.
        epsilon: float > 0. Laplace smoothing of the code usage. Defaults to
            1e-5.
        kmeans_init: bool. Initialize the codebook by k-means on the first
            training batch. Defaults to `False`.
        kmeans_iters: int >= 1. Lloyd iterations of the k-means init.
            Defaults to 10.
        dead_code_threshold: float in `[0, 1 / codebook_size)`. Codes whose
            `usage_ema` (fraction of vectors) falls below it are restarted;
            0 turns restarts off. Defaults to 0.0.
        l2_normalize: bool. Look up by cosine similarity. Defaults to
            `False`.
        projection_dim: int or `None`. Look up in a space of this size.
            Defaults to `None`.
        seed: int or `None`. Seed of the codebook initializer and of the
            random choices of k-means init and restarts. Defaults to `None`.

    Call arguments:
        latents: float `(batch, ..., codebook_dim)`.
        training: bool. Update the EMA statistics, run k-means init and
            restarts. Defaults to `False`.

    Returns:
        A dict with `"quantized"` (the shape of `latents`, straight-through
        gradients), `"indices"` (int32 `(batch, ...)`), `"loss"` (float32
        `(batch,)`), `"perplexity"` (`exp` of the entropy of the batch's
        average code assignment) and `"usage"` (fraction of codes used in
        the batch). The same perplexity and usage are logged by
        `perplexity_tracker` and `usage_tracker` (metrics named
        `<layer name>_perplexity` and `<layer name>_usage`, which appear in
        the logs of a model holding the layer). In a training call under a
        `MirroredStrategy` they are statistics of the global batch; in an
        inference call, of each replica's batch.

    Example:
    >>> quantizer = VectorQuantizer(codebook_size=8, codebook_dim=4, seed=0)
    >>> outputs = quantizer(keras.random.normal((2, 3, 3, 4), seed=0))
    >>> tuple(outputs["quantized"].shape), tuple(outputs["indices"].shape)
    ((2, 3, 3, 4), (2, 3, 3))
    >>> tuple(quantizer.indices_to_codes(outputs["indices"]).shape)
    (2, 3, 3, 4)

    References:
        van den Oord et al. 2017, "Neural Discrete Representation Learning".
        Razavi et al. 2019, "Generating Diverse High-Fidelity Images with
        VQ-VAE-2".
        Yu et al. 2021, "Vector-quantized Image Modeling with Improved
        VQGAN".
    """

    def __init__(
        self,
        codebook_size,
        codebook_dim,
        commitment_weight=0.25,
        use_ema=False,
        decay=0.99,
        epsilon=1e-5,
        kmeans_init=False,
        kmeans_iters=10,
        dead_code_threshold=0.0,
        l2_normalize=False,
        projection_dim=None,
        seed=None,
        **kwargs,
    ):
        codebook_size, codebook_dim, kmeans_iters = utils.check_vq_arguments(
            codebook_size,
            codebook_dim,
            commitment_weight,
            use_ema,
            decay,
            epsilon,
            kmeans_init,
            kmeans_iters,
            dead_code_threshold,
        )
        projection_dim = av.check_positive_int(
            "projection_dim", projection_dim, allow_none=True
        )
        utils.check_bool("l2_normalize", l2_normalize)
        super().__init__(codebook_size, codebook_dim, **kwargs)

        # === Layers ===
        self.input_projection = None
        self.output_projection = None
        if projection_dim is not None:
            self.input_projection = layers.Dense(
                projection_dim,
                name="input_projection",
                dtype=self.dtype_policy,
            )
            self.output_projection = layers.Dense(
                codebook_dim,
                name="output_projection",
                dtype=self.dtype_policy,
            )
        self.seed_generator = keras.random.SeedGenerator(seed)

        # === Config ===
        self.commitment_weight = float(commitment_weight)
        self.use_ema = use_ema
        self.decay = float(decay)
        self.epsilon = float(epsilon)
        self.kmeans_init = kmeans_init
        self.kmeans_iters = kmeans_iters
        self.dead_code_threshold = float(dead_code_threshold)
        self.l2_normalize = l2_normalize
        self.projection_dim = projection_dim
        self.seed = seed
        self.lookup_dim = projection_dim or codebook_dim

    def build(self, input_shape):
        super().build(input_shape)
        if self.projection_dim is not None:
            self.input_projection.build(input_shape)
            self.output_projection.build(
                tuple(input_shape[:-1]) + (self.projection_dim,)
            )
        # Uniform with variance 1 / lookup_dim (Sonnet's VQ-VAE default).
        # An int seed makes every call of the initializer draw the same
        # values: the EMA sum below starts from the same codebook.
        seed = self.seed
        if seed is None:
            seed = int(np.random.randint(0, 2**31 - 1))
        initializer = keras.initializers.VarianceScaling(
            scale=1.0, mode="fan_out", distribution="uniform", seed=seed
        )
        shape = (self.codebook_size, self.lookup_dim)

        def scaled_initializer(shape, dtype=None):
            return initializer(shape, dtype=dtype) / self.codebook_size

        self.codebook = self.add_weight(
            name="codebook",
            shape=shape,
            initializer=initializer,
            trainable=not self.use_ema,
            aggregation="mean",
            autocast=False,
        )
        # EMA of the fraction of vectors assigned to each code (every
        # replica assigns its own batch's fraction; the mean aggregation
        # makes the update the one of the global batch).
        self.usage_ema = self.add_weight(
            name="usage_ema",
            shape=(self.codebook_size,),
            initializer=keras.initializers.Constant(1.0 / self.codebook_size),
            trainable=False,
            aggregation="mean",
            autocast=False,
        )
        # The last training batch's fraction per code (also the scratch of
        # the replica mean of the k-means counts).
        self.batch_code_fraction = self.add_weight(
            name="batch_code_fraction",
            shape=(self.codebook_size,),
            initializer="zeros",
            trainable=False,
            aggregation="mean",
            autocast=False,
        )
        if self.use_ema:
            # Starts at codebook * usage_ema, so that the EMA codebook starts
            # at the initial codebook.
            self.embedding_sum_ema = self.add_weight(
                name="embedding_sum_ema",
                shape=shape,
                initializer=scaled_initializer,
                trainable=False,
                aggregation="mean",
                autocast=False,
            )
        if self.kmeans_init:
            self.initialized = self.add_weight(
                name="initialized",
                shape=(),
                initializer="zeros",
                trainable=False,
                aggregation="mean",
                autocast=False,
            )
        self.built = True

    # --- Helpers.
    def _normalize(self, vectors):
        return vectors / ops.sqrt(
            ops.maximum(
                ops.sum(ops.square(vectors), axis=-1, keepdims=True), 1e-12
            )
        )

    def _lookup_codebook(self):
        codebook = ops.convert_to_tensor(self.codebook)
        if self.l2_normalize:
            codebook = self._normalize(codebook)
        return codebook

    def _distances(self, vectors, codebook):
        # ||z||^2 - 2 z.e + ||e||^2: (num_vectors, codebook_size).
        return (
            ops.sum(ops.square(vectors), axis=1, keepdims=True)
            - 2.0 * ops.matmul(vectors, ops.transpose(codebook))
            + ops.sum(ops.square(codebook), axis=1)[None, :]
        )

    def _nearest(self, vectors, codebook):
        distances = self._distances(vectors, codebook)
        return ops.cast(ops.argmin(distances, axis=-1), "int32")

    def _replica_mean(self, variable, value):
        """Assigns `value` and reads back the mean over replicas.

        The variables have `aggregation="mean"`: an assignment in a replica
        context of a `MirroredStrategy` stores the mean of the replicas'
        values on every replica. Outside a strategy it is a plain assign.
        """
        variable.assign(value)
        return ops.convert_to_tensor(variable)

    def _global_rows(self, vectors):
        """`codebook_size` random rows of the global batch, in a replica.

        Every replica draws the same permutation of the global batch's row
        numbers from the same seed; a replica returns the rows it holds
        times the number of replicas and zeros elsewhere, so that the mean
        over replicas (`_replica_mean`) is the chosen rows of the global
        batch: those a single device picks from the same batch. Rows are
        chosen without replacement while the batch has enough of them.
        """
        num_replicas, replica_id = distribution_utils.replica_info()
        num_local = ops.shape(vectors)[0]
        num_global = num_local * num_replicas
        order = ops.argsort(
            keras.random.uniform((num_global,), seed=self.seed_generator)
        )
        picks = ops.take(
            order, ops.mod(ops.arange(self.codebook_size), num_global)
        )
        local = ops.cast(picks, "int32") - replica_id * num_local
        owned = ops.logical_and(
            ops.greater_equal(local, 0), ops.less(local, num_local)
        )
        rows = ops.take(vectors, ops.clip(local, 0, num_local - 1), axis=0)
        return rows * ops.cast(owned, rows.dtype)[:, None] * num_replicas

    def _kmeans_initialize(self, vectors):
        """Lloyd iterations on the first training batch (branchless)."""
        needed = ops.less(ops.convert_to_tensor(self.initialized), 0.5)
        old_codebook = ops.convert_to_tensor(self.codebook)
        centroids = self._replica_mean(
            self.codebook,
            ops.where(needed, self._global_rows(vectors), old_codebook),
        )
        for _ in range(self.kmeans_iters):
            one_hot = ops.one_hot(
                self._nearest(vectors, centroids),
                self.codebook_size,
                dtype="float32",
            )
            fraction = self._replica_mean(
                self.batch_code_fraction, ops.mean(one_hot, axis=0)
            )
            # Sum of each cluster's vectors / number of vectors; the
            # codebook variable is the scratch of the replica mean (it is
            # left unchanged once initialized).
            num_local = ops.cast(ops.shape(vectors)[0], "float32")
            sums = self._replica_mean(
                self.codebook,
                ops.where(
                    needed,
                    ops.matmul(ops.transpose(one_hot), vectors) / num_local,
                    old_codebook,
                ),
            )
            means = sums / ops.maximum(fraction, 1e-12)[:, None]
            if self.l2_normalize:
                means = self._normalize(means)
            centroids = ops.where(
                ops.greater(fraction, 0.0)[:, None], means, centroids
            )
        new_codebook = ops.where(needed, centroids, old_codebook)
        self.codebook.assign(new_codebook)
        uniform = ops.full((self.codebook_size,), 1.0 / self.codebook_size)
        self.usage_ema.assign(
            ops.where(needed, uniform, ops.convert_to_tensor(self.usage_ema))
        )
        if self.use_ema:
            self.embedding_sum_ema.assign(
                ops.where(
                    needed,
                    new_codebook / self.codebook_size,
                    ops.convert_to_tensor(self.embedding_sum_ema),
                )
            )
        self.initialized.assign(ops.ones(()))

    def _restart_dead_codes(self, vectors):
        """Replaces codes with `usage_ema < dead_code_threshold`."""
        usage = ops.convert_to_tensor(self.usage_ema)
        dead = ops.less(usage, self.dead_code_threshold)
        rows = self._global_rows(vectors)
        self.codebook.assign(
            ops.where(dead[:, None], rows, ops.convert_to_tensor(self.codebook))
        )
        if self.use_ema:
            # Linear in the rows, so the replica mean is right as well.
            self.embedding_sum_ema.assign(
                ops.where(
                    dead[:, None],
                    rows / self.codebook_size,
                    ops.convert_to_tensor(self.embedding_sum_ema),
                )
            )
        self.usage_ema.assign(ops.where(dead, 1.0 / self.codebook_size, usage))

    def _update_ema(self, vectors, one_hot, fraction):
        """One EMA step of the statistics (and of the codebook with EMA)."""
        usage = (
            self.decay * ops.convert_to_tensor(self.usage_ema)
            + (1.0 - self.decay) * fraction
        )
        # `fraction` is already the global mean: same value on replicas.
        self.usage_ema.assign(usage)
        if not self.use_ema:
            return
        num_local = ops.cast(ops.shape(vectors)[0], "float32")
        local_sum = ops.matmul(ops.transpose(one_hot), vectors) / num_local
        embedding_sum = self._replica_mean(
            self.embedding_sum_ema,
            self.decay * ops.convert_to_tensor(self.embedding_sum_ema)
            + (1.0 - self.decay) * local_sum,
        )
        # Laplace smoothing (Sonnet VectorQuantizerEMA).
        total = ops.sum(usage)
        smoothed = (
            (usage + self.epsilon)
            / (total + self.codebook_size * self.epsilon)
            * total
        )
        self.codebook.assign(embedding_sum / smoothed[:, None])

    # --- Quantization.
    def _quantize(self, latents, training):
        latents_shape = ops.shape(latents)
        projected = latents
        if self.input_projection is not None:
            projected = self.input_projection(latents)
        projected = ops.cast(projected, "float32")
        vectors = ops.reshape(projected, (-1, self.lookup_dim))
        if self.l2_normalize:
            vectors = self._normalize(vectors)
        # vectors: (num_vectors, lookup_dim)

        if training and self.kmeans_init:
            self._kmeans_initialize(ops.stop_gradient(vectors))
        if training and self.dead_code_threshold > 0:
            self._restart_dead_codes(ops.stop_gradient(vectors))

        codebook = self._lookup_codebook()
        flat_indices = self._nearest(ops.stop_gradient(vectors), codebook)
        flat_codes = ops.take(codebook, flat_indices, axis=0)
        one_hot = ops.one_hot(flat_indices, self.codebook_size, dtype="float32")
        local_fraction = ops.mean(one_hot, axis=0)
        if training:
            fraction = self._replica_mean(
                self.batch_code_fraction, local_fraction
            )
            self._update_ema(ops.stop_gradient(vectors), one_hot, fraction)
        else:
            fraction = local_fraction

        vectors = ops.reshape(vectors, ops.shape(projected))
        codes = ops.reshape(flat_codes, ops.shape(projected))
        # Eq. 3 of van den Oord et al. 2017, per example.
        commitment_loss = utils.per_example_mean(
            ops.square(vectors - ops.stop_gradient(codes))
        )
        loss = self.commitment_weight * commitment_loss
        if not self.use_ema:
            loss = loss + utils.per_example_mean(
                ops.square(ops.stop_gradient(vectors) - codes)
            )
        # Straight-through estimator: value of the codes, gradient identity.
        quantized = vectors + ops.stop_gradient(codes - vectors)
        if self.output_projection is not None:
            quantized = self.output_projection(quantized)
        return {
            "quantized": quantized,
            "indices": ops.reshape(flat_indices, latents_shape[:-1]),
            "loss": loss,
            "code_fraction": fraction,
        }

    def _indices_to_codes(self, indices):
        codes = ops.take(self._lookup_codebook(), indices, axis=0)
        if self.output_projection is not None:
            codes = self.output_projection(codes)
        return codes
