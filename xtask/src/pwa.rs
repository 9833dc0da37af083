//! The offline site: after Trunk has built `dist/`, write `dist/sw.js`, the service worker
//! that precaches exactly the files of that build, from the template `web/pwa/sw.template.js`;
//! and check that the built `index.html` carries the site's Content-Security-Policy and no
//! inline script it would refuse.
//!
//! - [`list_files`]: every file in `dist/` (but `sw.js` itself), as relative URLs, sorted;
//! - [`sha256`] and [`base64`]: each file's digest, as the `sha256-…` string of Subresource
//!   Integrity, which the worker passes to `fetch` so that a wrong file fails the install;
//! - [`version`]: a hash of the template and every (file, digest) pair, which names the cache;
//! - [`render_sw`]: the template with the list and the version in place.
//!
//! `cargo xtask sw DIR` does the same for any directory (the end-to-end tests use it to make a
//! second build out of a copy of the first).

use std::path::{Path, PathBuf};

use crate::util::{fail, Result};

/// The site's Content-Security-Policy: index.html's `<meta http-equiv>` must say exactly
/// this (checked after every build and by a unit test), and `cargo xtask serve` sends it as
/// a header. Scripts and everything else come from the site's own origin only; wasm needs
/// `'wasm-unsafe-eval'` to be compiled. `style-src-attr 'unsafe-inline'` lets the views set
/// computed positions and widths in `style` attributes (no `<style>` element, no stylesheet
/// from elsewhere). No `frame-ancestors`: the views are meant to be embedded.
pub const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
style-src 'self'; style-src-attr 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
worker-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; object-src 'none'";

/// The service worker's file name in `dist/`, beside `index.html`.
pub const SW_FILE: &str = "sw.js";

/// Where the template is, from the repository root.
pub const SW_TEMPLATE: &str = "web/pwa/sw.template.js";

/// The marked values in the template that [`render_sw`] replaces.
const VERSION_MARK: &str = "/* VERSION */ 'template'";
const PRECACHE_MARK: &str = "/* PRECACHE */ []";

/// Cache names are `highmem-lab-` followed by this many hex digits of the version hash.
const VERSION_HEX_DIGITS: usize = 16;

/// One precached file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Relative to `dist/` (and so to `sw.js`), `/`-separated and percent-escaped.
    pub url: String,
    /// `sha256-` and the base64 of the file's SHA-256.
    pub integrity: String,
}

/// What [`write_service_worker`] wrote.
#[derive(Debug)]
pub struct Written {
    pub path: PathBuf,
    pub version: String,
    pub files: usize,
    pub bytes: u64,
}

/// Writes `dir/sw.js` from `template`, precaching every other file in `dir`.
pub fn write_service_worker(dir: &Path, template: &Path) -> Result<Written> {
    let template_text = std::fs::read_to_string(template)
        .map_err(|e| fail!("cannot read {}: {e}", template.display()))?;
    let files = list_files(dir)?;
    if !files.iter().any(|f| f == "index.html") {
        return Err(fail!(
            "{} has no index.html: build the site first",
            dir.display()
        ));
    }
    let mut entries = Vec::with_capacity(files.len());
    let mut bytes = 0u64;
    for file in &files {
        let path = dir.join(file);
        let content =
            std::fs::read(&path).map_err(|e| fail!("cannot read {}: {e}", path.display()))?;
        bytes += content.len() as u64;
        entries.push(Entry {
            url: url_escape(file),
            integrity: format!("sha256-{}", base64(&sha256(&content))),
        });
    }
    let version = version(&template_text, &entries);
    let sw = render_sw(&template_text, &version, &entries)?;
    let path = dir.join(SW_FILE);
    std::fs::write(&path, sw).map_err(|e| fail!("cannot write {}: {e}", path.display()))?;
    Ok(Written {
        path,
        version,
        files: entries.len(),
        bytes,
    })
}

/// Every file under `dir`, as `/`-separated paths relative to it, sorted; without `sw.js` at
/// the top (the worker is not part of its own cache) and without hidden entries (such as
/// Trunk's `.stage`). A name that is not UTF-8 is an error.
pub fn list_files(dir: &Path) -> Result<Vec<String>> {
    fn walk(dir: &Path, prefix: &str, out: &mut Vec<String>) -> Result<()> {
        let entries =
            std::fs::read_dir(dir).map_err(|e| fail!("cannot list {}: {e}", dir.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| fail!("cannot list {}: {e}", dir.display()))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else {
                return Err(fail!(
                    "{}: a file name that is not UTF-8 cannot be a URL",
                    entry.path().display()
                ));
            };
            if name.starts_with('.') {
                continue;
            }
            let rel = format!("{prefix}{name}");
            // Follows symlinks, as a static server would.
            let meta = std::fs::metadata(entry.path())
                .map_err(|e| fail!("cannot read {}: {e}", entry.path().display()))?;
            if meta.is_dir() {
                walk(&entry.path(), &format!("{rel}/"), out)?;
            } else if meta.is_file() && rel != SW_FILE {
                out.push(rel);
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, "", &mut out)?;
    out.sort();
    Ok(out)
}

/// Percent-escapes a relative path for use as a URL: everything but unreserved characters
/// and `/` (RFC 3986), byte by byte.
pub fn url_escape(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The build's version: hex digits of the SHA-256 of the template and of every entry's URL
/// and digest, so that it changes when any file, its name, or the worker's code changes.
pub fn version(template: &str, entries: &[Entry]) -> String {
    let mut text = String::from(template);
    for e in entries {
        text.push('\0');
        text.push_str(&e.url);
        text.push('\0');
        text.push_str(&e.integrity);
    }
    hex(&sha256(text.as_bytes()))[..VERSION_HEX_DIGITS].to_string()
}

/// The template with the version and the precache list in place of its marked values (each
/// must be there exactly once).
pub fn render_sw(template: &str, version: &str, entries: &[Entry]) -> Result<String> {
    for mark in [VERSION_MARK, PRECACHE_MARK] {
        let n = template.matches(mark).count();
        if n != 1 {
            return Err(fail!(
                "{SW_TEMPLATE} must contain `{mark}` exactly once (found {n} times)"
            ));
        }
    }
    let mut list = String::from("[\n");
    for e in entries {
        list.push_str(&format!(
            "  {{ url: {}, integrity: {} }},\n",
            js_string(&e.url),
            js_string(&e.integrity)
        ));
    }
    list.push(']');
    Ok(template
        .replace(VERSION_MARK, &js_string(version))
        .replace(PRECACHE_MARK, &list))
}

/// A JavaScript string literal (single-quoted) for `s`.
fn js_string(s: &str) -> String {
    let mut out = String::from("'");
    for c in s.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() || c == '\u{2028}' || c == '\u{2029}' => {
                out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// Checks the built `index.html`: its CSP meta tag is [`CSP`], and it has no inline script
/// (which the CSP would refuse: the page would stay blank).
pub fn check_index(html: &str) -> Result<()> {
    match csp_meta(html) {
        Some(csp) if csp == CSP => {}
        Some(csp) => {
            return Err(fail!(
                "index.html's Content-Security-Policy is `{csp}` but xtask/src/pwa.rs says `{CSP}`: make them the same"
            ))
        }
        None => {
            return Err(fail!(
                "index.html has no <meta http-equiv=\"Content-Security-Policy\">"
            ))
        }
    }
    if let Some(tag) = tags(html, "script").find(|t| attribute(t, "src").is_none()) {
        return Err(fail!(
            "the built index.html has an inline script, which its Content-Security-Policy refuses: `{tag}` (Trunk.toml's pattern_script should load web/pwa/start.js instead)"
        ));
    }
    Ok(())
}

/// The `content` of the first `<meta http-equiv="Content-Security-Policy">`.
pub fn csp_meta(html: &str) -> Option<String> {
    tags(html, "meta")
        .find(|t| {
            attribute(t, "http-equiv")
                .is_some_and(|v| v.eq_ignore_ascii_case("Content-Security-Policy"))
        })
        .and_then(|t| attribute(t, "content"))
}

/// The start tags `<name …>` in `html` (ASCII case-insensitive), each up to its `>`.
fn tags<'a>(html: &'a str, name: &str) -> impl Iterator<Item = &'a str> + 'a {
    let lower = html.to_ascii_lowercase();
    let open = format!("<{name}");
    let mut starts = Vec::new();
    let mut from = 0;
    while let Some(i) = lower[from..].find(&open) {
        let at = from + i;
        let after = lower.as_bytes().get(at + open.len()).copied();
        if matches!(after, Some(b' ' | b'\t' | b'\n' | b'\r' | b'>' | b'/')) {
            let end = lower[at..].find('>').map_or(lower.len(), |e| at + e + 1);
            starts.push((at, end));
        }
        from = at + open.len();
    }
    starts.into_iter().map(move |(a, b)| &html[a..b])
}

/// The value of attribute `name` in a start tag (quoted with `"` or `'`, or unquoted).
fn attribute(tag: &str, name: &str) -> Option<String> {
    let bytes = tag.as_bytes();
    let lower = tag.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find(name) {
        let at = from + i;
        from = at + name.len();
        let before = at.checked_sub(1).map(|j| bytes[j]);
        if !matches!(before, Some(b' ' | b'\t' | b'\n' | b'\r')) {
            continue;
        }
        if tag[from..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '-') {
            continue; // the start of a longer name
        }
        let Some(rest) = tag[from..].trim_start().strip_prefix('=') else {
            return Some(String::new()); // a bare attribute
        };
        let rest = rest.trim_start();
        return Some(match rest.chars().next() {
            Some(q @ ('"' | '\'')) => rest[1..].split(q).next().unwrap_or("").to_string(),
            _ => rest
                .split(|c: char| c.is_whitespace() || c == '>')
                .next()
                .unwrap_or("")
                .trim_end_matches('/')
                .to_string(),
        });
    }
    None
}

/// SHA-256 (FIPS 180-4), written out because xtask uses the standard library only.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    // Padding: a 1 bit, zeros up to 56 mod 64 bytes, then the length in bits, big-endian.
    let mut message = data.to_vec();
    message.push(0x80);
    while message.len() % 64 != 56 {
        message.push(0);
    }
    message.extend_from_slice(&((data.len() as u64).wrapping_mul(8)).to_be_bytes());

    for block in message.chunks_exact(64) {
        let mut w = [0u32; 64];
        for (i, word) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = h;
        for i in 0..64 {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ (!e & g);
            let t1 = hh
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K[i])
                .wrapping_add(w[i]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            hh = g;
            g = f;
            f = e;
            e = d.wrapping_add(t1);
            d = c;
            c = b;
            b = a;
            a = t1.wrapping_add(t2);
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
            *x = x.wrapping_add(y);
        }
    }
    let mut out = [0u8; 32];
    for (chunk, word) in out.chunks_exact_mut(4).zip(h) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    out
}

/// Standard base64 (RFC 4648 §4) with padding, as Subresource Integrity uses.
pub fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-pwa-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn repo_file(rel: &str) -> String {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        std::fs::read_to_string(root.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    #[test]
    fn sha256_known_answers() {
        // FIPS 180-4 examples, and the empty message.
        assert_eq!(
            hex(&sha256(b"")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hex(&sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex(&sha256(
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
            )),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
        // A million 'a's: many blocks.
        assert_eq!(
            hex(&sha256(&vec![b'a'; 1_000_000])),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        );
        // Lengths around the padding boundary (55, 56 and 64 bytes) differ from each other.
        let digests: Vec<_> = [55, 56, 63, 64, 65]
            .iter()
            .map(|n| sha256(&vec![0u8; *n]))
            .collect();
        for (i, a) in digests.iter().enumerate() {
            for b in &digests[i + 1..] {
                assert_ne!(a, b);
            }
        }
        assert_eq!(
            hex(&sha256(&[0u8; 64])),
            "f5a5fd42d16a20302798ef6ed309979b43003d2320d9f0e8ea9831a92759fb4b"
        );
    }

    #[test]
    fn base64_rfc4648_vectors() {
        for (input, want) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), want, "{input:?}");
        }
        assert_eq!(base64(&[0xfb, 0xff, 0xbf]), "+/+/");
        // The SRI string of "abc", as `openssl dgst -sha256 -binary | base64` prints it.
        assert_eq!(
            base64(&sha256(b"abc")),
            "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="
        );
    }

    #[test]
    fn lists_every_file_but_the_worker_and_hidden_ones() {
        let dir = temp_dir("list");
        std::fs::create_dir_all(dir.join("icons/big")).unwrap();
        std::fs::create_dir_all(dir.join(".stage")).unwrap();
        for f in [
            "index.html",
            "app-1a2b_bg.wasm",
            "sw.js",
            "icons/icon.svg",
            "icons/big/icon-512.png",
            "icons/sw.js",
            ".stage/index.html",
            ".DS_Store",
        ] {
            std::fs::write(dir.join(f), f).unwrap();
        }
        assert_eq!(
            list_files(&dir).unwrap(),
            [
                "app-1a2b_bg.wasm",
                "icons/big/icon-512.png",
                "icons/icon.svg",
                "icons/sw.js",
                "index.html"
            ]
        );
        assert!(list_files(&dir.join("missing")).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn escapes_urls() {
        assert_eq!(url_escape("icons/icon-192.png"), "icons/icon-192.png");
        assert_eq!(url_escape("a b/ü#?.txt"), "a%20b/%C3%BC%23%3F.txt");
        assert_eq!(url_escape("x'y\"z"), "x%27y%22z");
    }

    fn entry(url: &str, integrity: &str) -> Entry {
        Entry {
            url: url.into(),
            integrity: integrity.into(),
        }
    }

    #[test]
    fn the_version_follows_files_names_and_template() {
        let a = [
            entry("index.html", "sha256-A"),
            entry("app.wasm", "sha256-B"),
        ];
        let v = version("t", &a);
        assert_eq!(v.len(), VERSION_HEX_DIGITS);
        assert!(v.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(v, version("t", &a), "stable");
        assert_ne!(v, version("t2", &a), "template");
        assert_ne!(
            v,
            version(
                "t",
                &[
                    entry("index.html", "sha256-A"),
                    entry("app.wasm", "sha256-C")
                ]
            ),
            "content"
        );
        assert_ne!(
            v,
            version(
                "t",
                &[
                    entry("index.html", "sha256-A"),
                    entry("app2.wasm", "sha256-B")
                ]
            ),
            "name"
        );
        assert_ne!(v, version("t", &a[..1]), "a file fewer");
    }

    #[test]
    fn renders_the_template() {
        let template =
            "const VERSION = /* VERSION */ 'template';\nconst PRECACHE = /* PRECACHE */ [];\n";
        let sw = render_sw(
            template,
            "0123abcd",
            &[
                entry("index.html", "sha256-x+/="),
                entry("a%27b.js", "sha256-y"),
            ],
        )
        .unwrap();
        assert_eq!(
            sw,
            "const VERSION = '0123abcd';\nconst PRECACHE = [\n  { url: 'index.html', integrity: 'sha256-x+/=' },\n  { url: 'a%27b.js', integrity: 'sha256-y' },\n];\n"
        );
        assert_eq!(js_string("it's \\ \n"), "'it\\'s \\\\ \\u{a}'");
        assert!(render_sw("no marks", "v", &[]).is_err());
        assert!(render_sw(&format!("{template}{template}"), "v", &[]).is_err());
    }

    #[test]
    fn the_real_template_has_both_marks() {
        let sw = render_sw(
            &repo_file(SW_TEMPLATE),
            "feedc0de",
            &[entry("index.html", "sha256-q")],
        )
        .unwrap();
        assert!(sw.contains("const VERSION = 'feedc0de';"), "{sw}");
        assert!(sw.contains("{ url: 'index.html', integrity: 'sha256-q' },"));
        assert!(!sw.contains("/* PRECACHE */") && !sw.contains("/* VERSION */"));
        assert!(
            sw.contains("'highmem-lab-'"),
            "caches are named highmem-lab-…"
        );
    }

    #[test]
    fn writes_the_worker_for_a_directory() {
        let dir = temp_dir("write");
        std::fs::create_dir_all(dir.join("icons")).unwrap();
        std::fs::write(dir.join("index.html"), "<title>t</title>").unwrap();
        std::fs::write(dir.join("icons/a b.svg"), "abc").unwrap();
        std::fs::write(dir.join("sw.js"), "stale").unwrap();
        let template = dir.join("sw.template.js");
        std::fs::write(&template, "V=/* VERSION */ 'template';P=/* PRECACHE */ [];").unwrap();
        // The template sits in the directory here, so it is listed too.
        let written = write_service_worker(&dir, &template).unwrap();
        assert_eq!(written.files, 3);
        let sw = std::fs::read_to_string(dir.join("sw.js")).unwrap();
        assert!(sw.contains(&format!("V='{}';", written.version)), "{sw}");
        assert!(sw.contains(&format!(
            "{{ url: 'icons/a%20b.svg', integrity: 'sha256-{}' }}",
            base64(&sha256(b"abc"))
        )));
        assert!(!sw.contains("url: 'sw.js'"), "not itself");
        // Same files, same worker; a changed file, a new version.
        let again = write_service_worker(&dir, &template).unwrap();
        assert_eq!(again.version, written.version);
        assert_eq!(std::fs::read_to_string(dir.join("sw.js")).unwrap(), sw);
        std::fs::write(dir.join("index.html"), "<title>u</title>").unwrap();
        assert_ne!(
            write_service_worker(&dir, &template).unwrap().version,
            written.version
        );
        // No index.html: not a built site.
        std::fs::remove_file(dir.join("index.html")).unwrap();
        assert!(write_service_worker(&dir, &template).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn reads_tags_and_attributes() {
        let html = r#"<META HTTP-EQUIV="content-security-policy" content="default-src 'self'"><script src=a.js defer></script><script type="module">x</script><scripts>"#;
        assert_eq!(csp_meta(html).as_deref(), Some("default-src 'self'"));
        let scripts: Vec<_> = tags(html, "script").collect();
        assert_eq!(
            scripts,
            ["<script src=a.js defer>", r#"<script type="module">"#]
        );
        assert_eq!(attribute(scripts[0], "src").as_deref(), Some("a.js"));
        assert_eq!(attribute(scripts[0], "defer").as_deref(), Some(""));
        assert_eq!(
            attribute("<script defer async>", "defer").as_deref(),
            Some("")
        );
        assert_eq!(
            attribute("<img srcset=a src=b>", "src").as_deref(),
            Some("b")
        );
        assert_eq!(attribute(scripts[1], "src"), None);
        assert_eq!(attribute("<script data-src='x'>", "src"), None);
        assert_eq!(
            attribute("<link href='a b'/>", "href").as_deref(),
            Some("a b")
        );
        assert_eq!(csp_meta("<meta name=x content=y>"), None);
    }

    #[test]
    fn checks_the_built_index() {
        let meta = format!(r#"<meta http-equiv="Content-Security-Policy" content="{CSP}" />"#);
        let ok = format!(
            r#"<head>{meta}<script type="module" src="./start.js" data-js="./a.js"></script></head>"#
        );
        check_index(&ok).unwrap();
        // What Trunk emits by default: an inline module script.
        let inline = format!(
            "<head>{meta}<script type=\"module\">\nimport init from './a.js';\n</script></head>"
        );
        assert!(check_index(&inline)
            .unwrap_err()
            .0
            .contains("inline script"));
        assert!(check_index("<head></head>")
            .unwrap_err()
            .0
            .contains("no <meta"));
        let other = r#"<meta http-equiv="Content-Security-Policy" content="default-src *">"#;
        assert!(check_index(other)
            .unwrap_err()
            .0
            .contains("make them the same"));
    }

    /// The policy in index.html (which Trunk copies into the build) is the one `serve` sends.
    #[test]
    fn index_html_carries_the_policy() {
        assert_eq!(csp_meta(&repo_file("index.html")).as_deref(), Some(CSP));
    }

    #[test]
    fn the_policy_allows_only_the_site_itself() {
        let directives: Vec<&str> = CSP.split("; ").collect();
        assert!(directives.contains(&"script-src 'self' 'wasm-unsafe-eval'"));
        assert!(directives.contains(&"default-src 'self'"));
        for word in ["'unsafe-eval'", "http:", "https:", "*", "blob:"] {
            assert!(
                !CSP.split([' ', ';']).any(|w| w == word),
                "{word} in the policy"
            );
        }
        // Only style attributes may be inline, never a script.
        let inline: Vec<_> = directives
            .iter()
            .filter(|d| d.contains("'unsafe-inline'"))
            .collect();
        assert_eq!(inline, [&"style-src-attr 'unsafe-inline'"]);
    }
}
