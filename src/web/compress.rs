//! Pages are gzipped on the worker that made them. actix-web's `Compress`
//! hands any chunk over 1 KB (every page) to the blocking thread pool and
//! back: two thread switches that cost more than the compression itself, on
//! every page of every survey. It also kept about 100 KB for each open
//! connection that had been sent anything compressed (1,000 idle phones:
//! 150 MB). A page is a few kilobytes made at once, so it is compressed
//! here, in place, in tens of microseconds, and tiny bodies not at all.
//! `Compress` is left only on the streamed CSV export (`review::STAFF_ROUTES`).

use std::cell::RefCell;

use flate2::{Compress, Compression, FlushCompress, Status};

use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, AcceptEncoding, Encoding, Header, HeaderValue};
use actix_web::middleware::Next;

/// Smaller bodies gain nothing: the gzip header and the headers saying so
/// take back most of what compression would save.
const SMALLEST: u64 = 512;
/// Larger bodies are sent as they are rather than hold a worker up.
const LARGEST: u64 = 256 * 1024;

/// Gzips a whole body of a compressible size, when the client takes gzip.
pub async fn compress_pages(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let gzip = AcceptEncoding::parse(req.request())
        .ok()
        .and_then(|a| a.negotiate([Encoding::gzip(), Encoding::identity()].iter()))
        .is_some_and(|e| e == Encoding::gzip());
    let res = next.call(req).await?.map_into_boxed_body();
    let fits = matches!(res.response().body().size(), BodySize::Sized(n) if (SMALLEST..=LARGEST).contains(&n));
    let status = res.status();
    if !gzip
        || !fits
        || res.headers().contains_key(header::CONTENT_ENCODING)
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::PARTIAL_CONTENT
    {
        return Ok(res);
    }
    let (req, res) = res.into_parts();
    let (mut res, body) = res.into_parts();
    let plain = match body.try_into_bytes() {
        Ok(bytes) => bytes,
        Err(body) => return Ok(ServiceResponse::new(req, res.set_body(body))),
    };
    let Some(compressed) = gzip_fast(&plain) else {
        // Cannot happen compressing in memory; send it as it was if it does.
        return Ok(ServiceResponse::new(req, res.set_body(BoxBody::new(plain))));
    };
    let headers = res.headers_mut();
    headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    headers.append(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    Ok(ServiceResponse::new(req, res.set_body(BoxBody::new(compressed))))
}

thread_local! {
    /// One compressor a worker thread, reset for each page: setting one up
    /// allocates and clears a few hundred kilobytes, which would cost more
    /// than compressing the page.
    static GZIP: RefCell<Compress> = RefCell::new(Compress::new_gzip(Compression::fast(), 15));
}

/// `body` gzipped at the fastest level.
fn gzip_fast(body: &[u8]) -> Option<Vec<u8>> {
    GZIP.with(|gzip| {
        let mut gzip = gzip.borrow_mut();
        gzip.reset();
        // Deflate's worst case is a few bytes a 16 KB block over the input.
        let mut out = Vec::with_capacity(body.len() + body.len() / 1000 + 64);
        loop {
            let read = gzip.total_in() as usize;
            match gzip.compress_vec(&body[read..], &mut out, FlushCompress::Finish).ok()? {
                Status::StreamEnd => return Some(out),
                Status::Ok | Status::BufError => out.reserve(out.capacity().max(64)),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    #[test]
    fn a_reused_compressor_makes_whole_gzip_streams() {
        let pages = ["<p>first page</p>".repeat(100), "<p>another, longer page</p>".repeat(3000), String::new()];
        for page in pages.iter().chain(pages.iter()) {
            let packed = super::gzip_fast(page.as_bytes()).expect("compressed");
            let mut unpacked = String::new();
            flate2::read::GzDecoder::new(&packed[..]).read_to_string(&mut unpacked).expect("a gzip stream");
            assert_eq!(&unpacked, page);
        }
    }
}
