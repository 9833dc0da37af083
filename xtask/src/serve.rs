//! `cargo xtask serve`: build the site and serve `dist/` with a small static file server
//! (std only): GET and HEAD, correct MIME types (wasm, webmanifest, svg, …), `index.html`
//! for directories, no path traversal, `Cache-Control: no-cache`, and the site's
//! Content-Security-Policy (`pwa::CSP`) on every response.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::pwa::CSP;
use crate::util::{fail, Ctx, Result};
use crate::{install, site};

pub fn run(ctx: &Ctx, port: u16) -> Result<()> {
    // Bind first, so a busy port is reported before a long build.
    let listener = bind(port)?;
    install::ensure_all(ctx, false)?;
    site::build(ctx)?;
    let root = ctx
        .dist_dir()
        .canonicalize()
        .map_err(|e| fail!("dist/: {e}"))?;
    println!("\nHighmem Lab is served at http://127.0.0.1:{port}/  (Ctrl-C to stop)\n");
    serve_forever(listener, root)
}

fn bind(port: u16) -> Result<TcpListener> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    TcpListener::bind(addr).map_err(|e| match e.kind() {
        io::ErrorKind::AddrInUse => fail!(
            "port {port} on 127.0.0.1 is already in use; stop what uses it or choose another: cargo xtask serve --port N"
        ),
        io::ErrorKind::PermissionDenied => {
            fail!("not allowed to listen on port {port}; choose a port above 1023: cargo xtask serve --port N")
        }
        _ => fail!("cannot listen on 127.0.0.1:{port}: {e}"),
    })
}

pub fn serve_forever(listener: TcpListener, root: PathBuf) -> Result<()> {
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let root = root.clone();
        std::thread::spawn(move || {
            if let Err(e) = handle(stream, &root) {
                eprintln!("serve: {e}");
            }
        });
    }
    Ok(())
}

/// The Content-Type for a file, by extension.
pub fn mime_type(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "wasm" => "application/wasm",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        "xml" => "application/xml",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        _ => "application/octet-stream",
    }
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes `%XX` escapes; `None` for a malformed escape or a result that is not UTF-8.
pub fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hi = hex_value(*bytes.get(i + 1)?)?;
            let lo = hex_value(*bytes.get(i + 2)?)?;
            out.push(hi * 16 + lo);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The path segments a request target names under the served root, or `None` when the
/// target is not an origin-form path or would leave the root: `..` segments, NUL,
/// backslashes, and drive-like segments are refused (after percent-decoding). Empty and
/// `.` segments are dropped. The query string and fragment are ignored.
pub fn sanitize(target: &str) -> Option<Vec<String>> {
    let path = target.split(['?', '#']).next().unwrap_or("");
    if !path.starts_with('/') {
        return None;
    }
    let decoded = percent_decode(path)?;
    let mut segments = Vec::new();
    for seg in decoded.split('/') {
        match seg {
            "" | "." => {}
            ".." => return None,
            s if s.contains(['\0', '\\', ':']) => return None,
            s => segments.push(s.to_string()),
        }
    }
    Some(segments)
}

/// What a request resolves to.
#[derive(Debug, PartialEq, Eq)]
enum Target {
    File(PathBuf),
    /// A directory requested without its trailing slash: redirect so relative URLs work.
    Redirect(String),
    NotFound,
    BadRequest,
}

fn resolve(root: &Path, target: &str) -> Target {
    let Some(segments) = sanitize(target) else {
        return Target::BadRequest;
    };
    let mut path = root.to_path_buf();
    path.extend(&segments);
    // Symlinks must not lead out of the root either.
    let Ok(real) = path.canonicalize() else {
        return Target::NotFound;
    };
    if !real.starts_with(root) {
        return Target::NotFound;
    }
    if real.is_dir() {
        let raw_path = target.split(['?', '#']).next().unwrap_or("/");
        if !raw_path.ends_with('/') {
            let query = &target[raw_path.len()..];
            return Target::Redirect(format!("{raw_path}/{query}"));
        }
        let index = real.join("index.html");
        return if index.is_file() {
            Target::File(index)
        } else {
            Target::NotFound
        };
    }
    if real.is_file() {
        Target::File(real)
    } else {
        Target::NotFound
    }
}

fn handle(stream: TcpStream, root: &Path) -> io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.by_ref().take(8192).read_line(&mut request_line)?;
    // Read (and ignore) the headers, up to the blank line.
    let mut header_bytes = 0usize;
    loop {
        let mut line = String::new();
        let n = reader.by_ref().take(8192).read_line(&mut line)?;
        header_bytes += n;
        if n == 0 || line == "\r\n" || line == "\n" || header_bytes > 64 * 1024 {
            break;
        }
    }

    let mut out = io::BufWriter::new(stream);
    let mut parts = request_line.split_whitespace();
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return respond_text(&mut out, "400 Bad Request", "bad request\n", false);
    };
    let head = method == "HEAD";
    if method != "GET" && !head {
        return respond_text(
            &mut out,
            "405 Method Not Allowed",
            "method not allowed\n",
            false,
        );
    }
    let (status, shown) = match resolve(root, target) {
        Target::File(path) => match File::open(&path) {
            Ok(mut file) => {
                let len = file.metadata()?.len();
                write!(
                    out,
                    "HTTP/1.1 200 OK\r\nContent-Type: {}\r\nContent-Length: {len}\r\nCache-Control: no-cache\r\nContent-Security-Policy: {CSP}\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n",
                    mime_type(&path)
                )?;
                if !head {
                    io::copy(&mut file, &mut out)?;
                }
                out.flush()?;
                (200, target)
            }
            Err(_) => {
                respond_text(&mut out, "404 Not Found", "not found\n", head)?;
                (404, target)
            }
        },
        Target::Redirect(location) => {
            write!(
                out,
                "HTTP/1.1 301 Moved Permanently\r\nLocation: {location}\r\nContent-Length: 0\r\nCache-Control: no-cache\r\nContent-Security-Policy: {CSP}\r\nConnection: close\r\n\r\n"
            )?;
            out.flush()?;
            (301, target)
        }
        Target::NotFound => {
            respond_text(&mut out, "404 Not Found", "not found\n", head)?;
            (404, target)
        }
        Target::BadRequest => {
            respond_text(&mut out, "400 Bad Request", "bad request\n", head)?;
            (400, target)
        }
    };
    println!("{method} {shown} {status}");
    Ok(())
}

fn respond_text(out: &mut impl Write, status: &str, body: &str, head: bool) -> io::Result<()> {
    write!(
        out,
        "HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nCache-Control: no-cache\r\nContent-Security-Policy: {CSP}\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    if !head {
        out.write_all(body.as_bytes())?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mime_types() {
        let m = |p: &str| mime_type(Path::new(p));
        assert_eq!(m("index.html"), "text/html; charset=utf-8");
        assert_eq!(m("highmem-web-1a2b_bg.wasm"), "application/wasm");
        assert_eq!(m("app.js"), "text/javascript; charset=utf-8");
        assert_eq!(m("site.webmanifest"), "application/manifest+json");
        assert_eq!(m("icons/logo.SVG"), "image/svg+xml");
        assert_eq!(m("style.css"), "text/css; charset=utf-8");
        assert_eq!(m("README"), "application/octet-stream");
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("/a%20b").as_deref(), Some("/a b"));
        assert_eq!(percent_decode("/%2e%2E/").as_deref(), Some("/../"));
        assert_eq!(percent_decode("/%zz"), None);
        assert_eq!(percent_decode("/%4"), None);
        assert_eq!(percent_decode("/%ff"), None);
    }

    #[test]
    fn sanitizes_paths() {
        let ok = |t: &str| sanitize(t).map(|v| v.join("/"));
        assert_eq!(ok("/").as_deref(), Some(""));
        assert_eq!(ok("/index.html?x=1#y").as_deref(), Some("index.html"));
        assert_eq!(ok("/a//./b/").as_deref(), Some("a/b"));
        assert_eq!(ok("/a%20b.txt").as_deref(), Some("a b.txt"));
        for bad in [
            "/../etc/passwd",
            "/a/../../b",
            "/%2e%2e/etc/passwd",
            "/..%2fetc",
            "/a%5c..%5cb",
            "/a%00b",
            "/c:/windows",
            "http://example.com/",
            "*",
            "",
        ] {
            assert_eq!(sanitize(bad), None, "{bad}");
        }
    }

    fn temp_root(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-serve-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("index.html"), "<title>t</title>").unwrap();
        std::fs::write(dir.join("sub/index.html"), "sub").unwrap();
        std::fs::write(dir.join("app_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
        dir.canonicalize().unwrap()
    }

    #[test]
    fn resolves_requests() {
        let root = temp_root("resolve");
        assert_eq!(resolve(&root, "/"), Target::File(root.join("index.html")));
        assert_eq!(
            resolve(&root, "/sub/"),
            Target::File(root.join("sub/index.html"))
        );
        assert_eq!(
            resolve(&root, "/sub?x=1"),
            Target::Redirect("/sub/?x=1".into())
        );
        assert_eq!(resolve(&root, "/missing.js"), Target::NotFound);
        assert_eq!(resolve(&root, "/../x"), Target::BadRequest);
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("/etc", root.join("escape")).unwrap();
            assert_eq!(resolve(&root, "/escape/hostname"), Target::NotFound);
        }
        std::fs::remove_dir_all(&root).unwrap();
    }

    fn request(addr: SocketAddr, raw: &str) -> String {
        let mut s = TcpStream::connect(addr).unwrap();
        s.write_all(raw.as_bytes()).unwrap();
        let mut buf = Vec::new();
        s.read_to_end(&mut buf).unwrap();
        String::from_utf8_lossy(&buf).into_owned()
    }

    #[test]
    fn serves_over_http() {
        let root = temp_root("http");
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let served = root.clone();
        std::thread::spawn(move || serve_forever(listener, served));

        let r = request(addr, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        assert!(r.starts_with("HTTP/1.1 200 OK\r\n"), "{r}");
        assert!(r.contains("Content-Type: text/html; charset=utf-8\r\n"));
        assert!(r.contains("Cache-Control: no-cache\r\n"));
        assert!(r.contains(&format!("\r\nContent-Security-Policy: {CSP}\r\n")));
        assert!(r.ends_with("\r\n\r\n<title>t</title>"));

        let r = request(addr, "HEAD /app_bg.wasm HTTP/1.1\r\n\r\n");
        assert!(r.contains("Content-Type: application/wasm\r\n"), "{r}");
        assert!(r.contains("Content-Length: 8\r\n"));
        assert!(r.ends_with("\r\n\r\n"), "HEAD has no body: {r}");

        let r = request(addr, "GET /../../etc/passwd HTTP/1.1\r\n\r\n");
        assert!(r.starts_with("HTTP/1.1 400"), "{r}");
        let r = request(addr, "GET /nope HTTP/1.1\r\n\r\n");
        assert!(r.starts_with("HTTP/1.1 404"), "{r}");
        assert!(r.contains("\r\nContent-Security-Policy: default-src 'self';"));
        let r = request(addr, "POST / HTTP/1.1\r\n\r\n");
        assert!(r.starts_with("HTTP/1.1 405"), "{r}");
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn reports_a_busy_port() {
        let taken = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = taken.local_addr().unwrap().port();
        let err = bind(port).unwrap_err();
        assert!(err.0.contains("already in use"), "{}", err.0);
    }
}
