"""Optimizers: Adam whose weight EMA has a warm-up."""

from kerasgen.optimizers.ema_warmup_adam import EMAWarmupAdam
