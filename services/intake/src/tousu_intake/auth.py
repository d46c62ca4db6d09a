"""The scope-checked callers of intake's routes (the key stack itself is `tousu_shared.auth`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from tousu_shared.apikeys import ApiKey
from tousu_shared.auth import require

Writer = Annotated[ApiKey, Depends(require("complaints:write"))]
Reader = Annotated[ApiKey, Depends(require("complaints:read"))]
Actor = Annotated[ApiKey, Depends(require("complaints:act"))]
