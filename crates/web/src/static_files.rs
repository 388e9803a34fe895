//! Static assets compiled into the binary: no CDN, works on an intranet without internet.

use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::error::AppError;

const FILES: &[(&str, &str, &[u8])] = &[
    ("app.css", "text/css; charset=utf-8", include_bytes!("../static/app.css")),
    ("htmx.min.js", "text/javascript; charset=utf-8", include_bytes!("../static/htmx.min.js")),
    ("echarts.min.js", "text/javascript; charset=utf-8", include_bytes!("../static/echarts.min.js")),
    ("dashboard.js", "text/javascript; charset=utf-8", include_bytes!("../static/dashboard.js")),
    ("targets.js", "text/javascript; charset=utf-8", include_bytes!("../static/targets.js")),
];

pub async fn serve(Path(file): Path<String>) -> Result<Response, AppError> {
    let (_, ctype, body) = FILES.iter().find(|(n, _, _)| *n == file).ok_or(AppError::NotFound)?;
    Ok(([(header::CONTENT_TYPE, *ctype), (header::CACHE_CONTROL, "public, max-age=86400")], *body).into_response())
}
