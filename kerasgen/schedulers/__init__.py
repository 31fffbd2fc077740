"""Diffusion schedulers: stateless noise schedules and reverse steps.

`get_scheduler(name, like=None, **kwargs)` builds one by name (`"ddpm"`,
`"ddim"`, `"dpm_solver"`, `"euler"`, `"heun"`, `"score_sde_vp"` for
VP-trained models; `"annealed_langevin"`, `"score_sde_ve"` for VE-trained
score models), `like` a scheduler whose noise schedule the new one keeps
(a model trained with one samples with another of the same process).
"""

from kerasgen.schedulers.annealed_langevin_scheduler import (
    AnnealedLangevinScheduler,
)
from kerasgen.schedulers.ddim_scheduler import DDIMScheduler
from kerasgen.schedulers.ddpm_scheduler import DDPMScheduler
from kerasgen.schedulers.dpm_solver_multistep_scheduler import (
    DPMSolverMultistepScheduler,
)
from kerasgen.schedulers.euler_scheduler import EulerScheduler
from kerasgen.schedulers.heun_scheduler import HeunScheduler
from kerasgen.schedulers.scheduler import Scheduler
from kerasgen.schedulers.scheduler import make_betas
from kerasgen.schedulers.scheduler import rescale_zero_terminal_snr
from kerasgen.schedulers.score_sde_ve_scheduler import ScoreSdeVeScheduler
from kerasgen.schedulers.score_sde_vp_scheduler import ScoreSdeVpScheduler
from kerasgen.schedulers.sigma_scheduler import SigmaScheduler
from kerasgen.schedulers.sigma_scheduler import karras_sigmas
from kerasgen.schedulers.ve_scheduler import VEScheduler

SCHEDULERS = {
    cls.name: cls
    for cls in (
        DDPMScheduler,
        DDIMScheduler,
        DPMSolverMultistepScheduler,
        EulerScheduler,
        HeunScheduler,
        AnnealedLangevinScheduler,
        ScoreSdeVeScheduler,
        ScoreSdeVpScheduler,
    )
}


def list_schedulers():
    """The registered scheduler names."""
    return sorted(SCHEDULERS)


def get_scheduler(name, like=None, **kwargs):
    """A scheduler by registry name, or `name` itself if a `Scheduler`.

    Args:
        name: str (`list_schedulers()`) or a `Scheduler`.
        like: a `Scheduler` or `None`. The new one keeps its noise
            schedule and prediction type (`Scheduler.like`).
        **kwargs: constructor arguments (overrides with `like`).
    """
    if isinstance(name, Scheduler):
        return name
    if name not in SCHEDULERS:
        raise ValueError(
            f"scheduler must be one of {list_schedulers()} or a Scheduler; "
            f"received {name!r}"
        )
    if like is not None:
        return like.like(SCHEDULERS[name], **kwargs)
    return SCHEDULERS[name](**kwargs)
