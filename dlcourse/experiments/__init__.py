"""The real-network experiments of syllabus 10 and 12, each a function that the book calls
and a test checks; all run on the CPU on data that needs no download.

- ``lr_sweep``: an MLP at several learning rates, three curves per run (syllabus 12).
- ``optimizers``: SGD vs Adam vs Adam at a too-large rate vs Adam with BatchNorm+Dropout (CNN).
- ``mnist1d``: logistic regression, MLP and CNN on MNIST-1D against the paper's table.
- ``committee``: a committee of MLPs on differently preprocessed digits (003 Q2).
- ``gradient_noise``: mini-batch gradient variance against batch size, with the 1/B law.
"""
