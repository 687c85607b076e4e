"""The real-network experiments of syllabus 10 and 12, each a function that the book calls
and a test checks; all run on the CPU on data that needs no download.

- ``validation``: the validation split the rates and optimisers are compared on, and its curves.
- ``lr_sweep``: an MLP at several learning rates, three curves per run (syllabus 12).
- ``optimizers``: SGD vs Adam, at the seed's rates and a too-large one, vs Adam with BatchNorm+Dropout (CNN).
- ``mnist1d``: logistic regression, MLP and CNN on MNIST-1D against the paper's table.
- ``committee``: a committee of MLPs on differently preprocessed digits (003 Q2), over seeds, against
  a control of members that differ only by seed, with the members' error correlation.
- ``gradient_noise``: mini-batch gradient variance against batch size, with the 1/B law.
"""
