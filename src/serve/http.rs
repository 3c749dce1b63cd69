//! Request paths to files: the pure part of the preview server, where the
//! security rules live (no request may read outside the output folder).

use std::path::{Component, Path, PathBuf};

/// What to answer to a GET or HEAD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Resolved {
    /// Serve this file.
    File(PathBuf),
    /// Redirect (a folder asked for without its trailing `/`).
    Redirect(String),
    /// Nothing there: answer 404 with the site's `404.html`.
    NotFound,
}

/// Resolves a request target against the output folder served under the
/// URL path `prefix` (`/` or `/archive/`).
///
/// The path is percent-decoded first; any `..` segment, NUL byte or
/// backslash is refused, and the file found must lie inside the output
/// folder once symbolic links are resolved.
pub(crate) fn resolve(output: &Path, prefix: &str, target: &str) -> Resolved {
    let raw = target.split(['?', '#']).next().unwrap_or("");
    let Some(path) = percent_decode(raw) else {
        return Resolved::NotFound;
    };
    if path.contains(['\0', '\\']) {
        return Resolved::NotFound;
    }
    if format!("{path}/") == prefix {
        return Resolved::Redirect(prefix.to_string());
    }
    let Some(rel) = path.strip_prefix(prefix) else {
        return Resolved::NotFound;
    };
    let rel_path = Path::new(rel);
    if rel_path
        .components()
        .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Resolved::NotFound;
    }
    let Ok(root) = output.canonicalize() else {
        return Resolved::NotFound;
    };
    let Ok(found) = output.join(rel_path).canonicalize() else {
        return Resolved::NotFound;
    };
    if !found.starts_with(&root) {
        return Resolved::NotFound;
    }
    if found.is_dir() {
        if !path.ends_with('/') {
            return Resolved::Redirect(format!("{raw}/"));
        }
        let index = found.join("index.html");
        return if index.is_file() {
            Resolved::File(index)
        } else {
            Resolved::NotFound
        };
    }
    if found.is_file() {
        Resolved::File(found)
    } else {
        Resolved::NotFound
    }
}

/// Decodes `%XX` escapes; `None` for malformed escapes or non-UTF-8 results.
pub(crate) fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The `Content-Type` for a file name.
pub(crate) fn content_type(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "pdf" => "application/pdf",
        "mp4" => "video/mp4",
        "mp3" => "audio/mpeg",
        "wasm" => "application/wasm",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> tempfile::TempDir {
        let t = tempfile::tempdir().unwrap();
        let out = t.path().join("out");
        std::fs::create_dir_all(out.join("2017/07")).unwrap();
        std::fs::write(out.join("index.html"), "home").unwrap();
        std::fs::write(out.join("2017/07/index.html"), "month").unwrap();
        std::fs::write(out.join("style.css"), "css").unwrap();
        std::fs::write(t.path().join("secret.txt"), "secret").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(t.path().join("secret.txt"), out.join("leak.txt")).unwrap();
        t
    }

    #[test]
    fn files_folders_and_redirects() {
        let t = site();
        let out = t.path().join("out");
        let canon = out.canonicalize().unwrap();
        assert_eq!(
            resolve(&out, "/", "/"),
            Resolved::File(canon.join("index.html"))
        );
        assert_eq!(
            resolve(&out, "/", "/style.css?v=2"),
            Resolved::File(canon.join("style.css"))
        );
        assert_eq!(
            resolve(&out, "/", "/2017/07/"),
            Resolved::File(canon.join("2017/07/index.html"))
        );
        assert_eq!(
            resolve(&out, "/", "/2017/07"),
            Resolved::Redirect("/2017/07/".into())
        );
        assert_eq!(resolve(&out, "/", "/nope/"), Resolved::NotFound);
        assert_eq!(
            resolve(&out, "/archive/", "/archive/style.css"),
            Resolved::File(canon.join("style.css"))
        );
        assert_eq!(
            resolve(&out, "/archive/", "/archive"),
            Resolved::Redirect("/archive/".into())
        );
        assert_eq!(resolve(&out, "/archive/", "/style.css"), Resolved::NotFound);
    }

    #[test]
    fn nothing_outside_the_output() {
        let t = site();
        let out = t.path().join("out");
        for evil in [
            "/../secret.txt",
            "/2017/../../secret.txt",
            "/%2e%2e/secret.txt",
            "/%2E%2E%2Fsecret.txt",
            "/..%5csecret.txt",
            "//etc/passwd",
            "/%00",
            "/%zz",
            "/leak.txt",
        ] {
            assert_eq!(resolve(&out, "/", evil), Resolved::NotFound, "{evil}");
        }
    }

    #[test]
    fn content_types() {
        assert_eq!(
            content_type(Path::new("a/index.html")),
            "text/html; charset=utf-8"
        );
        assert_eq!(
            content_type(Path::new("feed.xml")),
            "application/xml; charset=utf-8"
        );
        assert_eq!(content_type(Path::new("x.CSS")), "text/css; charset=utf-8");
        assert_eq!(content_type(Path::new("blob")), "application/octet-stream");
    }
}
