/// Where a Redis server is and how to log in: what a `redis://` URL says.
///
/// `redis://[[user]:password@]host[:port][/db]`; the port defaults to 6379 and the database to 0.
/// IPv6 hosts are written in brackets (`redis://[::1]:6379`). Percent-escapes in the user and
/// password are decoded. `rediss://` (TLS) and `unix://` are not supported.
package struct RedisEndpoint: Sendable, Hashable, CustomStringConvertible {
    package var host: String
    package var port: Int
    package var database: Int
    package var username: String?
    package var password: String?

    package init(host: String, port: Int = 6379, database: Int = 0, username: String? = nil, password: String? = nil) {
        self.host = host
        self.port = port
        self.database = database
        self.username = username
        self.password = password
    }

    /// Parses a `redis://` URL.
    ///
    /// - Throws: ``RedisURLError`` naming what is wrong.
    package init(url: String) throws(RedisURLError) {
        let scheme = "redis://"
        guard url.hasPrefix(scheme) else {
            throw RedisURLError(url: url, reason: "it must start with redis://")
        }
        var rest = Substring(url.dropFirst(scheme.count))
        var username: String?
        var password: String?
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                let user = String(credentials[..<colon])
                username = user.isEmpty ? nil : try Self.percentDecoded(user, url: url)
                password = try Self.percentDecoded(String(credentials[credentials.index(after: colon)...]), url: url)
            } else {
                // `redis://secret@host`: a lone credential is the password, as redis-py reads it.
                password = try Self.percentDecoded(String(credentials), url: url)
            }
        }
        var database = 0
        if let slash = rest.firstIndex(of: "/") {
            let path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
            if !path.isEmpty {
                guard let number = Int(path), number >= 0 else {
                    throw RedisURLError(url: url, reason: "the database '\(path)' is not a number 0 or more")
                }
                database = number
            }
        }
        var host: Substring
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else {
                throw RedisURLError(url: url, reason: "an IPv6 host needs its closing ]")
            }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty {
                throw RedisURLError(url: url, reason: "unexpected '\(after)' after the host")
            }
        } else if let colon = rest.lastIndex(of: ":") {
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
        } else {
            host = rest
        }
        guard !host.isEmpty else { throw RedisURLError(url: url, reason: "it names no host") }
        var port = 6379
        if let portText {
            guard let number = Int(portText), (1...65535).contains(number) else {
                throw RedisURLError(url: url, reason: "the port '\(portText)' is not a number from 1 to 65535")
            }
            port = number
        }
        self.init(host: String(host), port: port, database: database, username: username, password: password)
    }

    /// `host:port`, as error messages name the server (never the password).
    package var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    private static func percentDecoded(_ text: String, url: String) throws(RedisURLError) -> String {
        guard text.contains("%") else { return text }
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next(), let low = iterator.next(),
                      let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
                else { throw RedisURLError(url: url, reason: "a malformed percent-escape in the credentials") }
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// A `redis://` URL that cannot be used, and why.
package struct RedisURLError: Error, Sendable, Hashable, CustomStringConvertible {
    package var url: String
    package var reason: String
    package var description: String { "invalid Redis URL '\(RedisURLError.redacted(url))': \(reason)" }

    /// The URL with any password replaced by `***`.
    static func redacted(_ url: String) -> String {
        let scheme = "redis://"
        guard url.hasPrefix(scheme), let at = url.lastIndex(of: "@") else { return url }
        return scheme + "***" + String(url[at...])
    }
}
