"""Recipes of the diffusion models: `ddpm`, `ddpm_cfg` and the
`noise_classifier` of classifier guidance."""

import argparse

from kerasgen.recipes.recipe import Recipe
from kerasgen.recipes.recipe import int_tuple
from kerasgen.recipes.recipe import register_recipe
from kerasgen.utils import argument_validation as av


class _ForwardProcessRecipe(Recipe):
    """Shared flags: the forward process and the network's size."""

    supports_validation = False
    tiny_arguments = ("--filters", "8,8", "--num-res-blocks", "1")
    #: Default of `--num-res-blocks`.
    num_res_blocks = 2

    def add_arguments(self, parser):
        from kerasgen import schedulers

        parser.add_argument(
            "--filters",
            type=int_tuple,
            default=(32, 64, 64),
            help="Level widths, comma-separated (attention at the last). "
            "Default: 32,64,64 (28x28 -> 14x14 -> 7x7).",
        )
        parser.add_argument(
            "--num-res-blocks",
            type=int,
            default=self.num_res_blocks,
            help=f"Residual blocks per level. Default: {self.num_res_blocks}.",
        )
        parser.add_argument(
            "--dropout",
            type=float,
            default=0.1,
            help="Dropout in the residual blocks. Default: 0.1.",
        )
        parser.add_argument(
            "--num-train-timesteps",
            type=int,
            default=1000,
            help="Diffusion steps T. Default: 1000.",
        )
        parser.add_argument(
            "--beta-schedule",
            default="linear",
            choices=list(schedulers.scheduler.BETA_SCHEDULES),
            help="Noise schedule. Default: linear (Ho et al. 2020).",
        )

    def _scheduler(self, args, **kwargs):
        from kerasgen import schedulers

        return schedulers.DDPMScheduler(
            num_train_timesteps=av.check_int(
                "--num-train-timesteps", args.num_train_timesteps, 2
            ),
            beta_schedule=args.beta_schedule,
            **kwargs,
        )

    def _network_kwargs(self, args):
        filters = av.check_int_tuple("--filters", args.filters)
        return dict(
            filters=filters,
            num_res_blocks=av.check_positive_int(
                "--num-res-blocks", args.num_res_blocks
            ),
            dropout=av.check_float(
                "--dropout", args.dropout, 0.0, 1.0, max_inclusive=False
            ),
            num_groups=8 if all(f % 8 == 0 for f in filters) else 1,
        )


class _DiffusionRecipe(_ForwardProcessRecipe):
    """The denoisers' flags: prediction type and sampling clip."""

    supports_ema = True

    def add_arguments(self, parser):
        from kerasgen import schedulers

        super().add_arguments(parser)
        parser.add_argument(
            "--prediction-type",
            default="epsilon",
            choices=list(schedulers.scheduler.PREDICTION_TYPES),
            help="What the U-Net predicts. Default: epsilon.",
        )
        parser.add_argument(
            "--clip-sample",
            action=argparse.BooleanOptionalAction,
            default=True,
            help="Clip the predicted x_0 to [-1, 1] when sampling, with "
            "every scheduler (diffusers' default; without it about a "
            "quarter of 20-step samples of a 5-epoch model saturate). "
            "Default: on.",
        )

    def _model_kwargs(self, args):
        return dict(
            scheduler=self._scheduler(
                args,
                prediction_type=args.prediction_type,
                clip_sample=args.clip_sample,
            ),
            unet_kwargs=self._network_kwargs(args),
            seed=args.seed,
        )


@register_recipe
class DDPMRecipe(_DiffusionRecipe):
    name = "ddpm"
    summary = "Denoising diffusion (Ho et al. 2020), unconditional U-Net"

    def build_model(self, args, dataset_info):
        from kerasgen.models import DiffusionModel

        return DiffusionModel(
            image_shape=dataset_info.image_shape, **self._model_kwargs(args)
        )


@register_recipe
class DDPMGuidedRecipe(_DiffusionRecipe):
    name = "ddpm_cfg"
    summary = (
        "Class-conditional denoising diffusion with label dropout for "
        "classifier-free guidance (Ho & Salimans 2022)"
    )
    with_labels = True

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--label-dropout",
            type=float,
            default=0.1,
            help="Share of labels replaced by the null class. Default: 0.1.",
        )

    def build_model(self, args, dataset_info):
        from kerasgen.models import DiffusionModel

        return DiffusionModel(
            image_shape=dataset_info.image_shape,
            num_classes=dataset_info.num_classes,
            label_dropout=av.check_float(
                "--label-dropout",
                args.label_dropout,
                0.0,
                1.0,
                min_inclusive=False,
                max_inclusive=False,
            ),
            **self._model_kwargs(args),
        )


@register_recipe
class NoiseClassifierRecipe(_ForwardProcessRecipe):
    name = "noise_classifier"
    summary = (
        "Noise-aware classifier of x_t for classifier guidance (Dhariwal & "
        "Nichol 2021); use the diffusion model's --num-train-timesteps and "
        "--beta-schedule"
    )
    with_labels = True
    sample_grid = False
    supports_validation = True
    num_res_blocks = 1

    def build_model(self, args, dataset_info):
        from kerasgen.models import NoiseAwareClassifier

        return NoiseAwareClassifier(
            scheduler=self._scheduler(args),
            image_shape=dataset_info.image_shape,
            num_classes=dataset_info.num_classes,
            network_kwargs=self._network_kwargs(args),
            seed=args.seed,
        )
