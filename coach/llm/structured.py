"""Structured replies: the strict JSON schema sent to the provider, strict validation, one repair.

The same pydantic model is the schema the provider sees and the validator of its reply.
A reply that does not validate is sent back once with the validation errors; a second
failure raises `MalformedReply`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from coach.llm.errors import MalformedReply
from coach.models import Usage
from coach.prompts import load_template

M = TypeVar("M", bound=BaseModel)
#: One chat message: (role, text) with role "system", "user" or "assistant".
Message = tuple[str, str]
#: A raw call to a model: messages in, reply text (JSON for structured calls) and usage out.
RawCall = Callable[[Sequence[Message]], tuple[str, Usage]]

_FENCE = re.compile(r"\A```(?:json)?\s*\n(.*)\n```\Z", re.DOTALL)
MAX_ECHO = 4000  # characters of a bad reply sent back with the repair request


def _drop_defaults(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _drop_defaults(v) for k, v in node.items() if k != "default"}
    if isinstance(node, list):
        return [_drop_defaults(v) for v in node]
    return node


def function_spec(model: type[BaseModel]) -> dict[str, Any]:
    """{name, description, parameters} with a strict schema: every field required, no extras."""
    from langchain_core.utils.function_calling import convert_to_openai_function

    spec = convert_to_openai_function(model, strict=True)
    # All fields are required, so defaults mean nothing.
    spec["parameters"] = _drop_defaults(spec["parameters"])
    spec["description"] = spec.get("description") or (model.__doc__ or model.__name__).strip()
    return spec


def json_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The strict JSON schema of a reply model, as sent in `response_format` or a prompt."""
    return function_spec(model)["parameters"]


def parse_reply(model: type[M], raw: str) -> M:
    """Validate a reply strictly: one JSON object (a lone ```json fence is tolerated), no coercion."""
    text = raw.strip()
    fenced = _FENCE.match(text)
    if fenced:
        text = fenced.group(1).strip()
    if not text.startswith("{"):
        raise ValueError("the reply is not a JSON object")
    return model.model_validate_json(text, strict=True)


def error_summary(err: Exception) -> str:
    """The validation errors, one per line, without echoing the input values."""
    if isinstance(err, ValidationError):
        lines = [f"- {'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}" for e in err.errors()[:12]]
        return "\n".join(lines)
    if isinstance(err, json.JSONDecodeError):
        return f"- invalid JSON: {err.msg} (line {err.lineno}, column {err.colno})"
    return f"- {err}"


def complete_validated(call: RawCall, messages: Sequence[Message], schema: type[M]) -> tuple[M, Usage]:
    """Call, validate strictly; on failure send the errors back once; then raise MalformedReply."""
    usage = Usage()
    raw, spent = call(messages)
    usage.add(spent)
    try:
        return parse_reply(schema, raw), usage
    except ValueError as err:  # ValidationError and JSONDecodeError are ValueErrors
        repair = load_template("repair").render(schema=schema.__name__, errors=error_summary(err))
        retry = [*messages, ("assistant", raw[:MAX_ECHO] or "(empty reply)"), ("user", repair)]
    raw, spent = call(retry)
    usage.add(spent)
    try:
        return parse_reply(schema, raw), usage
    except ValueError as err:
        raise MalformedReply("malformed reply after one repair", usage=usage) from err
