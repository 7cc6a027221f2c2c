extension EventAttributes {
    /// Attribute names CloudEvents 1.0 defines itself; an extension may not reuse them.
    public static let reservedAttributeNames: Set<String> = [
        "id", "source", "specversion", "type", "datacontenttype", "dataschema", "subject", "time", "data",
    ]

    /// Checks the CloudEvents rules Herald enforces before anything is written: `id`, `source` and
    /// `type` non-empty; `source` (and `dataschema` when set) an RFC 3986 URI-reference; `time`
    /// expressible in RFC 3339; extension names of lower-case ASCII letters and digits that do not
    /// collide with a core attribute. CloudEvents only *recommends* at most 20 characters for a
    /// name, so longer names pass.
    ///
    /// Throws the first violation, in the order above (extensions by name), naming its field.
    public func validate() throws(EventAttributeError) {
        if id.isEmpty { throw EventAttributeError(field: "event.id", reason: "must not be empty") }
        if source.isEmpty { throw EventAttributeError(field: "event.source", reason: "must not be empty") }
        if let problem = URIReference.violation(in: source) {
            throw EventAttributeError(field: "event.source", reason: "not a URI-reference: \(problem)")
        }
        if type.isEmpty { throw EventAttributeError(field: "event.type", reason: "must not be empty") }
        if !dataSchema.isEmpty, let problem = URIReference.violation(in: dataSchema) {
            throw EventAttributeError(field: "event.dataschema", reason: "not a URI-reference: \(problem)")
        }
        if let time, !time.isRepresentable {
            throw EventAttributeError(
                field: "event.time",
                reason: "\(time.secondsSinceEpoch)s + \(time.nanoseconds)ns is outside 0001-01-01 … 9999-12-31 or has invalid nanoseconds"
            )
        }
        for name in extensions.keys.sorted() {
            if let problem = Self.extensionNameViolation(name) {
                throw EventAttributeError(field: "event.extensions[\"\(name)\"]", reason: problem)
            }
        }
    }

    /// Why `name` cannot be a CloudEvents extension attribute name, or `nil` if it can.
    public static func extensionNameViolation(_ name: String) -> String? {
        if name.isEmpty { return "extension name must not be empty" }
        if let bad = name.unicodeScalars.first(where: { !(("a"..."z").contains($0) || ("0"..."9").contains($0)) }) {
            return "extension name may contain only lower-case letters a-z and digits 0-9, not '\(bad.escaped(asASCII: true))'"
        }
        if reservedAttributeNames.contains(name) { return "\"\(name)\" is a core CloudEvents attribute, not an extension" }
        return nil
    }
}
