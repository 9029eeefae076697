"""Give every kernel this server starts the extension's store settings, in the kernel's own environment.

`jupyter_mlops.start_run()` and the widget read them there, so a notebook logs to the store the panel shows.
The server's `os.environ` is left alone: the variables are added to the `env` each kernel is launched with
(jupyter_server passes it on restarts too), on this server's kernel manager only.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

from jupyter_core.utils import ensure_async

KERNEL_ENV_TRACKING_URI = "JUPYTER_MLOPS_TRACKING_URI"
KERNEL_ENV_REGISTRY_URI = "JUPYTER_MLOPS_REGISTRY_URI"
KERNEL_ENV_ROOT_DIR = "JUPYTER_MLOPS_ROOT_DIR"
INSTALLED_MARK = "_jupyter_mlops_kernel_env"


def kernel_environment(
    base: Mapping[str, str] | None, variables: Mapping[str, str], defaults: Mapping[str, str]
) -> dict[str, str]:
    """The environment of a kernel: `base` (the server's environment when None), then `defaults` where
    unset, then `variables`."""
    environment = dict(os.environ if base is None else base)
    for name, value in defaults.items():
        environment.setdefault(name, value)
    environment.update(variables)
    return environment


def add_to_kernel_env(
    kernel_manager: Any, variables: Callable[[], Mapping[str, str]], defaults: Callable[[], Mapping[str, str]]
) -> None:
    """Make `kernel_manager.start_kernel` launch kernels with `variables()` (and `defaults()` where unset)
    added to their environment. Idempotent: a second call on the same manager does nothing."""
    if getattr(kernel_manager, INSTALLED_MARK, False):
        return
    start_kernel = kernel_manager.start_kernel

    async def start_kernel_with_settings(*args: Any, **kwargs: Any) -> Any:
        kwargs["env"] = kernel_environment(kwargs.get("env"), variables(), defaults())
        return await ensure_async(start_kernel(*args, **kwargs))

    kernel_manager.start_kernel = start_kernel_with_settings
    setattr(kernel_manager, INSTALLED_MARK, True)
