//! What an operation reads and answers, read off its handler's signature: every
//! extractor says which parameters or body it takes and which refusals it can cause,
//! and the success type says its statuses and body. The router and the document take
//! the same handler (`api::route_of`), so a handler that changes what it answers
//! changes its documentation with it.

use std::{
    collections::{BTreeMap, BTreeSet},
    future::Future,
};

use axum::{
    Json,
    body::Bytes,
    extract::rejection::BytesRejection,
    http::{HeaderMap, StatusCode},
};
use parkway_core::ErrorKind;
use utoipa::{
    IntoParams, ToSchema,
    openapi::{
        ContentBuilder, ObjectBuilder, Ref, RefOr, Response, ResponseBuilder, Schema, Type,
        path::{Parameter, ParameterIn},
    },
};

use crate::{
    api::{
        EntityPath, Op,
        answer::{AuditExport, Created, CsvFile, EvidencePack, NoContent, Saved, YamlDocuments},
    },
    error::{ApiJson, ApiPath, ApiQuery, ApiResult},
    openapi::Document,
};
use parkway_core::audit::ExportRow;

/// One operation's documentation as its handler's types describe it.
#[derive(Default)]
pub struct Described {
    pub query: Vec<Parameter>,
    /// The schema of a route's one path parameter (`ApiPath<i64>`: an integer).
    pub path_schema: Option<RefOr<Schema>>,
    /// A JSON body of this schema.
    pub json_body: Option<RefOr<Schema>>,
    /// A text body (descriptors) whose media types the endpoint names.
    pub text_body: bool,
    pub successes: BTreeMap<u16, Response>,
    /// Statuses of the refusals the inputs can cause.
    pub errors: BTreeSet<u16>,
    /// Named schemas the answers and bodies refer to.
    pub schemas: Vec<(String, RefOr<Schema>)>,
}

impl Described {
    fn refuse(&mut self, kinds: &[ErrorKind]) {
        self.errors.extend(kinds.iter().map(|kind| kind.status()));
    }

    fn success(&mut self, status: StatusCode, response: Response) {
        self.successes.insert(status.as_u16(), response);
    }

    /// `T`'s schema: a reference to it under its name when it is a named object (and
    /// the schemas it refers to, registered), else the schema itself (a list).
    pub fn schema_of<T: ToSchema>(&mut self) -> RefOr<Schema> {
        T::schemas(&mut self.schemas);
        let schema = T::schema();
        match schema {
            RefOr::T(Schema::Object(_) | Schema::AllOf(_) | Schema::OneOf(_)) => {
                let name = T::name().into_owned();
                self.schemas.push((name.clone(), schema));
                RefOr::Ref(Ref::from_schema_name(name))
            }
            other => other,
        }
    }

    fn json_response<T: ToSchema>(&mut self, description: &str) -> Response {
        let schema = self.schema_of::<T>();
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new().schema(Some(schema)).build(),
            )
            .build()
    }
}

/// A request part a handler reads.
pub trait Input {
    fn describe(doc: &mut Described);
}

/// A handler's success answer.
pub trait Answer {
    fn describe(doc: &mut Described);
}

/// Implemented for every handler function: its inputs' and answer's descriptions.
pub trait Handles<Args> {
    fn describe(doc: &mut Described);
}

macro_rules! handles {
    ($($input:ident),*) => {
        impl<F, Fut, R, $($input,)*> Handles<($($input,)*)> for F
        where
            F: FnOnce($($input),*) -> Fut,
            Fut: Future<Output = ApiResult<R>>,
            R: Answer,
            $($input: Input,)*
        {
            fn describe(doc: &mut Described) {
                $(<$input as Input>::describe(doc);)*
                <R as Answer>::describe(doc);
            }
        }
    };
}

handles!(A1);
handles!(A1, A2);
handles!(A1, A2, A3);
handles!(A1, A2, A3, A4);

impl Input for Op {
    fn describe(_: &mut Described) {}
}

impl Input for HeaderMap {
    fn describe(_: &mut Described) {}
}

/// Shared state (a key, a cache): nothing the caller sends.
impl<T> Input for axum::extract::State<T> {
    fn describe(_: &mut Described) {}
}

/// Query parameters, from the struct that reads them: an unknown or unreadable one is
/// a 400 naming it.
impl<T: IntoParams> Input for ApiQuery<T> {
    fn describe(doc: &mut Described) {
        doc.query.extend(T::into_params(|| Some(ParameterIn::Query)));
        doc.refuse(&[ErrorKind::BadRequest]);
    }
}

/// A JSON body: unreadable is 400, the wrong media type 415, the wrong shape 422.
impl<T: ToSchema> Input for ApiJson<T> {
    fn describe(doc: &mut Described) {
        doc.json_body = Some(doc.schema_of::<T>());
        doc.refuse(&[
            ErrorKind::BadRequest,
            ErrorKind::TooLarge,
            ErrorKind::UnsupportedMediaType,
            ErrorKind::Invalid,
        ]);
    }
}

/// One path parameter of `T`'s type; a segment that does not read as one is a 400,
/// one that names nothing a 404.
impl<T: ToSchema> Input for ApiPath<T> {
    fn describe(doc: &mut Described) {
        // Path parameters are plain values (a number, a name): inline.
        doc.path_schema = Some(T::schema());
        doc.refuse(&[ErrorKind::BadRequest, ErrorKind::NotFound]);
    }
}

/// `/{kind}/{namespace}/{name}`: a reference no entity can have is a 404, as is one
/// that names none.
impl Input for EntityPath {
    fn describe(doc: &mut Described) {
        doc.refuse(&[ErrorKind::BadRequest, ErrorKind::NotFound]);
    }
}

/// A JSON body the operation reads itself (to name the field it fails at).
impl<S: ToSchema> Input for crate::api::scorecards::JsonBytes<S> {
    fn describe(doc: &mut Described) {
        doc.json_body = Some(doc.schema_of::<S>());
        doc.refuse(&[
            ErrorKind::BadRequest,
            ErrorKind::TooLarge,
            ErrorKind::UnsupportedMediaType,
            ErrorKind::Invalid,
        ]);
    }
}

/// A raw text body (read with `api::text_body`).
impl Input for Result<Bytes, BytesRejection> {
    fn describe(doc: &mut Described) {
        doc.text_body = true;
        doc.refuse(&[
            ErrorKind::BadRequest,
            ErrorKind::TooLarge,
            ErrorKind::UnsupportedMediaType,
            ErrorKind::Invalid,
        ]);
    }
}

impl<T: ToSchema> Answer for Json<T> {
    fn describe(doc: &mut Described) {
        let response = doc.json_response::<T>("OK.");
        doc.success(StatusCode::OK, response);
    }
}

impl<T: ToSchema> Answer for Created<T> {
    fn describe(doc: &mut Described) {
        let response = doc.json_response::<T>("Created.");
        doc.success(StatusCode::CREATED, response);
    }
}

impl<T: ToSchema> Answer for Saved<T> {
    fn describe(doc: &mut Described) {
        let created = doc.json_response::<T>("Created (something new was written).");
        let replaced = doc.json_response::<T>("Replaced (nothing new was created).");
        doc.success(StatusCode::CREATED, created);
        doc.success(StatusCode::OK, replaced);
    }
}

impl Answer for NoContent {
    fn describe(doc: &mut Described) {
        doc.success(StatusCode::NO_CONTENT, Response::new("Done; no body."));
    }
}

/// YAML documents, as text.
impl Answer for YamlDocuments {
    fn describe(doc: &mut Described) {
        let text = ObjectBuilder::new().schema_type(Type::String).build();
        doc.success(
            StatusCode::OK,
            ResponseBuilder::new()
                .description("YAML documents separated by `---`, in the shape the import reads.")
                .content(
                    "application/yaml",
                    ContentBuilder::new().schema(Some(text)).build(),
                )
                .build(),
        );
    }
}

/// The document itself: an OpenAPI 3.1 object.
impl Answer for Document {
    fn describe(doc: &mut Described) {
        let object = ObjectBuilder::new().schema_type(Type::Object).build();
        doc.success(
            StatusCode::OK,
            ResponseBuilder::new()
                .description("This document.")
                .content(
                    "application/json",
                    ContentBuilder::new().schema(Some(object)).build(),
                )
                .build(),
        );
    }
}

/// One table, as CSV.
impl Answer for CsvFile {
    fn describe(doc: &mut Described) {
        let csv = ObjectBuilder::new().schema_type(Type::String).build();
        doc.success(
            StatusCode::OK,
            ResponseBuilder::new()
                .description("The table as a file to save (`Content-Disposition: attachment`): a header row, then one row per row of the page's table.")
                .content("text/csv", ContentBuilder::new().schema(Some(csv)).build())
                .build(),
        );
    }
}

/// An evidence pack: a zip archive.
impl Answer for EvidencePack {
    fn describe(doc: &mut Described) {
        let zip = ObjectBuilder::new()
            .schema_type(Type::String)
            .content_media_type("application/zip")
            .build();
        doc.success(
            StatusCode::OK,
            ResponseBuilder::new()
                .description("The evidence pack as a file to save (`Content-Disposition: attachment`): `access.csv`, `guardrails/`, `changes.csv`, `tenants.csv`, `coverage.csv`, `delivery.csv`, `audit.jsonl`, `chain.json`, `summary.json` and `manifest.json` (SHA-256 of every file, signed with HMAC-SHA256 under `PARKWAY_AUDIT_KEY`). Check it with `parkway evidence verify PACK.zip`.")
                .content("application/zip", ContentBuilder::new().schema(Some(zip)).build())
                .build(),
        );
    }
}

/// CSV (the default) or a JSON array of the events.
impl Answer for AuditExport {
    fn describe(doc: &mut Described) {
        let rows = doc.schema_of::<Vec<ExportRow>>();
        let csv = ObjectBuilder::new().schema_type(Type::String).build();
        doc.success(
            StatusCode::OK,
            ResponseBuilder::new()
                .description("The events as a file to save (`Content-Disposition: attachment`).")
                .header(
                    "Parkway-Export-Truncated",
                    utoipa::openapi::header::HeaderBuilder::new()
                        .schema(ObjectBuilder::new().schema_type(Type::Integer))
                        .description(Some(
                            "Present only when more events matched than one export holds: the cap (100000). The body then has the newest 100000, and a CSV's last line says to export again with `before` for the rest.",
                        ))
                        .build(),
                )
                .content("text/csv", ContentBuilder::new().schema(Some(csv)).build())
                .content(
                    "application/json",
                    ContentBuilder::new().schema(Some(rows)).build(),
                )
                .build(),
        );
    }
}
