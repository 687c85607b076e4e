"""The ``dlcourse`` command. ``dlcourse train-digits`` is the main job for now: it trains the
reference MLP on scikit-learn's digits with a progress bar and prints the test accuracy."""
from __future__ import annotations

import argparse
import sys

from dlcourse import models, optim
from dlcourse.data import load_digits
from dlcourse.train import fit


def train_digits(args: argparse.Namespace) -> int:
    Xtr, ytr, Xte, yte = load_digits(seed=args.seed)
    model = models.mlp([64, 128, 64, 10], seed=args.seed)
    print(f"MLP 64-128-64-10 ({model.num_params()} parameters), Adam lr {args.lr}, "
          f"{len(Xtr)} training / {len(Xte)} test digits")
    hist = fit(model, Xtr, ytr, optim.Adam(learning_rate=args.lr), epochs=args.epochs,
               batch_size=64, test=(Xte, yte), seed=args.seed, progress=not args.quiet)
    print(f"test accuracy: {hist.test_accuracy[-1]:.4f}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dlcourse", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("train-digits", help="train the reference MLP on digits and print its test accuracy")
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=train_digits)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
