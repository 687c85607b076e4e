"""dlcourse: reference implementations for the deep-learning course.

Modules: ``layers`` (forward/backward pairs), ``losses``, ``nn`` and ``models``,
``twobranch`` (syllabus 2), ``gradcheck`` and ``matcalc`` (syllabus 1), ``optim`` and
``schedules``, ``linesearch``, ``newton``, ``quadratic``, ``regularizers``, ``lipschitz``,
``initializers``, ``train``, and ``data``.
"""
__version__ = "0.1.0"
