//! The small page shown when a sign-in fails: it says why and offers to start again.
//! Plain HTML from the server (the Leptos app is not involved in the sign-in protocol).

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Response},
};

/// This page loads only Parkway's stylesheet.
const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

pub fn sign_in_failed(status: StatusCode, reason: &str) -> Response {
    let mut chars = reason.chars();
    let sentence: String = chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default();
    let reason = escape(&sentence);
    let body = format!(
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="color-scheme" content="light dark"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign-in failed · Parkway</title><link rel="stylesheet" href="/pkg/parkway.css"><link rel="icon" type="image/svg+xml" href="/favicon.svg"></head>
<body class="min-h-screen bg-slate-50 text-slate-900 antialiased system-dark:bg-slate-950 system-dark:text-slate-100">
<main class="mx-auto max-w-xl px-4 py-16 text-center">
<p class="mb-6 text-lg font-semibold tracking-tight text-emerald-800 system-dark:text-emerald-300">Parkway</p>
<section role="alert" class="rounded-xl border border-amber-200 bg-white p-8 shadow-sm system-dark:border-amber-800 system-dark:bg-slate-900">
<h1 class="text-2xl font-bold tracking-tight">Sign-in failed</h1>
<p id="reason" class="mt-3 text-slate-700 system-dark:text-slate-200">{reason}.</p>
<p class="mt-2 text-sm text-slate-500 system-dark:text-slate-400">Nothing was changed. If this keeps happening, tell the platform team the time it happened.</p>
<a href="/sign-in" class="mt-6 inline-block rounded-md bg-emerald-700 px-4 py-2 text-sm font-semibold text-white hover:bg-emerald-800 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-emerald-500 focus-visible:ring-offset-2">Start again</a>
</section></main></body></html>"#
    );
    let mut response = (status, Html(body)).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_escaped() {
        assert_eq!(
            escape("<b>\"x\" & 'y'</b>"),
            "&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/b&gt;"
        );
    }
}
