"""The OpenAPI 3.1 description of API v1, built from the same enums the models use."""

from __future__ import annotations

from typing import Any

from hotline.detect.media.hashes import PdqHash
from hotline.web.hashlists.models import HashList
from hotline.web.reports.models import AgeBand, Category, Evidence, Platform, ReporterType, Status

from .hashmatch import MAX_HASHES, TYPES

_ERRORS = {"$ref": "#/components/schemas/Errors"}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ERRORS}}}


def openapi_schema(server_url: str = "/api/v1") -> dict[str, Any]:
    """The schema; paths are relative to `server_url`."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Hotline partner API",
            "version": "1.0.0",
            "description": (
                "Submit reports to the internet safety hotline, follow them with a tracking code and PIN, "
                "analyse chat exports and match image hashes against the hash lists (API key required). "
                "Errors are JSON: {\"errors\": {field: message}}; "
                "messages follow Accept-Language (km, en)."
            ),
        },
        "servers": [{"url": server_url}],
        "paths": {
            "/reports": {
                "post": {
                    "operationId": "createReport",
                    "summary": "Submit a report",
                    "requestBody": {"required": True, "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/NewReport"}}}},
                    "responses": {
                        "201": {"description": "Received: keep the tracking code and PIN (shown once).",
                                "content": {"application/json": {"schema": {
                                    "$ref": "#/components/schemas/Receipt"}}}},
                        "400": _error("Invalid JSON or fields"),
                        "413": _error("Body too large"),
                        "429": _error("Too many requests"),
                    },
                },
            },
            "/reports/{tracking_code}": {
                "get": {
                    "operationId": "getReportStatus",
                    "summary": "A report's progress",
                    "parameters": [
                        {"name": "tracking_code", "in": "path", "required": True,
                         "schema": {"type": "string", "pattern": "^[A-Za-z0-9]{8}$"}},
                        {"name": "X-Report-Pin", "in": "header", "required": True, "schema": {"type": "string"}},
                    ],
                    "responses": {
                        "200": {"description": "The report's status", "content": {"application/json": {
                            "schema": {"$ref": "#/components/schemas/ReportStatus"}}}},
                        "404": _error("Unknown code or wrong PIN (the same answer for both)"),
                        "429": _error("Too many requests"),
                    },
                },
            },
            "/analyze": {
                "post": {
                    "operationId": "analyzeChat",
                    "summary": "Analyse a chat export with the detection engine",
                    "security": [{"bearer": []}, {"apiKey": []}],
                    "parameters": [
                        {"name": "format", "in": "query", "required": False, "schema": {"type": "string"},
                         "description": "Force an export format instead of detecting it."},
                        {"name": "filename", "in": "query", "required": False, "schema": {"type": "string"}},
                    ],
                    "requestBody": {"required": True, "content": {
                        "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
                            "file": {"type": "string", "contentMediaType": "application/octet-stream"}}}},
                        "application/octet-stream": {"schema": {"type": "string",
                                                                "contentMediaType": "application/octet-stream"}},
                        "text/plain": {"schema": {"type": "string"}},
                    }},
                    "responses": {
                        "200": {"description": "The engine's analysis", "content": {"application/json": {
                            "schema": {"$ref": "#/components/schemas/Analysis"}}}},
                        "400": _error("Not a readable chat export (the engine's message)"),
                        "401": _error("Missing or invalid API key"),
                        "413": _error("File too large"),
                        "429": _error("Too many requests"),
                        "503": _error("Engine unavailable"),
                    },
                },
            },
            "/hashes/match": {
                "post": {
                    "operationId": "matchHashes",
                    "summary": "Match PDQ or MD5 hashes against the hotline's hash lists",
                    "description": (
                        f"Up to {MAX_HASHES} hashes. PDQ matches every entry within its list's threshold "
                        f"(Hamming distance, default {PdqHash.MATCH_THRESHOLD}), never entries of quality below "
                        f"{PdqHash.MIN_QUALITY}; a query stating a quality below {PdqHash.MIN_QUALITY} is not "
                        "matched (usable: false). MD5 is exact. Each query is audited (key, counts, our entries "
                        "that matched); the hashes sent are not kept."),
                    "security": [{"bearer": []}, {"apiKey": []}],
                    "requestBody": {"required": True, "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/HashQuery"}}}},
                    "responses": {
                        "200": {"description": "One result per hash, in the order sent", "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/HashMatches"}}}},
                        "400": _error("Invalid JSON or hashes"),
                        "401": _error("Missing or invalid API key"),
                        "413": _error("Body too large"),
                        "429": _error("Too many requests"),
                    },
                },
            },
            "/openapi.json": {
                "get": {"operationId": "openapi", "summary": "This document",
                        "responses": {"200": {"description": "OpenAPI 3.1 schema",
                                              "content": {"application/json": {"schema": {"type": "object"}}}}}},
            },
        },
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
            },
            "schemas": {
                "NewReport": {
                    "type": "object",
                    "required": ["category", "platform"],
                    "additionalProperties": False,
                    "properties": {
                        "category": {"type": "string", "enum": list(Category.values)},
                        "platform": {"type": "string", "enum": list(Platform.values)},
                        "urls": {"type": "array", "maxItems": 20,
                                 "items": {"type": "string", "format": "uri", "maxLength": 2000}},
                        "description": {"type": "string", "maxLength": 10000},
                        "victim_age_band": {"type": "string", "enum": list(AgeBand.values), "default": "unknown"},
                        "reporter_type": {"type": "string", "enum": list(ReporterType.values), "default": "self"},
                        "contact": {"type": "string", "maxLength": 200},
                        "offender": {
                            "type": "object",
                            "additionalProperties": False,
                            "properties": {
                                "name": {"type": "string", "maxLength": 200},
                                "profile_url": {"type": "string", "format": "uri"},
                                "claimed_age": {"type": ["integer", "null"], "minimum": 0, "maximum": 120},
                                "nationality": {
                                    "type": "string", "maxLength": 100,
                                    "description": (
                                        "An ISO 3166-1 alpha-2 code (\"KH\", \"TH\"), \"unknown\" or "
                                        "\"other\". Deprecated: free text (\"Cambodian\") is still mapped to "
                                        "a code in v1 (anything not recognised becomes \"other\"; the text is "
                                        "never stored) and answered with a warning; it will be refused in v2."),
                                    "examples": ["KH", "unknown", "other"],
                                },
                            },
                        },
                    },
                    "description": "At least one of urls or description is required.",
                },
                "Receipt": {
                    "type": "object",
                    "required": ["tracking_code", "pin"],
                    "properties": {
                        "tracking_code": {"type": "string", "pattern": "^[A-Z2-9]{8}$"},
                        "pin": {"type": "string", "pattern": "^[0-9]{6}$"},
                        "status": {"type": "string", "enum": list(Status.values)},
                        "warnings": {"type": "object", "additionalProperties": {"type": "string"},
                                     "description": "Deprecated input that was accepted, by field path."},
                    },
                },
                "ReportStatus": {
                    "type": "object",
                    "properties": {
                        "tracking_code": {"type": "string"},
                        "status": {"type": "string", "enum": list(Status.values)},
                        "category": {"type": "string", "enum": list(Category.values)},
                        "platform": {"type": "string", "enum": list(Platform.values)},
                        "received_at": {"type": "string", "format": "date-time"},
                        "updated_at": {"type": "string", "format": "date-time"},
                        "history": {"type": "array", "items": {"type": "object", "properties": {
                            "status": {"type": "string", "enum": list(Status.values)},
                            "at": {"type": "string", "format": "date-time"},
                            "note": {"type": "string"}}}},
                        "evidence": {"type": "array", "items": {"type": "object", "properties": {
                            "kind": {"type": "string", "enum": list(Evidence.Kind.values)},
                            "content_type": {"type": "string"},
                            "size": {"type": "integer"},
                            "analysis": {"type": "string", "enum": list(Evidence.Analysis.values)}}}},
                        "links": {"type": "integer"},
                        "notes_added": {"type": "integer"},
                    },
                },
                "Analysis": {
                    "type": "object",
                    "description": "hotline.detect Analysis.to_dict(); every conclusion cites message indexes.",
                    "properties": {
                        "format": {"type": "string"},
                        "languages": {"type": "array", "items": {"type": "string"}},
                        "message_count": {"type": "integer"},
                        "risk": {"type": "string", "enum": ["none", "low", "medium", "high", "critical"]},
                        "score": {"type": "number"},
                        "first_alert_index": {"type": ["integer", "null"]},
                        "signals": {"type": "object", "additionalProperties": {"type": "boolean"}},
                        "scores": {"type": "object", "description": "Calibrated 0-1 per signal (grooming from "
                                   "the learned scorer; sexting and sextortion rule-based estimates)",
                                   "additionalProperties": {"type": "number", "minimum": 0, "maximum": 1}},
                        "participants": {"type": "array", "items": {"type": "object"}},
                        "stages": {"type": "array", "items": {"type": "object"}},
                        "findings": {"type": "array", "items": {"type": "object"}},
                        "personal_info": {"type": "array", "items": {"type": "object"}},
                        "explanation": {"type": "array", "items": {"type": "string"}},
                    },
                },
                "HashQuery": {
                    "type": "object",
                    "required": ["hashes"],
                    "additionalProperties": False,
                    "properties": {"hashes": {"type": "array", "minItems": 1, "maxItems": MAX_HASHES, "items": {
                        "type": "object",
                        "required": ["type", "hash"],
                        "additionalProperties": False,
                        "properties": {
                            "type": {"type": "string", "enum": list(TYPES)},
                            "hash": {"type": "string", "pattern": "^[0-9A-Fa-f]{32}([0-9A-Fa-f]{32})?$",
                                     "description": "PDQ: 64 hex digits; MD5: 32 hex digits"},
                            "quality": {"type": "integer", "minimum": 0, "maximum": 100,
                                        "description": "PDQ only: the quality the hasher reported"},
                        },
                    }}},
                },
                "HashMatches": {
                    "type": "object",
                    "required": ["results", "hashes", "matched"],
                    "properties": {
                        "hashes": {"type": "integer", "description": "How many hashes were asked about"},
                        "matched": {"type": "integer", "description": "How many of them matched something"},
                        "results": {"type": "array", "items": {
                            "type": "object",
                            "required": ["type", "hash", "usable", "matches"],
                            "properties": {
                                "type": {"type": "string", "enum": list(TYPES)},
                                "hash": {"type": "string", "description": "The hash as sent, lower-case"},
                                "usable": {"type": "boolean",
                                           "description": "False for a PDQ hash of too low quality: not matched"},
                                "matches": {"type": "array", "items": {
                                    "type": "object",
                                    "required": ["list", "kind", "entry", "distance", "threshold"],
                                    "properties": {
                                        "list": {"type": "string"},
                                        "kind": {"type": "string", "enum": list(HashList.Kind.values)},
                                        "entry": {"type": "integer"},
                                        "distance": {"type": "integer", "minimum": 0, "maximum": 256},
                                        "threshold": {"type": "integer"},
                                        "label": {"type": "string"},
                                        "source": {"type": "string"},
                                    },
                                }},
                            },
                        }},
                    },
                },
                "Errors": {
                    "type": "object",
                    "required": ["errors"],
                    "properties": {"errors": {"type": "object", "additionalProperties": {"type": "string"}}},
                },
            },
        },
    }
