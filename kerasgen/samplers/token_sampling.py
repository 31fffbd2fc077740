"""keras-hub samplers inside kerasgen's compiled, seeded generate loops.

keras-hub's sampler contract (`keras_hub.samplers.Sampler.__call__`): the
sampler runs the loop over positions, calls the model's `next(prompt,
cache, index)` for the logits of position `index`, turns them into
probabilities (`compute_probabilities`: softmax of `logits / temperature`)
and picks a token (`get_next_token`: greedy, random, top-k, top-p); prompt
positions (`mask` True) are kept. kerasgen uses those samplers unchanged,
with two adjustments for its compiled generate functions:

- Seeds. A keras-hub sampler draws from a `SeedGenerator` variable, which
  a compiled function can neither create nor, on JAX, thread through its
  loop. `sample_tokens` gives the sampler a stateless
  `seed_utils.TensorSeed` folded with the position index for every step,
  so the same seed gives the same tokens, compiled or eager.
- Construction. Samplers are built once, outside the compiled function
  (`get_sampler`, cached by its arguments).

Classifier-free guidance and token masks are the caller's `next`: it
returns the logits the sampler should see (ARCHITECTURE.md: "sampler
probabilities come after guidance").
"""

import keras_hub

from kerasgen.utils import argument_validation as av

_NAMES = ("greedy", "random", "top_k", "top_p")
_CACHE = {}


def check_sampling_arguments(
    sampler=None, temperature=1.0, top_k=None, top_p=None
):
    """Validated `(sampler, temperature, top_k, top_p)`.

    Raises:
        ValueError: `temperature <= 0`, `top_k < 1`, `top_p` outside `(0,
            1]`, an unknown sampler name, or `top_k` / `top_p` given with
            a sampler they do not belong to.
    """
    temperature = av.check_float(
        "temperature", temperature, minimum=0.0, min_inclusive=False
    )
    if top_k is not None:
        top_k = av.check_int("top_k", top_k, minimum=1)
    if top_p is not None:
        top_p = av.check_float(
            "top_p", top_p, minimum=0.0, maximum=1.0, min_inclusive=False
        )
    if isinstance(sampler, keras_hub.samplers.Sampler):
        if top_k is not None or top_p is not None:
            raise ValueError(
                "top_k and top_p are options of the named samplers; a "
                f"keras-hub sampler instance carries its own (received "
                f"{type(sampler).__name__} with top_k={top_k}, "
                f"top_p={top_p})"
            )
        return sampler, temperature, top_k, top_p
    if sampler is None:
        sampler = (
            "top_p" if top_p is not None else "top_k" if top_k else "random"
        )
    av.check_choice("sampler", sampler, _NAMES)
    if sampler == "top_k" and top_k is None:
        raise ValueError("sampler='top_k' needs top_k (an int >= 1)")
    if sampler == "top_p" and top_p is None:
        raise ValueError("sampler='top_p' needs top_p (a float in (0, 1])")
    if sampler in ("greedy", "random") and (top_k or top_p):
        raise ValueError(
            f"sampler={sampler!r} takes no top_k or top_p; received "
            f"top_k={top_k}, top_p={top_p}"
        )
    return sampler, temperature, top_k, top_p


def get_sampler(sampler=None, temperature=1.0, top_k=None, top_p=None):
    """A keras-hub sampler, built once per set of arguments.

    Args:
        sampler: `None` (from `top_k`/`top_p`: top-p when `top_p` is given,
            with `top_k` as its pre-filter, else top-k when `top_k` is
            given, else plain sampling), `"greedy"`, `"random"`, `"top_k"`,
            `"top_p"`, or a `keras_hub.samplers.Sampler` (used as given).
        temperature: float > 0. Divides the logits. Defaults to 1.
        top_k: int >= 1 or `None`.
        top_p: float in `(0, 1]` or `None`.

    Returns:
        A `keras_hub.samplers.Sampler`.
    """
    sampler, temperature, top_k, top_p = check_sampling_arguments(
        sampler, temperature, top_k, top_p
    )
    if isinstance(sampler, keras_hub.samplers.Sampler):
        return sampler
    key = (sampler, temperature, top_k, top_p)
    if key not in _CACHE:
        samplers = keras_hub.samplers
        if sampler == "greedy":
            built = samplers.GreedySampler(temperature=temperature)
        elif sampler == "random":
            built = samplers.RandomSampler(temperature=temperature)
        elif sampler == "top_k":
            built = samplers.TopKSampler(k=top_k, temperature=temperature)
        else:
            built = samplers.TopPSampler(
                p=top_p, k=top_k, temperature=temperature
            )
        _CACHE[key] = built
    return _CACHE[key]


def sample_tokens(
    sampler,
    next_fn,
    prompt,
    seed,
    cache=None,
    index=0,
    mask=None,
    stop_token_ids=None,
):
    """Runs `sampler` over `prompt` with a stateless seed per position.

    Args:
        sampler: a `keras_hub.samplers.Sampler` (see `get_sampler`).
        next_fn: `next(prompt, cache, index) -> (logits (batch, vocab),
            hidden_states or None, cache)`, keras-hub's contract: the
            logits of position `index`.
        prompt: int `(batch, length)`; positions `>= index` not in `mask`
            are overwritten with sampled ids.
        seed: `kerasgen.utils.seed_utils.TensorSeed`.
        cache: the state threaded through `next_fn` (a KV cache, or `()`).
        index: int or scalar tensor, the first position to sample.
        mask: bool `(batch, length)` or `None`: True keeps the prompt's id.
        stop_token_ids: ids that end a row (keras-hub's semantics).

    Returns:
        The completed `prompt`.
    """

    def seeded_next(prompt, cache, index):
        # Called first in every step of the sampler's loop body, so the
        # sampler's draw in the same step uses this step's seed.
        object.__setattr__(sampler, "seed_generator", seed.fold_in(index))
        return next_fn(prompt, cache, index)

    return sampler(
        seeded_next,
        prompt,
        cache=cache,
        index=index,
        mask=mask,
        stop_token_ids=stop_token_ids,
    )
