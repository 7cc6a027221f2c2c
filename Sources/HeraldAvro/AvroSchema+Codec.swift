/// Binary and JSON encoding of values with this schema.
extension AvroSchema {
    /// Avro binary encoding of `value`.
    public func encode(_ value: AvroValue) throws(AvroError) -> [UInt8] {
        var encoder = BinaryEncoder(graph: graph)
        try encoder.encode(value, index)
        return encoder.writer.bytes
    }

    /// Decodes one complete Avro binary value; trailing bytes are an error.
    public func decode(_ bytes: some Sequence<UInt8>) throws(AvroError) -> AvroValue {
        try withContiguousBytes(bytes) { buffer throws(AvroError) in
            var decoder = BinaryDecoder(graph: graph, bytes: UnsafeRawBufferPointer(buffer))
            let value = try decoder.decode(index)
            try Self.requireEnd(decoder.reader)
            return value
        }
    }

    /// Checks that `bytes` are exactly one valid Avro binary value of this schema without
    /// building it (the producer's check of Avro payloads).
    public func validate(_ bytes: some Sequence<UInt8>) throws(AvroError) {
        try withContiguousBytes(bytes) { buffer throws(AvroError) in
            var validator = BinaryValidator(graph: graph, bytes: UnsafeRawBufferPointer(buffer))
            try validator.validate(index)
            try Self.requireEnd(validator.reader)
        }
    }

    static func requireEnd(_ reader: BinaryReader) throws(AvroError) {
        guard reader.isAtEnd else {
            throw AvroError(.trailingBytes, "\(reader.remaining) bytes after the value, which ended at byte \(reader.position)")
        }
    }

    /// Encodes JSON text (UTF-8) directly as Avro binary, validating it against this schema.
    public func encodeJSON(_ json: some Sequence<UInt8>, mode: AvroJSONMode = .strict) throws(AvroError) -> [UInt8] {
        let document = try JSONValue(parsing: json)
        return try encodeJSON(document, mode: mode)
    }

    public func encodeJSON(_ json: String, mode: AvroJSONMode = .strict) throws(AvroError) -> [UInt8] {
        try encodeJSON(JSONValue(parsing: json), mode: mode)
    }

    /// Encodes an already parsed JSON document as Avro binary.
    public func encodeJSON(_ json: JSONValue, mode: AvroJSONMode = .strict) throws(AvroError) -> [UInt8] {
        var encoder = JSONToBinaryEncoder(graph: graph, mode: mode == .strict ? .strict : .lenient)
        try encoder.encode(json, node: index)
        return encoder.writer.bytes
    }

    /// Decodes JSON text (UTF-8) into a value of this schema.
    public func decodeJSON(_ json: some Sequence<UInt8>, mode: AvroJSONMode = .strict) throws(AvroError) -> AvroValue {
        try decode(encodeJSON(json, mode: mode))
    }

    public func decodeJSON(_ json: String, mode: AvroJSONMode = .strict) throws(AvroError) -> AvroValue {
        try decode(encodeJSON(json, mode: mode))
    }

    /// JSON text (UTF-8) for a value of this schema.
    public func json(for value: AvroValue, style: AvroJSONStyle = .avro) throws(AvroError) -> [UInt8] {
        var writer = AvroJSONWriter(graph: graph, style: style)
        try writer.write(value, index)
        return writer.writer.bytes
    }

    public func jsonText(for value: AvroValue, style: AvroJSONStyle = .avro) throws(AvroError) -> String {
        String(decoding: try json(for: value, style: style), as: UTF8.self)
    }

    /// JSON text (UTF-8) for Avro binary of this schema (the webhook path), written in one pass
    /// without building values; the same text `json(for: decode(bytes))` gives.
    public func json(fromBinary bytes: some Sequence<UInt8>, style: AvroJSONStyle = .avro) throws(AvroError) -> [UInt8] {
        try withContiguousBytes(bytes) { buffer throws(AvroError) in
            var converter = BinaryToJSONWriter(graph: graph, style: style, bytes: UnsafeRawBufferPointer(buffer))
            try converter.write(index)
            try Self.requireEnd(converter.reader)
            return converter.writer.bytes
        }
    }
}
