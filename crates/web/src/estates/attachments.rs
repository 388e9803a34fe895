//! Attachments: photos (JPEG, PNG) and PDFs, checked by size and by their first bytes (not by the name or
//! the type the browser claims).

use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::access::Ctx;
use crate::error::AppError;
use crate::view;
use crate::{AppState, MAX_ATTACHMENT};

/// The content type of an allowed file, from its signature.
pub fn sniff(data: &[u8]) -> Option<&'static str> {
    if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if data.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else {
        None
    }
}

pub async fn upload(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    mut mp: Multipart,
) -> Result<Response, AppError> {
    let mut file: Option<(String, Vec<u8>)> = None;
    let mut too_big = false;
    while let Ok(Some(mut field)) = mp.next_field().await {
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or("file").rsplit(['/', '\\']).next().unwrap_or("file").to_string();
        let mut data = Vec::new();
        while let Ok(Some(chunk)) = field.chunk().await {
            data.extend_from_slice(&chunk);
            if data.len() > MAX_ATTACHMENT {
                too_big = true;
                break;
            }
        }
        file = Some((name, data));
        break;
    }
    let t = ctx.t();
    let problem = match &file {
        _ if too_big => Some(if t.zh() {
            "文件超过 10 MB，请压缩后再上传".to_string()
        } else {
            "the file is larger than 10 MB: compress it and upload again".to_string()
        }),
        None => Some(if t.zh() { "请选择要上传的文件".into() } else { "choose a file to upload".into() }),
        Some((_, d)) if d.is_empty() => {
            Some(if t.zh() { "文件是空的".into() } else { "the file is empty".into() })
        }
        Some((n, d)) if sniff(d).is_none() => Some(if t.zh() {
            format!("“{n}”不是 JPEG、PNG 照片或 PDF 文件")
        } else {
            format!("“{n}” is not a JPEG or PNG photo or a PDF file")
        }),
        _ => None,
    };
    if let Some(msg) = problem {
        let page = super::show::build(&state, &ctx, id, msg).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(view::render(&page))).into_response());
    }
    let (name, data) = file.expect("checked");
    let ctype = sniff(&data).expect("checked");
    jiugai_store::attachments::add(&state.db, id, &name, ctype, &data, &ctx.actor(), &ctx.origin).await?;
    Ok(Redirect::to(&format!("/estates/{id}?uploaded=1")).into_response())
}

pub async fn download(State(state): State<AppState>, Path((id, aid)): Path<(i64, i64)>) -> Result<Response, AppError> {
    // The guard checked estate `id`; the attachment must belong to it.
    let (a, data) = jiugai_store::attachments::get(&state.db, aid)
        .await?
        .filter(|(a, _)| a.estate_id == id)
        .ok_or(AppError::NotFound)?;
    let disposition = format!("inline; filename*=UTF-8''{}", crate::util::urlencode(&a.file_name));
    Ok((
        [
            (header::CONTENT_TYPE, a.content_type.clone()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".into()),
        ],
        data,
    )
        .into_response())
}
