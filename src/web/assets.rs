//! CSS and JavaScript, built into the binary so it runs from any folder.
//! Each URL carries a hash of its contents, so browsers may keep a file for a
//! year and still never see a stale one. Each file is compressed once, at
//! its best, when first asked for, not again for every phone that opens a
//! survey.

use std::io::Write;
use std::sync::LazyLock;

use actix_web::http::header::{self, AcceptEncoding, Encoding, Header, HeaderValue};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
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

/// Each asset's body as brotli and as gzip, in the order of [`ASSETS`].
static COMPRESSED: LazyLock<Vec<(Bytes, Bytes)>> =
    LazyLock::new(|| ASSETS.iter().map(|a| (brotli(a.body.as_bytes()), gzip(a.body.as_bytes()))).collect());

fn brotli(body: &[u8]) -> Bytes {
    let mut out = Vec::new();
    {
        let mut writer = ::brotli::CompressorWriter::new(&mut out, 4096, 11, 22);
        writer.write_all(body).expect("compress in memory");
    }
    out.into()
}

fn gzip(body: &[u8]) -> Bytes {
    let mut writer = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    writer.write_all(body).expect("compress in memory");
    writer.finish().expect("compress in memory").into()
}

/// The URL of an asset, with its content hash.
pub fn url(name: &str) -> String {
    let index = ASSETS.iter().position(|a| a.name == name).expect("a known asset name");
    format!("/static/{}?v={}", name, VERSIONS[index])
}

/// The body of an asset, for tests that weigh a page.
pub fn body(name: &str) -> Option<&'static str> {
    ASSETS.iter().find(|a| a.name == name).map(|a| a.body)
}

/// `GET /static/{name}`, compressed as the client allows (brotli, gzip or none).
pub async fn serve(req: HttpRequest, name: web::Path<String>) -> HttpResponse {
    let Some(index) = ASSETS.iter().position(|a| a.name == name.as_str()) else {
        return HttpResponse::NotFound().finish();
    };
    let asset = &ASSETS[index];
    let mut response = HttpResponse::Ok();
    response
        .insert_header((header::CONTENT_TYPE, asset.content_type))
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable")))
        .insert_header((header::VARY, HeaderValue::from_static("Accept-Encoding")));
    let accepted = AcceptEncoding::parse(&req)
        .ok()
        .and_then(|a| a.negotiate([Encoding::brotli(), Encoding::gzip(), Encoding::identity()].iter()));
    // A response that already says how it is encoded passes the Compress
    // middleware untouched.
    let (brotli, gzip) = &COMPRESSED[index];
    match accepted {
        Some(e) if e == Encoding::brotli() => {
            response.insert_header((header::CONTENT_ENCODING, "br")).body(brotli.clone())
        }
        Some(e) if e == Encoding::gzip() => {
            response.insert_header((header::CONTENT_ENCODING, "gzip")).body(gzip.clone())
        }
        _ => response.body(asset.body),
    }
}
