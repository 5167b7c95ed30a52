"""Batch processing and scale-out: many films, resumable segments, a Ray cluster.

* :mod:`~vidcolor.batch.plan` — keyframe scan and segment plan;
* :mod:`~vidcolor.batch.render` — render one segment (the unit of work);
* :mod:`~vidcolor.batch.concat` — join segments by copying packets, with the source's audio;
* :mod:`~vidcolor.batch.journal` — the resume journal;
* :mod:`~vidcolor.batch.segments` — :func:`process_video_segmented`, the film-level driver;
* :mod:`~vidcolor.batch.batch` — ``vidcolor batch``: sources, manifests, summary;
* :mod:`~vidcolor.batch.ray_backend` — Ray actors (imported only when asked for).

Nothing is imported here, so ``import vidcolor.batch`` stays cheap and never imports Ray.
"""
