"""Load the trained TensorFlow model without Rasa's warm-up training step.

Rasa 3.6 (``RasaModel.load``) rebuilds a model's layers by *training* it for one step on
an example batch, which traces the whole training graph, then overwrites the weights
with the saved ones. Here the saved weights are restored as each layer is built by one
prediction on the example (TensorFlow's deferred restoration), and the restore is
checked to have matched every weight the model made; if not, Rasa's own way is used.
Predictions are the same (``tests/bot/launch/test_model_loading.py`` compares them); it
saves about a third of the model's load time, the largest part of start-up after imports.
"""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger(__name__)
MARK = "_loads_without_warm_up_training"


def install() -> None:
    """Make ``RasaModel.load`` restore weights directly, for prediction (idempotent)."""
    from rasa.utils.tensorflow.models import RasaModel

    if getattr(RasaModel.load, MARK, False):
        return
    rasa_load = RasaModel.load.__func__

    def load(
        cls: type[RasaModel],
        model_file_name: str,
        model_data_example: Any,
        predict_data_example: Any = None,
        finetune_mode: bool = False,
        *args: Any,
        **kwargs: Any,
    ) -> RasaModel:
        def rasas_way() -> RasaModel:
            model: RasaModel = rasa_load(
                cls,
                model_file_name,
                model_data_example,
                predict_data_example,
                finetune_mode,
                *args,
                **kwargs,
            )
            return model

        if finetune_mode or predict_data_example is None:
            return rasas_way()  # training goes on from here: Rasa builds the optimiser
        model = cls(*args, **kwargs)
        status = model.load_weights(model_file_name)
        model.run_inference(predict_data_example)  # builds the layers; weights restored
        try:
            status.assert_existing_objects_matched()
        except AssertionError as error:
            logger.warning("Loading %s Rasa's way: %s", model_file_name, error)
            return rasas_way()
        status.expect_partial()  # the optimiser's saved state is not needed to predict
        return model

    setattr(load, MARK, True)
    RasaModel.load = classmethod(load)
