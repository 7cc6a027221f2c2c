/// RFC 3986 §4.1 `URI-reference` syntax check (CloudEvents' type for `source` and `dataschema`).
///
/// Syntax only: no normalisation, no scheme-specific rules. Non-ASCII characters are rejected (a URI
/// carries them percent-encoded; IRIs are not URI-references). IP literals are checked for their
/// character set, not parsed as IPv6 addresses.
enum URIReference {
    /// `nil` when `text` is a URI-reference, otherwise what is wrong and where (byte offset in UTF-8).
    static func violation(in text: String) -> String? {
        let bytes = Array(text.utf8)
        if let problem = characterViolation(bytes) { return problem }

        // Split off fragment and query: both allow pchar, "/" and "?", so nothing more to check there
        // except that brackets (gen-delims reserved for IP literals) do not appear.
        let fragmentStart = bytes.firstIndex(of: ascii("#")) ?? bytes.count
        if let bracket = bytes[fragmentStart...].firstIndex(where: isBracket) { return describe(bytes, at: bracket, "in the fragment") }
        if let hash = bytes[(min(fragmentStart + 1, bytes.count))...].firstIndex(of: ascii("#")) {
            return describe(bytes, at: hash, "(a second '#')")
        }
        let queryStart = bytes[..<fragmentStart].firstIndex(of: ascii("?")) ?? fragmentStart
        if let bracket = bytes[queryStart..<fragmentStart].firstIndex(where: isBracket) { return describe(bytes, at: bracket, "in the query") }

        var rest = bytes[..<queryStart]
        // A ':' before any '/' ends a scheme; otherwise it would sit in the first segment of a
        // relative path, which RFC 3986 forbids (path-noscheme).
        if let colon = rest.firstIndex(of: ascii(":")), !rest[..<colon].contains(ascii("/")) {
            let scheme = rest[..<colon]
            guard let first = scheme.first, isAlpha(first),
                  scheme.allSatisfy({ isAlpha($0) || isDigit($0) || $0 == ascii("+") || $0 == ascii("-") || $0 == ascii(".") })
            else {
                return "\"\(String(decoding: scheme, as: UTF8.self))\" before ':' is not a valid scheme (a relative reference cannot have ':' in its first segment)"
            }
            rest = rest[(colon + 1)...]
        }

        if rest.starts(with: [ascii("/"), ascii("/")]) {
            let authorityStart = rest.startIndex + 2
            let authorityEnd = rest[authorityStart...].firstIndex(of: ascii("/")) ?? rest.endIndex
            if let problem = authorityViolation(bytes, authorityStart..<authorityEnd) { return problem }
            rest = rest[authorityEnd...]
        }
        if let bracket = rest.firstIndex(where: isBracket) { return describe(bytes, at: bracket, "in the path") }
        return nil
    }

    /// `[ userinfo "@" ] host [ ":" port ]`.
    private static func authorityViolation(_ bytes: [UInt8], _ range: Range<Int>) -> String? {
        var hostStart = range.lowerBound
        if let at = bytes[range].firstIndex(of: ascii("@")) {
            if let bad = bytes[range.lowerBound..<at].firstIndex(where: isBracket) { return describe(bytes, at: bad, "in the userinfo") }
            if let second = bytes[(at + 1)..<range.upperBound].firstIndex(of: ascii("@")) { return describe(bytes, at: second, "(a second '@' in the authority)") }
            hostStart = at + 1
        }
        var portStart: Int?
        if hostStart < range.upperBound, bytes[hostStart] == ascii("[") {
            guard let close = bytes[hostStart..<range.upperBound].firstIndex(of: ascii("]")) else {
                return "IP literal starting at offset \(hostStart) has no closing ']'"
            }
            let literal = bytes[(hostStart + 1)..<close]
            let isIPv6 = literal.contains(ascii(":")) && literal.allSatisfy { isHex($0) || $0 == ascii(":") || $0 == ascii(".") }
            let isFuture = literal.first.map { $0 == ascii("v") || $0 == ascii("V") } == true && literal.contains(ascii("."))
                && !literal.contains(where: isBracket)
            guard isIPv6 || isFuture else { return "IP literal at offset \(hostStart) is neither IPv6 nor IPvFuture" }
            if close + 1 < range.upperBound {
                guard bytes[close + 1] == ascii(":") else { return describe(bytes, at: close + 1, "after the IP literal") }
                portStart = close + 2
            }
        } else {
            let host = bytes[hostStart..<range.upperBound]
            if let bad = host.firstIndex(where: isBracket) { return describe(bytes, at: bad, "in the host") }
            if let colon = host.firstIndex(of: ascii(":")) { portStart = colon + 1 }
        }
        if let portStart, let bad = bytes[portStart..<range.upperBound].firstIndex(where: { !isDigit($0) }) {
            return describe(bytes, at: bad, "in the port")
        }
        return nil
    }

    /// Every byte must be unreserved, a sub-delim, a gen-delim or part of a `%XX` escape.
    private static func characterViolation(_ bytes: [UInt8]) -> String? {
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == ascii("%") {
                guard index + 2 < bytes.count, isHex(bytes[index + 1]), isHex(bytes[index + 2]) else {
                    return "invalid percent-encoding at offset \(index) ('%' must be followed by two hex digits)"
                }
                index += 3
                continue
            }
            guard isAllowed(byte) else { return describe(bytes, at: index, "") }
            index += 1
        }
        return nil
    }

    private static func describe(_ bytes: [UInt8], at offset: Int, _ context: String) -> String {
        let byte = bytes[offset]
        let what: String
        switch byte {
        case ascii(" "): what = "space"
        case 0..<0x20, 0x7F: what = "control character U+\(String(byte, radix: 16, uppercase: true).leftPadded(4))"
        case 0x80...: what = "non-ASCII character (percent-encode it)"
        default: what = "'\(Character(Unicode.Scalar(byte)))'"
        }
        return "\(what) at offset \(offset)" + (context.isEmpty ? "" : " " + context)
    }

    private static func isAllowed(_ byte: UInt8) -> Bool {
        if isAlpha(byte) || isDigit(byte) { return true }
        // unreserved "-._~", sub-delims "!$&'()*+,;=", gen-delims ":/?#[]@"
        return Array("-._~!$&'()*+,;=:/?#[]@".utf8).contains(byte)
    }

    private static func ascii(_ scalar: Unicode.Scalar) -> UInt8 { UInt8(ascii: scalar) }
    private static func isAlpha(_ b: UInt8) -> Bool { (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) }
    private static func isDigit(_ b: UInt8) -> Bool { (0x30...0x39).contains(b) }
    private static func isHex(_ b: UInt8) -> Bool { isDigit(b) || (0x41...0x46).contains(b) || (0x61...0x66).contains(b) }
    private static func isBracket(_ b: UInt8) -> Bool { b == 0x5B || b == 0x5D }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
