/// The text SQLite runs for a `LogStatement` (pure): its `$1`, `$2`, … placeholders as `?1`, `?2`, ….
///
/// SQLite takes `$1` for a named parameter and, to number it, compares its name with every name
/// the statement has used before, so parsing a statement of n placeholders costs n² string
/// comparisons; for the follower's multi-row upserts (thousands of binds) that parse was most of
/// a batch's time. `?NNN` is a parameter by number, read in constant time, and numbers each bind
/// as PostgreSQL numbers `$NNN`. Quoted text (string literals, quoted identifiers) and a `$`
/// inside an identifier (SQLite allows `a$1`) are left as they are.
enum SQLiteParameters {
    static func numbered(_ sql: String) -> String {
        var bytes = Array(sql.utf8)
        var quote: UInt8?
        for index in bytes.indices {
            let byte = bytes[index]
            if let open = quote {
                if byte == open { quote = nil }
            } else if byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\"") {
                quote = byte
            } else if byte == UInt8(ascii: "$"), index + 1 < bytes.count, isDigit(bytes[index + 1]),
                      index == 0 || !isIdentifierPart(bytes[index - 1]) {
                bytes[index] = UInt8(ascii: "?")
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

    /// Letters, digits, `_`, `$` and any byte of a multi-byte character continue an identifier.
    private static func isIdentifierPart(_ byte: UInt8) -> Bool {
        isDigit(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20) || byte == UInt8(ascii: "_")
            || byte == UInt8(ascii: "$") || byte >= 0x80
    }
}
