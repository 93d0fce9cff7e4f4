//! What handlers answer on success. Each type fixes its status (or statuses) in its
//! name, so the OpenAPI document can read them from the handler's signature
//! (`crate::openapi::describe`) instead of from a second list that could drift.

use axum::{
    Json,
    http::{HeaderName, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use parkway_core::{audit::ops::Export, csv::Table, evidence::ops::Pack};
use serde::Serialize;

/// `201 Created` with the new thing as JSON.
pub struct Created<T>(pub T);

impl<T: Serialize> IntoResponse for Created<T> {
    fn into_response(self) -> Response {
        (StatusCode::CREATED, Json(self.0)).into_response()
    }
}

/// `201 Created` when the write made something new, else `200 OK`; the stored thing
/// as JSON either way.
pub struct Saved<T> {
    pub created: bool,
    pub body: T,
}

impl<T: Serialize> IntoResponse for Saved<T> {
    fn into_response(self) -> Response {
        let status = if self.created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        };
        (status, Json(self.body)).into_response()
    }
}

/// `204 No Content`: done, nothing to say.
pub struct NoContent;

impl IntoResponse for NoContent {
    fn into_response(self) -> Response {
        StatusCode::NO_CONTENT.into_response()
    }
}

/// `200 OK` with one table as a CSV file to save (`Content-Disposition: attachment`).
pub struct CsvFile(pub Table);

impl IntoResponse for CsvFile {
    fn into_response(self) -> Response {
        let CsvFile(table) = self;
        let disposition = format!("attachment; filename=\"{}\"", table.filename);
        let mut response = table.to_csv().into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/csv; charset=utf-8"),
        );
        if let Ok(value) = HeaderValue::from_str(&disposition) {
            headers.insert(header::CONTENT_DISPOSITION, value);
        }
        response
    }
}

/// `200 OK` with the audit export as a file to save (`Content-Disposition:
/// attachment`), never cached.
pub struct AuditExport(pub Export);

impl IntoResponse for AuditExport {
    fn into_response(self) -> Response {
        let AuditExport(export) = self;
        let disposition = format!("attachment; filename=\"{}\"", export.filename);
        let mut response = export.body.into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(export.content_type),
        );
        if let Ok(value) = HeaderValue::from_str(&disposition) {
            headers.insert(header::CONTENT_DISPOSITION, value);
        }
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(cap) = export.truncated_at {
            headers.insert(EXPORT_TRUNCATED, HeaderValue::from(cap));
        }
        response
    }
}

/// Set on an export that stopped at the cap (its value, 100000) because more events
/// matched; the CSV's last line says so too. Absent when the export is complete.
pub const EXPORT_TRUNCATED: HeaderName = HeaderName::from_static("parkway-export-truncated");

/// `200 OK` with YAML documents (`application/yaml`), e.g. the guardrails export.
pub struct YamlDocuments(pub String);

impl IntoResponse for YamlDocuments {
    fn into_response(self) -> Response {
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/yaml; charset=utf-8"),
            )],
            self.0,
        )
            .into_response()
    }
}

/// `200 OK` with an evidence pack (`application/zip`, `Content-Disposition:
/// attachment`), streamed from its temporary file; never cached.
pub struct EvidencePack(pub Pack);

impl IntoResponse for EvidencePack {
    fn into_response(self) -> Response {
        let EvidencePack(pack) = self;
        let file = tokio::fs::File::from_std(pack.archive.file);
        let body =
            axum::body::Body::from_stream(tokio_util::io::ReaderStream::with_capacity(file, 64 * 1024));
        let mut response = body.into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/zip"));
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(pack.archive.bytes));
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        let disposition = format!("attachment; filename=\"{}\"", pack.filename);
        if let Ok(value) = HeaderValue::from_str(&disposition) {
            headers.insert(header::CONTENT_DISPOSITION, value);
        }
        response
    }
}
