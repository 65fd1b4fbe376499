internal import Foundation
public import Hummingbird

/// The browser explorer's static files (Sources/Node/Explorer, a bundled resource), served at
/// `/explorer/`. The whole set is read once, at first use, into memory: a request only looks
/// its path up in that table, so no byte a client sends ever reaches the file system, and
/// `..`, `%2e%2e`, absolute paths or symlinks cannot name anything outside the shipped files.
enum ExplorerFiles {
    struct File: Sendable {
        let bytes: [UInt8]
        let contentType: String
    }

    /// Bounds on what is loaded, so a stray large file in the resource folder cannot make
    /// every node hold it in memory.
    static let maxFileBytes = 512 * 1024
    static let maxFiles = 64

    /// Content types by extension; a file of any other kind is not served at all.
    static let contentTypes: [String: String] = [
        "html": "text/html; charset=utf-8",
        "css": "text/css; charset=utf-8",
        "js": "text/javascript; charset=utf-8",
        "json": "application/json",
        "svg": "image/svg+xml",
        "png": "image/png",
    ]

    /// Relative path (e.g. `js/app.js`) to file.
    static let table: [String: File] = load()

    static func load() -> [String: File] {
        guard let root = Bundle.module.url(forResource: "Explorer", withExtension: nil) else {
            return [:]
        }
        let rootPath = root.standardizedFileURL.path
        guard let walker = FileManager.default.enumerator(atPath: rootPath) else { return [:] }
        var table: [String: File] = [:]
        while let relative = walker.nextObject() as? String, table.count < maxFiles {
            guard isServable(relative),
                  let type = contentTypes[String(relative.split(separator: ".").last ?? "")]
            else { continue }
            let url = URL(fileURLWithPath: rootPath).appendingPathComponent(relative)
            let values = try? url.resourceValues(forKeys: [.isRegularFileKey, .fileSizeKey])
            guard values?.isRegularFile == true, let size = values?.fileSize, size <= maxFileBytes,
                  let data = try? Data(contentsOf: url)
            else { continue }
            table[relative] = File(bytes: Array(data), contentType: type)
        }
        return table
    }

    /// Only plain names made of letters, digits, `-`, `_` and one `.` per segment, so a
    /// name in the table can never be read as a path elsewhere.
    static func isServable(_ path: String) -> Bool {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        guard !segments.isEmpty, segments.count <= 4, path.utf8.count <= 128 else { return false }
        for segment in segments {
            guard !segment.isEmpty, !segment.hasPrefix("."),
                  segment.filter({ $0 == "." }).count <= 1,
                  segment.allSatisfy({
                      $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0))
                  })
            else { return false }
        }
        return true
    }

    /// The file a request path names, after `/explorer/` (empty: the index page).
    static func file(for segments: [Substring]) -> File? {
        let path = segments.isEmpty ? "index.html" : segments.joined(separator: "/")
        guard isServable(path) else { return nil }
        return table[path]
    }

    /// Headers that keep the console to its own origin: scripts and styles only from this
    /// node, no framing, no content sniffing. Reads may go to other nodes (the operations
    /// view polls each node's /v1/status and /metrics, which allow CORS).
    static func response(_ file: File) -> Response {
        var headers: HTTPFields = [:]
        headers[.contentType] = file.contentType
        headers[.cacheControl] = "no-cache"
        headers[.contentSecurityPolicy] =
            "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
            + "connect-src 'self' http: https:; "
            + "frame-ancestors 'none'"
        headers[.xContentTypeOptions] = "nosniff"
        return Response(
            status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: file.bytes)))
    }
}

extension APIRoutes {
    /// `/explorer/...` (static files), the index at `/explorer` and `/explorer/` (Hummingbird
    /// treats them as one route; the page uses absolute paths, so either works) and a
    /// redirect to it from `/`.
    func registerExplorer(on router: Router<APIRequestContext>) {
        router.get("/") { _, _ in Response(status: .seeOther, headers: [.location: "/explorer/"]) }
        router.get("/explorer") { _, context in
            _ = try requireCaller(context, route: "explorer")
            guard let file = ExplorerFiles.file(for: []) else {
                throw APIError.notFound("explorer")
            }
            return ExplorerFiles.response(file)
        }
        router.get("/explorer/**") { _, context in
            _ = try requireCaller(context, route: "explorer")
            let segments = context.parameters.getCatchAll()
            guard let file = ExplorerFiles.file(for: segments) else {
                throw APIError.notFound("explorer file")
            }
            return ExplorerFiles.response(file)
        }
    }
}
