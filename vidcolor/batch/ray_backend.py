"""Render segments on a Ray cluster (``pip install vidcolor[ray]``; imported only for ``--ray``).

One long-lived actor per GPU (or per ``cpus_per_worker`` CPUs on a cluster without GPUs) loads
the model once and renders segments handed to it: the driver keeps a queue of
:class:`~vidcolor.batch.render.SegmentJob` and gives the next one to whichever actor is free.
Actors write their segment files straight into the film's work folder, which must be on storage
every node sees (NFS, a shared disk) at the same path; they return the journal record and the
driver, the only writer of the journal, checks the file before recording it.

Failures: actors are created with ``max_restarts`` and ``max_task_retries``, so Ray restarts a
dead worker process and reruns its segment; if an actor is gone for good (its node left the
cluster), the driver starts a replacement and resubmits the segment, up to ``retries`` times per
segment. An error raised by the rendering code itself (a damaged input, say) is not retried: it
fails the film like a local run would.
"""

from __future__ import annotations

import collections
import os
from pathlib import Path
from typing import Iterable, Iterator

from vidcolor.batch.render import SegmentJob, render_segment
from vidcolor.errors import VidcolorError
from vidcolor.openmp import openmp_env

INSTALL_HINT = "pip install 'vidcolor[ray]'"


def import_ray():
    """The ``ray`` module, or a VidcolorError saying how to install it."""
    try:
        import ray
    except ImportError:
        raise VidcolorError(f"--ray needs Ray, which is not installed here: {INSTALL_HINT}") from None
    return ray


class SegmentWorker:
    """The actor: a Colorizer loaded once on the worker's device; renders jobs one at a time."""

    def __init__(self, weights: str | None, device: str, threads: int | None):
        from vidcolor.allocator import apply_malloc_defaults

        apply_malloc_defaults()  # a render process of its own (vidcolor.allocator)
        import torch

        from vidcolor.pipeline.engine import Colorizer

        if threads:
            torch.set_num_threads(threads)
        self.colorizer = Colorizer(weights, device=device)

    def render(self, job: SegmentJob) -> dict:
        return render_segment(self.colorizer, job)


class RayExecutor:
    """Renders segments on Ray actors; ``map(jobs)`` yields ``(job, record)`` as they finish.

    ``address``: ``"auto"`` (the cluster this machine belongs to, from ``ray start``),
    ``"local"`` (start a private Ray on this machine), ``"HOST:PORT"`` or ``"ray://HOST:10001"``.
    An already initialised Ray (``ray.init`` by the caller) is used as is. ``workers``: number of
    actors (default: one per GPU, else one per ``cpus_per_worker`` CPUs; at most ``max_workers``).
    ``weights``: a path every node can read (None: each node's bundled model).
    """

    def __init__(self, address: str = "auto", *, weights: str | os.PathLike | None = None, device: str = "auto",
                 workers: int | None = None, cpus_per_worker: int = 1, max_workers: int | None = None, retries: int = 3):
        ray = self._ray = import_ray()
        self._owns = False
        if not ray.is_initialized():
            try:
                if address == "local":
                    ray.init(include_dashboard=False, log_to_driver=False)
                else:
                    ray.init(address=address, log_to_driver=False)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise VidcolorError(f"cannot connect to a Ray cluster at '{address}': {exc} "
                                    "(start one with 'ray start --head', or use --ray local)") from None
            self._owns = True
        resources = ray.cluster_resources()
        gpus = 0 if device == "cpu" else int(resources.get("GPU", 0))
        if device == "cuda" and not gpus:
            raise VidcolorError("--device cuda, but the Ray cluster has no GPUs")
        if gpus:
            count, self._options, self._device, threads = gpus, {"num_gpus": 1, "num_cpus": 1}, "cuda", None
        else:
            cpus = max(1, int(resources.get("CPU", 1)))
            count = max(1, cpus // max(1, cpus_per_worker))
            self._options, self._device, threads = {"num_cpus": cpus_per_worker}, "cpu", cpus_per_worker
        count = workers or count
        if max_workers is not None:
            count = max(1, min(count, max_workers))
        self.retries = retries
        self._weights = str(Path(weights).resolve()) if weights is not None else None
        self._threads = threads
        # workers share their nodes: OpenMP threads that sleep rather than spin (vidcolor.openmp)
        self._options["runtime_env"] = {"env_vars": openmp_env()}
        self._actor_class = ray.remote(max_restarts=retries, max_task_retries=retries)(SegmentWorker)
        self.actors = [self._spawn() for _ in range(count)]
        self.replaced = 0  # actors started to replace dead ones

    def _spawn(self):
        return self._actor_class.options(**self._options).remote(self._weights, self._device, self._threads)

    def map(self, jobs: Iterable[SegmentJob]) -> Iterator[tuple[SegmentJob, dict]]:
        ray = self._ray
        from ray.exceptions import RayActorError, RayTaskError

        lost = (RayActorError,) + tuple(getattr(ray.exceptions, n) for n in ("WorkerCrashedError", "ObjectLostError", "ActorUnavailableError")
                                        if hasattr(ray.exceptions, n))
        queue = collections.deque(jobs)
        failures: collections.Counter = collections.Counter()
        idle, running = list(self.actors), {}
        try:
            while queue or running:
                while queue and idle:
                    job, actor = queue.popleft(), idle.pop()
                    running[actor.render.remote(job)] = (actor, job)
                ready, _ = ray.wait(list(running), num_returns=1)
                actor, job = running.pop(ready[0])
                try:
                    record = ray.get(ready[0])
                except RayTaskError as exc:  # the rendering code raised: not a worker failure
                    cause = getattr(exc, "cause", None)
                    if isinstance(cause, VidcolorError):
                        raise VidcolorError(str(cause)) from None
                    raise RuntimeError(f"segment {job.segment.index} failed on a Ray worker:\n{exc}") from None
                except lost as exc:
                    failures[job.segment.index] += 1
                    if failures[job.segment.index] > self.retries:
                        raise VidcolorError(f"segment {job.segment.index}: Ray workers died {failures[job.segment.index]} times "
                                            f"({type(exc).__name__})") from None
                    self.actors.remove(actor)
                    replacement = self._spawn()
                    self.actors.append(replacement)
                    self.replaced += 1
                    idle.append(replacement)
                    queue.appendleft(job)
                    continue
                idle.append(actor)
                yield job, record
        finally:
            for ref in running:
                try:
                    ray.cancel(ref)
                except Exception:  # noqa: BLE001 — best effort: the work folder tolerates stray segments
                    pass

    def close(self) -> None:
        """Stop the actors (and Ray itself if this executor started it)."""
        ray = self._ray
        for actor in self.actors:
            try:
                ray.kill(actor)
            except Exception:  # noqa: BLE001 — already gone
                pass
        self.actors = []
        if self._owns:
            ray.shutdown()

    def __enter__(self) -> RayExecutor:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
