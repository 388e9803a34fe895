//! The request log: one line per request (method, matched route, status, latency, user id) at `info`, on
//! the `jiugai::request` target. Never the query string, a body, a voting code or a phone number: the
//! route pattern (`/v/{code}`) stands for the path.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;

use crate::access::RequestUser;

pub async fn requests(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().clone();
    let route = req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_string());
    let res = next.run(req).await;
    let user = res.extensions().get::<RequestUser>().map(|u| u.0);
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    let status = res.status().as_u16();
    let route = route.as_deref().unwrap_or("(no route)");
    if status >= 500 {
        tracing::warn!(target: "jiugai::request", %method, route, status, ms = format!("{ms:.1}"), user, "request");
    } else {
        tracing::info!(target: "jiugai::request", %method, route, status, ms = format!("{ms:.1}"), user, "request");
    }
    res
}
