"""Training one model: `fit` runs the epoch loop (early stopping, schedule, checkpoints, resume),
`train_one_epoch` and `evaluate` are the two short inner loops, `evaluate_best` writes the
predictions of the best epoch.

    seeding     seed_everything and the process RNG state a checkpoint carries
    stopping    EarlyStopping
    factory     ModelSpec -> Training: network, DevicePolicy, optimizer, schedule, generator
    checkpoint  save_checkpoint (best.pt, last.pt, history.csv) and load_checkpoint (all of it)
    steps       train_step, train_one_epoch, evaluate
    loop        fit, FitResult
    evaluation  evaluate_best: predictions.csv and metrics.json
"""

from reportgen.train.evaluation import evaluate_best
from reportgen.train.factory import OPTIMIZERS, SCHEDULERS, Training, build_training
from reportgen.train.loop import FitResult, fit
from reportgen.train.seeding import seed_everything
from reportgen.train.steps import evaluate, train_one_epoch, train_step
from reportgen.train.stopping import EarlyStopping

__all__ = ["OPTIMIZERS", "SCHEDULERS", "EarlyStopping", "FitResult", "Training", "build_training", "evaluate",
           "evaluate_best", "fit", "seed_everything", "train_one_epoch", "train_step"]
