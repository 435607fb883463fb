//! CSS and JavaScript, built into the binary so it runs from any folder.
//! Each URL carries a hash of its contents, so browsers may keep a file for a
//! year and still never see a stale one.

use std::sync::LazyLock;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, web};
use sha2::{Digest, Sha256};

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static str,
}

const ASSETS: [Asset; 3] = [
    Asset { name: "app.css", content_type: "text/css; charset=utf-8", body: include_str!("../../static/app.css") },
    // Only the "You said, We did" pages link it (with its print poster).
    Asset { name: "board.css", content_type: "text/css; charset=utf-8", body: include_str!("../../static/board.css") },
    Asset { name: "app.js", content_type: "text/javascript; charset=utf-8", body: include_str!("../../static/app.js") },
];

static VERSIONS: LazyLock<Vec<String>> =
    LazyLock::new(|| ASSETS.iter().map(|a| hex::encode(&Sha256::digest(a.body.as_bytes())[..4])).collect());

/// The URL of an asset, with its content hash.
pub fn url(name: &str) -> String {
    let index = ASSETS.iter().position(|a| a.name == name).expect("a known asset name");
    format!("/static/{}?v={}", name, VERSIONS[index])
}

/// The body of an asset, for tests that weigh a page.
pub fn body(name: &str) -> Option<&'static str> {
    ASSETS.iter().find(|a| a.name == name).map(|a| a.body)
}

/// `GET /static/{name}`
pub async fn serve(name: web::Path<String>) -> HttpResponse {
    let Some(asset) = ASSETS.iter().find(|a| a.name == name.as_str()) else {
        return HttpResponse::NotFound().finish();
    };
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, asset.content_type))
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable")))
        .body(asset.body)
}
