"""Errors as the page shows them: one line in Chinese and the HTTP status that fits (never a traceback)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from drafter.errors import (
    ConfigError,
    DrafterError,
    IndexBusyError,
    IndexError_,
    InputError,
    MissingIndexError,
    ModelError,
    NoDocumentsError,
    StoreError,
    UnknownUnitError,
    YearError,
)
from drafter.web.store import DraftNotFound, EditConflict, StorageError

# (error class, HTTP status, the lead before the library's own message; None: the message is already Chinese)
_TABLE: list[tuple[type[BaseException], int, str | None]] = [
    (DraftNotFound, 404, None),
    (EditConflict, 409, None),
    (StorageError, 507, None),
    (UnknownUnitError, 422, "不认识的单位类型"),
    (YearError, 422, "年度有误"),
    (NoDocumentsError, 422, "文件无法读取"),
    (InputError, 422, "输入有误"),
    (ModelError, 502, "大模型调用失败"),
    (StoreError, 503, "资料库的向量库无法访问（如使用 chroma 服务器，请确认它已启动）"),
    (MissingIndexError, 503, "资料库尚未建立"),
    (IndexBusyError, 503, "资料库正在更新，请稍后再试"),
    (IndexError_, 503, "资料库出错"),
    (ConfigError, 500, "服务器配置有误"),
    (DrafterError, 500, "出错了"),
]
INTERNAL = "服务器内部错误（已记入服务器日志）：请重试，或请管理员查看日志"


def first_line(text: str) -> str:
    lines = [x.strip() for x in str(text).strip().splitlines() if x.strip()]
    return lines[0] if lines else ""


def describe(exc: BaseException) -> tuple[int, str]:
    """The HTTP status and the one-line Chinese message for an error."""
    for cls, status, lead in _TABLE:
        if isinstance(exc, cls):
            msg = first_line(str(exc)) or cls.__name__
            return status, msg if lead is None else f"{lead}：{msg}"
    return 500, INTERNAL


FIELD_NAMES = {
    "unit": "单位类型",
    "year": "年度",
    "name": "单位名称",
    "brief": "今年的工作要求",
    "facts": "本单位基本情况",
    "writer": "起草方式",
    "sections": "提纲",
    "title": "标题",
    "text": "正文",
    "base_version": "版本号",
    "q": "检索词",
    "k": "条数",
    "format": "格式",
    "files": "文件",
}


def validation_message(errors: Sequence[Mapping[str, Any]]) -> str:
    """The first validation error of a request, in words (pydantic's error types → Chinese)."""
    if not errors:
        return "输入有误"
    e = errors[0]
    loc = [str(x) for x in e.get("loc", ()) if x not in ("body", "query", "path")]
    field = "・".join(FIELD_NAMES.get(x, x) for x in loc) or "请求"
    ctx = e.get("ctx") or {}
    kind = str(e.get("type", ""))
    c: dict[str, object] = ctx if isinstance(ctx, dict) else {}
    words = {
        "missing": "必须填写",
        "less_than_equal": f"不能大于 {c.get('le')}",
        "greater_than_equal": f"不能小于 {c.get('ge')}",
        "string_too_long": f"太长了（最多 {c.get('max_length')} 字）",
        "string_too_short": "不能为空",
        "too_long": f"太多了（最多 {c.get('max_length')} 项）",
        "int_parsing": "应是整数",
        "int_type": "应是整数",
        "string_type": "应是文字",
        "literal_error": f"取值无效（可选：{c.get('expected')}）",
        "extra_forbidden": "是不认识的字段",
        "json_invalid": "不是有效的 JSON",
        "model_attributes_type": "格式不对",
        "dict_type": "格式不对",
        "list_type": "应是列表",
    }.get(kind, "格式不对")
    return f"输入有误：{field}{words}"
