import FuzzSchemas
import FuzzSupport
import HeraldAvro

/// Avro binary decoding and validation: the first byte picks a schema, the rest is the payload.
/// Decoding, validating and the one-pass JSON conversion must agree on whether the payload is
/// valid; a decoded value must encode again (stably) and give the same JSON as the one-pass conversion.
runLibFuzzer { data, count in
    var input = FuzzInput(data, count)
    let schema = FuzzSchemas.schema(for: input.byte())
    let payload = input.rest()
    let decoded: AvroValue?
    do { decoded = try schema.decode(payload) } catch { decoded = nil }
    let valid: Bool
    do { try schema.validate(payload); valid = true } catch { valid = false }
    let jsonText: [UInt8]?
    do { jsonText = try schema.json(fromBinary: payload) } catch { jsonText = nil }
    guard (decoded != nil) == valid, valid == (jsonText != nil) else {
        fuzzFailure("decode \(decoded != nil), validate \(valid), json(fromBinary:) \(jsonText != nil) disagree on \(Array(payload))")
    }
    guard let decoded, let jsonText else { return 0 }
    do {
        let reencoded = try schema.encode(decoded)
        guard try schema.encode(schema.decode(reencoded)) == reencoded else { fuzzFailure("encoding is not stable for \(Array(payload))") }
        guard try schema.json(for: decoded) == jsonText else { fuzzFailure("json(for:) and json(fromBinary:) differ for \(Array(payload))") }
    } catch {
        fuzzFailure("a decoded value does not encode again: \(error)")
    }
    return 0
}
