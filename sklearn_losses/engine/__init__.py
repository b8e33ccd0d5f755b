"""Training engine: trains the network of a :class:`~sklearn_losses.plan.TrainingPlan`.

One module per concern:

- ``data``: tensors on the training device, sparse
  rows, batch samplers, the validation split, chunked inference;
- ``reducer``: batch weighting (sample weights,
  class weights, instance weights, ensembles) in one
  :class:`~sklearn_losses.engine.reducer.BatchReducer`;
- ``callbacks``: skorch callbacks (stopping,
  validation scoring, class-weight schedules, progress);
- ``net``: the skorch ``NeuralNetClassifier``
  subclass :class:`~sklearn_losses.engine.net.LossNet`;
- ``runtime``: device and torch threads;
- ``training``: :func:`train`, from a plan to a
  :class:`~sklearn_losses.engine.training.TrainingResult`.

The engine never sees the estimator: data flows estimator -> plan -> engine
-> reducer -> loss.
"""

from .callbacks import (BatchProgressBar, ClassWeightSchedule, StopTraining, StoppingRule,
                        ValidationScoring)
from .data import (INFERENCE_CHUNK, SAMPLERS, SPARSE_CHUNK_VALUES, DeviceTensorDataset,
                   IndexSplit, SparseRows, TensorBatchIterator, as_tensor, dense_rows,
                   holdout_split, predict_logits)
from .net import EXPLOSION_FACTOR, LossNet
from .reducer import BatchReducer
from .runtime import (CUDA_MIN_WORK, THREADS_MIN_WORK, resolve_device, resolve_threads,
                      thread_count, torch_threads)
from .training import (TrainingResult, best_epoch, build_net, predict_float64,
                       resume_training, train, training_state, validation_scores)

__all__ = [
    "CUDA_MIN_WORK", "EXPLOSION_FACTOR", "INFERENCE_CHUNK", "SAMPLERS", "SPARSE_CHUNK_VALUES",
    "THREADS_MIN_WORK", "BatchProgressBar", "BatchReducer", "ClassWeightSchedule",
    "DeviceTensorDataset", "IndexSplit", "LossNet", "SparseRows", "StopTraining",
    "StoppingRule", "TensorBatchIterator", "TrainingResult", "ValidationScoring", "as_tensor",
    "best_epoch", "build_net", "dense_rows", "predict_float64", "holdout_split", "predict_logits",
    "resolve_device", "resolve_threads", "resume_training", "thread_count", "torch_threads",
    "train", "training_state", "validation_scores",
]
