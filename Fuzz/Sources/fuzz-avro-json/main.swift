import FuzzSchemas
import FuzzSupport
import HeraldAvro

/// The Avro JSON reader: the first byte picks a schema and the JSON mode, the rest is the JSON
/// text. Whatever is accepted must be valid Avro binary of the schema, and the JSON written back
/// for it must be read again to the same binary.
runLibFuzzer { data, count in
    var input = FuzzInput(data, count)
    let selector = input.byte()
    let schema = FuzzSchemas.schema(for: selector)
    let mode: AvroJSONMode = selector & 0x80 == 0 ? .strict : .lenient
    let text = input.rest()
    _ = try? JSONValue(parsing: text)
    guard let binary = try? schema.encodeJSON(text, mode: mode) else { return 0 }
    do {
        try schema.validate(binary)
        let written = try schema.json(fromBinary: binary)
        guard try schema.encodeJSON(written, mode: .strict) == binary else {
            fuzzFailure("JSON written for \(String(decoding: text, as: UTF8.self)) does not read back to the same binary")
        }
    } catch {
        fuzzFailure("JSON accepted as \(binary) is not a readable value: \(error)")
    }
    return 0
}
