"""What a user may choose and set for each architecture, without torch: its name, one-line summary,
`params` (a pydantic model), the image sizes it accepts, its paper and the architecture it modifies.

The experiment's validation reads only this module, so a mistake in an experiment file is answered
before torch is imported (seconds on a small machine). How each architecture is built, explained and
listed in the report is the registry's (registry.py), which pairs every entry here with its code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class CNNParams(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    conv_filters: Annotated[list[Annotated[int, Field(ge=1)]], Field(min_length=3, max_length=3, description=(
        "Output channels of the three conv blocks."))] = [64, 128, 256]
    kernel_size: Annotated[int, Field(ge=1, description="Convolution kernel side (odd keeps the size).")] = 3
    pool_type: Literal["max", "avg"] = Field("max", description="The 2x2 pooling after each conv block.")
    fc_neurons: Annotated[int, Field(ge=1, description="Width of the hidden fully connected layer.")] = 1024
    dropout_rate: Annotated[float, Field(ge=0, lt=1, description="Dropout before the output layer.")] = 0.4


@dataclass(frozen=True)
class ArchitectureInfo:
    name: str
    summary: str  # one line shown by `reportgen models`
    params_model: type[BaseModel] | None = None  # validates `params`; None = takes no params
    reference: str = ""  # key into the report's bibliography (templates/references.toml)
    # The architecture this one modifies, its parent: the report tests each modification against it
    # (an experiment may name another with `[[models]] parent`); "" = none. `change` names what it
    # changes: "skip_connections" (resnet34 over plain34, He et al.'s degradation experiment),
    # "multipath", "preactivation".
    modifies: str = ""
    change: str = ""
    # The image side must be a multiple of this, and why (e.g. the CNN's three 2x2 pools, whose
    # flattened output sizes its first fully connected layer); 1 = any size.
    image_size_multiple: int = 1
    image_size_reason: str = ""

    def param_names(self) -> list[str]:
        return list(self.params_model.model_fields) if self.params_model else []

    def validate_params(self, params: dict[str, Any]) -> dict[str, Any]:
        """`params` with defaults filled in; a ValueError names each mistake."""
        if self.params_model is None:
            if params:
                raise ValueError(f"arch '{self.name}' takes no params (got {sorted(params)})")
            return {}
        try:
            return self.params_model.model_validate(params).model_dump()
        except ValidationError as e:
            detail = "; ".join(f"params.{'.'.join(map(str, err['loc']))}: {err['msg']}" for err in e.errors())
            raise ValueError(f"arch '{self.name}': {detail}") from None

    def image_size_problem(self, image_size: int) -> str:
        """Why this architecture cannot take `image_size` ("" when it can)."""
        if image_size % self.image_size_multiple:
            return (f"{self.name} needs an image_size divisible by {self.image_size_multiple} "
                    f"({self.image_size_reason}), got {image_size}")
        return ""


# In the order `reportgen models` lists them.
CATALOG: dict[str, ArchitectureInfo] = {a.name: a for a in (
    ArchitectureInfo("cnn", "custom 3-block CNN of the reference deck (conv-BN-ReLU x3, pool, FC, dropout, FC)",
                     params_model=CNNParams, image_size_multiple=8, image_size_reason="three 2x2 pools"),
    ArchitectureInfo("resnet18_cifar", "torchvision resnet18 with a 3x3 stride-1 stem and no max-pool (CIFAR)",
                     reference="he2016"),
    ArchitectureInfo("plain34", "34-layer plain network: ResNet-34 without skip connections", reference="he2016"),
    ArchitectureInfo("resnet34", "ResNet-34 with residual (skip) connections", reference="he2016",
                     modifies="plain34", change="skip_connections"),
    ArchitectureInfo("multipath_resnet34", "ResNet-34 with parallel 3x3 and 5x5 paths per block",
                     reference="ding2022", modifies="resnet34", change="multipath"),
    ArchitectureInfo("preact_resnet34", "pre-activation ResNet-34 (BN-ReLU-conv)", reference="he2016identity",
                     modifies="resnet34", change="preactivation"),
)}
